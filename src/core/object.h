// core/object.h — the base of every object of an instance: its counts, the
// per-entity hold records, and the links objects take on each other.
//
// Object graph. Every arrow is a reference on the pointee; "H" arrows are
// handle-side links, "M" memory-side ones (detail/refcount.h):
//
//   map cell ─H─> Dest <─H+M── Route ─H+M─> Entity (owner)
//                  │            │  └─H+M─> NextHop (neighbour) ─H+M─> Entity
//                  │            ├─M─> RouteData (current and old versions) ─M─> NextHop...
//                  │            └─H─> NextHop... (the hops of its current version)
//                  ├─M─> RouteSet (current and old) ─M─> Route (doomed; all at a chain break)
//                  └─M─> HoldDownSet (current and old) ─M─> Route...; current entries ─H─> Route
//   NextHop ─M─> NextHopData (its current attribute version; old ones retired)
//
// - A Dest is in its table's map from creation until its last route (and
//   held route) is gone; membership is one handle link. A changed-
//   destination queue entry is one handle link too (the consumer hands out
//   its handle).
// - A Route is in its destination from add_route until delete_route: one
//   handle link (the "table link"), taken at construction, and one memory
//   reference for its membership in sets, dropped when the last set that
//   lists it is destroyed; the sets of a destination are destroyed in the
//   order they were current (core/dest.h), after every reader that could
//   still see them has let go, so a route found in a set is readable; a client
//   reference on it (add_ref) can fail once it is revoked, and readers then
//   retry from the current set or skip it.
// - A RouteData is an immutable version of a route's attributes, replaced
//   under the destination lock and retired through hazard pointers; each
//   version holds memory references on its hops, the route holds handle
//   links on the hops of its current version (moved at each replacement,
//   under the destination lock; a route that is not in its destination is
//   never updated, so the version it has when revoked is its last).
// - A hold-down entry of the destination's current HoldDownSet is a handle link
//   on its route (moved at publish_hold_down); every HoldDownSet snapshot holds
//   memory references on its routes. Cycle: dest -> hold entry -> route ->
//   dest; broken by the hold's expiry, or drop_all_hold_downs at teardown.
// - Every handle the library gives out is one reference of the receiving
//   entity: while the object is linked, a count in the ledger of the thread
//   that took it (core/ledger_refs.cpp; folded into the object when it
//   leaves its table); otherwise one handle-side reference plus one count
//   on the entity's Hold record on that object. A release by an entity
//   that holds nothing is detected (no unit in any ledger or Hold record)
//   and refused with no count touched.
// - When an object's handle side reaches zero it is revoked (revoke()): its
//   handle is invalidated at once (HandleTable::free), so every call given
//   it refuses it, and it drops its handle-side links on its children
//   (revoke_children, which may revoke them in turn). When its memory side
//   reaches zero it is retired; destroy() drops its memory references
//   (release_children). Enumerations, route lists and notification
//   registrations have one handle link (their creation or registration)
//   and hold memory references only on their owner.
// - Every object holds one reference on its Core, so the Core (handle table)
//   outlives objects still waiting in some thread's retired array after the
#pragma once

#include <atomic>
#include <cstdint>

#include <rtm/instance.h>

#include "detail/handle_table.h"
#include "detail/reclaim.h"
#include "detail/refcount.h"
#include "detail/sharded_counter.h"

namespace rtm::detail {

// Handle kinds (HandleKind's values 0..7): the size of per-kind counter arrays.
inline constexpr int kHandleKindCount = 8;

// Process-wide counts: objects allocated and freed per kind (see
// rtm::object_counters()) and hold records live. Sharded (one line per
// thread, detail/sharded_counter.h): every write path counts objects, and
// one shared counter line would be written by every writer thread.
inline constexpr int kAllocatedIndex = 0;                  // + kind_index
inline constexpr int kFreedIndex = kHandleKindCount;       // + kind_index
inline constexpr int kHoldRecordsIndex = 2 * kHandleKindCount;
extern ShardedCounters<2 * kHandleKindCount + 1> g_object_counts;
// Hold records alive (made, not yet freed).
inline std::int64_t hold_records_live() noexcept { return g_object_counts.sum(kHoldRecordsIndex); }

class Core;
class RouteData;

// ---- per-entity hold records ------------------------------------------------

// How many references one entity holds on one object. Made for the
// counted references (at their Get) and for the ledger references a fold
// moves in (a spare its ledger entry carried: detail/ledger.h), never for a
// Get of a linked object alone.
struct Hold {
  explicit Hold(std::uint64_t e) noexcept : entity(e) {
    g_object_counts.add(kHoldRecordsIndex, 1);
  }
  ~Hold() { g_object_counts.add(kHoldRecordsIndex, -1); }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  std::uint64_t entity;  // the entity's handle value; set before the record is pushed
  std::atomic<std::int64_t> count{0};    // ordinary references
  std::atomic<std::int64_t> changed{0};  // references inside changed-destination infos
  Hold* next = nullptr;
};

// A push-only lock-free list of Hold records, freed with the object. The
// object is always protected (reference or hazard) while its list is read.
// Orders: push is a seq_cst CAS (publishes the record's fields), find loads
// the head seq_cst (both for the add_ref / walk 3 argument in
// core/refs.cpp; plain lock cmpxchg and mov on x86).
class HoldList {
 public:
  HoldList() = default;
  HoldList(const HoldList&) = delete;
  HoldList& operator=(const HoldList&) = delete;
  ~HoldList();

