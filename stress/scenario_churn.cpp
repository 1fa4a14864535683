// Scenarios 1-3: handle churn on hot destinations, add/delete races with
// concurrent lookups, destination deletion under held handles.
#include <algorithm>

#include "harness.h"

namespace rtm_stress {

namespace {

struct Setup {
  Objects objects;
  std::unique_ptr<rtm::Instance> rtm = std::make_unique<rtm::Instance>();
  std::vector<rtm::EntityHandle> entities;

  rtm::EntityHandle add_entity(std::uint32_t protocol, std::uint32_t instance) {
    rtm::EntityHandle h;
    rtm->register_entity({0, rtm::Family::ipv4, protocol, instance}, {}, &h);
    entities.push_back(h);
    return h;
  }
  // One entity per thread (protocol 100 + thread index).
  std::vector<rtm::EntityHandle> thread_entities(unsigned threads) {
    std::vector<rtm::EntityHandle> me(threads);
    for (unsigned t = 0; t < threads; ++t) me[t] = add_entity(100 + t, 1);
    return me;
  }
};

// `count` prefixes head + i + tail, e.g. ("10.", 4, ".0.0/16").
std::vector<rtm::NetAddress> numbered(const std::string& head, std::size_t count,
                                      const std::string& tail) {
  std::vector<rtm::NetAddress> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(prefix(head + std::to_string(i) + tail));
  return out;
}

// A writer's step on prefix p: add or update its route (random preference),
// or delete it. Returns false on an unexpected error.
void writer_step(rtm::Instance& rtm, rtm::EntityHandle me, const rtm::NetAddress& p,
                 std::mt19937_64& rng, Report& rep) {
  rtm::RouteInfo ri;
  ri.pref = {static_cast<std::uint32_t>(rng() % 10), static_cast<std::uint32_t>(rng() % 4)};
  rtm::RouteChangeFlags ch = 0;
  rtm::RouteHandle h;
  if (!expect(rep, rtm.add_route(me, &h, p, ri, rtm::kInfinite, &ch), rtm::errc::ok, "add_route"))
    return;
  if (rng() % 2 == 0) expect(rep, rtm.delete_route(me, h, &ch), rtm::errc::ok, "delete_route");
  expect(rep, rtm.release_routes(me, {&h, 1}), rtm::errc::ok, "release_routes");
}

}  // namespace

// 1. Many threads get/release infos and reference/dereference handles on a
// handful of destinations while writers add and delete routes on them, so
// the destinations themselves come and go.
bool hot_dest_churn(const Options& o, Report& rep) {
  Setup s;
  const std::size_t hot = o.size ? o.size : 4;
  const auto prefixes = numbered("10.", hot, ".0.0/16");
  const unsigned threads = std::max(2u, o.threads);
  const unsigned writers = std::max(1u, threads / 3);
  const auto me = s.thread_entities(threads);
  std::atomic<std::uint64_t> hits{0}, misses{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    rtm::Instance& rtm = *s.rtm;
    std::uint64_t n = 0, h = 0, m = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const rtm::NetAddress& p = prefixes[rng() % prefixes.size()];
      if (t < writers) {
        writer_step(rtm, me[t], p, rng, rep);
        ++n;
        continue;
      }
      rtm::DestInfo di;
      const rtm::errc r =
          rtm.get_exact_match_destination(me[t], p, rtm::kBestProtocol, rtm::kViewMaskAny, &di);
      ++n;
      if (r == rtm::errc::not_found) {
        ++m;
        continue;
      }
      if (!expect(rep, r, rtm::errc::ok, "get_exact_match_destination")) continue;
      ++h;
      if (!(di.address == p)) rep.violation("exact match returned another prefix");
      // Keep the destination handle past the info, use it, give it back.
      const rtm::AnyHandle keep = di.dest.value;
      expect(rep, rtm.reference_handles(me[t], {&keep, 1}), rtm::errc::ok, "reference_handles");
      expect(rep, rtm.release_dest_info(me[t], di), rtm::errc::ok, "release_dest_info");
      rtm::DestInfo again;
      if (expect(rep, rtm.get_dest_info(me[t], di.dest, rtm::kBestProtocol, rtm::kViewMaskAny,
                                        &again),
                 rtm::errc::ok, "get_dest_info on a held handle")) {
        if (!(again.address == p)) rep.violation("held destination changed its address");
        if (again.views[0].route) {
          rtm::RouteInfo ri;
          if (expect(rep, rtm.get_route_info(me[t], again.views[0].route, &ri, nullptr),
                     rtm::errc::ok, "get_route_info on a held route")) {
            if (ri.dest != di.dest) rep.violation("best route belongs to another destination");
            expect(rep, rtm.release_route_info(me[t], ri), rtm::errc::ok, "release_route_info");
          }
        }
        expect(rep, rtm.release_dest_info(me[t], again), rtm::errc::ok, "release_dest_info");
      }
      expect(rep, rtm.dereference_handles(me[t], {&keep, 1}), rtm::errc::ok, "dereference_handles");
      // A double release must be refused, never corrupt.
      if (rng() % 64 == 0 && rtm.dereference_handles(me[t], {&keep, 1}) == rtm::errc::ok)
        rep.violation("a second dereference of one reference succeeded");
      n += 4;
    }
    rep.ops += n;
    hits += h;
    misses += m;
  });
  const auto dests_allocated = rtm::object_counters().allocated[2] - s.objects.before.allocated[2];
  rep.check(hits > 0 && misses > 0,
            "lookups saw destinations present (" + std::to_string(hits.load()) + ") and absent (" +
                std::to_string(misses.load()) + ")");
  rep.check(dests_allocated > static_cast<std::int64_t>(hot),
            "destinations were deleted and re-created while held (" +
                std::to_string(dests_allocated) + " destination objects for " +
                std::to_string(hot) + " prefixes)");
  finish_instance(rep, s.rtm, s.entities, s.objects);
  return rep.ok();
}

