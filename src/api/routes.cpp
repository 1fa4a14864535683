// api/routes.cpp — Instance methods of the routes section of rtm/instance.h.
#include <rtm/instance.h>

#include <mutex>

#include "api/call.h"
#include "core/change_queue.h"
#include "core/core.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/expiry.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_lists.h"
#include "core/route_select.h"
#include "core/route_write.h"
#include "detail/test_hook.h"
#include "detail/timers.h"

namespace rtm {

using detail::Call;
using detail::Core;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::Object;
using detail::Route;
using detail::RouteData;
using detail::RouteList;
using detail::RouteSet;
using detail::Table;
using detail::ThreadScope;
using detail::RefBatch;
using detail::lookup_as;
using detail::add_ref;
using detail::take_hold;
using detail::drop_count;
using detail::release_handles;
using detail::release_taken;
using detail::fill_dest_info;
using detail::target_views;
using detail::filetime_now;
using detail::collect_dest_info_handles;
using detail::handle_kind;
using detail::ChangeSummary;
using detail::collect_route_info_handles;
using detail::fill_route_info;

// ---- routes -------------------------------------------------------------------

errc Instance::add_route(EntityHandle caller, RouteHandle* handle, const NetAddress& dest,
                         const RouteInfo& info, std::uint32_t time_to_live,
                         RouteChangeFlags* change_flags, RouteListHandle list) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gr, gd, gn, gl;
  detail::test_hook("add_route.caller_resolved", e);
  RouteList* into = nullptr;
  if (list) {
    if (errc r = detail::resolve_list(*core_, e, list, gl, &into); r != errc::ok) return r;
  }

  if (change_flags == nullptr) return errc::invalid_parameter;
  if (!valid_address_for(e, dest)) return errc::invalid_parameter;
  if (info.views == 0 || (info.views & ~e->profile.views_supported) != 0)
    return errc::invalid_parameter;
  if (info.next_hops.count > e->profile.max_next_hops_in_route) return errc::invalid_parameter;
  const bool force_new = (*change_flags & kRouteChangeNew) != 0;

  // The route to update, when given by handle.
  Route* target = nullptr;
  if (handle != nullptr && handle->value != 0) {
    target = lookup_as<Route>(*core_, handle->value, gr);
    if (target == nullptr) return errc::invalid_handle;
    if (target->owner != e) return errc::access_denied;
    if (!(target->dest->address == dest)) return errc::invalid_parameter;
  }
  NextHop* neighbour = nullptr;
  if (info.neighbour) {
    neighbour = lookup_as<NextHop>(*core_, info.neighbour.value, gn);
    if (neighbour == nullptr) return errc::invalid_handle;
  }
  detail::test_hook("add_route.neighbour_found", neighbour);

  // Room in the list is reserved before anything is published, so moving
  // the route in afterwards cannot fail; every early return gives it back.
  struct ListReservation {
    Core* core;
    RouteList* list = nullptr;
    ~ListReservation() {
      if (list == nullptr) return;
      std::lock_guard l(core->list_mu);
      --list->reserved;
    }
  } reservation{core_};
  if (into != nullptr) {
    if (errc r = detail::reserve_route_list_slot(*core_, into); r != errc::ok) return r;
    reservation.list = into;
  }

  // The new attribute version: a memory reference on each next hop for the
  // version, and the handle link the route will hold on the hops of its
  // current version (moved to it below, or given back by discard_data).
  RouteData* data = RouteData::create(info.next_hops.count);
  if (data == nullptr) return errc::not_enough_memory;
  data->pref = info.pref;
  data->views = info.views;
  data->flags1 = info.flags1;
  data->flags = info.flags;
  data->entity_specific_info = info.entity_specific_info;
  auto discard_data = [](RouteData* rd) {
    detail::unlink_hops(rd);
    rd->destroy();
  };
  for (std::uint16_t i = 0; i < info.next_hops.count; ++i) {
    Guard gh;
    NextHop* nh = lookup_as<NextHop>(*core_, info.next_hops.hops[i].value, gh);
    // link_child fails once the next hop is revoked (its last reference
    // went after the lookup): the handle was no longer valid.
    if (nh == nullptr || nh->owner != e || !detail::link_child(nh)) {
      data->hop_count = i;  // only the references taken so far
      discard_data(data);
      return nh == nullptr ? errc::invalid_handle : nh->owner != e ? errc::access_denied
                                                                   : errc::invalid_handle;
    }
    data->hops[i] = nh;
  }

