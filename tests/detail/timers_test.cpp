// tests/detail/timers_test.cpp — the timer queue (src/detail/timers.h) with
// the injected clock (include/rtm/clock.h): nothing fires before its
// deadline, entries fire in deadline order, every due entry fires once, each
// entry's memory reference is dropped when it fires or when stop() discards
// it, arms after stop() are refused, and arms racing runs lose nothing.
//
// What fires is observed through the entries' references: each armed entry
// owns one memory reference on its object (detail/refcount.h), dropped
// after the entry fires. The objects are destinations without hold-down
// state, for which a hold-down expiry firing (fire_timer, src/core/expiry.cpp) is a
// no-op. The queue has no cancel of its own: a refreshed or cancelled
// route timer fires as a no-op because the route's epoch moved on, which is
// route expiry's logic, tested through the API (tests/surface_test.cpp,
// TimedTest); the queue passes the epoch through untouched.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <rtm/clock.h>

#include "detail/test_core.h"
#include "detail/timers.h"

using rtm::detail::Dest;
using rtm::detail::ThreadScope;
using rtm::detail::Timers;

namespace {

class TimersTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (Dest* d : dests_) {
      // Only the destination's own link and the memory unit are left.
      EXPECT_EQ(d->counts.load().handle, 1u);
      EXPECT_EQ(d->counts.load().memory, 1u);
      rtm::detail::unref_handle(d);  // revokes and retires it
    }
  }

  Timers& timers() { return *core_->timers; }
  Dest* dest() {
    const auto addr = rtm::NetAddress::ipv4(0x0A000000u + (static_cast<std::uint32_t>(dests_.size()) << 8), 24);
    dests_.push_back(new Dest(core_.get(), &core_->table(rtm::Family::ipv4), addr,
                              rtm::detail::RouteSet::shared_empty()));
    return dests_.back();
  }
  // Arms one entry on d, giving it a memory reference (as the library does).
  void arm(Dest* d, std::uint64_t deadline) {
    ASSERT_TRUE(d->counts.try_add_memory());
    ASSERT_TRUE(timers().arm(deadline, d, 0, Timers::Kind::hold_down_expiry));
  }
  // Entries still holding a reference on d.
  std::uint64_t pending(const Dest* d) const { return d->counts.load().memory - 1; }
  std::size_t run_at(std::uint64_t t) {
    EXPECT_GE(t, clock_->now_ms());
    clock_->advance(t - clock_->now_ms());
    return timers().run_due();
  }

  ThreadScope scope_;
  std::shared_ptr<rtm::ManualClock> clock_ = std::make_shared<rtm::ManualClock>(1000);
  rtm_test::TestCore core_{clock_};
  std::vector<Dest*> dests_;
};

TEST_F(TimersTest, NowIsTheInjectedClock) {
  EXPECT_EQ(timers().now(), 1000u);
  clock_->advance(25);
  EXPECT_EQ(timers().now(), 1025u);
}

TEST_F(TimersTest, NothingFiresBeforeItsDeadlineAndEntriesFireInDeadlineOrder) {
  Dest* a = dest();
  Dest* b = dest();
  Dest* c = dest();
  arm(a, 1030);  // armed out of deadline order
  arm(b, 1010);
  arm(c, 1020);
  EXPECT_EQ(timers().run_due(), 0u);
  EXPECT_EQ(run_at(1009), 0u);
  EXPECT_EQ(pending(a) + pending(b) + pending(c), 3u);
  EXPECT_EQ(run_at(1010), 1u);
  EXPECT_EQ(pending(b), 0u) << "the earliest deadline first";
  EXPECT_EQ(pending(a), 1u);
  EXPECT_EQ(pending(c), 1u);
  EXPECT_EQ(run_at(1019), 0u);
  EXPECT_EQ(run_at(1020), 1u);
  EXPECT_EQ(pending(c), 0u);
  EXPECT_EQ(pending(a), 1u);
  EXPECT_EQ(run_at(1029), 0u);
  EXPECT_EQ(run_at(1030), 1u);
  EXPECT_EQ(pending(a), 0u);
  EXPECT_EQ(run_at(5000), 0u) << "each entry fires once";
}

