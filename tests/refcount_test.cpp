// The reference-count contract and misuse detection: every Get adds one
// reference per handle, every Release drops one; bad handles and releases
// of references not held are errors that leave every count untouched.
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

TEST_F(RtmTest, GetDestInfoReferencesEveryHandleAndReleaseDropsThem) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10, 0,
                                 rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);
  const rtm::Outstanding before = outstanding(b_);
  EXPECT_EQ(before.total(), 0);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, &di),
            errc::ok);
  const rtm::Outstanding during = outstanding(b_);
  EXPECT_EQ(during.dests, 1);
  EXPECT_EQ(during.routes, 2) << "the best route of each of the two views";
  EXPECT_EQ(during.entities, 2) << "the owner of each view's best route";
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
  remove(a_, ra);
}

TEST_F(RtmTest, DoubleReleaseIsRefusedAndCountsStayUntouched) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).total(), 0);
  EXPECT_EQ(outstanding(a_).routes, 1) << "a's own reference is untouched";
  // b releasing a's reference: b holds none.
  EXPECT_EQ(rtm().release_routes(b_, {&ra, 1}), errc::invalid_parameter);
  EXPECT_EQ(outstanding(a_).routes, 1);
  remove(a_, ra);
  // REFERENCE.md: from the moment its last reference goes, every call given
  // its handle refuses it, whether or not the memory has been reclaimed.
  EXPECT_EQ(rtm().release_routes(a_, {&ra, 1}), errc::invalid_handle)
      << "a held the last reference: the handle is gone at once";
  rtm::reclaim_all();  // the memory goes with the retired route set
  EXPECT_EQ(rtm().release_routes(a_, {&ra, 1}), errc::invalid_handle)
      << "the route is freed: its handle is stale";
}

TEST_F(RtmTest, ReleasesAreAllOrNothing) {
  rtm::RouteHandle r1 = add_held(a_, "10.0.0.0/8", 10);
  rtm::RouteHandle r2 = add_held(a_, "11.0.0.0/8", 10);
  const rtm::RouteHandle batch[3] = {r1, r2, r2};  // r2 held once only
  EXPECT_EQ(rtm().release_routes(a_, batch), errc::invalid_parameter);
  EXPECT_EQ(outstanding(a_).routes, 2) << "nothing released";
  const rtm::RouteHandle bad[2] = {r1, rtm::RouteHandle{0xdeadbeef}};
  EXPECT_EQ(rtm().release_routes(a_, bad), errc::invalid_handle);
  EXPECT_EQ(outstanding(a_).routes, 2);
  remove(a_, r1);
  remove(a_, r2);
}

TEST_F(RtmTest, WrongKindHandlesAreInvalid) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(a_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  // A destination handle where a route is expected, and the reverse.
  const rtm::RouteHandle as_route{di.dest.value};
  EXPECT_EQ(rtm().release_routes(a_, {&as_route, 1}), errc::invalid_handle);
  rtm::DestInfo other;
  EXPECT_EQ(rtm().get_dest_info(a_, rtm::DestHandle{r.value}, rtm::kBestProtocol,
                                rtm::kViewMaskAny, &other),
            errc::invalid_handle);
  rtm::RouteInfo ri;
  EXPECT_EQ(rtm().get_route_info(a_, rtm::RouteHandle{a_.value}, &ri, nullptr),
            errc::invalid_handle);
  // An entity handle used as a caller must be an entity.
  rtm::Outstanding o;
  EXPECT_EQ(rtm().outstanding(rtm::EntityHandle{r.value}, &o), errc::invalid_handle);
  EXPECT_EQ(outstanding(a_).dests, 1);
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
  remove(a_, r);
}

TEST_F(RtmTest, ForgedAndNullHandlesAreInvalid) {
  rtm::RouteInfo ri;
  const std::uint64_t forged[] = {0, 1, ~std::uint64_t{0}, 0x0103000000000005,
                                  a_.value ^ (std::uint64_t{1} << 40)};
  for (std::uint64_t v : forged) {
    EXPECT_EQ(rtm().get_route_info(a_, rtm::RouteHandle{v}, &ri, nullptr), errc::invalid_handle)
        << std::hex << v;
    rtm::Outstanding o;
    EXPECT_EQ(rtm().outstanding(rtm::EntityHandle{v}, &o), errc::invalid_handle) << std::hex << v;
  }
}

