// fib/nh_groups.h — next-hop groups: the immutable, interned records of a
// best route's next hops that forwarding index entries name by id.
//
// A router shares a few next-hop sets among a million prefixes (one peer's
// full table has one), so an index entry names a group id, not the hops.
// The same set (same hops in the same order) always maps to the same live
// id. Records sit at fixed addresses in one reserved region, so a reader
// turns an id into its record with one load and no lock.
//
// Readers: record(id) inside a ReadSection (fib/epoch.h) for an id read
// from an index in the same section. The record is immutable while any
// such reader can see it: an id is reused only after its last reference is
// gone and a grace period has passed.
//
// Writers: acquire/ref/release under this table's own mutex (one per
// table; the IPv4 and IPv6 indexes of an instance may share one). The
// references are the index's: one per installed prefix whose best route
// has this set (not one per index entry). The protocol for a caller that
// changes prefix P's best route from group `old` to next-hop set `hops`:
//
//   GroupId g = groups.acquire(hops);   // +1 on the (possibly shared) group
//   index.set(P, g);                     // entries now name g
//   groups.release(old);                 // -1; at 0 the id is retired
//
// Capacity: ids below kMaxGroupIds (the index entries' payload width);
// the region reserves max_groups records (MAP_NORESERVE, touched on use).
// The writer's bookkeeping (reference counts, free and limbo lists) is
// reserved for max_groups ids at construction (address space: large
// blocks are mapped on demand), so retiring and reusing ids never
// allocates; the only allocation after construction is the intern-table
// node of a new group in acquire(), which either succeeds or leaves the
// table unchanged.
//
// Lifetime: no reader may be inside a section reading this table's
// records when it is destroyed (fib/epoch.h, rules for readers).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <rtm/forwarding.h>
#include <rtm/types.h>

#include "fib/epoch.h"

namespace rtm::fib {

using GroupId = std::uint32_t;
// Id 0 names no group: an index entry with it means "no route".
inline constexpr GroupId kNoGroup = 0;
inline constexpr std::uint32_t kMaxGroupIds = 1u << 24;

// A group's record is what the fast path returns: ForwardingResult
// (rtm/forwarding.h), `count` hops in the route's order, every other byte
// zero; ForwardingSession hands out references to the records themselves.
// Declare them with {} (value-initialised, all zero): the types have no
// default member initialisers.
using NextHop = rtm::ForwardingHop;
using NextHopSet = rtm::ForwardingResult;

// One record in its 512-byte slot (fib_read::kRecordShift).
struct alignas(1u << fib_read::kRecordShift) RecordSlot {
  NextHopSet r;
};
static_assert(sizeof(RecordSlot) == std::size_t{1} << fib_read::kRecordShift);

// Bytes of [p, p + n) the kernel holds resident (mincore over the pages
// the range touches; 0 for an unmapped range). For the memory figures of
// Instance::forwarding_stats; allocates nothing.
std::size_t resident_in(const void* p, std::size_t n) noexcept;

class NhGroups {
 public:
  explicit NhGroups(std::uint32_t max_groups = 1u << 20);
  ~NhGroups();
  NhGroups(const NhGroups&) = delete;
  NhGroups& operator=(const NhGroups&) = delete;

  // The records region, one RecordSlot per id (ForwardingSession keeps the
  // pointer: it never moves).
  const RecordSlot* records() const noexcept { return records_; }

  // Reader (wait-free, one load): the record of `id`, which the caller read
  // from an index inside the current ReadSection. record(kNoGroup) is an
  // empty set (count 0, never written), so a caller needs no branch on a
  // miss.
  const NextHopSet& record(GroupId id) const noexcept { return records_[id].r; }

  // Writers. acquire() interns `hops` (count <= kMaxNextHopsPerRoute;
  // bytes beyond `count` are ignored) and takes one reference; returns
  // kNoGroup when every id is in use. Throws std::bad_alloc (the table
  // unchanged) when the intern node of a new group cannot be allocated.
  GroupId acquire(const NextHopSet& hops);
  // One more reference to a live group. False (nothing changed) when `id`
  // is not a live group (kNoGroup, out of range, or no references).
  bool ref(GroupId id);
  // Drops one reference; the last one retires the id (reused after a
  // grace period). kNoGroup is ignored (true). False (nothing changed)
  // when `id` is not a live group. Never allocates.
  bool release(GroupId id);

  // Introspection (writer side, takes the mutex).
  std::uint32_t refs(GroupId id) const;
  std::size_t live() const;   // groups with references
  std::size_t limbo() const;  // retired ids not yet reusable
  // Runs a grace period and makes every retired id that it allows reusable
  // (tests; an idle writer). Never waits for a reader.
  void reclaim();

  // ---- memory (Instance::forwarding_stats) ----------------------------------
  // Resident bytes (mincore, fib::resident_in) of the records region and of
  // the writer's reference counts and id lists, plus the intern table's
  // heap (estimated: nodes and buckets). Takes the mutex (not for the
  // records region, which never moves).
  std::size_t resident_bytes() const;

 private:
  static std::uint64_t hash(const NextHopSet& s) noexcept;
  static bool same(const NextHopSet& a, const NextHopSet& b) noexcept;
  GroupId take_id() noexcept;  // under mu_
  void drain_limbo(std::uint64_t safe) noexcept;  // under mu_
  bool is_live(GroupId id) const noexcept { return id != kNoGroup && id < refs_.size() && refs_[id] != 0; }

  RecordSlot* records_;
  const std::uint32_t max_groups_;
  std::size_t region_bytes_;

  // Writers' state from here on, on lines of its own: records_ above is
  // read by every lookup.
  alignas(64) mutable std::mutex mu_;
  // All three reserved for max_groups_ entries (never reallocated).
  std::vector<std::uint32_t> refs_;                     // by id
  std::unordered_multimap<std::uint64_t, GroupId> by_hash_;
  std::vector<GroupId> free_;                           // reusable now
  std::vector<std::pair<GroupId, std::uint64_t>> limbo_;  // (id, retire tag), tags ascending
  GraceTrigger trigger_;  // when release() runs a grace period
  GroupId next_fresh_ = 1;
  std::size_t live_ = 0;
};

}  // namespace rtm::fib
