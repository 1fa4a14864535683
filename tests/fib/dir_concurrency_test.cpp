// Readers of the forwarding indexes against a writer that churns nested
// prefixes and next-hop groups (src/fib/): every answer must be the
// writer's answer of some moment during the lookup; and lookups complete
// while a writer is parked inside its critical section.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fib/fib_test_util.h"
#include "test_hook_util.h"

using namespace rtm_fib_test;
using rtm::fib::GroupId;
using rtm::fib::kNoGroup;
using rtm::fib::NextHopSet;
using rtm::fib::NhGroups;
using rtm::fib::ReadSection;

namespace {

// Per probe address, the answers it has had, as interface numbers (0: no
// route). The writer appends the new answer at hi+1 and publishes hi
// before the index write, and raises lo to hi after it, so at every moment
// the index's answer for the probe is one of hist[lo..hi]. A reader that
// reads lo before its lookup and hi after may have seen only those values.
struct ProbeLog {
  explicit ProbeLog(std::size_t cap) : hist(cap) {}
  std::vector<std::uint32_t> hist;
  std::atomic<std::size_t> lo{0}, hi{0};
};

NextHopSet iface(std::uint32_t i) {
  NextHopSet s{};
  s.count = 1;
  s.hops[0].family = 2;
  s.hops[0].interface_index = i;
  return s;
}

template <class F>
class DirConcurrency : public ::testing::Test {};
using Families = ::testing::Types<V4, V6>;
TYPED_TEST_SUITE(DirConcurrency, Families);

TYPED_TEST(DirConcurrency, EveryAnswerWasCurrentDuringItsLookup) {
  using F = TypeParam;
  constexpr int kOps = 3000;
  constexpr int kProbes = 48;
  constexpr int kReaders = 2;
  auto idx = F::make();
  NhGroups groups(256);  // few ids: released ids are reused often
  Model m;                // prefix -> interface number (the model's "group")
  std::map<Model::Key, GroupId> gid;  // prefix -> its group in `groups`
  PrefixGen<F> gen(42, /*short_prefixes=*/false);  // no /0, /8: 2^16+ entries per write

  std::vector<u128> probe;
  std::vector<std::unique_ptr<ProbeLog>> log;
  for (int i = 0; i < kProbes; ++i) {
    probe.push_back(gen.near());
    log.push_back(std::make_unique<ProbeLog>(kOps + 1));
  }

  std::atomic<bool> done{false};
  std::atomic<long> checked{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r)
    readers.emplace_back([&, r] {
      std::mt19937_64 rng(100 + r);
      long n = 0;
      while (!done.load(std::memory_order_acquire)) {
        const std::size_t i = rng() % kProbes;
        const std::size_t lo = log[i]->lo.load(std::memory_order_acquire);
        std::uint32_t got;
        {
          ReadSection rs;
          const GroupId g = idx.lookup(F::key(probe[i]));
          got = g == kNoGroup ? 0 : groups.record(g).hops[0].interface_index;
        }
        const std::size_t hi = log[i]->hi.load(std::memory_order_acquire);
        bool ok = false;
        for (std::size_t j = lo; j <= hi && !ok; ++j) ok = log[i]->hist[j] == got;
        if (!ok) {
          ADD_FAILURE() << "probe " << i << " answered " << got << ", not current in [" << lo << "," << hi << "]";
          return;
        }
        ++n;
      }
      checked.fetch_add(n);
    });

  for (int op = 0; op < kOps; ++op) {
    auto [p, len] = gen.next();
    const Model::Key k{len, p};
    const bool add = gen.rng() % 2 == 0 || m.prefixes.count(k) == 0;
    Model next = m;
    const std::uint32_t ifc = 1 + static_cast<std::uint32_t>(gen.rng() % 40);
    if (add)
      next.prefixes[k] = ifc;
    else
      next.prefixes.erase(k);
    // (1) publish the coming answers.
    std::vector<int> changed;
    for (int i = 0; i < kProbes; ++i) {
      const std::uint32_t before = m.lookup(probe[i]), after = next.lookup(probe[i]);
      if (before == after) continue;
      auto& l = *log[i];
      const std::size_t h = l.hi.load(std::memory_order_relaxed) + 1;
      l.hist[h] = after;
      l.hi.store(h, std::memory_order_release);
      changed.push_back(i);
    }
    // (2) the index write, with the group protocol of fib/nh_groups.h.
    if (add) {
      const GroupId g = groups.acquire(iface(ifc));
      ASSERT_NE(g, kNoGroup);
      ASSERT_TRUE(idx.set(F::key(p), len, g));
      auto it = gid.find(k);
      if (it != gid.end()) groups.release(it->second);
      gid[k] = g;
    } else {
      const rtm::fib::Cover c = next.cover(p, len);
      const Model::Key ck{c.len, p & mask(c.len)};
      const GroupId cg = c.group == 0 ? kNoGroup : gid.at(ck);
      idx.clear(F::key(p), len, rtm::fib::Cover{c.len, cg});
      groups.release(gid.at(k));
      gid.erase(k);
    }
    // (3) the write is complete: only the newest answer is current.
    for (int i : changed) log[static_cast<std::size_t>(i)]->lo.store(log[static_cast<std::size_t>(i)]->hi.load(std::memory_order_relaxed), std::memory_order_release);
    m = std::move(next);
  }
  done.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_GT(checked.load(), 0);
  std::printf("checked %ld answers\n", checked.load());
}

TYPED_TEST(DirConcurrency, LookupsCompleteWhileTheWriterIsParked) {
  using F = TypeParam;
  auto idx = F::make();
  const u128 base = u128{0xC6336400u} << 96;  // 198.51.100.0 / c633:6400::
  const unsigned deep = F::kBits == 32 ? 30 : 56;
  ASSERT_TRUE(idx.set(F::key(base), 16, 1));
  for (const char* point : {"fib.set", "fib.clear"}) {
    rtm_test::HookParker park(point);
    std::thread writer([&] {
      if (std::string(point) == "fib.set")
        idx.set(F::key(base), deep, 2);  // parks holding the writer mutex
      else
        idx.clear(F::key(base), deep, rtm::fib::Cover{16, 1});
    });
    park.wait_arrived();
    std::uint32_t want = std::string(point) == "fib.set" ? 1u : 2u;
    for (int i = 0; i < 100000; ++i) {
      ReadSection rs;
      ASSERT_EQ(idx.lookup(F::key(base)), want);
    }
    // A grace period does not wait for the parked writer either.
    rtm::fib::synchronize();
    park.release();
    writer.join();
    ReadSection rs;
    EXPECT_EQ(idx.lookup(F::key(base)), std::string(point) == "fib.set" ? 2u : 1u);
  }
}

TEST(NhGroupsConcurrency, RecordsReadableWhileTheGroupWriterIsParked) {
  NhGroups groups(16);
  const GroupId a = groups.acquire(iface(3));
  rtm_test::HookParker park("fib.groups.acquire");
  std::thread writer([&] { groups.acquire(iface(4)); });
  park.wait_arrived();
  for (int i = 0; i < 100000; ++i) {
    ReadSection rs;
    ASSERT_EQ(groups.record(a).hops[0].interface_index, 3u);
  }
  park.release();
  writer.join();
}

}  // namespace
