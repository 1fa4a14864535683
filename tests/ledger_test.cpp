// Per-thread reference ledgers (src/core/ledger_refs.cpp;
// src/detail/ledger.h): one test per trap of docs/design.md's list — fold
// timing and the fold reference, stale entries, cross-thread releases and
// linearizable refusal, deregistration racing Gets, thread exit,
// re-linking. Races are widened with HookParker at the ledger_add,
// fold_ledgers and release_handles hook points, never by sleeping. The
// fixture (RtmTest) checks at teardown that no entity holds a reference
// and that every object was freed.
#include <thread>

#include "core/object.h"
#include "detail/ledger.h"
#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

errc exact(rtm::Instance& inst, rtm::EntityHandle e, const char* prefix, rtm::DestInfo* di) {
  return inst.get_exact_match_destination(e, P(prefix), rtm::kBestProtocol, rtm::kViewMaskAny,
                                          di);
}

std::size_t ledger_count() {
  std::size_t n = 0;
  for (auto* l = rtm::detail::ledger_head(); l != nullptr; l = l->next()) ++n;
  return n;
}

}  // namespace

// A Get that set its ledger's bit in the mask but has not yet read the mode
// under its ledger's lock when the destination is
// removed and freed must not count a reference in its ledger: it reads the
// mode there (L3) and takes the counted path, where the revoked destination
// refuses it.
TEST_F(RtmTest, AGetOvertakenByTheFoldCountsNothingInItsLedger) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  errc got = errc::ok;
  rtm::DestInfo di;
  {
    HookParker park("ledger_add.before_lock");
    std::thread t([&] { got = exact(rtm(), b_, "10.0.0.0/8", &di); });
    park.wait_arrived();  // at the destination's reference
    remove(a_, r);        // its last route: out of the map, folded, revoked
    park.release();
    t.join();
  }
  EXPECT_EQ(got, errc::not_found);
  EXPECT_EQ(outstanding(b_).total(), 0);
}

// While a fold is between (F1) and its visits, the object's primary link is
// still held (the fold reference): references taken before are released
// from the ledger, new ones are counted on the object, and both balance.
TEST_F(RtmTest, ReferencesTakenAndReleasedDuringAFoldBalance) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo before;
  ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &before), errc::ok);  // in b's ledger
  rtm::DestInfo second;
  ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &second), errc::ok);
  {
    HookParker park("fold_ledgers.folding");
    std::thread t([&] { EXPECT_EQ(rtm().delete_route(a_, r, nullptr), errc::ok); });
    park.wait_arrived();  // the destination is folding, not yet visited
    ASSERT_EQ(rtm().release_dest_info(b_, before), errc::ok);  // from the ledger
    rtm::DestInfo during;
    ASSERT_EQ(rtm().get_dest_info(b_, second.dest, rtm::kBestProtocol, rtm::kViewMaskAny,
                                  &during),
              errc::ok)
        << "the fold reference keeps the destination's handle valid";
    EXPECT_EQ(outstanding(b_).dests, 2);
    ASSERT_EQ(rtm().release_dest_info(b_, during), errc::ok);  // counted on the object
    park.release();
    t.join();
  }
  EXPECT_EQ(outstanding(b_).dests, 1) << "one destination reference left";
  const rtm::DestHandle d = second.dest;
  ASSERT_EQ(rtm().release_dest_info(b_, second), errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, second), errc::invalid_parameter);
  release(a_, r);
  rtm::DestInfo gone;
  EXPECT_EQ(rtm().get_dest_info(b_, d, rtm::kBestProtocol, rtm::kViewMaskAny, &gone),
            errc::invalid_handle);
}

// Entries are keyed by the whole handle (with its generation): a release of
// a freed destination's handle is refused even when a new destination of
// the same prefix (perhaps in the same handle slot) is referenced.
TEST_F(RtmTest, AStaleHandleIsRefusedWhenItsPrefixIsReferencedAgain) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo old_info;
  ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &old_info), errc::ok);
  const rtm::DestInfo stale = old_info;
  ASSERT_EQ(rtm().release_dest_info(b_, old_info), errc::ok);
  remove(a_, r);  // the destination is freed
  rtm::RouteHandle again = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo fresh;
  ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &fresh), errc::ok);
  EXPECT_NE(fresh.dest.value, stale.dest.value) << "re-linking makes a new object";
  EXPECT_NE(rtm().release_dest_info(b_, stale), errc::ok);
  EXPECT_EQ(outstanding(b_).dests, 1);
  EXPECT_EQ(rtm().release_dest_info(b_, fresh), errc::ok);
  remove(a_, again);
}

// A reference got on one thread is released on another (the validated
// path); once only.
TEST_F(RtmTest, AReferenceGotOnOneThreadIsReleasedOnAnotherOnce) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  std::thread([&] { ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &di), errc::ok); }).join();
  EXPECT_EQ(outstanding(b_).total(), 3) << "destination, best route, its owner";
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::invalid_parameter) << "not a's";
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, di), errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).total(), 0);
  remove(a_, r);
}

