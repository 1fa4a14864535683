// detail/ops.h — operations shared by the API files (instance.cpp, notify.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include <rtm/info.h>

#include "detail/core.h"

namespace rtm::detail {

// FILETIME now (100 ns ticks since 1601-01-01 UTC).
std::uint64_t filetime_now() noexcept;

// Runs t's event callback, if t has one and is still registered, counted
// as in flight for t's deregistration to wait for (the protocol is at the
// definition, src/instance.cpp). Call with no Guard held. True if it ran.
bool call_event_callback(Entity* t, EventType type, void* ctx1, void* ctx2) noexcept;

// Resolves the calling entity's handle; it must be registered.
errc resolve_caller(Core& core, EntityHandle h, Guard& g, Entity** out) noexcept;

template <typename T>
constexpr HandleKind kind_of() noexcept;
template <> constexpr HandleKind kind_of<Entity>() noexcept { return HandleKind::entity; }
template <> constexpr HandleKind kind_of<Dest>() noexcept { return HandleKind::dest; }
template <> constexpr HandleKind kind_of<Route>() noexcept { return HandleKind::route; }
template <> constexpr HandleKind kind_of<NextHop>() noexcept { return HandleKind::next_hop; }

// The object of kind T named by h, protected by g; null if h is not valid.
template <typename T>
T* lookup_as(Core& core, std::uint64_t h, Guard& g) noexcept {
  return static_cast<T*>(core.handles.lookup(h, kind_of<T>(), g));
}

// Adds one external reference on protected `o`, owned by `e` (counted as a
// changed-destination reference when `changed`). not_found if `o` died
// meanwhile, not_enough_memory if its hold record could not be allocated,
// invalid_handle if e's deregistration has begun (the reference could
// outlive its walk: the protocol is at the definition); nothing changes on
// failure. `o` need not be published yet.
errc add_ref(Entity* e, Object* o, bool changed = false) noexcept;
// Gives back one reference e took on protected `o` (add_ref), unless its
// unit was already taken (a concurrent release, the owner's deregistration
// walk): invalid_parameter then, and nothing is dropped. `o` need not be
// published.
errc give_back_ref(Entity* e, Object* o, bool changed = false) noexcept;

// Phase 1 of a release: takes one count off e's hold record (ordinary or
// changed) for handle h. invalid_handle if h names nothing (of `kind`
// unless none); invalid_parameter if e holds no such reference.
errc take_hold(Core& core, Entity* e, std::uint64_t h, HandleKind kind,
               bool changed = false) noexcept;
// Phase 2: drops the object count a taken hold stood for.
void drop_count(Core& core, Entity* e, std::uint64_t h) noexcept;
// Releases one reference per handle (zeros skipped), all or nothing.
errc release_handles(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                     HandleKind kind, bool changed = false) noexcept;
// Rolls back references a call took itself (zeros skipped), item by item:
// a unit that a concurrent (double) release by the same entity took is
// skipped, every other one is still dropped (release_handles would drop
// none of them).
void release_taken(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                   bool changed = false) noexcept;

// (A2) of an object's publication against its owner's deregistration: true
// if `e` deregistered (the creator then deletes what it published). The
// protocol is at the definition (src/instance.cpp).
bool owner_deregistered(Entity* e) noexcept;

// References taken while building one answer; rolled back unless committed.
class RefBatch {
 public:
  RefBatch(Core& core, Entity* e, bool changed = false) noexcept
      : core_(core), e_(e), changed_(changed) {}
  ~RefBatch() {
    if (!committed_) release_taken(core_, e_, hs_, n_, changed_);
  }
  RefBatch(const RefBatch&) = delete;
  RefBatch& operator=(const RefBatch&) = delete;

  // References protected `o`; returns its handle value, or 0 with *err set.
  std::uint64_t add(Object* o, errc* err) noexcept {
    if (n_ == kCap) {
      *err = errc::not_enough_memory;
      return 0;
    }
    if (errc r = add_ref(e_, o, changed_); r != errc::ok) {
      *err = r;
      return 0;
    }
    hs_[n_++] = o->handle;
    return o->handle;
  }
  void commit() noexcept { committed_ = true; }

