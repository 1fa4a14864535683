// Unit tests of the rest of the RTMv2 surface in the C++ API: enumerations,
// route lists, hold-down and route expiry (with an injected clock: no
// sleeps), entity methods, client locks and opaque pointers.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "test_util.h"

namespace {

using rtm::errc;
using rtm_test::P;

class SurfaceTest : public rtm_test::RtmTest {
 protected:
  // All destinations of an enumeration, in the order returned, each
  // released. Fails the test on a batch larger than asked.
  std::vector<std::string> enum_dests(rtm::EntityHandle e, rtm::EnumFlags flags,
                                      const char* address, std::uint32_t batch = 2,
                                      rtm::ViewSet views = rtm::kViewMaskAny) {
    rtm::NetAddress a;
    if (address) a = P(address);
    rtm::EnumHandle h;
    EXPECT_EQ(rtm().create_dest_enum(e, views, flags, address ? &a : nullptr, rtm::kBestProtocol,
                                     &h),
              errc::ok);
    std::vector<std::string> out;
    for (int calls = 0; calls < 1000; ++calls) {
      std::vector<rtm::DestInfo> infos(batch);
      std::uint32_t n = batch;
      const errc r = rtm().get_enum_dests(e, h, &n, infos.data());
      EXPECT_TRUE(r == errc::ok || r == errc::no_more_items) << rtm::to_string(r);
      EXPECT_LE(n, batch);
      for (std::uint32_t i = 0; i < n; ++i) out.push_back(infos[i].address.to_string());
      if (n > 0) {
        EXPECT_EQ(rtm().release_dests(e, {infos.data(), n}), errc::ok);
      }
      if (r != errc::ok) break;
    }
    EXPECT_EQ(rtm().delete_enum(e, h), errc::ok);
    return out;
  }

  std::vector<rtm::RouteHandle> enum_routes(rtm::EntityHandle e, rtm::DestHandle d,
                                            rtm::EnumFlags flags, rtm::MatchFlags match = 0,
                                            const rtm::RouteInfo* criteria = nullptr) {
    rtm::EnumHandle h;
    EXPECT_EQ(rtm().create_route_enum(e, d, rtm::kViewMaskAny, flags, nullptr, match, criteria, 0,
                                      &h),
              errc::ok);
    std::vector<rtm::RouteHandle> out;
    for (;;) {
      rtm::RouteHandle hs[2];
      std::uint32_t n = 2;
      const errc r = rtm().get_enum_routes(e, h, &n, hs);
      EXPECT_TRUE(r == errc::ok || r == errc::no_more_items) << rtm::to_string(r);
      out.insert(out.end(), hs, hs + n);
      if (n > 0) {
        EXPECT_EQ(rtm().release_routes(e, {hs, n}), errc::ok);
      }
      if (r != errc::ok) break;
    }
    EXPECT_EQ(rtm().delete_enum(e, h), errc::ok);
    return out;
  }

