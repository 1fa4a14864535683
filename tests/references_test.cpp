// What keeps a handle valid (issue 12): references taken by add_route on
// objects found under a hazard pointer only, handles published before the
// object holds what publishing needs, routes linked to an owner that has
// just deregistered, and handles whose last reference is gone.
//
// The races are widened with HookParker (tests/test_hook_util.h) at the
// add_route.* points of src/core/route_write.cpp; before the fixes the first three
// were use-after-free reports under the asan preset.
#include <functional>
#include <thread>

#include <rtmv2/rtmv2.h>

#include "core/dest.h"
#include "core/route.h"
#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

rtm::NextHopInfo nh_info(const char* addr, std::uint32_t ifindex = 1) {
  rtm::NextHopInfo i;
  i.address = P(addr);
  i.interface_index = ifindex;
  return i;
}

// b's exact match of 10.0.0.0/8 (the prefix every test here uses).
errc exact(rtm::Instance& inst, rtm::EntityHandle e, rtm::ViewSet views, rtm::DestInfo* di) {
  return inst.get_exact_match_destination(e, P("10.0.0.0/8"), rtm::kBestProtocol, views, di);
}

// Expects 10.0.0.0/8 to have no route for e (releasing a wrong answer).
void expect_absent(rtm::Instance& inst, rtm::EntityHandle e, const char* why) {
  rtm::DestInfo di;
  const errc found = exact(inst, e, rtm::kViewMaskAny, &di);
  EXPECT_EQ(found, errc::not_found) << why;
  if (found == errc::ok) inst.release_dest_info(e, di);
}

}  // namespace

// ---- defect 2: the neighbour's reference ---------------------------------------

TEST_F(RtmTest, AddRouteRefusesANeighbourWhoseLastReferenceWentMeanwhile) {
  rtm::NextHopHandle nh;
  ASSERT_EQ(rtm().add_next_hop(a_, nh_info("192.0.2.1/32"), &nh, nullptr), errc::ok);
  rtm::RouteHandle route;
  errc added = errc::ok;
  {
    HookParker park("add_route.neighbour_found");
    std::thread t([&] { added = add(a_, "10.0.0.0/8", 10, 0, &route, rtm::kViewMaskUnicast,
                                    nullptr, nh); });
    park.wait_arrived();
    // The neighbour goes while add_route holds only a hazard pointer on it.
    ASSERT_EQ(rtm().delete_next_hop(a_, nh, nullptr), errc::ok);
    ASSERT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
    park.release();
    t.join();
  }
  rtm::reclaim_all();
  if (added == errc::ok) {
    // The route must name a neighbour it keeps alive (ASan: no use after free).
    rtm::RouteInfo ri;
    ASSERT_EQ(rtm().get_route_info(b_, route, &ri, nullptr), errc::ok);
    EXPECT_EQ(ri.neighbour.value, nh.value);
    ASSERT_EQ(rtm().release_route_info(b_, ri), errc::ok);
    remove(a_, route);
    FAIL() << "add_route accepted a neighbour whose last reference had gone";
  }
  EXPECT_EQ(added, errc::invalid_handle);
  expect_absent(rtm(), b_, "a route with a neighbour refused");
}

// ---- defect 3: a new route published with no reference ---------------------------

TEST_F(RtmTest, NewRouteSurvivesAReferenceTakenAndDroppedBeforeItIsLinked) {
  {
    HookParker park("add_route.published");
    errc added = errc::not_found;
    std::thread t([&] { added = add(a_, "10.0.0.0/8", 10); });  // no handle asked for
    const auto* r = static_cast<const rtm::detail::Route*>(park.wait_arrived());
    // Another entity guesses the freshly published handle, references it
    // and drops the reference again.
    const rtm::AnyHandle h = r->handle;
    ASSERT_EQ(rtm().reference_handles(b_, {&h, 1}), errc::ok);
    ASSERT_EQ(rtm().dereference_handles(b_, {&h, 1}), errc::ok);
    park.release();
    t.join();
    EXPECT_EQ(added, errc::ok);
  }
  rtm::reclaim_all();
  // Readers of the destination see a live route (ASan: gather reads it).
  rtm::DestInfo di;
  ASSERT_EQ(exact(rtm(), b_, rtm::kViewMaskAny, &di),
            errc::ok);
  ASSERT_NE(di.views[0].route.value, 0u);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(b_, di.views[0].route, &ri, nullptr), errc::ok);
  EXPECT_EQ(ri.owner, a_);
  EXPECT_EQ(ri.state, rtm::kRouteStateCreated);
  ASSERT_EQ(rtm().release_route_info(b_, ri), errc::ok);
  rtm::RouteHandle rh = di.views[0].route;
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  rtm::RouteChangeFlags f = 0;
  EXPECT_EQ(rtm().delete_route(a_, rh, &f), errc::ok);
}

