// tests/fib/epoch_test.cpp — reader slots and grace periods
// (src/fib/epoch.h): slots given back at thread exit even when a
// thread_local destructor reads, bounded grace periods while a reader is
// parked, a section on one thread against a writer on another in both
// fence modes, nested sections keeping the outer one published.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fib/epoch.h"
#include "fib/fib4.h"
#include "fib/nh_groups.h"

namespace {

using namespace rtm::fib;

Fib4* g_idx = nullptr;

// Opens a section from its destructor, which runs among the thread's
// thread_local destructors (after any constructed later than it).
struct ReadsAtExit {
  int touched = 0;
  ~ReadsAtExit() {
    ReadSection rs;
    (void)g_idx->lookup(0x0A000001u);
  }
};
thread_local ReadsAtExit t_reads_at_exit;

// B3: the slot of a thread whose last section runs in a thread_local
// destructor (before and after its first ordinary section) is given back.
TEST(Epoch, ASectionInAThreadLocalDestructorGivesItsSlotBack) {
  Fib4 idx(16);
  g_idx = &idx;
  ASSERT_TRUE(idx.set(0x0A000000u, 8, 1));
  const unsigned before = epoch_detail::slots_in_use();
  for (int i = 0; i < 4; ++i) {
    std::thread([] {
      t_reads_at_exit.touched = 1;  // constructed before the first section
      ReadSection rs;
      (void)g_idx->lookup(1);
    }).join();
    std::thread([] { t_reads_at_exit.touched = 1; }).join();  // first section at exit
    EXPECT_EQ(epoch_detail::slots_in_use(), before) << i;
  }
  g_idx = nullptr;
}

// A reader parked in a section on its own thread until release().
class ParkedReader {
 public:
  ParkedReader()
      : t_([this] {
          ReadSection rs;
          in_.store(true, std::memory_order_release);
          while (!go_.load(std::memory_order_acquire)) std::this_thread::yield();
        }) {
    while (!in_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  void release() {
    go_.store(true, std::memory_order_release);
    if (t_.joinable()) t_.join();
  }
  ~ParkedReader() { release(); }

 private:
  std::atomic<bool> in_{false}, go_{false};
  std::thread t_;
};

// R1: with a reader parked, n retirements cost O(log n) grace periods, not
// one each once 64 are pending.
TEST(Epoch, AParkedReaderCostsFewGracePeriods) {
  constexpr int kRetires = 20000;
  Fib4 idx(1u << 16);
  NhGroups groups(1u << 16);
  {
    ParkedReader reader;
    const std::uint64_t g0 = epoch_detail::grace_periods();
    for (int i = 0; i < kRetires; ++i) {
      const std::uint32_t p = 0x0A000000u + (static_cast<std::uint32_t>(i) << 8);
      ASSERT_TRUE(idx.set(p, 25, 1));
      ASSERT_TRUE(idx.clear(p, 25, {}));  // collapses: one tbl8 retirement
      NextHopSet s{};
      s.count = 1;
      s.hops[0].interface_index = static_cast<std::uint32_t>(i);
      ASSERT_TRUE(groups.release(groups.acquire(s)));  // one id retirement
    }
    // Doubling from 64: 9 per owner for 20000; one each would be ~40000.
    EXPECT_LE(epoch_detail::grace_periods() - g0, 2u * 10u);
    EXPECT_EQ(idx.tbl8_limbo(), static_cast<std::size_t>(kRetires));  // none freed
    reader.release();
  }
  idx.reclaim();
  groups.reclaim();
  EXPECT_EQ(idx.tbl8_limbo(), 0u);
  EXPECT_EQ(groups.limbo(), 0u);
}

// N7: a reader holding a section on one thread while another thread
// retires the group it read and runs grace periods: the group is not
// reused until the section ends. In the mode in force and in the seq_cst
// fallback.
void reader_against_writer(bool fallback) {
  epoch_detail::set_fallback_for_testing(fallback);
  if (fallback) {
    EXPECT_FALSE(uses_membarrier());
  }
  Fib4 idx(1);
  ASSERT_TRUE(idx.set(0x0A000000u, 30, 1));
  std::atomic<int> step{0};
  GroupId seen_before = 0, seen_after = 0;
  std::thread reader([&] {
    ReadSection rs;
    seen_before = idx.lookup(0x0A000001u);  // through the tbl8 group
    step.store(1, std::memory_order_release);
    while (step.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    seen_after = idx.lookup(0x0A000001u);
  });
  while (step.load(std::memory_order_acquire) != 1) std::this_thread::yield();
  ASSERT_TRUE(idx.clear(0x0A000000u, 30, {}));  // retires the only group
  idx.reclaim();
  synchronize();
  EXPECT_EQ(idx.tbl8_limbo(), 1u);
  EXPECT_FALSE(idx.set(0x0B000000u, 30, 2));  // not reusable while the reader is in
  step.store(2, std::memory_order_release);
  reader.join();
  EXPECT_EQ(seen_before, 1u);
  EXPECT_EQ(seen_after, kNoGroup);  // the collapsed entry, not a refilled group
  idx.reclaim();
  EXPECT_EQ(idx.tbl8_limbo(), 0u);
  EXPECT_TRUE(idx.set(0x0B000000u, 30, 2));
  epoch_detail::set_fallback_for_testing(false);
}

TEST(Epoch, AReaderOnAnotherThreadHoldsBackReuse) { reader_against_writer(false); }
TEST(Epoch, AReaderOnAnotherThreadHoldsBackReuseInTheFenceFallback) { reader_against_writer(true); }

// Sections nest: an inner section (and its end) leaves the outer one
// published, so the thread's slot still holds back reuse of what was
// retired after the outer section opened, until the outer one ends. In the
// mode in force and in the seq_cst fallback.
void inner_section_keeps_outer_published(bool fallback) {
  epoch_detail::set_fallback_for_testing(fallback);
  std::uint64_t tag = 0;
  {
    ReadSection outer;
    tag = retire_tag();  // an object retired after the outer section opened
    const std::uint64_t g0 = epoch_detail::grace_periods();
    {
      ReadSection inner;
      { ReadSection innermost; }
      EXPECT_LE(synchronize(), tag) << "inside the inner section";
    }
    EXPECT_LE(synchronize(), tag) << "the inner section's end cleared the outer's slot";
    EXPECT_LE(safe_epoch(), tag);
    { ReadSection again; }  // a second inner section, opened and ended
    EXPECT_LE(synchronize(), tag);
    EXPECT_EQ(epoch_detail::grace_periods() - g0, 3u);
  }
  EXPECT_GT(synchronize(), tag) << "the outer section's end did not clear the slot";
  EXPECT_GT(safe_epoch(), tag);
  // A fresh outer section afterwards holds back a newer tag again.
  {
    ReadSection outer;
    const std::uint64_t t2 = retire_tag();
    { ReadSection inner; }
    EXPECT_LE(synchronize(), t2);
  }
  epoch_detail::set_fallback_for_testing(false);
}

TEST(Epoch, AnInnerSectionLeavesTheOuterOnePublished) { inner_section_keeps_outer_published(false); }
TEST(Epoch, AnInnerSectionLeavesTheOuterOnePublishedInTheFenceFallback) {
  inner_section_keeps_outer_published(true);
}

// The same with a real retirement: a tbl8 group the outer section read,
// retired after it opened, is not reused while the outer section lasts,
// though an inner section opened and ended around the retirement.
TEST(Epoch, AnInnerSectionDoesNotReleaseWhatTheOuterOneRead) {
  Fib4 idx(1);
  ASSERT_TRUE(idx.set(0x0A000000u, 30, 1));
  {
    ReadSection outer;
    EXPECT_EQ(idx.lookup(0x0A000001u), 1u);  // through the only tbl8 group
    {
      ReadSection inner;
      EXPECT_EQ(idx.lookup(0x0A000001u), 1u);
    }
    ASSERT_TRUE(idx.clear(0x0A000000u, 30, {}));  // retires it
    idx.reclaim();
    EXPECT_EQ(idx.tbl8_limbo(), 1u);
    EXPECT_FALSE(idx.set(0x0B000000u, 30, 2));  // not reusable yet
  }
  idx.reclaim();
  EXPECT_EQ(idx.tbl8_limbo(), 0u);
  EXPECT_TRUE(idx.set(0x0B000000u, 30, 2));
}

}  // namespace