  rtm::DestHandle dest_of(rtm::EntityHandle e, rtm::RouteHandle r) {
    rtm::RouteInfo ri;
    EXPECT_EQ(rtm().get_route_info(e, r, &ri, nullptr), errc::ok);
    rtm::DestHandle d = ri.dest;
    EXPECT_EQ(rtm().reference_handles(e, std::vector<rtm::AnyHandle>{d.value}), errc::ok);
    EXPECT_EQ(rtm().release_route_info(e, ri), errc::ok);
    return d;  // referenced: give back with dereference_handles
  }
  void deref(rtm::EntityHandle e, std::uint64_t h) {
    EXPECT_EQ(rtm().dereference_handles(e, std::vector<rtm::AnyHandle>{h}), errc::ok);
  }
};

// ---- enumerations ---------------------------------------------------------------

TEST_F(SurfaceTest, DestEnumReturnsAllInAddressOrderThenNoMoreItems) {
  for (const char* p : {"192.168.0.0/24", "10.1.0.0/16", "1.0.0.0/8", "10.0.0.0/8"})
    ASSERT_EQ(add(a_, p, 10), errc::ok);
  EXPECT_EQ(enum_dests(a_, rtm::kEnumStart, nullptr),
            (std::vector<std::string>{"1.0.0.0/8", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24"}));
  // After the last batch, a get keeps returning no_more_items with nothing.
  rtm::EnumHandle h;
  ASSERT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumStart, nullptr, 0, &h), errc::ok);
  rtm::DestInfo infos[8];
  std::uint32_t n = 8;
  ASSERT_EQ(rtm().get_enum_dests(a_, h, &n, infos), errc::no_more_items);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(rtm().release_dests(a_, {infos, n}), errc::ok);
  n = 8;
  EXPECT_EQ(rtm().get_enum_dests(a_, h, &n, infos), errc::no_more_items);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(rtm().delete_enum(a_, h), errc::ok);
  EXPECT_EQ(rtm().delete_enum(a_, h), errc::invalid_handle);
  n = 8;
  EXPECT_EQ(rtm().get_enum_dests(a_, h, &n, infos), errc::invalid_handle);
}

TEST_F(SurfaceTest, DestEnumStartNextRangeAndOwn) {
  for (const char* p : {"10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8", "9.0.0.0/8"})
    ASSERT_EQ(add(a_, p, 10), errc::ok);
  ASSERT_EQ(add(b_, "12.0.0.0/8", 10), errc::ok);
  EXPECT_EQ(enum_dests(a_, rtm::kEnumStart, "10.0.0.0/8"),
            (std::vector<std::string>{"10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8", "12.0.0.0/8"}));
  EXPECT_EQ(enum_dests(a_, rtm::kEnumNext, "10.0.0.0/8"),
            (std::vector<std::string>{"10.1.0.0/16", "11.0.0.0/8", "12.0.0.0/8"}));
  EXPECT_EQ(enum_dests(a_, rtm::kEnumRange, "10.0.0.0/8"),
            (std::vector<std::string>{"10.0.0.0/8", "10.1.0.0/16"}));
  EXPECT_EQ(enum_dests(b_, rtm::kEnumStart | rtm::kEnumOwnDests, nullptr),
            (std::vector<std::string>{"12.0.0.0/8"}));
  // Views: nothing is in multicast.
  EXPECT_TRUE(enum_dests(a_, rtm::kEnumStart, nullptr, 2, rtm::kViewMaskMulticast).empty());
}

TEST_F(SurfaceTest, DestEnumBadInput) {
  rtm::EnumHandle h;
  const rtm::NetAddress a = P("10.0.0.0/8");
  EXPECT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumRange, nullptr, 0, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumNext, nullptr, 0, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().create_dest_enum(a_, 0, 3, &a, 0, &h), errc::invalid_parameter);
  EXPECT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumOwnRoutes, &a, 0, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().create_dest_enum(a_, 0x100, rtm::kEnumStart, &a, 0, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().create_dest_enum(v6_, 0, rtm::kEnumStart, &a, 0, &h),
            errc::invalid_parameter);  // an IPv4 address for an IPv6 entity
  ASSERT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumStart, nullptr, 0, &h), errc::ok);
  rtm::DestInfo info;
  std::uint32_t n = 0;
  EXPECT_EQ(rtm().get_enum_dests(a_, h, &n, &info), errc::invalid_parameter);
  n = 1;
  EXPECT_EQ(rtm().get_enum_dests(b_, h, &n, &info), errc::access_denied);  // not b's
  rtm::RouteHandle r;
  EXPECT_EQ(rtm().get_enum_routes(a_, h, &n, &r), errc::invalid_handle);  // wrong kind
  EXPECT_EQ(rtm().delete_enum(b_, h), errc::access_denied);
  EXPECT_EQ(rtm().delete_enum(a_, h), errc::ok);
}

// Enumerations, route lists and notification registrations are deleted,
// not released: a reference would keep a deleted one usable.
TEST_F(SurfaceTest, CreatedNotReferencedHandlesRefuseReferences) {
  rtm::EnumHandle en;
  rtm::RouteListHandle l;
  rtm::NotifyHandle n;
  ASSERT_EQ(rtm().create_dest_enum(a_, 0, rtm::kEnumStart, nullptr, 0, &en), errc::ok);
  ASSERT_EQ(rtm().create_route_list(a_, &l), errc::ok);
  ASSERT_EQ(rtm().register_for_change_notification(a_, 0, rtm::kChangeTypeAll, nullptr, &n),
            errc::ok);
  for (rtm::AnyHandle h : {en.value, l.value, n.value})
    EXPECT_EQ(rtm().reference_handles(a_, {&h, 1}), errc::invalid_handle);
  EXPECT_EQ(rtm().delete_enum(a_, en), errc::ok);
  EXPECT_EQ(rtm().delete_route_list(a_, l), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(a_, n), errc::ok);
}

TEST_F(SurfaceTest, EnumBatchIsCappedByProfile) {
  rtm::EntityConfig cfg;
  cfg.max_handles_in_enum = 3;
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 20, 1}, cfg, &c), errc::ok);
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(add(a_, ("10." + std::to_string(i) + ".0.0/16").c_str(), 10), errc::ok);
  rtm::EnumHandle h;
  ASSERT_EQ(rtm().create_dest_enum(c, 0, rtm::kEnumStart, nullptr, 0, &h), errc::ok);
  std::vector<std::uint32_t> sizes;
  for (;;) {
    rtm::DestInfo infos[100];
    std::uint32_t n = 100;
    const errc r = rtm().get_enum_dests(c, h, &n, infos);
    sizes.push_back(n);
    EXPECT_EQ(rtm().release_dests(c, {infos, n}), errc::ok);
    if (r == errc::no_more_items) break;
    ASSERT_EQ(r, errc::ok);
  }
  EXPECT_EQ(sizes, (std::vector<std::uint32_t>{3, 3, 1}));
  ASSERT_EQ(rtm().deregister_entity(c), errc::ok);  // also deletes its enumeration
}