// ---- defect 4: a route linked to an owner that has just deregistered ----------------

// The owner's last reference goes with its deregistration.
TEST_F(RtmTest, AddRouteByAnOwnerDeregisteredMeanwhileIsInvalidHandle) {
  errc added = errc::ok;
  {
    HookParker park("add_route.caller_resolved");
    std::thread t([&] { added = add(a_, "10.0.0.0/8", 10); });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);  // another thread of the same entity
    park.release();
    t.join();
  }
  rtm::reclaim_all();
  EXPECT_EQ(added, errc::invalid_handle);
  expect_absent(rtm(), b_, "a route outlived its owner's deregistration");
}

// The owner's handle stays valid (another entity holds it): the route is
// linked, and add_route's re-check after publishing it undoes it.
TEST_F(RtmTest, AddRouteByAnOwnerDeregisteredMeanwhileStillReferencedIsInvalidHandle) {
  std::uint32_t n = 4;
  rtm::EntityHandle hs[4];
  ASSERT_EQ(rtm().get_registered_entities(b_, &n, hs, nullptr), errc::ok);
  errc added = errc::ok;
  {
    HookParker park("add_route.caller_resolved");
    std::thread t([&] { added = add(a_, "10.0.0.0/8", 10); });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);
    park.release();
    t.join();
  }
  EXPECT_EQ(added, errc::invalid_handle);
  expect_absent(rtm(), b_, "a route outlived its owner's deregistration");
  ASSERT_EQ(rtm().release_entities(b_, {hs, n}), errc::ok);
}

// ---- defect 8: a handle whose last reference went is refused at once -----------------

TEST_F(RtmTest, RouteHandleIsRefusedRightAfterItsLastRelease) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  const rtm::RouteHandle copy = r;
  remove(a_, r);  // delete, then the last release
  rtm::RouteInfo ri;
  EXPECT_EQ(rtm().get_route_info(a_, copy, &ri, nullptr), errc::invalid_handle);
  rtm::NetAddress addr;
  EXPECT_EQ(rtm().get_route_info(b_, copy, nullptr, &addr), errc::invalid_handle);
  EXPECT_EQ(rtm().release_routes(a_, {&copy, 1}), errc::invalid_handle);
  const rtm::AnyHandle any = copy.value;
  EXPECT_EQ(rtm().reference_handles(b_, {&any, 1}), errc::invalid_handle);
  rtm::ViewSet best = 0;
  EXPECT_EQ(rtm().is_best_route(a_, copy, &best), errc::invalid_handle);
}

TEST_F(RtmTest, DestHandleIsRefusedRightAfterItsLastRelease) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(exact(rtm(), b_, rtm::kViewMaskAny, &di),
            errc::ok);
  const rtm::DestHandle d = di.dest;
  remove(a_, r);  // the destination's last route: it leaves the map
  rtm::DestInfo again;
  ASSERT_EQ(rtm().get_dest_info(b_, d, rtm::kBestProtocol, rtm::kViewMaskAny, &again), errc::ok)
      << "still referenced: readable";
  ASSERT_EQ(rtm().release_dest_info(b_, again), errc::ok);
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);  // the last reference
  EXPECT_EQ(rtm().get_dest_info(b_, d, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::invalid_handle);
  const rtm::AnyHandle any = d.value;
  EXPECT_EQ(rtm().reference_handles(b_, {&any, 1}), errc::invalid_handle);
}

