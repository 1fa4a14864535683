// tests/test_util.h — fixtures and helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>
#include <rtm/rtm.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace rtm_test {

inline rtm::NetAddress P(const char* text) {
  auto a = rtm::NetAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(rtm::NetAddress{});
}

// An address of no known family: NetAddress refuses to build one, so its
// first member (the family) is overwritten in the bytes of a valid one.
inline rtm::NetAddress of_no_family() {
  static_assert(std::is_trivially_copyable_v<rtm::NetAddress>);
  rtm::NetAddress a = P("::");
  const std::uint16_t zero = 0;
  std::memcpy(static_cast<void*>(&a), &zero, sizeof zero);
  EXPECT_EQ(static_cast<int>(a.family()), 0) << "NetAddress's layout changed";
  return a;
}

// Instance options whose destination maps have `buckets` buckets per
// family (the default fits a full table: 20 MiB).
inline rtm::InstanceOptions small_maps(std::uint32_t buckets) {
  rtm::InstanceOptions o;
  o.ipv4_buckets = buckets;
  o.ipv6_buckets = buckets;
  return o;
}

// Object counters: live objects by kind since a snapshot.
struct CounterSnapshot {
  rtm::ObjectCounters at = rtm::object_counters();
  // allocated - freed growth since the snapshot, per kind.
  std::int64_t live_delta(rtm::HandleKind k) const {
    const auto now = rtm::object_counters();
    const int i = static_cast<int>(k);
    return (now.allocated[i] - at.allocated[i]) - (now.freed[i] - at.freed[i]);
  }
  std::int64_t allocated_delta(rtm::HandleKind k) const {
    const int i = static_cast<int>(k);
    return rtm::object_counters().allocated[i] - at.allocated[i];
  }
};

// An instance with two IPv4 entities (a: protocol 14, b: protocol 3) and one
// IPv6 entity (v6: protocol 14); each test checks at its end that nobody
// holds a reference (unless it said so) and that, once the instance is gone,
// every object it allocated was freed. Its maps have 64 buckets.
class RtmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Small destination maps (the default fits a full table): lists of
    // several nodes once a test adds a few hundred destinations.
    rtm_ = std::make_unique<rtm::Instance>(small_maps(64));
    ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &a_), rtm::errc::ok);
    ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv4, 3, 1}, {}, &b_), rtm::errc::ok);
    ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv6, 14, 1}, {}, &v6_), rtm::errc::ok);
  }
  void TearDown() override {
    if (expect_clean_) {
      EXPECT_EQ(total(a_), 0) << "entity a still holds references";
      EXPECT_EQ(total(b_), 0) << "entity b still holds references";
      EXPECT_EQ(total(v6_), 0) << "entity v6 still holds references";
    }
    rtm_.reset();
    rtm::reclaim_all();
    for (int k = 1; k < 8; ++k)
      EXPECT_EQ(counters_.live_delta(static_cast<rtm::HandleKind>(k)), 0)
          << "objects of kind " << k << " not freed";
  }

  rtm::Instance& rtm() { return *rtm_; }

  std::int64_t total(rtm::EntityHandle e) {
    rtm::Outstanding o;
    if (rtm_->outstanding(e, &o) != rtm::errc::ok) return 0;  // deregistered in the test
    return o.total();
  }
  rtm::Outstanding outstanding(rtm::EntityHandle e) {
    rtm::Outstanding o;
    EXPECT_EQ(rtm_->outstanding(e, &o), rtm::errc::ok);
    return o;
  }

  // Adds (or updates) e's route to `prefix`, returning its referenced handle
  // in *out when out is non-null.
  rtm::errc add(rtm::EntityHandle e, const char* prefix, std::uint32_t preference,
                std::uint32_t metric = 0, rtm::RouteHandle* out = nullptr,
                rtm::ViewSet views = rtm::kViewMaskUnicast,
                rtm::RouteChangeFlags* flags = nullptr, rtm::NextHopHandle neighbour = {}) {
    rtm::RouteInfo ri;
    ri.pref = {metric, preference};
    ri.views = views;
    ri.neighbour = neighbour;
    rtm::RouteChangeFlags f = 0;
    return rtm_->add_route(e, out, P(prefix), ri, rtm::kInfinite, flags ? flags : &f);
  }
  rtm::RouteHandle add_held(rtm::EntityHandle e, const char* prefix, std::uint32_t preference,
                            std::uint32_t metric = 0, rtm::ViewSet views = rtm::kViewMaskUnicast) {
    rtm::RouteHandle h;
    EXPECT_EQ(add(e, prefix, preference, metric, &h, views), rtm::errc::ok) << prefix;
    return h;
  }
  void release(rtm::EntityHandle e, rtm::RouteHandle h) {
    EXPECT_EQ(rtm_->release_routes(e, {&h, 1}), rtm::errc::ok);
  }
  // Deletes e's route h and releases e's reference on it.
  void remove(rtm::EntityHandle e, rtm::RouteHandle h) {
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(rtm_->delete_route(e, h, &f), rtm::errc::ok);
    release(e, h);
  }

  CounterSnapshot counters_;  // before the instance exists
  std::unique_ptr<rtm::Instance> rtm_;
  rtm::EntityHandle a_, b_, v6_;
  bool expect_clean_ = true;
};

// RtmTest with next hops: hop() makes one (referenced) and TearDown gives
// every such reference back, before the base class checks for leaks.
class RtmHopsTest : public RtmTest {
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
  void TearDown() override {
    for (auto& [e, h] : held_hops_) EXPECT_EQ(rtm().release_next_hops(e, {&h, 1}), rtm::errc::ok);
    RtmTest::TearDown();
  }

 private:
  std::vector<std::pair<rtm::EntityHandle, rtm::NextHopHandle>> held_hops_;
};

}  // namespace rtm_test
