// tests/detail/client_lock_test.cpp — the clients' reader-writer lock
// (src/detail/client_lock.h): shared and exclusive holds, unlocks in a mode
// not held refused with nothing changed, upgrade of the sole reader,
// downgrade, and exclusion and hand-off between threads.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <thread>
#include <vector>

#include "detail/client_lock.h"

using rtm::detail::ClientLock;

namespace {

constexpr bool kExclusive = true;
constexpr bool kShared = false;

TEST(ClientLock, ExclusiveHoldAndRelease) {
  ClientLock l;
  EXPECT_FALSE(l.held_exclusive());
  l.lock(kExclusive);
  EXPECT_TRUE(l.held_exclusive());
  EXPECT_FALSE(l.unlock(kShared)) << "not held shared";
  EXPECT_TRUE(l.held_exclusive()) << "the refused unlock changed nothing";
  EXPECT_TRUE(l.unlock(kExclusive));
  EXPECT_FALSE(l.held_exclusive());
  EXPECT_FALSE(l.unlock(kExclusive)) << "a second unlock is refused";
  EXPECT_FALSE(l.unlock(kShared));
}

TEST(ClientLock, SharedHoldsCountAndEachNeedsItsUnlock) {
  ClientLock l;
  l.lock(kShared);
  l.lock(kShared);
  l.lock(kShared);
  EXPECT_FALSE(l.held_exclusive());
  EXPECT_FALSE(l.unlock(kExclusive)) << "not held exclusively";
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_FALSE(l.unlock(kShared)) << "three holds, three unlocks";
  l.lock(kExclusive);  // free again: would block forever otherwise
  EXPECT_TRUE(l.unlock(kExclusive));
}

TEST(ClientLock, UnlockingAFreeLockIsRefusedAndItStaysFree) {
  ClientLock l;
  EXPECT_FALSE(l.unlock(kShared));
  EXPECT_FALSE(l.unlock(kExclusive));
  l.lock(kExclusive);
  EXPECT_TRUE(l.unlock(kExclusive));
}

TEST(ClientLock, OnlyTheSoleReaderUpgrades) {
  ClientLock l;
  EXPECT_FALSE(l.try_upgrade()) << "free: nothing to upgrade";
  EXPECT_FALSE(l.held_exclusive());
  l.lock(kShared);
  l.lock(kShared);
  EXPECT_FALSE(l.try_upgrade()) << "two readers";
  EXPECT_FALSE(l.held_exclusive());
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_TRUE(l.try_upgrade());
  EXPECT_TRUE(l.held_exclusive());
  EXPECT_FALSE(l.try_upgrade()) << "already exclusive";
  EXPECT_FALSE(l.unlock(kShared)) << "the upgrade took the shared hold";
  EXPECT_TRUE(l.unlock(kExclusive));
  EXPECT_FALSE(l.held_exclusive());
}

TEST(ClientLock, DowngradeLeavesOneSharedHold) {
  ClientLock l;
  l.lock(kExclusive);
  l.downgrade();
  EXPECT_FALSE(l.held_exclusive());
  l.lock(kShared);  // a second reader gets in
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_TRUE(l.unlock(kShared));
  EXPECT_FALSE(l.unlock(kShared)) << "one hold from the downgrade";
}

// Exclusive holders from several threads increment a plain counter; an
// occupancy counter catches two holders at once directly (seq_cst: of two
// overlapping holders, the second to enter sees the first).
TEST(ClientLock, ExclusiveHoldsExcludeEachOther) {
  constexpr unsigned kThreads = 4;
  constexpr int kPerThread = 10000;
  ClientLock l;
  std::uint64_t counter = 0;  // plain: only the lock orders the updates
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> refused{0};
  std::barrier start(kThreads);
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        l.lock(kExclusive);
        if (inside.fetch_add(1) != 0) overlaps.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t seen = counter;
        // The others get the processor while the lock is held (so that they
        // run into it even on a loaded machine); a separate load and store.
        if (i % 1000 == 0) std::this_thread::yield();
        std::atomic_signal_fence(std::memory_order_seq_cst);
        counter = seen + 1;
        inside.fetch_sub(1);
        if (!l.unlock(kExclusive)) refused.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(counter, std::uint64_t{kThreads} * kPerThread);
}

// Readers hold the lock at the same time: every reader takes its shared
// hold, then all wait at a barrier holding it (a lock that excluded
// readers from each other would never get past the barrier).
TEST(ClientLock, SharedHoldsCoexist) {
  constexpr unsigned kThreads = 4;
  ClientLock l;
  std::barrier all_holding(kThreads);
  std::atomic<int> unlocked{0};
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      l.lock(kShared);
      all_holding.arrive_and_wait();
      if (l.unlock(kShared)) unlocked.fetch_add(1, std::memory_order_relaxed);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(unlocked.load(), static_cast<int>(kThreads));
  EXPECT_FALSE(l.unlock(kShared)) << "every hold released";
}

// Writers keep two plain fields equal (each write is two steps); readers
// under shared holds never see them differ, and the final values count
// every write. Occupancy counters catch a writer overlapping anyone
// directly (seq_cst: of two overlapping holders one sees the other), and a
// reader overlapping a writer is also a data race TSan reports.
TEST(ClientLock, WritersExcludeReadersAndReadersNeverSeeAHalfWrite) {
  constexpr unsigned kWriters = 2;
  constexpr unsigned kReaders = 2;
  constexpr int kWrites = 5000;
  constexpr int kReads = 10000;
  ClientLock l;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::atomic<int> writers_in{0};
  std::atomic<int> readers_in{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> torn{0};
  std::atomic<int> refused{0};
  std::barrier start(kWriters + kReaders);
  std::vector<std::thread> ts;
  for (unsigned w = 0; w < kWriters; ++w)
    ts.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kWrites; ++i) {
        l.lock(kExclusive);
        if (writers_in.fetch_add(1) != 0 || readers_in.load() != 0)
          overlaps.fetch_add(1, std::memory_order_relaxed);
        a = a + 1;
        // Give the others the processor while holding the lock (so that they
        // run into it even on a loaded machine), between two separate writes.
        if (i % 500 == 0) std::this_thread::yield();
        std::atomic_signal_fence(std::memory_order_seq_cst);
        b = b + 1;
        writers_in.fetch_sub(1);
        if (!l.unlock(kExclusive)) refused.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (unsigned r = 0; r < kReaders; ++r)
    ts.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kReads; ++i) {
        l.lock(kShared);
        readers_in.fetch_add(1);
        if (writers_in.load() != 0) overlaps.fetch_add(1, std::memory_order_relaxed);
        if (i % 1000 == 0) std::this_thread::yield();  // as the writers do
        if (a != b) torn.fetch_add(1, std::memory_order_relaxed);
        readers_in.fetch_sub(1);
        if (!l.unlock(kShared)) refused.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(a, std::uint64_t{kWriters} * kWrites);
  EXPECT_EQ(b, a);
}

// A reader blocked behind a writer gets the lock once the writer leaves and
// sees what it wrote (a reader let in early reads the old value).
TEST(ClientLock, AWaitingReaderSeesTheWriterWrites) {
  ClientLock l;
  int data = 0;  // plain
  int seen = -1;
  l.lock(kExclusive);
  std::atomic<bool> started{false};
  std::thread reader([&] {
    started.store(true, std::memory_order_release);
    l.lock(kShared);
    seen = data;
    EXPECT_TRUE(l.unlock(kShared));
  });
  while (!started.load(std::memory_order_acquire)) std::this_thread::yield();
  data = 1;
  EXPECT_TRUE(l.unlock(kExclusive));
  reader.join();
  EXPECT_EQ(seen, 1);
  EXPECT_FALSE(l.held_exclusive());
  EXPECT_FALSE(l.unlock(kShared)) << "free again";
}

// A writer blocked behind a reader gets the lock once the reader leaves and
// sees what an upgraded-then-downgraded holder wrote.
TEST(ClientLock, AWaitingWriterSeesTheHolderWrites) {
  ClientLock l;
  int data = 0;  // plain
  int seen = -1;
  l.lock(kShared);
  std::atomic<bool> started{false};
  std::thread writer([&] {
    started.store(true, std::memory_order_release);
    l.lock(kExclusive);
    seen = data;
    data = 2;
    l.unlock(kExclusive);
  });
  while (!started.load(std::memory_order_acquire)) std::this_thread::yield();
  ASSERT_TRUE(l.try_upgrade());  // still the sole holder: the writer waits
  data = 1;
  l.downgrade();
  EXPECT_TRUE(l.unlock(kShared));
  writer.join();
  EXPECT_EQ(seen, 1);
  l.lock(kShared);
  EXPECT_EQ(data, 2);
  EXPECT_TRUE(l.unlock(kShared));
}

}  // namespace