TEST_F(RtmTest, NextHopHandleIsRefusedRightAfterItsLastRelease) {
  rtm::NextHopHandle nh;
  ASSERT_EQ(rtm().add_next_hop(a_, nh_info("192.0.2.1/32"), &nh, nullptr), errc::ok);
  // A route uses it and is deleted: the route set awaiting reclamation
  // still points at the route, which points at the next hop.
  rtm::RouteInfo ri;
  ri.views = rtm::kViewMaskUnicast;
  ri.next_hops.count = 1;
  ri.next_hops.hops[0] = nh;
  rtm::RouteHandle r;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().add_route(a_, &r, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  remove(a_, r);
  const rtm::NextHopHandle copy = nh;
  ASSERT_EQ(rtm().delete_next_hop(a_, nh, nullptr), errc::ok);
  ASSERT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
  rtm::NextHopInfo info;
  EXPECT_EQ(rtm().get_next_hop_info(a_, copy, &info), errc::invalid_handle);
  EXPECT_EQ(rtm().release_next_hops(a_, {&copy, 1}), errc::invalid_handle);
}

TEST_F(RtmTest, EntityHandleIsRefusedRightAfterItsLastReleaseAfterDeregistration) {
  add_held(a_, "10.0.0.0/8", 10);  // a's route goes with its deregistration
  std::uint32_t n = 4;
  rtm::EntityHandle hs[4];
  ASSERT_EQ(rtm().get_registered_entities(b_, &n, hs, nullptr), errc::ok);
  ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);
  rtm::EntityInfo info;
  EXPECT_EQ(rtm().get_entity_info(b_, a_, &info), errc::ok) << "b still references a";
  ASSERT_EQ(rtm().release_entities(b_, {hs, n}), errc::ok);
  EXPECT_EQ(rtm().get_entity_info(b_, a_, &info), errc::invalid_handle);
  const rtm::AnyHandle any = a_.value;
  EXPECT_EQ(rtm().reference_handles(b_, {&any, 1}), errc::invalid_handle);
}

// ---- the paths that re-issue references still work --------------------------------

TEST_F(RtmTest, DeletedRouteStillReferencedNamesLiveDestOwnerNeighbourAndHops) {
  rtm::NextHopHandle nh, nb;
  ASSERT_EQ(rtm().add_next_hop(a_, nh_info("192.0.2.1/32"), &nh, nullptr), errc::ok);
  ASSERT_EQ(rtm().add_next_hop(a_, nh_info("192.0.2.2/32"), &nb, nullptr), errc::ok);
  rtm::RouteInfo in;
  in.views = rtm::kViewMaskUnicast;
  in.neighbour = nb;
  in.next_hops.count = 1;
  in.next_hops.hops[0] = nh;
  rtm::RouteHandle r;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().add_route(a_, &r, P("10.0.0.0/8"), in, rtm::kInfinite, &f), errc::ok);
  ASSERT_EQ(rtm().delete_route(a_, r, &f), errc::ok);  // the destination leaves the map
  ASSERT_EQ(rtm().delete_next_hop(a_, nh, nullptr), errc::ok);
  ASSERT_EQ(rtm().delete_next_hop(a_, nb, nullptr), errc::ok);
  ASSERT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
  ASSERT_EQ(rtm().release_next_hops(a_, {&nb, 1}), errc::ok);
  rtm::reclaim_all();
  // a still references the route: everything it names is valid.
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(b_, r, &ri, nullptr), errc::ok);
  EXPECT_EQ(ri.state, rtm::kRouteStateDeleted);
  EXPECT_EQ(ri.owner, a_);
  EXPECT_EQ(ri.neighbour, nb);
  ASSERT_EQ(ri.next_hops.count, 1u);
  EXPECT_EQ(ri.next_hops.hops[0], nh);
  rtm::DestInfo di;
  EXPECT_EQ(rtm().get_dest_info(b_, ri.dest, rtm::kBestProtocol, rtm::kViewMaskAny, &di),
            errc::ok);
  EXPECT_EQ(di.address, P("10.0.0.0/8"));
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  rtm::NextHopInfo ni;
  ASSERT_EQ(rtm().get_next_hop_info(b_, ri.next_hops.hops[0], &ni), errc::ok);
  EXPECT_EQ(ni.state, rtm::kNextHopStateDeleted);
  ASSERT_EQ(rtm().release_next_hop_info(b_, ni), errc::ok);
  EXPECT_EQ(outstanding(b_).dests, 1);
  EXPECT_EQ(outstanding(b_).next_hops, 2);
  // The route's last reference: b's references keep what they name.
  release(a_, r);
  rtm::RouteInfo gone;
  EXPECT_EQ(rtm().get_route_info(b_, r, &gone, nullptr), errc::invalid_handle);
  ASSERT_EQ(rtm().get_next_hop_info(b_, ri.neighbour, &ni), errc::ok);
  ASSERT_EQ(rtm().release_next_hop_info(b_, ni), errc::ok);
  const rtm::DestHandle d = ri.dest;
  const rtm::NextHopHandle h0 = ri.next_hops.hops[0];
  ASSERT_EQ(rtm().release_route_info(b_, ri), errc::ok);
  EXPECT_EQ(rtm().get_dest_info(b_, d, rtm::kBestProtocol, rtm::kViewMaskAny, &di),
            errc::invalid_handle);
  EXPECT_EQ(rtm().get_next_hop_info(b_, h0, &ni), errc::invalid_handle);
}

