// Lookups: exact, most specific (LPM) on nested prefixes in both families,
// less specific, exact-match route with match flags; the longest match with
// and without the forwarding index, and its fallback when the index lags.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <iterator>
#include <random>
#include <string>
#include <thread>

#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

class LookupTest : public RtmTest {
 protected:
  // The prefix the lookup found, or "-" with not_found.
  std::string lpm(rtm::EntityHandle e, const char* address,
                  rtm::ViewSet views = rtm::kViewMaskUnicast) {
    rtm::DestInfo di;
    errc r = rtm().get_most_specific_destination(e, P(address), rtm::kBestProtocol, views, &di);
    if (r == errc::not_found) return "-";
    EXPECT_EQ(r, errc::ok);
    std::string s = di.address.to_string();
    EXPECT_EQ(rtm().release_dest_info(e, di), errc::ok);
    return s;
  }
  std::string less(rtm::EntityHandle e, const char* prefix) {
    rtm::DestInfo start;
    EXPECT_EQ(rtm().get_exact_match_destination(e, P(prefix), rtm::kBestProtocol,
                                                rtm::kViewMaskAny, &start),
              errc::ok);
    rtm::DestInfo di;
    errc r = rtm().get_less_specific_destination(e, start.dest, rtm::kBestProtocol,
                                                 rtm::kViewMaskUnicast, &di);
    EXPECT_EQ(rtm().release_dest_info(e, start), errc::ok);
    if (r == errc::not_found) return "-";
    EXPECT_EQ(r, errc::ok);
    std::string s = di.address.to_string();
    EXPECT_EQ(rtm().release_dest_info(e, di), errc::ok);
    return s;
  }
};

TEST_F(LookupTest, LongestPrefixMatchOnNestedIpv4Prefixes) {
  for (const char* p : {"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32",
                        "10.1.128.0/17"})
    ASSERT_EQ(add(a_, p, 10), errc::ok);
  EXPECT_EQ(lpm(a_, "10.1.2.3"), "10.1.2.3/32");
  EXPECT_EQ(lpm(a_, "10.1.2.4"), "10.1.2.0/24");
  EXPECT_EQ(lpm(a_, "10.1.3.1"), "10.1.0.0/16");
  EXPECT_EQ(lpm(a_, "10.1.200.1"), "10.1.128.0/17");
  EXPECT_EQ(lpm(a_, "10.2.0.1"), "10.0.0.0/8");
  EXPECT_EQ(lpm(a_, "11.0.0.1"), "0.0.0.0/0");
  EXPECT_EQ(lpm(a_, "10.1.2.0/24"), "10.1.2.0/24") << "a prefix as the key";
  EXPECT_EQ(lpm(a_, "10.1.2.0/23"), "10.1.0.0/16");
}

TEST_F(LookupTest, LongestPrefixMatchOnNestedIpv6Prefixes) {
  for (const char* p : {"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64",
                        "2001:db8:1:2::1/128", "::/0"})
    ASSERT_EQ(add(v6_, p, 10), errc::ok);
  EXPECT_EQ(lpm(v6_, "2001:db8:1:2::1"), "2001:db8:1:2::1/128");
  EXPECT_EQ(lpm(v6_, "2001:db8:1:2::2"), "2001:db8:1:2::/64");
  EXPECT_EQ(lpm(v6_, "2001:db8:1:3::1"), "2001:db8:1::/48");
  EXPECT_EQ(lpm(v6_, "2001:db8:ffff::1"), "2001:db8::/32");
  EXPECT_EQ(lpm(v6_, "2002::1"), "::/0");
}

TEST_F(LookupTest, LongestPrefixMatchMissesWithoutACoveringRoute) {
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  EXPECT_EQ(lpm(a_, "11.0.0.1"), "-");
  EXPECT_EQ(lpm(a_, "10.9.9.9"), "10.0.0.0/8");
  EXPECT_EQ(lpm(v6_, "2001:db8::1"), "-") << "families are separate tables";
}

TEST_F(LookupTest, LongestPrefixMatchHonoursViews) {
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10, 0, nullptr, rtm::kViewMaskUnicast), errc::ok);
  ASSERT_EQ(add(a_, "10.1.0.0/16", 10, 0, nullptr, rtm::kViewMaskMulticast), errc::ok);
  EXPECT_EQ(lpm(a_, "10.1.0.1", rtm::kViewMaskUnicast), "10.0.0.0/8")
      << "the /16 has no unicast route";
  EXPECT_EQ(lpm(a_, "10.1.0.1", rtm::kViewMaskMulticast), "10.1.0.0/16");
  rtm::DestInfo di;
  EXPECT_EQ(rtm().get_most_specific_destination(a_, P("10.1.0.1"), rtm::kBestProtocol, 0x4, &di),
            errc::invalid_parameter)
      << "a view outside the caller's profile";
}