  Table& t = core_->table(dest.family());
  Dest* d = target ? target->dest : lock_dest_for_update(*core_, t, dest, gd);
  if (d == nullptr) {
    discard_data(data);
    return errc::not_enough_memory;
  }
  if (target) d->lock.lock();
  std::unique_lock lock(d->lock, std::adopt_lock);

  RouteSet* s = d->routes.load(std::memory_order_relaxed);
  Route* route = target;
  if (route != nullptr && route->state.load(std::memory_order_relaxed) != kRouteStateCreated) {
    discard_data(data);
    return errc::invalid_handle;  // deleted meanwhile
  }
  if (route == nullptr && !force_new) {
    const std::uint64_t nb = neighbour ? neighbour->handle : 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_relaxed)) continue;
      if (r->owner == e && (r->neighbour ? r->neighbour->handle : 0) == nb) {
        route = r;
        break;
      }
    }
  }
  // The caller's reference on the route is taken before anything is
  // published, so that running out of memory for it changes nothing.
  const bool want_ref = handle != nullptr && handle->value == 0;
  detail::BestState before, after;
  best_state(s, &before);
  RouteChangeFlags out = 0;
  ViewSet touched = data->views;
  bool owner_gone = false;
  if (route != nullptr) {
    if (want_ref) {
      // Cannot fail but for memory: the route is in d (its table link).
      if (errc r = add_ref(e, route); r != errc::ok) {
        discard_data(data);
        return r;
      }
    }
    // release: the new version is fully built before a reader's protect()
    // (acquire) can see it.
    RouteData* old = route->data.exchange(data, std::memory_order_acq_rel);
    touched |= old->views;
    detail::unlink_hops(old);  // the route's links move to the new version's hops
    detail::retire(old);
    d->last_changed.store(filetime_now(), std::memory_order_relaxed);
    gr.assign(route);  // alive: the current set holds it (we are under the lock)
  } else {
    // Everything that can fail is done before the route's handle is
    // published (last), and the route is built with the links publishing
    // needs (its table link, the new set's memory reference), so no other
    // entity's reference_handles / dereference_handles on the new handle
    // can bring it to zero.
    RouteSet* next = RouteSet::create(s->size + 1);
    auto fail = [&](errc why) {
      discard_data(data);
      if (next != nullptr) {
        next->size = 0;
        next->destroy();
      }
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return why;
    };
    if (next == nullptr) return fail(errc::not_enough_memory);
    // The route's links on what it names. d: infallible, d is locked and
    // not gone, so in the map (its map link keeps the handle side). The
    // owner: fails once e is revoked (another thread of e completed its
    // deregistration and nothing names e). The neighbour: found under a
    // hazard pointer only; fails once revoked (its last reference went).
    detail::link_child(d);
    if (!detail::link_child(e)) {
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    if (neighbour != nullptr && !detail::link_child(neighbour)) {
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    route = detail::nothrow_new<Route>(core_, d, e, neighbour, data);
    if (route == nullptr) {
      detail::unlink_child(neighbour);
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::not_enough_memory);
    }
    gr.assign(route);  // ours until published
    // Unpublished: add_ref's try_add_handle cannot fail (the table link).
    const errc ref = want_ref ? add_ref(e, route) : errc::ok;
    if (ref == errc::ok) core_->handles.allocate(HandleKind::route, route);  // sets ->handle
    if (ref != errc::ok || route->handle == 0) {
      if (ref == errc::ok && want_ref) {  // give the unpublished reference back
        route->holds.find(e->handle)->count.fetch_sub(1, std::memory_order_relaxed);
        e->held[detail::kind_index(HandleKind::route)].fetch_sub(1, std::memory_order_relaxed);
        unref_handle(route);
      }
      route->state.store(kRouteStateDeleted, std::memory_order_relaxed);
      unref_handle(route);  // the table link: revoked; drops the links on d, e, neighbour, hops
      unref_memory(route);  // the set it never entered: retired; drops data
      next->size = 0;
      next->destroy();
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return ref != errc::ok ? ref : errc::not_enough_memory;
    }
    detail::test_hook("add_route.published", route);
    std::uint32_t j = 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      // Deleted entries left by an out-of-memory delete are dropped here.
      if (s->routes[i]->zombie.load(std::memory_order_relaxed)) continue;
      // The new set's memory reference; infallible: the current set holds one.
      s->routes[i]->counts.try_add_memory();
      next->routes[j++] = s->routes[i];
    }
    next->routes[j++] = route;  // with the memory reference it was built with
    next->size = j;
    out |= kRouteChangeNew;
    if (!has_live_route(s)) out |= kRouteChangeFirst;
    publish_routes(d, next);
    s = next;
    owner_gone = detail::owner_deregistered(e);  // (A2), see owner_deregistered
  }
  best_state(d->routes.load(std::memory_order_relaxed), &after);
  const ChangeSummary change = summarize(before, after, touched, route, &out);
  route->version.fetch_add(1, std::memory_order_release);
  // Expiry (see Route::expiry_at): each add restarts or, with kInfinite,
  // cancels it. A new entry is armed only when none is pending or the new
  // time is earlier than the pending one.
  if (time_to_live == kInfinite || owner_gone) {
    route->expiry_at = 0;
  } else {
    route->expiry_at = core_->timers->now() + time_to_live;
    if (route->expiry_at == 0) route->expiry_at = 1;  // 0 means never
    if (route->armed_at == 0 || route->expiry_at < route->armed_at)
      detail::arm_route_expiry(*core_, route);
  }
  lock.unlock();
  if (into != nullptr && !owner_gone) {
    detail::move_to_route_list(*core_, into, route);  // consumes the reservation
    reservation.list = nullptr;
  }
  // d is protected (gd, or gr through the route that holds it). If a
  // concurrent delete already took it out and revoked it, publish_change
  // skips it: that deleter published the later change itself.
  publish_change(*core_, d, change);
  if (owner_gone) {
    // The owner deregistered while the route was being linked, and its
    // walk may have missed the route: undo it (deleted, and the caller's
    // reference given back unless the walk already dropped it). Readers
    // may have seen it meanwhile, as a route added and deleted.
    delete_route_obj(*core_, route, nullptr);
    if (want_ref) {
      const std::uint64_t h = route->handle;
      release_handles(*core_, e, &h, 1, HandleKind::route);
    }
    return errc::invalid_handle;
  }
  *change_flags = out;
  if (want_ref) handle->value = route->handle;  // referenced above
  return errc::ok;
}

