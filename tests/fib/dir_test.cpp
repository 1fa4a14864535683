// The forwarding indexes (src/fib/dir.h: Fib4, Fib6) against a brute-force
// longest match after every write of random nested adds and removes, and
// the writer-side accounting (groups collapse back to none).
#include <gtest/gtest.h>

#include "fib/fib_test_util.h"

using namespace rtm_fib_test;
using rtm::fib::GroupId;
using rtm::fib::ReadSection;

namespace {

template <class F>
class DirModel : public ::testing::Test {};
using Families = ::testing::Types<V4, V6>;
TYPED_TEST_SUITE(DirModel, Families);

template <class F>
void check_all(const typename F::Index& idx, const Model& m, PrefixGen<F>& gen, int probes) {
  ReadSection rs;
  for (int i = 0; i < probes; ++i) {
    // Addresses under installed prefixes, near the bases, and anywhere.
    u128 a;
    const int kind = i % 3;
    if (kind == 0 && !m.prefixes.empty()) {
      auto it = m.prefixes.begin();
      std::advance(it, static_cast<long>(gen.rng() % m.prefixes.size()));
      a = gen.inside(it->first.second, it->first.first);
    } else {
      a = kind == 1 ? gen.near() : gen.any();
    }
    ASSERT_EQ(idx.lookup(F::key(a)), m.lookup(a)) << "probe " << i;
  }
}

TYPED_TEST(DirModel, RandomNestedWritesMatchBruteForce) {
  using F = TypeParam;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    auto idx = F::make();
    Model m;
    PrefixGen<F> gen(seed);
    for (int op = 0; op < 400; ++op) {
      auto [p, len] = gen.next();
      const Model::Key k{len, p};
      if (gen.rng() % 3 != 0 || m.prefixes.count(k) == 0) {
        const GroupId g = 1 + static_cast<GroupId>(gen.rng() % 5);
        ASSERT_TRUE(idx.set(F::key(p), len, g));
        m.prefixes[k] = g;
      } else {
        m.prefixes.erase(k);
        idx.clear(F::key(p), len, m.cover(p, len));
      }
      check_all<F>(idx, m, gen, 60);
    }
    // Batch lookups agree with single ones.
    std::vector<typename F::Index::Key> keys;
    std::vector<GroupId> want;
    for (int i = 0; i < 1000; ++i) {
      const u128 a = i % 2 ? gen.near() : gen.any();
      keys.push_back(F::key(a));
      want.push_back(m.lookup(a));
    }
    std::vector<GroupId> got(keys.size());
    {
      ReadSection rs;
      idx.lookup_batch(keys.data(), got.data(), keys.size());
    }
    EXPECT_EQ(got, want);
    // Removing everything (longest first or not: cover from the model)
    // collapses every group.
    while (!m.prefixes.empty()) {
      auto it = m.prefixes.begin();
      std::advance(it, static_cast<long>(gen.rng() % m.prefixes.size()));
      const auto [len, p] = it->first;
      m.prefixes.erase(it);
      idx.clear(F::key(p), len, m.cover(p, len));
      check_all<F>(idx, m, gen, 20);
    }
    EXPECT_EQ(idx.tbl8_in_use(), 0u) << "seed " << seed;
  }
}

TYPED_TEST(DirModel, ReplaceKeepsMoreSpecifics) {
  using F = TypeParam;
  auto idx = F::make();
  const u128 base = u128{0x0A000000u} << 96;  // 10.0.0.0 / 0a00::
  const unsigned deep = F::kBits == 32 ? 28 : 64;
  ASSERT_TRUE(idx.set(F::key(base), 8, 1));
  ASSERT_TRUE(idx.set(F::key(base), deep, 2));
  ASSERT_TRUE(idx.set(F::key(base), 8, 3));  // replace the covering prefix
  ReadSection rs;
  EXPECT_EQ(idx.lookup(F::key(base)), 2u);
  EXPECT_EQ(idx.lookup(F::key(base | (u128{1} << (128 - deep)))), 3u);  // last bit of deep flipped
  EXPECT_EQ(idx.lookup(F::key(u128{0x0B} << 120)), 0u);                  // a miss
  ASSERT_TRUE(idx.set(F::key(0), 0, 9));  // a default route under everything
  EXPECT_EQ(idx.lookup(F::key(u128{0x0B} << 120)), 9u);
  EXPECT_EQ(idx.lookup(F::key(base)), 2u);
  idx.clear(F::key(0), 0, {});
  EXPECT_EQ(idx.lookup(F::key(u128{0x0B} << 120)), 0u);
  EXPECT_EQ(idx.lookup(F::key(base | (u128{1} << (128 - deep)))), 3u);
}