TEST_F(LookupTest, LessSpecificWalksUpTheCoveringChain) {
  for (const char* p : {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}) ASSERT_EQ(add(a_, p, 10), errc::ok);
  EXPECT_EQ(less(a_, "10.1.2.0/24"), "10.1.0.0/16");
  EXPECT_EQ(less(a_, "10.1.0.0/16"), "10.0.0.0/8");
  EXPECT_EQ(less(a_, "10.0.0.0/8"), "-");
}

TEST_F(LookupTest, ExactMatchNeedsTheExactPrefix) {
  ASSERT_EQ(add(a_, "10.1.0.0/16", 10), errc::ok);
  rtm::DestInfo di;
  EXPECT_EQ(rtm().get_exact_match_destination(a_, P("10.1.0.0/17"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, &di),
            errc::not_found);
  EXPECT_EQ(outstanding(a_).total(), 0) << "nothing referenced on not_found";
  ASSERT_EQ(rtm().get_exact_match_destination(a_, P("10.1.0.0/16"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, &di),
            errc::ok);
  EXPECT_EQ(di.address, P("10.1.0.0/16"));
  EXPECT_NE(di.last_changed, 0u);
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
  EXPECT_EQ(rtm().get_exact_match_destination(a_, P("10.1.0.0/16"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, nullptr),
            errc::invalid_parameter);
}

TEST_F(LookupTest, ExactMatchRouteWithMatchFlags) {
  rtm::RouteHandle ra = add_held(a_, "10.0.0.0/8", 10, 1);
  rtm::RouteHandle rb = add_held(b_, "10.0.0.0/8", 20, 2);
  rtm::RouteInfo crit;
  rtm::RouteHandle found;
  ASSERT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/8"), rtm::kMatchNone, &crit, 0,
                                        rtm::kViewMaskAny, &found),
            errc::ok);
  EXPECT_EQ(found, ra) << "no criteria: the best route";
  EXPECT_EQ(crit.owner, a_);
  EXPECT_EQ(rtm().release_route_info(a_, crit), errc::ok);
  release(a_, found);

  crit = {};
  crit.owner = b_;
  ASSERT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/8"), rtm::kMatchOwner, &crit, 0,
                                        rtm::kViewMaskAny, &found, /*fill_info=*/false),
            errc::ok);
  EXPECT_EQ(found, rb);
  release(a_, found);

  crit = {};
  crit.pref = {2, 20};
  ASSERT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/8"), rtm::kMatchPref, &crit, 0,
                                        rtm::kViewMaskAny, &found, false),
            errc::ok);
  EXPECT_EQ(found, rb);
  release(a_, found);

  crit.pref = {3, 20};
  EXPECT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/8"), rtm::kMatchPref, &crit, 0,
                                        rtm::kViewMaskAny, &found, false),
            errc::not_found);
  EXPECT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/9"), rtm::kMatchNone, &crit, 0,
                                        rtm::kViewMaskAny, &found, false),
            errc::not_found);
  EXPECT_EQ(rtm().get_exact_match_route(a_, P("10.0.0.0/8"), rtm::kMatchNone, &crit, 0,
                                        rtm::kViewMaskAny, nullptr, false),
            errc::invalid_parameter);
  remove(a_, ra);
  remove(b_, rb);
}

