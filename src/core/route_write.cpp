// core/route_write.cpp — route writes: adding and deleting routes, publishing
// a destination's route set (core/route_write.h).
#include "core/route_write.h"

#include <bit>
#include <mutex>

#include "core/change_queue.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/expiry.h"
#include "core/forwarding.h"
#include "core/hold_down.h"
#include "core/refs.h"
#include "core/route_lists.h"
#include "core/route_select.h"
#include "detail/fault.h"
#include "detail/test_hook.h"
#include "detail/timers.h"

namespace rtm::detail {

// Publishes `next` as d's route set and retires the old one, which the
// caller made doom every route `next` no longer lists. Under d->lock.
// release: the new set and every route it points to are fully built before
// a reader's protect() (acquire) can see it. The chain (core/dest.h): the
// old set holds a unit of the new one until it is destroyed, or, where
// the chain breaks, a memory reference on each route it lists; all of it
// is written before the old set is retired.
void publish_routes(Dest* d, RouteSet* next) noexcept {
  RouteSet* const empty = RouteSet::shared_empty();
  RouteSet* const cur = d->routes.load(std::memory_order_relaxed);  // what the exchange returns
  bool link = false;
  if (cur != empty && next != empty) {
    if (cur->depth + 1 < kChainMax) {
      next->depth = static_cast<std::uint8_t>(cur->depth + 1);
      next->hold.store(2, std::memory_order_relaxed);
      link = true;
    } else {
      // The chain breaks here (core/dest.h). Infallible: each route cur
      // lists still holds its membership reference (cur is current).
      for (std::uint32_t i = 0; i < cur->size; ++i) cur->routes[i]->counts.try_add_memory();
      cur->holds_routes = true;
    }
  }
  RouteSet* old = d->routes.exchange(next, std::memory_order_acq_rel);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  if (old != empty) {
    if (link) old->successor = next;
    detail::retire(old);
  }
}

// Copies the live routes of s (d's current set) but `except` into
// next->routes (room for s->size); returns how many. Those left out, and
// deleted entries left by an out-of-memory delete (zombies), are doomed
// in s (core/dest.h): next is to replace it. Under the destination's lock.
std::uint32_t copy_live_routes(RouteSet* s, Route* except, RouteSet* next) noexcept {
  std::uint32_t j = 0;
  for (std::uint32_t i = 0; i < s->size; ++i) {
    Route* r = s->routes[i];
    if (r == except || r->zombie.load(std::memory_order_relaxed)) {
      s->doom(r);
      continue;
    }
    next->routes[j++] = r;
  }
  return j;
}

// Deletes route r, publishes the change to notification registrations
// and, when it was the destination's last route, takes the destination out
// of its map. The caller protects r.
errc delete_route_obj(Core& core, Route* r, RouteChangeFlags* flags) {
  Dest* d = r->dest;  // alive: r (protected, not destroyed) holds it
  ChangeSummary change;
  RouteChangeFlags out = 0;
  bool removed = false;
  {
    std::lock_guard lock(d->lock);
    if (r->state.load(std::memory_order_relaxed) != kRouteStateCreated)
      return errc::invalid_handle;
    RouteSet* s = d->routes.load(std::memory_order_relaxed);
    // In ~Instance's teardown nobody can observe the change: no
    // registration is left, the forwarding indexes are not updated and
    // nothing is held down (Core::bulk_teardown). So no best routes.
    const bool quiet = core.bulk_teardown.load(std::memory_order_relaxed);
    BestState before, after;
    if (!quiet) best_state_locked(s, &before);
    const ViewSet views = r->data.load(std::memory_order_relaxed)->views;
    // The route leaves the table when the set without it is published;
    // its state is what get_route_info reports from now on. seq_cst: the
    // store-load pair with `listed` (U1, core/route_lists.cpp).
    r->state.store(kRouteStateDeleted, std::memory_order_seq_cst);
    r->version.fetch_add(1, std::memory_order_release);
    r->expiry_at = 0;  // an armed expiry timer fires as a no-op
    unlink_from_route_list(core, r);  // U2, core/route_lists.cpp
    r->owner->owned_routes.unlink(r, r->owned_shard);  // core/owned.h
    // Hold-down: the best route of a view that asked for it is kept.
    ViewSet held_views = 0;
    if (const HoldDownSet* hs = d->hold_down.load(std::memory_order_relaxed);
        hs != nullptr && !core.stopping.load(std::memory_order_relaxed)) {
      for (ViewSet rest = before.present; rest != 0; rest &= rest - 1) {
        const int v = std::countr_zero(rest);
        if (before.route[v] == r && hs->hold_ms[v] != 0) held_views |= 1u << v;
      }
    }
    if (held_views != 0) hold_down_route(core, d, r, held_views);
    // r is in s; with nothing else there, the static empty set will do.
    RouteSet* next = s->size == 1 ? RouteSet::shared_empty() : RouteSet::create(s->size - 1);
    if (next == RouteSet::shared_empty()) {
      s->doom(r);
      publish_routes(d, next);
    } else if (next != nullptr) {
      next->size = copy_live_routes(s, r, next);
      publish_routes(d, next);
    } else {
      // Out of memory for the smaller set: a delete must not fail (a
      // router deletes routes to recover memory). The route stays in the
      // current set as a zombie that every reader skips (readers of this
      // set may see it before and after: the one place where a snapshot is
      // not a single moment) until the next copy drops it. With no route
      // left, the shared empty set needs no memory, and retiring the old
      // set lets its routes (which hold d) go.
      r->zombie.store(true, std::memory_order_release);
      if (!has_live_route(s)) {
        for (std::uint32_t i = 0; i < s->size; ++i) s->doom(s->routes[i]);
        publish_routes(d, RouteSet::shared_empty());
      } else
        d->last_changed.store(filetime_now(), std::memory_order_relaxed);
    }
    const RouteSet* cur = d->routes.load(std::memory_order_relaxed);
    if (!quiet) {
      best_state_locked(cur, &after);
      change = summarize(before, after, views, nullptr, &out);
      change.all |= held_views;
      update_forwarding(core, d, before, after, change.fwd);  // before d can leave its map
    }
    if (!has_live_route(cur) && !has_hold_down_route(d)) {
      remove_empty_dest(d);
      removed = true;
    }
  }
  // The map's link keeps d's handle valid until the change is queued, so a
  // registration learns of the destination's deletion too (its queue entry
  // takes a link of its own).
  publish_change(core, d, change);
  if (removed) unlink_primary(d);
  // The route's table link: from here on only client references and a
  // hold entry keep its handle valid. The caller's protection keeps r.
  unlink_primary(r);
  if (flags) *flags = out;
  return errc::ok;
}

// ---- add_route -------------------------------------------------------------------
//
// The core of Instance::add_route, after the API checked its arguments. The
// steps, in order: reserve room in the route list (RouteListReservation),
// build the new attribute version (build_route_data), find or create the
// destination and lock it, then update the route found (replace_route_data)
// or create and publish a new one (publish_new_route), then expiry, list
// membership, change notification, and the owner's deregistration check
// (A2, see owner_deregistered). Everything that can fail is done before
// anything is published; each failure undoes its own step.

namespace {

// Room in a route list reserved before anything is published, so moving
// the route in afterwards cannot fail; given back unless consumed.
class RouteListReservation {
 public:
  explicit RouteListReservation(Core& core) noexcept : core_(core) {}
  RouteListReservation(const RouteListReservation&) = delete;
  RouteListReservation& operator=(const RouteListReservation&) = delete;
  ~RouteListReservation() {
    if (list_ != nullptr) release_route_list_slot(core_, list_);  // R3
  }
  errc reserve(RouteList* l) noexcept {
    if (errc r = reserve_route_list_slot(core_, l); r != errc::ok) return r;
    list_ = l;
    return errc::ok;
  }
  // Moves live route r in (a no-op if r or the list was deleted meanwhile).
  void consume(Route* r) noexcept {
    move_to_route_list(core_, list_, r);
    list_ = nullptr;
  }

