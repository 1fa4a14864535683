// tests/forwarding_session_test.cpp — rtm::ForwardingSession
// (rtm/forwarding.h), the zero-copy reader of the forwarding fast path:
//  - its answers (single and batch, both families) equal Instance::forward4
//    / forward on a table of nested prefixes;
//  - status(): ok, invalid_parameter for a view without an index, and
//    not_supported once the instance is degraded, with "no route" for every
//    lookup whenever the status is not ok;
//  - a record a session returned stays as it was, byte for byte, while a
//    writer on another thread retires its group and runs grace periods, until
//    the session ends; the next session sees the writer's final state;
//  - other rtm calls nest inside a session on its thread, and the session's
//    reader slot stays published through them;
//  - a million sessions on one thread leak no reader slot and leave no
//    section open;
//  - ending an outer session before a nested one, or a session on another
//    thread, aborts; nested sessions end in any order before the outer.
#include <gtest/gtest.h>

#include <rtm/rtm.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <latch>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

#include "fib/epoch.h"
#include "test_util.h"

// Allocation-failure injection (rtm/fault_injection.h) exists only in a
// library built with RTM_FAULT_INJECTION (the asan preset). Declared weak
// here, so that this file links against any build: null where the library
// lacks them, and the degraded-mode test skips.
namespace rtm::fault_injection {
__attribute__((weak)) void fail_allocation(std::uint64_t n) noexcept;
__attribute__((weak)) bool fired() noexcept;
}  // namespace rtm::fault_injection

namespace {

using rtm::errc;
using rtm_test::P;
using rtm_test::of_no_family;
namespace epoch = rtm::fib::epoch_detail;


rtm::NetAddress v4_addr(std::uint32_t host_order) { return rtm::NetAddress::ipv4(host_order, 32); }

rtm::NetAddress v6_addr(const std::uint8_t* b16) {
  rtm::NetAddress a;
  EXPECT_EQ(rtm::NetAddress::make(rtm::Family::ipv6, b16, 128, &a), errc::ok);
  return a;
}

// The same answer: the same number of next hops and the same hops, byte for
// byte (the bytes past `count` are not part of an answer).
::testing::AssertionResult same_answer(const rtm::ForwardingResult& got,
                                       const rtm::ForwardingResult& want) {
  if (got.count != want.count)
    return ::testing::AssertionFailure() << "count " << got.count << " != " << want.count;
  if (got.count > rtm::kMaxNextHopsPerRoute)
    return ::testing::AssertionFailure() << "count " << got.count << " out of range";
  if (std::memcmp(got.hops, want.hops, got.count * sizeof(rtm::ForwardingHop)) != 0)
    return ::testing::AssertionFailure() << "next hops differ";
  return ::testing::AssertionSuccess();
}

class ForwardingSessionTest : public rtm_test::RtmHopsTest {
 protected:
  // e's route to `prefix` (added or replaced) with next hops `hops`.
  rtm::RouteHandle route(rtm::EntityHandle e, const rtm::NetAddress& prefix, std::uint32_t pref,
                         const std::vector<rtm::NextHopHandle>& hops) {
    rtm::RouteInfo ri;
    ri.pref = {0, pref};
    ri.views = rtm::kViewMaskUnicast;
    ri.next_hops.count = static_cast<std::uint16_t>(hops.size());
    for (std::size_t i = 0; i < hops.size(); ++i) ri.next_hops.hops[i] = hops[i];
    rtm::RouteHandle h;
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(rtm().add_route(e, &h, prefix, ri, rtm::kInfinite, &f), errc::ok) << prefix.to_string();
    return h;
  }
  rtm::RouteHandle route(rtm::EntityHandle e, const char* prefix, std::uint32_t pref,
                         rtm::NextHopHandle nh) {
    return route(e, P(prefix), pref, std::vector<rtm::NextHopHandle>{nh});
  }
  // Every route added through route(), released at the end (deleted with
  // the instance).
  void TearDown() override {
    for (auto& [e, h] : held_routes_) release(e, h);
    RtmHopsTest::TearDown();
  }
  void keep(rtm::EntityHandle e, rtm::RouteHandle h) { held_routes_.push_back({e, h}); }

