// tests/detail/refcount_test.cpp — the split count (src/detail/refcount.h)
// on its own: revoke exactly once when the handle side reaches zero, death
// exactly once when the memory side does, no revival, drops below zero
// refused, and the same under concurrent adds and drops.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "detail/refcount.h"

using rtm::detail::kDead;
using rtm::detail::kRevoked;
using rtm::detail::RefPair;
using rtm::detail::SplitCount;

namespace {

void expect_pair(const SplitCount& c, std::uint64_t handle, std::uint64_t memory) {
  const RefPair p = c.load();
  EXPECT_EQ(p.handle, handle);
  EXPECT_EQ(p.memory, memory);
}

// The CAS loops start from guess() (two plain loads of the atomic's bytes):
// it must read the pair as load() does, or every first CAS fails.
TEST(SplitCount, GuessReadsThePairTheAtomicHolds) {
  SplitCount c(2, 3);
  RefPair g = c.guess();
  EXPECT_EQ(g.handle, 2u);
  EXPECT_EQ(g.memory, 4u);
  ASSERT_TRUE(c.try_add_handle());
  ASSERT_TRUE(c.try_add_memory());
  g = c.guess();
  EXPECT_EQ(g.handle, 3u);
  EXPECT_EQ(g.memory, 5u);
  ASSERT_TRUE(c.drop_handle(3));  // to zero: revoked in that CAS
  EXPECT_EQ(c.guess().handle, kRevoked);
}

TEST(SplitCount, StartsWithTheGivenCountsPlusTheMemoryUnit) {
  const SplitCount c(2, 3);
  expect_pair(c, 2, 4);
  EXPECT_FALSE(c.revoked());
  EXPECT_FALSE(c.dead());
}

TEST(SplitCount, RevokesExactlyOnceWhenTheHandleSideReachesZero) {
  SplitCount c(3, 0);
  EXPECT_FALSE(c.drop_handle());
  EXPECT_FALSE(c.drop_handle());
  EXPECT_FALSE(c.revoked());
  EXPECT_TRUE(c.drop_handle()) << "the drop that reaches zero revokes";
  EXPECT_TRUE(c.revoked());
  EXPECT_EQ(c.load().handle, kRevoked);
  EXPECT_FALSE(c.drop_handle()) << "a revoked count is never revoked again";
  EXPECT_EQ(c.load().handle, kRevoked);
  EXPECT_FALSE(c.dead()) << "the memory unit is the revoker's to drop";
  expect_pair(c, kRevoked, 1);
}

TEST(SplitCount, DropOfSeveralAtOnceRevokesOnlyWhenItReachesZero) {
  SplitCount c(5, 0);
  EXPECT_FALSE(c.drop_handle(2));
  expect_pair(c, 3, 1);
  EXPECT_TRUE(c.drop_handle(3));
  EXPECT_TRUE(c.revoked());
}

TEST(SplitCount, HandleDropBelowZeroIsRefusedAndChangesNothing) {
  SplitCount c(2, 1);
  EXPECT_FALSE(c.drop_handle(3));
  expect_pair(c, 2, 2);
  EXPECT_FALSE(c.revoked());
  EXPECT_TRUE(c.drop_handle(2));
}

TEST(SplitCount, TryAddHandleFailsFromTheRevokeOnAndChangesNothing) {
  SplitCount c(1, 0);
  EXPECT_TRUE(c.try_add_handle());
  expect_pair(c, 2, 1);
  EXPECT_FALSE(c.drop_handle());
  EXPECT_TRUE(c.drop_handle());
  EXPECT_FALSE(c.try_add_handle());
  EXPECT_FALSE(c.try_add_handle());
  expect_pair(c, kRevoked, 1);
  // The memory side still takes references until it dies.
  EXPECT_TRUE(c.try_add_memory());
  expect_pair(c, kRevoked, 2);
}

TEST(SplitCount, TheMemoryUnitKeepsTheObjectAliveUntilTheRevoke) {
  SplitCount c(1, 2);
  EXPECT_FALSE(c.drop_memory());
  EXPECT_FALSE(c.drop_memory());
  expect_pair(c, 1, 1);
  EXPECT_FALSE(c.dead()) << "transient references gone, the unit remains";
  EXPECT_TRUE(c.drop_handle());
  EXPECT_TRUE(c.drop_memory()) << "the revoker drops the unit: the last memory reference";
  EXPECT_TRUE(c.dead());
  EXPECT_TRUE(c.revoked());
  expect_pair(c, kRevoked, kDead);
}

TEST(SplitCount, DeathWaitsForTransientReferencesThatOutliveTheRevoke) {
  SplitCount c(1, 1);
  EXPECT_TRUE(c.drop_handle());
  EXPECT_FALSE(c.drop_memory()) << "the unit goes, one transient reference remains";
  EXPECT_FALSE(c.dead());
  EXPECT_TRUE(c.drop_memory());
  EXPECT_TRUE(c.dead());
}

TEST(SplitCount, NothingRevivesADeadObject) {
  SplitCount c(1, 0);
  ASSERT_TRUE(c.drop_handle());
  ASSERT_TRUE(c.drop_memory());
  EXPECT_FALSE(c.try_add_memory());
  EXPECT_FALSE(c.try_add_handle());
  EXPECT_FALSE(c.drop_memory()) << "dies exactly once";
  EXPECT_FALSE(c.drop_handle());
  expect_pair(c, kRevoked, kDead);
}

TEST(SplitCount, MemoryDropBelowZeroIsRefusedAndChangesNothing) {
  SplitCount c(1, 1);
  EXPECT_FALSE(c.drop_memory(3));
  expect_pair(c, 1, 2);
  EXPECT_FALSE(c.dead());
}

// 2-4 threads add and drop references on both sides while one of them drops
// the initial handle link halfway through. Whoever's drop revokes drops the
// memory unit (as detail::revoke does); whoever's drop kills counts a death.
// Exactly one revoke and one death, both after all the work, and no add on
// the handle side succeeds once a thread has seen the revoke.
void run_concurrent_adds_and_drops(unsigned threads) {
  constexpr int kRounds = 10000;
  SplitCount c(1, 0);
  std::atomic<int> revokes{0};
  std::atomic<int> deaths{0};
  std::atomic<bool> seen_revoked{false};
  std::atomic<int> adds_after_revoke{0};
  std::barrier start(static_cast<std::ptrdiff_t>(threads));
  auto on_revoke = [&] {
    revokes.fetch_add(1, std::memory_order_relaxed);
    seen_revoked.store(true, std::memory_order_release);
    if (c.drop_memory()) deaths.fetch_add(1, std::memory_order_relaxed);
  };
  auto body = [&](unsigned id) {
    start.arrive_and_wait();
    for (int i = 0; i < kRounds; ++i) {
      if (id == 0 && i == kRounds / 2 && c.drop_handle()) on_revoke();
      const bool was_revoked = seen_revoked.load(std::memory_order_acquire);
      if (c.try_add_handle()) {
        if (was_revoked) adds_after_revoke.fetch_add(1, std::memory_order_relaxed);
        if (c.drop_handle()) on_revoke();
      }
      if (c.try_add_memory() && c.drop_memory()) deaths.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t) ts.emplace_back(body, t);
  for (auto& t : ts) t.join();
  EXPECT_EQ(revokes.load(), 1);
  EXPECT_EQ(deaths.load(), 1);
  EXPECT_EQ(adds_after_revoke.load(), 0);
  EXPECT_TRUE(c.revoked());
  EXPECT_TRUE(c.dead());
}

TEST(SplitCount, ConcurrentAddsAndDropsRevokeOnceAndDieOnceTwoThreads) {
  run_concurrent_adds_and_drops(2);
}

TEST(SplitCount, ConcurrentAddsAndDropsRevokeOnceAndDieOnceFourThreads) {
  run_concurrent_adds_and_drops(4);
}

// The last reference of each side dropped by different threads at once:
// many counts, each with n handle links and n memory references; n threads
// released together walk them in the same order, each dropping one of each
// per count, so they keep meeting on the same count. Every count revokes
// once and dies once.
TEST(SplitCount, RacingLastDropsRevokeOnceAndDieOnce) {
  constexpr unsigned kThreads = 4;
  constexpr std::size_t kCounts = 20000;
  std::deque<SplitCount> counts;  // constructed in place: not movable
  for (std::size_t i = 0; i < kCounts; ++i) counts.emplace_back(kThreads, kThreads);
  std::vector<std::atomic<int>> revokes(kCounts);
  std::vector<std::atomic<int>> deaths(kCounts);
  std::barrier start(kThreads);
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      start.arrive_and_wait();
      for (std::size_t i = 0; i < kCounts; ++i) {
        SplitCount& c = counts[i];
        if (c.drop_handle()) {
          revokes[i].fetch_add(1, std::memory_order_relaxed);
          if (c.drop_memory()) deaths[i].fetch_add(1, std::memory_order_relaxed);
        }
        if (c.drop_memory()) deaths[i].fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& t : ts) t.join();
  std::size_t bad = 0;
  for (std::size_t i = 0; i < kCounts; ++i)
    if (revokes[i].load() != 1 || deaths[i].load() != 1 || !counts[i].dead()) ++bad;
  EXPECT_EQ(bad, 0u);
}

}  // namespace
