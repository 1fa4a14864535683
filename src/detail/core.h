// detail/core.h — the objects of an instance and the machinery they share.
//
// Object graph. Every arrow is a reference on the pointee; "H" arrows are
// handle-side links, "M" memory-side ones (detail/refcount.h):
//
//   map cell ─H─> Dest <─H+M── Route ─H+M─> Entity (owner)
//                  │            │  └─H+M─> NextHop (neighbour) ─H+M─> Entity
//                  │            ├─M─> RouteData (current and old versions) ─M─> NextHop...
//                  │            └─H─> NextHop... (the hops of its current version)
//                  ├─M─> RouteSet (current and old) ─M─> Route...
//                  └─M─> HoldSet (current and old) ─M─> Route...; current entries ─H─> Route
//   NextHop ─M─> NextHopData (its current attribute version; old ones retired)
//
// - A Dest is in its table's map from creation until its last route (and
//   held route) is gone; membership is one handle link. A changed-
//   destination queue entry is one handle link too (the consumer hands out
//   its handle).
// - A Route is in its destination from add_route until delete_route: one
//   handle link (the "table link"), taken at construction. Each RouteSet
//   snapshot holds a memory reference on each of its routes, dropped when
//   the set is destroyed — after every reader that could still see the set
//   has let go of it — so a route found in a set is readable; a client
//   reference on it (add_ref) can fail once it is revoked, and readers then
//   retry from the current set or skip it.
// - A RouteData is an immutable version of a route's attributes, replaced
//   under the destination lock and retired through hazard pointers; each
//   version holds memory references on its hops, the route holds handle
//   links on the hops of its current version (moved at each replacement,
//   under the destination lock; a route that is not in its destination is
//   never updated, so the version it has when revoked is its last).
// - A hold-down entry of the destination's current HoldSet is a handle link
//   on its route (moved at publish_holds); every HoldSet snapshot holds
//   memory references on its routes. Cycle: dest -> hold entry -> route ->
//   dest; broken by the hold's expiry, or drop_all_holds at teardown.
// - Every handle the library gives out is one handle-side reference plus
//   one count on the receiving entity's Hold record on that object, so a
//   release by an entity that holds nothing is detected (Hold count 0) and
//   refused with no count touched.
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
//   Instance is gone.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <rtm/instance.h>

#include "detail/client_lock.h"
#include "detail/handle_table.h"
#include "detail/lpm4.h"
#include "detail/object_map.h"
#include "detail/reclaim.h"
#include "detail/refcount.h"
#include "detail/tiny_mutex.h"

namespace rtm::detail {

class Core;
class Entity;
class Dest;
class Route;
class NextHop;
class RouteData;
class RouteList;
class Timers;

// ---- per-entity hold records ------------------------------------------------

// How many references one entity holds on one object.
struct Hold {
  explicit Hold(std::uint64_t e) noexcept : entity(e) {}
  const std::uint64_t entity;  // the entity's handle value
  std::atomic<std::int64_t> count{0};    // ordinary references
  std::atomic<std::int64_t> changed{0};  // references inside changed-destination infos
  Hold* next = nullptr;
};

// A push-only lock-free list of Hold records, freed with the object. The
// object is always protected (reference or hazard) while its list is read.
// Orders: push is a release CAS (publishes the record's fields), walks load
// the head with acquire.
class HoldList {
 public:
  HoldList() = default;
  HoldList(const HoldList&) = delete;
  HoldList& operator=(const HoldList&) = delete;
  ~HoldList();

  Hold* find(std::uint64_t entity) const noexcept;
  // The record for `entity`, created if absent; null only on allocation failure.
  Hold* find_or_add(std::uint64_t entity) noexcept;

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

class Object : public Reclaimable {
 public:
  // Starts with `handle_links` handle-side links (what publishing the
  // object needs) and `memory_refs` memory references.
  Object(Core* core, HandleKind kind, std::uint64_t handle_links,
         std::uint64_t memory_refs = 0) noexcept;
  ~Object() override = default;

  void destroy() noexcept final;

  Core* const core;
  const HandleKind kind;
  std::uint64_t handle = 0;  // set by HandleTable::allocate, before the handle is valid
  SplitCount counts;
  HoldList holds;

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

class Entity final : public Object {
 public:
  Entity(Core* core, const EntityInfo& info, const RegnProfile& profile, EventCallback cb,
         std::vector<EntityMethod> methods, int opaque_slot) noexcept;

