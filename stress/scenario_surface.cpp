// Scenarios 8-9: the RTMv2 surface beyond lookups under concurrency —
// enumerations while destinations come and go, and route expiry (injected
// clock) racing refreshes and explicit deletes.
#include <algorithm>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "harness.h"

namespace rtm_stress {

namespace {

// Destination order of enumerations: address bytes, then length.
int compare_order(const rtm::NetAddress& a, const rtm::NetAddress& b) {
  if (int c = std::memcmp(a.bytes(), b.bytes(), rtm::NetAddress::kMaxBytes); c != 0) return c;
  if (a.length() != b.length()) return a.length() < b.length() ? -1 : 1;
  return 0;
}

// An IPv4 prefix as one number (address, length), for maps and sets.
std::uint64_t key_of(const rtm::NetAddress& a) {
  const std::uint8_t* b = a.bytes();
  return (std::uint64_t{b[0]} << 40) | (std::uint64_t{b[1]} << 32) | (std::uint64_t{b[2]} << 24) |
         (std::uint64_t{b[3]} << 16) | a.length();
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

// 8. Writers add and delete routes (so destinations are created and
// deleted) on churned prefixes, and add/delete their own routes on stable
// prefixes too, while enumerators run full destination enumerations
// (kEnumStart, no address) and full route enumerations in random batch
// sizes. Stable prefixes carry one route of a stable entity that is added
// before the run and never deleted. Every completed enumeration must:
//  - terminate: every get returns at least one item or no_more_items, so a
//    destination enumeration takes at most (#prefixes + 1) gets and a route
//    enumeration at most (#prefixes * #owners + 1);
//  - return no handle twice (destinations; routes) and no address twice;
//  - return destinations in strictly increasing order (bytes, then length),
//    each one of the scenario's prefixes;
//  - contain every stable prefix exactly once (destinations) and every
//    stable route exactly once (routes): they exist from before creation
//    until after the cursor passes them.
bool enum_churn(const Options& o, Report& rep) {
  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  rtm::Instance& rtm = *inst;
  std::vector<rtm::EntityHandle> entities;

  const std::size_t n = std::min<std::size_t>(o.size ? o.size : 2000, 65536);
  std::vector<rtm::NetAddress> churn, stable;
  for (std::size_t i = 0; i < n; ++i)
    churn.push_back(rtm::NetAddress::ipv4((10u << 24) | (static_cast<std::uint32_t>(i) << 8), 24));
  // Stable prefixes share bytes with churned ones but differ in length (so
  // the order's length tie-break matters) or sit between them (/32s).
  stable.push_back(prefix("10.0.0.0/8"));
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint32_t base = (10u << 24) | (static_cast<std::uint32_t>(i) << 8);
    stable.push_back(rtm::NetAddress::ipv4(base, 23));
    stable.push_back(rtm::NetAddress::ipv4(base + (3u << 8) + 77u, 32));
  }
  std::vector<rtm::NetAddress> all = churn;
  all.insert(all.end(), stable.begin(), stable.end());
  std::unordered_map<std::uint64_t, std::size_t> stable_index;
  std::unordered_set<std::uint64_t> known;
  for (std::size_t i = 0; i < stable.size(); ++i) stable_index[key_of(stable[i])] = i;
  for (const auto& p : all) known.insert(key_of(p));

  const unsigned threads = std::max(2u, o.threads);
  const unsigned writers = std::max(1u, threads / 2);
  std::vector<rtm::EntityHandle> me(threads);
  for (unsigned t = 0; t < threads; ++t) {
    rtm.register_entity({0, rtm::Family::ipv4, 700 + t, 1}, {}, &me[t]);
    entities.push_back(me[t]);
  }
  rtm::EntityHandle keeper;
  rtm.register_entity({0, rtm::Family::ipv4, 799, 1}, {}, &keeper);
  entities.push_back(keeper);

  // The stable routes (handles kept by `keeper` until the end), and half of
  // the churned prefixes populated so that enumerations start large.
  std::vector<rtm::RouteHandle> stable_routes(stable.size());
  std::unordered_map<std::uint64_t, std::size_t> stable_route_index;
  for (std::size_t i = 0; i < stable.size(); ++i) {
    rtm::RouteInfo ri;
    ri.pref = {0, 50};
    rtm::RouteChangeFlags ch = 0;
    expect(rep, rtm.add_route(keeper, &stable_routes[i], stable[i], ri, rtm::kInfinite, &ch),
           rtm::errc::ok, "add_route (stable)");
    stable_route_index[stable_routes[i].value] = i;
  }
  for (std::size_t i = 0; i < n; i += 2) {
    rtm::RouteInfo ri;
    rtm::RouteChangeFlags ch = 0;
    expect(rep, rtm.add_route(me[0], nullptr, churn[i], ri, rtm::kInfinite, &ch), rtm::errc::ok,
           "add_route (initial)");
  }
  const std::size_t max_dest_gets = all.size() + 2;
  const std::size_t max_route_gets = all.size() * (writers + 1) + 2;

  std::atomic<std::uint64_t> dest_enums{0}, route_enums{0}, abandoned{0}, dest_items{0},
      route_items{0}, most_dest_gets{0}, most_route_gets{0}, writer_ops{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    std::uint64_t ops = 0;
    if (t < writers) {
      while (!stop.load(std::memory_order_relaxed)) {
        const rtm::NetAddress& p = all[rng() % all.size()];
        rtm::RouteInfo ri;
        ri.pref = {static_cast<std::uint32_t>(rng() % 10), static_cast<std::uint32_t>(rng() % 100)};
        rtm::RouteChangeFlags ch = 0;
        rtm::RouteHandle h;
        ++ops;
        if (!expect(rep, rtm.add_route(me[t], &h, p, ri, rtm::kInfinite, &ch), rtm::errc::ok,
                    "add_route"))
          continue;
        if (rng() % 2 == 0) {
          expect(rep, rtm.delete_route(me[t], h, &ch), rtm::errc::ok, "delete_route");
          ++ops;
        }
        expect(rep, rtm.release_routes(me[t], {&h, 1}), rtm::errc::ok, "release_routes");
      }
      writer_ops += ops;
      rep.ops += ops;
      return;
    }
    const rtm::EntityHandle self = me[t];
    std::vector<rtm::DestInfo> infos(100);
    std::vector<rtm::RouteHandle> routes(100);
    std::vector<std::uint64_t> handles;
    std::vector<std::uint8_t> seen;
    std::uint64_t nd = 0, nr = 0, na = 0, items_d = 0, items_r = 0, most_d = 0, most_r = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const bool dests = rng() % 2 == 0;
      const bool abandon = rng() % 16 == 0;  // delete the enumeration midway
      rtm::EnumHandle e;
      const rtm::errc rc =
          dests ? rtm.create_dest_enum(self, rtm::kViewMaskAny, rtm::kEnumStart, nullptr,
                                       rtm::kBestProtocol, &e)
                : rtm.create_route_enum(self, rtm::DestHandle{}, rtm::kViewMaskAny, rtm::kEnumStart,
                                        nullptr, rtm::kMatchNone, nullptr, 0, &e);
      ++ops;
      if (!expect(rep, rc, rtm::errc::ok, dests ? "create_dest_enum" : "create_route_enum"))
        continue;
      handles.clear();
      seen.assign(stable.size(), 0);
      std::size_t gets = 0, errors = 0;
      bool done = false, bad = false;
      rtm::NetAddress prev;
      bool have_prev = false;
      const std::size_t max_gets = dests ? max_dest_gets : max_route_gets;
      while (!done && !bad) {
        if (gets >= max_gets) {
          rep.violation(std::string(dests ? "destination" : "route") +
                        " enumeration did not end within " + std::to_string(max_gets) + " gets");
          bad = true;
          break;
        }
        std::uint32_t count = 1 + static_cast<std::uint32_t>(rng() % 100);
        const std::uint32_t asked = count;
        const rtm::errc r = dests ? rtm.get_enum_dests(self, e, &count, infos.data())
                                  : rtm.get_enum_routes(self, e, &count, routes.data());
        ++gets;
        ++ops;
        if (r != rtm::errc::ok && r != rtm::errc::no_more_items) {
          // A failed get is all or nothing (nothing returned, cursor
          // rewound): record it and try again, so that the rest of the
          // enumeration is still checked.
          rep.violation(std::string(dests ? "get_enum_dests" : "get_enum_routes") + " returned " +
                        rtm::to_string(r) + " (get " + std::to_string(gets) + ", after " +
                        std::to_string(handles.size()) + " items)");
          if (++errors == 3) bad = true;
          continue;
        }
        done = r == rtm::errc::no_more_items;
        if (count > asked) {
          rep.violation("a get returned more items than asked");
          bad = true;
          break;
        }
        if (r == rtm::errc::ok && count == 0) rep.violation("a get returned ok and no item");
        for (std::uint32_t i = 0; i < count; ++i) {
          if (dests) {
            const rtm::DestInfo& di = infos[i];
            handles.push_back(di.dest.value);
            if (!di.dest) rep.violation("enumerated destination with a null handle");
            const std::uint64_t k = key_of(di.address);
            if (di.address.family() != rtm::Family::ipv4 || known.find(k) == known.end())
              rep.violation("enumerated unknown destination " + di.address.to_string());
            if (have_prev) {
              const int c = compare_order(prev, di.address);
              if (c == 0)
                rep.violation("address " + di.address.to_string() + " enumerated twice");
              else if (c > 0)
                rep.violation("enumeration out of order: " + prev.to_string() + " then " +
                              di.address.to_string());
            }
            prev = di.address;
            have_prev = true;
            if (auto it = stable_index.find(k); it != stable_index.end()) ++seen[it->second];
          } else {
            handles.push_back(routes[i].value);
            if (!routes[i]) rep.violation("enumerated route with a null handle");
            if (auto it = stable_route_index.find(routes[i].value);
                it != stable_route_index.end())
              ++seen[it->second];
          }
        }
        if (count > 0) {
          if (dests)
            expect(rep, rtm.release_dests(self, {infos.data(), count}), rtm::errc::ok,
                   "release_dests");
          else
            expect(rep, rtm.release_routes(self, {routes.data(), count}), rtm::errc::ok,
                   "release_routes");
        }
        if (abandon && !done) break;
      }
      expect(rep, rtm.delete_enum(self, e), rtm::errc::ok, "delete_enum");
      ++ops;
      // Within what was returned: no handle twice (also for an abandoned one).
      std::sort(handles.begin(), handles.end());
      if (std::adjacent_find(handles.begin(), handles.end()) != handles.end())
        rep.violation(std::string(dests ? "destination" : "route") +
                      " handle returned twice by one enumeration");
      if (bad) continue;
      if (!done) {
        ++na;
        continue;
      }
      std::size_t missing = 0, twice = 0;
      for (std::uint8_t s : seen) {
        if (s == 0) ++missing;
        if (s > 1) ++twice;
      }
      if (missing != 0 || twice != 0)
        rep.violation(std::string(dests ? "destination" : "route") + " enumeration: " +
                      std::to_string(missing) + " stable " + (dests ? "prefixes" : "routes") +
                      " missing, " + std::to_string(twice) + " more than once");
      if (dests) {
        ++nd;
        items_d += handles.size();
        most_d = std::max<std::uint64_t>(most_d, gets);
      } else {
        ++nr;
        items_r += handles.size();
        most_r = std::max<std::uint64_t>(most_r, gets);
      }
    }
    rep.ops += ops;
    dest_enums += nd;
    route_enums += nr;
    abandoned += na;
    dest_items += items_d;
    route_items += items_r;
    std::uint64_t cur = most_dest_gets.load();
    while (cur < most_d && !most_dest_gets.compare_exchange_weak(cur, most_d)) {
    }
    cur = most_route_gets.load();
    while (cur < most_r && !most_route_gets.compare_exchange_weak(cur, most_r)) {
    }
  });

