// Allocation-failure injection (ctest label "faults", built in the asan
// preset with RTM_FAULT_INJECTION): a representative sequence of API calls
// is run once to count the library's allocation sites, then once per site
// with that allocation failing. Each call either succeeds or answers
// not_enough_memory having changed nothing (every entity's reference count
// and the table's size are as before); retried, it succeeds; and at the end
// every object is freed (the object counters, and LeakSanitizer).
//
// Some sites absorb a failure instead of reporting it, by design, and the
// call succeeds: the forwarding index degrades (lookups take the slow
// path), a change that cannot be queued is not delivered to that
// registration, events to other entities are skipped, a route's expiry
// timer or a hold that cannot be armed is not (the route does not expire,
// the best route is not held), a route that cannot be added to a list by
// add_route stays out of it. The test accepts success at those sites.
#include <gtest/gtest.h>
#include <rtm/fault_injection.h>
#include <rtm/rtm.h>

#include "test_hook_util.h"

#include <functional>
#include <thread>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using rtm::errc;

rtm::NetAddress P(const char* s) { return *rtm::NetAddress::parse(s); }

// Small destination maps: a context is built per failed allocation.
rtm::InstanceOptions small_maps() {
  rtm::InstanceOptions o;
  o.ipv4_buckets = o.ipv6_buckets = 64;
  return o;
}

struct Ctx {
  std::unique_ptr<rtm::Instance> rtm = std::make_unique<rtm::Instance>(small_maps());
  rtm::EntityHandle a, b;
  rtm::NextHopHandle nh;
  rtm::RouteHandle ra, rb, ra2, ra3;
  rtm::NotifyHandle n;
  rtm::DestInfo info, changed[4];
  std::uint32_t nchanged = 0;
  rtm::RouteInfo rinfo;
  rtm::AnyHandle kept = 0;
  // The rest of the surface.
  rtm::EntityHandle m;  // exports a method, reserves an opaque pointer
  rtm::EnumHandle en;
  rtm::DestInfo einfo[8];
  rtm::RouteHandle eroutes[8];
  std::uint32_t ne = 0;
  rtm::RouteListHandle list;
  rtm::RouteHandle ra4;
};

struct Step {
  const char* name;
  std::function<errc(Ctx&)> run;
};

rtm::RouteInfo route(std::uint32_t pref, rtm::NextHopHandle hop = {}) {
  rtm::RouteInfo ri;
  ri.pref = {1, pref};
  if (hop) {
    ri.next_hops.count = 1;
    ri.next_hops.hops[0] = hop;
  }
  return ri;
}

