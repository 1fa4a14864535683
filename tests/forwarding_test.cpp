// tests/forwarding_test.cpp — the forwarding fast path through the public
// API (Instance::forward, forward4_batch, forward6_batch): answers follow
// the best route through adds, replacements and deletes of nested prefixes.
#include <gtest/gtest.h>

#include <rtm/rtm.h>

#include <atomic>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "test_util.h"

namespace {

using rtm_test::P;
using rtm_test::of_no_family;

class ForwardingTest : public rtm_test::RtmHopsTest {
 protected:
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
  // forward() with detail answers `addr` from e's route `route` on `prefix`.
  void expect_detail(const char* addr, const char* prefix, rtm::RouteHandle route) {
    rtm::ForwardingResult r;
    rtm::ForwardingDetail d;
    ASSERT_EQ(rtm().forward(rtm::kViewIdUnicast, P(addr), &r, &d), rtm::errc::ok) << addr;
    EXPECT_EQ(d.prefix, P(prefix)) << addr;
    EXPECT_EQ(d.route, route) << addr;
  }
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

TEST_F(ForwardingTest, Forward4AnswersAsForward) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  auto r28 = route(a_, "10.1.2.0/28", 10, h2);
  rtm::ForwardingResult r;
  ASSERT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A010203u, &r), rtm::errc::ok);
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(r.hops[0].interface_index, 2u);
  ASSERT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A010211u, &r), rtm::errc::ok);
  EXPECT_EQ(r.hops[0].interface_index, 1u);
  EXPECT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0B000001u, &r), rtm::errc::not_found);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A010203u, nullptr), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward4(rtm::kViewIdMulticast, 0x0A010203u, &r), rtm::errc::invalid_parameter);
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

// ---- writers other than add and delete ------------------------------------------------

TEST_F(ForwardingTest, HeldDownRoutesDoNotForward) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto h5 = hop(b_, "192.0.2.5", 5);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  auto r24a = route(a_, "10.1.2.0/24", 10, h2);
  auto r24b = route(b_, "10.1.2.0/24", 20, h5);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(a_, r24a, &ri, nullptr), rtm::errc::ok);
  ASSERT_EQ(rtm().hold_destination(a_, ri.dest, rtm::kViewMaskUnicast, rtm::kInfinite),
            rtm::errc::ok);
  ASSERT_EQ(rtm().release_route_info(a_, ri), rtm::errc::ok);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 2u);
  remove(a_, r24a);  // held as the /24's hold route: b_'s route forwards
  EXPECT_EQ(ifindex_for("10.1.2.3"), 5u);
  remove(b_, r24b);  // the /24 holds a route and no live one: the /8 forwards
  EXPECT_EQ(ifindex_for("10.1.2.3"), 1u);
  expect_detail("10.1.2.3", "10.0.0.0/8", r8);
  remove(a_, r8);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 0u);
}

TEST_F(ForwardingTest, ADeregisteredEntitysRoutesStopForwarding) {
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 8, 1}, {}, &c), rtm::errc::ok);
  const auto h1 = hop(a_, "192.0.2.1", 1);
  rtm::NextHopInfo ni;
  ni.address = P("192.0.2.7");
  ni.interface_index = 7;
  rtm::NextHopHandle h7;
  rtm::NextHopChangeFlags nf = 0;
  ASSERT_EQ(rtm().add_next_hop(c, ni, &h7, &nf), rtm::errc::ok);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  rtm::RouteInfo ri;
  ri.pref = {0, 5};
  ri.next_hops.count = 1;
  ri.next_hops.hops[0] = h7;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().add_route(c, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), rtm::errc::ok);
  ASSERT_EQ(rtm().add_route(c, nullptr, P("10.1.2.0/25"), ri, rtm::kInfinite, &f), rtm::errc::ok);
  ASSERT_EQ(rtm().add_route(c, nullptr, P("172.16.0.0/12"), ri, rtm::kInfinite, &f), rtm::errc::ok);
  EXPECT_EQ(ifindex_for("10.1.2.3"), 7u);
  EXPECT_EQ(ifindex_for("10.9.9.9"), 7u);
  EXPECT_EQ(ifindex_for("172.16.0.1"), 7u);
  ASSERT_EQ(rtm().deregister_entity(c), rtm::errc::ok);  // its routes go with it
  EXPECT_EQ(ifindex_for("10.1.2.3"), 1u);
  EXPECT_EQ(ifindex_for("10.9.9.9"), 1u);
  EXPECT_EQ(ifindex_for("172.16.0.1"), 0u);
  remove(a_, r8);
}

