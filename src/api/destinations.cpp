// api/destinations.cpp — Instance methods of the destinations and lookups section of rtm/instance.h.
#include <rtm/instance.h>

#include "api/call.h"
#include "core/core.h"
#include "core/dest_table.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"

namespace rtm {

using detail::Call;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::Route;
using detail::RouteData;
using detail::RouteSet;
using detail::Table;
using detail::add_ref;
using detail::fill_dest_info;
using detail::fill_route_info;
using detail::lookup_as;
using detail::release_handles;
using detail::target_views;

// ---- destinations ----------------------------------------------------------------

errc Instance::get_dest_info(EntityHandle caller, DestHandle dest, std::uint32_t protocol,
                             ViewSet views, DestInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gd;
  ViewSet tv;
  if (info == nullptr || target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  errc r = fill_dest_info(*core_, e, d, protocol, tv, info);
  return r == errc::not_found ? errc::invalid_handle : r;
}

errc Instance::release_dest_info(EntityHandle caller, const DestInfo& info) {
  return release_dests(caller, std::span<const DestInfo>(&info, 1));
}

errc Instance::release_dests(EntityHandle caller, std::span<const DestInfo> infos) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (infos.empty()) return errc::ok;  // a release of 0 items succeeds
  return detail::release_dest_infos(*core_, e, infos, false);
}

errc Instance::get_exact_match_destination(EntityHandle caller, const NetAddress& address,
                                           std::uint32_t protocol, ViewSet views,
                                           DestInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gd;
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  Dest* d = t.map.find(detail::dest_key(address), gd);
  if (d == nullptr) return errc::not_found;
  // not_found too if d has no route or held-down route in tv (in the
  // snapshot the answer is built from: one walk of the route set).
  return fill_dest_info(*core_, e, d, protocol, tv, info, false, true);
}

errc Instance::get_most_specific_destination(EntityHandle caller, const NetAddress& address,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  return detail::fill_longest_match_info(*core_, e, t, address,
                                         static_cast<int>(address.length()), protocol, tv, info);
}

errc Instance::get_less_specific_destination(EntityHandle caller, DestHandle dest,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gd;
  ViewSet tv;
  if (info == nullptr || target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (d->address.family() != e->info.family) return errc::invalid_parameter;
  const NetAddress a = d->address;
  Table& t = core_->table(a.family());
  return detail::fill_longest_match_info(*core_, e, t, a, static_cast<int>(a.length()) - 1,
                                         protocol, tv, info);
}

errc Instance::get_exact_match_route(EntityHandle caller, const NetAddress& address,
                                     MatchFlags flags, RouteInfo* criteria,
                                     std::uint32_t interface_index, ViewSet views,
                                     RouteHandle* route, bool fill_info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gd, gs, gx, gr;
  ViewSet tv;
  if (route == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  if ((flags & ~kMatchInterface & kMatchFull) != 0 && criteria == nullptr)
    return errc::invalid_parameter;
  if ((flags & kMatchNextHop) && criteria->next_hops.count == 0) return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  Dest* d = t.map.find(detail::dest_key(address), gd);
  if (d == nullptr) return errc::not_found;
  for (;;) {  // lock-free: each retry follows a route's revocation
    const RouteSet* s = gs.protect(d->routes);
    Route* best = nullptr;
    PrefInfo best_pref;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_acquire)) continue;
      const RouteData* rd = gx.protect(r->data);
      if ((rd->views & tv) == 0) continue;
      if (!detail::route_matches(r, rd, flags, criteria, interface_index)) continue;
      if (best == nullptr || compare_pref(rd->pref, best_pref) < 0) {
        best = r;
        best_pref = rd->pref;
      }
    }
    if (best == nullptr) return errc::not_found;
    gr.assign(best);  // alive: s lists it, and gs still protects s (core/dest.h)
    // The route's reference first: it fails if the route was revoked
    // after s was taken (deleted and released), and the search starts
    // again from the current set; once held, the route's links keep what
    // its info names.
    errc err = add_ref(e, best);
    if (err == errc::not_found) continue;
    if (err != errc::ok) return err;
    RouteInfo filled;
    if (fill_info && criteria != nullptr) {
      err = fill_route_info(*core_, e, best, &filled);
      if (err != errc::ok) {
        const std::uint64_t h = best->handle;
        release_handles(*core_, e, &h, 1, HandleKind::route);
        return err;
      }
    }
    route->value = best->handle;
    if (fill_info && criteria != nullptr) *criteria = filled;
    return errc::ok;
  }
}

}  // namespace rtm
