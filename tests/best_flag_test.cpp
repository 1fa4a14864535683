// kRouteChangeBest means what a BEST change notification means (issue 12,
// defect 13): another route became best, the best route went, or the best
// route's own attributes changed. The flag is set exactly when a BEST
// registration covering the view receives the destination.
#include <map>
#include <random>
#include <string>
#include <utility>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

class BestFlagTest : public RtmTest {
 protected:
  rtm::NotifyHandle reg_best(rtm::EntityHandle e, rtm::ViewSet views = rtm::kViewMaskAny) {
    rtm::NotifyHandle n;
    EXPECT_EQ(rtm().register_for_change_notification(e, views, rtm::kChangeTypeBest, nullptr, &n),
              errc::ok);
    return n;
  }
  // The prefixes queued for registration n (of e) since the last drain.
  std::vector<std::string> drain(rtm::EntityHandle e, rtm::NotifyHandle n) {
    std::vector<std::string> got;
    for (;;) {
      rtm::DestInfo infos[4];
      std::uint32_t c = 4;
      const errc r = rtm().get_changed_dests(e, n, &c, infos);
      EXPECT_TRUE(r == errc::ok || r == errc::no_more_items) << rtm::to_string(r);
      for (std::uint32_t i = 0; i < c; ++i) got.push_back(infos[i].address.to_string());
      if (c > 0) {
        EXPECT_EQ(rtm().release_changed_dests(e, n, {infos, c}), errc::ok);
      }
      if (r != errc::ok) break;
    }
    return got;
  }
  rtm::RouteChangeFlags update(rtm::EntityHandle e, const char* prefix, std::uint32_t pref,
                               std::uint32_t metric, rtm::ViewSet views = rtm::kViewMaskUnicast) {
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(add(e, prefix, pref, metric, nullptr, views, &f), errc::ok);
    return f;
  }
};

TEST_F(BestFlagTest, UniqueBestRouteMetricUpdateIsABestChange) {
  const auto n = reg_best(b_);
  EXPECT_NE(update(a_, "10.0.0.0/8", 10, 1) & rtm::kRouteChangeBest, 0u) << "first route: best";
  EXPECT_EQ(drain(b_, n), std::vector<std::string>{"10.0.0.0/8"});
  // The same peer updates its route, still the unique best, with a new metric.
  const rtm::RouteChangeFlags f = update(a_, "10.0.0.0/8", 10, 2);
  EXPECT_EQ(f & rtm::kRouteChangeNew, 0u) << "an update, not a new route";
  EXPECT_NE(f & rtm::kRouteChangeBest, 0u) << "the best route's own attributes changed";
  EXPECT_EQ(drain(b_, n), std::vector<std::string>{"10.0.0.0/8"}) << "and BEST was notified";
  rtm::RouteHandle h;
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10, 2, &h), errc::ok);
  (void)drain(b_, n);
  rtm::RouteChangeFlags df = 0;
  ASSERT_EQ(rtm().delete_route(a_, h, &df), errc::ok);
  EXPECT_NE(df & rtm::kRouteChangeBest, 0u) << "the best route went";
  EXPECT_EQ(drain(b_, n), std::vector<std::string>{"10.0.0.0/8"});
  release(a_, h);
}

TEST_F(BestFlagTest, NonBestRouteUpdateIsNoBestChange) {
  const auto n = reg_best(b_);
  update(a_, "10.0.0.0/8", 10, 1);
  update(b_, "10.0.0.0/8", 20, 1);  // worse preference
  (void)drain(b_, n);
  const rtm::RouteChangeFlags f = update(b_, "10.0.0.0/8", 20, 5);
  EXPECT_EQ(f & rtm::kRouteChangeBest, 0u);
  EXPECT_TRUE(drain(b_, n).empty()) << "a BEST-only registration hears nothing";
  rtm::RouteHandle hb;
  ASSERT_EQ(add(b_, "10.0.0.0/8", 20, 5, &hb), errc::ok);
  (void)drain(b_, n);
  rtm::RouteChangeFlags df = 0;
  ASSERT_EQ(rtm().delete_route(b_, hb, &df), errc::ok);
  EXPECT_EQ(df & rtm::kRouteChangeBest, 0u) << "a non-best route went";
  EXPECT_TRUE(drain(b_, n).empty());
  release(b_, hb);
}