  std::vector<std::pair<rtm::EntityHandle, rtm::RouteHandle>> held_routes_;
};

// ---- 1. answers ------------------------------------------------------------------

// Random nested prefixes of both families (fixed seed) from two IPv4
// entities of different protocols and one IPv6 entity, some with several
// next hops; a few thousand random addresses, most under some prefix. Every
// session lookup (single and batch) answers as Instance::forward4 /
// forward, and a batch's out[i] is the very record the single lookup
// returns.
TEST_F(ForwardingSessionTest, AnswersAsForwardOnNestedPrefixes) {
  std::mt19937 rng(20240611);
  std::vector<rtm::NextHopHandle> hops4_a, hops4_b, hops6;
  for (std::uint32_t i = 0; i < 8; ++i) {
    char a4[32], b4[32], v6[48];
    std::snprintf(a4, sizeof a4, "192.0.2.%u", i + 1);
    std::snprintf(b4, sizeof b4, "198.51.100.%u", i + 1);
    std::snprintf(v6, sizeof v6, "2001:db8:ffff::%u", i + 1);
    hops4_a.push_back(hop(a_, a4, 10 + i));
    hops4_b.push_back(hop(b_, b4, 20 + i));
    hops6.push_back(hop(v6_, v6, 30 + i));
  }
  auto pick_hops = [&](const std::vector<rtm::NextHopHandle>& pool) {
    std::vector<rtm::NextHopHandle> h;
    const std::size_t n = 1 + rng() % 3;  // 1..3 distinct hops
    const std::size_t first = rng() % pool.size();
    for (std::size_t i = 0; i < n; ++i) h.push_back(pool[(first + i * 3) % pool.size()]);
    return h;
  };

  // IPv4: nested chains under 10/8 and 172.16/12, lengths 8..32.
  std::vector<std::pair<std::uint32_t, unsigned>> pfx4 = {{0x0A000000u, 8}, {0xAC100000u, 12}};
  for (int i = 0; i < 300; ++i) {
    const auto [base, len] = pfx4[rng() % pfx4.size()];
    if (len >= 32) continue;
    const unsigned nlen = len + 1 + static_cast<unsigned>(rng() % std::min(12u, 32u - len));
    const std::uint32_t host_mask = nlen == 32 ? 0u : (0xFFFFFFFFu >> nlen);
    const std::uint32_t p = (base | (static_cast<std::uint32_t>(rng()) & (0xFFFFFFFFu >> len))) & ~host_mask;
    pfx4.push_back({p, nlen});
  }
  for (std::size_t i = 0; i < pfx4.size(); ++i) {
    const rtm::NetAddress p = rtm::NetAddress::ipv4(pfx4[i].first, pfx4[i].second);
    // Both entities on some prefixes: the best route (lower preference) wins.
    if (i % 3 != 1) keep(a_, route(a_, p, 10 + static_cast<std::uint32_t>(rng() % 2) * 10, pick_hops(hops4_a)));
    if (i % 3 != 0) keep(b_, route(b_, p, 15, pick_hops(hops4_b)));
  }

  // IPv6: nested chains under 2001:db8::/32 and 2001:db8:8000::/33, to /128.
  struct P6 {
    std::uint8_t b[16];
    unsigned len;
  };
  std::vector<P6> pfx6;
  {
    P6 r{{0x20, 0x01, 0x0d, 0xb8}, 32};
    pfx6.push_back(r);
    r.b[4] = 0x80;
    r.len = 33;
    pfx6.push_back(r);
  }
  for (int i = 0; i < 300; ++i) {
    P6 c = pfx6[rng() % pfx6.size()];
    if (c.len >= 128) continue;
    const unsigned nlen = std::min(128u, c.len + 1 + static_cast<unsigned>(rng() % 24));
    for (unsigned bit = c.len; bit < nlen; ++bit)
      if (rng() & 1) c.b[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    c.len = nlen;
    pfx6.push_back(c);
  }
  // ::/8 covers the all-zero key: a lookup6_batch that looked up another
  // family's entry as :: (or as its bytes) would find it.
  keep(v6_, route(v6_, P("::/8"), 10, pick_hops(hops6)));
  for (const P6& c : pfx6) {
    rtm::NetAddress p;
    ASSERT_EQ(rtm::NetAddress::make(rtm::Family::ipv6, c.b, c.len, &p), errc::ok);
    keep(v6_, route(v6_, p, 10, pick_hops(hops6)));
  }

  // Addresses: mostly under a prefix (random host bits), some anywhere.
  constexpr std::size_t kAddrs = 3001;  // not a multiple of a batch's 16
  std::vector<std::uint32_t> a4(kAddrs);
  std::vector<std::array<std::uint8_t, 16>> a6(kAddrs);
  for (std::size_t i = 0; i < kAddrs; ++i) {
    if (i % 5 == 4) {
      a4[i] = static_cast<std::uint32_t>(rng());
    } else {
      const auto [p, len] = pfx4[rng() % pfx4.size()];
      a4[i] = p | (len == 32 ? 0u : (static_cast<std::uint32_t>(rng()) & (0xFFFFFFFFu >> len)));
    }
    const P6& c = pfx6[rng() % pfx6.size()];
    for (unsigned j = 0; j < 16; ++j) a6[i][j] = static_cast<std::uint8_t>(rng());
    if (i % 5 != 4) {
      for (unsigned bit = 0; bit < c.len; ++bit) {
        const std::uint8_t m = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        a6[i][bit / 8] = static_cast<std::uint8_t>((a6[i][bit / 8] & ~m) | (c.b[bit / 8] & m));
      }
    }
  }

  rtm::ForwardingSession s(rtm());
  ASSERT_EQ(s.status(), errc::ok);
  std::size_t hits4 = 0, hits6 = 0;
  std::vector<rtm::NetAddress> n6(kAddrs);
  for (std::size_t i = 0; i < kAddrs; ++i) {
    rtm::ForwardingResult want;
    const errc e = rtm().forward4(rtm::kViewIdUnicast, a4[i], &want);
    ASSERT_TRUE(e == errc::ok || e == errc::not_found) << static_cast<int>(e);
    if (e == errc::not_found) {
      ASSERT_EQ(want.count, 0u);
    }
    hits4 += want.count != 0;
    EXPECT_TRUE(same_answer(s.lookup4(a4[i]), want)) << "lookup4 " << v4_addr(a4[i]).to_string();
    EXPECT_TRUE(same_answer(s.lookup(v4_addr(a4[i])), want)) << "lookup " << v4_addr(a4[i]).to_string();

    n6[i] = v6_addr(a6[i].data());
    const errc e6 = rtm().forward(rtm::kViewIdUnicast, n6[i], &want);
    ASSERT_TRUE(e6 == errc::ok || e6 == errc::not_found) << static_cast<int>(e6);
    if (e6 == errc::not_found) {
      ASSERT_EQ(want.count, 0u);
    }
    hits6 += want.count != 0;
    EXPECT_TRUE(same_answer(s.lookup6(a6[i].data()), want)) << "lookup6 " << n6[i].to_string();
    EXPECT_TRUE(same_answer(s.lookup(n6[i]), want)) << "lookup " << n6[i].to_string();
  }
  // The table is what it should be: both answers and misses, both families.
  EXPECT_GT(hits4, kAddrs / 2);
  EXPECT_LT(hits4, kAddrs);
  EXPECT_GT(hits6, kAddrs / 2);
  EXPECT_LT(hits6, kAddrs);

  // Batches: out[i] is the single lookup's record; the return value counts
  // the answers with hops, as forward4_batch / forward6_batch's hits.
  std::vector<const rtm::ForwardingResult*> out(kAddrs, nullptr);
  std::vector<rtm::ForwardingResult> want(kAddrs);
  std::size_t want_hits = 0;
  ASSERT_EQ(s.lookup4_batch(a4.data(), kAddrs, out.data()), hits4);
  ASSERT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, a4.data(), kAddrs, want.data(), &want_hits),
            errc::ok);
  EXPECT_EQ(want_hits, hits4);
  for (std::size_t i = 0; i < kAddrs; ++i) {
    ASSERT_NE(out[i], nullptr) << i;
    EXPECT_EQ(out[i], &s.lookup4(a4[i])) << i;
    EXPECT_TRUE(same_answer(*out[i], want[i])) << "lookup4_batch " << i;
  }
  std::fill(out.begin(), out.end(), nullptr);
  ASSERT_EQ(s.lookup6_batch(n6.data(), kAddrs, out.data()), hits6);
  ASSERT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, n6.data(), kAddrs, want.data(), &want_hits),
            errc::ok);
  EXPECT_EQ(want_hits, hits6);
  for (std::size_t i = 0; i < kAddrs; ++i) {
    ASSERT_NE(out[i], nullptr) << i;
    EXPECT_EQ(out[i], &s.lookup6(a6[i].data())) << i;
    EXPECT_TRUE(same_answer(*out[i], want[i])) << "lookup6_batch " << i;
  }

  // Entries of another family in the IPv6 batch answer "no route", even
  // where their bytes, read as IPv6, fall under an IPv6 prefix; as does
  // lookup() of an address of no family.
  const rtm::NetAddress none = of_no_family();
  std::vector<rtm::NetAddress> mixed;
  std::vector<bool> is_v6;
  for (std::size_t i = 0; i < 40; ++i) {
    if (i % 3 == 0) {
      // An IPv4 address whose 16 bytes read as IPv6 fall under 2001:db8::/32.
      mixed.push_back(v4_addr(0x20010DB8u));
      is_v6.push_back(false);
    } else if (i % 7 == 0) {
      mixed.push_back(none);
      is_v6.push_back(false);
    } else {
      mixed.push_back(n6[i]);
      is_v6.push_back(true);
    }
  }
  std::size_t want_mixed = 0;
  for (std::size_t i = 0; i < mixed.size(); ++i)
    if (is_v6[i]) want_mixed += s.lookup(mixed[i]).count != 0;
  ASSERT_GT(want_mixed, 0u);
  std::fill(out.begin(), out.end(), nullptr);
  EXPECT_EQ(s.lookup6_batch(mixed.data(), mixed.size(), out.data()), want_mixed);
  for (std::size_t i = 0; i < mixed.size(); ++i) {
    ASSERT_NE(out[i], nullptr) << i;
    if (is_v6[i]) {
      EXPECT_EQ(out[i], &s.lookup(mixed[i])) << i;
    } else {
      EXPECT_EQ(out[i]->count, 0u) << i;
    }
  }
  // Its bytes read as IPv6 (2001:db8::...) would have an answer.
  std::uint8_t as6[16] = {0x20, 0x01, 0x0d, 0xb8};
  EXPECT_NE(s.lookup6(as6).count, 0u);
  EXPECT_EQ(s.lookup(none).count, 0u);
  EXPECT_EQ(s.lookup4_batch(a4.data(), 0, out.data()), 0u);
  EXPECT_EQ(s.lookup6_batch(n6.data(), 0, out.data()), 0u);
}