// Two releases of one reference, both on the validated path: exactly one
// succeeds, whichever order they take the locks in.
TEST_F(RtmTest, RacingReleasesOfOneReferenceSucceedOnce) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo di;
  // The getter stays alive, so neither releasing thread adopts its ledger.
  Gate got, done;
  std::thread getter([&] {
    EXPECT_EQ(exact(rtm(), b_, "10.0.0.0/8", &di), errc::ok);
    got.open();
    done.wait();
  });
  got.wait();
  errc first = errc::ok;
  {
    HookParker park("release_handles.validated");
    std::thread t([&] { first = rtm().release_dest_info(b_, di); });
    park.wait_arrived();  // past its own ledger and the hold records, before the snapshot
    EXPECT_EQ(rtm().release_dest_info(b_, di), errc::ok);
    park.release();
    t.join();
  }
  done.open();
  getter.join();
  EXPECT_EQ(first, errc::invalid_parameter);
  EXPECT_EQ(outstanding(b_).total(), 0);
  remove(a_, r);
}

// A release of several handles is all or nothing across ledgers: one
// handle not held leaves every other reference where it was.
TEST_F(RtmTest, AMultiHandleReleaseAcrossLedgersIsAllOrNothing) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::DestInfo here, there;
  ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &here), errc::ok);
  std::thread([&] { ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &there), errc::ok); }).join();
  const rtm::AnyHandle hs[] = {here.dest.value, there.dest.value, there.dest.value};
  EXPECT_EQ(rtm().dereference_handles(b_, hs), errc::invalid_parameter) << "b holds two";
  EXPECT_EQ(outstanding(b_).dests, 2);
  EXPECT_EQ(rtm().dereference_handles(b_, {hs, 2}), errc::ok);
  EXPECT_EQ(outstanding(b_).dests, 0);
  const rtm::AnyHandle rest[] = {here.views[0].route.value, here.views[0].owner.value,
                                 there.views[0].route.value, there.views[0].owner.value};
  EXPECT_EQ(rtm().dereference_handles(b_, rest), errc::ok);
  remove(a_, r);
}

// A Get that passed its caller check when the caller deregisters either
// has its entry swept or sees `registered` false inside its ledger section
// (L3'): parked before the lock, it refuses, and nothing leaks.
TEST_F(RtmTest, AGetRacingItsCallersDeregistrationRefusesOrIsSwept) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 8, 1}, {}, &c), errc::ok);
  errc got = errc::ok;
  rtm::DestInfo di;
  std::int64_t still_held = -1;
  {
    HookParker park("ledger_add.before_lock");
    std::thread t([&] { got = exact(rtm(), c, "10.0.0.0/8", &di); });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(c, &still_held), errc::ok);
    park.release();
    t.join();
  }
  EXPECT_EQ(got, errc::invalid_handle);
  EXPECT_EQ(still_held, 0);
  remove(a_, r);  // the fixture checks every object is freed
}

// References in ledgers (of this thread and of a thread that has exited)
// are the entity's: its deregistration counts and drops them all.
TEST_F(RtmTest, DeregistrationDropsLedgerReferencesOfEveryThread) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 8, 1}, {}, &c), errc::ok);
  rtm::DestInfo mine, theirs;
  ASSERT_EQ(exact(rtm(), c, "10.0.0.0/8", &mine), errc::ok);
  std::thread([&] { ASSERT_EQ(exact(rtm(), c, "10.0.0.0/8", &theirs), errc::ok); }).join();
  rtm::Outstanding o;
  ASSERT_EQ(rtm().outstanding(c, &o), errc::ok);
  EXPECT_EQ(o.dests, 2);
  EXPECT_EQ(o.routes, 2);
  EXPECT_EQ(o.entities, 2);
  std::int64_t still_held = -1;
  ASSERT_EQ(rtm().deregister_entity(c, &still_held), errc::ok);
  EXPECT_EQ(still_held, 6);
  remove(a_, r);  // the fixture checks every object is freed
}

// A thread's ledger outlives it and is adopted by the next thread: threads
// that come and go one after another do not grow the registry, and a
// reference left by one is released by a later one.
TEST_F(RtmTest, AnExitedThreadsLedgerIsAdoptedWithItsReferences) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  std::thread([&] {  // binds a ledger (or adopts one) and exits
    rtm::DestInfo di;
    ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &di), errc::ok);
    ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  }).join();
  const std::size_t before = ledger_count();
  rtm::DestInfo left;
  for (int i = 0; i < 8; ++i) {
    std::thread([&, i] {
      if (i == 0) {
        ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &left), errc::ok);
      } else if (i == 7) {
        ASSERT_EQ(rtm().release_dest_info(b_, left), errc::ok);
      } else {
        rtm::DestInfo di;
        ASSERT_EQ(exact(rtm(), b_, "10.0.0.0/8", &di), errc::ok);
        ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
        EXPECT_EQ(outstanding(b_).total(), 3) << "the exited thread's reference";
      }
    }).join();
  }
  EXPECT_EQ(ledger_count(), before) << "each thread adopted a ledger left by an earlier one";
  EXPECT_EQ(outstanding(b_).total(), 0);
  remove(a_, r);
}

