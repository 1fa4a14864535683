// Next-hop groups (src/fib/nh_groups.h): interning, reference counts, and
// id reuse only after a grace period no open read section survives.
#include <gtest/gtest.h>

#include <set>

#include "fib/epoch.h"
#include "fib/nh_groups.h"

using namespace rtm::fib;

namespace {

NextHopSet hops(std::initializer_list<std::uint32_t> ifaces) {
  NextHopSet s{};
  for (std::uint32_t i : ifaces) {
    auto& h = s.hops[s.count++];
    h.family = 2;
    h.address[0] = 192;
    h.address[3] = static_cast<std::uint8_t>(i);
    h.interface_index = i;
  }
  return s;
}

TEST(NhGroups, SameSetSameIdDifferentSetDifferentId) {
  NhGroups g(64);
  const GroupId a = g.acquire(hops({1, 2}));
  const GroupId b = g.acquire(hops({1, 2}));
  const GroupId c = g.acquire(hops({2, 1}));  // order is part of the set's identity
  const GroupId d = g.acquire(hops({1}));
  EXPECT_NE(a, kNoGroup);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  EXPECT_EQ(g.refs(a), 2u);
  EXPECT_EQ(g.live(), 3u);
  ReadSection rs;
  EXPECT_EQ(g.record(a).count, 2u);
  EXPECT_EQ(g.record(a).hops[1].interface_index, 2u);
  EXPECT_EQ(g.record(d).hops[0].interface_index, 1u);
}

TEST(NhGroups, BytesBeyondCountDoNotMatter) {
  NhGroups g(64);
  NextHopSet s = hops({5});
  const GroupId a = g.acquire(s);
  s.hops[3].interface_index = 99;  // garbage past count
  EXPECT_EQ(g.acquire(s), a);
  EXPECT_EQ(g.record(a).hops[3].interface_index, 0u);
}

TEST(NhGroups, OneTableFromOnePeerIsOneGroup) {
  NhGroups g(64);
  const NextHopSet s = hops({7});
  GroupId first = g.acquire(s);
  for (int i = 1; i < 100000; ++i) ASSERT_EQ(g.acquire(s), first);
  EXPECT_EQ(g.refs(first), 100000u);
  for (int i = 0; i < 100000; ++i) g.release(first);
  EXPECT_EQ(g.live(), 0u);
  EXPECT_EQ(g.limbo(), 1u);
}

TEST(NhGroups, LastReleaseRetiresAndAGracePeriodFreesTheId) {
  NhGroups g(2);  // ids 1 only (0 is kNoGroup)
  const GroupId a = g.acquire(hops({1}));
  ASSERT_NE(a, kNoGroup);
  EXPECT_EQ(g.acquire(hops({2})), kNoGroup);  // out of ids
  g.ref(a);
  g.release(a);
  EXPECT_EQ(g.limbo(), 0u);
  g.release(a);
  EXPECT_EQ(g.limbo(), 1u);
  // acquire() runs the grace period itself when it needs the id.
  const GroupId b = g.acquire(hops({2}));
  EXPECT_EQ(b, a);
  EXPECT_EQ(g.record(b).hops[0].interface_index, 2u);
}

TEST(NhGroups, AnOpenSectionKeepsARetiredIdFromReuse) {
  NhGroups g(2);
  const GroupId a = g.acquire(hops({1}));
  {
    ReadSection rs;  // as a forwarding thread that read `a` from an index
    g.release(a);
    g.reclaim();
    EXPECT_EQ(g.limbo(), 1u);
    EXPECT_EQ(g.acquire(hops({2})), kNoGroup);  // not reusable yet
    EXPECT_EQ(g.record(a).hops[0].interface_index, 1u);  // still the old record
  }
  g.reclaim();
  EXPECT_EQ(g.limbo(), 0u);
  EXPECT_EQ(g.acquire(hops({2})), a);
}

// R6: ref/release of an id that is not live are refused and change nothing.
TEST(NhGroups, RefAndReleaseOfADeadIdAreRefused) {
  NhGroups g(4);
  const GroupId a = g.acquire(hops({1}));
  EXPECT_FALSE(g.ref(kNoGroup));
  EXPECT_FALSE(g.ref(3));           // never handed out
  EXPECT_FALSE(g.ref(1u << 30));    // out of range
  EXPECT_TRUE(g.release(kNoGroup));  // ignored, as documented
  EXPECT_FALSE(g.release(3));
  EXPECT_TRUE(g.release(a));        // the last reference: retired
  EXPECT_FALSE(g.release(a));       // dead now
  EXPECT_FALSE(g.ref(a));
  EXPECT_EQ(g.live(), 0u);
  EXPECT_EQ(g.limbo(), 1u);
}

TEST(Epoch, AnOpenSectionHoldsBackTheSafeEpoch) {
  const std::uint64_t before = rtm::fib::synchronize();
  {
    ReadSection rs;
    // Inside the section: a grace period cannot pass this thread's epoch.
    const std::uint64_t s1 = rtm::fib::synchronize();
    const std::uint64_t s2 = rtm::fib::synchronize();
    EXPECT_EQ(s1, s2);
    EXPECT_GE(s1, before);
  }
  const std::uint64_t s3 = rtm::fib::synchronize();
  EXPECT_GT(s3, before);
}

TEST(Epoch, ReportsItsFenceMode) {
  // Informational: membarrier where the kernel has it, except under TSan.
  std::printf("fib epoch uses membarrier: %d\n", rtm::fib::uses_membarrier() ? 1 : 0);
  SUCCEED();
}

}  // namespace