TEST_F(SurfaceTest, RouteEnumByDestOwnAndCriteria) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10, 1);
  rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 20, 2);
  rtm::RouteHandle rc = add_held(a_, "11.0.0.0/8", 30);
  const rtm::DestHandle d = dest_of(a_, ra);
  EXPECT_EQ(enum_routes(a_, d, 0).size(), 2u);
  EXPECT_EQ(enum_routes(a_, d, rtm::kEnumOwnRoutes), (std::vector<rtm::RouteHandle>{ra}));
  EXPECT_EQ(enum_routes(a_, {}, rtm::kEnumStart).size(), 3u);
  EXPECT_EQ(enum_routes(a_, {}, rtm::kEnumStart | rtm::kEnumOwnRoutes),
            (std::vector<rtm::RouteHandle>{ra, rc}));
  rtm::RouteInfo crit;
  crit.owner = b_;
  EXPECT_EQ(enum_routes(a_, {}, rtm::kEnumStart, rtm::kMatchOwner, &crit),
            (std::vector<rtm::RouteHandle>{rb}));
  crit.pref = {1, 10};
  EXPECT_EQ(enum_routes(a_, {}, rtm::kEnumStart, rtm::kMatchPref, &crit),
            (std::vector<rtm::RouteHandle>{ra}));
  rtm::EnumHandle h;
  EXPECT_EQ(rtm().create_route_enum(a_, {}, 0, 0, nullptr, rtm::kMatchOwner, nullptr, 0, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().create_route_enum(a_, {}, 0, 0, nullptr, rtm::kMatchNextHop, &crit, 0, &h),
            errc::invalid_parameter);  // no next hop in the criteria
  deref(a_, d.value);
  remove(a_, ra);
  remove(b_, rb);
  remove(a_, rc);
}

TEST_F(SurfaceTest, NextHopEnumInAddressOrder) {
  std::vector<rtm::NextHopHandle> mine;
  for (const char* p : {"192.0.2.9", "192.0.2.1", "198.51.100.1"}) {
    rtm::NextHopInfo ni;
    ni.address = P(p);
    ni.interface_index = 2;
    rtm::NextHopHandle h;
    rtm::NextHopChangeFlags f;
    ASSERT_EQ(rtm().add_next_hop(a_, ni, &h, &f), errc::ok);
    mine.push_back(h);
  }
  const rtm::NetAddress start = P("192.0.2.0/24");
  rtm::EnumHandle e;
  ASSERT_EQ(rtm().create_next_hop_enum(b_, rtm::kEnumRange, &start, &e), errc::ok);
  rtm::NextHopHandle got[4];
  std::uint32_t n = 4;
  EXPECT_EQ(rtm().get_enum_next_hops(b_, e, &n, got), errc::no_more_items);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(got[0], mine[1]);  // 192.0.2.1 before 192.0.2.9
  EXPECT_EQ(got[1], mine[0]);
  EXPECT_EQ(rtm().release_next_hops(b_, {got, n}), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(b_, {got, 1}), errc::invalid_parameter);  // released already
  EXPECT_EQ(rtm().delete_enum(b_, e), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(a_, mine), errc::ok);
}

