// api/enumerations.cpp — the Instance methods of "enumerations"
// (include/rtm/instance.h): argument checks, then the enumeration objects
// of core/enumerations.h. Route-list enumerations are in api/route_lists.cpp.
#include <rtm/instance.h>

#include <mutex>
#include <optional>
#include <vector>

#include "api/call.h"
#include "core/dest.h"
#include "core/dest_table.h"
#include "core/enumerations.h"
#include "core/infos.h"
#include "core/next_hop.h"
#include "core/refs.h"
#include "core/route.h"

namespace rtm {

using detail::Call;
using detail::Dest;
using detail::EnumObj;
using detail::EnumStart;
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::Route;
using detail::RouteData;
using detail::batch_cap;
using detail::lookup_as;
using detail::new_enum;
using detail::open_enum_get;
using detail::parse_start;
using detail::publish_enum;
using detail::release_partial;
using detail::take_batch;
using detail::unref_handle;

errc Instance::create_dest_enum(EntityHandle caller, ViewSet views, EnumFlags flags,
                                const NetAddress* address, std::uint32_t protocol,
                                EnumHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  if (out == nullptr) return errc::invalid_parameter;
  ViewSet tv;
  if (detail::target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  EnumStart st;
  if (errc r = parse_start(e, flags, kEnumOwnDests, address, &st); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::dests, &err);
  if (en == nullptr) return err;
  en->views = tv;
  en->flags = flags;
  en->protocol = protocol;
  if (errc r = detail::sorted_snapshot(*core_, HandleKind::dest, e->info.family, st, &en->items);
      r != errc::ok) {
    unref_handle(en);
    return r;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_dests(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                              DestInfo* infos) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  detail::OpenEnum oe;
  if (errc r = open_enum_get(*core_, e, h, EnumObj::Kind::dests, count, infos != nullptr, &oe);
      r != errc::ok)
    return r;
  EnumObj* en = oe.en;
  const std::uint32_t cap = batch_cap(e, *count);
  const std::size_t start = en->cursor;
  std::uint32_t n = 0;
  while (n < cap && en->cursor < en->items.size()) {
    Guard gd;
    Dest* d = lookup_as<Dest>(*core_, en->items[en->cursor], gd);
    if (d == nullptr || d->gone.load(std::memory_order_acquire) ||
        ((en->flags & kEnumOwnDests) && !detail::has_route_in(d, en->views, e))) {
      ++en->cursor;  // deleted since the snapshot, or filtered out
      continue;
    }
    const errc r =
        detail::fill_dest_info(*core_, e, d, en->protocol, en->views, &infos[n], false, true);
    if (r == errc::not_found) {  // deleted, or no route in the views: skip
      ++en->cursor;
      continue;
    }
    if (r != errc::ok) {
      // All or nothing: give back this call's infos (without allocating),
      // rewind the cursor.
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint64_t hs[1 + 3 * kMaxViews];
        std::size_t k = 0;
        detail::collect_dest_info_handles(infos[i], hs, &k);
        release_partial(*core_, e, hs, k);
      }
      en->cursor = start;
      return r;
    }
    ++n;
    ++en->cursor;
  }
  *count = n;
  return en->cursor >= en->items.size() ? errc::no_more_items : errc::ok;
}

errc Instance::create_route_enum(EntityHandle caller, DestHandle dest, ViewSet views,
                                 EnumFlags flags, const NetAddress* start, MatchFlags match,
                                 const RouteInfo* criteria, std::uint32_t interface_index,
                                 EnumHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  Guard gd;
  if (out == nullptr) return errc::invalid_parameter;
  ViewSet tv;
  if (detail::target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  if ((match & ~kMatchFull) != 0) return errc::invalid_parameter;
  if ((match & ~kMatchInterface & kMatchFull) != 0 && criteria == nullptr)
    return errc::invalid_parameter;
  if ((match & kMatchNextHop) && criteria->next_hops.count == 0) return errc::invalid_parameter;
  Dest* d = nullptr;
  EnumStart st;
  if (dest) {
    d = lookup_as<Dest>(*core_, dest.value, gd);
    if (d == nullptr) return errc::invalid_handle;
    if (d->table->family != e->info.family) return errc::invalid_parameter;
    if ((flags & ~kEnumOwnRoutes) != 0) return errc::invalid_parameter;
  } else if (errc r = parse_start(e, flags, kEnumOwnRoutes, start, &st); r != errc::ok) {
    return r;
  }
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::routes, &err);
  if (en == nullptr) return err;
  en->views = tv;
  en->flags = flags;
  en->match = match;
  if (criteria != nullptr) en->criteria = *criteria;
  en->interface_index = interface_index;
  if (d != nullptr) {
    // One destination: its routes now are the snapshot.
    try {
      detail::live_route_handles(d, &en->pending);
    } catch (...) {
      unref_handle(en);
      return errc::not_enough_memory;
    }
  } else if (errc r = detail::sorted_snapshot(*core_, HandleKind::dest, e->info.family, st,
                                              &en->items);
             r != errc::ok) {
    unref_handle(en);
    return r;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_routes(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                               RouteHandle* routes) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  detail::OpenEnum oe;
  if (errc r = open_enum_get(*core_, e, h, EnumObj::Kind::routes, count, routes != nullptr, &oe);
      r != errc::ok)
    return r;
  EnumObj* en = oe.en;
  const std::uint32_t cap = batch_cap(e, *count);
  // All or nothing on error: the state to rewind to.
  const std::size_t cursor0 = en->cursor, pending_cursor0 = en->pending_cursor;
  std::vector<std::uint64_t> pending0;
  bool swapped = false;
  std::uint32_t n = 0;
  auto fail = [&](errc r) {
    static_assert(sizeof(RouteHandle) == sizeof(std::uint64_t));
    release_partial(*core_, e, reinterpret_cast<const std::uint64_t*>(routes), n);
    en->cursor = cursor0;
    en->pending_cursor = pending_cursor0;
    if (swapped) en->pending.swap(pending0);
    return r;
  };
  auto accept = [&](Route* r) {
    if (r->state.load(std::memory_order_acquire) != kRouteStateCreated) return false;  // deleted
    if ((en->flags & kEnumOwnRoutes) && r->owner != e) return false;
    Guard gx;
    const RouteData* rd = gx.protect(r->data);
    return (rd->views & en->views) != 0 &&
           detail::route_matches(r, rd, en->match, &en->criteria, en->interface_index);
  };
  for (;;) {
    if (errc err = take_batch<Route>(*core_, e, en->pending, en->pending_cursor, cap, routes, n,
                                     accept);
        err != errc::ok)
      return fail(err);
    if (n >= cap || en->cursor >= en->items.size()) break;
    // The pending list is done: the next destination's routes become it.
    Guard gd;
    Dest* d = lookup_as<Dest>(*core_, en->items[en->cursor++], gd);
    if (d == nullptr || d->gone.load(std::memory_order_acquire)) continue;
    std::vector<std::uint64_t> next;
    try {
      detail::live_route_handles(d, &next);
    } catch (...) {
      return fail(errc::not_enough_memory);
    }
    if (!swapped) {
      pending0.swap(en->pending);  // keep the list this call started with, for a rewind
      swapped = true;
    }
    en->pending.swap(next);
    en->pending_cursor = 0;
  }
  *count = n;
  const bool done = en->pending_cursor >= en->pending.size() && en->cursor >= en->items.size();
  return done ? errc::no_more_items : errc::ok;
}

errc Instance::create_next_hop_enum(EntityHandle caller, EnumFlags flags,
                                    const NetAddress* address, EnumHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  if (out == nullptr) return errc::invalid_parameter;
  EnumStart st;
  if (errc r = parse_start(e, flags, 0, address, &st); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::next_hops, &err);
  if (en == nullptr) return err;
  if (errc r = detail::sorted_snapshot(*core_, HandleKind::next_hop, e->info.family, st,
                                       &en->items);
      r != errc::ok) {
    unref_handle(en);
    return r;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_next_hops(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                                  NextHopHandle* next_hops) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  detail::OpenEnum oe;
  if (errc r = open_enum_get(*core_, e, h, EnumObj::Kind::next_hops, count, next_hops != nullptr,
                             &oe);
      r != errc::ok)
    return r;
  return detail::get_batch<NextHop>(*core_, e, oe.en->items, oe.en->cursor, count, next_hops,
                                    [](NextHop* nh) {
                                      return nh->state.load(std::memory_order_acquire) ==
                                             kNextHopStateCreated;
                                    });
}

errc Instance::delete_enum(EntityHandle caller, EnumHandle h) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard ge;
  EnumObj* en = nullptr;
  if (errc r = detail::resolve_enum(*core_, c.entity(), h, std::nullopt, ge, &en); r != errc::ok)
    return r;
  detail::delete_enum_obj(en);
  return errc::ok;
}

}  // namespace rtm