 private:
  Core& core_;
  RouteList* list_ = nullptr;
};

// Gives back a version build_route_data made and nobody published: the
// handle links on its hops, then its memory (and with it its references).
void discard_route_data(RouteData* rd) noexcept {
  unlink_hops(rd);
  rd->destroy();
}

// The new attribute version: a memory reference on each next hop for the
// version, and the handle link the route will hold on the hops of its
// current version (moved to it, or given back by discard_route_data).
errc build_route_data(Core& core, Entity* e, const RouteInfo& info, RouteData** out) noexcept {
  RouteData* data = RouteData::create(info.next_hops.count);
  if (data == nullptr) return errc::not_enough_memory;
  data->pref = info.pref;
  data->views = info.views;
  data->flags1 = info.flags1;
  data->flags = info.flags;
  data->entity_specific_info = info.entity_specific_info;
  for (std::uint16_t i = 0; i < info.next_hops.count; ++i) {
    Guard gh;
    NextHop* nh = lookup_as<NextHop>(core, info.next_hops.hops[i].value, gh);
    // link_child fails once the next hop is revoked (its last reference
    // went after the lookup): the handle was no longer valid.
    if (nh == nullptr || nh->owner != e || !link_child(nh)) {
      data->hop_count = i;  // only the references taken so far
      discard_route_data(data);
      return nh == nullptr ? errc::invalid_handle : nh->owner != e ? errc::access_denied
                                                                   : errc::invalid_handle;
    }
    data->hops[i] = nh;
  }
  *out = data;
  return errc::ok;
}

// The live route of e with neighbour `neighbour` in set s, or null.
Route* find_route_of(const RouteSet* s, const Entity* e, const NextHop* neighbour) noexcept {
  const std::uint64_t nb = neighbour ? neighbour->handle : 0;
  for (std::uint32_t i = 0; i < s->size; ++i) {
    Route* r = s->routes[i];
    if (r->zombie.load(std::memory_order_relaxed)) continue;
    if (r->owner == e && (r->neighbour ? r->neighbour->handle : 0) == nb) return r;
  }
  return nullptr;
}

// A destination that a failed add leaves without routes (or held routes)
// leaves its map. Under d->lock; s is d's current set.
void drop_dest_if_unused(Dest* d, const RouteSet* s) {
  if (!has_live_route(s) && !has_hold_down_route(d)) {
    remove_empty_dest(d);
    unlink_primary(d);
  }
}

// Swaps version `data` into existing route r. Under d->lock. Returns the
// views of the old version.
ViewSet replace_route_data(Dest* d, Route* r, RouteData* data) noexcept {
  // release: the new version is fully built before a reader's protect()
  // (acquire) can see it.
  RouteData* old = r->data.exchange(data, std::memory_order_acq_rel);
  const ViewSet views = old->views;
  unlink_hops(old);  // the route's links move to the new version's hops
  retire(old);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  return views;
}

// The route's links on what it names. d: infallible, d is locked and not
// gone, so in the map (its map link keeps the handle side). The owner:
// fails once e is revoked (another thread of e completed its
// deregistration and nothing names e). The neighbour: found under a hazard
// pointer only; fails once revoked (its last reference went). Nothing is
// kept on failure.
bool link_route_children(Dest* d, Entity* e, NextHop* neighbour) noexcept {
  link_child(d);
  if (!link_child(e)) {
    unlink_child(d);
    return false;
  }
  if (neighbour != nullptr && !link_child(neighbour)) {
    unlink_child(e);
    unlink_child(d);
    return false;
  }
  return true;
}

// Destroys a route that was built but never published (its handle never
// valid): the unpublished reference of e (if taken), the table link (its
// revoke drops the links on d, e, neighbour and the hops), and the memory
// reference of the set it never entered (its destroy drops its data).
void unwind_unpublished_route(Entity* e, Route* route, bool ref_taken) noexcept {
  if (ref_taken) {
    route->holds.find(e->handle)->count.fetch_sub(1, std::memory_order_seq_cst);
    e->held[kind_index(HandleKind::route)].fetch_sub(1, std::memory_order_seq_cst);  // (G), add_ref
    unref_handle(route);
  }
  route->state.store(kRouteStateDeleted, std::memory_order_relaxed);
  unref_handle(route);
  unref_memory(route);
}

// Creates a route of e with version `data` and publishes it in d (locked;
// s its current set). Everything that can fail is done before the route's
// handle is published (last), and the route is built with the links
// publishing needs (its table link, its membership reference), so no
// other entity's reference_handles / dereference_handles on the new handle
// can bring it to zero. On failure `data` is given back and d leaves the
// map if the add had created it.
errc publish_new_route(Core& core, Dest* d, RouteSet* s, Entity* e, NextHop* neighbour,
                       RouteData* data, bool want_ref, Guard& gr, Route** out) {
  RouteSet* next = RouteSet::create(s->size + 1);
  auto fail = [&](errc why) {
    discard_route_data(data);
    if (next != nullptr) {
      next->size = 0;
      next->destroy();
    }
    drop_dest_if_unused(d, s);
    return why;
  };
  if (next == nullptr) return fail(errc::not_enough_memory);
  if (!link_route_children(d, e, neighbour)) return fail(errc::invalid_handle);
  Route* route = nothrow_new<Route>(&core, d, e, neighbour, data);
  if (route == nullptr) {
    unlink_child(neighbour);
    unlink_child(e);
    unlink_child(d);
    return fail(errc::not_enough_memory);
  }
  gr.assign(route);  // ours until published
  // Unpublished: add_ref's try_add_handle cannot fail (the table link).
  const errc ref = want_ref ? add_ref(e, route) : errc::ok;
  if (ref == errc::ok) core.handles.allocate(HandleKind::route, route);  // sets ->handle
  if (ref != errc::ok || route->handle == 0) {
    unwind_unpublished_route(e, route, ref == errc::ok && want_ref);  // data goes with it
    next->size = 0;
    next->destroy();
    drop_dest_if_unused(d, s);
    return ref != errc::ok ? ref : errc::not_enough_memory;
  }
  // (A1') in its owner's routes (core/owned.h), before the caller's (A2).
  route->owned_shard = static_cast<std::uint8_t>(my_owned_shard(decltype(e->owned_routes)::kShards));
  e->owned_routes.link(route, route->owned_shard);
  test_hook("add_route.published", route);
  std::uint32_t j = copy_live_routes(s, nullptr, next);
  next->routes[j++] = route;  // with the memory reference it was built with
  next->size = j;
  publish_routes(d, next);
  *out = route;
  return errc::ok;
}

// Expiry (see Route::expiry_at): each add restarts or, with kInfinite,
// cancels it. A new entry is armed only when none is pending or the new
// time is earlier than the pending one. Under r->dest->lock.
void set_route_expiry(Core& core, Route* r, std::uint32_t time_to_live, bool never) noexcept {
  if (time_to_live == kInfinite || never) {
    r->expiry_at = 0;
    return;
  }
  r->expiry_at = core.timers->now() + time_to_live;
  if (r->expiry_at == 0) r->expiry_at = 1;  // 0 means never
  if (r->armed_at == 0 || r->expiry_at < r->armed_at) arm_route_expiry(core, r);
}

}  // namespace

errc add_route_obj(Core& core, Entity* e, const RouteAdd& a, RouteChangeFlags* flags,
                   std::uint64_t* handle) {
  Guard gr, gd;
  RouteListReservation reservation(core);
  if (a.into != nullptr) {
    if (errc r = reservation.reserve(a.into); r != errc::ok) return r;
  }
  RouteData* data = nullptr;
  if (errc r = build_route_data(core, e, a.info, &data); r != errc::ok) return r;

  Table& t = core.table(a.dest.family());
  Dest* d = a.target ? a.target->dest : lock_dest_for_update(core, t, a.dest, gd);
  if (d == nullptr) {
    discard_route_data(data);
    return errc::not_enough_memory;
  }
  if (a.target) d->lock.lock();
  std::unique_lock lock(d->lock, std::adopt_lock);

  RouteSet* s = d->routes.load(std::memory_order_relaxed);
  Route* route = a.target;
  if (route != nullptr && route->state.load(std::memory_order_relaxed) != kRouteStateCreated) {
    discard_route_data(data);
    return errc::invalid_handle;  // deleted meanwhile
  }
  if (route == nullptr && !a.force_new) route = find_route_of(s, e, a.neighbour);
  BestState before, after;
  best_state_locked(s, &before);
  RouteChangeFlags out = 0;
  ViewSet touched = data->views;
  bool owner_gone = false;
  if (route != nullptr) {
    // The caller's reference on the route is taken before anything is
    // published, so that running out of memory for it changes nothing.
    if (a.want_ref) {
      // Cannot fail but for memory: the route is in d (its table link).
      if (errc r = add_ref(e, route); r != errc::ok) {
        discard_route_data(data);
        return r;
      }
    }
    touched |= replace_route_data(d, route, data);
    gr.assign(route);  // alive: it is in the current set (we are under the lock)
  } else {
    // Read before s is replaced (publish_new_route retires it).
    const bool first = !has_live_route(s);
    if (errc r = publish_new_route(core, d, s, e, a.neighbour, data, a.want_ref, gr, &route);
        r != errc::ok)
      return r;
    out |= kRouteChangeNew;
    if (first) out |= kRouteChangeFirst;
    owner_gone = owner_deregistered(e);  // (A2), see owner_deregistered
  }
  best_state_locked(d->routes.load(std::memory_order_relaxed), &after);
  const ChangeSummary change = summarize(before, after, touched, route, &out);
  update_forwarding(core, d, before, after, change.fwd);
  route->version.fetch_add(1, std::memory_order_release);
  set_route_expiry(core, route, a.time_to_live, owner_gone);
  lock.unlock();
  if (a.into != nullptr && !owner_gone) reservation.consume(route);
  // d is protected (gd, or gr through the route that holds it). If a
  // concurrent delete already took it out and revoked it, publish_change
  // skips it: that deleter published the later change itself.
  publish_change(core, d, change);
  if (owner_gone) {
    // The owner deregistered while the route was being linked, and its
    // walk may have missed the route: undo it (deleted, and the caller's
    // reference given back unless the walk already dropped it). Readers
    // may have seen it meanwhile, as a route added and deleted.
    delete_route_obj(core, route, nullptr);
    if (a.want_ref) {
      const std::uint64_t h = route->handle;
      release_handles(core, e, &h, 1, HandleKind::route);
    }
    return errc::invalid_handle;
  }
  *flags = out;
  if (a.want_ref) *handle = route->handle;  // referenced above
  return errc::ok;
}

}  // namespace rtm::detail
