// Change notification (ctest label "notify"): coalescing, filters per change
// type and view, marked-only registrations, the pre-referenced infos and
// their one release, deregistration with queued and held entries.
#include <set>
#include <string>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

class NotifyTest : public RtmTest {
 protected:
  rtm::NotifyHandle reg(rtm::EntityHandle e, rtm::NotifyFlags flags,
                        rtm::ViewSet views = rtm::kViewMaskUnicast) {
    rtm::NotifyHandle n;
    EXPECT_EQ(rtm().register_for_change_notification(e, views, flags, nullptr, &n), errc::ok);
    return n;
  }
  // Drains the queue (batches of `batch`); returns the prefixes in order of
  // delivery and checks the ok / no_more_items protocol.
  std::vector<std::string> drain(rtm::EntityHandle e, rtm::NotifyHandle n,
                                 std::uint32_t batch = 4) {
    std::vector<std::string> got;
    for (int guard = 0; guard < 1000; ++guard) {
      std::vector<rtm::DestInfo> infos(batch);
      std::uint32_t c = batch;
      const errc r = rtm().get_changed_dests(e, n, &c, infos.data());
      EXPECT_TRUE(r == errc::ok || r == errc::no_more_items) << rtm::to_string(r);
      EXPECT_LE(c, batch);
      for (std::uint32_t i = 0; i < c; ++i) got.push_back(infos[i].address.to_string());
      if (c > 0) {
        EXPECT_EQ(rtm().release_changed_dests(e, n, {infos.data(), c}), errc::ok);
      }
      if (r != errc::ok) break;
      EXPECT_EQ(c, batch) << "ok means more remain: the batch was full";
    }
    return got;
  }
  rtm::DestHandle dest_of(const char* prefix) {
    rtm::DestInfo di;
    EXPECT_EQ(rtm().get_exact_match_destination(a_, P(prefix), rtm::kBestProtocol,
                                                rtm::kViewMaskAny, &di),
              errc::ok);
    const rtm::AnyHandle keep = di.dest.value;
    EXPECT_EQ(rtm().reference_handles(a_, {&keep, 1}), errc::ok);
    EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
    return di.dest;  // referenced by a_; give back with unref()
  }
  void unref(rtm::DestHandle d) {
    const rtm::AnyHandle v = d.value;
    EXPECT_EQ(rtm().dereference_handles(a_, {&v, 1}), errc::ok);
  }
};

TEST_F(NotifyTest, EmptyQueueAnswersNoMoreItemsWithZeroInfos) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  rtm::DestInfo di[2];
  std::uint32_t c = 2;
  EXPECT_EQ(rtm().get_changed_dests(b_, n, &c, di), errc::no_more_items);
  EXPECT_EQ(c, 0u);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, AChangedDestinationIsQueuedOnceAndReadInItsLatestState) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 30), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 20), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10, 5), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10), errc::ok);
  rtm::DestInfo di[4];
  std::uint32_t c = 4;
  ASSERT_EQ(rtm().get_changed_dests(b_, n, &c, di), errc::no_more_items)
      << "the last batch comes with no_more_items";
  ASSERT_EQ(c, 2u) << "three changes of 10/8 coalesced into one entry";
  EXPECT_EQ(di[0].address, P("10.0.0.0/8"));
  EXPECT_EQ(di[0].changed_by, n);
  rtm::RouteInfo ri;
  ASSERT_EQ(rtm().get_route_info(b_, di[0].views[0].route, &ri, nullptr), errc::ok);
  EXPECT_EQ(ri.pref.preference, 10u) << "the info reflects the latest state";
  EXPECT_EQ(ri.pref.metric, 5u);
  EXPECT_EQ(rtm().release_route_info(b_, ri), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {di, c}), errc::ok);
  // A change after the dequeue is queued again.
  ASSERT_EQ(add(a_, "10.0.0.0/8", 11), errc::ok);
  EXPECT_EQ(drain(b_, n), (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, BatchesReturnOkWhileMoreRemain) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  for (int i = 0; i < 5; ++i) {
    const std::string p = std::to_string(10 + i) + ".0.0.0/8";
    ASSERT_EQ(add(a_, p.c_str(), 10), errc::ok);
  }
  const auto got = drain(b_, n, 2);
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 5u) << "no duplicates";
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, BestFilterIgnoresChangesThatLeaveTheBestRouteAlone) {
  auto all = reg(b_, rtm::kChangeTypeAll);
  auto best = reg(b_, rtm::kChangeTypeBest);
  auto fwd = reg(b_, rtm::kChangeTypeForwarding);
  rtm::RouteHandle good = add_held(a_, "10.0.0.0/8", 10);
  EXPECT_EQ(drain(b_, all).size(), 1u);
  EXPECT_EQ(drain(b_, best).size(), 1u) << "a first route is a best-route change";
  EXPECT_EQ(drain(b_, fwd).size(), 1u) << "and a forwarding change";
  ASSERT_EQ(add(b_, "10.0.0.0/8", 50), errc::ok);  // a worse route
  EXPECT_EQ(drain(b_, all).size(), 1u);
  EXPECT_TRUE(drain(b_, best).empty()) << "the best route did not change";
  EXPECT_TRUE(drain(b_, fwd).empty());
  // The best route's metric changes: a best change, not a forwarding one
  // (same next hops, same forwarding flags).
  rtm::RouteInfo ri;
  ri.pref = {7, 10};
  rtm::RouteChangeFlags f = 0;
  rtm::RouteHandle in = good;
  ASSERT_EQ(rtm().add_route(a_, &in, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  EXPECT_EQ(drain(b_, all).size(), 1u);
  EXPECT_EQ(drain(b_, best).size(), 1u);
  EXPECT_TRUE(drain(b_, fwd).empty());
  // Forwarding flags of the best route change: a forwarding change.
  ri.flags = rtm::kRouteFlagDiscard;
  ASSERT_EQ(rtm().add_route(a_, &in, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  EXPECT_EQ(drain(b_, fwd).size(), 1u);
  remove(a_, good);
  for (auto n : {all, best, fwd}) EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, TargetViewsFilterChanges) {
  auto multi = reg(b_, rtm::kChangeTypeAll, rtm::kViewMaskMulticast);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10, 0, nullptr, rtm::kViewMaskUnicast), errc::ok);
  EXPECT_TRUE(drain(b_, multi).empty()) << "a unicast-only change";
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10, 0, nullptr, rtm::kViewMaskMulticast), errc::ok);
  EXPECT_EQ(drain(b_, multi), (std::vector<std::string>{"11.0.0.0/8"}));
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, multi), errc::ok);
}

