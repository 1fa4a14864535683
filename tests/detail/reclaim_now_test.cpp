// tests/detail/reclaim_now_test.cpp — ReclaimNowScope (src/detail/reclaim.h),
// what ~Instance frees its objects with: inside the scope a retired object
// is freed before retire() returns, with whatever its destruction retires;
// one that a guard of the calling thread holds waits for that guard (freed
// by a later retire or when the scope closes, or the usual way if the
// guard outlives the scope); outside a scope retire() defers as before.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "detail/reclaim.h"

using rtm::detail::Guard;
using rtm::detail::Reclaimable;
using rtm::detail::ReclaimNowScope;
using rtm::detail::retire;
using rtm::detail::ThreadScope;

namespace {

// Counts its destruction in *freed; retires `child` when destroyed.
class Node final : public Reclaimable {
 public:
  explicit Node(int* freed, Node* child = nullptr, bool api = false) noexcept
      : freed_(freed), child_(child), api_(api) {}
  void destroy() noexcept override {
    ++*freed_;
    if (child_ != nullptr) retire(child_);
    delete this;
  }
  bool destroy_needs_api_context() const noexcept override { return api_; }

 private:
  int* const freed_;
  Node* const child_;
  const bool api_;
};

TEST(ReclaimNow, RetireInTheScopeFreesAtOnceWithWhatItsDestructionRetires) {
  ThreadScope scope;
  int freed = 0;
  Node* chain = new Node(&freed, new Node(&freed, new Node(&freed)));
  ReclaimNowScope now;
  retire(chain);
  EXPECT_EQ(freed, 3) << "the object, and the two its destruction retired";
}

TEST(ReclaimNow, AnObjectThatNeedsApiContextIsFreedAtOnceToo) {
  ThreadScope scope;
  int freed = 0;
  Node* n = new Node(&freed, new Node(&freed, nullptr, /*api=*/true), /*api=*/true);
  ReclaimNowScope now;
  retire(n);
  EXPECT_EQ(freed, 2);
}

TEST(ReclaimNow, AnObjectTheCallersGuardHoldsWaitsForTheGuard) {
  ThreadScope scope;
  int freed = 0;
  Node* held = new Node(&freed, new Node(&freed));
  ReclaimNowScope now;
  {
    Guard g;
    g.assign(held);
    retire(held);
    EXPECT_EQ(freed, 0) << "a guard of this thread holds it";
  }
  int other = 0;
  retire(new Node(&other));
  EXPECT_EQ(other, 1);
  EXPECT_EQ(freed, 2) << "the next retire frees it (and its child), its guard gone";
}

TEST(ReclaimNow, AHeldObjectIsFreedWhenTheScopeCloses) {
  ThreadScope scope;
  int freed = 0;
  Node* held = new Node(&freed);
  Guard g;
  {
    ReclaimNowScope now;
    g.assign(held);
    retire(held);
    EXPECT_EQ(freed, 0);
    g.clear();
  }
  EXPECT_EQ(freed, 1) << "freed when the scope closed, its guard cleared";
}

TEST(ReclaimNow, AGuardThatOutlivesTheScopeSendsTheObjectTheUsualWay) {
  ThreadScope scope;
  int freed = 0;
  Node* held = new Node(&freed);
  {
    Guard g;
    {
      ReclaimNowScope now;
      g.assign(held);
      retire(held);
    }
    EXPECT_EQ(freed, 0) << "still held when the scope closed";
    rtm::detail::reclaim_all_now();
    EXPECT_EQ(freed, 0) << "a scan respects the hazard";
  }
  rtm::detail::reclaim_all_now();
  EXPECT_EQ(freed, 1) << "freed by a scan once the guard is gone";
}

// An object that needs API context is finalized by reclaim_pending, which
// may run inside a scope (~Instance calls reclaim_all_now) for an object
// of any instance: what its destruction retires goes the usual way there,
// because other threads may hold hazard pointers on it.
TEST(ReclaimNow, WhatAFinalizedObjectRetiresInsideAScopeGoesTheUsualWay) {
  ThreadScope scope;
  rtm::detail::reclaim_all_now();
  int freed = 0;
  int child_freed = 0;
  Node* child = new Node(&child_freed);
  Node* parent = new Node(&freed, child, /*api=*/true);
  std::atomic<int> stage{0};
  std::thread reader([&] {  // a reader of the other instance, inside the child
    ThreadScope s;
    Guard g;
    g.assign(child);
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  retire(parent);  // the usual way: a scan hands it to reclaim_pending
  {
    ReclaimNowScope now;
    rtm::detail::reclaim_all_now();
    EXPECT_EQ(freed, 1) << "the finalized object itself";
    EXPECT_EQ(child_freed, 0) << "not under another thread's hazard pointer";
  }
  stage.store(2);
  reader.join();
  rtm::detail::reclaim_all_now();
  EXPECT_EQ(child_freed, 1) << "freed by a scan once the reader left";
}

TEST(ReclaimNow, OutsideAScopeRetireDefersToTheScans) {
  ThreadScope scope;
  rtm::detail::reclaim_all_now();  // an empty retired array: no scan below
  int freed = 0;
  retire(new Node(&freed));
  EXPECT_EQ(freed, 0) << "retired, not yet freed";
  rtm::detail::reclaim_all_now();
  EXPECT_EQ(freed, 1);
}

}  // namespace