// 2. Writers add and delete routes on nested prefixes while readers run
// exact and longest-prefix lookups. A /8 route that is never deleted covers
// everything, so a most-specific lookup must always find a destination
// that covers the address, is one of the known prefixes, and is never
// shorter than the /8; an exact lookup returns exactly its key.
bool route_races(const Options& o, Report& rep) {
  Setup s;
  const std::size_t regions = o.size ? o.size : 16;
  std::vector<rtm::NetAddress> prefixes;
  for (std::size_t i = 0; i < regions; ++i) {
    const std::string base = "10." + std::to_string(i);
    for (const char* suffix : {".0.0/16", ".1.0/24", ".1.128/25", ".1.192/26", ".1.200/32"})
      prefixes.push_back(prefix(base + suffix));
  }
  const rtm::EntityHandle anchor = s.add_entity(1, 1);
  {
    rtm::RouteInfo ri;
    rtm::RouteChangeFlags ch = 0;
    s.rtm->add_route(anchor, nullptr, prefix("10.0.0.0/8"), ri, rtm::kInfinite, &ch);
  }
  const unsigned threads = std::max(2u, o.threads);
  const unsigned writers = std::max(1u, threads / 2);
  const auto me = s.thread_entities(threads);
  std::atomic<std::uint64_t> lpm{0}, exact{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    rtm::Instance& rtm = *s.rtm;
    std::uint64_t n = 0, nl = 0, ne = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      ++n;
      if (t < writers) {
        writer_step(rtm, me[t], prefixes[rng() % prefixes.size()], rng, rep);
        continue;
      }
      const std::size_t region = rng() % regions;
      if (rng() % 2 == 0) {
        // An address inside the region's /32, /26, /25, /24 or just the /16.
        const std::uint32_t addr = (10u << 24) | (static_cast<std::uint32_t>(region) << 16) |
                                   (rng() % 2 ? (1u << 8) | (rng() % 256) : (rng() % 65536));
        const rtm::NetAddress a = rtm::NetAddress::ipv4(addr, 32);
        rtm::DestInfo di;
        if (!expect(rep,
                    rtm.get_most_specific_destination(me[t], a, rtm::kBestProtocol,
                                                      rtm::kViewMaskUnicast, &di),
                    rtm::errc::ok, "get_most_specific_destination (the /8 is always there)"))
          continue;
        ++nl;
        const bool known = di.address == prefix("10.0.0.0/8") ||
                           std::find(prefixes.begin(), prefixes.end(), di.address) != prefixes.end();
        if (!known || !di.address.covers(a))
          rep.violation("LPM of " + a.to_string() + " returned " + di.address.to_string());
        expect(rep, rtm.release_dest_info(me[t], di), rtm::errc::ok, "release_dest_info");
      } else {
        const rtm::NetAddress& p = prefixes[region * 5 + rng() % 5];
        rtm::DestInfo di;
        const rtm::errc r = rtm.get_exact_match_destination(me[t], p, rtm::kBestProtocol,
                                                            rtm::kViewMaskAny, &di);
        if (r == rtm::errc::not_found) continue;
        if (!expect(rep, r, rtm::errc::ok, "get_exact_match_destination")) continue;
        ++ne;
        if (!(di.address == p)) rep.violation("exact match returned another prefix");
        expect(rep, rtm.release_dest_info(me[t], di), rtm::errc::ok, "release_dest_info");
      }
    }
    rep.ops += n;
    lpm += nl;
    exact += ne;
  });
  rep.check(lpm > 0 && exact > 0, "longest-prefix lookups (" + std::to_string(lpm.load()) +
                                      ") and exact hits (" + std::to_string(exact.load()) +
                                      ") all consistent");
  // Model check: after the writers stop, each prefix has exactly the routes
  // the writers left (asked route by route with get_exact_match_route).
  std::size_t mismatches = 0;
  for (const auto& p : prefixes) {
    rtm::DestInfo di;
    const rtm::errc r =
        s.rtm->get_exact_match_destination(anchor, p, rtm::kBestProtocol, rtm::kViewMaskAny, &di);
    std::uint32_t routes = 0;
    if (r == rtm::errc::ok) {
      routes = di.views[0].num_routes;
      s.rtm->release_dest_info(anchor, di);
    }
    std::uint32_t model = 0;
    for (unsigned t = 0; t < writers; ++t) {
      rtm::RouteInfo crit;
      crit.owner = me[t];
      rtm::RouteHandle rh;
      if (s.rtm->get_exact_match_route(anchor, p, rtm::kMatchOwner, &crit, 0, rtm::kViewMaskAny,
                                       &rh, false) == rtm::errc::ok) {
        ++model;
        s.rtm->release_routes(anchor, {&rh, 1});
      }
    }
    if (routes != model || (r == rtm::errc::ok) != (model > 0)) ++mismatches;
  }
  rep.check(mismatches == 0, "table matches the per-owner routes left by the writers (" +
                                 std::to_string(mismatches) + " mismatches)");
  finish_instance(rep, s.rtm, s.entities, s.objects);
  return rep.ok();
}