TYPED_TEST(DirModel, ClearOfAbsentPrefixChangesNothing) {
  using F = TypeParam;
  auto idx = F::make();
  const u128 base = u128{0xC0000200u} << 96;
  ASSERT_TRUE(idx.set(F::key(base), 16, 7));
  idx.clear(F::key(base), F::kBits, rtm::fib::Cover{16, 7});  // never installed
  idx.clear(F::key(base), 20, rtm::fib::Cover{16, 7});
  ReadSection rs;
  EXPECT_EQ(idx.lookup(F::key(base)), 7u);
  EXPECT_EQ(idx.tbl8_in_use(), 0u);
}

TEST(Fib4, OutOfGroupsLeavesTheIndexUnchanged) {
  rtm::fib::Fib4 idx(2);
  ASSERT_TRUE(idx.set(0x0A000000u, 25, 1));
  ASSERT_TRUE(idx.set(0x0B000000u, 25, 2));
  EXPECT_FALSE(idx.set(0x0C000000u, 25, 3));
  ReadSection rs;
  EXPECT_EQ(idx.lookup(0x0C000000u), 0u);
  EXPECT_EQ(idx.lookup(0x0A000001u), 1u);
  EXPECT_EQ(idx.tbl8_in_use(), 2u);
}

TEST(Fib4, CollapsedGroupsAreReusedAfterAGracePeriod) {
  rtm::fib::Fib4 idx(1);
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(idx.set(0x0A000000u, 30, 1)) << round;
    idx.clear(0x0A000000u, 30, {});
    EXPECT_EQ(idx.tbl8_in_use(), 0u);
    // With no open section the next set() finds the group reusable
    // (it runs the grace period itself if it must).
  }
}

TEST(Fib4, AGroupRetiredDuringAnOpenSectionWaitsForIt) {
  rtm::fib::Fib4 idx(1);
  ASSERT_TRUE(idx.set(0x0A000000u, 30, 1));
  {
    ReadSection rs;  // this thread is a reader that may hold the group
    idx.clear(0x0A000000u, 30, {});
    idx.reclaim();
    EXPECT_EQ(idx.tbl8_limbo(), 1u);
    EXPECT_FALSE(idx.set(0x0B000000u, 30, 2));  // its only group is not reusable yet
  }
  idx.reclaim();
  EXPECT_EQ(idx.tbl8_limbo(), 0u);
  EXPECT_TRUE(idx.set(0x0B000000u, 30, 2));
}

// R6: invalid writer input is refused and changes nothing.
TEST(Fib4, InvalidWritesAreRefused) {
  rtm::fib::Fib4 idx(4);
  ASSERT_TRUE(idx.set(0x0A000000u, 8, 1));
  EXPECT_FALSE(idx.set(0x0A000000u, 16, rtm::fib::kNoGroup));
  EXPECT_FALSE(idx.set(0x0A000000u, 16, rtm::fib::kMaxGroupIds));
  EXPECT_FALSE(idx.set(0x0A000000u, 33, 2));
  EXPECT_FALSE(idx.clear(0x0A000000u, 8, {8, 3}));   // a cover must be shorter
  EXPECT_FALSE(idx.clear(0x0A000000u, 8, {9, 3}));
  EXPECT_FALSE(idx.clear(0x0A000000u, 33, {}));
  EXPECT_FALSE(idx.clear(0x0A000000u, 8, {0, rtm::fib::kMaxGroupIds}));
  EXPECT_TRUE(idx.clear(0x0B000000u, 8, {}));         // absent: valid, no change
  ReadSection rs;
  EXPECT_EQ(idx.lookup(0x0A010203u), 1u);
  EXPECT_EQ(idx.lookup(0x0B010203u), rtm::fib::kNoGroup);
  EXPECT_EQ(idx.tbl8_in_use(), 0u);
}

}  // namespace