// The test: a thread adds and deletes while another enumerates; every
// enumeration terminates, returns nothing twice and every stable destination
// exactly once.
TEST_F(SurfaceTest, DestEnumUnderConcurrentChurnTerminatesWithoutDuplicates) {
  std::vector<std::string> stable;
  for (int i = 0; i < 50; ++i) {
    stable.push_back("10." + std::to_string(i) + ".0.0/16");
    ASSERT_EQ(add(a_, stable.back().c_str(), 10), errc::ok);
  }
  std::atomic<bool> stop{false};
  std::atomic<long> churn_ops{0};
  std::thread churn([&] {
    std::uint32_t x = 1;
    while (!stop.load(std::memory_order_relaxed)) {
      x = x * 1103515245u + 12345u;
      const std::string p = "10." + std::to_string((x >> 8) % 60) + "." +
                            std::to_string((x >> 16) % 4) + ".0/24";
      rtm::RouteHandle h;
      if (add(b_, p.c_str(), 5, 0, &h) == errc::ok) {
        rtm::RouteChangeFlags f;
        EXPECT_EQ(rtm().delete_route(b_, h, &f), errc::ok);
        EXPECT_EQ(rtm().release_routes(b_, {&h, 1}), errc::ok);
      }
      churn_ops.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (int round = 0; round < 200; ++round) {
    const std::vector<std::string> got = enum_dests(a_, rtm::kEnumStart, nullptr, 7);
    std::set<std::string> seen;
    for (const auto& s : got) ASSERT_TRUE(seen.insert(s).second) << "returned twice: " << s;
    for (const auto& s : stable) ASSERT_EQ(seen.count(s), 1u) << "stable dest missing: " << s;
  }
  stop = true;
  churn.join();
  EXPECT_GT(churn_ops.load(), 0);
}

// ---- route lists -----------------------------------------------------------------

TEST_F(SurfaceTest, RouteListsInsertMoveEnumerateDelete) {
  rtm::RouteListHandle l1, l2;
  ASSERT_EQ(rtm().create_route_list(a_, &l1), errc::ok);
  ASSERT_EQ(rtm().create_route_list(a_, &l2), errc::ok);
  rtm::RouteHandle r1 = add_held(a_, "10.0.0.0/8", 10);
  rtm::RouteHandle r2 = add_held(a_, "11.0.0.0/8", 10);
  rtm::RouteHandle rb = add_held(b_, "12.0.0.0/8", 10);
  const rtm::RouteHandle both[] = {r1, r2};
  ASSERT_EQ(rtm().insert_in_route_list(a_, l1, both), errc::ok);
  EXPECT_EQ(rtm().insert_in_route_list(a_, l1, std::vector<rtm::RouteHandle>{r1, rb}),
            errc::access_denied);  // b's route: nothing moves
  EXPECT_EQ(rtm().insert_in_route_list(b_, l1, std::vector<rtm::RouteHandle>{rb}),
            errc::access_denied);  // a's list
  auto list_routes = [&](rtm::RouteListHandle l) {
    rtm::EnumHandle e;
    EXPECT_EQ(rtm().create_route_list_enum(a_, l, &e), errc::ok);
    rtm::RouteHandle hs[8];
    std::uint32_t n = 8;
    EXPECT_EQ(rtm().get_list_enum_routes(a_, e, &n, hs), errc::no_more_items);
    std::set<std::uint64_t> out;
    for (std::uint32_t i = 0; i < n; ++i) out.insert(hs[i].value);
    if (n) {
      EXPECT_EQ(rtm().release_routes(a_, {hs, n}), errc::ok);
    }
    EXPECT_EQ(rtm().delete_enum(a_, e), errc::ok);
    return out;
  };
  EXPECT_EQ(list_routes(l1), (std::set<std::uint64_t>{r1.value, r2.value}));
  // A route is in at most one list: moving r2 takes it out of l1.
  ASSERT_EQ(rtm().insert_in_route_list(a_, l2, std::vector<rtm::RouteHandle>{r2}), errc::ok);
  EXPECT_EQ(list_routes(l1), (std::set<std::uint64_t>{r1.value}));
  EXPECT_EQ(list_routes(l2), (std::set<std::uint64_t>{r2.value}));
  // A null list takes routes out of any list.
  ASSERT_EQ(rtm().insert_in_route_list(a_, {}, std::vector<rtm::RouteHandle>{r2}), errc::ok);
  EXPECT_TRUE(list_routes(l2).empty());
  // A deleted route leaves its list.
  remove(a_, r1);
  EXPECT_TRUE(list_routes(l1).empty());
  // add_route with a list puts the route there.
  rtm::RouteInfo ri;
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle r3;
  ASSERT_EQ(rtm().add_route(a_, &r3, P("13.0.0.0/8"), ri, rtm::kInfinite, &f, l2), errc::ok);
  EXPECT_EQ(list_routes(l2), (std::set<std::uint64_t>{r3.value}));
  // Deleting a list leaves its routes in the table.
  ASSERT_EQ(rtm().delete_route_list(a_, l2), errc::ok);
  EXPECT_EQ(rtm().delete_route_list(a_, l2), errc::invalid_handle);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 3u);
  remove(a_, r2);
  remove(a_, r3);
  remove(b_, rb);
  ASSERT_EQ(rtm().delete_route_list(a_, l1), errc::ok);
}

// A thread has a handful of hazard pointers: inserting many routes at once
// must not take one per route.
TEST_F(SurfaceTest, RouteListInsertOfManyRoutesAtOnce) {
  rtm::RouteListHandle l;
  ASSERT_EQ(rtm().create_route_list(a_, &l), errc::ok);
  std::vector<rtm::RouteHandle> rs;
  for (int i = 0; i < 200; ++i)
    rs.push_back(add_held(a_, ("10." + std::to_string(i) + ".0.0/16").c_str(), 1));
  ASSERT_EQ(rtm().insert_in_route_list(a_, l, rs), errc::ok);
  rtm::EnumHandle e;
  ASSERT_EQ(rtm().create_route_list_enum(a_, l, &e), errc::ok);
  std::size_t total = 0;
  for (;;) {
    rtm::RouteHandle hs[64];
    std::uint32_t n = 64;
    const errc r = rtm().get_list_enum_routes(a_, e, &n, hs);
    total += n;
    EXPECT_EQ(rtm().release_routes(a_, {hs, n}), errc::ok);
    if (r != errc::ok) break;
  }
  EXPECT_EQ(total, 200u);
  EXPECT_EQ(rtm().delete_enum(a_, e), errc::ok);
  for (rtm::RouteHandle r : rs) remove(a_, r);
  ASSERT_EQ(rtm().delete_route_list(a_, l), errc::ok);
}

// ---- hold-down and expiry (injected clock) ---------------------------------------------

class TimedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<rtm::ManualClock>(1000);
    rtm::InstanceOptions o;
    o.clock = clock_;
    rtm_ = std::make_unique<rtm::Instance>(o);
    rtm::EntityConfig cfg;
    cfg.callback = [this](rtm::EntityHandle self, rtm::EventType t, void* c1, void* c2) {
      if (t == rtm::EventType::route_expired) {
        std::lock_guard lock(mu_);
        expired_.push_back(rtm::RouteHandle{reinterpret_cast<std::uintptr_t>(c1)});
        expired_pref_.push_back(static_cast<const rtm::RouteInfo*>(c2)->pref.preference);
        EXPECT_EQ(self, a_);
      }
      return 0u;
    };
    ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv4, 14, 1}, cfg, &a_), errc::ok);
  }
  void TearDown() override {
    rtm::Outstanding o;
    ASSERT_EQ(rtm_->outstanding(a_, &o), errc::ok);
    EXPECT_EQ(o.total(), 0);
    rtm_.reset();
    rtm::reclaim_all();
    for (int k = 1; k < 8; ++k)
      EXPECT_EQ(counters_.live_delta(static_cast<rtm::HandleKind>(k)), 0) << "kind " << k;
  }
  rtm::RouteHandle add(const char* p, std::uint32_t pref, std::uint32_t ttl) {
    rtm::RouteInfo ri;
    ri.pref = {0, pref};
    rtm::RouteChangeFlags f = 0;
    rtm::RouteHandle h;
    EXPECT_EQ(rtm_->add_route(a_, &h, P(p), ri, ttl, &f), errc::ok);
    return h;
  }
  std::size_t advance(std::uint64_t ms) {
    clock_->advance(ms);
    return rtm_->run_due_timers();
  }
  std::vector<rtm::RouteHandle> take_expired() {
    std::lock_guard lock(mu_);
    return std::exchange(expired_, {});
  }

  rtm_test::CounterSnapshot counters_;
  std::shared_ptr<rtm::ManualClock> clock_;
  std::unique_ptr<rtm::Instance> rtm_;
  rtm::EntityHandle a_;
  std::mutex mu_;
  std::vector<rtm::RouteHandle> expired_;
  std::vector<std::uint32_t> expired_pref_;
};