// ---- readers on other threads ----------------------------------------------------------

// Two threads read while this one rewrites nested prefixes at random:
// every answer is "no route" or one whole next-hop list a route had (the
// lists differ in length and order, so a record read half old, half new
// would be none of them), and the answers at the end are the last writes'.
TEST_F(ForwardingTest, ConcurrentReadersSeeOnlyWholeNextHopLists) {
  rtm::NextHopHandle h[4];
  for (std::uint32_t i = 0; i < 4; ++i) {
    const std::string addr = "192.0.2." + std::to_string(i + 1);
    h[i] = hop(a_, addr.c_str(), i + 1);
  }
  const std::vector<std::vector<int>> lists = {{0}, {1, 2}, {3, 2, 1}, {2, 0, 3, 1}};
  const char* prefixes[] = {"10.1.0.0/16", "10.1.2.0/24", "10.1.2.0/25", "10.1.2.0/28"};
  auto is_list = [&](const rtm::ForwardingResult& r) {
    if (r.count == 0) return true;
    for (const auto& l : lists) {
      bool same = l.size() == r.count;
      for (std::size_t i = 0; same && i < l.size(); ++i)
        same = r.hops[i].interface_index == static_cast<std::uint32_t>(l[i] + 1);
      if (same) return true;
    }
    return false;
  };
  const std::uint32_t addrs[] = {0x0A010203u, 0x0A010264u, 0x0A0102C8u, 0x0A01FF01u};
  std::atomic<bool> done{false};
  std::atomic<long> bad{0}, reads{0};
  auto reader = [&] {
    rtm::ForwardingResult out[4];
    do {
      for (const std::uint32_t a : addrs) {
        const rtm::NetAddress na = rtm::NetAddress::ipv4(a, 32);
        const rtm::errc e = rtm().forward(rtm::kViewIdUnicast, na, &out[0]);
        if ((e != rtm::errc::ok && e != rtm::errc::not_found) || !is_list(out[0])) ++bad;
      }
      if (rtm().forward4_batch(rtm::kViewIdUnicast, addrs, 4, out) != rtm::errc::ok) ++bad;
      for (const auto& r : out) bad += !is_list(r);
      ++reads;
    } while (!done.load(std::memory_order_acquire));
  };
  std::thread r1(reader), r2(reader);
  std::mt19937 rng(77);
  int last[4] = {-1, -1, -1, -1};  // per prefix: the list of its route, -1 none
  rtm::RouteHandle held[4];        // per prefix: its route, referenced
  for (int op = 0; op < 1500; ++op) {
    const int p = static_cast<int>(rng() % 4);
    if (last[p] >= 0 && rng() % 3 == 0) {
      remove(a_, held[p]);
      held[p] = {};
      last[p] = -1;
      continue;
    }
    const int l = static_cast<int>(rng() % lists.size());
    rtm::RouteInfo ri;
    ri.pref = {0, 10};
    ri.next_hops.count = static_cast<std::uint16_t>(lists[l].size());
    for (std::size_t i = 0; i < lists[l].size(); ++i) ri.next_hops.hops[i] = h[lists[l][i]];
    rtm::RouteHandle rh;
    rtm::RouteChangeFlags f = 0;
    ASSERT_EQ(rtm().add_route(a_, &rh, P(prefixes[p]), ri, rtm::kInfinite, &f), rtm::errc::ok);
    if (last[p] >= 0)
      release(a_, rh);  // a replacement: the same route
    else
      held[p] = rh;
    last[p] = l;
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_EQ(bad.load(), 0) << "torn or refused answers in " << reads.load() << " rounds";
  RecordProperty("reader_rounds", static_cast<int>(reads.load()));
  // The longest prefix with a route decides each address now.
  const int order[] = {3, 2, 1, 0};  // longest first
  for (const std::uint32_t a : addrs) {
    int want = -1;
    for (const int p : order) {
      if (last[p] < 0 || !P(prefixes[p]).covers(rtm::NetAddress::ipv4(a, 32))) continue;
      want = last[p];
      break;
    }
    rtm::ForwardingResult r;
    const rtm::errc e = rtm().forward(rtm::kViewIdUnicast, rtm::NetAddress::ipv4(a, 32), &r);
    EXPECT_EQ(e, want < 0 ? rtm::errc::not_found : rtm::errc::ok) << a;
    EXPECT_EQ(r.count, want < 0 ? 0u : lists[want].size()) << a;
    for (std::uint32_t i = 0; want >= 0 && i < r.count && i < lists[want].size(); ++i)
      EXPECT_EQ(r.hops[i].interface_index, static_cast<std::uint32_t>(lists[want][i] + 1)) << a;
  }
  for (int p = 0; p < 4; ++p)
    if (last[p] >= 0) remove(a_, held[p]);
}

// ---- InstanceOptions::forwarding_views -------------------------------------------------

TEST(ForwardingOptionsTest, MoreThanTwoViewsThrowAndUnsupportedViewsAreIgnored) {
  rtm::InstanceOptions three;
  three.views_supported = 0x7;
  three.forwarding_views = 0x7;
  EXPECT_THROW(rtm::Instance{three}, std::invalid_argument);
  {
    rtm::InstanceOptions unsupported;  // views_supported: unicast and multicast
    unsupported.forwarding_views = 0x4;  // not supported: no index at all
    rtm::Instance inst{unsupported};
    rtm::ForwardingResult r;
    EXPECT_EQ(inst.forward(2, rtm_test::P("10.0.0.1"), &r), rtm::errc::invalid_parameter);
    EXPECT_EQ(inst.forward(rtm::kViewIdUnicast, rtm_test::P("10.0.0.1"), &r),
              rtm::errc::invalid_parameter);
  }
  {
    rtm::InstanceOptions multicast_only;  // the default (unicast) is ignored, not refused
    multicast_only.views_supported = rtm::kViewMaskMulticast;
    rtm::Instance inst{multicast_only};
    rtm::ForwardingResult r;
    EXPECT_EQ(inst.forward(rtm::kViewIdUnicast, rtm_test::P("10.0.0.1"), &r),
              rtm::errc::invalid_parameter);
  }
  rtm::InstanceOptions high;  // bit 31 is unsupported: unicast alone is indexed
  high.forwarding_views = rtm::kViewMaskUnicast | 0x80000000u;
  EXPECT_NO_THROW(rtm::Instance{high});
  rtm::InstanceOptions two_of_three;  // any two supported views are fine
  two_of_three.views_supported = 0x7;
  two_of_three.forwarding_views = 0x5;
  EXPECT_NO_THROW(rtm::Instance{two_of_three});
}

// An instance of its own (options differ per test) with one IPv4 entity
// and one next hop (interface 1) of it.
class ForwardingViewsTest : public ::testing::Test {
 protected:
  void make(rtm::ViewSet forwarding_views, rtm::ViewSet supported = 0x3) {
    rtm::InstanceOptions o;
    o.views_supported = supported;
    o.forwarding_views = forwarding_views;
    inst_ = std::make_unique<rtm::Instance>(o);
    ASSERT_EQ(inst_->register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e_), rtm::errc::ok);
    ASSERT_EQ(inst_->register_entity({0, rtm::Family::ipv4, 3, 1}, {}, &f_), rtm::errc::ok);
    for (int i = 0; i < 2; ++i) {
      rtm::NextHopInfo ni;
      ni.address = P(i == 0 ? "192.0.2.1" : "192.0.2.2");
      ni.interface_index = static_cast<std::uint32_t>(i + 1);
      rtm::NextHopChangeFlags fl = 0;
      ASSERT_EQ(inst_->add_next_hop(i == 0 ? e_ : f_, ni, &hop_[i], &fl), rtm::errc::ok);
    }
  }
  // Entity e_ (which = 0, hop interface 1) or f_ (1, interface 2) adds its
  // route on `prefix` in `views`.
  void put(int which, const char* prefix, rtm::ViewSet views, std::uint32_t pref = 10) {
    rtm::RouteInfo ri;
    ri.pref = {0, pref};
    ri.views = views;
    ri.next_hops.count = 1;
    ri.next_hops.hops[0] = hop_[which];
    rtm::RouteChangeFlags fl = 0;
    ASSERT_EQ(inst_->add_route(which == 0 ? e_ : f_, nullptr, P(prefix), ri, rtm::kInfinite, &fl),
              rtm::errc::ok);
  }
  // The interface forward(view) answers for addr: 0 for no route, -1 refused.
  long ifindex(rtm::ViewId view, const char* addr) {
    rtm::ForwardingResult r;
    const rtm::errc e = inst_->forward(view, P(addr), &r);
    if (e == rtm::errc::invalid_parameter) return -1;
    if (e == rtm::errc::not_found) return 0;
    EXPECT_EQ(e, rtm::errc::ok);
    return r.count == 1 ? static_cast<long>(r.hops[0].interface_index) : -2;
  }
  std::unique_ptr<rtm::Instance> inst_;
  rtm::EntityHandle e_, f_;
  rtm::NextHopHandle hop_[2];
};

