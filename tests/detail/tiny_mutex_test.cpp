// tests/detail/tiny_mutex_test.cpp — the 4-byte mutex (src/detail/tiny_mutex.h):
// try_lock, mutual exclusion counted by a plain counter from several
// threads (a lost update, or a data race under TSan, fails it), and the
// hand-off of what a holder wrote to a waiter it wakes.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "detail/tiny_mutex.h"

using rtm::detail::TinyMutex;

namespace {

static_assert(sizeof(TinyMutex) == 4);

TEST(TinyMutex, TryLockSucceedsOnlyWhenUnlocked) {
  TinyMutex m;
  EXPECT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock()) << "not recursive";
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
  m.lock();
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST(TinyMutex, WorksWithStandardLockGuards) {
  TinyMutex m;
  {
    std::lock_guard g(m);
    EXPECT_FALSE(m.try_lock());
  }
  {
    std::unique_lock u(m, std::try_to_lock);
    EXPECT_TRUE(u.owns_lock());
  }
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// Several threads increment a non-atomic counter under the lock; a quarter
// of the acquisitions go through try_lock (retrying with lock on failure).
// Besides the count, an occupancy counter catches two holders at once
// directly (seq_cst: of two overlapping holders, the second to enter sees
// the first), however short the window a lost update would need.
void count_under_lock(unsigned threads) {
  constexpr int kPerThread = 20000;
  TinyMutex m;
  std::uint64_t counter = 0;  // plain: only the mutex orders the updates
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::barrier start(static_cast<std::ptrdiff_t>(threads));
  auto body = [&](unsigned id) {
    start.arrive_and_wait();
    for (int i = 0; i < kPerThread; ++i) {
      if ((i + id) % 4 == 0) {
        if (!m.try_lock()) m.lock();
      } else {
        m.lock();
      }
      if (inside.fetch_add(1) != 0) overlaps.fetch_add(1, std::memory_order_relaxed);
      const std::uint64_t seen = counter;
      // The others get the processor while the lock is held (so that they
      // run into it even on a loaded machine); a separate load and store.
      if (i % 1000 == 0) std::this_thread::yield();
      std::atomic_signal_fence(std::memory_order_seq_cst);
      counter = seen + 1;
      inside.fetch_sub(1);
      m.unlock();
    }
  };
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t) ts.emplace_back(body, t);
  for (auto& t : ts) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, std::uint64_t{threads} * kPerThread);
}

TEST(TinyMutex, ExcludesTwoThreads) { count_under_lock(2); }
TEST(TinyMutex, ExcludesFourThreads) { count_under_lock(4); }

// A thread that blocks in lock() while the main thread holds the mutex gets
// it after the unlock and sees what the main thread wrote under it.
TEST(TinyMutex, AWaiterSeesWhatTheHolderWrote) {
  TinyMutex m;
  int data = 0;  // plain
  std::atomic<bool> waiter_started{false};
  int seen = -1;
  m.lock();
  std::thread waiter([&] {
    waiter_started.store(true, std::memory_order_release);
    m.lock();
    seen = data;
    m.unlock();
  });
  while (!waiter_started.load(std::memory_order_acquire)) std::this_thread::yield();
  data = 42;
  m.unlock();
  waiter.join();
  EXPECT_EQ(seen, 42);
  EXPECT_TRUE(m.try_lock()) << "the waiter released it";
  m.unlock();
}

}  // namespace