TEST_F(TimedTest, RouteExpiresAtItsTimeToLiveWithAReferenceForTheOwner) {
  rtm::RouteHandle r = add("10.0.0.0/8", 7, 500);
  EXPECT_EQ(advance(499), 0u);
  EXPECT_TRUE(take_expired().empty());
  EXPECT_EQ(advance(1), 1u);
  EXPECT_EQ(take_expired(), (std::vector<rtm::RouteHandle>{r}));
  EXPECT_EQ(expired_pref_, (std::vector<std::uint32_t>{7}));
  // The table did not delete it; the event's reference is the owner's.
  EXPECT_EQ(rtm_->dest_count(rtm::Family::ipv4), 1u);
  rtm::Outstanding o;
  ASSERT_EQ(rtm_->outstanding(a_, &o), errc::ok);
  EXPECT_EQ(o.routes, 2);  // add_route's and the event's
  rtm::RouteChangeFlags f;
  EXPECT_EQ(rtm_->delete_route(a_, r, &f), errc::ok);
  EXPECT_EQ(rtm_->release_routes(a_, std::vector<rtm::RouteHandle>{r, r}), errc::ok);
}

TEST_F(TimedTest, RefreshOrDeleteCancelsExpiry) {
  rtm::RouteHandle r1 = add("10.0.0.0/8", 1, 100);
  rtm::RouteHandle r2 = add("11.0.0.0/8", 1, 100);
  rtm::RouteHandle r3 = add("12.0.0.0/8", 1, 100);
  advance(50);
  rtm::RouteHandle again = add("10.0.0.0/8", 2, rtm::kInfinite);  // refresh: never expires
  EXPECT_EQ(again, r1);
  rtm::RouteHandle later = add("11.0.0.0/8", 3, 200);  // re-armed at 50 + 200
  rtm::RouteChangeFlags f;
  ASSERT_EQ(rtm_->delete_route(a_, r3, &f), errc::ok);
  advance(100);  // t = 150
  EXPECT_TRUE(take_expired().empty());
  advance(100);  // t = 250
  EXPECT_EQ(take_expired(), (std::vector<rtm::RouteHandle>{r2}));
  for (rtm::RouteHandle h : {r1, r2})
    ASSERT_EQ(rtm_->delete_route(a_, h, &f), errc::ok);
  EXPECT_EQ(rtm_->release_routes(a_, std::vector<rtm::RouteHandle>{r1, again, r2, later, r2, r3}),
            errc::ok);
}

TEST_F(TimedTest, HoldDownKeepsTheDeletedBestRouteForTheHoldTime) {
  rtm::RouteHandle r = add("10.0.0.0/8", 1, rtm::kInfinite);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm_->get_route_info(a_, r, &ri, nullptr), errc::ok);
  const rtm::DestHandle d = ri.dest;
  ASSERT_EQ(rtm_->hold_destination(a_, d, rtm::kViewMaskUnicast, 300), errc::ok);
  EXPECT_EQ(rtm_->hold_destination(a_, d, 0x80, 300), errc::invalid_parameter);
  rtm::RouteChangeFlags f;
  ASSERT_EQ(rtm_->delete_route(a_, r, &f), errc::ok);
  auto held_route = [&]() -> rtm::RouteHandle {
    rtm::DestInfo di;
    if (rtm_->get_exact_match_destination(a_, P("10.0.0.0/8"), 0, 0, &di) != errc::ok) return {};
    rtm::RouteHandle h = di.views[0].hold_route;
    EXPECT_FALSE(di.views[0].route);  // no live route
    EXPECT_EQ(rtm_->release_dest_info(a_, di), errc::ok);
    return h;
  };
  EXPECT_EQ(held_route(), r);
  EXPECT_EQ(rtm_->dest_count(rtm::Family::ipv4), 1u);  // kept by the hold
  advance(299);
  EXPECT_EQ(held_route(), r);
  advance(1);
  EXPECT_EQ(held_route(), rtm::RouteHandle{});
  EXPECT_EQ(rtm_->dest_count(rtm::Family::ipv4), 0u);
  EXPECT_EQ(rtm_->release_route_info(a_, ri), errc::ok);
  EXPECT_EQ(rtm_->release_routes(a_, {&r, 1}), errc::ok);
}

