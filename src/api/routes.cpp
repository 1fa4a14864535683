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

  const bool want_ref = handle != nullptr && handle->value == 0;
  const detail::RouteAdd add{dest, info, target, neighbour, into, time_to_live, force_new, want_ref};
  return detail::add_route_obj(*core_, e, add, change_flags, want_ref ? &handle->value : nullptr);
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