TEST_F(ForwardingViewsTest, NoForwardingViewsRefusesEveryView) {
  make(0);
  put(0, "10.0.0.0/8", rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);  // writers still work
  const std::uint32_t a4 = 0x0A000001u;
  const rtm::NetAddress a6 = P("2001:db8::1");
  rtm::ForwardingResult r[1];
  for (const rtm::ViewId v : {rtm::kViewIdUnicast, rtm::kViewIdMulticast}) {
    EXPECT_EQ(ifindex(v, "10.0.0.1"), -1) << v;
    EXPECT_EQ(inst_->forward4_batch(v, &a4, 1, r), rtm::errc::invalid_parameter) << v;
    EXPECT_EQ(inst_->forward6_batch(v, &a6, 1, r), rtm::errc::invalid_parameter) << v;
    EXPECT_EQ(inst_->forward4_batch(v, nullptr, 0, nullptr), rtm::errc::invalid_parameter) << v;
  }
}

TEST_F(ForwardingViewsTest, MulticastOnlyIndexesTheMulticastView) {
  make(rtm::kViewMaskMulticast);
  put(0, "10.0.0.0/8", rtm::kViewMaskUnicast);
  put(1, "10.1.0.0/16", rtm::kViewMaskMulticast);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.1.0.1"), -1);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.1.0.1"), 2);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.2.0.1"), 0);  // only a unicast route there
  const std::uint32_t addrs[] = {0x0A010001u, 0x0A020001u};
  rtm::ForwardingResult out[2];
  std::size_t hits = 9;
  ASSERT_EQ(inst_->forward4_batch(rtm::kViewIdMulticast, addrs, 2, out, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 1u);
  EXPECT_EQ(out[0].count, 1u);
  EXPECT_EQ(out[1].count, 0u);
  EXPECT_EQ(inst_->forward4_batch(rtm::kViewIdUnicast, addrs, 2, out, &hits),
            rtm::errc::invalid_parameter);
}

