// tests/detail/object_map_test.cpp — the lock-free key -> object map
// (src/detail/object_map.h) with destination keys (DestKey, as the tables
// use it): insert / find / remove, a present key refused, keys told apart
// by prefix length, concurrent inserts of distinct keys and of equal keys
// (exactly one wins each), and finds racing an insert/remove cycle.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <thread>
#include <vector>

#include <rtm/address.h>

#include "core/dest.h"
#include "detail/object_map.h"
#include "detail/reclaim.h"

using rtm::NetAddress;
using rtm::detail::dest_key;
using rtm::detail::DestKey;
using rtm::detail::DestKeyHash;
using rtm::detail::Guard;
using rtm::detail::ThreadScope;

namespace {

struct Item {
  int id = 0;
};
using Map = rtm::detail::ObjectMap<DestKey, DestKeyHash, Item>;

DestKey key(const char* text) { return dest_key(NetAddress::parse(text).value()); }
// Distinct /32 keys 10.x.y.z, by number.
DestKey key(std::uint32_t n) { return dest_key(NetAddress::ipv4(0x0A000000u + n, 32)); }

class ObjectMapTest : public ::testing::Test {
 protected:
  void TearDown() override {
    map_.destroy_storage();  // retires the nodes: in API context, as the core does
    rtm::detail::reclaim_all_now();
  }
  Item* find(const DestKey& k) {
    Guard g;
    return map_.find(k, g);
  }