  Hold* find(std::uint64_t entity) const noexcept;
  // The record for `entity`, created if absent; null only on allocation failure.
  Hold* find_or_add(std::uint64_t entity) noexcept;
  // The record for spare->entity: an existing one, or `spare` itself,
  // pushed (the caller then no longer owns it). Never allocates.
  Hold* adopt(Hold* spare) noexcept;

  template <typename F>
  void for_each(F&& f) const {
    for (Hold* h = head_.load(std::memory_order_acquire); h != nullptr; h = h->next) f(*h);
  }

 private:
  std::atomic<Hold*> head_{nullptr};
};

// ---- objects ----------------------------------------------------------------

// Index of a handle kind in per-kind counter arrays.
constexpr int kind_index(HandleKind k) noexcept { return static_cast<int>(k); }
static_assert(kind_index(HandleKind::route_list) + 1 == kHandleKindCount);

class Object : public Reclaimable {
 public:
  // Starts with `handle_links` handle-side links (what publishing the
  // object needs) and `memory_refs` memory references.
  Object(Core* core, HandleKind kind, std::uint64_t handle_links,
         std::uint64_t memory_refs = 0) noexcept;
  ~Object() override = default;

  void destroy() noexcept final;

  // Order: what a Get and a Release read (ledger_mask, handle, kind,
  // ref_mode) last, next to the first fields of the derived objects (a
  // route's owner and data, a destination's route set), so that one or
  // two cache lines hold all a reader reads of an object; and no padding
  // (80 bytes with the base).
  SplitCount counts;
  Core* const core;
  HoldList holds;
  // The ledgers that may hold references on it (Ledger::bit(); bits are
  // set before a reference is taken there, never cleared): a fold visits
  // only those.
  std::atomic<std::uint64_t> ledger_mask{0};
  std::uint64_t handle = 0;  // set by HandleTable::allocate, before the handle is valid
  const HandleKind kind;
  // Where its client references are counted (core/ledger_refs.cpp):
  // kLinked while in the table (in the ledgers of the threads that took
  // them), kFolding while fold_ledgers moves them into `counts` and
  // `holds`, kCounted from then on (and from birth for kinds that never
  // use ledgers). Monotone.
  std::atomic<std::uint8_t> ref_mode;

 protected:
  friend void revoke(Object* o) noexcept;
  // Drops the object's handle-side links on others (at its revoke).
  virtual void revoke_children() noexcept {}
  // Drops the object's memory references on others (at its destruction).
  virtual void release_children() noexcept {}
};

// Drops n handle-side references on o (null: no-op); revokes it if that
// was the last.
void unref_handle(Object* o, std::uint64_t n = 1) noexcept;
// Drops one memory reference on o (null: no-op); retires it if that was
// the last.
void unref_memory(Object* o) noexcept;
// Revokes an object whose handle side just reached zero: invalidates its
// handle, drops its handle-side links, then the memory unit.
void revoke(Object* o) noexcept;
// Drops the handle-side links a route holds on the hops of version d.
void unlink_hops(const RouteData* d) noexcept;
// Takes a child link on o: a handle link and a memory reference (what a
// route holds on its destination, owner and neighbour, a next hop on its
// owner). False, with nothing taken, if o is revoked.
bool link_child(Object* o) noexcept;
// Drops what link_child took (null: no-op).
void unlink_child(Object* o) noexcept;

inline constexpr std::uint8_t kLinked = 0;
inline constexpr std::uint8_t kFolding = 1;
inline constexpr std::uint8_t kCounted = 2;
// Kinds whose client references go to ledgers while they are linked.
constexpr bool uses_ledgers(HandleKind k) noexcept {
  return k == HandleKind::dest || k == HandleKind::route || k == HandleKind::next_hop ||
         k == HandleKind::entity;
}



}  // namespace rtm::detail
