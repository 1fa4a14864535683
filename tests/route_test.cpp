// Routes: add / update / delete, identity, change flags, best route per view.
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

class RouteTest : public RtmTest {
 protected:
  // The best route of `prefix` in view `view` (null if none); no reference kept.
  rtm::RouteHandle best(const char* prefix, rtm::ViewId view = 0,
                        std::uint32_t protocol = rtm::kBestProtocol) {
    rtm::DestInfo di;
    if (rtm().get_exact_match_destination(a_, P(prefix), protocol, rtm::kViewMaskAny, &di) !=
        errc::ok)
      return {};
    rtm::RouteHandle r;
    for (std::uint32_t i = 0; i < di.number_of_views; ++i)
      if (di.views[i].view_id == view) r = di.views[i].route;
    EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
    return r;
  }
};

TEST_F(RouteTest, FirstNewAndBestFlagsOnAdd) {
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle r1, r2;
  ASSERT_EQ(add(a_, "10.0.0.0/8", 20, 0, &r1, rtm::kViewMaskUnicast, &f), errc::ok);
  EXPECT_EQ(f, rtm::kRouteChangeFirst | rtm::kRouteChangeNew | rtm::kRouteChangeBest);
  f = 0;
  ASSERT_EQ(add(b_, "10.0.0.0/8", 30, 0, &r2, rtm::kViewMaskUnicast, &f), errc::ok);
  EXPECT_EQ(f, rtm::kRouteChangeNew) << "worse route: not best, not first";
  f = 0;
  ASSERT_EQ(add(b_, "10.0.0.0/8", 10, 0, nullptr, rtm::kViewMaskUnicast, &f), errc::ok);
  EXPECT_EQ(f, rtm::kRouteChangeBest) << "same identity: an update that wins";
  EXPECT_EQ(best("10.0.0.0/8"), r2);
  remove(a_, r1);
  remove(b_, r2);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
}

TEST_F(RouteTest, IdentityIsDestinationOwnerAndNeighbour) {
  rtm::NextHopInfo nhi;
  nhi.address = P("192.0.2.1");
  nhi.interface_index = 1;
  rtm::NextHopHandle n1;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, nhi, &n1, &ch), errc::ok);
  rtm::RouteHandle r0, r1, r0b;
  ASSERT_EQ(add(a_, "10.0.0.0/8", 20, 0, &r0), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 20, 0, &r1, rtm::kViewMaskUnicast, nullptr, n1), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 25, 0, &r0b), errc::ok);
  EXPECT_NE(r0, r1) << "other neighbour: another route";
  EXPECT_EQ(r0, r0b) << "same neighbour: the same route, updated";
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(a_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  EXPECT_EQ(di.views[0].num_routes, 2u);
  EXPECT_EQ(di.views[0].route, r1) << "pref 20 beats the updated 25";
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
  // kRouteChangeNew on input always creates.
  rtm::RouteChangeFlags f = rtm::kRouteChangeNew;
  rtm::RouteHandle r2;
  ASSERT_EQ(add(a_, "10.0.0.0/8", 30, 0, &r2, rtm::kViewMaskUnicast, &f), errc::ok);
  EXPECT_NE(r2, r0);
  EXPECT_TRUE(f & rtm::kRouteChangeNew);
  remove(a_, r0);
  release(a_, r0b);
  remove(a_, r1);
  remove(a_, r2);
  EXPECT_EQ(rtm().release_next_hops(a_, {&n1, 1}), errc::ok);
}

TEST_F(RouteTest, UpdateByHandleChangesThatRouteAndAddsNoReference) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 20);
  EXPECT_EQ(outstanding(a_).routes, 1);
  rtm::RouteInfo ri;
  ri.pref = {7, 15};
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle in = r;
  ASSERT_EQ(rtm().add_route(a_, &in, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  EXPECT_EQ(in, r);
  EXPECT_EQ(outstanding(a_).routes, 1) << "update by handle: no new reference";
  rtm::RouteInfo got;
  ASSERT_EQ(rtm().get_route_info(a_, r, &got, nullptr), errc::ok);
  EXPECT_EQ(got.pref.preference, 15u);
  EXPECT_EQ(got.pref.metric, 7u);
  EXPECT_EQ(rtm().release_route_info(a_, got), errc::ok);
  // Another entity may not update a's route by handle.
  rtm::RouteHandle theirs = r;
  EXPECT_EQ(rtm().add_route(b_, &theirs, P("10.0.0.0/8"), ri, rtm::kInfinite, &f),
            errc::access_denied);
  remove(a_, r);
}

TEST_F(RouteTest, PreferenceDecidesAndMetricBreaksTies) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 20, 5);
  rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 20, 3);
  EXPECT_EQ(best("10.0.0.0/8"), rb) << "equal preference: lower metric";
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10, 99, nullptr, rtm::kViewMaskUnicast, &f), errc::ok);
  EXPECT_EQ(best("10.0.0.0/8"), ra) << "lower preference wins whatever the metric";
  EXPECT_TRUE(f & rtm::kRouteChangeBest);
  f = 0;
  ASSERT_EQ(rtm().delete_route(a_, ra, &f), errc::ok);
  EXPECT_TRUE(f & rtm::kRouteChangeBest) << "deleting the best changes it";
  EXPECT_EQ(best("10.0.0.0/8"), rb);
  release(a_, ra);
  remove(b_, rb);
}