  const EntityInfo info;
  const RegnProfile profile;
  const EventCallback callback;
  const std::vector<EntityMethod> methods;
  // Its opaque-pointer slot on every destination, or -1 (not reserved).
  const int opaque_slot;
  std::atomic<bool> registered{true};
  // References this entity holds, by HandleKind index.
  std::atomic<std::int64_t> held[8] = {};

  // Method gate (slow path: a mutex and a condition variable). An
  // invocation waits while `blocked`, then counts itself in `active`;
  // block_methods sets `blocked` and waits for `active` to reach 0.
  std::mutex method_mu;
  std::condition_variable method_cv;
  bool methods_blocked = false;
  std::uint32_t methods_active = 0;
  std::uint32_t methods_waiting = 0;

  // Event callbacks of this entity running now, and the wait of its
  // deregistration for them (protocol: call_event_callback, src/instance.cpp).
  std::atomic<std::uint32_t> callbacks_in_flight{0};
  std::mutex callback_mu;
  std::condition_variable callback_cv;
};

// An immutable version of a next hop's updatable attributes, replaced
// under NextHop::lock and retired through hazard pointers (like RouteData).
class NextHopData final : public Reclaimable {
 public:
  void destroy() noexcept override { delete this; }

  std::uint16_t flags = 0;
  void* entity_specific_info = nullptr;
};

class NextHop final : public Object {
 public:
  NextHop(Core* core, Entity* owner, const NetAddress& address, std::uint32_t ifindex) noexcept;

  Entity* const owner;  // handle link and memory reference
  const NetAddress address;
  const std::uint32_t interface_index;

  // Mutable attributes. Writers (add_next_hop, delete) hold `lock`; readers
  // take no lock and never wait (protocol and orders: write_next_hop and
  // peek_next_hop_info, src/instance.cpp).
  // - data: the current version of flags and entity-specific info, set
  //   before the next hop is published, swapped by pointer, never null after.
  // - state: kNextHopStateCreated until deleted, then kNextHopStateDeleted
  //   for good; no data version is written after the delete.
  // - version: bumped after every change of data or state: the C API's
  //   pointer block compares it to know it is stale.
  TinyMutex lock;
  ClientLock client_lock;            // RtmLockNextHop
  // The C API's RtmGetNextHopPointer block (c_api/c_blocks.cpp): a plain
  // ::operator new allocation of a trivially destructible type, freed
  // with the next hop.
  std::atomic<void*> c_block{nullptr};
  std::atomic<std::uint32_t> version{0};
  std::atomic<std::uint16_t> state{kNextHopStateCreated};
  std::atomic<NextHopData*> data{nullptr};

 private:
  void revoke_children() noexcept override;
  void release_children() noexcept override;
};

// An immutable version of a route's attributes.
class RouteData final : public Reclaimable {
 public:
  static RouteData* create(std::uint16_t hop_count) noexcept;  // null on OOM
  void destroy() noexcept override;

  PrefInfo pref;
  ViewSet views = 0;
  std::uint8_t flags1 = 0;
  std::uint16_t flags = 0;
  void* entity_specific_info = nullptr;
  std::uint16_t hop_count = 0;
  NextHop* hops[1];  // hop_count entries, each a memory reference

 private:
  RouteData() = default;
};

class Route final : public Object {
 public:
  Route(Core* core, Dest* dest, Entity* owner, NextHop* neighbour, RouteData* data) noexcept;

  // Each a handle link (until the route is revoked) and a memory reference.
  Dest* const dest;
  Entity* const owner;
  NextHop* const neighbour;  // or null
  std::atomic<RouteData*> data;
  // kRouteStateDeleted once deleted (what get_route_info reports). Readers
  // of a route set do not look at it: membership of the snapshot they
  // protect says which routes exist, so a count or best route read from
  // one snapshot is the state at one moment (linearizable lookups).
  std::atomic<std::uint8_t> state{kRouteStateCreated};
  // Deleted while its set could not be copied (out of memory): it stays in
  // the current set and every reader skips it. Set only on that path.
  std::atomic<bool> zombie{false};