  const auto dn = dest_enums.load(), rn = route_enums.load();
  rep.check(dn > 0, std::to_string(dn) + " destination enumerations completed (" +
                        std::to_string(dn ? dest_items.load() / dn : 0) +
                        " destinations each on average, at most " +
                        std::to_string(most_dest_gets.load()) + " gets, bound " +
                        std::to_string(max_dest_gets) + "): ordered, no handle or address twice, " +
                        "all " + std::to_string(stable.size()) + " stable prefixes exactly once");
  rep.check(rn > 0, std::to_string(rn) + " route enumerations completed (" +
                        std::to_string(rn ? route_items.load() / rn : 0) +
                        " routes each on average, at most " +
                        std::to_string(most_route_gets.load()) + " gets, bound " +
                        std::to_string(max_route_gets) + "): no route twice, all " +
                        std::to_string(stable.size()) + " stable routes exactly once");
  rep.check(true, std::to_string(abandoned.load()) +
                      " enumerations deleted midway (no handle twice in what they returned)");
  const auto dests_allocated = rtm::object_counters().allocated[2] - objects.before.allocated[2];
  rep.check(dests_allocated > static_cast<std::int64_t>(all.size()),
            "destinations were deleted and re-created under the enumerations (" +
                std::to_string(dests_allocated) + " destination objects for " +
                std::to_string(all.size()) + " prefixes, " + std::to_string(writer_ops.load()) +
                " writer operations)");
  // Every stable prefix is still there with its route.
  std::size_t stable_lost = 0;
  for (std::size_t i = 0; i < stable.size(); ++i) {
    rtm::RouteInfo ri;
    if (rtm.get_route_info(keeper, stable_routes[i], &ri, nullptr) != rtm::errc::ok) {
      ++stable_lost;
      continue;
    }
    if (ri.state != rtm::kRouteStateCreated) ++stable_lost;
    rtm.release_route_info(keeper, ri);
  }
  rep.check(stable_lost == 0, "every stable route still in the table (" +
                                  std::to_string(stable_lost) + " lost)");
  expect(rep, rtm.release_routes(keeper, stable_routes), rtm::errc::ok, "release_routes (stable)");
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

// ---- 9. expiry_race --------------------------------------------------------------------------

namespace {

// What the owner last did to a route, as one word the event callback reads:
// (ticket << 8) | busy | kind. `busy` is set before the operation starts;
// on completion the owner takes a ticket and stores the kind with it.
constexpr std::uint64_t kBusy = 0x10;
constexpr std::uint64_t kArmFinite = 1;  // add_route with a finite time to live
constexpr std::uint64_t kCancel = 2;     // add_route with kInfinite
constexpr std::uint64_t kDead = 3;       // deleted (by the owner or, seen by it, the callback)

// One route object's life. The fields the callback touches are atomic; the
// rest belong to the owner thread (and to the main thread after join).
struct RouteRec {
  std::atomic<std::uint32_t> gen{1};           // bumped when the record is recycled
  std::atomic<std::uint64_t> w{0};             // the owner's last operation (see above)
  std::atomic<std::uint32_t> events{0};        // route_expired events received
  std::atomic<std::uint64_t> event_handle{0};  // the handle the first event named
  std::atomic<bool> cb_delete_attempted{false};
  std::atomic<bool> cb_deleted{false};
  // Owner's.
  std::uint64_t handle = 0;
  std::uint32_t finite_arms = 0;  // successful add_route calls with a finite time to live
  std::uint32_t updates = 0;      // successful refreshes / cancels after the creation
  bool last_finite = false;       // the last successful add_route armed a timer
  bool owner_deleted = false;
};

struct Owner {
  rtm::EntityHandle entity;
  std::size_t first = 0, count = 0;  // its prefixes
  std::unique_ptr<RouteRec[]> pool;
  std::size_t pool_size = 0;
  std::vector<std::uint32_t> free_list;
  struct Slot {
    std::int64_t rec = -1;
    rtm::RouteHandle handle;
  };
  std::vector<Slot> slots;
  std::deque<std::pair<std::uint32_t, std::uint64_t>> dying;  // (record, death ticket)
};

// Route tags (RouteInfo::entity_specific_info): gen << 32 | owner << 24 | index + 1.
std::uint64_t make_tag(std::uint32_t gen, unsigned owner, std::uint32_t index) {
  return (std::uint64_t{gen} << 32) | (std::uint64_t{owner} << 24) | (index + 1u);
}

thread_local std::uint64_t tl_run_ticket = 0;  // the timer run this thread is in

}  // namespace

// 9. Route expiry racing refreshes and explicit deletes, on an injected
// ManualClock (no timer thread). Thread 0 is the clock: it advances the
// clock by 0-2 ms, takes a ticket and calls run_due_timers(). Owner threads
// (one entity each, disjoint prefixes, at most one route per prefix) create
// routes with a time to live of 1-20 ms, refresh them (new finite TTL) or
// cancel their timers (kInfinite), and delete them. The owner's callback
// gets route_expired with a referenced handle; half the time it deletes the
// route (invalid_handle allowed: already deleted), and always releases it.
//
// Every route object has a record, tagged through entity_specific_info.
// Tickets come from one atomic counter (acq_rel RMWs by owners after each
// operation completes and by the clock before each run), so an operation
// with a smaller ticket than a run happens before that run. Checks:
//  - each event names a record of this scenario, of the receiving owner,
//    with the route handle the owner got for it, and its record's
//    generation: a record is recycled only after a run that began after the
//    route's deletion has finished, so an event for a recycled record is an
//    event for a route deleted before the run that fired it began;
//  - no event in a run that began after the owner's cancel (kInfinite) or
//    delete completed, unless another operation of the owner on the route
//    has started since; no event after the callback itself deleted it;
//  - a refresh or delete of a live route fails with invalid_handle only if
//    the callback tried to delete it;
//  - per route, at most one event per finite arm (events <= arms);
//  - after the run, a final clock advance beyond every time to live and one
//    run_due_timers(): every route whose last arm was finite got an event,
//    so every route armed once and never touched again got exactly one;
//    a second run_due_timers() fires nothing;
//  - everything deleted: no destination left, no reference outstanding,
//    every object (each route's resources) freed exactly once.
bool expiry_race(const Options& o, Report& rep) {
  Objects objects;
  auto clock = std::make_shared<rtm::ManualClock>(1000);
  rtm::InstanceOptions io;
  io.clock = clock;
  auto inst = std::make_unique<rtm::Instance>(io);
  rtm::Instance& rtm = *inst;
  std::vector<rtm::EntityHandle> entities;

  const unsigned threads = std::max(2u, o.threads);
  const unsigned owners_n = std::min(threads - 1, 200u);
  const std::size_t n = std::max<std::size_t>(std::min<std::size_t>(o.size ? o.size : 512, 1u << 16),
                                              owners_n);
  std::vector<rtm::NetAddress> prefixes;
  for (std::size_t i = 0; i < n; ++i)
    prefixes.push_back(
        rtm::NetAddress::ipv4((172u << 24) | (16u << 16) | (static_cast<std::uint32_t>(i) << 8), 24));
  constexpr std::uint32_t kMaxTtl = 20;

  std::atomic<std::uint64_t> ticket{0}, completed_run{0};
  auto take_ticket = [&] { return ticket.fetch_add(1, std::memory_order_acq_rel) + 1; };
  std::atomic<std::uint64_t> events{0}, events_busy{0}, cb_deletes{0}, cb_delete_late{0},
      creates{0}, refreshes{0}, cancels{0}, owner_deletes{0}, seen_cb_deleted{0}, retired{0},
      pool_full{0}, runs{0}, fired{0}, checked_routes{0}, over_arms{0};

  std::vector<Owner> owners(owners_n);
  for (unsigned k = 0; k < owners_n; ++k) {
    Owner& ow = owners[k];
    ow.first = n * k / owners_n;
    ow.count = n * (k + 1) / owners_n - ow.first;
    ow.slots.resize(ow.count);
    ow.pool_size = ow.count + 65536;  // records awaiting a later finished run
    ow.pool.reset(new RouteRec[ow.pool_size]);
    for (std::size_t i = ow.pool_size; i-- > 0;) ow.free_list.push_back(static_cast<std::uint32_t>(i));
  }

  // The owners' callback (runs on the clock thread, or on the main thread in
  // the final run).
  auto on_event = [&](unsigned k, rtm::EntityHandle self, rtm::EventType type, void* ctx1,
                      void* ctx2) -> std::uint32_t {
    if (type != rtm::EventType::route_expired) return 0;
    events.fetch_add(1, std::memory_order_relaxed);
    const rtm::RouteHandle h{static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(ctx1))};
    const auto* info = static_cast<const rtm::RouteInfo*>(ctx2);
    if (!h || info == nullptr) {
      rep.violation("route_expired without a route handle or an info");
    } else {
      const auto tag = static_cast<std::uint64_t>(
          reinterpret_cast<std::uintptr_t>(info->entity_specific_info));
      const unsigned tk = static_cast<unsigned>((tag >> 24) & 0xFF);
      const std::uint64_t low = tag & 0xFFFFFF;
      const auto gen = static_cast<std::uint32_t>(tag >> 32);
      if (tag == 0 || tk != k || low == 0 || low > owners[k].pool_size) {
        rep.violation("route_expired for a route this owner did not create (tag " +
                      std::to_string(tag) + ")");
      } else if (info->owner != self) {
        rep.violation("route_expired info names another owner");
      } else {
        RouteRec& r = owners[k].pool[low - 1];
        if (r.gen.load(std::memory_order_acquire) != gen) {
          rep.violation("route_expired for a route deleted before an earlier timer run began");
        } else {
          if (r.cb_deleted.load(std::memory_order_relaxed))
            rep.violation("route_expired for a route the callback had deleted");
          const std::uint64_t w = r.w.load(std::memory_order_acquire);
          if (w & kBusy) {
            events_busy.fetch_add(1, std::memory_order_relaxed);
          } else if ((w >> 8) != 0 && (w >> 8) < tl_run_ticket) {
            if ((w & 0xF) == kCancel)
              rep.violation("route_expired in a timer run begun after the route's timer was "
                            "cancelled (add_route kInfinite)");
            else if ((w & 0xF) == kDead)
              rep.violation("route_expired in a timer run begun after the route was deleted");
          }
          std::uint64_t first = 0;
          if (!r.event_handle.compare_exchange_strong(first, h.value) && first != h.value)
            rep.violation("two route_expired events of one route named different handles");
          r.events.fetch_add(1, std::memory_order_acq_rel);
          if (mix(h.value ^ (tl_run_ticket << 20)) % 2 == 0) {
            r.cb_delete_attempted.store(true, std::memory_order_seq_cst);
            rtm::RouteChangeFlags ch = 0;
            const rtm::errc d = rtm.delete_route(self, h, &ch);
            if (d == rtm::errc::ok) {
              r.cb_deleted.store(true, std::memory_order_release);
              cb_deletes.fetch_add(1, std::memory_order_relaxed);
            } else if (d == rtm::errc::invalid_handle) {
              cb_delete_late.fetch_add(1, std::memory_order_relaxed);
            } else {
              expect(rep, d, rtm::errc::ok, "delete_route in the expiry callback");
            }
          }
        }
      }
    }
    if (h) expect(rep, rtm.release_routes(self, {&h, 1}), rtm::errc::ok,
                  "release_routes of the expired route's handle");
    return 0;
  };
  for (unsigned k = 0; k < owners_n; ++k) {
    rtm::EntityConfig cfg;
    cfg.callback = [&on_event, k](rtm::EntityHandle self, rtm::EventType type, void* c1,
                                  void* c2) { return on_event(k, self, type, c1, c2); };
    expect(rep, rtm.register_entity({0, rtm::Family::ipv4, 900 + k, 1}, cfg, &owners[k].entity),
           rtm::errc::ok, "register_entity");
    entities.push_back(owners[k].entity);
  }