// Views held for the same time share one timer.
TEST_F(TimedTest, HoldOfSeveralViewsForOneTimeArmsOneTimer) {
  rtm::RouteInfo ri;
  ri.pref = {0, 1};
  ri.views = rtm::kViewMaskUnicast | rtm::kViewMaskMulticast;
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle r;
  ASSERT_EQ(rtm_->add_route(a_, &r, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  rtm::RouteInfo got;
  ASSERT_EQ(rtm_->get_route_info(a_, r, &got, nullptr), errc::ok);
  ASSERT_EQ(rtm_->hold_destination(a_, got.dest, 0, 300), errc::ok);
  ASSERT_EQ(rtm_->delete_route(a_, r, &f), errc::ok);
  rtm::DestInfo di;
  ASSERT_EQ(rtm_->get_dest_info(a_, got.dest, 0, 0, &di), errc::ok);
  EXPECT_EQ(di.views[0].hold_route, r);
  EXPECT_EQ(di.views[1].hold_route, r);
  EXPECT_EQ(rtm_->release_dest_info(a_, di), errc::ok);
  EXPECT_EQ(advance(300), 1u);  // one timer for both views
  EXPECT_EQ(rtm_->dest_count(rtm::Family::ipv4), 0u);
  EXPECT_EQ(rtm_->release_route_info(a_, got), errc::ok);
  EXPECT_EQ(rtm_->release_routes(a_, {&r, 1}), errc::ok);
}

TEST_F(TimedTest, HoldIsReplacedByTheNextDeletedBestRoute) {
  rtm::RouteHandle r1 = add("10.0.0.0/8", 1, rtm::kInfinite);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm_->get_route_info(a_, r1, &ri, nullptr), errc::ok);
  ASSERT_EQ(rtm_->hold_destination(a_, ri.dest, 0, rtm::kInfinite), errc::ok);
  rtm::RouteChangeFlags f;
  ASSERT_EQ(rtm_->delete_route(a_, r1, &f), errc::ok);
  rtm::RouteHandle r2 = add("10.0.0.0/8", 1, rtm::kInfinite);
  EXPECT_NE(r2, r1);
  ASSERT_EQ(rtm_->delete_route(a_, r2, &f), errc::ok);
  rtm::DestInfo di;
  ASSERT_EQ(rtm_->get_dest_info(a_, ri.dest, 0, 0, &di), errc::ok);
  EXPECT_EQ(di.views[0].hold_route, r2);
  EXPECT_EQ(rtm_->release_dest_info(a_, di), errc::ok);
  EXPECT_EQ(advance(1000000), 0u);  // infinite: nothing armed
  EXPECT_EQ(rtm_->release_route_info(a_, ri), errc::ok);
  EXPECT_EQ(rtm_->release_routes(a_, std::vector<rtm::RouteHandle>{r1, r2}), errc::ok);
  // ~Instance drops the infinite hold (TearDown checks everything is freed).
}

// The default clock: the instance's timer thread fires the event. The test
// waits for the event itself (a condition variable, no timeout).
TEST(TimerThread, FiresWithTheDefaultClock) {
  rtm::Instance rtm;
  std::mutex mu;
  std::condition_variable cv;
  std::uint64_t fired = 0;
  rtm::EntityConfig cfg;
  cfg.callback = [&](rtm::EntityHandle, rtm::EventType t, void* c1, void*) {
    if (t == rtm::EventType::route_expired) {
      std::lock_guard lock(mu);
      fired = reinterpret_cast<std::uintptr_t>(c1);
      cv.notify_all();
    }
    return 0u;
  };
  rtm::EntityHandle a;
  ASSERT_EQ(rtm.register_entity({0, rtm::Family::ipv4, 14, 1}, cfg, &a), errc::ok);
  rtm::RouteInfo ri;
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle h;
  ASSERT_EQ(rtm.add_route(a, &h, P("10.0.0.0/8"), ri, 1, &f), errc::ok);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return fired != 0; });
  }
  EXPECT_EQ(fired, h.value);
  EXPECT_EQ(rtm.release_routes(a, std::vector<rtm::RouteHandle>{h, h}), errc::ok);
}

// ---- entity methods ----------------------------------------------------------------

struct MethodsTest : rtm_test::RtmTest {
  void SetUp() override {
    rtm_test::RtmTest::SetUp();
    rtm::EntityConfig cfg;
    cfg.methods.push_back([this](rtm::EntityHandle, rtm::EntityHandle, rtm::MethodCall& c) {
      calls_.fetch_add(1);
      c.status = 42;
      c.output_size = 0;
    });
    cfg.methods.push_back([this](rtm::EntityHandle, rtm::EntityHandle self, rtm::MethodCall& c) {
      entered_.store(true);
      while (!release_.load()) std::this_thread::yield();  // held open by the test
      EXPECT_EQ(rtm().block_methods(self, rtm::kBlockMethods), errc::invalid_parameter);
      finished_.store(true);
      c.status = 7;
    });
    ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 50, 1}, cfg, &m_), errc::ok);
  }
  errc invoke(std::uint32_t type, std::uint32_t* status = nullptr) {
    rtm::MethodCall c;
    c.method_type = type;
    errc r = rtm().invoke_methods(a_, m_, {&c, 1});
    if (status) *status = c.status;
    return r;
  }
  rtm::EntityHandle m_;
  std::atomic<int> calls_{0};
  std::atomic<bool> entered_{false}, release_{true}, finished_{false};
};