  // Bumped (under the destination lock) whenever data or state changes:
  // pointer blocks of the C API compare it to know they are stale.
  std::atomic<std::uint64_t> version{0};
  // Route expiry, all under the destination's lock. `expiry_at`: when the
  // route expires (the instance clock's ms; 0: never). At most one timer
  // entry is current: the one armed with `timer_seq`, due at `armed_at`
  // (0: none). A refresh that moves the expiry later leaves that entry
  // alone (when it fires it re-arms for the new time); one that moves it
  // earlier arms a new entry and the old one, no longer current, fires as
  // a no-op. So a route has at most two entries however often it is
  // refreshed, and a deleted route is kept only until its entry is due.
  std::uint64_t expiry_at = 0;
  std::uint64_t armed_at = 0;
  std::uint32_t timer_seq = 0;
  ClientLock client_lock;                // RtmLockRoute
  // The C API's RtmGetRoutePointer block (c_api/c_blocks.cpp): a plain
  // ::operator new allocation of a trivially destructible type, freed
  // with the route.
  std::atomic<void*> c_block{nullptr};
  RouteList* list = nullptr;             // under Core::list_mu
  // Set (seq_cst, under list_mu) before the route first enters a list; a
  // delete that reads it false after storing its state skips list_mu (the
  // Dekker argument is at insert_in_route_list, src/surface.cpp).
  std::atomic<bool> listed{false};

 private:
  void revoke_children() noexcept override;
  void release_children() noexcept override;
};

// An immutable snapshot of a destination's routes.
class RouteSet final : public Reclaimable {
 public:
  static RouteSet* create(std::uint32_t n) noexcept;  // null on OOM
  // One immutable empty set in static storage, never destroyed: what a
  // destination whose last route was deleted without memory for a new set
  // points at (see delete_route_obj), so that the old set and its routes
  // can still go.
  static RouteSet* shared_empty() noexcept;
  void destroy() noexcept override;

  std::uint32_t size = 0;
  Route* routes[1];  // `size` entries, each a memory reference

 private:
  RouteSet() = default;
};

class Table;

// A destination's hold-down state: immutable, replaced copy-on-write under
// the destination lock and retired through hazard pointers (like a
// RouteSet). `hold_ms[v]` is the hold time asked for view v (0: none);
// each entry keeps a deleted former best route of one view, with one
// memory reference (and, while the set is current, one handle link: see
// publish_holds), until `deadline` (the instance clock's ms; UINT64_MAX:
// never).
class HoldSet final : public Reclaimable {
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

  Table* const table;
  const NetAddress address;
  TinyMutex lock;          // writers of this destination
  std::atomic<RouteSet*> routes;
  std::atomic<std::uint64_t> last_changed{0};
  // Change notification, one bit per registration slot of the table:
  // queued — the destination is in that registration's queue (coalescing);
  // ignored — IgnoreChangedDests dropped the pending change (the consumer
  //           skips the entry); marked — marked for an ONLY_MARKED_DESTS
  //           registration. See src/notify.cpp for the protocol.
  std::atomic<std::uint32_t> queued{0};
  std::atomic<std::uint32_t> ignored{0};
  std::atomic<std::uint32_t> marked{0};
  // Set (under `lock`) before the destination leaves the map. Writers that
  // found it in the map and then took the lock retry; a reader that reached
  // it through the LPM index (a hint) treats it as stale.
  std::atomic<bool> gone{false};
  // Hold-down (null: never asked). Readers protect it like `routes`.
  std::atomic<HoldSet*> holds{nullptr};
  ClientLock client_lock;  // RtmLockDestination
  // kMaxOpaquePointers slots, allocated on first use (CAS), freed with the
  // destination.
  std::atomic<void**> opaque{nullptr};

 private:
  void release_children() noexcept override;
};

// An enumeration: a sorted snapshot of handle values and a cursor (see
// Instance::create_dest_enum). Used under its mutex (gets by one client).
class EnumObj final : public Object {
 public:
  enum class Kind { dests, routes, next_hops, list_routes };
  EnumObj(Core* core, Entity* owner, Kind kind) noexcept;

