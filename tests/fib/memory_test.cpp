// tests/fib/memory_test.cpp — the memory figures of the forwarding indexes
// (fib::resident_in, DirIndex::memory, NhGroups::resident_bytes), which
// Instance::forwarding_stats sums: resident pages, not reservations.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include "fib/fib4.h"
#include "fib/fib6.h"
#include "fib/nh_groups.h"

using namespace rtm::fib;

namespace {

const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

TEST(FibMemory, ResidentInCountsTouchedPagesOnly) {
  EXPECT_EQ(resident_in(nullptr, 0), 0u);
  // 1 MiB: smaller than a huge page, so each touch commits one page.
  const std::size_t bytes = 1u << 20;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* b = static_cast<unsigned char*>(p);
  EXPECT_EQ(resident_in(b, bytes), 0u);
  b[0] = 1;
  b[5 * kPage + 7] = 1;
  b[bytes - 1] = 1;
  EXPECT_EQ(resident_in(b, bytes), 3 * kPage);
  // A range that starts inside a page counts that page.
  EXPECT_EQ(resident_in(b + 5 * kPage + 100, 1), kPage);
  munmap(p, bytes);
}

TEST(FibMemory, IndexFiguresFollowWhatIsWritten) {
  Fib4 f(16);
  NhGroups groups(16);
  NextHopSet s{};
  s.count = 1;
  s.hops[0].interface_index = 1;
  const GroupId g = groups.acquire(s);
  ASSERT_NE(g, kNoGroup);
  EXPECT_GE(groups.resident_bytes(), sizeof(NextHopSet));
  auto m = f.memory();
  EXPECT_EQ(m.tbl24, 0u);
  EXPECT_EQ(m.tbl8, 0u);
  ASSERT_TRUE(f.set(0x0A000000u, 8, g));  // 10/8: 2^16 tbl24 entries, 256 KiB
  m = f.memory();
  EXPECT_GE(m.tbl24, 256u << 10);
  EXPECT_LE(m.tbl24, 64u << 20);
  EXPECT_EQ(m.tbl8, 0u);
  ASSERT_TRUE(f.set(0x0A000100u, 25, g));  // a /25: one tbl8 group
  EXPECT_EQ(f.tbl8_in_use(), 1u);
  m = f.memory();
  EXPECT_GE(m.tbl8, kPage);
  EXPECT_GT(m.lists, 0u);  // the free list was written
}

TEST(FibMemory, Ipv6IndexStartsEmpty) {
  Fib6 f(16);
  const auto m = f.memory();
  EXPECT_EQ(m.tbl24, 0u);
  EXPECT_EQ(m.tbl8, 0u);
}

}  // namespace
