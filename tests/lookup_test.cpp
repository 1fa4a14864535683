// Lookups: exact, most specific (LPM) on nested prefixes in both families,
// less specific, exact-match route with match flags.
#include <algorithm>
#include <random>

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

// The longest-prefix fast path (the IPv4 index) against a brute-force model:
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