// The longest-prefix match (the IPv4 forwarding index) against a brute-force model:
// random nested prefixes of every length are added and deleted, and after
// each step random addresses are looked up both ways.
TEST_F(LookupTest, LongestPrefixMatchAgreesWithABruteForceModelUnderAddsAndDeletes) {
  std::mt19937 rng(12345);
  std::vector<rtm::NetAddress> pool;
  for (int i = 0; i < 64; ++i) {
    const unsigned len = rng() % 33;
    // Keep them nested: all under 10.0.0.0/8 most of the time.
    std::uint32_t addr = (rng() % 4 == 0) ? static_cast<std::uint32_t>(rng())
                                          : (10u << 24) | (rng() & 0x00FF0FFFu);
    addr = len == 0 ? 0 : addr & (0xFFFFFFFFu << (32 - len));
    pool.push_back(rtm::NetAddress::ipv4(addr, len));
  }
  std::vector<rtm::RouteHandle> held(pool.size());
  auto model = [&](const rtm::NetAddress& a) -> std::string {
    int best = -1;
    for (std::size_t i = 0; i < pool.size(); ++i)
      if (held[i] && pool[i].covers(a) &&
          (best < 0 || pool[i].length() > pool[static_cast<std::size_t>(best)].length()))
        best = static_cast<int>(i);
    return best < 0 ? "-" : pool[static_cast<std::size_t>(best)].to_string();
  };
  for (int step = 0; step < 400; ++step) {
    const std::size_t i = rng() % pool.size();
    if (held[i]) {
      remove(a_, held[i]);
      held[i] = {};
    } else if (std::find_if(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(i),
                            [&](const rtm::NetAddress& p) { return p == pool[i]; }) ==
               pool.begin() + static_cast<std::ptrdiff_t>(i)) {  // first copy only
      rtm::RouteInfo ri;
      rtm::RouteChangeFlags f = 0;
      ASSERT_EQ(rtm().add_route(a_, &held[i], pool[i], ri, rtm::kInfinite, &f), errc::ok);
    }
    for (int k = 0; k < 20; ++k) {
      std::uint32_t probe = static_cast<std::uint32_t>(rng());
      if (k % 2 == 0) {  // near a pool prefix
        const auto& p = pool[rng() % pool.size()];
        probe = (static_cast<std::uint32_t>(p.bytes()[0]) << 24 |
                 static_cast<std::uint32_t>(p.bytes()[1]) << 16 |
                 static_cast<std::uint32_t>(p.bytes()[2]) << 8 | p.bytes()[3]) ^
                (p.length() == 32 ? 0u
                                  : static_cast<std::uint32_t>(rng()) & (0xFFFFFFFFu >> p.length()));
      }
      const rtm::NetAddress a = rtm::NetAddress::ipv4(probe, 32);
      ASSERT_EQ(lpm(a_, a.to_string().c_str()), model(a)) << "step " << step << " " << a.to_string();
    }
  }
  for (std::size_t i = 0; i < pool.size(); ++i)
    if (held[i]) remove(a_, held[i]);
}

