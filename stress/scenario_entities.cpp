// Scenario 5: entities come and go while their handles are out and while
// other entities use their routes.
//
// Transient threads loop: register an entity, add routes on shared
// prefixes, look some up and keep a few handles, deregister with the
// handles still out (deregistration must report exactly how many), and go
// on using those handles afterwards only through `readers`, which hold
// their own references. Reader threads (stable entities) take infos whose
// best routes belong to transient entities and keep using the route
// handles (get_route_info) across the owner's deregistration: those calls
// must keep succeeding until the reader releases.
#include <algorithm>

#include "harness.h"

namespace rtm_stress {

bool entity_churn(const Options& o, Report& rep) {
  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  rtm::Instance& rtm = *inst;
  const std::size_t n = o.size ? o.size : 16;
  std::vector<rtm::NetAddress> prefixes;
  for (std::size_t i = 0; i < n; ++i)
    prefixes.push_back(rtm::NetAddress::ipv4((192u << 24) | (168u << 16) |
                                                 (static_cast<std::uint32_t>(i) << 8),
                                             24));
  const unsigned threads = std::max(2u, o.threads);
  const unsigned transient = std::max(1u, threads / 2);
  std::vector<rtm::EntityHandle> readers(threads);
  std::vector<rtm::EntityHandle> stable;
  for (unsigned t = transient; t < threads; ++t) {
    rtm.register_entity({0, rtm::Family::ipv4, 500 + t, 1}, {}, &readers[t]);
    stable.push_back(readers[t]);
  }
  std::atomic<std::uint64_t> lifetimes{0}, held_at_exit{0}, reads_after{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    std::uint64_t ops = 0;
    if (t < transient) {
      std::uint32_t generation = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        rtm::EntityHandle e;
        // A fresh protocol instance id each life: no clash with a
        // deregistration still finishing elsewhere.
        if (!expect(rep, rtm.register_entity({0, rtm::Family::ipv4, 600 + t, ++generation}, {}, &e),
                    rtm::errc::ok, "register_entity"))
          continue;
        std::int64_t kept = 0;
        for (int i = 0; i < 8; ++i) {
          rtm::RouteInfo ri;
          ri.pref = {0, static_cast<std::uint32_t>(rng() % 8)};
          rtm::RouteChangeFlags ch = 0;
          rtm::RouteHandle h;
          if (!expect(rep, rtm.add_route(e, &h, prefixes[rng() % n], ri, rtm::kInfinite, &ch),
                      rtm::errc::ok, "add_route"))
            continue;
          if (rng() % 2 == 0) {
            ++kept;  // left out on purpose
          } else {
            expect(rep, rtm.release_routes(e, {&h, 1}), rtm::errc::ok, "release_routes");
          }
          ops += 2;
        }
        std::int64_t still = -1;
        expect(rep, rtm.deregister_entity(e, &still), rtm::errc::ok, "deregister_entity");
        if (still != kept)
          rep.violation("deregistration reported " + std::to_string(still) + " held, kept " +
                        std::to_string(kept));
        held_at_exit += static_cast<std::uint64_t>(kept);
        ++lifetimes;
        ++ops;
      }
    } else {
      const rtm::EntityHandle me = readers[t];
      std::uint64_t after = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        rtm::DestInfo di;
        const rtm::errc r = rtm.get_exact_match_destination(me, prefixes[rng() % n],
                                                            rtm::kBestProtocol,
                                                            rtm::kViewMaskUnicast, &di);
        ++ops;
        if (r == rtm::errc::not_found) continue;
        if (!expect(rep, r, rtm::errc::ok, "get_exact_match_destination")) continue;
        // Read the best route (owned by a transient entity) a few times:
        // its owner may deregister in between; our reference keeps it.
        for (int i = 0; i < 4 && di.views[0].route; ++i) {
          rtm::RouteInfo ri;
          if (expect(rep, rtm.get_route_info(me, di.views[0].route, &ri, nullptr), rtm::errc::ok,
                     "get_route_info on a held route of a transient owner")) {
            if (ri.state != rtm::kRouteStateCreated) ++after;
            expect(rep, rtm.release_route_info(me, ri), rtm::errc::ok, "release_route_info");
          }
          rtm::EntityInfo owner;
          expect(rep, rtm.get_entity_info(me, di.views[0].owner, &owner), rtm::errc::ok,
                 "get_entity_info on a held, maybe deregistered owner");
          ops += 2;
        }
        expect(rep, rtm.release_dest_info(me, di), rtm::errc::ok, "release_dest_info");
      }
      reads_after += after;
    }
    rep.ops += ops;
  });
  rep.check(lifetimes > 0, std::to_string(lifetimes.load()) + " entity lifetimes, " +
                               std::to_string(held_at_exit.load()) +
                               " references held at deregistration, each reported");
  rep.check(true, std::to_string(reads_after.load()) +
                      " reads of routes whose owner had deleted them, all through held handles");
  finish_instance(rep, inst, stable, objects);
  return rep.ok();
}

}  // namespace rtm_stress