TEST_F(RtmTest, HeldDownRouteIsReturnedAsHoldRouteUntilTheHoldEnds) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(a_, r, &ri, nullptr), errc::ok);
  ASSERT_EQ(rtm().hold_destination(a_, ri.dest, rtm::kViewMaskUnicast, rtm::kInfinite),
            errc::ok);
  ASSERT_EQ(rtm().release_route_info(a_, ri), errc::ok);
  remove(a_, r);  // deleted and released: only the hold keeps it
  rtm::reclaim_all();
  rtm::DestInfo di;
  ASSERT_EQ(exact(rtm(), b_, rtm::kViewMaskUnicast, &di),
            errc::ok);
  EXPECT_EQ(di.views[0].route.value, 0u);
  EXPECT_EQ(di.views[0].hold_route, r);
  rtm::RouteInfo held;
  ASSERT_EQ(rtm().get_route_info(b_, di.views[0].hold_route, &held, nullptr), errc::ok);
  EXPECT_EQ(held.state, rtm::kRouteStateDeleted);
  ASSERT_EQ(rtm().release_route_info(b_, held), errc::ok);
  // A new best route takes the hold's place once the hold is dropped.
  ASSERT_EQ(rtm().hold_destination(a_, di.dest, rtm::kViewMaskUnicast, 0), errc::ok);
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
}

// Route sets hold no reference on their routes (core/dest.h): these park a
// reader inside a set while later sets delete its routes.
class RouteSetLifetime : public RtmTest {
 protected:
  // b's exact-match get of 10.0.0.0/8, parked inside the route set it
  // protects while `meanwhile` runs, then a reclaim; its answer in *di.
  errc get_parked_inside_set(const std::function<void()>& meanwhile, rtm::DestInfo* di) {
    errc got = errc::not_found;
    HookParker park("fill_dest_info.set_protected");
    std::thread t([&] {
      got = rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, di);
    });
    park.wait_arrived();
    meanwhile();
    rtm::reclaim_all();
    park.release();
    t.join();
    return got;
  }
};

// A route stays allocated while any set that lists it may be read,
// because the sets of a destination are destroyed in the order they were
// current. A reader parked inside the first set, {ra, rb}, reads rb after
// rb was deleted in a later set and every client reference on it is gone
// (under ASan, rb freed early is a use after free here); ra, its answer,
// stays referenced by a.
TEST_F(RouteSetLifetime, AReaderInsideAnOldRouteSetReadsRoutesDeletedInLaterSets) {
  const rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10);
  const rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 20);
  rtm::DestInfo di;
  const errc got = get_parked_inside_set(
      [&] {  // inside {ra, rb}
        rtm::RouteChangeFlags f = 0;
        ASSERT_EQ(rtm().delete_route(a_, ra, &f), errc::ok);        // -> {rb}
        const rtm::RouteHandle ra2 = add_held(a_, "10.0.0.0/8", 5);  // -> {rb, ra2}
        remove(a_, ra2);                                            // -> {rb}
        remove(b_, rb);  // -> empty: rb doomed in a later set, unreferenced; the destination goes
      },
      &di);
  ASSERT_EQ(got, errc::ok);
  EXPECT_EQ(di.address, P("10.0.0.0/8"));
  ASSERT_EQ(di.number_of_views, 1u);
  EXPECT_EQ(di.views[0].route.value, ra.value) << "the best route of the set it read";
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(a_, ra, &ri, nullptr), errc::ok);
  EXPECT_EQ(ri.state, rtm::kRouteStateDeleted);
  EXPECT_EQ(rtm().release_route_info(a_, ri), errc::ok);
  release(a_, ra);
}

