// detail/refcount.h — split reference counts on one double-width atomic.
//
// What keeps a HANDLE valid is counted apart from what keeps MEMORY
// allocated (issue 12: a handle whose last reference went must be refused
// at once, not when reclamation happens to free the object).
//
// State: {handle, memory} in one 16-byte boost::atomic, updated with
// cmpxchg16b (-mcx16; the static_assert below fails the build if the type
// would silently fall back to Boost's lock pool).
//   handle — client references (handles in infos, route handles from
//            add_route, reference_handles ...) plus the semantic links that
//            make the object part of the table: map membership, a route
//            being in its destination, a current hold-down entry, a queued
//            changed destination, a route's link to its destination, owner,
//            neighbour and current next hops, a next hop's link to its
//            owner, an entity's registration;
//   memory — transient references that only keep the object allocated:
//            route sets and route-data versions awaiting hazard-pointer
//            reclamation, old hold sets, timer entries, callbacks in
//            flight, plus one unit for the handle side as long as it is not
//            revoked.
// Two transitions, each taken by exactly one thread at one CAS:
//   revoke — the CAS that makes `handle` zero stores kRevoked instead.
//            try_add_handle fails from then on. The revoker frees the
//            handle in the handle table (every lookup refuses it), drops
//            the object's own handle-side links on its children, then
//            drops the memory unit (see revoke() in core.cpp).
//   death  — the CAS that makes `memory` zero stores kDead instead. The
//            object is retired once; destroy() drops its memory links.
// `memory` cannot reach zero before the revoke (the unit), so a dead object
// is always revoked, and nothing revives either side.
//
// Linearization points: every operation takes effect at its successful
// CAS. "The handle is invalid" linearizes at the revoking CAS (a lookup
// that still finds the slot between that CAS and HandleTable::free fails
// its try_add_handle, or takes no reference and overlaps the release).
//
// Memory orders: increments are relaxed — the caller already reaches the
// object through a reference or a hazard pointer, and the increment
// publishes nothing. Decrements are acq_rel: release so that every use of
// the object (or of the links it stands for) by the dropping thread
// happens-before the revoke or the free, acquire on the CAS that reaches
// zero so the thread that revokes or frees sees all of them (the classic
// shared_ptr argument, applied to each side).
//
// The first guess of each CAS loop. Boost 1.74 implements the 16-byte
// load() itself with lock cmpxchg16b, so a loop that starts from load()
// pays two locked 16-byte RMWs per reference taken or dropped (a Get +
// Release of one destination takes and drops six). The loops below start
// instead from guess(): two relaxed 8-byte atomic loads of the pair's
// halves (plain movs on x86-64), through a may_alias type as Boost's own
// storage is. Mixing 8- and 16-byte atomic accesses to one location is
// outside ISO C++; GCC and clang support it, and TSan sees the two loads as
// the atomic reads they are. Why a guess is enough:
//  - every change is made by a CAS that compares the whole pair, so a
//    guess whose halves come from different moments only makes that CAS
//    fail, and the failed CAS returns the current pair (the locked read
//    load() would have done): no change rests on the guess being a
//    snapshot;
//  - the decisions taken on the guess without a CAS (return false: the
//    handle is revoked, the object dead, or a drop would go below zero)
//    look at one half, read by one relaxed atomic load: the same as the
//    relaxed load() of the whole pair gave for that half. kRevoked and
//    kDead are terminal, so a half that shows one of them shows the
//    present. The below-zero refusal needs coherence: a dropper's own
//    references were added by CASes that happen-before its drop (its own
//    earlier ones, or others' read through an RMW chain, as the
//    deregistration's hold-counter exchange in core/deregister.cpp reads
//    add_ref's), so a relaxed load reads a value that includes them
//    (read-read / write-read coherence, [intro.races]); it refuses only a
//    drop that is below zero in fact, a library bug.
//  - memory orders are unchanged: they come from the CASes.
#pragma once

#include <boost/atomic.hpp>
#include <cstdint>

namespace rtm::detail {

struct alignas(16) RefPair {
  std::uint64_t handle;
  std::uint64_t memory;
};

inline constexpr std::uint64_t kRevoked = ~std::uint64_t{0};
inline constexpr std::uint64_t kDead = ~std::uint64_t{0};

class SplitCount {
 public:
  static_assert(boost::atomic<RefPair>::is_always_lock_free,
                "double-width CAS must be lock-free: build with -mcx16");

  // `handle` links and `memory` transient references, plus the unit.
  SplitCount(std::uint64_t handle, std::uint64_t memory) noexcept
      : c_(RefPair{handle, memory + 1}) {}

  RefPair load() const noexcept { return c_.load(boost::memory_order_acquire); }
  // A guess of the current pair (see above): for the first CAS of a loop
  // and for checks of a terminal value only; not a snapshot, no order.
  RefPair guess() const noexcept {
    using Half = std::uint64_t __attribute__((__may_alias__));
    const Half* w = reinterpret_cast<const Half*>(&c_);
    return RefPair{__atomic_load_n(&w[0], __ATOMIC_RELAXED), __atomic_load_n(&w[1], __ATOMIC_RELAXED)};
  }
  bool revoked() const noexcept { return load().handle == kRevoked; }
  bool dead() const noexcept { return load().memory == kDead; }

  // Adds n handle-side references unless the handle is revoked.
  bool try_add_handle(std::uint64_t n = 1) noexcept {
    return add([](const RefPair& p) { return p.handle != kRevoked; }, n, 0);
  }
  // Adds one memory reference unless the object is dead.
  bool try_add_memory() noexcept {
    return add([](const RefPair& p) { return p.memory != kDead; }, 0, 1);
  }
  // Drop n references; true when this call revoked the handle (the caller
  // must then revoke the object: detail::revoke) / made the object dead
  // (the caller must retire it). A drop below zero is a library bug: it is
  // refused (returns false) rather than wrapping.
  bool drop_handle(std::uint64_t n = 1) noexcept {
    RefPair cur = guess();
    for (;;) {
      if (cur.handle == kRevoked || cur.handle < n) return false;
      RefPair next{cur.handle - n, cur.memory};
      const bool zero = next.handle == 0;
      if (zero) next.handle = kRevoked;
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_acq_rel,
                                   boost::memory_order_relaxed))
        return zero;
    }
  }
  bool drop_memory(std::uint64_t n = 1) noexcept {
    RefPair cur = guess();
    for (;;) {
      if (cur.memory == kDead || cur.memory < n) return false;
      RefPair next{cur.handle, cur.memory - n};
      const bool zero = next.memory == 0;
      if (zero) next.memory = kDead;
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_acq_rel,
                                   boost::memory_order_relaxed))
        return zero;
    }
  }

 private:
  template <typename Ok>
  bool add(Ok ok, std::uint64_t h, std::uint64_t m) noexcept {
    RefPair cur = guess();
    for (;;) {
      if (!ok(cur)) return false;
      RefPair next{cur.handle + h, cur.memory + m};
      if (c_.compare_exchange_weak(cur, next, boost::memory_order_relaxed,
                                   boost::memory_order_relaxed))
        return true;
    }
  }

  boost::atomic<RefPair> c_;
};
// guess() reads the pair's halves where the atomic keeps them (Boost stores
// the value's bytes, memcpy'd, as its only member; 16-aligned for
// cmpxchg16b, which also makes each half 8-aligned).
static_assert(sizeof(boost::atomic<RefPair>) == sizeof(RefPair) &&
              alignof(boost::atomic<RefPair>) == 16);

}  // namespace rtm::detail