TEST_F(NotifyTest, OnlyMarkedDestinationsAreQueuedForAMarkedOnlyRegistration) {
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10), errc::ok);
  auto n = reg(a_, rtm::kChangeTypeAll | rtm::kNotifyOnlyMarkedDests);
  auto plain = reg(a_, rtm::kChangeTypeAll);
  const rtm::DestHandle d10 = dest_of("10.0.0.0/8");
  bool marked = true;
  ASSERT_EQ(rtm().is_marked_for_change_notification(a_, n, d10, &marked), errc::ok);
  EXPECT_FALSE(marked);
  ASSERT_EQ(rtm().mark_dest_for_change_notification(a_, n, d10, true), errc::ok);
  ASSERT_EQ(rtm().is_marked_for_change_notification(a_, n, d10, &marked), errc::ok);
  EXPECT_TRUE(marked);
  EXPECT_EQ(rtm().mark_dest_for_change_notification(a_, plain, d10, true), errc::invalid_parameter)
      << "marking needs an only-marked registration";
  ASSERT_EQ(add(a_, "10.0.0.0/8", 5), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 5), errc::ok);
  EXPECT_EQ(drain(a_, n), (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_EQ(drain(a_, plain).size(), 2u);
  ASSERT_EQ(rtm().mark_dest_for_change_notification(a_, n, d10, false), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 6), errc::ok);
  EXPECT_TRUE(drain(a_, n).empty()) << "unmarked again";
  unref(d10);
  drain(a_, plain);
  EXPECT_EQ(rtm().deregister_from_change_notification(a_, n), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(a_, plain), errc::ok);
}

TEST_F(NotifyTest, ChangedDestInfosRefuseEveryReleaseButReleaseChangedDests) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  rtm::DestInfo di;
  std::uint32_t c = 1;
  ASSERT_EQ(rtm().get_changed_dests(b_, n, &c, &di), errc::no_more_items);
  ASSERT_EQ(c, 1u);
  const rtm::Outstanding held = outstanding(b_);
  EXPECT_EQ(held.dests, 1) << "pre-referenced: the queue's reference moved into the info";
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::invalid_parameter);
  EXPECT_EQ(rtm().release_dests(b_, {&di, 1}), errc::invalid_parameter);
  rtm::DestInfo forged = di;
  forged.changed_by = {};  // hiding where it came from does not help
  EXPECT_EQ(rtm().release_dest_info(b_, forged), errc::invalid_parameter);
  const rtm::AnyHandle dh = di.dest.value;
  EXPECT_EQ(rtm().dereference_handles(b_, {&dh, 1}), errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).total(), held.total()) << "counts untouched by the refusals";
  auto other = reg(b_, rtm::kChangeTypeBest);
  EXPECT_EQ(rtm().release_changed_dests(b_, other, {&di, 1}), errc::invalid_parameter)
      << "released through another registration";
  EXPECT_EQ(rtm().release_changed_dests(a_, n, {&di, 1}), errc::access_denied)
      << "the registration is b's";
  ASSERT_EQ(rtm().release_changed_dests(b_, n, {&di, 1}), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {&di, 1}), errc::invalid_parameter) << "double";
  EXPECT_EQ(outstanding(b_).total(), 0);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, other), errc::ok);
}