std::vector<Step> steps() {
  rtm::RouteChangeFlags f = 0;
  (void)f;
  return {
      {"register a", [](Ctx& c) { return c.rtm->register_entity({0, rtm::Family::ipv4, 1, 1}, {}, &c.a); }},
      {"register b", [](Ctx& c) { return c.rtm->register_entity({0, rtm::Family::ipv4, 2, 1}, {}, &c.b); }},
      {"add next hop", [](Ctx& c) {
         rtm::NextHopInfo i;
         i.address = P("192.0.2.1");
         i.interface_index = 1;
         rtm::NextHopChangeFlags f = 0;
         return c.rtm->add_next_hop(c.a, i, &c.nh, &f);
       }},
      {"register for changes", [](Ctx& c) {
         return c.rtm->register_for_change_notification(c.b, rtm::kViewMaskUnicast,
                                                        rtm::kChangeTypeAll, nullptr, &c.n);
       }},
      {"add route (new destination)", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->add_route(c.a, &c.ra, P("10.0.0.0/8"), route(20, c.nh), rtm::kInfinite, &f);
       }},
      {"add second route", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->add_route(c.b, &c.rb, P("10.0.0.0/8"), route(30), rtm::kInfinite, &f);
       }},
      {"add nested route", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->add_route(c.a, &c.ra2, P("10.1.0.0/16"), route(20), rtm::kInfinite, &f);
       }},
      {"add /25 route (index group)", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->add_route(c.a, &c.ra3, P("10.1.2.128/25"), route(20), rtm::kInfinite, &f);
       }},
      {"update route by handle", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         rtm::RouteHandle h = c.ra;
         return c.rtm->add_route(c.a, &h, P("10.0.0.0/8"), route(10, c.nh), rtm::kInfinite, &f);
       }},
      {"exact match", [](Ctx& c) {
         return c.rtm->get_exact_match_destination(c.b, P("10.0.0.0/8"), rtm::kBestProtocol,
                                                   rtm::kViewMaskAny, &c.info);
       }},
      {"reference dest", [](Ctx& c) {
         c.kept = c.info.dest.value;
         return c.rtm->reference_handles(c.b, {&c.kept, 1});
       }},
      {"hold destination", [](Ctx& c) {
         return c.rtm->hold_destination(c.b, c.info.dest, rtm::kViewMaskUnicast, 3600000);
       }},
      {"register m (method, opaque)", [](Ctx& c) {
         rtm::EntityConfig cfg;
         cfg.reserve_opaque_pointer = true;
         cfg.methods.push_back([](rtm::EntityHandle, rtm::EntityHandle, rtm::MethodCall& call) {
           call.status = 1;
         });
         return c.rtm->register_entity({0, rtm::Family::ipv4, 3, 1}, cfg, &c.m);
       }},
      {"opaque pointer", [](Ctx& c) {
         void** slot = nullptr;
         return c.rtm->get_opaque_pointer(c.m, c.info.dest, &slot);
       }},
      {"invoke method", [](Ctx& c) {
         rtm::MethodCall call;
         call.method_type = 1;
         return c.rtm->invoke_methods(c.a, c.m, {&call, 1});
       }},
      {"release dest info", [](Ctx& c) { return c.rtm->release_dest_info(c.b, c.info); }},
      {"create route list", [](Ctx& c) { return c.rtm->create_route_list(c.a, &c.list); }},
      {"add route with ttl into list", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->add_route(c.a, &c.ra4, P("10.2.0.0/16"), route(20), 3600000, &f, c.list);
       }},
      {"insert in route list", [](Ctx& c) {
         return c.rtm->insert_in_route_list(c.a, c.list, {&c.ra3, 1});
       }},
      {"create dest enum", [](Ctx& c) {
         return c.rtm->create_dest_enum(c.b, 0, rtm::kEnumStart, nullptr, 0, &c.en);
       }},
      {"get enum dests", [](Ctx& c) {
         c.ne = 8;
         const errc r = c.rtm->get_enum_dests(c.b, c.en, &c.ne, c.einfo);
         return r == errc::no_more_items ? errc::ok : r;
       }},
      {"release enum dests", [](Ctx& c) { return c.rtm->release_dests(c.b, {c.einfo, c.ne}); }},
      {"delete dest enum", [](Ctx& c) { return c.rtm->delete_enum(c.b, c.en); }},
      {"create route enum", [](Ctx& c) {
         return c.rtm->create_route_enum(c.b, {}, 0, rtm::kEnumStart, nullptr, 0, nullptr, 0, &c.en);
       }},
      {"get enum routes", [](Ctx& c) {
         c.ne = 8;
         const errc r = c.rtm->get_enum_routes(c.b, c.en, &c.ne, c.eroutes);
         return r == errc::no_more_items ? errc::ok : r;
       }},
      {"release enum routes", [](Ctx& c) { return c.rtm->release_routes(c.b, {c.eroutes, c.ne}); }},
      {"delete route enum", [](Ctx& c) { return c.rtm->delete_enum(c.b, c.en); }},
      {"create route list enum", [](Ctx& c) { return c.rtm->create_route_list_enum(c.a, c.list, &c.en); }},
      {"get list enum routes", [](Ctx& c) {
         c.ne = 8;
         const errc r = c.rtm->get_list_enum_routes(c.a, c.en, &c.ne, c.eroutes);
         return r == errc::no_more_items ? errc::ok : r;
       }},
      {"release list enum routes", [](Ctx& c) { return c.rtm->release_routes(c.a, {c.eroutes, c.ne}); }},
      {"delete list enum", [](Ctx& c) { return c.rtm->delete_enum(c.a, c.en); }},
      {"delete route list", [](Ctx& c) { return c.rtm->delete_route_list(c.a, c.list); }},
      {"release ttl route", [](Ctx& c) { return c.rtm->release_routes(c.a, {&c.ra4, 1}); }},
      {"longest-prefix match", [](Ctx& c) {
         return c.rtm->get_most_specific_destination(c.b, P("10.1.2.200"), rtm::kBestProtocol,
                                                     rtm::kViewMaskUnicast, &c.info);
       }},
      {"release lpm info", [](Ctx& c) { return c.rtm->release_dests(c.b, {&c.info, 1}); }},
      {"dereference dest", [](Ctx& c) { return c.rtm->dereference_handles(c.b, {&c.kept, 1}); }},
      {"get changed dests", [](Ctx& c) {
         c.nchanged = 4;
         const errc r = c.rtm->get_changed_dests(c.b, c.n, &c.nchanged, c.changed);
         return r == errc::no_more_items ? errc::ok : r;
       }},
      {"release changed dests", [](Ctx& c) {
         return c.nchanged == 0 ? errc::ok
                                : c.rtm->release_changed_dests(c.b, c.n, {c.changed, c.nchanged});
       }},
      {"get route info", [](Ctx& c) { return c.rtm->get_route_info(c.b, c.ra, &c.rinfo, nullptr); }},
      {"release route info", [](Ctx& c) { return c.rtm->release_route_info(c.b, c.rinfo); }},
      {"delete nested route", [](Ctx& c) {
         rtm::RouteChangeFlags f = 0;
         return c.rtm->delete_route(c.a, c.ra2, &f);
       }},
      {"release routes", [](Ctx& c) {
         const rtm::RouteHandle hs[3] = {c.ra, c.ra2, c.ra3};
         return c.rtm->release_routes(c.a, hs);
       }},
      {"release b's route", [](Ctx& c) { return c.rtm->release_routes(c.b, {&c.rb, 1}); }},
      {"release next hop", [](Ctx& c) { return c.rtm->release_next_hops(c.a, {&c.nh, 1}); }},
      {"deregister from changes", [](Ctx& c) { return c.rtm->deregister_from_change_notification(c.b, c.n); }},
      {"deregister a", [](Ctx& c) { return c.rtm->deregister_entity(c.a); }},
  };
}

