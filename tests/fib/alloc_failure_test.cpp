// tests/fib/alloc_failure_test.cpp — allocation failures in the fib
// writers: no id or tbl8 group is handed out twice or lost, and set/clear
// allocate nothing after construction. Failures are injected by replacing
// operator new in this test binary (the fib sites allocate through
// std::vector and std::unordered_multimap; the library's fault injection
// covers only the core's sites).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <map>
#include <set>

#include "fib/fib6.h"
#include "fib/nh_groups.h"

namespace {
// Allocations on this thread until one fails: 0 off, n > 0 the n-th fails,
// kEvery every one fails.
constinit thread_local long t_fail_in = 0;
constexpr long kEvery = -1;
// Out of line, so that GCC does not pair the replaced operator new with a
// visible free() (-Wmismatched-new-delete) where it inlines both.
__attribute__((noinline)) void release_block(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
  if (t_fail_in == kEvery || (t_fail_in > 0 && --t_fail_in == 0)) throw std::bad_alloc();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release_block(p); }
void operator delete(void* p, std::size_t) noexcept { release_block(p); }

namespace {

using namespace rtm::fib;

NextHopSet hop(std::uint32_t i) {
  NextHopSet s{};
  s.count = 1;
  s.hops[0].interface_index = i;
  return s;
}

// B1: a failure anywhere in acquire() while it reclaims ids leaves every id
// with one owner.
TEST(FibAllocFailure, AcquireNeverHandsOutAnIdTwice) {
  for (long n = 1; n <= 4; ++n) {
    NhGroups g(3);  // ids 1 and 2
    const GroupId a = g.acquire(hop(1));
    const GroupId b = g.acquire(hop(2));
    ASSERT_TRUE(g.release(a));
    const GroupId c = g.acquire(hop(3));  // reuses a after a grace period
    ASSERT_NE(c, kNoGroup);
    ASSERT_TRUE(g.release(c));
    ASSERT_TRUE(g.release(b));  // limbo: both ids
    std::set<GroupId> ids;
    std::map<GroupId, std::uint32_t> iface;
    GroupId x = kNoGroup;
    t_fail_in = n;
    try {
      x = g.acquire(hop(4));
    } catch (const std::bad_alloc&) {
    }
    t_fail_in = 0;
    if (x != kNoGroup) {
      ids.insert(x);
      iface[x] = 4;
    }
    for (std::uint32_t i = 5; i < 8; ++i)
      if (const GroupId x = g.acquire(hop(i)); x != kNoGroup) {
        EXPECT_TRUE(ids.insert(x).second) << "id " << x << " handed out twice, n=" << n;
        iface[x] = i;
      }
    EXPECT_EQ(ids.size(), 2u) << n;
    EXPECT_EQ(g.live(), ids.size()) << n;
    for (auto [id, i] : iface) EXPECT_EQ(g.record(id).hops[0].interface_index, i) << n;
  }
}

// B2: clear() and set() allocate nothing, so a failing allocator cannot stop
// one halfway (IPv6: a clear collapses and retires two groups in a row).
TEST(FibAllocFailure, SetAndClearNeverAllocate) {
  Fib6 idx(2);
  const Ipv6Key p{0x20010db800000000ull, 0};
  for (int round = 0; round < 3; ++round) {
    bool set_ok = false, threw = false;
    t_fail_in = kEvery;  // gtest itself allocates: no EXPECT until disarmed
    try {
      set_ok = idx.set(p, 40, 1);
      idx.clear(p, 40, {});
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    t_fail_in = 0;
    EXPECT_TRUE(set_ok) << round;
    EXPECT_FALSE(threw) << round;
    EXPECT_EQ(idx.tbl8_in_use(), 0u) << round;
    idx.reclaim();
    EXPECT_EQ(idx.tbl8_limbo(), 0u) << round;  // both groups back, none lost
  }
}

}  // namespace