 private:
  static constexpr std::size_t kCap = 4 + 3 * kMaxViews + kMaxNextHopsPerRoute;
  Core& core_;
  Entity* e_;
  const bool changed_;
  std::uint64_t hs_[kCap];
  std::size_t n_ = 0;
  bool committed_ = false;
};

// Resolves a target view set against the caller's profile.
errc target_views(const Entity* e, ViewSet views, ViewSet* out) noexcept;

// Fills *info from destination `d` (protected by the caller) with
// references for `e` (changed-destination references when `changed`).
// Nothing is referenced on error.
errc fill_dest_info(Core& core, Entity* e, Dest* d, std::uint32_t protocol, ViewSet views,
                    DestInfo* info, bool changed = false) noexcept;

// Appends the handle values of a DestInfo to hs (at most 1 + 3 * kMaxViews).
void collect_dest_info_handles(const DestInfo& info, std::uint64_t* hs, std::size_t* n);

// True for an info filled by get_changed_dests (last_changed's lowest bit).
inline bool is_changed_info(const DestInfo& i) noexcept { return (i.last_changed & 1) != 0; }

// What one write changed, per view set (for change notification).
struct ChangeSummary {
  ViewSet all = 0;   // any change to the destination in these views
  ViewSet best = 0;  // the best route, or its attributes, changed
  ViewSet fwd = 0;   // forwarding changed: best route's next hops or forwarding flags
};

// Queues `d` for every registration of its table whose filter matches `c`
// and signals the registrations whose queue went from empty to non-empty.
// Call after the destination lock is released, with d alive.
void publish_change(Core& core, Dest* d, const ChangeSummary& c);

// ---- shared with src/surface.cpp (the rest of the RTMv2 surface) ----------

// Whether d has a live route in `views` (of `owner` only, when given).
bool has_route_in(const Dest* d, ViewSet views, const Entity* owner = nullptr) noexcept;
bool has_route_or_hold_in(const Dest* d, ViewSet views) noexcept;
bool has_live_route(const RouteSet* s) noexcept;
bool has_held_route(const Dest* d) noexcept;
bool valid_address_for(const Entity* e, const NetAddress& a);
HoldSet* copy_holds(const HoldSet* h, ViewSet drop) noexcept;
void publish_holds(Dest* d, HoldSet* next) noexcept;
void remove_empty_dest(Dest* d);
// Fills *info from route r (protected) without references (r's own handles).
void peek_route_info(Route* r, RouteInfo* info) noexcept;
// Fills *info from next hop nh (protected) without references; the remote
// destination is left null. Lock-free, never waits for a writer. Returns
// nh->version as read before the attributes (a change after that read makes
// it differ from the current version).
std::uint32_t peek_next_hop_info(NextHop* nh, NextHopInfo* info) noexcept;
// Whether route data `d` of route `r` passes a match filter (as
// get_exact_match_route); `criteria` non-null when flags need it.
bool route_matches(const Route* r, const RouteData* d, MatchFlags flags,
                   const RouteInfo* criteria, std::uint32_t interface_index) noexcept;
// The caller's route list named by h, protected by g (invalid_handle;
// access_denied for another entity's list).
errc resolve_list(Core& core, Entity* e, RouteListHandle h, Guard& g, RouteList** out) noexcept;
// Enumeration and route-list teardown (src/surface.cpp).
void delete_enum_obj(EnumObj* en) noexcept;
void delete_route_list_obj(Core& core, RouteList* l) noexcept;
// Reserves room in list l for one route an add_route is about to move in
// (invalid_handle if l was deleted, not_enough_memory).
errc reserve_route_list_slot(Core& core, RouteList* l) noexcept;
// Moves live route r into list l, consuming a reservation (a no-op if r
// or l was deleted meanwhile).
void move_to_route_list(Core& core, RouteList* l, Route* r) noexcept;
void drop_all_holds(Core& core) noexcept;
// Arms route r's expiry timer for r->expiry_at. Under r->dest->lock.
void arm_route_expiry(Core& core, Route* r) noexcept;

}  // namespace rtm::detail