std::int64_t held(Ctx& c, rtm::EntityHandle e) {
  rtm::Outstanding o;
  return c.rtm->outstanding(e, &o) == errc::ok ? o.total() : -1;
}

// Runs the sequence with the `fail_at`-th allocation failing (0: none).
// Returns the number of allocation sites the sequence passed.
std::set<std::string> g_absorbed_in;  // steps where a failure was absorbed

std::uint64_t run(std::uint64_t fail_at, int* reported, int* absorbed) {
  const rtm::ObjectCounters before = rtm::object_counters();
  std::uint64_t sites = 0;
  std::string where = "none";  // the step whose allocation failed
  {
    Ctx c;
    rtm::fault_injection::fail_allocation(fail_at);
    for (const Step& s : steps()) {
      const std::int64_t ha = held(c, c.a), hb = held(c, c.b);
      const std::size_t dests = c.rtm->dest_count(rtm::Family::ipv4);
      const bool fired_before = rtm::fault_injection::fired();
      errc r = s.run(c);
      const bool fired_here = !fired_before && rtm::fault_injection::fired();
      if (fired_here) where = s.name;
      if (r == errc::not_enough_memory) {
        EXPECT_TRUE(fired_here) << s.name << ": not_enough_memory without an injected failure";
        EXPECT_EQ(held(c, c.a), ha) << s.name << " changed a's references on failure";
        EXPECT_EQ(held(c, c.b), hb) << s.name << " changed b's references on failure";
        EXPECT_EQ(c.rtm->dest_count(rtm::Family::ipv4), dests) << s.name << " changed the table";
        ++*reported;
        r = s.run(c);  // the failure is behind us: the retry must succeed
      } else if (fired_here) {
        ++*absorbed;
        g_absorbed_in.insert(s.name);
      }
      EXPECT_EQ(r, errc::ok) << s.name << " (allocation " << fail_at << " failing)";
      if (r != errc::ok) break;
    }
    sites = rtm::fault_injection::allocations();
    rtm::fault_injection::fail_allocation(0);
    std::int64_t still = -1;
    c.rtm->deregister_entity(c.b, &still);
    EXPECT_EQ(still, 0) << "b's references after the sequence";
  }
  rtm::reclaim_all();
  const rtm::ObjectCounters after = rtm::object_counters();
  for (int k = 1; k < 8; ++k)
    EXPECT_EQ(after.allocated[k] - before.allocated[k], after.freed[k] - before.freed[k])
        << "kind " << k << " with allocation " << fail_at << " failing (in: " << where << ")";
  return sites;
}

