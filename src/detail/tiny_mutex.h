// detail/tiny_mutex.h — a 4-byte mutex for per-object writer exclusion.
//
// States: 0 unlocked, 1 locked, 2 locked with (possible) waiters. Waiters
// sleep in the kernel through C++20 atomic wait/notify (a futex on Linux),
// so a preempted holder costs waiters no CPU. lock() acquires with
// acquire order, unlock() releases with release order: everything written
// under the lock happens-before the next holder's reads.
#pragma once

#include <atomic>
#include <cstdint>

namespace rtm::detail {

class TinyMutex {
 public:
  void lock() noexcept {
    std::uint32_t c = 0;
    if (s_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed))
      return;
    if (c != 2) c = s_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      s_.wait(2, std::memory_order_relaxed);
      c = s_.exchange(2, std::memory_order_acquire);
    }
  }
  bool try_lock() noexcept {
    std::uint32_t c = 0;
    return s_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    if (s_.exchange(0, std::memory_order_release) == 2) s_.notify_one();
  }

 private:
  std::atomic<std::uint32_t> s_{0};
};

}  // namespace rtm::detail