// A ledger grows past its first table and drops zero entries as it
// rebuilds; counts stay exact throughout.
TEST_F(RtmTest, ALedgerGrowsAndShrinksWithItsReferences) {
  constexpr int kPrefixes = 300;
  std::vector<rtm::RouteHandle> routes;
  for (int i = 0; i < kPrefixes; ++i) {
    const std::string p = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
    routes.push_back(add_held(a_, p.c_str(), 10));
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<rtm::DestInfo> infos(kPrefixes);
    for (int i = 0; i < kPrefixes; ++i) {
      const std::string p =
          "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
      ASSERT_EQ(exact(rtm(), b_, p.c_str(), &infos[i]), errc::ok);
    }
    EXPECT_EQ(outstanding(b_).dests, kPrefixes);
    ASSERT_EQ(rtm().release_dests(b_, infos), errc::ok);
    EXPECT_EQ(outstanding(b_).total(), 0);
  }
  for (auto& r : routes) remove(a_, r);
}

// A Get of a linked object makes no hold record on it (its reference is a
// ledger entry, whose spare record comes from a per-ledger pool): a reader
// that gets and releases every destination of a table leaves nothing
// behind on them. The old shape made a record per (entity, object) touched
// — two per Get here, 4000 for this walk — and freed them only with the
// object. A fold of references held at deletion still finds a record for
// each holder (the spare), and the counts balance.
TEST_F(RtmTest, GetsOfLinkedObjectsMakeNoHoldRecords) {
  constexpr int kPrefixes = 2000;
  std::vector<rtm::RouteHandle> routes;
  auto prefix = [](int i) {
    return "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
  };
  for (int i = 0; i < kPrefixes; ++i) routes.push_back(add_held(a_, prefix(i).c_str(), 10));
  const std::int64_t before = rtm::detail::hold_records_live();
  for (int i = 0; i < kPrefixes; ++i) {
    rtm::DestInfo di;
    ASSERT_EQ(exact(rtm(), b_, prefix(i).c_str(), &di), errc::ok);
    ASSERT_EQ(rtm().release_dest_info(b_, di), errc::ok);
  }
  // Only the ledger's spares: one in each entry (at most 3/4 of its 256
  // slots) and the pool (trimmed to the capacity).
  EXPECT_LE(rtm::detail::hold_records_live() - before, 2 * 256);
  // References held across the deletion: the fold moves them into records.
  rtm::DestInfo held;
  ASSERT_EQ(exact(rtm(), b_, prefix(0).c_str(), &held), errc::ok);
  rtm::EntityHandle c;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 8, 1}, {}, &c), errc::ok);
  rtm::DestInfo by_c;
  ASSERT_EQ(exact(rtm(), c, prefix(0).c_str(), &by_c), errc::ok);
  remove(a_, routes[0]);  // out of the map: folded
  EXPECT_EQ(outstanding(b_).dests, 1);
  EXPECT_EQ(outstanding(c).dests, 1);
  EXPECT_EQ(rtm().release_dest_info(b_, held), errc::ok);
  EXPECT_EQ(rtm().release_dest_info(b_, held), errc::invalid_parameter) << "released once";
  EXPECT_EQ(rtm().release_dest_info(c, by_c), errc::ok);
  EXPECT_EQ(outstanding(b_).total(), 0);
  EXPECT_EQ(outstanding(c).total(), 0);
  EXPECT_EQ(rtm().deregister_entity(c), errc::ok);
  for (int i = 1; i < kPrefixes; ++i) remove(a_, routes[i]);
}

// Ledgers from index 63 on share one bit of an object's ledger mask: a fold
// visits all of them. 70 threads at once, each with its own ledger, hold a
// reference when the destination is removed; every one is folded and
// released once.
TEST_F(RtmTest, AFoldFindsReferencesInLedgersThatShareAMaskBit) {
  constexpr int kThreads = 70;
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  std::vector<rtm::DestInfo> infos(kThreads);
  std::atomic<int> holding{0};
  Gate folded;
  std::vector<std::thread> ts;
  std::vector<errc> released(kThreads, errc::not_found);
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([&, i] {
      EXPECT_EQ(exact(rtm(), b_, "10.0.0.0/8", &infos[i]), errc::ok);
      holding.fetch_add(1);
      folded.wait();  // alive (its ledger owned) until the fold is done
      released[i] = rtm().release_dest_info(b_, infos[i]);
    });
  }
  while (holding.load() < kThreads) std::this_thread::yield();
  EXPECT_GE(ledger_count(), static_cast<std::size_t>(kThreads));
  EXPECT_EQ(outstanding(b_).dests, kThreads);
  remove(a_, r);  // out of the map: folded out of every ledger
  EXPECT_EQ(outstanding(b_).dests, kThreads);
  folded.open();
  for (auto& t : ts) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(released[i], errc::ok) << i;
  EXPECT_EQ(outstanding(b_).total(), 0);
}