TEST(AllocationFailure, EverySiteOfTheSequenceFailsCleanly) {
  int reported = 0, absorbed = 0;
  const std::uint64_t sites = run(0, &reported, &absorbed);
  ASSERT_GT(sites, 20u);
  ASSERT_EQ(reported + absorbed, 0);
  for (std::uint64_t k = 1; k <= sites; ++k) {
    run(k, &reported, &absorbed);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "stopping at allocation site " << k;
      break;
    }
  }
  std::printf("fault_test: %llu allocation sites; %d failures reported as not_enough_memory, "
              "%d absorbed by design\n",
              static_cast<unsigned long long>(sites), reported, absorbed);
  for (const auto& s : g_absorbed_in) std::printf("  absorbed in: %s\n", s.c_str());
  EXPECT_GT(reported, 0);
}

}  // namespace

namespace {

// A failed allocation of a new next-hop group (the one allocation of the
// fast path's writers) must not fail the write, nor make the fast path
// answer wrong: the instance degrades to answering from the table.
TEST(AllocationFailure, AFailedNextHopGroupDegradesTheFastPathToTheTable) {
  bool degraded_once = false;
  for (std::uint64_t k = 1; k < 64 && !degraded_once; ++k) {
    rtm::Instance inst;
    rtm::EntityHandle e;
    ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
    rtm::NextHopInfo ni;
    ni.address = *rtm::NetAddress::parse("192.0.2.1");
    ni.interface_index = 7;
    rtm::NextHopHandle nh;
    rtm::NextHopChangeFlags nf = 0;
    ASSERT_EQ(inst.add_next_hop(e, ni, &nh, &nf), errc::ok);
    rtm::fault_injection::fail_allocation(k);
    rtm::RouteChangeFlags f = 0;
    const errc r = inst.add_route(e, nullptr, *rtm::NetAddress::parse("10.0.0.0/8"), route(10, nh),
                                  rtm::kInfinite, &f);
    const bool fired = rtm::fault_injection::fired();
    rtm::fault_injection::fail_allocation(0);
    if (!fired) break;  // past the last site of the add
    if (r != errc::ok) {
      EXPECT_EQ(r, errc::not_enough_memory);
      EXPECT_FALSE(inst.forwarding_degraded());
    } else if (inst.forwarding_degraded()) {
      degraded_once = true;
      rtm::ForwardingResult out;
      ASSERT_EQ(inst.forward(rtm::kViewIdUnicast, *rtm::NetAddress::parse("10.1.2.3"), &out),
                errc::ok);
      ASSERT_EQ(out.count, 1u);
      EXPECT_EQ(out.hops[0].interface_index, 7u);
      std::size_t hits = 9;
      const std::uint32_t addrs[] = {0x0A010203u, 0x0B000001u};
      rtm::ForwardingResult outs[2];
      ASSERT_EQ(inst.forward4_batch(rtm::kViewIdUnicast, addrs, 2, outs, &hits), errc::ok);
      EXPECT_EQ(hits, 1u);
      EXPECT_EQ(outs[0].hops[0].interface_index, 7u);
      EXPECT_EQ(outs[1].count, 0u);
    }
    EXPECT_EQ(inst.release_next_hops(e, {&nh, 1}), errc::ok);
  }
  EXPECT_TRUE(degraded_once) << "no allocation failure of the add degraded the fast path";
}

}  // namespace