TEST_F(BestFlagTest, UpdateAndUnlockOfTheBestRouteIsABestChange) {
  const auto n = reg_best(b_);
  rtm::RouteHandle h = add_held(a_, "10.0.0.0/8", 10, 1);
  (void)drain(b_, n);
  ASSERT_EQ(rtm().lock_route(a_, h, true, true), errc::ok);
  rtm::RouteInfo ri;
  ri.pref = {7, 10};
  ri.views = rtm::kViewMaskUnicast;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(rtm().update_and_unlock_route(a_, h, ri, rtm::kInfinite, {}, &f), errc::ok);
  EXPECT_NE(f & rtm::kRouteChangeBest, 0u);
  EXPECT_EQ(drain(b_, n), std::vector<std::string>{"10.0.0.0/8"});
  remove(a_, h);
}

// A random walk of adds, updates (add_route and update_and_unlock_route)
// and deletes by three entities over two destinations and two views, with
// few preference values (ties, best changes, non-best updates, view moves).
// After every call the flag must agree with whether the BEST registration
// (all views) received the destination. Fixed seed: reproducible.
TEST_F(BestFlagTest, RandomWalkFlagMatchesBestNotification) {
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 7, 1}, {}, &c), errc::ok);
  const rtm::EntityHandle es[3] = {a_, b_, c};
  const char* prefixes[2] = {"10.0.0.0/8", "10.1.0.0/16"};
  const rtm::ViewSet view_sets[3] = {rtm::kViewMaskUnicast, rtm::kViewMaskMulticast,
                                     rtm::kViewMaskUnicast | rtm::kViewMaskMulticast};
  const auto n = reg_best(b_);
  std::map<std::pair<int, int>, rtm::RouteHandle> held;  // (entity, prefix) -> route
  std::mt19937 rng(12);
  int best_changes = 0, quiet = 0;
  for (int step = 0; step < 3000; ++step) {
    const int ei = static_cast<int>(rng() % 3), pi = static_cast<int>(rng() % 2);
    const auto key = std::pair{ei, pi};
    const auto it = held.find(key);
    rtm::RouteChangeFlags f = 0;
    const unsigned op = rng() % 4;
    std::string what;
    if (it != held.end() && op == 0) {
      what = "delete";
      ASSERT_EQ(rtm().delete_route(es[ei], it->second, &f), errc::ok);
      release(es[ei], it->second);
      held.erase(it);
    } else {
      rtm::RouteInfo ri;
      ri.pref = {static_cast<std::uint32_t>(rng() % 3), static_cast<std::uint32_t>(rng() % 3)};
      ri.views = view_sets[rng() % 3];
      if (it != held.end() && op == 1) {
        what = "update_and_unlock";
        ASSERT_EQ(rtm().lock_route(es[ei], it->second, true, true), errc::ok);
        ASSERT_EQ(rtm().update_and_unlock_route(es[ei], it->second, ri, rtm::kInfinite, {}, &f),
                  errc::ok);
      } else {
        what = it == held.end() ? "add" : "update";
        rtm::RouteHandle h;
        ASSERT_EQ(rtm().add_route(es[ei], it == held.end() ? &h : nullptr, P(prefixes[pi]), ri,
                                  rtm::kInfinite, &f),
                  errc::ok);
        if (it == held.end()) held[key] = h;
      }
    }
    const std::vector<std::string> got = drain(b_, n);
    const bool flagged = (f & rtm::kRouteChangeBest) != 0;
    const bool notified = !got.empty();
    ASSERT_EQ(flagged, notified) << "step " << step << ": " << what << " by entity " << ei
                                 << " of " << prefixes[pi];
    if (notified) {
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0], prefixes[pi]);
    }
    (flagged ? best_changes : quiet)++;
  }
  EXPECT_GT(best_changes, 100);
  EXPECT_GT(quiet, 100) << "the walk also makes changes that are not BEST";
  for (const auto& [key, h] : held) remove(es[key.first], h);
  EXPECT_EQ(rtm().deregister_entity(c), errc::ok);
}

}  // namespace