// Most- and less-specific lookups against a brute-force model through every
// way longest_match (core/dest_table.cpp) can go: the forwarding index of
// one view, the deepest of two views' indexes, the per-length search (a
// view without an index, no index at all), in both families. Routes are in
// unicast, multicast or both; prefixes are nested truncations of a few
// seed addresses (from /8), probes are near the seeds.
TEST_F(LookupTest, LongestMatchAgreesWithAModelWithAndWithoutTheForwardingIndex) {
  std::mt19937 rng(2718);
  const rtm::ViewSet both = rtm::kViewMaskUnicast | rtm::kViewMaskMulticast;
  for (const rtm::ViewSet fwd : {rtm::kViewMaskUnicast, both, rtm::kViewMaskMulticast, rtm::kViewMaskNone}) {
    for (const rtm::Family fam : {rtm::Family::ipv4, rtm::Family::ipv6}) {
      SCOPED_TRACE("forwarding views " + std::to_string(fwd) + (fam == rtm::Family::ipv4 ? " ipv4" : " ipv6"));
      const unsigned width = rtm::family_bits(fam);
      rtm::InstanceOptions o;
      o.forwarding_views = fwd;
      rtm::Instance inst(o);
      rtm::EntityHandle e;
      ASSERT_EQ(inst.register_entity({0, fam, 14, 1}, {}, &e), errc::ok);
      std::uint8_t seeds[4][16];
      for (auto& s : seeds)
        for (auto& b : s) b = static_cast<std::uint8_t>(rng());
      std::vector<rtm::NetAddress> pool;
      while (pool.size() < 48) {
        // From /8: an index write of a /0 stores 2^24 entries (hundreds of ms).
        const auto p = rtm::NetAddress::make_masked(fam, seeds[rng() % 4], 8 + rng() % (width - 7));
        if (std::find(pool.begin(), pool.end(), p) == pool.end()) pool.push_back(p);
      }
      std::vector<rtm::RouteHandle> held(pool.size());
      std::vector<rtm::ViewSet> in(pool.size());
      // The longest held prefix covering `a` no longer than max_len in `views`.
      auto model = [&](const rtm::NetAddress& a, unsigned max_len, rtm::ViewSet views) -> std::string {
        int best = -1;
        for (std::size_t i = 0; i < pool.size(); ++i)
          if (held[i] && (in[i] & views) && pool[i].length() <= max_len && pool[i].covers(a) &&
              (best < 0 || pool[i].length() > pool[static_cast<std::size_t>(best)].length()))
            best = static_cast<int>(i);
        return best < 0 ? "-" : pool[static_cast<std::size_t>(best)].to_string();
      };
      auto answer = [&](errc r, rtm::DestInfo& di) -> std::string {
        if (r == errc::not_found) return "-";
        EXPECT_EQ(r, errc::ok);
        std::string s = di.address.to_string();
        EXPECT_EQ(inst.release_dest_info(e, di), errc::ok);
        return s;
      };
      for (int step = 0; step < 300; ++step) {
        const std::size_t i = rng() % pool.size();
        rtm::RouteChangeFlags f = 0;
        if (held[i]) {
          ASSERT_EQ(inst.delete_route(e, held[i], &f), errc::ok);
          ASSERT_EQ(inst.release_routes(e, {&held[i], 1}), errc::ok);
          held[i] = {};
        } else {
          rtm::RouteInfo ri;
          in[i] = rtm::ViewSet{1} + rng() % 3;  // unicast, multicast or both
          ri.views = in[i];
          ASSERT_EQ(inst.add_route(e, &held[i], pool[i], ri, rtm::kInfinite, &f), errc::ok);
        }
        for (int k = 0; k < 8; ++k) {
          std::uint8_t bytes[16];
          const auto& seed = seeds[rng() % 4];
          std::copy(std::begin(seed), std::end(seed), bytes);
          for (unsigned bit = rng() % (width + 1); bit < width; ++bit)  // random below a depth
            if (rng() & 1) bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
          const auto a = rtm::NetAddress::make_masked(fam, bytes, width);
          const rtm::ViewSet views = rtm::ViewSet{1} + rng() % 3;
          rtm::DestInfo di;
          ASSERT_EQ(answer(inst.get_most_specific_destination(e, a, rtm::kBestProtocol, views, &di), di),
                    model(a, width, views))
              << "step " << step << " most specific " << a.to_string() << " views " << views;
        }
        // Less specific, from a held destination.
        const std::size_t j = rng() % pool.size();
        if (!held[j] || pool[j].length() == 0) continue;
        rtm::DestInfo start, di;
        ASSERT_EQ(inst.get_exact_match_destination(e, pool[j], rtm::kBestProtocol, rtm::kViewMaskAny, &start),
                  errc::ok);
        const rtm::ViewSet views = rtm::ViewSet{1} + rng() % 3;
        const errc r = inst.get_less_specific_destination(e, start.dest, rtm::kBestProtocol, views, &di);
        EXPECT_EQ(inst.release_dest_info(e, start), errc::ok);
        ASSERT_EQ(answer(r, di), model(pool[j], pool[j].length() - 1, views))
            << "step " << step << " less specific than " << pool[j].to_string() << " views " << views;
      }
      for (std::size_t i = 0; i < pool.size(); ++i) {
        if (!held[i]) continue;
        rtm::RouteChangeFlags f = 0;
        EXPECT_EQ(inst.delete_route(e, held[i], &f), errc::ok);
        EXPECT_EQ(inst.release_routes(e, {&held[i], 1}), errc::ok);
      }
      EXPECT_EQ(inst.deregister_entity(e), errc::ok);
    }
  }
}

// The index lags the RIB inside a writer's critical section: a deleter
// parked after publishing the route set without its route, before its index
// write (the "forwarding.update" hook), still has its prefix in the index.
// A most-specific lookup then finds the destination without a route and
// answers from the per-length search (L4 of core/dest_table.cpp).
TEST_F(LookupTest, MostSpecificFallsBackWhenTheIndexStillHasADeletedRoute) {
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  rtm::RouteHandle r24;
  ASSERT_EQ(add(a_, "10.1.2.0/24", 10, 0, &r24), errc::ok);
  {
    HookParker park("forwarding.update");
    std::thread deleter([&] {
      rtm::RouteChangeFlags f = 0;
      EXPECT_EQ(rtm().delete_route(a_, r24, &f), errc::ok);
    });
    park.wait_arrived();
    EXPECT_EQ(lpm(a_, "10.1.2.3"), "10.0.0.0/8");
    EXPECT_EQ(lpm(a_, "10.1.3.3"), "10.0.0.0/8");
    park.release();
    deleter.join();
  }
  release(a_, r24);
  EXPECT_EQ(lpm(a_, "10.1.2.3"), "10.0.0.0/8");
}

