// api/routes.cpp — Instance methods of the routes section of rtm/instance.h.
#include <rtm/instance.h>

#include <mutex>

#include "api/call.h"
#include "core/change_queue.h"
#include "core/core.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/expiry.h"
#include "core/forwarding.h"
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
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::Route;
using detail::RouteList;
using detail::collect_route_info_handles;
using detail::fill_route_info;
using detail::lookup_as;
using detail::release_handles;

// ---- routes -------------------------------------------------------------------
//
// add_route and add_routes (delete_route and delete_routes) share one write
// path: the caller is resolved once per call, then add_one (delete_one)
// checks and does each item.

namespace {

// A bulk add prefetches, two routes ahead of the one it writes, the map
// bucket and the index entries of its destination, and one route ahead
// the first node of that bucket's list (the bucket is in cache by then):
// each add costs about a microsecond, well above a miss.
void prefetch_add_early(detail::Core& core, const NetAddress& a) noexcept {
  if (a.family() != Family::ipv4 && a.family() != Family::ipv6) return;
  core.table(a.family()).map.prefetch_bucket(detail::dest_key(a));
  detail::prefetch_forwarding(core, a);
}
void prefetch_add_late(detail::Core& core, const NetAddress& a) noexcept {
  if (a.family() != Family::ipv4 && a.family() != Family::ipv6) return;
  core.table(a.family()).map.prefetch_first_node(detail::dest_key(a));
}

// One add of e (resolved, protected by the call), into `into` (resolved,
// or null). gr and gn are the call's guards, reused by each item.
errc add_one(detail::Core& core, Entity* e, RouteList* into, const NetAddress& dest,
             const RouteInfo& info, RouteHandle* handle, std::uint32_t time_to_live,
             RouteChangeFlags* change_flags, Guard& gr, Guard& gn) {
  if (change_flags == nullptr) return errc::invalid_parameter;
  if (!valid_address_for(e, dest)) return errc::invalid_parameter;
  if (info.views == 0 || (info.views & ~e->profile.views_supported) != 0)
    return errc::invalid_parameter;
  if (info.next_hops.count > e->profile.max_next_hops_in_route) return errc::invalid_parameter;
  const bool force_new = (*change_flags & kRouteChangeNew) != 0;

  // The route to update, when given by handle.
  Route* target = nullptr;
  if (handle != nullptr && handle->value != 0) {
    target = lookup_as<Route>(core, handle->value, gr);
    if (target == nullptr) return errc::invalid_handle;
    if (target->owner != e) return errc::access_denied;
    if (!(target->dest->address == dest)) return errc::invalid_parameter;
  }
  NextHop* neighbour = nullptr;
  if (info.neighbour) {
    neighbour = lookup_as<NextHop>(core, info.neighbour.value, gn);
    if (neighbour == nullptr) return errc::invalid_handle;
  }
  detail::test_hook("add_route.neighbour_found", neighbour);

  const bool want_ref = handle != nullptr && handle->value == 0;
  const detail::RouteAdd add{dest, info, target, neighbour, into, time_to_live, force_new, want_ref};
  return detail::add_route_obj(core, e, add, change_flags, want_ref ? &handle->value : nullptr);
}

errc delete_one(detail::Core& core, Entity* e, RouteHandle handle, RouteChangeFlags* change_flags,
                Guard& gr) {
  Route* r = lookup_as<Route>(core, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  return delete_route_obj(core, r, change_flags);
}

}  // namespace

errc Instance::add_route(EntityHandle caller, RouteHandle* handle, const NetAddress& dest,
                         const RouteInfo& info, std::uint32_t time_to_live,
                         RouteChangeFlags* change_flags, RouteListHandle list) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gr, gn, gl;
  detail::test_hook("add_route.caller_resolved", e);
  RouteList* into = nullptr;
  if (list) {
    if (errc r = detail::resolve_list(*core_, e, list, gl, &into); r != errc::ok) return r;
  }
  return add_one(*core_, e, into, dest, info, handle, time_to_live, change_flags, gr, gn);
}

errc Instance::add_routes(EntityHandle caller, std::span<RouteAddItem> items,
                          RouteListHandle list) {
  Call c(*core_, caller);
  errc call = c.status();
  Guard gr, gn, gl;
  RouteList* into = nullptr;
  if (call == errc::ok) {
    detail::test_hook("add_route.caller_resolved", c.entity());
    if (list) call = detail::resolve_list(*core_, c.entity(), list, gl, &into);
  }
  if (call != errc::ok) {
    for (RouteAddItem& it : items) it.result = call;
    return call;
  }
  errc first = errc::ok;
  if (!items.empty()) prefetch_add_early(*core_, items[0].dest);
  if (items.size() > 1) prefetch_add_early(*core_, items[1].dest);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + 2 < items.size()) prefetch_add_early(*core_, items[i + 2].dest);
    if (i + 1 < items.size()) prefetch_add_late(*core_, items[i + 1].dest);
    RouteAddItem& it = items[i];
    it.change_flags = it.force_new ? kRouteChangeNew : 0;  // add_one's input
    it.result = add_one(*core_, c.entity(), into, it.dest, it.info, it.handle, it.time_to_live,
                        &it.change_flags, gr, gn);
    if (it.result != errc::ok) it.change_flags = 0;
    if (first == errc::ok) first = it.result;
  }
  return first;
}

errc Instance::delete_route(EntityHandle caller, RouteHandle handle,
                            RouteChangeFlags* change_flags) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr;
  return delete_one(*core_, c.entity(), handle, change_flags, gr);
}

errc Instance::delete_routes(EntityHandle caller, std::span<RouteDeleteItem> items) {
  Call c(*core_, caller);
  if (!c.ok()) {
    for (RouteDeleteItem& it : items) it.result = c.status();
    return c.status();
  }
  Guard gr;
  errc first = errc::ok;
  for (RouteDeleteItem& it : items) {
    it.change_flags = 0;
    it.result = delete_one(*core_, c.entity(), it.route, &it.change_flags, gr);
    if (first == errc::ok) first = it.result;
  }
  return first;
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
