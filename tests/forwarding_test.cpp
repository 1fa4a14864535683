// tests/forwarding_test.cpp — the forwarding fast path through the public
// API (Instance::forward, forward4_batch, forward6_batch): answers follow
// the best route through adds, replacements and deletes of nested prefixes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <rtm/rtm.h>

#include "test_util.h"

namespace {

using rtm_test::P;

class ForwardingTest : public rtm_test::RtmTest {
 protected:
  // A next hop of entity e at `addr` on interface `ifindex`.
  rtm::NextHopHandle hop(rtm::EntityHandle e, const char* addr, std::uint32_t ifindex) {
    rtm::NextHopInfo ni;
    ni.address = P(addr);
    ni.interface_index = ifindex;
    rtm::NextHopHandle h;
    rtm::NextHopChangeFlags f = 0;
    EXPECT_EQ(rtm().add_next_hop(e, ni, &h, &f), rtm::errc::ok);
    held_hops_.push_back({e, h});
    return h;
  }
  rtm::RouteHandle route(rtm::EntityHandle e, const char* prefix, std::uint32_t pref,
                         rtm::NextHopHandle nh) {
    rtm::RouteInfo ri;
    ri.pref = {0, pref};
    ri.views = rtm::kViewMaskUnicast;
    ri.next_hops.count = 1;
    ri.next_hops.hops[0] = nh;
    rtm::RouteHandle h;
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(rtm().add_route(e, &h, P(prefix), ri, rtm::kInfinite, &f), rtm::errc::ok);
    return h;
  }
  // The interface of the one next hop forward() answers for `addr`, 0 for none.
  std::uint32_t ifindex_for(const char* addr) {
    rtm::ForwardingResult r;
    const rtm::errc e = rtm().forward(rtm::kViewIdUnicast, P(addr), &r);
    if (e == rtm::errc::not_found) {
      EXPECT_EQ(r.count, 0u);
      return 0;
    }
    EXPECT_EQ(e, rtm::errc::ok);
    EXPECT_EQ(r.count, 1u);
    return r.count ? r.hops[0].interface_index : 0;
  }
  void TearDown() override {
    for (auto& [e, h] : held_hops_) rtm().release_next_hops(e, {&h, 1});
    RtmTest::TearDown();
  }
  std::vector<std::pair<rtm::EntityHandle, rtm::NextHopHandle>> held_hops_;
};

TEST_F(ForwardingTest, FollowsNestedPrefixesThroughAddAndDelete) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 0u);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  auto r28 = route(a_, "10.1.2.0/28", 10, h2);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 2u);
  EXPECT_EQ(ifindex_for("10.1.2.17"), 1u);
  EXPECT_EQ(ifindex_for("11.0.0.1"), 0u);
  remove(a_, r28);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 1u);
  remove(a_, r8);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 0u);
}

TEST_F(ForwardingTest, ABetterRouteOfAnotherEntityTakesOver) {
  const auto ha = hop(a_, "192.0.2.1", 1), hb = hop(b_, "192.0.2.9", 9);
  auto ra = route(a_, "10.0.0.0/8", 20, ha);
  EXPECT_EQ(ifindex_for("10.9.9.9"), 1u);
  auto rb = route(b_, "10.0.0.0/8", 5, hb);  // lower preference value wins
  EXPECT_EQ(ifindex_for("10.9.9.9"), 9u);
  rtm::ForwardingResult r;
  rtm::ForwardingDetail d;
  ASSERT_EQ(rtm().forward(rtm::kViewIdUnicast, P("10.9.9.9"), &r, &d), rtm::errc::ok);
  EXPECT_EQ(d.prefix, P("10.0.0.0/8"));
  EXPECT_EQ(d.route, rb);
  remove(b_, rb);
  EXPECT_EQ(ifindex_for("10.9.9.9"), 1u);
  remove(a_, ra);
}