// no_route(): the very record of every miss, and of nothing else: a route
// without next hops answers another record with count 0 (forward4 answers
// it ok with no hops). The same in a session without an index.
TEST_F(ForwardingSessionTest, NoRouteIsTheRecordOfMissesOnly) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  keep(a_, route(a_, "10.0.0.0/8", 10, h1));
  keep(a_, route(a_, P("10.5.0.0/16"), 10, std::vector<rtm::NextHopHandle>{}));
  rtm::ForwardingSession s(rtm());
  ASSERT_EQ(s.status(), errc::ok);
  EXPECT_EQ(s.no_route().count, 0u);
  EXPECT_EQ(&s.lookup4(0x0B000001u), &s.no_route());
  EXPECT_EQ(&s.lookup(P("2001:db8::1")), &s.no_route());
  EXPECT_NE(&s.lookup4(0x0A010203u), &s.no_route());
  const rtm::ForwardingResult& empty = s.lookup4(0x0A050001u);
  EXPECT_NE(&empty, &s.no_route()) << "a route without next hops is a route";
  EXPECT_EQ(empty.count, 0u);
  rtm::ForwardingResult r;
  EXPECT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A050001u, &r), errc::ok);
  EXPECT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0B000001u, &r), errc::not_found);
  const std::uint32_t a[3] = {0x0B000001u, 0x0A050001u, 0x0A010203u};
  const rtm::ForwardingResult* out[3];
  EXPECT_EQ(s.lookup4_batch(a, 3, out), 2u) << "the batch counts routes, as forward4_batch";
  EXPECT_EQ(out[0], &s.no_route());
  EXPECT_EQ(out[1], &empty);
  rtm::ForwardingSession none(rtm(), rtm::kViewIdMulticast);
  EXPECT_EQ(&none.lookup4(0x0A010203u), &none.no_route());
}