namespace {

// Registers a (an owner, with a route on 10/8) and b (a reader).
void owner_and_reader(rtm::Instance& inst, rtm::EntityHandle* a, rtm::EntityHandle* b) {
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, a), errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 15, 1}, {}, b), errc::ok);
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(inst.add_route(*a, nullptr, P("10.0.0.0/8"), route(10), rtm::kInfinite, &f), errc::ok);
}

// A Get fills the caller's info in place, only the views asked for
// (core/infos.cpp): one that fails part-way must leave an info that names
// no handle, even in a struct that held a valid info before (the caller's
// own copy of it still holds those references), so a release of the failed
// info cannot drop references it never got. Here the Get's references on
// the destination, its route and the owner go to b's ledger (a failed
// spare record there only sends them to the counted path), and the
// held-down former best route is counted: no memory for b's hold record on
// it fails the Get (at its add, before the others are counted).
TEST(AllocationFailure, AFailedGetLeavesAnInfoThatNamesNoHandle) {
  rtm::Instance inst;
  rtm::EntityHandle a, b;
  ASSERT_NO_FATAL_FAILURE(owner_and_reader(inst, &a, &b));
  rtm::RouteChangeFlags f = 0;
  rtm::EntityHandle c;  // the second route's owner
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 16, 1}, {}, &c), errc::ok);
  rtm::RouteHandle best;
  ASSERT_EQ(inst.add_route(a, &best, P("11.0.0.0/8"), route(10), rtm::kInfinite, &f), errc::ok);
  ASSERT_EQ(inst.add_route(c, nullptr, P("11.0.0.0/8"), route(20), rtm::kInfinite, &f), errc::ok);
  rtm::DestInfo held;
  ASSERT_EQ(inst.get_exact_match_destination(b, P("10.0.0.0/8"), rtm::kBestProtocol,
                                             rtm::kViewMaskUnicast, &held),
            errc::ok);
  ASSERT_EQ(held.number_of_views, 1u);
  {
    rtm::DestInfo d11;
    ASSERT_EQ(inst.get_exact_match_destination(a, P("11.0.0.0/8"), rtm::kBestProtocol,
                                               rtm::kViewMaskUnicast, &d11),
              errc::ok);
    ASSERT_EQ(inst.hold_destination(a, d11.dest, rtm::kViewMaskUnicast, 3'600'000), errc::ok);
    ASSERT_EQ(inst.release_dest_info(a, d11), errc::ok);
  }
  ASSERT_EQ(inst.delete_route(a, best, &f), errc::ok);  // held down for an hour
  ASSERT_EQ(inst.release_routes(a, {&best, 1}), errc::ok);
  rtm::Outstanding before;
  ASSERT_EQ(inst.outstanding(b, &before), errc::ok);
  int failures = 0;
  for (std::uint64_t k = 1; k < 32; ++k) {
    rtm::DestInfo info = held;  // a struct holding a valid info
    rtm::fault_injection::fail_allocation(k);
    const errc r = inst.get_most_specific_destination(b, P("11.1.2.3"), rtm::kBestProtocol,
                                                      rtm::kViewMaskUnicast, &info);
    const bool fired = rtm::fault_injection::fired();
    rtm::fault_injection::fail_allocation(0);
    if (r == errc::ok) {  // past the last site, or a failure the Get went around
      EXPECT_EQ(info.address, P("11.0.0.0/8"));
      ASSERT_EQ(info.number_of_views, 1u);
      EXPECT_NE(info.views[0].hold_route.value, 0u) << "the held-down route";
      EXPECT_EQ(inst.release_dest_info(b, info), errc::ok);
      rtm::Outstanding o;
      ASSERT_EQ(inst.outstanding(b, &o), errc::ok);
      EXPECT_EQ(o.total(), before.total()) << "a Get and its release did not balance";
      if (!fired) break;
      continue;
    }
    ASSERT_TRUE(fired) << "a Get failed with no allocation failure";
    ASSERT_EQ(r, errc::not_enough_memory);
    ++failures;
    EXPECT_EQ(info.dest.value, 0u);
    EXPECT_EQ(info.number_of_views, 0u);
    rtm::Outstanding o;
    ASSERT_EQ(inst.outstanding(b, &o), errc::ok);
    EXPECT_EQ(o.total(), before.total()) << "the failed Get took or dropped references";
    // The emptied info names nothing: releasing it drops nothing.
    EXPECT_EQ(inst.release_dest_info(b, info), errc::ok);
    ASSERT_EQ(inst.outstanding(b, &o), errc::ok);
    EXPECT_EQ(o.total(), before.total());
  }
  EXPECT_GE(failures, 1) << "no memory for b's hold record on the held-down route should fail the Get";
  EXPECT_EQ(inst.release_dest_info(b, held), errc::ok);
  std::int64_t still = -1;
  EXPECT_EQ(inst.deregister_entity(b, &still), errc::ok);
  EXPECT_EQ(still, 0);
}

