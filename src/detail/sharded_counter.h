// detail/sharded_counter.h — counters that many threads add to without
// writing a shared cache line.
//
// N counters, each split over kShards cache-line-aligned shards; a thread
// adds to the shard of its own (detail::counter_shard(), assigned round
// robin at its first use), so threads up to kShards never write one line
// together, and beyond that share a line only with every kShards-th
// thread. A read sums the shards: each shard's value is exact, their sum
// is a moment of no single instant while adders run (a counter is then
// off by what is in flight), and exact once they stop. A decrement may
// land on another shard than its increment (an object freed by another
// thread): a shard may go negative, the sum is right. Relaxed: a count
// orders nothing.
#pragma once

#include <atomic>
#include <cstdint>

namespace rtm::detail {

// The calling thread's shard in [0, 64): assigned on its first call.
unsigned counter_shard() noexcept;

template <int N>
class ShardedCounters {
 public:
  static constexpr unsigned kShards = 64;

  void add(int i, std::int64_t d) noexcept {
    shards_[counter_shard() % kShards].v[i].fetch_add(d, std::memory_order_relaxed);
  }
  std::int64_t sum(int i) const noexcept {
    std::int64_t s = 0;
    for (const Shard& sh : shards_) s += sh.v[i].load(std::memory_order_relaxed);
    return s;
  }

 private:
  struct alignas(64) Shard {
    std::atomic<std::int64_t> v[N] = {};
  };
  Shard shards_[kShards];
};

}  // namespace rtm::detail