// ---- 2. status ---------------------------------------------------------------------

// Every lookup of a session whose status is not ok answers "no route".
void expect_no_answers(const rtm::ForwardingSession& s) {
  const std::uint32_t a4[] = {0x0A010203u, 0x0A000001u, 0x0B000001u};
  const rtm::NetAddress n6[] = {P("2001:db8::1"), P("10.1.2.3"), P("2001:db8:1::5")};
  std::uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
  b6[15] = 1;
  EXPECT_EQ(s.lookup4(a4[0]).count, 0u);
  EXPECT_EQ(s.lookup6(b6).count, 0u);
  EXPECT_EQ(s.lookup(P("10.1.2.3")).count, 0u);
  EXPECT_EQ(s.lookup(P("2001:db8::1")).count, 0u);
  const rtm::ForwardingResult* out[3] = {};
  EXPECT_EQ(s.lookup4_batch(a4, 3, out), 0u);
  for (const auto* r : out) {
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->count, 0u);
  }
  const rtm::ForwardingResult* out6[3] = {};
  EXPECT_EQ(s.lookup6_batch(n6, 3, out6), 0u);
  for (const auto* r : out6) {
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->count, 0u);
  }
}

TEST_F(ForwardingSessionTest, StatusIsOkForTheUnicastView) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  keep(a_, route(a_, "10.0.0.0/8", 10, h1));
  rtm::ForwardingSession s(rtm());
  EXPECT_EQ(s.status(), errc::ok);
  EXPECT_EQ(s.lookup4(0x0A010203u).count, 1u);
  rtm::ForwardingSession u(rtm(), rtm::kViewIdUnicast);
  EXPECT_EQ(u.status(), errc::ok);
  EXPECT_EQ(u.lookup4(0x0A010203u).count, 1u);
}