// A Get's references on linked objects are counted at commit; an object
// that left its table between the Get's add and its ledger section is
// counted on the object instead, which needs a hold record. No memory for
// it fails the commit after the owner's reference went into the ledger:
// that one is given back, and the info names nothing. The Get is parked
// before its section while its destination and route are deleted (both
// stay alive: a holds them), then the record's allocation fails.
TEST(AllocationFailure, ACommitWithoutMemoryForAFoldedObjectGivesItsLedgerUnitsBack) {
  rtm::Instance inst;
  rtm::EntityHandle a, b;
  ASSERT_NO_FATAL_FAILURE(owner_and_reader(inst, &a, &b));
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle r;
  ASSERT_EQ(inst.add_route(a, &r, P("12.0.0.0/8"), route(10), rtm::kInfinite, &f), errc::ok);
  rtm::DestInfo by_a;  // keeps 12/8 and its route alive after their deletion
  ASSERT_EQ(inst.get_exact_match_destination(a, P("12.0.0.0/8"), rtm::kBestProtocol,
                                             rtm::kViewMaskUnicast, &by_a),
            errc::ok);
  {  // this thread's ledger: a table, and an entry for a's handle
    rtm::DestInfo warm;
    ASSERT_EQ(inst.get_exact_match_destination(b, P("10.0.0.0/8"), rtm::kBestProtocol,
                                               rtm::kViewMaskUnicast, &warm),
              errc::ok);
    ASSERT_EQ(inst.release_dest_info(b, warm), errc::ok);
  }
  rtm::DestInfo info;
  errc got = errc::ok;
  {
    rtm_test::HookParker park("ledger_add.before_lock");
    std::thread deleter([&] {
      park.wait_arrived();  // b's Get, before its ledger section
      EXPECT_EQ(inst.delete_route(a, r, &f), errc::ok);  // 12/8 leaves the map: both folded
      rtm::fault_injection::fail_allocation(1);  // b's hold record on 12/8
      park.release();
    });
    got = inst.get_dest_info(b, by_a.dest, rtm::kBestProtocol, rtm::kViewMaskUnicast, &info);
    deleter.join();
  }
  const bool fired = rtm::fault_injection::fired();
  rtm::fault_injection::fail_allocation(0);
  EXPECT_TRUE(fired);
  EXPECT_EQ(got, errc::not_enough_memory);
  EXPECT_EQ(info.dest.value, 0u);
  EXPECT_EQ(info.number_of_views, 0u);
  rtm::Outstanding o;
  ASSERT_EQ(inst.outstanding(b, &o), errc::ok);
  EXPECT_EQ(o.total(), 0) << "the owner's ledger unit was not given back";
  EXPECT_EQ(inst.release_dest_info(a, by_a), errc::ok);
  EXPECT_EQ(inst.release_routes(a, {&r, 1}), errc::ok);
  std::int64_t still = -1;
  EXPECT_EQ(inst.deregister_entity(b, &still), errc::ok);
  EXPECT_EQ(still, 0);
}

}  // namespace

