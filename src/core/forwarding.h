// core/forwarding.h — the forwarding fast path of an instance: its indexes
// (one per family and forwarding view, src/fib/), the writers' update of
// them under a destination's lock, and the lookups (rtm/forwarding.h).
// The protocol (both halves, with its ordering argument) is in
// core/forwarding.cpp; the index's own in fib/dir.h and fib/epoch.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <rtm/forwarding.h>
#include <rtm/instance.h>

#include "fib/fib4.h"
#include "fib/fib6.h"
#include "fib/nh_groups.h"

namespace rtm::detail {

class Core;
class Dest;
class Table;
struct BestState;

// Aligned, with the fields every lookup reads first (slots, index
// pointers, degraded, then the group table's record pointer) and the
// group table's writer state on lines of their own (fib/nh_groups.h).
class alignas(64) Forwarding {
 public:
  // One index per family for each view of `views` (at most
  // kMaxForwardingViews views, checked by the Instance constructor).
  explicit Forwarding(ViewSet views);

  // The index slot of view v (0..count()-1), or -1 when v has no index.
  int slot_of(ViewId v) const noexcept {
    return v >= 0 && v < kMaxViews ? slot_[v] : -1;
  }
  int count() const noexcept { return count_; }
  ViewId view(int slot) const noexcept { return view_[slot]; }

  std::unique_ptr<fib::Fib4> v4[kMaxForwardingViews];
  std::unique_ptr<fib::Fib6> v6[kMaxForwardingViews];
  // Set for good when an index write failed (out of tbl8 groups or group
  // ids, or of memory for a new group, or a writer judged a destination
  // from a truncated route list): the indexes may then lag the RIB, and
  // every lookup answers from the RIB instead (slow, still exact; no
  // longer wait-free). See forwarding_degraded() in rtm/instance.h.
  std::atomic<bool> degraded{false};

 private:
  std::int8_t slot_[kMaxViews];
  int count_ = 0;
  ViewId view_[kMaxForwardingViews] = {};

 public:
  fib::NhGroups groups;  // shared by every index of the instance
};

// Writers: brings d's forwarding entries in the views `changed` up to date
// with d's best routes `after` (best_state of d's current set). Under
// d->lock, after the new set or route version is published and before d
// leaves its map. Never fails (a failed index write degrades the fast path,
// see Forwarding::degraded) and never waits for a reader.
// `before`: the best state before the write (only its completeness is used).
void update_forwarding(Core& core, Dest* d, const BestState& before, const BestState& after,
                       ViewSet changed) noexcept;

// A hint for a writer about to add a route to `a`: prefetches a's entries
// in the family's indexes (bulk writes issue it a few routes ahead).
void prefetch_forwarding(Core& core, const NetAddress& a) noexcept;

// Readers (rtm/forwarding.h has the contract).
errc forward_one(Core& core, ViewId view, const NetAddress& a, ForwardingResult* out,
                 ForwardingDetail* detail) noexcept;
errc forward4_one(Core& core, ViewId view, std::uint32_t addr, ForwardingResult* out) noexcept;
errc forward4_batch(Core& core, ViewId view, const std::uint32_t* addrs, std::size_t n,
                    ForwardingResult* out, std::size_t* hits) noexcept;
errc forward6_batch(Core& core, ViewId view, const NetAddress* addrs, std::size_t n,
                    ForwardingResult* out, std::size_t* hits) noexcept;

// For the longest-prefix search of the full API: the length of the longest
// prefix covering full-length address `a` that has a best route in the
// view of index `slot` at a moment during the call, or -1 when none. It
// opens a fib::ReadSection of its own (nested in the caller's, if any:
// sections nest). When the fast path is
// degraded, -2 (the caller searches the table instead).
int forwarding_match_length(Core& core, int slot, const NetAddress& a) noexcept;

// Memory of the fast path (Instance::forwarding_stats): fills *out. Takes
// each index's and the group table's writer mutex in turn; never a
// destination lock.
void forwarding_stats(Core& core, ForwardingStats* out) noexcept;

// The calling thread's open ForwardingSessions that are nested (opened
// while a section of the thread was open): while it is non-zero, ending
// the outermost session aborts (api/forwarding.cpp). The C API checks it
// first, to refuse such a close with an error instead.
unsigned nested_forwarding_sessions() noexcept;

}  // namespace rtm::detail