// A view without an index: the default instance indexes unicast only, so
// multicast (a supported view with routes) and views out of range; and an
// instance with no forwarding views at all.
TEST_F(ForwardingSessionTest, AViewWithoutAnIndexIsInvalidAndAnswersNothing) {
  const auto h1 = hop(a_, "192.0.2.1", 1), g1 = hop(v6_, "2001:db8:ffff::1", 1);
  rtm::RouteInfo ri;
  ri.pref = {0, 10};
  ri.views = rtm::kViewMaskUnicast | rtm::kViewMaskMulticast;
  ri.next_hops.count = 1;
  ri.next_hops.hops[0] = h1;
  rtm::RouteHandle r4, r6;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().add_route(a_, &r4, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  keep(a_, r4);
  ri.next_hops.hops[0] = g1;
  ASSERT_EQ(rtm().add_route(v6_, &r6, P("2001:db8::/32"), ri, rtm::kInfinite, &f), errc::ok);
  keep(v6_, r6);
  {
    rtm::ForwardingSession ok(rtm());
    ASSERT_EQ(ok.status(), errc::ok);
    ASSERT_EQ(ok.lookup4(0x0A010203u).count, 1u);  // the routes are there
    ASSERT_EQ(ok.lookup(P("2001:db8::1")).count, 1u);
  }
  for (const rtm::ViewId v : {rtm::kViewIdMulticast, -1, 5, 31, 32, 1000}) {
    rtm::ForwardingSession s(rtm(), v);
    EXPECT_EQ(s.status(), errc::invalid_parameter) << v;
    expect_no_answers(s);
  }

  rtm::InstanceOptions o;
  o.forwarding_views = 0;
  rtm::Instance none(o);
  rtm::EntityHandle e;
  ASSERT_EQ(none.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
  rtm::NextHopInfo ni;
  ni.address = P("192.0.2.1");
  ni.interface_index = 1;
  rtm::NextHopHandle nh;
  rtm::NextHopChangeFlags nf = 0;
  ASSERT_EQ(none.add_next_hop(e, ni, &nh, &nf), errc::ok);
  ri.next_hops.hops[0] = nh;
  ASSERT_EQ(none.add_route(e, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  for (const rtm::ViewId v : {rtm::kViewIdUnicast, rtm::kViewIdMulticast}) {
    rtm::ForwardingSession s(none, v);
    EXPECT_EQ(s.status(), errc::invalid_parameter) << v;
    expect_no_answers(s);
  }
  EXPECT_EQ(none.release_next_hops(e, {&nh, 1}), errc::ok);
}

// Degraded (an allocation failure of the index's writer, as in
// tests/fault_test.cpp): not_supported, and no answers, while forward4
// still answers from the table.
TEST(ForwardingSessionDegraded, ADegradedInstanceIsNotSupportedAndAnswersNothing) {
  if (rtm::fault_injection::fail_allocation == nullptr || rtm::fault_injection::fired == nullptr)
    GTEST_SKIP() << "the library is built without RTM_FAULT_INJECTION (the asan preset has it)";
  bool degraded_once = false;
  for (std::uint64_t k = 1; k < 64 && !degraded_once; ++k) {
    rtm::Instance inst;
    rtm::EntityHandle e;
    ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
    rtm::NextHopInfo ni;
    ni.address = P("192.0.2.1");
    ni.interface_index = 7;
    rtm::NextHopHandle nh;
    rtm::NextHopChangeFlags nf = 0;
    ASSERT_EQ(inst.add_next_hop(e, ni, &nh, &nf), errc::ok);
    ni.address = P("192.0.2.2");
    ni.interface_index = 8;
    rtm::NextHopHandle nh2;
    ASSERT_EQ(inst.add_next_hop(e, ni, &nh2, &nf), errc::ok);
    rtm::RouteInfo ri;
    ri.pref = {1, 10};
    ri.next_hops.count = 1;
    ri.next_hops.hops[0] = nh2;
    rtm::RouteChangeFlags f = 0;
    // A route the index follows before the failure (a healthy session
    // answers it), with other next hops than the failing add's: that add
    // needs a new next-hop group, the allocation that degrades.
    ASSERT_EQ(inst.add_route(e, nullptr, P("11.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
    {
      rtm::ForwardingSession s(inst);
      ASSERT_EQ(s.status(), errc::ok);
      ASSERT_EQ(s.lookup4(0x0B000001u).count, 1u);
    }
    ri.next_hops.hops[0] = nh;
    rtm::fault_injection::fail_allocation(k);
    const errc r = inst.add_route(e, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f);
    const bool fired = rtm::fault_injection::fired();
    rtm::fault_injection::fail_allocation(0);
    if (!fired) break;  // past the last allocation site of the add
    if (r == errc::ok && inst.forwarding_degraded()) {
      degraded_once = true;
      rtm::ForwardingSession s(inst);
      EXPECT_EQ(s.status(), errc::not_supported);
      expect_no_answers(s);
      EXPECT_EQ(s.lookup4(0x0B000001u).count, 0u);  // indexed before, still "no route"
      rtm::ForwardingResult out;
      ASSERT_EQ(inst.forward4(rtm::kViewIdUnicast, 0x0A010203u, &out), errc::ok);  // the table
      EXPECT_EQ(out.count, 1u);
      ASSERT_EQ(inst.forward4(rtm::kViewIdUnicast, 0x0B000001u, &out), errc::ok);
      EXPECT_EQ(out.count, 1u);
    } else {
      rtm::ForwardingSession s(inst);
      EXPECT_EQ(s.status(), errc::ok);
    }
    EXPECT_EQ(inst.release_next_hops(e, {&nh, 1}), errc::ok);
    EXPECT_EQ(inst.release_next_hops(e, {&nh2, 1}), errc::ok);
  }
  EXPECT_TRUE(degraded_once) << "no allocation failure of the add degraded the fast path";
}

// ---- 3. record stability -------------------------------------------------------------

// Thread A opens a session and keeps the record of 10.1.2.3 (under a /25,
// so behind a tbl8 group). Meanwhile (A blocked on a latch) the test thread
// deletes and re-adds that route with other next hops many times: each
// delete retires A's group's id or a later one, and the /25's tbl8 group,
// and the retirements run grace periods (NhGroups and DirIndex run one
// every 64+ retirements). A's record must be unchanged, byte for byte,
// until A's session ends; a session opened after it sees the final state.
TEST_F(ForwardingSessionTest, AHeldRecordStaysUnchangedWhileWritersRetireIt) {
  constexpr int kHops = 16;
  constexpr int kRounds = 3000;
  std::vector<rtm::NextHopHandle> hops;
  for (int i = 0; i < kHops; ++i) {
    char a[32];
    std::snprintf(a, sizeof a, "192.0.2.%d", i + 1);
    hops.push_back(hop(a_, a, static_cast<std::uint32_t>(100 + i)));
  }
  keep(a_, route(a_, "10.0.0.0/8", 10, hops[1]));
  rtm::RouteHandle r25 = route(a_, "10.1.2.0/25", 10, hops[0]);
  constexpr std::uint32_t kAddr = 0x0A010203u;

  std::latch opened(1), written(1);
  rtm::ForwardingResult snapshot;
  std::memset(&snapshot, 0xA5, sizeof snapshot);
  bool held_ok = false, same_bytes = false;
  std::uint32_t later_if = 0, later_count = 0;
  std::thread reader([&] {
    rtm::ForwardingSession s(rtm());
    const rtm::ForwardingResult& r = s.lookup4(kAddr);
    std::memcpy(&snapshot, &r, sizeof r);  // the whole record
    held_ok = s.status() == errc::ok && r.count == 1 && r.hops[0].interface_index == 100;
    opened.count_down();
    written.wait();
    same_bytes = std::memcmp(&snapshot, &r, sizeof r) == 0;
    // A later lookup of the same session answers some state of the view
    // since the opening: one of the next hops the test used.
    const rtm::ForwardingResult& now = s.lookup4(kAddr);
    later_count = now.count;
    later_if = now.count ? now.hops[0].interface_index : 0;
  });
  opened.wait();
  const std::uint64_t g0 = epoch::grace_periods();
  int last = 0;
  for (int i = 0; i < kRounds; ++i) {
    remove(a_, r25);
    last = 2 + i % (kHops - 2);  // never hops[0] (A's) nor hops[1] (the /8's)
    r25 = route(a_, "10.1.2.0/25", 10, hops[static_cast<std::size_t>(last)]);
  }
  const std::uint64_t grace_periods = epoch::grace_periods() - g0;
  written.count_down();
  reader.join();

  EXPECT_TRUE(held_ok);
  EXPECT_GT(grace_periods, 0u) << "the writer ran no grace period: the test proves nothing";
  EXPECT_TRUE(same_bytes) << "the record a session holds changed under it";
  EXPECT_EQ(snapshot.count, 1u);
  EXPECT_EQ(snapshot.hops[0].interface_index, 100u);
  EXPECT_EQ(later_count, 1u);
  EXPECT_GE(later_if, 100u);
  EXPECT_LT(later_if, 100u + kHops);
  {
    rtm::ForwardingSession s(rtm());
    ASSERT_EQ(s.status(), errc::ok);
    const rtm::ForwardingResult& r = s.lookup4(kAddr);
    ASSERT_EQ(r.count, 1u);
    EXPECT_EQ(r.hops[0].interface_index, static_cast<std::uint32_t>(100 + last));
    EXPECT_EQ(s.lookup4(0x0A010281u).hops[0].interface_index, 101u);  // outside the /25: the /8
  }
  remove(a_, r25);
}

// ---- 4. nesting ----------------------------------------------------------------------

// Inside a session, other calls on the same thread (each opening a nested
// read section, or taking locks) work, and the session's lookups still
// answer afterwards. The session's reader slot stays published through
// them: an object retired after the session opened is not reusable until
// the session ends (fib/epoch.h's writer test: reusable once
// safe_epoch() > tag).
TEST_F(ForwardingSessionTest, OtherCallsNestInsideASession) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  keep(a_, route(a_, "10.0.0.0/8", 10, h1));
  keep(a_, route(a_, "10.1.2.0/28", 10, h2));
  std::uint64_t tag = 0;
  {
    rtm::ForwardingSession s(rtm());
    ASSERT_EQ(s.status(), errc::ok);
    const rtm::ForwardingResult& held = s.lookup4(0x0A010203u);
    ASSERT_EQ(held.count, 1u);
    EXPECT_EQ(held.hops[0].interface_index, 2u);
    tag = rtm::fib::retire_tag();  // an object retired after the session opened

    rtm::ForwardingResult r;
    ASSERT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A010203u, &r), errc::ok);
    EXPECT_TRUE(same_answer(r, held));
    ASSERT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0A010211u, &r), errc::ok);
    EXPECT_EQ(r.hops[0].interface_index, 1u);
    EXPECT_EQ(rtm().forward4(rtm::kViewIdUnicast, 0x0B000001u, &r), errc::not_found);

    const std::uint32_t addrs[] = {0x0A010203u, 0x0A010211u, 0x0B000001u};
    rtm::ForwardingResult out[3];
    std::size_t hits = 0;
    ASSERT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, addrs, 3, out, &hits), errc::ok);
    EXPECT_EQ(hits, 2u);
    EXPECT_EQ(out[0].hops[0].interface_index, 2u);
    EXPECT_EQ(out[1].hops[0].interface_index, 1u);
    EXPECT_EQ(out[2].count, 0u);

    ASSERT_EQ(rtm().forward(rtm::kViewIdUnicast, P("10.1.2.3"), &r), errc::ok);
    EXPECT_EQ(r.hops[0].interface_index, 2u);

    rtm::DestInfo di;
    ASSERT_EQ(rtm().get_most_specific_destination(a_, P("10.1.2.3"), rtm::kBestProtocol,
                                                  rtm::kViewMaskUnicast, &di),
              errc::ok);
    EXPECT_EQ(di.address, P("10.1.2.0/28"));
    EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
    ASSERT_EQ(rtm().get_most_specific_destination(a_, P("10.200.0.1"), rtm::kBestProtocol,
                                                  rtm::kViewMaskUnicast, &di),
              errc::ok);
    EXPECT_EQ(di.address, P("10.0.0.0/8"));
    EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);

    // A nested session of the same thread, too.
    {
      rtm::ForwardingSession inner(rtm());
      EXPECT_EQ(inner.status(), errc::ok);
      EXPECT_EQ(&inner.lookup4(0x0A010203u), &held);
    }

    // The session still answers, with the same record.
    EXPECT_EQ(&s.lookup4(0x0A010203u), &held);
    EXPECT_EQ(s.lookup4(0x0A010211u).hops[0].interface_index, 1u);
    EXPECT_EQ(s.lookup4(0x0B000001u).count, 0u);
    const rtm::ForwardingResult* po[3] = {};
    EXPECT_EQ(s.lookup4_batch(addrs, 3, po), 2u);
    EXPECT_EQ(po[0], &held);
    // Still published: a grace period now cannot pass the tag.
    const std::uint64_t safe = rtm::fib::synchronize();
    EXPECT_LE(safe, tag) << "a nested call ended the session's read section";
    EXPECT_LE(rtm::fib::safe_epoch(), tag);
  }
  EXPECT_GT(rtm::fib::synchronize(), tag) << "the session's section outlived it";
}

