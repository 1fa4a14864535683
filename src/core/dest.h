// core/dest.h — a destination, its route sets and hold-down sets, and the
// table of destinations of one address family.
#pragma once

#include <atomic>
#include <cstdint>

#include <rtm/instance.h>

#include "core/object.h"
#include "core/route.h"
#include "detail/client_lock.h"
#include "detail/object_map.h"
#include "detail/tiny_mutex.h"

namespace rtm::detail {

// An immutable snapshot of a destination's routes.
//
// Lifetimes (the chain). A set holds no reference on its routes. A route
// has one memory reference for its membership, taken when it is built
// (its first set) and dropped when the last set that contains it is
// destroyed: the set a write replaced with one without it, which lists it
// in `doomed`. That is enough because the sets of a destination are
// destroyed in the order they were current: a set replaced by another
// (`successor`, set by the writer before the old one is retired) keeps
// one unit of `hold` on it, so the successor is destroyed only once both
// its own hazard-pointer disposal and its predecessor's destruction have
// dropped a unit. So while a reader protects set S, neither S nor any
// later set of the destination is destroyed, and each route S lists is
// doomed (if at all) in S or a later set: it still holds its membership
// reference. The static empty set is no link: a set
// that replaces it has no predecessor, and one replaced by it no
// successor (no route is in sets on both sides of an empty one).
// Costs: a write copies pointers and touches no route's count; a set's
// destruction drops the references of the routes it doomed (usually one)
// and one unit of its successor.
// Bounded garbage. A set not yet destroyed keeps the later sets of its
// chain: one a reader stays in, and also one waiting in the retired array
// of a thread that went idle (libcds disposes an array only when it fills
// or its thread calls in or leaves). So a chain is at most kChainMax sets
// long: the write that would make it longer breaks it instead, the old
// set taking a memory reference on each route it lists (dropped at its
// destruction) and the new one starting a chain of its own, with no
// predecessor. Routes listed on both sides are then kept by the old set
// until every set before it is gone, as at an empty set. One reference
// per route every kChainMax writes of a destination.
inline constexpr std::uint8_t kChainMax = 32;
class RouteSet final : public Reclaimable {
 public:
  static RouteSet* create(std::uint32_t n) noexcept;  // null on OOM
  // One immutable empty set in static storage, never destroyed (nor
  // retired): what a new destination starts with, and what a destination
  // points at once its last route is deleted (see delete_route_obj; also
  // when no memory is left for a new set, so that the old set and its
  // routes can still go).
  static RouteSet* shared_empty() noexcept;
  // Drops one unit of hold (the disposal's; or, for a set never published,
  // its only one); the last unit destroys the set, drops the membership
  // references of its doomed routes (and, at a chain break, the references
  // it took on every route it lists) and a unit of its successor.
  void destroy() noexcept override;
  // Under the destination lock, by the writer replacing this (current)
  // set with one that no longer lists r (or when the destination goes).
  void doom(Route* r) noexcept;

  // Written by writers under the destination lock before the set is
  // retired, read by its destruction (after the retirement): see above.
  std::atomic<std::uint16_t> hold{1};
  std::uint8_t depth = 0;  // sets before it in its chain
  bool holds_routes = false;  // a chain break: a memory reference on each route listed
  std::uint32_t size = 0;
  RouteSet* successor = nullptr;
  Route* doomed = nullptr;  // linked through Route::doomed_next
  Route* routes[1];  // `size` entries

 private:
  RouteSet() = default;
};

class Table;

// A destination's hold-down state: immutable, replaced copy-on-write under
// the destination lock and retired through hazard pointers (like a
// RouteSet). `hold_ms[v]` is the hold time asked for view v (0: none);
// each entry keeps a deleted former best route of one view, with one
// memory reference (and, while the set is current, one handle link: see
// publish_hold_down), until `deadline` (the instance clock's ms; UINT64_MAX:
// never).
class HoldDownSet final : public Reclaimable {
 public:
  struct Entry {
    Route* route;
    int view;
    std::uint64_t deadline;
  };
  void destroy() noexcept override;

  std::uint32_t hold_ms[kMaxViews] = {};
  std::uint32_t size = 0;
  Entry entries[kMaxViews];
};

class Dest final : public Object {
 public:
  Dest(Core* core, Table* table, const NetAddress& address, RouteSet* empty) noexcept;

  // What a Get reads first, next to the object's own hot fields.
  std::atomic<RouteSet*> routes;
  // Hold-down (null: never asked). Readers protect it like `routes`.
  std::atomic<HoldDownSet*> hold_down{nullptr};
  std::atomic<std::uint64_t> last_changed{0};
  const NetAddress address;
  Table* const table;
  TinyMutex lock;          // writers of this destination
  // Change notification, one bit per registration slot of the table:
  // queued — the destination is in that registration's queue (coalescing);
  // ignored — IgnoreChangedDests dropped the pending change (the consumer
  //           skips the entry); marked — marked for an ONLY_MARKED_DESTS
  //           registration. See core/change_queue.cpp for the protocol.
  std::atomic<std::uint32_t> queued{0};
  std::atomic<std::uint32_t> ignored{0};
  std::atomic<std::uint32_t> marked{0};
  // Set (under `lock`) before the destination leaves the map. Writers that
  // found it in the map and then took the lock retry; a longest match that
  // found it through the forwarding index's depth treats it as stale.
  std::atomic<bool> gone{false};
  ClientLock client_lock;  // RtmLockDestination
  // kMaxOpaquePointers slots, allocated on first use (CAS), freed with the
  // destination.
  std::atomic<void**> opaque{nullptr};
  // The next-hop group this prefix is installed with in forwarding index
  // slot i (fib::kNoGroup: not installed), and its reference on it.
  // Written under `lock` (release); read by other writers under the
  // index's mutex (acquire in cover_of: core/forwarding.cpp).
  std::atomic<std::uint32_t> fib_group[kMaxForwardingViews] = {};

 private:
  void release_children() noexcept override;
};

// ---- tables -------------------------------------------------------------------

struct DestKey {
  std::uint8_t length;
  std::uint8_t bytes[16];
  friend bool operator<(const DestKey& a, const DestKey& b) noexcept;
};
struct DestKeyHash {
  std::size_t operator()(const DestKey& k) const noexcept;
};
DestKey dest_key(const NetAddress& a) noexcept;

class NotifyReg;

class Table {
 public:
  Table(Family f, std::size_t buckets) : family(f), map(buckets) {}
  const Family family;
  // Registration slots, kMaxNotifyRegistrations (rtm/types.h) per table:
  // `regs[i]` is the active registration of slot i (or null); `slots_taken`
  // has bit i set from registration until the registration object is
  // destroyed (its queue drained and the queued bits of its destinations
  // cleared), so a slot is never shared by two registrations whose queues
  // could both hold a destination.
  std::atomic<NotifyReg*> regs[kMaxNotifyRegistrations] = {};
  std::atomic<std::uint32_t> slots_taken{0};
  ObjectMap<DestKey, DestKeyHash, Dest> map;
  // Destinations per prefix length: a longest-prefix search probes only
  // lengths with a non-zero count. Relaxed: a stale count can only make a
  // search probe a length in vain, or miss a destination whose insertion
  // had not completed — both linearize.
  std::atomic<std::int64_t> per_length[129] = {};
  std::atomic<std::int64_t> dests{0};
};

}  // namespace rtm::detail