// The same across chain breaks: a reader parked inside {ra, rb} while 100
// writes (three breaks) go by, then rb is deleted and released in a later
// chain. rb stays allocated through the reference the breaking set took
// (under ASan, a missing one is a use after free here).
TEST_F(RouteSetLifetime, AReaderInsideAnOldRouteSetOutlivesChainBreaks) {
  const rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10);
  const rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 20);
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 7, 1}, {}, &c), errc::ok);
  rtm::DestInfo di;
  const errc got = get_parked_inside_set(
      [&] {  // inside {ra, rb}
        for (int i = 0; i < 50; ++i) remove(c, add_held(c, "10.0.0.0/8", 30));  // 100 sets
        remove(b_, rb);
      },
      &di);
  ASSERT_EQ(got, errc::ok);
  ASSERT_EQ(di.number_of_views, 1u);
  EXPECT_EQ(di.views[0].route.value, ra.value);
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  remove(a_, ra);
  EXPECT_EQ(rtm().deregister_entity(c), errc::ok);
}

// A set waiting in the retired array of a thread gone idle (libcds
// disposes an array only when it fills, or its thread calls in or leaves)
// keeps the later sets of its chain, and the routes they doomed: a chain
// is at most kChainMax sets (core/dest.h), so 10,000 add/delete cycles on
// the destination meanwhile leave a few dozen routes allocated, not
// 10,000 (before the bound: every one, until the idle thread exited).
TEST_F(RtmTest, AnIdleThreadsRetiredSetKeepsABoundedNumberOfLaterRoutes) {
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 7, 1}, {}, &c), errc::ok);
  Gate added, done;
  std::thread idle([&] {
    EXPECT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);  // {ra}
    EXPECT_EQ(add(b_, "10.0.0.0/8", 20), errc::ok);  // {ra, rb}: {ra} retired here
    added.open();
    done.wait();  // attached and idle: its retired array is not disposed
  });
  added.wait();
  CounterSnapshot at;
  for (int i = 0; i < 10000; ++i) remove(c, add_held(c, "10.0.0.0/8", 30));
  rtm::reclaim_all();  // this thread's retired sets: disposed
  const std::int64_t live = at.live_delta(rtm::HandleKind::route);
  EXPECT_GT(live, 0) << "the idle thread's set keeps its chain (else this tests nothing)";
  EXPECT_LE(live, 2 * static_cast<int>(rtm::detail::kChainMax))
      << "routes kept by the idle thread's set";
  done.open();
  idle.join();
  EXPECT_EQ(rtm().deregister_entity(c), errc::ok);
}