  ThreadScope scope_;
  Map map_{64};  // few buckets: lists of several nodes
};

TEST_F(ObjectMapTest, InsertFindAndRemoveOneKey) {
  Item a{1};
  Item b{2};
  const DestKey k = key("10.0.0.0/8");
  EXPECT_EQ(find(k), nullptr);
  EXPECT_EQ(map_.size(), 0u);
  EXPECT_TRUE(map_.insert(k, &a));
  EXPECT_EQ(find(k), &a);
  EXPECT_EQ(map_.size(), 1u);
  EXPECT_FALSE(map_.insert(k, &b)) << "a present key is refused";
  EXPECT_EQ(find(k), &a) << "and keeps its object";
  EXPECT_TRUE(map_.remove(k, &a));
  EXPECT_EQ(find(k), nullptr);
  EXPECT_EQ(map_.size(), 0u);
  EXPECT_FALSE(map_.remove(k, &a)) << "already removed";
  EXPECT_TRUE(map_.insert(k, &b)) << "the key can come back";
  EXPECT_EQ(find(k), &b);
  EXPECT_TRUE(map_.remove(k, &b));
}

TEST_F(ObjectMapTest, PrefixLengthIsPartOfTheKey) {
  Item items[4] = {{8}, {16}, {24}, {32}};
  const char* prefixes[4] = {"10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.0/32"};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(map_.insert(key(prefixes[i]), &items[i]));
  EXPECT_EQ(map_.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(find(key(prefixes[i])), &items[i]) << prefixes[i];
  EXPECT_EQ(find(key("10.0.0.0/12")), nullptr);
  EXPECT_EQ(find(key("11.0.0.0/8")), nullptr);
  ASSERT_TRUE(map_.remove(key("10.0.0.0/16"), &items[1]));
  EXPECT_EQ(find(key("10.0.0.0/8")), &items[0]);
  EXPECT_EQ(find(key("10.0.0.0/24")), &items[2]);
  for (int i : {0, 2, 3}) EXPECT_TRUE(map_.remove(key(prefixes[i]), &items[i]));
}

TEST_F(ObjectMapTest, ManyKeysAndRemovalOfSome) {
  constexpr std::uint32_t kKeys = 3000;
  std::vector<Item> items(kKeys);
  for (std::uint32_t i = 0; i < kKeys; ++i) ASSERT_TRUE(map_.insert(key(i), &items[i]));
  EXPECT_EQ(map_.size(), kKeys);
  for (std::uint32_t i = 0; i < kKeys; i += 2) ASSERT_TRUE(map_.remove(key(i), &items[i]));
  EXPECT_EQ(map_.size(), kKeys / 2);
  for (std::uint32_t i = 0; i < kKeys; ++i)
    ASSERT_EQ(find(key(i)), i % 2 == 0 ? nullptr : &items[i]) << i;
  for (std::uint32_t i = 1; i < kKeys; i += 2) ASSERT_TRUE(map_.remove(key(i), &items[i]));
  EXPECT_EQ(map_.size(), 0u);
}

TEST_F(ObjectMapTest, ConcurrentInsertsOfDistinctKeysAllLand) {
  constexpr unsigned kThreads = 4;
  constexpr std::uint32_t kPerThread = 1000;
  std::vector<Item> items(kThreads * kPerThread);
  std::atomic<int> failed{0};
  std::barrier start(kThreads);
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      ThreadScope scope;
      start.arrive_and_wait();
      for (std::uint32_t i = 0; i < kPerThread; ++i) {
        const std::uint32_t n = i * kThreads + t;  // interleaved with the others' keys
        if (!map_.insert(key(n), &items[n])) failed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(map_.size(), std::size_t{kThreads} * kPerThread);
  for (std::uint32_t n = 0; n < kThreads * kPerThread; ++n) ASSERT_EQ(find(key(n)), &items[n]) << n;
  for (std::uint32_t n = 0; n < kThreads * kPerThread; ++n) ASSERT_TRUE(map_.remove(key(n), &items[n]));
}

TEST_F(ObjectMapTest, ConcurrentInsertsOfEqualKeysHaveExactlyOneWinnerEach) {
  constexpr unsigned kThreads = 4;
  constexpr std::uint32_t kKeys = 1000;
  std::vector<std::vector<Item>> items(kThreads, std::vector<Item>(kKeys));
  std::vector<std::atomic<int>> winner(kKeys);
  for (auto& w : winner) w.store(-1, std::memory_order_relaxed);
  std::atomic<int> double_wins{0};
  std::barrier start(kThreads);
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      ThreadScope scope;
      start.arrive_and_wait();
      for (std::uint32_t i = 0; i < kKeys; ++i) {
        if (map_.insert(key(i), &items[t][i]) &&
            winner[i].exchange(static_cast<int>(t), std::memory_order_relaxed) != -1)
          double_wins.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(double_wins.load(), 0);
  EXPECT_EQ(map_.size(), kKeys);
  for (std::uint32_t i = 0; i < kKeys; ++i) {
    const int w = winner[i].load(std::memory_order_relaxed);
    ASSERT_GE(w, 0) << "key " << i << " inserted by nobody";
    ASSERT_EQ(find(key(i)), &items[static_cast<unsigned>(w)][i]) << "the winner's object";
  }
  for (std::uint32_t i = 0; i < kKeys; ++i) {
    const unsigned w = static_cast<unsigned>(winner[i].load(std::memory_order_relaxed));
    ASSERT_TRUE(map_.remove(key(i), &items[w][i]));
  }
}

// One writer inserts and removes a key over and over (insert and remove of
// one key are serialised by the caller, as the header requires), mapping it
// to a different object each time; finds see one of those objects or null,
// and whatever they see is fully written.
TEST_F(ObjectMapTest, FindsRacingInsertAndRemoveSeeOnlyMappedObjects) {
  constexpr int kCycles = 2000;
  constexpr unsigned kReaders = 3;
  std::vector<Item> items(kCycles);
  for (int i = 0; i < kCycles; ++i) items[static_cast<std::size_t>(i)].id = i + 1;
  const DestKey k = key("192.0.2.0/24");
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::barrier start(kReaders + 1);
  std::vector<std::thread> ts;
  for (unsigned r = 0; r < kReaders; ++r)
    ts.emplace_back([&] {
      ThreadScope scope;
      start.arrive_and_wait();
      while (!done.load(std::memory_order_acquire)) {
        Guard g;
        const Item* p = map_.find(k, g);
        if (p == nullptr) continue;
        const std::ptrdiff_t at = p - items.data();
        if (at < 0 || at >= kCycles || p->id != at + 1) wrong.fetch_add(1, std::memory_order_relaxed);
      }
    });
  {
    ThreadScope scope;
    start.arrive_and_wait();
    for (int i = 0; i < kCycles; ++i) {
      Item* p = &items[static_cast<std::size_t>(i)];
      if (!map_.insert(k, p) || !map_.remove(k, p)) wrong.fetch_add(1, std::memory_order_relaxed);
    }
    done.store(true, std::memory_order_release);
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(find(k), nullptr);
  EXPECT_EQ(map_.size(), 0u);
}

}  // namespace