// ---- 5. no leak ----------------------------------------------------------------------

// A million sessions opened and closed on one thread hold one reader slot
// (the thread's, given back at its exit) and leave no section open.
TEST_F(ForwardingSessionTest, AMillionSessionsLeakNoSlot) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  keep(a_, route(a_, "10.0.0.0/8", 10, h1));
  const unsigned before = epoch::slots_in_use();
  unsigned during_first = 0, during_last = 0;
  std::uint64_t answered = 0, tag = 0, safe = 0;
  std::thread t([&] {
    {
      rtm::ForwardingSession s(rtm());
      answered += s.lookup4(0x0A000001u).count;
    }
    during_first = epoch::slots_in_use();
    for (int i = 1; i < 1000000; ++i) {
      rtm::ForwardingSession s(rtm());
      answered += s.lookup4(0x0A000001u + static_cast<std::uint32_t>(i)).count;
    }
    during_last = epoch::slots_in_use();
    tag = rtm::fib::retire_tag();
    safe = rtm::fib::synchronize();  // nothing of this thread holds it back
  });
  t.join();
  EXPECT_EQ(answered, 1000000u);
  EXPECT_EQ(during_first, before + 1);
  EXPECT_EQ(during_last, before + 1);
  EXPECT_GT(safe, tag) << "a session left its section open";
  EXPECT_EQ(epoch::slots_in_use(), before);
  // The same on a thread that already holds a slot (this one).
  {
    rtm::ForwardingSession s(rtm());
    EXPECT_EQ(s.status(), errc::ok);
  }
  const unsigned mine = epoch::slots_in_use();
  for (int i = 0; i < 1000000; ++i) {
    rtm::ForwardingSession s(rtm());
    answered += s.lookup4(0x0A000001u).count;
  }
  EXPECT_EQ(epoch::slots_in_use(), mine);
  tag = rtm::fib::retire_tag();
  EXPECT_GT(rtm::fib::synchronize(), tag);
}