TEST_F(ForwardingTest, BatchesAnswerAsSingleLookups) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  auto r28 = route(a_, "10.1.2.0/28", 10, h2);
  const std::uint32_t addrs[] = {0x0A010203u, 0x0A010211u, 0x0B000001u};
  rtm::ForwardingResult out[3];
  std::size_t hits = 0;
  ASSERT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, addrs, 3, out, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 2u);
  EXPECT_EQ(out[0].hops[0].interface_index, 2u);
  EXPECT_EQ(out[1].hops[0].interface_index, 1u);
  EXPECT_EQ(out[2].count, 0u);
  remove(a_, r28);
  remove(a_, r8);
}

TEST_F(ForwardingTest, RefusesViewsWithoutAnIndexAndNullResults) {
  rtm::ForwardingResult r;
  EXPECT_EQ(rtm().forward(rtm::kViewIdMulticast, P("10.0.0.1"), &r), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, P("10.0.0.1"), nullptr), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward(-1, P("10.0.0.1"), &r), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, nullptr, 1, &r), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, nullptr, 0, nullptr), rtm::errc::ok);
}

// ---- memory (Instance::forwarding_stats) ----------------------------------------

TEST_F(ForwardingTest, StatsCountLinkedGroupsAndResidentBytes) {
  rtm::ForwardingStats st;
  EXPECT_EQ(rtm().forwarding_stats(nullptr), rtm::errc::invalid_parameter);
  ASSERT_EQ(rtm().forwarding_stats(&st), rtm::errc::ok);
  EXPECT_EQ(st.views, 1u);
  EXPECT_EQ(st.degraded, 0u);
  EXPECT_EQ(st.tbl8_groups[0] + st.tbl8_groups[1], 0u);
  EXPECT_EQ(st.nh_groups, 0u);
  const auto h1 = hop(a_, "192.0.2.1", 1), h6 = hop(v6_, "2001:db8::1", 1);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  auto r25 = route(a_, "10.1.2.0/25", 10, h1);  // longer than /24: one tbl8 group
  auto r6 = route(v6_, "2001:db8::/32", 10, h6);  // one level below tbl24
  ASSERT_EQ(rtm().forwarding_stats(&st), rtm::errc::ok);
  EXPECT_EQ(st.tbl8_groups[0], 1u);
  EXPECT_EQ(st.tbl8_groups[1], 1u);
  EXPECT_EQ(st.nh_groups, 2u);  // the two next hops differ (family, address)
  EXPECT_GE(st.tbl24_bytes[0], 256u << 10);  // 10/8's 2^16 entries are written
  EXPECT_GT(st.tbl24_bytes[1], 0u);
  EXPECT_GT(st.tbl8_bytes[0], 0u);
  EXPECT_GT(st.tbl8_bytes[1], 0u);
  EXPECT_GT(st.nh_bytes, 0u);
  EXPECT_EQ(st.total_bytes(), st.index_bytes(0) + st.index_bytes(1) + st.nh_bytes);
  remove(a_, r25);
  remove(v6_, r6);
  ASSERT_EQ(rtm().forwarding_stats(&st), rtm::errc::ok);
  EXPECT_EQ(st.tbl8_groups[0] + st.tbl8_groups[1], 0u);  // collapsed
  EXPECT_EQ(st.nh_groups, 1u);
  remove(a_, r8);
}

TEST_F(ForwardingTest, StatsRunBesideAWriter) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 500; ++i) {
      auto r = route(a_, "10.1.2.0/25", 10, h1);  // links a tbl8 group, then collapses it
      remove(a_, r);
    }
    done = true;
  });
  rtm::ForwardingStats st;
  int calls = 0;
  while (!done || calls == 0) {
    ASSERT_EQ(rtm().forwarding_stats(&st), rtm::errc::ok);
    EXPECT_LE(st.tbl8_groups[0], 1u);
    EXPECT_LE(st.nh_groups, 1u);
    ++calls;
  }
  writer.join();
  ASSERT_EQ(rtm().forwarding_stats(&st), rtm::errc::ok);
  EXPECT_EQ(st.tbl8_groups[0], 0u);
  EXPECT_EQ(st.nh_groups, 0u);
}

}  // namespace