TEST_F(ForwardingViewsTest, TwoViewsAreIndexedIndependently) {
  make(rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);
  put(0, "10.0.0.0/8", rtm::kViewMaskUnicast);
  put(1, "10.0.0.0/8", rtm::kViewMaskMulticast);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.1.2.3"), 1);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.1.2.3"), 2);
  // A longer prefix in multicast only: unicast keeps the /8.
  put(0, "10.1.0.0/16", rtm::kViewMaskMulticast);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.1.2.3"), 1);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.1.2.3"), 1);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.2.0.1"), 2);
  // f_'s route moves to both views with a better preference: best in both.
  put(1, "10.0.0.0/8", rtm::kViewMaskUnicast | rtm::kViewMaskMulticast, 5);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.2.0.1"), 2);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.2.0.1"), 2);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.1.2.3"), 1);  // the /16 still
  // e_'s /16 leaves multicast for unicast.
  put(0, "10.1.0.0/16", rtm::kViewMaskUnicast);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.1.2.3"), 1);
  EXPECT_EQ(ifindex(rtm::kViewIdMulticast, "10.1.2.3"), 2);
}

TEST_F(ForwardingViewsTest, AForwardingViewMayBeAnySupportedView) {
  make(0x4, 0x5);
  put(0, "10.0.0.0/8", 0x4);
  put(1, "10.0.0.0/8", rtm::kViewMaskUnicast, 5);
  EXPECT_EQ(ifindex(2, "10.1.2.3"), 1);
  EXPECT_EQ(ifindex(rtm::kViewIdUnicast, "10.1.2.3"), -1);
}

// ---- bad input ---------------------------------------------------------------------