TEST_F(RouteTest, BestRouteIsChosenPerView) {
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 40, 1}, {}, &c), errc::ok);
  rtm::RouteHandle uni = add_held(a_, "10.0.0.0/8", 10, 0, rtm::kViewMaskUnicast);
  rtm::RouteHandle multi = add_held(b_, "10.0.0.0/8", 50, 0, rtm::kViewMaskMulticast);
  rtm::RouteHandle both =
      add_held(c, "10.0.0.0/8", 30, 0, rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);
  EXPECT_EQ(best("10.0.0.0/8", rtm::kViewIdUnicast), uni);
  EXPECT_EQ(best("10.0.0.0/8", rtm::kViewIdMulticast), both);
  rtm::ViewSet in = 0;
  ASSERT_EQ(rtm().is_best_route(a_, both, &in), errc::ok);
  EXPECT_EQ(in, rtm::kViewMaskMulticast);
  ASSERT_EQ(rtm().is_best_route(a_, uni, &in), errc::ok);
  EXPECT_EQ(in, rtm::kViewMaskUnicast);
  ASSERT_EQ(rtm().is_best_route(a_, multi, &in), errc::ok);
  EXPECT_EQ(in, 0u);
  EXPECT_EQ(rtm().is_best_route(a_, multi, nullptr), errc::invalid_parameter);
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(a_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, &di),
            errc::ok);
  EXPECT_EQ(di.belongs_to_views, rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);
  EXPECT_EQ(di.number_of_views, 2u);
  EXPECT_EQ(di.views[0].num_routes, 2u);
  EXPECT_EQ(di.views[1].num_routes, 2u);
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
  remove(a_, uni);
  remove(b_, multi);
  remove(c, both);
  std::int64_t still = -1;
  EXPECT_EQ(rtm().deregister_entity(c, &still), errc::ok);
  EXPECT_EQ(still, 0);
}

TEST_F(RouteTest, ProtocolFilterRestrictsTheBestRoute) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 50);  // protocol 14
  rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 10);  // protocol 3
  EXPECT_EQ(best("10.0.0.0/8", 0, rtm::kBestProtocol), rb);
  EXPECT_EQ(best("10.0.0.0/8", 0, 14), ra);
  EXPECT_EQ(best("10.0.0.0/8", 0, rtm::kThisProtocol), ra) << "a's own protocol";
  EXPECT_FALSE(best("10.0.0.0/8", 0, 99));
  remove(a_, ra);
  remove(b_, rb);
}

TEST_F(RouteTest, DeleteIsForTheOwnerAndTheHandleStaysValidUntilReleased) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 20);
  rtm::RouteChangeFlags f = 0;
  EXPECT_EQ(rtm().delete_route(b_, r, &f), errc::access_denied);
  ASSERT_EQ(rtm().delete_route(a_, r, &f), errc::ok);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
  rtm::RouteInfo got;
  rtm::NetAddress where;
  ASSERT_EQ(rtm().get_route_info(a_, r, &got, &where), errc::ok);
  EXPECT_EQ(got.state, rtm::kRouteStateDeleted);
  EXPECT_EQ(where, P("10.0.0.0/8"));
  EXPECT_EQ(rtm().release_route_info(a_, got), errc::ok);
  EXPECT_EQ(rtm().delete_route(a_, r, &f), errc::invalid_handle)
      << "a deleted route is no longer in the table";
  release(a_, r);
  rtm::reclaim_all();
  EXPECT_EQ(rtm().get_route_info(a_, r, &got, nullptr), errc::invalid_handle)
      << "the route is freed once the last reference goes";
}

TEST_F(RouteTest, AddRouteValidatesItsArguments) {
  rtm::RouteInfo ri;
  rtm::RouteChangeFlags f = 0;
  rtm::NetAddress v6 = P("2001:db8::/32");
  EXPECT_EQ(rtm().add_route(a_, nullptr, v6, ri, rtm::kInfinite, &f), errc::invalid_parameter)
      << "an IPv6 prefix in an IPv4 entity's table";
  EXPECT_EQ(rtm().add_route(a_, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, nullptr),
            errc::invalid_parameter);
  ri.views = 0;
  EXPECT_EQ(rtm().add_route(a_, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f),
            errc::invalid_parameter)
      << "a route in no view";
  ri.views = 0x4;
  EXPECT_EQ(rtm().add_route(a_, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f),
            errc::invalid_parameter)
      << "a view the instance does not support";
  ri.views = rtm::kViewMaskUnicast;
  ri.next_hops.count = rtm::kMaxNextHopsPerRoute + 1;
  EXPECT_EQ(rtm().add_route(a_, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
}

TEST_F(RouteTest, Ipv6RoutesLiveInTheIpv6Table) {
  rtm::RouteHandle r;
  ASSERT_EQ(add(v6_, "2001:db8::/32", 10, 0, &r), errc::ok);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv6), 1u);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
  remove(v6_, r);
}
