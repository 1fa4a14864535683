// Scenario 4: writers churn routes on a shared set of destinations (one
// route at a time, or a few at once with add_routes / delete_routes) while
// several registrations drain their changed-destination queues; another
// thread keeps creating and deleting registrations.
//
// The writers keep a log: per destination, `started` counts changes and is
// incremented *before* the change is made. A registration snapshots the
// log right after it registers. Checks, after the writers stop and every
// queue is drained:
//  - no lost change: a destination whose `started` grew after the snapshot
//    was delivered at least once after it (a change after registration is
//    either enqueued by its writer or coalesced into an entry still queued,
//    which is delivered later, reading the latest state);
//  - the latest state wins: the last best-route preference a registration
//    read for a destination equals the destination's final best preference;
//  - never twice in one queue: in the final drain, with no writer running,
//    the queue is exactly a set (no destination handle twice);
//  - the ok / no_more_items protocol: on a quiescent queue, ok only with a
//    full batch;
//  - no references left, every object freed.
#include <algorithm>
#include <map>
#include <set>

#include "harness.h"

namespace rtm_stress {

namespace {

constexpr std::uint32_t kNoRoute = 0xFFFFFFFFu;

struct Drainer {
  rtm::EntityHandle entity;
  rtm::NotifyHandle reg;
  std::vector<std::uint64_t> snapshot;     // writers' log at registration
  std::vector<std::uint64_t> delivered;    // deliveries per destination
  std::vector<std::uint32_t> last_pref;    // last best preference read
  std::uint64_t batches = 0;
};

}  // namespace

bool notify(const Options& o, Report& rep) {
  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  rtm::Instance& rtm = *inst;
  std::vector<rtm::EntityHandle> entities;
  const std::size_t n = o.size ? o.size : 64;
  std::vector<rtm::NetAddress> prefixes;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) {
    prefixes.push_back(rtm::NetAddress::ipv4((10u << 24) | (static_cast<std::uint32_t>(i) << 8), 24));
    index[prefixes.back().to_string()] = i;
  }
  const unsigned threads = std::max(3u, o.threads);
  const unsigned writers = std::max(1u, (threads - 1) / 2);
  const unsigned drainers = threads - 1 - writers;  // + 1 registration churner
  std::vector<rtm::EntityHandle> wr(writers);
  for (unsigned w = 0; w < writers; ++w) {
    rtm.register_entity({0, rtm::Family::ipv4, 200 + w, 1}, {}, &wr[w]);
    entities.push_back(wr[w]);
  }
  std::vector<Drainer> dr(drainers);
  std::unique_ptr<std::atomic<std::uint64_t>[]> started(new std::atomic<std::uint64_t>[n]);
  for (std::size_t i = 0; i < n; ++i) started[i] = 0;
  for (unsigned d = 0; d < drainers; ++d) {
    rtm.register_entity({0, rtm::Family::ipv4, 300 + d, 1}, {}, &dr[d].entity);
    entities.push_back(dr[d].entity);
    rtm.register_for_change_notification(dr[d].entity, rtm::kViewMaskUnicast,
                                         rtm::kChangeTypeAll, nullptr, &dr[d].reg);
    dr[d].snapshot.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) dr[d].snapshot[i] = started[i].load();
    dr[d].delivered.assign(n, 0);
    dr[d].last_pref.assign(n, kNoRoute);
  }
  rtm::EntityHandle churner;
  rtm.register_entity({0, rtm::Family::ipv4, 400, 1}, {}, &churner);
  entities.push_back(churner);
  std::atomic<std::uint64_t> deliveries{0}, churned_regs{0};

  // Drains one batch for d; returns the number delivered and whether the
  // queue said no_more_items. In `final_set` mode, checks no duplicate.
  auto drain_batch = [&](Drainer& d, std::set<std::uint64_t>* final_set) {
    rtm::DestInfo infos[8];
    std::uint32_t c = 8;
    const rtm::errc r = rtm.get_changed_dests(d.entity, d.reg, &c, infos);
    if (r != rtm::errc::ok && r != rtm::errc::no_more_items) {
      rep.violation(std::string("get_changed_dests returned ") + rtm::to_string(r));
      return std::make_pair(0u, true);
    }
    // With writers running, a change may arrive after the dequeue loop ends,
    // so ok may come with a short batch ("more remain" is then true); once
    // quiescent, ok must mean the batch was full.
    if (final_set != nullptr && r == rtm::errc::ok && c != 8)
      rep.violation("ok with a short batch on a quiescent queue");
    for (std::uint32_t i = 0; i < c; ++i) {
      auto it = index.find(infos[i].address.to_string());
      if (it == index.end()) {
        rep.violation("delivered an unknown destination");
        continue;
      }
      const std::size_t k = it->second;
      // Keyed by destination handle: a prefix whose destination was deleted
      // and created again is two destinations, each queued once (the
      // deleted one first: the queue is FIFO).
      if (final_set != nullptr && !final_set->insert(infos[i].dest.value).second)
        rep.violation("destination " + it->first + " twice in one queue");
      ++d.delivered[k];
      std::uint32_t pref = kNoRoute;
      if (infos[i].views[0].route) {
        rtm::RouteInfo ri;
        if (expect(rep, rtm.get_route_info(d.entity, infos[i].views[0].route, &ri, nullptr),
                   rtm::errc::ok, "get_route_info of a delivered best route")) {
          // A best route deleted since the dequeue is re-queued: it counts
          // as "no route" until the next delivery.
          if (ri.state == rtm::kRouteStateCreated) pref = ri.pref.preference;
          expect(rep, rtm.release_route_info(d.entity, ri), rtm::errc::ok, "release_route_info");
        }
      }
      d.last_pref[k] = pref;
    }
    if (c > 0)
      expect(rep, rtm.release_changed_dests(d.entity, d.reg, {infos, c}), rtm::errc::ok,
             "release_changed_dests");
    ++d.batches;
    return std::make_pair(c, r == rtm::errc::no_more_items);
  };

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    std::uint64_t ops = 0;
    if (t < writers) {
      std::vector<rtm::RouteAddItem> adds;
      std::vector<rtm::RouteHandle> hs;
      std::vector<rtm::RouteDeleteItem> dels;
      while (!stop.load(std::memory_order_relaxed)) {
        if (rng() % 2 == 0) {
          // A bulk round: up to 4 destinations added (or updated) in one
          // add_routes, some deleted again in one delete_routes.
          const std::size_t m = 1 + rng() % 4;
          adds.assign(m, rtm::RouteAddItem{});
          hs.assign(m, rtm::RouteHandle{});
          for (std::size_t i = 0; i < m; ++i) {
            const std::size_t k = rng() % n;  // a repeat is an update of the route just added
            started[k].fetch_add(1, std::memory_order_seq_cst);
            adds[i].dest = prefixes[k];
            adds[i].info.pref = {0, static_cast<std::uint32_t>(rng() % 1000)};
            adds[i].handle = &hs[i];
          }
          expect(rep, rtm.add_routes(wr[t], adds), rtm::errc::ok, "add_routes");
          dels.clear();
          for (std::size_t i = 0; i < m; ++i) {
            if (adds[i].result != rtm::errc::ok || rng() % 3 != 0) continue;
            if (std::any_of(dels.begin(), dels.end(), [&](const auto& d) { return d.route == hs[i]; }))
              continue;  // one delete per route
            started[index[adds[i].dest.to_string()]].fetch_add(1, std::memory_order_seq_cst);
            rtm::RouteDeleteItem d;
            d.route = hs[i];
            dels.push_back(d);
          }
          expect(rep, rtm.delete_routes(wr[t], dels), rtm::errc::ok, "delete_routes");
          for (std::size_t i = 0; i < m; ++i)
            if (adds[i].result == rtm::errc::ok)
              expect(rep, rtm.release_routes(wr[t], {&hs[i], 1}), rtm::errc::ok, "release_routes");
          ops += m;
          continue;
        }
        const std::size_t k = rng() % n;
        started[k].fetch_add(1, std::memory_order_seq_cst);  // log first, then change
        rtm::RouteInfo ri;
        ri.pref = {0, static_cast<std::uint32_t>(rng() % 1000)};
        rtm::RouteChangeFlags ch = 0;
        rtm::RouteHandle h;
        if (expect(rep, rtm.add_route(wr[t], &h, prefixes[k], ri, rtm::kInfinite, &ch),
                   rtm::errc::ok, "add_route")) {
          if (rng() % 3 == 0) {
            started[k].fetch_add(1, std::memory_order_seq_cst);
            expect(rep, rtm.delete_route(wr[t], h, &ch), rtm::errc::ok, "delete_route");
          }
          expect(rep, rtm.release_routes(wr[t], {&h, 1}), rtm::errc::ok, "release_routes");
        }
        ++ops;
      }
    } else if (t < writers + drainers) {
      Drainer& d = dr[t - writers];
      std::uint64_t got = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        got += drain_batch(d, nullptr).first;
        ++ops;
      }
      deliveries += got;
    } else {
      // Registrations created and deleted during the run, sometimes with
      // entries queued and infos held.
      while (!stop.load(std::memory_order_relaxed)) {
        rtm::NotifyHandle r;
        const rtm::NotifyFlags types[3] = {rtm::kChangeTypeAll, rtm::kChangeTypeBest,
                                           rtm::kChangeTypeForwarding};
        if (!expect(rep, rtm.register_for_change_notification(churner, rtm::kViewMaskUnicast,
                                                              types[rng() % 3], nullptr, &r),
                    rtm::errc::ok, "register_for_change_notification"))
          continue;
        rtm::DestInfo infos[4];
        std::uint32_t c = 4;
        const rtm::errc g = rtm.get_changed_dests(churner, r, &c, infos);
        if (g != rtm::errc::ok && g != rtm::errc::no_more_items) c = 0;
        const bool release_after = rng() % 2 == 0;
        if (!release_after && c > 0)
          expect(rep, rtm.release_changed_dests(churner, r, {infos, c}), rtm::errc::ok,
                 "release_changed_dests");
        expect(rep, rtm.deregister_from_change_notification(churner, r), rtm::errc::ok,
               "deregister_from_change_notification");
        if (release_after && c > 0)  // held across deregistration
          expect(rep, rtm.release_changed_dests(churner, r, {infos, c}), rtm::errc::ok,
                 "release_changed_dests after deregistration");
        ++ops;
        churned_regs.fetch_add(1, std::memory_order_relaxed);
      }
    }
    rep.ops += ops;
  });

  // Quiescent: no writer runs. Drain every queue to the end, as a set.
  std::uint64_t lost = 0, stale = 0;
  for (Drainer& d : dr) {
    std::set<std::uint64_t> final_set;
    for (;;) {
      auto [c, done] = drain_batch(d, &final_set);
      deliveries += c;
      if (done) break;
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (started[k].load() > d.snapshot[k] && d.delivered[k] == 0) ++lost;
      // The final best preference, read now.
      std::uint32_t final_pref = kNoRoute;
      rtm::DestInfo di;
      if (rtm.get_exact_match_destination(d.entity, prefixes[k], rtm::kBestProtocol,
                                          rtm::kViewMaskUnicast, &di) == rtm::errc::ok) {
        if (di.views[0].route) {
          rtm::RouteInfo ri;
          if (rtm.get_route_info(d.entity, di.views[0].route, &ri, nullptr) == rtm::errc::ok) {
            final_pref = ri.pref.preference;
            rtm.release_route_info(d.entity, ri);
          }
        }
        rtm.release_dest_info(d.entity, di);
      }
      if (d.delivered[k] > 0 && d.last_pref[k] != final_pref) ++stale;
    }
    expect(rep, rtm.deregister_from_change_notification(d.entity, d.reg), rtm::errc::ok,
           "deregister_from_change_notification");
  }
  std::uint64_t changes = 0;
  for (std::size_t i = 0; i < n; ++i) changes += started[i].load();
  rep.check(deliveries > 0, std::to_string(changes) + " changes by " + std::to_string(writers) +
                                " writers, " + std::to_string(deliveries.load()) +
                                " deliveries to " + std::to_string(drainers) + " registrations, " +
                                std::to_string(churned_regs.load()) +
                                " registrations created and deleted meanwhile");
  rep.check(lost == 0, "every destination changed after a registration was delivered to it (" +
                           std::to_string(lost) + " lost)");
  rep.check(stale == 0, "the last info each registration read matches the final state (" +
                            std::to_string(stale) + " stale)");
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

}  // namespace rtm_stress
