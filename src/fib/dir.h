// fib/dir.h — the longest-prefix index of the forwarding fast path, one
// template for both families: DIR-24-8 for IPv4 (fib/fib4.h) and the same
// scheme with more 8-bit levels for IPv6 (fib/fib6.h).
//
// Layout. Level 0 ("tbl24") has 2^24 entries indexed by the address's top
// 24 bits; below it, 256-entry groups ("tbl8"), each indexed by the next
// address byte: one level for IPv4 (bits 24..31), up to 13 for IPv6. An
// entry is 32 bits:
//   leaf:      depth << 24 | group id   (depth 0..128: the length of the
//                                        prefix the entry came from; group
//                                        id 0 = no route)
//   extended:  0xFF << 24  | tbl8 group index
// tbl24 and the tbl8 groups are reserved as two virtual regions
// (MAP_NORESERVE, zero = "no route", touched on first write), so readers
// index them directly and nothing ever moves.
//
// Readers (lookup, lookup_batch): wait-free, inside a ReadSection
// (fib/epoch.h) that also covers the use of the returned group id: no
// lock, no retry, no shared write, no allocation. One acquire load per
// level visited: IPv4 one or two, IPv6 one plus one per 8 bits of the
// matched prefix beyond 24. Plus, for the caller, one load of the group
// record (NhGroups::record).
//
// Consistency rule: each lookup returns, for its address, the index's
// answer at some moment during the call (the group of the longest
// installed prefix covering the address at that moment). Why:
//  - Every store the writer makes replaces one entry by a value that is
//    right at the moment of the store for every address it covers (the
//    writer keeps the index exact entry by entry, fib/dir_impl.h).
//  - A path tbl24 -> tbl8 -> ... is read top down. If the reader loaded
//    an extended entry naming group g at time t1 and loads g's entry at
//    t2, either the link was still in place at t2 (the entry read is the
//    answer at t2), or the writer collapsed g at some tc in (t1, t2):
//    collapse stores into the parent the value every entry of g held,
//    and never writes g afterwards (g is retired), so the reader's value
//    is the answer at tc.
//  - A retired tbl8 group and a released group id are reused only after
//    a grace period that no section overlapping their unlinking survives
//    (fib/epoch.cpp), so a reader never follows a link into a group
//    refilled for another range, nor reads a record rewritten for another
//    next-hop set.
// Across addresses (a batch, or two calls) there is no snapshot: each
// address has its own moment.
//
// Writers: set() and clear() under the index's writer mutex (one per
// index, taken inside; rtm's writers of different destinations may call
// concurrently, each under its destination's lock, and are serialised
// here). Nested prefixes as DIR-24-8: a write of P/len changes only the
// entries of P's range whose depth <= len; a clear of P/len replaces the
// entries of depth == len by the covering prefix's (length, group), which
// the caller supplies (it knows its RIB). Groups are allocated on demand
// and collapsed into their parent entry when uniform with a depth the
// parent can hold.
//
// Writers never allocate after construction: the free and limbo lists of
// tbl8 groups are reserved for max_tbl8_groups entries up front (address
// space: large blocks are mapped on demand), so set() and clear() either
// fail before their first store or complete; their write phases are
// noexcept. (The regions' pages are committed on first write, as any
// MAP_NORESERVE memory: running out of memory there is the kernel's OOM
// handling, not an exception.)
//
// Lifetime: no reader may be inside a section using this index when it
// is destroyed (its regions are unmapped); see fib/epoch.h for the other
// rules (sections nest, a writer holding a section pins its own
// retirements).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include <rtm/detail/fib_read.h>

#include "fib/epoch.h"
#include "fib/nh_groups.h"

namespace rtm::fib {

// The covering prefix of a cleared prefix: its length and group (kNoGroup
// and length 0 when nothing covers it).
struct Cover {
  unsigned len = 0;
  GroupId group = kNoGroup;
};

template <class Traits>
class DirIndex {
 public:
  using Key = typename Traits::Key;
  static constexpr unsigned kBits = Traits::kBits;
  static constexpr unsigned kLevels = 1 + (kBits - 24) / 8;  // 2 (IPv4), 14 (IPv6)

  // Reserves room for `max_tbl8_groups` groups (at most 2^24).
  explicit DirIndex(std::uint32_t max_tbl8_groups);
  ~DirIndex();
  DirIndex(const DirIndex&) = delete;
  DirIndex& operator=(const DirIndex&) = delete;

  // ---- Readers: call inside a ReadSection ----------------------------------

  // The group of the longest installed prefix covering `k`, or kNoGroup.
  GroupId lookup(Key k) const noexcept { return lookup_leaf(k) & kPayload; }

  // The leaf entry for `k`: depth() is the length of the longest installed
  // prefix covering k (0 with group kNoGroup: none), group() its group.
  struct Leaf {
    std::uint32_t bits;
    unsigned depth() const noexcept { return bits >> 24; }
    GroupId group() const noexcept { return bits & 0x00FFFFFFu; }
  };
  Leaf lookup_leaf_of(Key k) const noexcept { return Leaf{lookup_leaf(k)}; }

 private:
  // (D2) acquire loads (rtm/detail/fib_read.h, the one copy of the lookup
  // code, shared with ForwardingSession): pair with the release stores (D1)
  // of the entries (a new group is filled before it is linked; a record
  // before its id is stored).
  std::uint32_t lookup_leaf(Key k) const noexcept { return fib_read::lookup_leaf<Traits>(read_tables(), k); }

