// Next-hop reads are lock-free: get_next_hop_info never waits for a writer
// of the same next hop (issue 12, defect 11), and always returns one
// version of the mutable attributes (state, flags, entity-specific info).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

int g_old_tag, g_new_tag;  // addresses used as entity-specific info

rtm::NextHopInfo hop(std::uint16_t flags, void* esi) {
  rtm::NextHopInfo i;
  i.address = P("192.0.2.1");
  i.interface_index = 3;
  i.flags = flags;
  i.entity_specific_info = esi;
  return i;
}

// Whether (flags, esi) is one of the versions a writer stored.
bool one_version(const rtm::NextHopInfo& got) {
  return (got.flags == 0 && got.entity_specific_info == &g_old_tag) ||
         (got.flags == rtm::kNextHopFlagDown && got.entity_specific_info == &g_new_tag);
}

}  // namespace

// A writer parked inside its critical section (hook "next_hop.write") must
// not stall a reader. The reader runs on its own thread; this thread waits
// for it on a condition variable with a generous bound. The bound is not
// synchronisation: the reader is expected to finish at once, and the bound
// only turns "the reader waits for the parked writer forever" (the seqlock
// reader spun while the writer's section was open) into a reported failure
// instead of a hung suite. It is the one bounded wait of the test suite.
TEST_F(RtmTest, NextHopReaderCompletesWhileAWriterIsParkedInItsSection) {
  rtm::NextHopHandle h;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop(0, &g_old_tag), &h, &ch), errc::ok);

  HookParker park("next_hop.write");
  std::thread writer([&] {
    rtm::NextHopHandle same = h;
    rtm::NextHopChangeFlags c = 0;
    EXPECT_EQ(rtm().add_next_hop(a_, hop(rtm::kNextHopFlagDown, &g_new_tag), &same, &c),
              errc::ok);
  });
  park.wait_arrived();  // the writer is inside the next hop's write section

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  errc res = errc::invalid_parameter;
  rtm::NextHopInfo got;
  std::thread reader([&] {
    rtm::NextHopInfo info;
    const errc r = rtm().get_next_hop_info(a_, h, &info);
    std::lock_guard l(mu);
    res = r;
    got = info;
    done = true;
    cv.notify_all();
  });
  bool finished;
  {
    std::unique_lock l(mu);
    finished = cv.wait_for(l, std::chrono::seconds(30), [&] { return done; });
  }
  park.release();
  writer.join();
  reader.join();  // with the writer gone, a waiting reader finishes too
  EXPECT_TRUE(finished) << "get_next_hop_info waited for a writer parked in its section";
  ASSERT_EQ(res, errc::ok);
  EXPECT_TRUE(one_version(got)) << "flags " << got.flags << " with esi " << got.entity_specific_info;
  if (finished) {
    // Read while the writer had published nothing: the old version.
    EXPECT_EQ(got.flags, 0u);
    EXPECT_EQ(got.entity_specific_info, &g_old_tag);
  }
  EXPECT_EQ(got.state, rtm::kNextHopStateCreated);
  EXPECT_EQ(rtm().release_next_hop_info(a_, got), errc::ok);

  rtm::NextHopInfo after;
  ASSERT_EQ(rtm().get_next_hop_info(a_, h, &after), errc::ok);
  EXPECT_EQ(after.flags, rtm::kNextHopFlagDown) << "the writer's version is visible after it";
  EXPECT_EQ(after.entity_specific_info, &g_new_tag);
  EXPECT_EQ(rtm().release_next_hop_info(a_, after), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(a_, {&h, 1}), errc::ok);
}

// Readers racing a writer that flips between two versions, then a delete:
// every read is one whole version, and once the delete is seen the state
// stays deleted with the last version's attributes.
TEST_F(RtmTest, NextHopReadsRacingWritersSeeWholeVersions) {
  rtm::NextHopHandle h;
  rtm::NextHopChangeFlags ch = 0;
  ASSERT_EQ(rtm().add_next_hop(a_, hop(0, &g_old_tag), &h, &ch), errc::ok);
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, resurrected{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      bool seen_deleted = false;
      while (!stop.load(std::memory_order_acquire)) {
        rtm::NextHopInfo i;
        if (rtm().get_next_hop_info(a_, h, &i) != errc::ok) continue;
        if (!one_version(i)) torn.fetch_add(1);
        if (i.state == rtm::kNextHopStateDeleted) seen_deleted = true;
        else if (seen_deleted) resurrected.fetch_add(1);
        EXPECT_EQ(rtm().release_next_hop_info(a_, i), errc::ok);
      }
    });
  }
  for (int k = 0; k < 20000; ++k) {
    rtm::NextHopHandle same = h;
    const bool odd = (k & 1) != 0;
    ASSERT_EQ(rtm().add_next_hop(a_, odd ? hop(rtm::kNextHopFlagDown, &g_new_tag)
                                         : hop(0, &g_old_tag),
                                 &same, &ch),
              errc::ok);
  }
  ASSERT_EQ(rtm().delete_next_hop(a_, h, nullptr), errc::ok);
  stop.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0) << "a read mixed two versions";
  EXPECT_EQ(resurrected.load(), 0) << "a deleted next hop was read as created again";
  rtm::NextHopInfo i;
  ASSERT_EQ(rtm().get_next_hop_info(a_, h, &i), errc::ok);
  EXPECT_EQ(i.state, rtm::kNextHopStateDeleted);
  EXPECT_EQ(i.flags, rtm::kNextHopFlagDown) << "the last version written (k = 19999)";
  EXPECT_EQ(i.entity_specific_info, &g_new_tag);
  EXPECT_EQ(rtm().release_next_hop_info(a_, i), errc::ok);
  EXPECT_EQ(rtm().release_next_hops(a_, {&h, 1}), errc::ok);
}