TEST_F(RtmTest, HandlesOfAnotherInstanceAreInvalid) {
  rtm::Instance other(rtm::InstanceOptions{.instance_id = 3, .views_supported = 3, .clock = {}});
  rtm::EntityHandle oe;
  ASSERT_EQ(other.register_entity({3, rtm::Family::ipv4, 14, 1}, {}, &oe), errc::ok);
  rtm::RouteInfo ri;
  rtm::RouteHandle foreign;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(other.add_route(oe, &foreign, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  rtm::RouteHandle mine = add_held(a_, "10.0.0.0/8", 10);
  EXPECT_EQ(rtm().release_routes(a_, {&foreign, 1}), errc::invalid_handle);
  EXPECT_EQ(rtm().get_route_info(a_, foreign, &ri, nullptr), errc::invalid_handle);
  EXPECT_EQ(other.release_routes(oe, {&mine, 1}), errc::invalid_handle);
  EXPECT_EQ(outstanding(a_).routes, 1);
  EXPECT_EQ(other.release_routes(oe, {&foreign, 1}), errc::ok);
  EXPECT_EQ(other.deregister_entity(oe), errc::ok);
  remove(a_, mine);
}

TEST_F(RtmTest, ReferenceAndDereferenceHandlesOfAnyKind) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  // Keep the destination handle beyond the info, as RTMv2 clients do.
  const rtm::AnyHandle keep[2] = {di.dest.value, di.views[0].route.value};
  ASSERT_EQ(rtm().reference_handles(b_, keep), errc::ok);
  ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  EXPECT_EQ(outstanding(b_).dests, 1);
  EXPECT_EQ(outstanding(b_).routes, 1);
  // Any live handle may be referenced, held before or not; but only a
  // reference held can be dropped.
  rtm::RouteHandle r2 = add_held(a_, "11.0.0.0/8", 10);
  const rtm::AnyHandle not_held[1] = {r2.value};
  EXPECT_EQ(rtm().dereference_handles(b_, not_held), errc::invalid_parameter);
  EXPECT_EQ(rtm().reference_handles(b_, not_held), errc::ok);
  EXPECT_EQ(outstanding(b_).routes, 2);
  EXPECT_EQ(rtm().dereference_handles(b_, not_held), errc::ok);
  const rtm::AnyHandle mixed[2] = {keep[0], 0x77};
  EXPECT_EQ(rtm().dereference_handles(b_, mixed), errc::invalid_handle);
  EXPECT_EQ(outstanding(b_).total(), 2) << "all or nothing";
  ASSERT_EQ(rtm().dereference_handles(b_, keep), errc::ok);
  EXPECT_EQ(rtm().dereference_handles(b_, keep), errc::invalid_parameter) << "double";
  EXPECT_EQ(outstanding(b_).total(), 0);
  remove(a_, r);
  remove(a_, r2);
}

TEST_F(RtmTest, DestinationHandleOutlivesItsLastRoute) {
  const CounterSnapshot snap;
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  remove(a_, r);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u) << "gone from the table";
  rtm::DestInfo again;
  ASSERT_EQ(rtm().get_dest_info(b_, di.dest, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::ok)
      << "but the held handle still works";
  EXPECT_EQ(again.address, P("10.0.0.0/8"));
  EXPECT_FALSE(again.views[0].route);
  EXPECT_EQ(rtm().release_dest_info(b_, again), errc::ok);
  EXPECT_EQ(snap.live_delta(rtm::HandleKind::dest), 1);
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  rtm::reclaim_all();
  EXPECT_EQ(snap.live_delta(rtm::HandleKind::dest), 0) << "freed after the last release";
  EXPECT_EQ(snap.live_delta(rtm::HandleKind::route), 0);
  EXPECT_EQ(rtm().get_dest_info(b_, di.dest, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::invalid_handle);
}

TEST_F(RtmTest, DeregisteringWithHandlesOutStaysSafeForOthers) {
  rtm::EntityHandle e;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 70, 1}, {}, &e), errc::ok);
  rtm::RouteHandle er;
  ASSERT_EQ(add(e, "10.0.0.0/8", 10, 0, &er), errc::ok);
  rtm::DestInfo di;  // b holds e's route (best) and e itself (owner)
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  std::int64_t still = -1;
  ASSERT_EQ(rtm().deregister_entity(e, &still), errc::ok);
  EXPECT_EQ(still, 1);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(b_, di.views[0].route, &ri, nullptr), errc::ok)
      << "b's references keep e's route readable";
  EXPECT_EQ(ri.state, rtm::kRouteStateDeleted);
  EXPECT_EQ(rtm().release_route_info(b_, ri), errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
}

TEST_F(RtmTest, InstanceTeardownFreesEverythingWhateverIsStillHeld) {
  expect_clean_ = false;  // the point of the test: references left out
  (void)add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  // TearDown destroys the instance and checks every object was freed.
}