  // The checks on a record whose route will get no more event.
  auto final_checks = [&](RouteRec& r, bool end_of_run) {
    const std::uint32_t ev = r.events.load(std::memory_order_acquire);
    ++checked_routes;
    if (ev > r.finite_arms) ++over_arms;
    if (ev > r.finite_arms)
      rep.violation("route got " + std::to_string(ev) + " expiry events for " +
                    std::to_string(r.finite_arms) + " finite arms");
    if (ev > 0 && r.event_handle.load(std::memory_order_relaxed) != r.handle)
      rep.violation("route_expired named another handle than add_route returned");
    if (end_of_run && r.last_finite && !r.owner_deleted && ev == 0)
      rep.violation("a route whose last add_route had a finite time to live never expired "
                    "(clock advanced past every deadline)");
  };
  auto recycle = [&](Owner& ow, std::uint32_t idx, bool check) {
    RouteRec& r = ow.pool[idx];
    if (check) final_checks(r, false);
    r.gen.fetch_add(1, std::memory_order_acq_rel);
    r.w.store(0, std::memory_order_relaxed);
    r.events.store(0, std::memory_order_relaxed);
    r.event_handle.store(0, std::memory_order_relaxed);
    r.cb_delete_attempted.store(false, std::memory_order_relaxed);
    r.cb_deleted.store(false, std::memory_order_relaxed);
    r.handle = 0;
    r.finite_arms = r.updates = 0;
    r.last_finite = r.owner_deleted = false;
    ow.free_list.push_back(idx);
    retired.fetch_add(1, std::memory_order_relaxed);
  };

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    std::uint64_t ops = 0;
    if (t == 0) {  // the clock
      while (!stop.load(std::memory_order_relaxed)) {
        clock->advance(rng() % 3);
        tl_run_ticket = take_ticket();
        fired.fetch_add(rtm.run_due_timers(), std::memory_order_relaxed);
        completed_run.store(tl_run_ticket, std::memory_order_release);
        runs.fetch_add(1, std::memory_order_relaxed);
        ++ops;
      }
      rep.ops += ops;
      return;
    }
    const unsigned k = t - 1;
    if (k >= owners_n) return;
    Owner& ow = owners[k];
    const rtm::EntityHandle me = ow.entity;
    while (!stop.load(std::memory_order_relaxed)) {
      // Records whose death precedes a finished run get no more event.
      const std::uint64_t done_run = completed_run.load(std::memory_order_acquire);
      while (!ow.dying.empty() && ow.dying.front().second < done_run) {
        recycle(ow, ow.dying.front().first, true);
        ow.dying.pop_front();
      }
      const std::size_t s = rng() % ow.count;
      Owner::Slot& slot = ow.slots[s];
      const rtm::NetAddress& p = prefixes[ow.first + s];
      rtm::RouteInfo ri;
      ri.pref = {0, static_cast<std::uint32_t>(rng() % 100)};
      ++ops;
      if (slot.rec < 0) {
        if (ow.free_list.empty()) {
          // Every record awaits a run of the clock thread: let it run.
          pool_full.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
          continue;
        }
        const std::uint32_t idx = ow.free_list.back();
        ow.free_list.pop_back();
        RouteRec& r = ow.pool[idx];
        ri.entity_specific_info = reinterpret_cast<void*>(static_cast<std::uintptr_t>(
            make_tag(r.gen.load(std::memory_order_relaxed), k, idx)));
        r.w.store(kBusy | kArmFinite, std::memory_order_release);
        rtm::RouteHandle h;
        rtm::RouteChangeFlags ch = 0;
        const std::uint32_t ttl = 1 + static_cast<std::uint32_t>(rng() % kMaxTtl);
        if (!expect(rep, rtm.add_route(me, &h, p, ri, ttl, &ch), rtm::errc::ok, "add_route")) {
          r.w.store(0, std::memory_order_release);
          ow.free_list.push_back(idx);
          continue;
        }
        if (!(ch & rtm::kRouteChangeNew))
          rep.violation("add_route on a prefix without a live route did not create one");
        r.handle = h.value;
        r.finite_arms = 1;
        r.last_finite = true;
        r.w.store((take_ticket() << 8) | kArmFinite, std::memory_order_release);
        slot.rec = idx;
        slot.handle = h;
        creates.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      RouteRec& r = ow.pool[slot.rec];
      const auto idx = static_cast<std::uint32_t>(slot.rec);
      const unsigned op = rng() % 10;
      bool died = false;
      if (op < 6) {  // refresh (finite) or cancel (kInfinite)
        const bool finite = op < 4;
        ri.entity_specific_info = reinterpret_cast<void*>(static_cast<std::uintptr_t>(
            make_tag(r.gen.load(std::memory_order_relaxed), k, idx)));
        r.w.store(kBusy | (finite ? kArmFinite : kCancel), std::memory_order_release);
        const std::uint32_t ttl =
            finite ? 1 + static_cast<std::uint32_t>(rng() % kMaxTtl) : rtm::kInfinite;
        rtm::RouteHandle h = slot.handle;
        rtm::RouteChangeFlags ch = 0;
        const rtm::errc a = rtm.add_route(me, &h, p, ri, ttl, &ch);
        if (a == rtm::errc::ok) {
          if (h != slot.handle) rep.violation("add_route by handle returned another handle");
          if (ch & rtm::kRouteChangeNew) rep.violation("add_route by handle created a route");
          ++r.updates;
          if (finite) ++r.finite_arms;
          r.last_finite = finite;
          r.w.store((take_ticket() << 8) | (finite ? kArmFinite : kCancel),
                    std::memory_order_release);
          (finite ? refreshes : cancels).fetch_add(1, std::memory_order_relaxed);
        } else if (a == rtm::errc::invalid_handle) {
          if (!r.cb_delete_attempted.load(std::memory_order_seq_cst))
            rep.violation("add_route on a live route of the owner returned invalid_handle");
          died = true;
        } else {
          expect(rep, a, rtm::errc::ok, "add_route (refresh)");
          r.w.store((take_ticket() << 8) | (r.last_finite ? kArmFinite : kCancel),
                    std::memory_order_release);
        }
      } else {  // delete
        r.w.store(kBusy | kDead, std::memory_order_release);
        rtm::RouteChangeFlags ch = 0;
        const rtm::errc d = rtm.delete_route(me, slot.handle, &ch);
        if (d == rtm::errc::ok) {
          r.owner_deleted = true;
          owner_deletes.fetch_add(1, std::memory_order_relaxed);
        } else if (d == rtm::errc::invalid_handle) {
          if (!r.cb_delete_attempted.load(std::memory_order_seq_cst))
            rep.violation("delete_route of a live route of the owner returned invalid_handle");
        } else {
          expect(rep, d, rtm::errc::ok, "delete_route");
        }
        died = true;
      }
      if (died) {
        if (!r.owner_deleted) seen_cb_deleted.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t death = take_ticket();
        r.w.store((death << 8) | kDead, std::memory_order_release);
        expect(rep, rtm.release_routes(me, {&slot.handle, 1}), rtm::errc::ok, "release_routes");
        ow.dying.emplace_back(idx, death);
        slot.rec = -1;
        slot.handle = {};
      }
    }
    rep.ops += ops;
  });

  // Final run: beyond every deadline armed so far.
  clock->advance(10 * kMaxTtl + 1000);
  tl_run_ticket = take_ticket();
  const std::size_t final_fired = rtm.run_due_timers();
  completed_run.store(tl_run_ticket, std::memory_order_release);
  const std::size_t after_final = rtm.run_due_timers();
  rep.check(after_final == 0, "the final run fired every timer (" + std::to_string(final_fired) +
                                  " fired, then " + std::to_string(after_final) + ")");

  std::size_t live = 0, once_only = 0, once_only_ok = 0, last_finite = 0, last_finite_ok = 0;
  std::size_t final_left = 0;
  for (unsigned k = 0; k < owners_n; ++k) {
    Owner& ow = owners[k];
    while (!ow.dying.empty()) {
      recycle(ow, ow.dying.front().first, true);
      ow.dying.pop_front();
    }
    for (auto& slot : ow.slots) {
      if (slot.rec < 0) continue;
      ++live;
      RouteRec& r = ow.pool[slot.rec];
      const std::uint32_t ev = r.events.load();
      if (r.last_finite) {
        ++last_finite;
        if (ev >= 1) ++last_finite_ok;
      }
      if (r.finite_arms == 1 && r.updates == 0) {
        ++once_only;
        if (ev == 1) ++once_only_ok;
      }
      final_checks(r, true);
      // Delete everything that is left.
      rtm::RouteChangeFlags ch = 0;
      const rtm::errc d = rtm.delete_route(ow.entity, slot.handle, &ch);
      if (r.cb_deleted.load()) {
        expect(rep, d, rtm::errc::invalid_handle, "delete_route of a route the callback deleted");
      } else if (expect(rep, d, rtm::errc::ok, "delete_route (final)")) {
        ++final_left;
      }
      expect(rep, rtm.release_routes(ow.entity, {&slot.handle, 1}), rtm::errc::ok,
             "release_routes (final)");
      recycle(ow, static_cast<std::uint32_t>(slot.rec), false);
      slot.rec = -1;
      slot.handle = {};
    }
  }
  rep.check(events.load() > 0 && refreshes.load() > 0 && cancels.load() > 0 &&
                owner_deletes.load() > 0 && cb_deletes.load() > 0,
            std::to_string(runs.load()) + " timer runs fired " + std::to_string(fired.load()) +
                " timers; " + std::to_string(creates.load()) + " routes created, " +
                std::to_string(refreshes.load()) + " refreshed, " +
                std::to_string(cancels.load()) + " cancelled, " +
                std::to_string(owner_deletes.load()) + " deleted by their owner");
  rep.check(true, std::to_string(events.load()) + " expiry events (" +
                      std::to_string(events_busy.load()) + " during an owner operation on the "
                      "route); the callback deleted " + std::to_string(cb_deletes.load()) +
                      " routes (" + std::to_string(cb_delete_late.load()) +
                      " already deleted), owners saw " + std::to_string(seen_cb_deleted.load()) +
                      " of them; " + std::to_string(pool_full.load()) + " steps found no free record");
  rep.check(over_arms.load() == 0,
            "per route, at most one expiry event per finite arm (" +
                std::to_string(checked_routes.load()) + " routes checked, " +
                std::to_string(over_arms.load()) + " over)");
  rep.check(last_finite_ok == last_finite,
            "after the final run, every route whose last arm was finite expired (" +
                std::to_string(last_finite_ok) + " of " + std::to_string(last_finite) + ", " +
                std::to_string(live) + " routes live at the end)");
  rep.check(once_only_ok == once_only,
            "every route armed once and never refreshed nor deleted got exactly one event (" +
                std::to_string(once_only_ok) + " of " + std::to_string(once_only) + ")");
  rep.check(rtm.dest_count(rtm::Family::ipv4) == 0,
            "every route deleted (" + std::to_string(final_left) +
                " at the end by their owners): no destination left");
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

}  // namespace rtm_stress