TEST_F(MethodsTest, GetAndInvoke) {
  std::uint32_t n = 0;
  EXPECT_EQ(rtm().get_entity_methods(a_, m_, &n, nullptr), errc::insufficient_buffer);
  EXPECT_EQ(n, 2u);
  std::vector<rtm::EntityMethod> ms(2);
  EXPECT_EQ(rtm().get_entity_methods(a_, m_, &n, ms.data()), errc::ok);
  std::uint32_t st = 0;
  EXPECT_EQ(invoke(0x1, &st), errc::ok);
  EXPECT_EQ(st, 42u);
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(invoke(0x4), errc::invalid_parameter);  // no method 2
  EXPECT_EQ(invoke(0x3), errc::invalid_parameter);  // two bits in one call
  EXPECT_EQ(invoke(0x2, &st), errc::ok);             // refuses to block itself inside
  EXPECT_EQ(st, 7u);
  EXPECT_EQ(rtm().block_methods(m_, 5), errc::invalid_parameter);
}

TEST_F(MethodsTest, InvocationAfterBlockWaitsForResume) {
  ASSERT_EQ(rtm().block_methods(m_, rtm::kBlockMethods), errc::ok);
  std::atomic<bool> returned{false};
  std::thread t([&] {
    EXPECT_EQ(invoke(0x1), errc::ok);
    returned = true;
  });
  while (rtm().method_waiters(m_) == 0) std::this_thread::yield();  // it is waiting
  EXPECT_EQ(calls_.load(), 0);  // and has not run
  EXPECT_FALSE(returned.load());
  ASSERT_EQ(rtm().block_methods(m_, rtm::kResumeMethods), errc::ok);
  t.join();
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(MethodsTest, BlockWaitsForARunningInvocation) {
  release_ = false;
  std::thread inv([&] { EXPECT_EQ(invoke(0x2), errc::ok); });
  while (!entered_.load()) std::this_thread::yield();
  std::thread blocker([&] {
    ASSERT_EQ(rtm().block_methods(m_, rtm::kBlockMethods), errc::ok);
    EXPECT_TRUE(finished_.load());  // the running invocation completed first
  });
  release_ = true;
  blocker.join();
  inv.join();
  ASSERT_EQ(rtm().block_methods(m_, rtm::kResumeMethods), errc::ok);
}

// A's method invokes B, whose method tries to block A: A's invocation is
// running on this very thread, so the block would wait for itself.
TEST_F(MethodsTest, BlockOfAnOuterEntityFromANestedMethodIsRefused) {
  rtm::EntityHandle outer, inner;
  errc seen = errc::ok;
  rtm::EntityConfig ci;
  ci.methods.push_back([&](rtm::EntityHandle, rtm::EntityHandle, rtm::MethodCall&) {
    seen = rtm().block_methods(outer, rtm::kBlockMethods);
  });
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 51, 1}, ci, &inner), errc::ok);
  rtm::EntityConfig co;
  co.methods.push_back([&](rtm::EntityHandle, rtm::EntityHandle self, rtm::MethodCall&) {
    rtm::MethodCall c;
    c.method_type = 1;
    EXPECT_EQ(rtm().invoke_methods(self, inner, {&c, 1}), errc::ok);
  });
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 52, 1}, co, &outer), errc::ok);
  rtm::MethodCall c;
  c.method_type = 1;
  ASSERT_EQ(rtm().invoke_methods(a_, outer, {&c, 1}), errc::ok);
  EXPECT_EQ(seen, errc::invalid_parameter);
}

TEST_F(MethodsTest, DeregistrationReleasesWaitingInvocations) {
  ASSERT_EQ(rtm().block_methods(m_, rtm::kBlockMethods), errc::ok);
  std::thread t([&] { EXPECT_EQ(invoke(0x1), errc::invalid_handle); });
  while (rtm().method_waiters(m_) == 0) std::this_thread::yield();
  ASSERT_EQ(rtm().deregister_entity(m_), errc::ok);
  t.join();
  EXPECT_EQ(calls_.load(), 0);
}

// ---- client locks and opaque pointers ------------------------------------------------