namespace {

// A bulk add with each of its allocations failing in turn: the item that
// met the failure reports not_enough_memory and left nothing (no
// destination, no reference), the others are done, and everything is
// freed at the end.
TEST(AllocationFailure, ABulkAddFailsOnlyTheItemThatRanOutOfMemory) {
  const rtm::ObjectCounters before = rtm::object_counters();
  const char* prefixes[3] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.128/25"};
  std::uint64_t sites = 0;
  for (std::uint64_t k = 0; k == 0 || k <= sites; ++k) {
    rtm::Instance inst(small_maps());
    rtm::EntityHandle a;
    ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &a), errc::ok);
    rtm::RouteHandle h[3];
    std::vector<rtm::RouteAddItem> items(3);
    for (int i = 0; i < 3; ++i) {
      items[i].dest = P(prefixes[i]);
      items[i].info.pref = {0, 20};
      items[i].handle = &h[i];
    }
    rtm::fault_injection::fail_allocation(k);
    const errc r = inst.add_routes(a, items);
    if (k == 0) sites = rtm::fault_injection::allocations();
    const bool fired = rtm::fault_injection::fired();
    rtm::fault_injection::fail_allocation(0);
    EXPECT_EQ(fired, k != 0) << "allocation " << k;
    int failed = 0, done = 0;
    for (int i = 0; i < 3; ++i) {
      rtm::DestInfo di;
      const errc found = inst.get_exact_match_destination(a, items[i].dest, rtm::kBestProtocol,
                                                          rtm::kViewMaskUnicast, &di);
      if (found == errc::ok) {
        EXPECT_EQ(inst.release_dest_info(a, di), errc::ok);
      }
      // A failure absorbed by design (the forwarding index degrades) leaves the item done.
      if (items[i].result == errc::ok) {
        ++done;
        EXPECT_EQ(found, errc::ok) << prefixes[i] << ", allocation " << k;
        EXPECT_NE(h[i].value, 0u);
        EXPECT_EQ(inst.release_routes(a, {&h[i], 1}), errc::ok);
      } else {
        ++failed;
        EXPECT_EQ(items[i].result, errc::not_enough_memory) << prefixes[i] << ", allocation " << k;
        EXPECT_EQ(found, errc::not_found) << prefixes[i] << " left behind, allocation " << k;
        EXPECT_EQ(h[i].value, 0u);
      }
    }
    EXPECT_LE(failed, 1) << "one allocation failed, so at most one item";
    EXPECT_EQ(done + failed, 3);
    EXPECT_EQ(r, failed ? errc::not_enough_memory : errc::ok);
    rtm::Outstanding o;
    ASSERT_EQ(inst.outstanding(a, &o), errc::ok);
    EXPECT_EQ(o.total(), 0) << "allocation " << k;
    std::int64_t still = -1;
    EXPECT_EQ(inst.deregister_entity(a, &still), errc::ok);
    EXPECT_EQ(still, 0);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(sites, 10u);
  rtm::reclaim_all();
  const rtm::ObjectCounters after = rtm::object_counters();
  for (int k = 1; k < 8; ++k)
    EXPECT_EQ(after.allocated[k] - before.allocated[k], after.freed[k] - before.freed[k]) << k;
}

}  // namespace