// 3. Holders take destination handles (ReferenceHandles) and keep them
// across many deletions of every route on the destination; each held
// handle must stay usable (same address), and every destination object is
// freed once its last holder lets go.
bool dest_delete_held(const Options& o, Report& rep) {
  Setup s;
  const auto prefixes = numbered("172.16.", o.size ? o.size : 8, ".0/24");
  const unsigned threads = std::max(2u, o.threads);
  const unsigned writers = std::max(1u, threads / 2);
  const auto me = s.thread_entities(threads);
  std::atomic<std::uint64_t> held_reads{0}, deleted_seen{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    rtm::Instance& rtm = *s.rtm;
    std::uint64_t n = 0, reads = 0, gone = 0;
    struct Held {
      rtm::DestHandle dest;
      rtm::NetAddress address;
    };
    std::vector<Held> held;
    while (!stop.load(std::memory_order_relaxed)) {
      ++n;
      if (t < writers) {
        // Add then delete: the destination is usually gone right after.
        const rtm::NetAddress& p = prefixes[rng() % prefixes.size()];
        rtm::RouteInfo ri;
        rtm::RouteChangeFlags ch = 0;
        rtm::RouteHandle h;
        if (!expect(rep, rtm.add_route(me[t], &h, p, ri, rtm::kInfinite, &ch), rtm::errc::ok,
                    "add_route"))
          continue;
        expect(rep, rtm.delete_route(me[t], h, &ch), rtm::errc::ok, "delete_route");
        expect(rep, rtm.release_routes(me[t], {&h, 1}), rtm::errc::ok, "release_routes");
        continue;
      }
      if (held.size() < 8) {
        const rtm::NetAddress& p = prefixes[rng() % prefixes.size()];
        rtm::DestInfo di;
        if (rtm.get_exact_match_destination(me[t], p, rtm::kBestProtocol, rtm::kViewMaskAny,
                                            &di) != rtm::errc::ok)
          continue;
        const rtm::AnyHandle keep = di.dest.value;
        expect(rep, rtm.reference_handles(me[t], {&keep, 1}), rtm::errc::ok, "reference_handles");
        expect(rep, rtm.release_dest_info(me[t], di), rtm::errc::ok, "release_dest_info");
        held.push_back({di.dest, p});
        continue;
      }
      // Use every held handle, then drop one at random.
      for (const Held& h : held) {
        rtm::DestInfo di;
        if (!expect(rep, rtm.get_dest_info(me[t], h.dest, rtm::kBestProtocol, rtm::kViewMaskAny,
                                           &di),
                    rtm::errc::ok, "get_dest_info on a held, possibly deleted destination"))
          continue;
        ++reads;
        if (!(di.address == h.address)) rep.violation("held destination changed its address");
        if (di.views[0].num_routes == 0) ++gone;
        expect(rep, rtm.release_dest_info(me[t], di), rtm::errc::ok, "release_dest_info");
      }
      const std::size_t i = rng() % held.size();
      const rtm::AnyHandle v = held[i].dest.value;
      expect(rep, rtm.dereference_handles(me[t], {&v, 1}), rtm::errc::ok, "dereference_handles");
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    }
    for (const Held& h : held) {
      const rtm::AnyHandle v = h.dest.value;
      expect(rep, rtm.dereference_handles(me[t], {&v, 1}), rtm::errc::ok, "dereference_handles");
    }
    rep.ops += n;
    held_reads += reads;
    deleted_seen += gone;
  });
  rep.check(held_reads > 0 && deleted_seen > 0,
            "held handles read " + std::to_string(held_reads.load()) + " times, " +
                std::to_string(deleted_seen.load()) + " of them on a deleted destination");
  rep.check(s.rtm->dest_count(rtm::Family::ipv4) == 0, "no destination left in the table");
  finish_instance(rep, s.rtm, s.entities, s.objects);
  return rep.ok();
}

}  // namespace rtm_stress