TEST_F(SurfaceTest, DestLockModesAndOpaquePointers) {
  rtm::EntityConfig cfg;
  cfg.reserve_opaque_pointer = true;
  rtm::EntityHandle o1, o2;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 60, 1}, cfg, &o1), errc::ok);
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 61, 1}, cfg, &o2), errc::ok);
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 1);
  const rtm::DestHandle d = dest_of(a_, r);
  void** s1 = nullptr;
  void** s2 = nullptr;
  ASSERT_EQ(rtm().lock_dest(o1, d, true, true), errc::ok);
  ASSERT_EQ(rtm().get_opaque_pointer(o1, d, &s1), errc::ok);
  EXPECT_EQ(*s1, nullptr);
  int payload = 5;
  *s1 = &payload;
  ASSERT_EQ(rtm().lock_dest(o1, d, true, false), errc::ok);
  EXPECT_EQ(rtm().lock_dest(o1, d, true, false), errc::invalid_parameter);  // not locked
  ASSERT_EQ(rtm().get_opaque_pointer(o2, d, &s2), errc::ok);
  EXPECT_NE(s1, s2);
  EXPECT_EQ(*s2, nullptr);
  void** again = nullptr;
  ASSERT_EQ(rtm().get_opaque_pointer(o1, d, &again), errc::ok);
  EXPECT_EQ(again, s1);
  EXPECT_EQ(*again, &payload);
  EXPECT_EQ(rtm().get_opaque_pointer(a_, d, &again), errc::invalid_parameter);  // not reserved
  // Shared holds count; one unlock per lock.
  ASSERT_EQ(rtm().lock_dest(a_, d, false, true), errc::ok);
  ASSERT_EQ(rtm().lock_dest(b_, d, false, true), errc::ok);
  EXPECT_EQ(rtm().lock_dest(a_, d, true, false), errc::invalid_parameter);
  EXPECT_EQ(rtm().lock_dest(a_, d, false, false), errc::ok);
  EXPECT_EQ(rtm().lock_dest(b_, d, false, false), errc::ok);
  EXPECT_EQ(rtm().lock_dest(b_, d, false, false), errc::invalid_parameter);
  // An exclusive holder keeps a shared locker out until it unlocks.
  ASSERT_EQ(rtm().lock_dest(o1, d, true, true), errc::ok);
  std::atomic<bool> got{false};
  std::thread t([&] {
    EXPECT_EQ(rtm().lock_dest(b_, d, false, true), errc::ok);
    got = true;
    EXPECT_EQ(rtm().lock_dest(b_, d, false, false), errc::ok);
  });
  EXPECT_FALSE(got.load());
  ASSERT_EQ(rtm().lock_dest(o1, d, true, false), errc::ok);
  t.join();
  EXPECT_TRUE(got.load());
  // A slot given back by deregistration starts null for its next owner.
  ASSERT_EQ(rtm().deregister_entity(o1), errc::ok);
  rtm::EntityHandle o3;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 62, 1}, cfg, &o3), errc::ok);
  void** s3 = nullptr;
  ASSERT_EQ(rtm().get_opaque_pointer(o3, d, &s3), errc::ok);
  EXPECT_EQ(s3, s1);  // the same slot, reused
  EXPECT_EQ(*s3, nullptr);
  deref(a_, d.value);
  remove(a_, r);
}

TEST_F(SurfaceTest, OpaquePointerReservationsAreLimited) {
  rtm::EntityConfig cfg;
  cfg.reserve_opaque_pointer = true;
  std::vector<rtm::EntityHandle> hs;
  for (unsigned i = 0; i < rtm::kMaxOpaquePointers; ++i) {
    rtm::EntityHandle h;
    ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 100 + i, 1}, cfg, &h), errc::ok);
    hs.push_back(h);
  }
  rtm::EntityHandle extra;
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, cfg, &extra),
            errc::no_system_resources);
  ASSERT_EQ(rtm().deregister_entity(hs.back()), errc::ok);
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, cfg, &extra), errc::ok);
  // A duplicate registration gives its slot back.
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, cfg, &extra),
            errc::already_exists);
  ASSERT_EQ(rtm().deregister_entity(extra), errc::ok);
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 98, 1}, cfg, &extra), errc::ok);
}

TEST_F(SurfaceTest, RouteLockAndUpdateAndUnlock) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10, 1);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(a_, r, &ri, nullptr), errc::ok);
  rtm::RouteInfo edited = ri;
  edited.pref.metric = 99;
  rtm::RouteChangeFlags f = 0;
  EXPECT_EQ(rtm().update_and_unlock_route(a_, r, edited, rtm::kInfinite, {}, &f),
            errc::invalid_parameter);  // not locked
  EXPECT_EQ(rtm().lock_route(b_, r, true, true), errc::access_denied);  // not b's route
  ASSERT_EQ(rtm().lock_route(a_, r, true, true), errc::ok);
  EXPECT_EQ(rtm().update_and_unlock_route(b_, r, edited, rtm::kInfinite, {}, &f),
            errc::access_denied);
  ASSERT_EQ(rtm().update_and_unlock_route(a_, r, edited, rtm::kInfinite, {}, &f), errc::ok);
  EXPECT_EQ(rtm().lock_route(a_, r, true, false), errc::invalid_parameter);  // unlocked by it
  rtm::RouteInfo now;
  ASSERT_EQ(rtm().get_route_info(b_, r, &now, nullptr), errc::ok);
  EXPECT_EQ(now.pref.metric, 99u);
  EXPECT_EQ(rtm().release_route_info(b_, now), errc::ok);
  EXPECT_EQ(rtm().release_route_info(a_, ri), errc::ok);
  // Only the owner drops an exclusive hold.
  ASSERT_EQ(rtm().lock_route(a_, r, true, true), errc::ok);
  EXPECT_EQ(rtm().lock_route(b_, r, true, false), errc::access_denied);
  ASSERT_EQ(rtm().lock_route(a_, r, true, false), errc::ok);
  // Shared locks by anyone.
  ASSERT_EQ(rtm().lock_route(b_, r, false, true), errc::ok);
  ASSERT_EQ(rtm().lock_route(b_, r, false, false), errc::ok);
  remove(a_, r);
}

}  // namespace
