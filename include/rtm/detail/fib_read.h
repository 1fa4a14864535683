// rtm/detail/fib_read.h — the read side of the forwarding indexes: their
// entry format and the lookup loops, in a public header so that
// ForwardingSession (rtm/forwarding.h) inlines them into a caller's loop, as
// rte_lpm's lookup inlines from its header. Not an API of its own: the
// format may change with any release (the library and its callers are built
// from the same headers; a session only reads tables the library built).
//
// The library's indexes (src/fib/dir.h) run these same functions: this is
// the one copy of the lookup code. What the loads may assume (a read
// section open around them, acquire pairing with the writers' release
// stores, the consistency argument) is stated in src/fib/dir.h and
// src/fib/epoch.cpp.
//
// Entry (32 bits):
//   leaf:      depth << 24 | group id   (depth 0..128: the length of the
//                                        prefix the entry came from; group
//                                        id 0 = no route)
//   extended:  0xFF << 24  | tbl8 group index (256 entries per group)
// Level 0 (tbl24) is indexed by the address's top 24 bits, each tbl8 level
// by the next address byte.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rtm::fib_read {

using Entry = std::uint32_t;
using Slot = std::atomic<Entry>;

inline constexpr Entry kExtMin = 0xFF000000u;
inline constexpr Entry kPayload = 0x00FFFFFFu;
inline constexpr std::uint32_t kTbl24Mask = 0x00FFFFFFu;

// Next-hop records (rtm::ForwardingResult, 388 bytes) lie one per 512
// bytes, so a group id becomes its record's byte offset with a shift: the
// multiply by 388 it replaced cost a session's single lookup about a
// quarter of its time on the Tier-1 table (docs/fast_path.md).
inline constexpr unsigned kRecordShift = 9;

constexpr bool is_ext(Entry e) noexcept { return e >= kExtMin; }

// An always-zero entry: what a batch's leaf lanes load (it stays cached),
// and the whole tbl24 of a session that has no index (mask 0).
inline const Slot kZeroSlot{0};

struct Ipv4Traits {
  using Key = std::uint32_t;  // host order
  static constexpr unsigned kBits = 32;
  static std::uint32_t top24(Key k) noexcept { return k >> 8; }
  // Byte i of the address, 0 the most significant (i in 0..3).
  static unsigned byte(Key k, unsigned i) noexcept { return (k >> (24 - 8 * i)) & 0xFFu; }
};

struct Ipv6Key {
  std::uint64_t hi = 0;  // bytes 0..7, host order
  std::uint64_t lo = 0;  // bytes 8..15
};

// The key of 16 address bytes (network order).
inline Ipv6Key ipv6_key(const std::uint8_t* b) noexcept {
  Ipv6Key k;
  for (int i = 0; i < 8; ++i) k.hi = k.hi << 8 | b[i];
  for (int i = 8; i < 16; ++i) k.lo = k.lo << 8 | b[i];
  return k;
}

struct Ipv6Traits {
  using Key = Ipv6Key;
  static constexpr unsigned kBits = 128;
  static std::uint32_t top24(const Key& k) noexcept { return static_cast<std::uint32_t>(k.hi >> 40); }
  // Byte i of the address, 0 the most significant (i in 0..15).
  static unsigned byte(const Key& k, unsigned i) noexcept {
    return i < 8 ? (k.hi >> (56 - 8 * i)) & 0xFFu : (k.lo >> (56 - 8 * (i - 8))) & 0xFFu;
  }
};

// The tables one lookup reads. mask is kTbl24Mask for a real index, 0 for
// a session without one (tbl24 is then &kZeroSlot: every key reads entry 0,
// a leaf without a route, and tbl8 is never read).
struct Tables {
  const Slot* tbl24 = &kZeroSlot;
  const Slot* tbl8 = nullptr;
  std::uint32_t mask = 0;
};

// The leaf entry for k: one acquire load per level visited (pairs with the
// writer's release stores, src/fib/dir.h (D1)/(D2)).
template <class Traits>
inline Entry lookup_leaf(const Tables t, const typename Traits::Key& k) noexcept {
  Entry e = t.tbl24[Traits::top24(k) & t.mask].load(std::memory_order_acquire);
  if constexpr (Traits::kBits == 32) {
    if (is_ext(e)) [[unlikely]]
      e = t.tbl8[(e & kPayload) << 8 | Traits::byte(k, 3)].load(std::memory_order_acquire);
  } else {
    for (unsigned i = 3; is_ext(e); ++i)
      e = t.tbl8[(e & kPayload) << 8 | Traits::byte(k, i)].load(std::memory_order_acquire);
  }
  return e;
}

// The group ids of keys[0..n): sink(i, id) for each.
//
// IPv4: one key after another, with the tbl24 line of the key kAhead
// places on prefetched (as rte_fib's scalar bulk lookup does). A prefetch
// is one instruction that nothing waits for, so the misses of kAhead keys
// overlap while each key's own instructions find its entry cached; a loop
// that loads the entries of many keys first instead keeps every load's
// dependent instructions waiting in the scheduler, which limits the loads
// in flight. The one tbl8 level is a branch: a random address almost never
// meets an extended entry (the Tier-1 table has a few hundred tbl8 groups
// among 2^24 entries). A prefetch has no effect on the memory model.
//
// IPv6: level by level over chunks of 16 keys: the loads of one level are
// independent, and the step to the next level is a conditional move, not a
// branch on a missing load (most IPv6 lookups go several levels deep).
template <class Traits, class Sink>
inline void lookup_batch(const Tables t, const typename Traits::Key* keys, std::size_t n,
                         Sink&& sink) noexcept {
  if constexpr (Traits::kBits == 32) {
    constexpr std::size_t kAhead = 16;
    const std::size_t pre = n < kAhead ? n : kAhead;
    for (std::size_t i = 0; i < pre; ++i)
      __builtin_prefetch(&t.tbl24[Traits::top24(keys[i]) & t.mask]);
    std::size_t i = 0;
    for (; i + pre < n; ++i) {
      __builtin_prefetch(&t.tbl24[Traits::top24(keys[i + pre]) & t.mask]);
      sink(i, lookup_leaf<Traits>(t, keys[i]) & kPayload);
    }
    for (; i < n; ++i) sink(i, lookup_leaf<Traits>(t, keys[i]) & kPayload);
    return;
  }
  constexpr std::size_t kChunk = 16;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t m = n - base < kChunk ? n - base : kChunk;
    const typename Traits::Key* k = keys + base;
    Entry e[kChunk];
    for (std::size_t i = 0; i < m; ++i)
      e[i] = t.tbl24[Traits::top24(k[i]) & t.mask].load(std::memory_order_acquire);
    for (unsigned level = 3; level < Traits::kBits / 8; ++level) {
      bool any = false;
      for (std::size_t i = 0; i < m; ++i) {
        const bool x = is_ext(e[i]);
        any |= x;
        const Slot* p = x ? &t.tbl8[(e[i] & kPayload) << 8 | Traits::byte(k[i], level)] : &kZeroSlot;
        const Entry next = p->load(std::memory_order_acquire);
        e[i] = x ? next : e[i];
      }
      if (!any) break;
    }
    for (std::size_t i = 0; i < m; ++i) sink(base + i, e[i] & kPayload);
  }
}

}  // namespace rtm::fib_read