TEST_F(RtmTest, DestRemovedFromTheMapWhileQueuedIsStillReturnedByGetChangedDests) {
  rtm::NotifyHandle n;
  ASSERT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskAny, rtm::kChangeTypeAll,
                                                    nullptr, &n),
            errc::ok);
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  remove(a_, r);  // the destination leaves the map; the queue holds it
  rtm::reclaim_all();
  rtm::DestInfo infos[4];
  std::uint32_t count = 4;
  const errc got = rtm().get_changed_dests(b_, n, &count, infos);
  EXPECT_TRUE(got == errc::ok || got == errc::no_more_items);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(infos[0].address, P("10.0.0.0/8"));
  EXPECT_EQ(infos[0].views[0].route.value, 0u);
  rtm::DestInfo again;
  EXPECT_EQ(rtm().get_dest_info(b_, infos[0].dest, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::ok);
  ASSERT_EQ(rtm().release_dest_info(b_, again), errc::ok);
  const rtm::DestHandle d = infos[0].dest;
  ASSERT_EQ(rtm().release_changed_dests(b_, n, {infos, count}), errc::ok);
  EXPECT_EQ(rtm().get_dest_info(b_, d, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::invalid_handle);
  ASSERT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

// ---- the same through the C API ------------------------------------------------------

namespace {

RTM_ENTITY_HANDLE c_register(USHORT instance, ULONG proto) {
  RTM_ENTITY_INFO info{};
  info.RtmInstanceId = instance;
  info.AddressFamily = AF_INET;
  info.EntityId.EntityProtocolId = proto;
  info.EntityId.EntityInstanceId = 1;
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE h = nullptr;
  EXPECT_EQ(RtmRegisterEntity(&info, nullptr, nullptr, FALSE, &profile, &h), NO_ERROR);
  return h;
}

void c_v4(RTM_NET_ADDRESS* a, unsigned b0, unsigned len) {
  std::memset(a, 0, sizeof *a);
  a->AddressFamily = AF_INET;
  a->NumBits = static_cast<USHORT>(len);
  a->AddrBits[0] = static_cast<UCHAR>(b0);
}

}  // namespace

TEST(CApiReferences, HandlesAreRefusedRightAfterTheirLastRelease) {
  const USHORT id = 77;
  RTM_ENTITY_HANDLE a = c_register(id, 14);
  RTM_ENTITY_HANDLE b = c_register(id, 3);
  std::vector<unsigned char> ri_mem(RTM_SIZE_OF_ROUTE_INFO(8));
  auto* ri = reinterpret_cast<PRTM_ROUTE_INFO>(ri_mem.data());
  std::vector<unsigned char> di_mem(RTM_SIZE_OF_DEST_INFO(RTM_MAX_VIEWS));
  auto* di = reinterpret_cast<PRTM_DEST_INFO>(di_mem.data());

  // A next hop, a route using it, b's reference on the destination.
  RTM_NEXTHOP_INFO nhi{};
  c_v4(&nhi.NextHopAddress, 192, 32);
  nhi.InterfaceIndex = 1;
  RTM_NEXTHOP_HANDLE nh = nullptr;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  ASSERT_EQ(RtmAddNextHop(a, &nhi, &nh, &nf), NO_ERROR);
  std::memset(ri, 0, RTM_SIZE_OF_ROUTE_INFO(8));
  ri->PrefInfo.Preference = 10;
  ri->BelongsToViews = RTM_VIEW_MASK_UCAST;
  ri->NextHopsList.NumNextHops = 1;
  ri->NextHopsList.NextHops[0] = nh;
  RTM_NET_ADDRESS dest;
  c_v4(&dest, 10, 8);
  RTM_ROUTE_HANDLE rh = nullptr;
  RTM_ROUTE_CHANGE_FLAGS cf = 0;
  ASSERT_EQ(RtmAddRouteToDest(a, &rh, &dest, ri, INFINITE, nullptr, 0, nullptr, &cf), NO_ERROR);
  // A protocol no route has: the info references the destination only.
  ASSERT_EQ(RtmGetExactMatchDestination(b, &dest, 99, RTM_VIEW_MASK_UCAST, di), NO_ERROR);
  ASSERT_EQ(di->ViewInfo[0].Route, nullptr);
  RTM_DEST_HANDLE dh = di->DestHandle;
  std::uint32_t n = 4;
  RTM_ENTITY_HANDLE ents[4];
  UINT un = n;
  ASSERT_EQ(RtmGetRegisteredEntities(b, &un, ents, nullptr), NO_ERROR);

  // Route: deleted, last release, refused.
  ASSERT_EQ(RtmDeleteRouteToDest(a, rh, &cf), NO_ERROR);
  ASSERT_EQ(RtmReleaseRoutes(a, 1, &rh), NO_ERROR);
  EXPECT_EQ(RtmGetRouteInfo(b, rh, ri, nullptr), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  EXPECT_EQ(RtmReleaseRoutes(a, 1, &rh), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  // Destination: out of the map, b's last reference, refused.
  ASSERT_EQ(RtmReleaseDestInfo(b, di), NO_ERROR);
  EXPECT_EQ(RtmGetDestInfo(b, dh, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, di),
            static_cast<DWORD>(ERROR_INVALID_HANDLE));
  // Next hop: deleted, last release, refused.
  ASSERT_EQ(RtmDeleteNextHop(a, nh, nullptr), NO_ERROR);
  ASSERT_EQ(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  RTM_NEXTHOP_INFO out{};
  EXPECT_EQ(RtmGetNextHopInfo(b, nh, &out), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  // Entity: deregistered, b's last reference, refused.
  ASSERT_EQ(RtmDeregisterEntity(a), NO_ERROR);
  RTM_ENTITY_INFO ei;
  EXPECT_EQ(RtmGetEntityInfo(b, a, &ei), NO_ERROR) << "b still references a";
  ASSERT_EQ(RtmReleaseEntities(b, un, ents), NO_ERROR);
  EXPECT_EQ(RtmGetEntityInfo(b, a, &ei), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  ASSERT_EQ(RtmDeregisterEntity(b), NO_ERROR);
  // Free what is left retired here, so a later test's object counts in
  // this process start clean.
  rtm::reclaim_all();
}