// ---- 6. misuse aborts ------------------------------------------------------------------

// Ending the outer session while one opened inside it is still open, or
// destroying a session on another thread, would end a read section a
// reader relies on: the close aborts with a message (rtm/forwarding.h).
TEST(ForwardingSessionDeathTest, EndingTheOuterSessionFirstAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  rtm::Instance inst;
  EXPECT_DEATH(
      {
        std::optional<rtm::ForwardingSession> outer(std::in_place, inst);
        rtm::ForwardingSession inner(inst);
        outer.reset();
      },
      "ended while a session opened inside it");
}

TEST(ForwardingSessionDeathTest, DestroyingASessionOnAnotherThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  rtm::Instance inst;
  EXPECT_DEATH(
      {
        std::optional<rtm::ForwardingSession> s(std::in_place, inst);
        std::thread t([&] { s.reset(); });
        t.join();
      },
      "destroyed on another thread");
  // A thread that has a slot of its own (its own session open) too.
  EXPECT_DEATH(
      {
        std::optional<rtm::ForwardingSession> s(std::in_place, inst);
        std::thread t([&] {
          rtm::ForwardingSession mine(inst);
          s.reset();
        });
        t.join();
      },
      "destroyed on another thread");
  EXPECT_DEATH(
      {
        rtm::ForwardingSession outer(inst);
        std::optional<rtm::ForwardingSession> nested(std::in_place, inst);
        std::thread t([&] { nested.reset(); });
        t.join();
      },
      "destroyed on another thread");
}

// The orders that are allowed: nested sessions end in any order among
// themselves while the outer one is open, and the outer one last.
TEST(ForwardingSessionNesting, NestedSessionsMayEndInAnyOrderBeforeTheOuter) {
  rtm::Instance inst;
  std::uint64_t tag = 0;
  {
    rtm::ForwardingSession outer(inst);
    tag = rtm::fib::retire_tag();
    std::optional<rtm::ForwardingSession> a(std::in_place, inst), b(std::in_place, inst);
    a.reset();  // opened first, ended first
    EXPECT_LE(rtm::fib::synchronize(), tag);
    b.reset();
    EXPECT_LE(rtm::fib::synchronize(), tag) << "a nested session's end cleared the slot";
  }
  EXPECT_GT(rtm::fib::synchronize(), tag);
}

}  // namespace