TEST_F(ForwardingTest, RefusesUnknownViewsAndNullPointersAndWritesNothing) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  auto r8 = route(a_, "10.0.0.0/8", 10, h1);
  rtm::ForwardingResult r;
  rtm::ForwardingDetail d;
  EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, P("10.0.0.1"), nullptr, &d),
            rtm::errc::invalid_parameter);
  const std::uint32_t a4 = 0x0A000001u;
  const rtm::NetAddress a6 = P("2001:db8::1");
  for (const rtm::ViewId v : {-1, 5, 31, 32, 1000, -1000}) {
    EXPECT_EQ(rtm().forward(v, P("10.0.0.1"), &r), rtm::errc::invalid_parameter) << v;
    EXPECT_EQ(rtm().forward(v, P("10.0.0.1"), &r, &d), rtm::errc::invalid_parameter) << v;
    EXPECT_EQ(rtm().forward4_batch(v, &a4, 1, &r), rtm::errc::invalid_parameter) << v;
    EXPECT_EQ(rtm().forward6_batch(v, &a6, 1, &r), rtm::errc::invalid_parameter) << v;
  }
  // Null arrays with n > 0: refused, neither *hits nor out written.
  rtm::ForwardingResult out;
  out.count = 77;
  std::size_t hits = 77;
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, nullptr, 1, &out, &hits),
            rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, &a4, 1, nullptr, &hits),
            rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, nullptr, 1, &out, &hits),
            rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, &a6, 1, nullptr, &hits),
            rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, nullptr, 3, nullptr, nullptr),
            rtm::errc::invalid_parameter);
  EXPECT_EQ(hits, 77u);
  EXPECT_EQ(out.count, 77u);
  // n == 0: fine with or without arrays; *hits = 0.
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, nullptr, 0, nullptr, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 0u);
  hits = 77;
  EXPECT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, nullptr, 0, nullptr, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 0u);
  hits = 77;
  EXPECT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, &a4, 0, &out, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 0u);
  EXPECT_EQ(out.count, 77u);
  remove(a_, r8);
}

TEST_F(ForwardingTest, EntriesOfAnotherFamilyInTheIpv6BatchGetNoHops) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  const auto g2 = hop(v6_, "2001:db8:ffff::2", 2);
  auto r4a = route(a_, "0.0.0.0/8", 10, h1), r4b = route(a_, "10.0.0.0/8", 10, h1);
  // The IPv6 prefixes the other entries' bytes fall under: an entry looked
  // up as IPv6 would find them.
  rtm::RouteInfo ri;
  ri.pref = {0, 10};
  ri.next_hops.count = 1;
  ri.next_hops.hops[0] = g2;
  rtm::RouteHandle r6a, r6b;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().add_route(v6_, &r6a, P("::/8"), ri, rtm::kInfinite, &f), rtm::errc::ok);
  ASSERT_EQ(rtm().add_route(v6_, &r6b, P("a00::/8"), ri, rtm::kInfinite, &f), rtm::errc::ok);
  const rtm::NetAddress none = of_no_family();
  const rtm::NetAddress addrs[] = {P("a01:203::"), P("10.1.2.3"), P("0.0.0.0"), none, P("::")};
  rtm::ForwardingResult out[5];
  std::size_t hits = 0;
  ASSERT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, addrs, 5, out, &hits), rtm::errc::ok);
  EXPECT_EQ(hits, 2u);
  EXPECT_EQ(out[0].count, 1u);
  EXPECT_EQ(out[1].count, 0u);
  EXPECT_EQ(out[2].count, 0u);
  EXPECT_EQ(out[3].count, 0u);
  ASSERT_EQ(out[4].count, 1u);
  EXPECT_EQ(out[4].hops[0].interface_index, 2u);
  EXPECT_EQ(out[4].hops[0].family, static_cast<std::uint16_t>(rtm::Family::ipv6));
  // forward() takes either family, and refuses an address of neither.
  EXPECT_EQ(ifindex_for("10.1.2.3"), 1u);
  EXPECT_EQ(ifindex_for("0.0.0.0"), 1u);
  rtm::ForwardingResult r;
  rtm::ForwardingDetail d;
  EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, none, &r), rtm::errc::invalid_parameter);
  EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, none, &r, &d), rtm::errc::invalid_parameter);
  remove(v6_, r6b);
  remove(v6_, r6a);
  remove(a_, r4b);
  remove(a_, r4a);
}

}  // namespace