TEST_F(NotifyTest, AChangedInfoIsRefusedByReleaseDestInfoEvenWithOrdinaryReferencesHeld) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  rtm::DestInfo changed, plain;
  std::uint32_t c = 1;
  ASSERT_EQ(rtm().get_changed_dests(b_, n, &c, &changed), errc::no_more_items);
  ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &plain),
            errc::ok);
  // The same objects, referenced twice: once as changed, once ordinarily,
  // with the same handle values. The changed info is still refused by the
  // ordinary release, even without changed_by (as the C API sees it): its
  // last_changed carries the mark.
  EXPECT_EQ(changed.dest, plain.dest);
  EXPECT_EQ(changed.last_changed & 1, 1u);
  EXPECT_EQ(plain.last_changed & 1, 0u);
  rtm::DestInfo as_c_sees_it = changed;
  as_c_sees_it.changed_by = {};
  const rtm::Outstanding before = outstanding(b_);
  EXPECT_EQ(rtm().release_dest_info(b_, as_c_sees_it), errc::invalid_parameter);
  EXPECT_EQ(rtm().release_dests(b_, {&as_c_sees_it, 1}), errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).total(), before.total()) << "changes nothing";
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {&plain, 1}), errc::invalid_parameter)
      << "an ordinary info is not a changed one";
  EXPECT_EQ(rtm().release_dest_info(b_, plain), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {&changed, 1}), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, EachRegistrationsInfosAreReleasedThroughThatRegistration) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  auto other = reg(b_, rtm::kChangeTypeBest);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  rtm::DestInfo from_n, from_other;
  std::uint32_t c = 1, c2 = 1;
  ASSERT_EQ(rtm().get_changed_dests(b_, n, &c, &from_n), errc::no_more_items);
  ASSERT_EQ(rtm().get_changed_dests(b_, other, &c2, &from_other), errc::no_more_items);
  ASSERT_EQ(c + c2, 2u);
  EXPECT_EQ(outstanding(b_).dests, 2) << "one queue entry's reference each";
  EXPECT_EQ(rtm().release_changed_dests(b_, other, {&from_n, 1}), errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).dests, 2);
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {&from_n, 1}), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(b_, other, {&from_other, 1}), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, other), errc::ok);
}

TEST_F(NotifyTest, IgnoreChangedDestsAndGetChangeStatus) {
  auto n = reg(b_, rtm::kChangeTypeAll);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10), errc::ok);
  const rtm::DestHandle d10 = dest_of("10.0.0.0/8");
  bool pending = false;
  ASSERT_EQ(rtm().get_change_status(b_, n, d10, &pending), errc::ok);
  EXPECT_TRUE(pending);
  ASSERT_EQ(rtm().ignore_changed_dests(b_, n, {&d10, 1}), errc::ok);
  ASSERT_EQ(rtm().get_change_status(b_, n, d10, &pending), errc::ok);
  EXPECT_FALSE(pending);
  EXPECT_EQ(drain(b_, n), (std::vector<std::string>{"11.0.0.0/8"}));
  // A change after the ignore is delivered.
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(rtm().ignore_changed_dests(b_, n, {&d10, 1}), errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 12), errc::ok);
  EXPECT_EQ(drain(b_, n), (std::vector<std::string>{"10.0.0.0/8"}));
  const rtm::DestHandle bogus{0x1234};
  EXPECT_EQ(rtm().ignore_changed_dests(b_, n, {&bogus, 1}), errc::invalid_handle);
  EXPECT_EQ(rtm().get_change_status(b_, n, d10, nullptr), errc::invalid_parameter);
  unref(d10);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}

TEST_F(NotifyTest, CallbackSignalsEmptyToNonEmptyOnly) {
  std::vector<std::pair<std::uint64_t, void*>> signals;
  rtm::EntityConfig cfg;
  cfg.callback = [&](rtm::EntityHandle, rtm::EventType t, void* c1, void* c2) -> std::uint32_t {
    if (t == rtm::EventType::change_notification)
      signals.emplace_back(reinterpret_cast<std::uintptr_t>(c1), c2);
    return 0;
  };
  rtm::EntityHandle fib;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 90, 1}, cfg, &fib), errc::ok);
  int ctx = 0;
  rtm::NotifyHandle n;
  ASSERT_EQ(rtm().register_for_change_notification(fib, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, &ctx, &n),
            errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(signals.size(), 1u) << "second entry: the queue was not empty";
  EXPECT_EQ(signals[0].first, n.value);
  EXPECT_EQ(signals[0].second, &ctx);
  drain(fib, n);
  ASSERT_EQ(add(a_, "12.0.0.0/8", 10), errc::ok);
  EXPECT_EQ(signals.size(), 2u) << "empty again, then non-empty";
  drain(fib, n);
  EXPECT_EQ(rtm().deregister_from_change_notification(fib, n), errc::ok);
  EXPECT_EQ(rtm().deregister_entity(fib), errc::ok);
}