 public:
  // lookup() of n keys into out[0..n) (fib_read::lookup_batch: level by
  // level over chunks of 16, misses of a chunk overlap). One ReadSection
  // around the whole batch suffices.
  void lookup_batch(const Key* keys, GroupId* out, std::size_t n) const noexcept {
    fib_read::lookup_batch<Traits>(read_tables(), keys, n, [out](std::size_t i, GroupId g) { out[i] = g; });
  }

  // The tables a reader loads (ForwardingSession keeps a copy: they never
  // move while the index lives).
  fib_read::Tables read_tables() const noexcept { return fib_read::Tables{tbl24_, tbl8_, fib_read::kTbl24Mask}; }
  // A hint for a writer that may set or clear a prefix of k: brings k's
  // tbl24 entry toward the cache. A read prefetch: one for writing would
  // take the line away from the readers' caches even when the write turns
  // out not to change the index. It cannot fault (on a page not yet
  // touched it does nothing).
  void prefetch_for_write(const Key& k) const noexcept {
    __builtin_prefetch(&tbl24_[Traits::top24(k) & fib_read::kTbl24Mask], 0);
  }

  // ---- Writers (take the writer mutex) -------------------------------------

  // Makes `group` the answer for prefix k/len wherever no longer
  // installed prefix covers (installs or replaces k/len). Host bits of k
  // beyond len are ignored. False, with the index unchanged, when out of
  // tbl8 groups or when the input is invalid (len > kBits, group ==
  // kNoGroup or group >= kMaxGroupIds). Never allocates.
  bool set(Key k, unsigned len, GroupId group);
  // Removes prefix k/len: its entries take `cover`, the longest installed
  // prefix strictly covering k/len. False, with the index unchanged, when
  // the input is invalid (len > kBits, cover.group >= kMaxGroupIds, or a
  // cover with cover.len >= len); clearing an absent prefix is valid and
  // changes nothing. Never allocates.
  bool clear(Key k, unsigned len, Cover cover);
  // As clear(), with the cover computed by `cover_fn()` under the writer
  // mutex (so a concurrent set() of the covering prefix is ordered with it;
  // see docs/fast_path.md, "Writer protocol"). cover_fn runs with the
  // index's writer mutex held: it must not take a lock that is held around
  // a call of this index's set()/clear() (the destination locks of rtm's
  // writers), and must not call set(), clear() or clear_with() of this
  // index (the mutex is not recursive).
  template <class CoverFn>
  bool clear_with(Key k, unsigned len, CoverFn&& cover_fn) {
    std::lock_guard lock(mu_);
    return clear_locked(k, len, cover_fn());
  }

  // Makes retired tbl8 groups reusable where a grace period allows (tests).
  void reclaim();
  std::size_t tbl8_in_use() const;  // linked groups
  std::size_t tbl8_limbo() const;   // retired, not yet reusable

  // ---- memory (Instance::forwarding_stats) ----------------------------------
  // Resident bytes (mincore, fib::resident_in) of tbl24, of the tbl8
  // region (pages of groups since freed included: they stay committed) and
  // of the writer's free and limbo lists. Takes the writer mutex for the
  // lists only.
  struct Memory {
    std::size_t tbl24 = 0, tbl8 = 0, lists = 0;
  };
  Memory memory() const;

 private:
  using Entry = fib_read::Entry;
  using Slot = fib_read::Slot;
  static constexpr Entry kExtMin = fib_read::kExtMin;
  static constexpr Entry kPayload = fib_read::kPayload;
  static constexpr unsigned kTbl24Entries = 1u << 24;

  static constexpr Entry leaf(unsigned depth, GroupId g) noexcept { return depth << 24 | g; }
  static constexpr Entry ext(std::uint32_t group) noexcept { return kExtMin | group; }
  static constexpr bool is_ext(Entry e) noexcept { return e >= kExtMin; }
  static constexpr unsigned depth(Entry e) noexcept { return e >> 24; }
  // Address bits resolved after level `level` (0: tbl24).
  static constexpr unsigned level_bits(unsigned level) noexcept { return 24 + 8 * level; }

  Slot* group_at(std::uint32_t g) const noexcept { return tbl8_ + (static_cast<std::size_t>(g) << 8); }
  bool reserve(std::size_t n) noexcept;
  std::uint32_t take_group() noexcept;
  void retire_group(std::uint32_t g) noexcept;
  void drain_limbo(std::uint64_t safe) noexcept;
  void write_range(Slot* s, unsigned level, unsigned len, Entry value, bool clearing) noexcept;
  void write_entry(Slot* p, unsigned level, unsigned len, Entry value, bool clearing) noexcept;
  bool collapse_into(Slot* parent, unsigned child_level) noexcept;
  bool clear_locked(Key k, unsigned len, Cover cover) noexcept;

  Slot* tbl24_;
  Slot* tbl8_;
  const std::uint32_t max_groups_;

  mutable std::mutex mu_;  // the writer mutex
  // Both reserved for max_groups_ entries (a group is in at most one):
  // never reallocated, so the writer's steps below cannot throw.
  std::vector<std::uint32_t> free_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> limbo_;  // (group, tag)
  GraceTrigger trigger_;  // when retire_group runs a grace period
  std::uint32_t next_fresh_ = 0;
  std::size_t in_use_ = 0;
};

}  // namespace rtm::fib