// ---- InstanceOptions::ipv4_buckets / ipv6_buckets ---------------------------------------

// A map with 16 buckets and thousands of destinations: every list is long,
// so inserts, finds and removals land before, between and after other
// nodes of the same list.
TEST(MapBuckets, ATableFarLargerThanItsBucketsAnswersEveryLookup) {
  rtm::Instance inst(small_maps(16));
  rtm::EntityHandle e4, e6;
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e4), errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv6, 14, 1}, {}, &e6), errc::ok);
  std::vector<rtm::NetAddress> prefixes;
  for (std::uint32_t i = 0; i < 3000; ++i)
    prefixes.push_back(rtm::NetAddress::ipv4(0x0A000000u + (i << 8), 24));
  for (std::uint32_t i = 0; i < 1000; ++i) {
    std::uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, static_cast<std::uint8_t>(i >> 8),
                          static_cast<std::uint8_t>(i)};
    rtm::NetAddress a;
    ASSERT_EQ(rtm::NetAddress::make(rtm::Family::ipv6, b, 48, &a), errc::ok);
    prefixes.push_back(a);
  }
  auto entity_for = [&](const rtm::NetAddress& p) {
    return p.family() == rtm::Family::ipv4 ? e4 : e6;
  };
  for (const auto& p : prefixes) {
    rtm::RouteInfo ri;
    ri.pref = {0, 10};
    ri.views = rtm::kViewMaskUnicast;
    rtm::RouteChangeFlags flags = 0;
    ASSERT_EQ(inst.add_route(entity_for(p), nullptr, p, ri, rtm::kInfinite, &flags), errc::ok);
  }
  EXPECT_EQ(inst.dest_count(rtm::Family::ipv4), 3000u);
  EXPECT_EQ(inst.dest_count(rtm::Family::ipv6), 1000u);
  // Delete every other one, in a shuffled order.
  std::vector<std::size_t> order(prefixes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (std::size_t i : order) {
    if (i % 2 == 0) continue;
    rtm::DestInfo di;
    const auto& p = prefixes[i];
    ASSERT_EQ(inst.get_exact_match_destination(entity_for(p), p, rtm::kBestProtocol,
                                               rtm::kViewMaskUnicast, &di),
              errc::ok);
    ASSERT_EQ(di.number_of_views, 1u);
    ASSERT_EQ(inst.delete_route(entity_for(p), di.views[0].route, nullptr), errc::ok);
    ASSERT_EQ(inst.release_dest_info(entity_for(p), di), errc::ok);
  }
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const auto& p = prefixes[i];
    rtm::DestInfo di;
    const errc r = inst.get_exact_match_destination(entity_for(p), p, rtm::kBestProtocol,
                                                    rtm::kViewMaskUnicast, &di);
    if (i % 2 == 1) {
      EXPECT_EQ(r, errc::not_found) << p.to_string() << " was deleted";
      continue;
    }
    ASSERT_EQ(r, errc::ok) << p.to_string();
    EXPECT_EQ(di.address, p);
    EXPECT_EQ(inst.release_dest_info(entity_for(p), di), errc::ok);
    // An address inside it finds it as its longest match.
    std::uint8_t host[16];
    std::memcpy(host, p.bytes(), 16);
    host[p.family() == rtm::Family::ipv4 ? 3 : 15] = 7;
    ASSERT_EQ(inst.get_most_specific_destination(
                  entity_for(p), rtm::NetAddress::make_masked(p.family(), host, 128),
                  rtm::kBestProtocol, rtm::kViewMaskUnicast, &di),
              errc::ok);
    EXPECT_EQ(di.address, p);
    EXPECT_EQ(inst.release_dest_info(entity_for(p), di), errc::ok);
  }
  EXPECT_EQ(inst.dest_count(rtm::Family::ipv4), 1500u);
  EXPECT_EQ(inst.dest_count(rtm::Family::ipv6), 500u);
}

TEST(MapBuckets, MoreThanTwoToTheTwentyEightIsRefused) {
  rtm::InstanceOptions v4;
  v4.ipv4_buckets = (1u << 28) + 1;
  EXPECT_THROW(rtm::Instance{v4}, std::invalid_argument);
  rtm::InstanceOptions v6;
  v6.ipv6_buckets = (1u << 28) + 1;
  EXPECT_THROW(rtm::Instance{v6}, std::invalid_argument);
  EXPECT_NO_THROW(rtm::Instance{small_maps(0)}) << "too few is rounded up to 16";
}