TEST_F(TimersTest, EveryDueEntryFiresInOneRunAndTheRestWait) {
  Dest* a = dest();
  Dest* b = dest();
  Dest* c = dest();
  for (int i = 0; i < 3; ++i) arm(a, 1005);  // equal deadlines
  arm(b, 1001);
  arm(b, 1004);
  arm(c, 1006);
  EXPECT_EQ(run_at(1005), 5u);
  EXPECT_EQ(pending(a), 0u);
  EXPECT_EQ(pending(b), 0u);
  EXPECT_EQ(pending(c), 1u);
  EXPECT_EQ(timers().run_due(), 0u);
  EXPECT_EQ(run_at(1006), 1u);
  EXPECT_EQ(pending(c), 0u);
}

TEST_F(TimersTest, ADeadlineAtOrBeforeNowFiresAtTheNextRun) {
  Dest* a = dest();
  Dest* b = dest();
  arm(a, 1000);  // now
  arm(b, 10);    // long past
  EXPECT_EQ(pending(a) + pending(b), 2u) << "arming fires nothing";
  EXPECT_EQ(timers().run_due(), 2u);
  EXPECT_EQ(pending(a) + pending(b), 0u);
}

// Many entries in scrambled order: each run fires exactly those whose
// deadline has come, so they leave the queue in deadline order.
TEST_F(TimersTest, ManyEntriesLeaveTheQueueInDeadlineOrder) {
  constexpr int kEntries = 200;
  std::vector<Dest*> ds;
  for (int i = 0; i < kEntries; ++i) ds.push_back(dest());
  for (int i = 0; i < kEntries; ++i) {
    const int slot = (i * 73) % kEntries;  // 73 is prime to 200: a permutation
    arm(ds[slot], 1001 + static_cast<std::uint64_t>(slot));
  }
  for (int t = 0; t < kEntries; ++t) {
    ASSERT_EQ(run_at(1001 + static_cast<std::uint64_t>(t)), 1u) << "t " << t;
    ASSERT_EQ(pending(ds[t]), 0u);
    if (t + 1 < kEntries) {
      ASSERT_EQ(pending(ds[t + 1]), 1u);
    }
  }
}

TEST_F(TimersTest, StopDropsEveryPendingReferenceAndRefusesLaterArms) {
  Dest* a = dest();
  Dest* b = dest();
  arm(a, 2000);
  arm(a, 3000);
  arm(b, 1500);
  timers().stop();
  core_.timers_stopped();
  EXPECT_EQ(pending(a), 0u);
  EXPECT_EQ(pending(b), 0u);
  EXPECT_EQ(run_at(4000), 0u) << "nothing left to fire";
  ASSERT_TRUE(a->counts.try_add_memory());
  EXPECT_FALSE(timers().arm(5000, a, 0, Timers::Kind::hold_down_expiry));
  EXPECT_EQ(pending(a), 1u) << "a refused arm leaves the reference with the caller";
  a->counts.drop_memory();
  EXPECT_EQ(run_at(6000), 0u);
}

// Threads arm entries while another advances the clock and runs what is
// due: every entry fires exactly once, in one of the runs.
TEST_F(TimersTest, ArmsRacingRunsFireEveryEntryOnce) {
  constexpr unsigned kArmers = 3;
  constexpr int kPerArmer = 400;
  std::vector<Dest*> ds;
  for (unsigned i = 0; i < kArmers; ++i) ds.push_back(dest());
  std::atomic<unsigned> armers_done{0};
  std::atomic<int> refused{0};
  std::size_t fired = 0;
  std::barrier start(kArmers + 1);
  std::vector<std::thread> ts;
  for (unsigned id = 0; id < kArmers; ++id)
    ts.emplace_back([&, id] {
      ThreadScope scope;
      start.arrive_and_wait();
      for (int i = 0; i < kPerArmer; ++i) {
        Dest* d = ds[id];
        d->counts.try_add_memory();
        // Deadlines around the moving clock: some already due, some ahead.
        const std::uint64_t at = clock_->now_ms() + static_cast<std::uint64_t>(i % 7);
        if (!timers().arm(at, d, 0, Timers::Kind::hold_down_expiry)) {
          refused.fetch_add(1, std::memory_order_relaxed);
          d->counts.drop_memory();
        }
      }
      armers_done.fetch_add(1, std::memory_order_release);
    });
  {
    ThreadScope scope;
    start.arrive_and_wait();
    while (armers_done.load(std::memory_order_acquire) < kArmers) {
      clock_->advance(1);
      fired += timers().run_due();
    }
  }
  for (auto& t : ts) t.join();
  fired += run_at(clock_->now_ms() + 10);
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(fired, std::size_t{kArmers} * kPerArmer);
  for (Dest* d : ds) EXPECT_EQ(pending(d), 0u);
  EXPECT_EQ(timers().run_due(), 0u);
}

}  // namespace
