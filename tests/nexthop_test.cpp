// Next hops: add/update, find by (address, interface), delete, info, limits.
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {
rtm::NextHopInfo hop(const char* address, std::uint32_t ifindex) {
  rtm::NextHopInfo i;
  i.address = P(address);
  i.interface_index = ifindex;
  return i;
}
}  // namespace

TEST_F(RtmTest, AddNextHopCreatesThenUpdatesByKey) {
  rtm::NextHopHandle h1, h2;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop("192.0.2.1", 3), &h1, &ch), errc::ok);
  EXPECT_EQ(ch, rtm::kNextHopChangeNew);
  EXPECT_EQ(outstanding(a_).next_hops, 1);
  auto again = hop("192.0.2.1", 3);
  again.flags = rtm::kNextHopFlagDown;
  ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, again, &h2, &ch), errc::ok);
  EXPECT_EQ(ch, 0u) << "same key: an update";
  EXPECT_EQ(h1, h2);
  EXPECT_EQ(outstanding(a_).next_hops, 2) << "one reference per handle returned";
  rtm::NextHopInfo info;
  ASSERT_EQ(rtm().get_next_hop_info(a_, h1, &info), errc::ok);
  EXPECT_EQ(info.flags, rtm::kNextHopFlagDown);
  EXPECT_EQ(info.interface_index, 3u);
  EXPECT_EQ(info.owner, a_);
  EXPECT_EQ(info.state, rtm::kNextHopStateCreated);
  EXPECT_EQ(rtm().release_next_hop_info(a_, info), errc::ok);
  const rtm::NextHopHandle both[2] = {h1, h2};
  EXPECT_EQ(rtm().release_next_hops(a_, both), errc::ok);
}

TEST_F(RtmTest, NextHopsAreKeyedPerEntityByAddressAndInterface) {
  rtm::NextHopHandle a1, a2, b1;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop("192.0.2.1", 3), &a1, &ch), errc::ok);
  ASSERT_EQ(rtm().add_next_hop(a_, hop("192.0.2.1", 4), &a2, &ch), errc::ok);
  ASSERT_EQ(rtm().add_next_hop(b_, hop("192.0.2.1", 3), &b1, &ch), errc::ok);
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1, b1);
  rtm::NextHopHandle f;
  ASSERT_EQ(rtm().find_next_hop(a_, hop("192.0.2.1", 4), &f), errc::ok);
  EXPECT_EQ(f, a2);
  EXPECT_EQ(rtm().find_next_hop(a_, hop("192.0.2.9", 4), &f), errc::not_found);
  EXPECT_EQ(rtm().find_next_hop(a_, hop("192.0.2.1", 4), nullptr), errc::invalid_parameter);
  const rtm::NextHopHandle mine[3] = {a1, a2, f};
  EXPECT_EQ(rtm().release_next_hops(a_, mine), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(b_, {&b1, 1}), errc::ok);
}

TEST_F(RtmTest, DeleteNextHopByHandleOrKeyOnlyByItsOwner) {
  rtm::NextHopHandle h;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop("192.0.2.1", 3), &h, &ch), errc::ok);
  EXPECT_EQ(rtm().delete_next_hop(b_, h, nullptr), errc::access_denied);
  ASSERT_EQ(rtm().delete_next_hop(a_, h, nullptr), errc::ok);
  rtm::NextHopInfo info;
  ASSERT_EQ(rtm().get_next_hop_info(a_, h, &info), errc::ok) << "held handle stays usable";
  EXPECT_EQ(info.state, rtm::kNextHopStateDeleted);
  EXPECT_EQ(rtm().release_next_hop_info(a_, info), errc::ok);
  rtm::NextHopHandle f;
  EXPECT_EQ(rtm().find_next_hop(a_, hop("192.0.2.1", 3), &f), errc::not_found);
  EXPECT_EQ(rtm().release_next_hops(a_, {&h, 1}), errc::ok);

  ASSERT_EQ(rtm().add_next_hop(a_, hop("192.0.2.2", 3), nullptr, &ch), errc::ok);
  const auto key = hop("192.0.2.2", 3);
  EXPECT_EQ(rtm().delete_next_hop(a_, {}, &key), errc::ok);
  EXPECT_EQ(rtm().delete_next_hop(a_, {}, &key), errc::not_found);
  EXPECT_EQ(rtm().delete_next_hop(a_, {}, nullptr), errc::invalid_parameter);
}

TEST_F(RtmTest, RemoteNextHopReportsTheCoveringDestination) {
  ASSERT_EQ(add(a_, "198.51.100.0/24", 10), errc::ok);
  rtm::NextHopHandle h;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop("198.51.100.7", 0), &h, &ch), errc::ok);
  rtm::NextHopInfo info;
  ASSERT_EQ(rtm().get_next_hop_info(a_, h, &info), errc::ok);
  EXPECT_TRUE(info.remote_next_hop) << "interface 0: resolved through the table";
  EXPECT_EQ(outstanding(a_).dests, 1);
  EXPECT_EQ(rtm().release_next_hop_info(a_, info), errc::ok);
  EXPECT_EQ(outstanding(a_).dests, 0);
  EXPECT_EQ(rtm().release_next_hops(a_, {&h, 1}), errc::ok);
}

TEST_F(RtmTest, RoutesAcceptAtMostTheProfilesNextHops) {
  rtm::EntityConfig cfg;
  cfg.max_next_hops_in_route = 2;
  rtm::EntityHandle e;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 60, 1}, cfg, &e), errc::ok);
  rtm::NextHopHandle hs[3];
  rtm::NextHopChangeFlags ch = 0;
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_EQ(rtm().add_next_hop(e, hop("192.0.2.1", i + 1), &hs[i], &ch), errc::ok);
  rtm::RouteInfo ri;
  ri.next_hops.count = 3;
  for (int i = 0; i < 3; ++i) ri.next_hops.hops[i] = hs[i];
  rtm::RouteChangeFlags f = 0;
  EXPECT_EQ(rtm().add_route(e, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u) << "nothing created on failure";
  ri.next_hops.count = 2;
  rtm::RouteHandle r;
  ASSERT_EQ(rtm().add_route(e, &r, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  rtm::RouteInfo got;
  ASSERT_EQ(rtm().get_route_info(e, r, &got, nullptr), errc::ok);
  EXPECT_EQ(got.next_hops.count, 2);
  EXPECT_EQ(got.next_hops.hops[1], hs[1]);
  EXPECT_EQ(rtm().release_route_info(e, got), errc::ok);
  EXPECT_EQ(rtm().release_routes(e, {&r, 1}), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(e, hs), errc::ok);
  std::int64_t still = -1;
  EXPECT_EQ(rtm().deregister_entity(e, &still), errc::ok);
  EXPECT_EQ(still, 0);
}

TEST_F(RtmTest, ANextHopFromAnotherFamilyOrEntityIsRefusedOnARoute) {
  rtm::NextHopHandle bh;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(b_, hop("192.0.2.1", 1), &bh, &ch), errc::ok);
  rtm::RouteInfo ri;
  ri.next_hops.count = 1;
  ri.next_hops.hops[0] = bh;
  rtm::RouteChangeFlags f = 0;
  EXPECT_NE(rtm().add_route(a_, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok)
      << "a does not hold b's next hop";
  EXPECT_EQ(rtm().release_next_hops(b_, {&bh, 1}), errc::ok);
}