TEST_F(NotifyTest, TheCallbackMayCallTheApi) {
  rtm::Instance* inst = &rtm();
  rtm::NotifyHandle n;
  std::vector<std::string> seen;
  rtm::EntityConfig cfg;
  rtm::EntityHandle fib;
  cfg.callback = [&](rtm::EntityHandle self, rtm::EventType t, void*, void*) -> std::uint32_t {
    if (t != rtm::EventType::change_notification) return 0;
    rtm::DestInfo di;
    std::uint32_t c = 1;
    const errc r = inst->get_changed_dests(self, n, &c, &di);
    if (r != errc::ok && r != errc::no_more_items) c = 0;
    if (c == 1) {
      seen.push_back(di.address.to_string());
      inst->release_changed_dests(self, n, {&di, 1});
    }
    return 0;
  };
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 91, 1}, cfg, &fib), errc::ok);
  ASSERT_EQ(rtm().register_for_change_notification(fib, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &n),
            errc::ok);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  EXPECT_EQ(seen, (std::vector<std::string>{"10.0.0.0/8"})) << "no lock held: no deadlock";
  EXPECT_EQ(outstanding(fib).total(), 0);
  EXPECT_EQ(rtm().deregister_from_change_notification(fib, n), errc::ok);
  EXPECT_EQ(rtm().deregister_entity(fib), errc::ok);
}

TEST_F(NotifyTest, DeregistrationDropsQueuedEntriesAndKeepsHeldInfosReleasable) {
  const CounterSnapshot snap;
  auto n = reg(b_, rtm::kChangeTypeAll);
  ASSERT_EQ(add(a_, "10.0.0.0/8", 10), errc::ok);
  ASSERT_EQ(add(a_, "11.0.0.0/8", 10), errc::ok);
  rtm::DestInfo di;
  std::uint32_t c = 1;
  ASSERT_EQ(rtm().get_changed_dests(b_, n, &c, &di), errc::ok) << "one more remains";
  ASSERT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::invalid_handle);
  std::uint32_t c2 = 1;
  rtm::DestInfo more;
  EXPECT_EQ(rtm().get_changed_dests(b_, n, &c2, &more), errc::invalid_handle);
  // The held info is still valid and still released the one right way.
  rtm::DestInfo again;
  ASSERT_EQ(rtm().get_dest_info(b_, di.dest, rtm::kBestProtocol, rtm::kViewMaskAny, &again),
            errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, again), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {&di, 1}), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
  // Deleting the routes frees both destinations: the queued entry's
  // reference went with the registration.
  rtm::RouteHandle r;
  rtm::RouteInfo crit;
  for (const char* p : {"10.0.0.0/8", "11.0.0.0/8"}) {
    ASSERT_EQ(rtm().get_exact_match_route(a_, P(p), rtm::kMatchNone, &crit, 0, rtm::kViewMaskAny,
                                          &r, false),
              errc::ok);
    remove(a_, r);
  }
  rtm::reclaim_all();
  EXPECT_EQ(snap.live_delta(rtm::HandleKind::dest), 0);
  EXPECT_EQ(snap.live_delta(rtm::HandleKind::notify), 0);
}

TEST_F(NotifyTest, RegistrationLimitAndArgumentChecks) {
  rtm::NotifyHandle n;
  EXPECT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast, 0, nullptr, &n),
            errc::invalid_parameter)
      << "no change type";
  EXPECT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast, 0x100, nullptr, &n),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, nullptr),
            errc::invalid_parameter);
  std::vector<rtm::NotifyHandle> regs;
  for (int i = 0; i < rtm::kMaxNotifyRegistrations; ++i) regs.push_back(reg(b_, rtm::kChangeTypeAll));
  EXPECT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &n),
            errc::no_system_resources);
  EXPECT_EQ(rtm().register_for_change_notification(v6_, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &n),
            errc::ok)
      << "the limit is per family";
  EXPECT_EQ(rtm().deregister_from_change_notification(v6_, n), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, regs.back()), errc::ok);
  regs.pop_back();
  EXPECT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &n),
            errc::ok)
      << "a freed slot is reused";
  regs.push_back(n);
  for (auto r : regs) EXPECT_EQ(rtm().deregister_from_change_notification(b_, r), errc::ok);
  EXPECT_EQ(rtm().get_changed_dests(a_, regs[0], nullptr, nullptr), errc::invalid_handle);
}
