// detail/refcount.h — split reference counts on one double-width atomic.
//
// State: {external, internal} in one 16-byte boost::atomic, updated with
// cmpxchg16b (-mcx16; the static_assert below fails the build if the type
// would silently fall back to Boost's lock pool).
//   external — references handed out to entities (handles in infos, route
//              handles from add_route, reference_handles ...);
//   internal — references the table holds: map membership, route sets,
//              a route's reference on its destination, owner and next hops,
//              queue entries.
// The object is dead when both reach zero. The CAS that makes both zero
// also stores internal = kDead in the same step, so exactly one thread
// observes the transition and retires the object: it is retired once.
// Once dead, nothing can revive it: try_add_* fails on kDead and drop_*
// on a dead object is a no-op that returns false.
//
// Linearization points: every operation takes effect at its successful CAS.
//
// Memory orders: increments are relaxed — the caller already reaches the
// object through a reference or a hazard pointer, and the increment
// publishes nothing. Decrements are acq_rel: release so that every use of
// the object by the dropping thread happens-before the free, acquire on the
// CAS that reaches zero so the thread that frees sees all of them (the
// classic shared_ptr argument, applied to the pair).
#pragma once

#include <boost/atomic.hpp>
#include <cstdint>

namespace rtm::detail {

struct alignas(16) RefPair {
  std::uint64_t external;
  std::uint64_t internal;
};

inline constexpr std::uint64_t kDead = ~std::uint64_t{0};

class SplitCount {
 public:
  static_assert(boost::atomic<RefPair>::is_always_lock_free,
                "double-width CAS must be lock-free: build with -mcx16");

  SplitCount(std::uint64_t external, std::uint64_t internal) noexcept
      : c_(RefPair{external, internal}) {}

  RefPair load() const noexcept { return c_.load(boost::memory_order_acquire); }
  bool dead() const noexcept { return load().internal == kDead; }

  // Adds one external reference unless the object is dead.
  bool try_add_external() noexcept {
    RefPair cur = c_.load(boost::memory_order_relaxed);
    for (;;) {
      if (cur.internal == kDead) return false;
      RefPair next{cur.external + 1, cur.internal};
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_relaxed,
                                   boost::memory_order_relaxed))
        return true;
    }
  }
  // Adds one internal reference unless the object is dead.
  bool try_add_internal() noexcept {
    RefPair cur = c_.load(boost::memory_order_relaxed);
    for (;;) {
      if (cur.internal == kDead) return false;
      RefPair next{cur.external, cur.internal + 1};
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_relaxed,
                                   boost::memory_order_relaxed))
        return true;
    }
  }
  // Drop one reference; true when this call made the object dead (the
  // caller must then retire it). A drop below zero is a library bug: it is
  // refused (returns false) rather than wrapping.
  bool drop_external(std::uint64_t n = 1) noexcept { return drop(n, 0); }
  bool drop_internal(std::uint64_t n = 1) noexcept { return drop(0, n); }

 private:
  bool drop(std::uint64_t ext, std::uint64_t in) noexcept {
    RefPair cur = c_.load(boost::memory_order_relaxed);
    for (;;) {
      if (cur.internal == kDead || cur.external < ext || cur.internal < in) return false;
      RefPair next{cur.external - ext, cur.internal - in};
      const bool zero = next.external == 0 && next.internal == 0;
      if (zero) next.internal = kDead;
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_acq_rel,
                                   boost::memory_order_relaxed))
        return zero;
    }
  }

  boost::atomic<RefPair> c_;
};

}  // namespace rtm::detail
