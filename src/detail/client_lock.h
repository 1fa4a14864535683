// detail/client_lock.h — the reader-writer lock behind RtmLockDestination,
// RtmLockRoute and RtmLockNextHop.
//
// State: 0 free, -1 held exclusively, n > 0 held shared n times. Acquire
// is a CAS with acquire order, release a CAS with release order, so what a
// client wrote under an exclusive hold happens-before the next holder's
// reads. Waiters sleep on the word (C++20 atomic wait: a futex), woken by
// every release. The lock does not record which entity holds it (RTMv2
// does not either): unlocking in a mode that is not held is refused.
#pragma once

#include <atomic>
#include <cstdint>

namespace rtm::detail {

class ClientLock {
 public:
  void lock(bool exclusive) noexcept {
    std::int32_t c = s_.load(std::memory_order_relaxed);
    for (;;) {
      const bool free = exclusive ? c == 0 : c >= 0;
      if (free) {
        if (s_.compare_exchange_weak(c, exclusive ? -1 : c + 1, std::memory_order_acquire,
                                     std::memory_order_relaxed))
          return;
        continue;  // c reloaded by the failed CAS
      }
      s_.wait(c, std::memory_order_relaxed);
      c = s_.load(std::memory_order_relaxed);
    }
  }
  // False (and nothing changes) if not held in that mode.
  bool unlock(bool exclusive) noexcept {
    std::int32_t c = s_.load(std::memory_order_relaxed);
    for (;;) {
      if (exclusive ? c != -1 : c <= 0) return false;
      if (s_.compare_exchange_weak(c, exclusive ? 0 : c - 1, std::memory_order_release,
                                   std::memory_order_relaxed)) {
        s_.notify_all();
        return true;
      }
    }
  }
  // Shared -> exclusive, only for the sole shared holder (acquire, as a lock).
  bool try_upgrade() noexcept {
    std::int32_t one = 1;
    return s_.compare_exchange_strong(one, -1, std::memory_order_acquire,
                                      std::memory_order_relaxed);
  }
  // Exclusive -> shared, for a holder that refreshed state under the
  // exclusive hold (release: the refresh happens-before other readers).
  void downgrade() noexcept {
    s_.store(1, std::memory_order_release);
    s_.notify_all();
  }
  bool held_exclusive() const noexcept { return s_.load(std::memory_order_acquire) == -1; }

 private:
  std::atomic<std::int32_t> s_{0};
};

}  // namespace rtm::detail