errc Instance::delete_route(EntityHandle caller, RouteHandle handle,
                            RouteChangeFlags* change_flags) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gr;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  return delete_route_obj(*core_, r, change_flags);
}


errc Instance::get_route_info(EntityHandle caller, RouteHandle handle, RouteInfo* info,
                              NetAddress* dest_address) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gr;
  if (info == nullptr && dest_address == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (info != nullptr) {
    errc err = fill_route_info(*core_, e, r, info);
    if (err == errc::not_found) return errc::invalid_handle;  // its last reference went meanwhile
    if (err != errc::ok) return err;
  }
  if (dest_address != nullptr) *dest_address = r->dest->address;
  return errc::ok;
}

errc Instance::release_route_info(EntityHandle caller, const RouteInfo& info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (info.next_hops.count > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  std::uint64_t hs[3 + kMaxNextHopsPerRoute];
  std::size_t n = 0;
  collect_route_info_handles(info, hs, &n);
  return release_handles(*core_, e, hs, n, HandleKind::none);
}

errc Instance::release_routes(EntityHandle caller, std::span<const RouteHandle> handles) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::route);
}

errc Instance::is_best_route(EntityHandle caller, RouteHandle handle, ViewSet* best_in_views) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gr, gs;
  if (best_in_views == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  detail::BestState best;
  best_state(gs.protect(r->dest->routes), &best);
  ViewSet out = 0;
  for (int v = 0; v < kMaxViews; ++v)
    if (detail::best_route_in(best, v) == r && (e->profile.views_supported & (1u << v)))
      out |= 1u << v;
  *best_in_views = out;
  return errc::ok;
}

}  // namespace rtm