  Entity* const owner;  // memory reference
  const Kind kind;
  std::mutex mu;
  ViewSet views = 0;
  EnumFlags flags = 0;
  std::uint32_t protocol = 0;
  MatchFlags match = 0;
  RouteInfo criteria;
  std::uint32_t interface_index = 0;
  RouteList* list = nullptr;  // list_routes: the list (by handle check)
  std::uint64_t list_handle = 0;
  std::vector<std::uint64_t> items;    // dests, routes or next hops, in order
  std::size_t cursor = 0;
  std::vector<std::uint64_t> pending;  // routes of the destination being walked
  std::size_t pending_cursor = 0;
  bool deleted = false;

 private:
  void release_children() noexcept override;
};

// A route list of one entity. Membership (`routes`, Route::list) changes
// under Core::list_mu; a route in a list is not deleted (delete takes it
// out first), so the raw pointers are alive.
class RouteList final : public Object {
 public:
  RouteList(Core* core, Entity* owner) noexcept;
  Entity* const owner;  // memory reference
  std::vector<Route*> routes;
  bool deleted = false;       // under list_mu
  std::size_t reserved = 0;   // capacity promised to add_route calls in flight (list_mu)

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

// At most this many change-notification registrations per table (RTMv2's limit).
inline constexpr int kMaxRegistrations = 32;

class Table {
 public:
  explicit Table(Family f) : family(f) {
    if (f == Family::ipv4) lpm4 = std::make_unique<Lpm4Index>();
  }
  const Family family;
  // Registration slots: `regs[i]` is the active registration of slot i (or
  // null); `slots_taken` has bit i set from registration until the
  // registration object is destroyed (its queue drained and the queued bits
  // of its destinations cleared), so a slot is never shared by two
  // registrations whose queues could both hold a destination.
  std::atomic<NotifyReg*> regs[kMaxRegistrations] = {};
  std::atomic<std::uint32_t> slots_taken{0};
  ObjectMap<DestKey, DestKeyHash, Dest> map;
  // Destinations per prefix length: a longest-prefix search probes only
  // lengths with a non-zero count. Relaxed: a stale count can only make a
  // search probe a length in vain, or miss a destination whose insertion
  // had not completed — both linearize.
  std::atomic<std::int64_t> per_length[129] = {};
  std::atomic<std::int64_t> dests{0};
  // IPv4 only: the DIR-24-8 index of the longest-prefix fast path.
  std::unique_ptr<Lpm4Index> lpm4;
};

struct NextHopKey {
  std::uint64_t owner;
  std::uint32_t interface_index;
  std::uint16_t family;
  std::uint8_t length;
  std::uint8_t bytes[16];
  friend bool operator<(const NextHopKey& a, const NextHopKey& b) noexcept;
};
struct NextHopKeyHash {
  std::size_t operator()(const NextHopKey& k) const noexcept;
};

// ---- the core -----------------------------------------------------------------

class Core {
 public:
  // Handles carry `tag` and indices from `index_base` on (detail/handle_table.h).
  Core(const InstanceOptions& options, std::uint8_t tag, std::uint32_t index_base);

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Deletes the core on the last reference. acq_rel: as for object counts.
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  Table& table(Family f) noexcept { return f == Family::ipv4 ? *ipv4_ : *ipv6_; }
  Table* table_or_null(Family f) noexcept {
    return f == Family::ipv4 ? ipv4_ : f == Family::ipv6 ? ipv6_ : nullptr;
  }
  void destroy_tables() noexcept;

  const InstanceOptions options;
  HandleTable handles;
  ObjectMap<NextHopKey, NextHopKeyHash, NextHop>* next_hops;

  // Registration is a slow path: one mutex, never held while calling out.
  std::mutex registry_mu;
  std::vector<Entity*> entities;  // registered; each holds its registration reference
  bool tearing_down = false;
  std::uint32_t opaque_slots = 0;  // under registry_mu: bit i = slot i taken

  // Route-list membership (a slow path). Lock order: a destination lock,
  // then list_mu.
  std::mutex list_mu;

  // Timers (route expiry, hold-down): see detail/timers.h.
  Timers* const timers;
  // Set by ~Instance before it deregisters everyone: deletes then create
  // no hold-down entries.
  std::atomic<bool> stopping{false};

 private:
  ~Core();
  std::atomic<std::int64_t> refs_{1};
  Table* ipv4_;
  Table* ipv6_;
};

// Process-wide object counters (see rtm::object_counters()).
extern std::atomic<std::int64_t> g_allocated[8];
extern std::atomic<std::int64_t> g_freed[8];

}  // namespace rtm::detail
