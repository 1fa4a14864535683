// The rest of the RTMv2 surface over the core: hold-down and timers,
// enumerations, route lists, entity methods, client locks and opaque
// pointers. These are slow paths next to lookups and route updates; each
// section says what it locks and why that is enough.
#include <rtm/instance.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <optional>

#include "detail/core.h"
#include "detail/test_hook.h"
#include "detail/fault.h"
#include "detail/ops.h"
#include "detail/timers.h"

namespace rtm {

using detail::Core;
using detail::Dest;
using detail::EnumObj;
using detail::Entity;
using detail::Guard;
using detail::HoldSet;
using detail::NextHop;
using detail::Object;
using detail::Route;
using detail::RouteData;
using detail::RouteList;
using detail::RouteSet;
using detail::ThreadScope;
using detail::add_ref;
using detail::handle_kind;
using detail::lookup_as;
using detail::resolve_caller;
using detail::target_views;
using detail::unref_handle;
using detail::unref_memory;

namespace detail {

void delete_enum_obj(EnumObj* en) noexcept {
  {
    std::lock_guard lock(en->mu);
    if (en->deleted) return;  // a racing delete won
    en->deleted = true;
  }
  unref_handle(en);  // the creation reference: revokes it, freeing the handle
}

errc resolve_list(Core& core, Entity* e, RouteListHandle h, Guard& g, RouteList** out) noexcept {
  auto* l = static_cast<RouteList*>(core.handles.lookup(h.value, HandleKind::route_list, g));
  if (l == nullptr) return errc::invalid_handle;
  if (l->owner != e) return errc::access_denied;
  *out = l;
  return errc::ok;
}

void delete_route_list_obj(Core& core, RouteList* l) noexcept {
  {
    std::lock_guard lock(core.list_mu);
    if (l->deleted) return;  // a racing delete won
    l->deleted = true;
    for (Route* r : l->routes) r->list = nullptr;
    l->routes.clear();
    l->routes.shrink_to_fit();
  }
  unref_handle(l);  // the creation reference
}

errc reserve_route_list_slot(Core& core, RouteList* l) noexcept {
  std::lock_guard lock(core.list_mu);
  if (l->deleted) return errc::invalid_handle;
  try {
    fault_throw();
    l->routes.reserve(l->routes.size() + l->reserved + 1);
  } catch (...) {
    return errc::not_enough_memory;
  }
  ++l->reserved;
  return errc::ok;
}

void move_to_route_list(Core& core, RouteList* l, Route* r) noexcept {
  std::lock_guard lock(core.list_mu);
  --l->reserved;  // the slot reserve_route_list_slot kept: push_back cannot allocate
  // A list deleted since the reservation: the add linearizes before that
  // delete, which would have taken the route out again.
  if (l->deleted) return;
  r->listed.store(true, std::memory_order_seq_cst);
  if (r->state.load(std::memory_order_seq_cst) != kRouteStateCreated) return;
  if (r->list == l) return;
  if (r->list != nullptr) std::erase(r->list->routes, r);
  l->routes.push_back(r);
  r->list = l;
}

}  // namespace detail

namespace {

// Destination ordering for enumerations: address bytes, then length.
struct DestOrderKey {
  std::uint8_t bytes[16];
  std::uint8_t length;
  std::uint32_t ifindex;  // next hops only
};
int compare_key(const DestOrderKey& a, const DestOrderKey& b) noexcept {
  if (int c = std::memcmp(a.bytes, b.bytes, 16); c != 0) return c;
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  if (a.ifindex != b.ifindex) return a.ifindex < b.ifindex ? -1 : 1;
  return 0;
}
DestOrderKey order_key(const NetAddress& a, std::uint32_t ifindex = 0) noexcept {
  DestOrderKey k{};
  std::memcpy(k.bytes, a.bytes(), 16);
  k.length = static_cast<std::uint8_t>(a.length());
  k.ifindex = ifindex;
  return k;
}

// The positioning part of enumeration flags.
struct EnumStart {
  EnumFlags mode = kEnumStart;
  bool has_address = false;
  NetAddress address;
};

errc parse_start(const Entity* e, EnumFlags flags, EnumFlags allowed_extra,
                 const NetAddress* address, EnumStart* out) {
  out->mode = flags & 0xFF;
  if ((flags & ~EnumFlags{0xFF} & ~allowed_extra) != 0) return errc::invalid_parameter;
  if (out->mode > kEnumRange) return errc::invalid_parameter;
  if (address != nullptr) {
    if (!detail::valid_address_for(e, *address)) return errc::invalid_parameter;
    out->has_address = true;
    out->address = *address;
  } else if (out->mode != kEnumStart) {
    return errc::invalid_parameter;
  }
  return errc::ok;
}

// Whether an object at `a` (with `ifindex`) is selected by the start.
bool selected(const EnumStart& st, const NetAddress& a, std::uint32_t ifindex = 0,
              bool by_ifindex = false) {
  if (!st.has_address) return true;
  switch (st.mode) {
    case kEnumRange:
      return st.address.covers(a);
    case kEnumNext: {
      const int c = compare_key(order_key(a, ifindex), order_key(st.address, 0));
      return by_ifindex ? c > 0 && !(a == st.address) : c > 0;
    }
    default:
      return compare_key(order_key(a, ifindex), order_key(st.address, 0)) >= 0;
  }
}

// Destinations of `family` selected by `st`, in order, as handle values.
errc snapshot_dests(Core& core, Family family, const EnumStart& st,
                    std::vector<std::uint64_t>* out) {
  std::vector<std::pair<DestOrderKey, std::uint64_t>> found;
  try {
    detail::fault_throw();
    core.handles.for_each_handle([&](std::uint64_t h) {
      if (handle_kind(h) != HandleKind::dest) return;
      Guard g;
      Dest* d = lookup_as<Dest>(core, h, g);
      if (d == nullptr || d->table->family != family) return;
      if (d->gone.load(std::memory_order_acquire)) return;
      if (!selected(st, d->address)) return;
      found.emplace_back(order_key(d->address), h);
    });
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return compare_key(a.first, b.first) < 0;
    });
    out->reserve(found.size());
  } catch (...) {
    return errc::not_enough_memory;
  }
  for (const auto& f : found) out->push_back(f.second);
  return errc::ok;
}

// Creates an enumeration object with its handle; null with *err set.
EnumObj* new_enum(Core& core, Entity* e, EnumObj::Kind kind, errc* err) {
  if (!e->counts.try_add_memory()) {  // the enumeration's reference on its owner
    *err = errc::invalid_handle;
    return nullptr;
  }
  EnumObj* en = detail::nothrow_new<EnumObj>(&core, e, kind);
  if (en == nullptr) {
    unref_memory(e);
    *err = errc::not_enough_memory;
    return nullptr;
  }
  return en;
}

// Publishes a built enumeration: its handle, or out of memory, or
// invalid_handle if its owner deregistered meanwhile. (A1) publishing the
// handle, then (A2) the owner's registration re-checked: the Dekker pair
// with the deregistration's walk argued at owner_deregistered
// (src/instance.cpp); whichever side sees the other deletes the
// enumeration (delete_enum_obj is idempotent). Protected from before the
// handle is published, so a walk that deletes it cannot free it under us.
errc publish_enum(Core& core, EnumObj* en, EnumHandle* out) {
  Guard g;
  g.assign(en);  // unpublished: nobody else can drop it yet
  const std::uint64_t h = core.handles.allocate(HandleKind::enumeration, en);  // (A1)
  if (h == 0) {
    unref_handle(en);
    return errc::not_enough_memory;
  }
  detail::test_hook("publish_enum.published", en);
  if (detail::owner_deregistered(en->owner)) {  // (A2)
    delete_enum_obj(en);
    return errc::invalid_handle;
  }
  out->value = h;
  return errc::ok;
}

// The caller's enumeration named by h (of `kind`, when given), protected by g.
errc resolve_enum(Core& core, Entity* e, EnumHandle h, std::optional<EnumObj::Kind> kind,
                  Guard& g, EnumObj** out) {
  auto* en = static_cast<EnumObj*>(core.handles.lookup(h.value, HandleKind::enumeration, g));
  if (en == nullptr) return errc::invalid_handle;
  if (en->owner != e) return errc::access_denied;
  if (kind && en->kind != *kind) return errc::invalid_handle;
  *out = en;
  return errc::ok;
}

// The start of every enumeration get: the caller, its arguments (a count
// > 0 and an output array), then its enumeration of `kind`, in that order
// of errors, each protected by its guard.
errc open_enum_get(Core& core, EntityHandle caller, EnumHandle h, EnumObj::Kind kind,
                   const std::uint32_t* count, bool have_output, Guard& g, Guard& ge, Entity** e,
                   EnumObj** en) {
  if (errc r = resolve_caller(core, caller, g, e); r != errc::ok) return r;
  if (count == nullptr || *count == 0 || !have_output) return errc::invalid_parameter;
  return resolve_enum(core, *e, h, kind, ge, en);
}

std::uint32_t batch_cap(const Entity* e, std::uint32_t asked) {
  return std::min(asked, e->profile.max_handles_in_enum);
}

// Gives back handles a get referenced before it failed.
void release_partial(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n) {
  detail::release_taken(core, e, hs, n);
}

// Takes the handles items[cursor..] into out[n..cap): each that still
// names a live T for which `accept` holds gets a reference for e; one
// freed after the checks is skipped like one deleted before them. Returns
// the first other error (the caller releases out[0..n) and rewinds).
template <typename T, typename H, typename Accept>
errc take_batch(Core& core, Entity* e, const std::vector<std::uint64_t>& items,
                std::size_t& cursor, std::uint32_t cap, H* out, std::uint32_t& n,
                Accept accept) {
  while (n < cap && cursor < items.size()) {
    Guard g;
    T* o = lookup_as<T>(core, items[cursor++], g);
    if (o == nullptr || !accept(o)) continue;
    const errc err = add_ref(e, o);
    if (err == errc::not_found) continue;
    if (err != errc::ok) return err;
    out[n++].value = o->handle;
  }
  return errc::ok;
}

// The handles of d's live routes now, appended to *out (throws bad_alloc).
void live_route_handles(const Dest* d, std::vector<std::uint64_t>* out) {
  detail::fault_throw();
  Guard gs;
  const RouteSet* s = gs.protect(d->routes);
  out->reserve(out->size() + s->size);
  for (std::uint32_t i = 0; i < s->size; ++i)
    if (!s->routes[i]->zombie.load(std::memory_order_acquire))
      out->push_back(s->routes[i]->handle);
}

}  // namespace

// ---- hold-down and timers -------------------------------------------------------------

errc Instance::hold_destination(EntityHandle caller, DestHandle dest, ViewSet views,
                                std::uint32_t hold_ms) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (d->table->family != e->info.family) return errc::invalid_parameter;
  std::lock_guard lock(d->lock);
  if (d->gone.load(std::memory_order_relaxed)) return errc::not_found;  // no longer in the table
  HoldSet* next = detail::copy_holds(d->holds.load(std::memory_order_relaxed), 0);
  if (next == nullptr) return errc::not_enough_memory;
  for (ViewSet rest = tv; rest != 0; rest &= rest - 1) next->hold_ms[std::countr_zero(rest)] = hold_ms;
  detail::publish_holds(d, next);
  return errc::ok;
}

std::size_t Instance::run_due_timers() {
  ThreadScope scope;
  return core_->timers->run_due();
}

// ---- enumerations -----------------------------------------------------------------------

errc Instance::create_dest_enum(EntityHandle caller, ViewSet views, EnumFlags flags,
                                const NetAddress* address, std::uint32_t protocol,
                                EnumHandle* out) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  ViewSet tv;
  if (target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  EnumStart st;
  if (errc r = parse_start(e, flags, kEnumOwnDests, address, &st); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::dests, &err);
  if (en == nullptr) return err;
  en->views = tv;
  en->flags = flags;
  en->protocol = protocol;
  if (errc r = snapshot_dests(*core_, e->info.family, st, &en->items); r != errc::ok) {
    unref_handle(en);
    return r;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_dests(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                              DestInfo* infos) {
  ThreadScope scope;
  Guard g, ge;
  Entity* e = nullptr;
  EnumObj* en = nullptr;
  if (errc r = open_enum_get(*core_, caller, h, EnumObj::Kind::dests, count, infos != nullptr,
                             g, ge, &e, &en);
      r != errc::ok)
    return r;
  std::lock_guard lock(en->mu);
  if (en->deleted) return errc::invalid_handle;  // deleted since the lookup
  const std::uint32_t cap = batch_cap(e, *count);
  const std::size_t start = en->cursor;
  std::uint32_t n = 0;
  while (n < cap && en->cursor < en->items.size()) {
    Guard gd;
    Dest* d = lookup_as<Dest>(*core_, en->items[en->cursor], gd);
    if (d == nullptr || d->gone.load(std::memory_order_acquire) ||
        !detail::has_route_or_hold_in(d, en->views) ||
        ((en->flags & kEnumOwnDests) && !detail::has_route_in(d, en->views, e))) {
      ++en->cursor;  // deleted since the snapshot, or filtered out
      continue;
    }
    const errc r = detail::fill_dest_info(*core_, e, d, en->protocol, en->views, &infos[n]);
    if (r == errc::not_found) {  // its last reference went after the checks: deleted, skip
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
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  ViewSet tv;
  if (target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
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
      live_route_handles(d, &en->pending);
    } catch (...) {
      unref_handle(en);
      return errc::not_enough_memory;
    }
  } else if (errc r = snapshot_dests(*core_, e->info.family, st, &en->items); r != errc::ok) {
    unref_handle(en);
    return r;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_routes(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                               RouteHandle* routes) {
  ThreadScope scope;
  Guard g, ge;
  Entity* e = nullptr;
  EnumObj* en = nullptr;
  if (errc r = open_enum_get(*core_, caller, h, EnumObj::Kind::routes, count, routes != nullptr,
                             g, ge, &e, &en);
      r != errc::ok)
    return r;
  std::lock_guard lock(en->mu);
  if (en->deleted) return errc::invalid_handle;  // deleted since the lookup
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
      live_route_handles(d, &next);
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
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  EnumStart st;
  if (errc r = parse_start(e, flags, 0, address, &st); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::next_hops, &err);
  if (en == nullptr) return err;
  std::vector<std::pair<DestOrderKey, std::uint64_t>> found;
  try {
    detail::fault_throw();
    core_->handles.for_each_handle([&](std::uint64_t hv) {
      if (handle_kind(hv) != HandleKind::next_hop) return;
      Guard gn;
      NextHop* nh = lookup_as<NextHop>(*core_, hv, gn);
      if (nh == nullptr || nh->address.family() != e->info.family) return;
      if (nh->state.load(std::memory_order_acquire) != kNextHopStateCreated) return;
      if (!selected(st, nh->address, nh->interface_index, true)) return;
      found.emplace_back(order_key(nh->address, nh->interface_index), hv);
    });
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return compare_key(a.first, b.first) < 0;
    });
    en->items.reserve(found.size());
  } catch (...) {
    unref_handle(en);
    return errc::not_enough_memory;
  }
  for (const auto& f : found) en->items.push_back(f.second);
  return publish_enum(*core_, en, out);
}

errc Instance::get_enum_next_hops(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                                  NextHopHandle* next_hops) {
  ThreadScope scope;
  Guard g, ge;
  Entity* e = nullptr;
  EnumObj* en = nullptr;
  if (errc r = open_enum_get(*core_, caller, h, EnumObj::Kind::next_hops, count,
                             next_hops != nullptr, g, ge, &e, &en);
      r != errc::ok)
    return r;
  std::lock_guard lock(en->mu);
  if (en->deleted) return errc::invalid_handle;  // deleted since the lookup
  const std::uint32_t cap = batch_cap(e, *count);
  const std::size_t start = en->cursor;
  std::uint32_t n = 0;
  const errc err = take_batch<NextHop>(*core_, e, en->items, en->cursor, cap, next_hops, n,
                                       [](NextHop* nh) {
                                         return nh->state.load(std::memory_order_acquire) ==
                                                kNextHopStateCreated;
                                       });
  if (err != errc::ok) {
    release_partial(*core_, e, reinterpret_cast<const std::uint64_t*>(next_hops), n);
    en->cursor = start;
    return err;
  }
  *count = n;
  return en->cursor >= en->items.size() ? errc::no_more_items : errc::ok;
}

errc Instance::delete_enum(EntityHandle caller, EnumHandle h) {
  ThreadScope scope;
  Guard g, ge;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  EnumObj* en = nullptr;
  if (errc r = resolve_enum(*core_, e, h, std::nullopt, ge, &en); r != errc::ok) return r;
  detail::delete_enum_obj(en);
  return errc::ok;
}

// ---- route lists ----------------------------------------------------------------------------
//
// Membership: RouteList::routes and Route::list change only under
// Core::list_mu. A route in a list is never deleted: delete_route_obj
// stores the route's state (seq_cst), then reads Route::listed (seq_cst)
// and, if set, takes list_mu and unlinks the route. An insertion stores
// `listed` (seq_cst) under list_mu, then reads the state (seq_cst) and
// links the route only if it is still live. By the total order of seq_cst
// operations at least one side sees the other's store: either the
// insertion sees the route deleted and does not link it, or the delete
// sees `listed` and unlinks it under list_mu after the insertion's
// critical section. So a list never holds a deleted route, and the raw
// pointers in it are alive (the destination's current set holds them).

errc Instance::create_route_list(EntityHandle caller, RouteListHandle* out) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  if (!e->counts.try_add_memory()) return errc::invalid_handle;  // the list's, on its owner
  RouteList* l = detail::nothrow_new<RouteList>(core_, e);
  if (l == nullptr) {
    unref_memory(e);
    return errc::not_enough_memory;
  }
  // As publish_enum: protected from before (A1), then (A2).
  Guard gl;
  gl.assign(l);  // unpublished: nobody else can drop it yet
  const std::uint64_t h = core_->handles.allocate(HandleKind::route_list, l);  // (A1)
  if (h == 0) {
    unref_handle(l);
    return errc::not_enough_memory;
  }
  detail::test_hook("create_route_list.published", l);
  if (detail::owner_deregistered(e)) {  // (A2)
    detail::delete_route_list_obj(*core_, l);
    return errc::invalid_handle;
  }
  out->value = h;
  return errc::ok;
}

errc Instance::insert_in_route_list(EntityHandle caller, RouteListHandle list,
                                    std::span<const RouteHandle> routes) {
  ThreadScope scope;
  Guard g, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (routes.empty() || routes.data() == nullptr) return errc::invalid_parameter;
  RouteList* l = nullptr;  // null: out of any list
  if (list) {
    if (errc r = detail::resolve_list(*core_, e, list, gl, &l); r != errc::ok) return r;
  }
  // Phase 1, under list_mu: validate every route before changing anything.
  // A route seen live here, with `listed` set first, stays alive until
  // list_mu is released: its delete stores the state, finds `listed` and
  // waits for list_mu before it retires the set that holds the route (see
  // delete_route_obj). So one hazard pointer at a time suffices, however
  // many routes are passed (a thread has only a few).
  std::vector<Route*> rs;
  try {
    detail::fault_throw();
    rs.reserve(routes.size());
  } catch (...) {
    return errc::not_enough_memory;
  }
  std::lock_guard lock(core_->list_mu);
  if (l != nullptr && l->deleted) return errc::invalid_handle;  // deleted since the lookup
  if (l != nullptr) {
    try {
      detail::fault_throw();
      l->routes.reserve(l->routes.size() + l->reserved + routes.size());
    } catch (...) {
      return errc::not_enough_memory;
    }
  }
  for (const RouteHandle h : routes) {
    Guard gr;
    Route* r = lookup_as<Route>(*core_, h.value, gr);
    if (r == nullptr) return errc::invalid_handle;
    if (r->owner != e) return errc::access_denied;
    r->listed.store(true, std::memory_order_seq_cst);
    if (r->state.load(std::memory_order_seq_cst) != kRouteStateCreated)
      return errc::invalid_handle;  // deleted: nothing moved
    rs.push_back(r);
  }
  // Phase 2: link (no failure past this point).
  for (Route* r : rs) {
    if (r->list == l) continue;
    if (r->list != nullptr) std::erase(r->list->routes, r);
    r->list = l;
    if (l != nullptr) l->routes.push_back(r);
  }
  return errc::ok;
}

errc Instance::create_route_list_enum(EntityHandle caller, RouteListHandle list,
                                      EnumHandle* out) {
  ThreadScope scope;
  Guard g, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  RouteList* l = nullptr;
  if (errc r = detail::resolve_list(*core_, e, list, gl, &l); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = new_enum(*core_, e, EnumObj::Kind::list_routes, &err);
  if (en == nullptr) return err;
  en->list = l;
  en->list_handle = l->handle;
  try {
    detail::fault_throw();
    std::lock_guard lock(core_->list_mu);
    en->pending.reserve(l->routes.size());
    for (Route* r : l->routes) en->pending.push_back(r->handle);
  } catch (...) {
    unref_handle(en);
    return errc::not_enough_memory;
  }
  return publish_enum(*core_, en, out);
}

errc Instance::get_list_enum_routes(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                                    RouteHandle* routes) {
  ThreadScope scope;
  Guard g, ge;
  Entity* e = nullptr;
  EnumObj* en = nullptr;
  if (errc r = open_enum_get(*core_, caller, h, EnumObj::Kind::list_routes, count,
                             routes != nullptr, g, ge, &e, &en);
      r != errc::ok)
    return r;
  std::lock_guard lock(en->mu);
  if (en->deleted) return errc::invalid_handle;  // deleted since the lookup
  const std::uint32_t cap = batch_cap(e, *count);
  const std::size_t start = en->pending_cursor;
  std::uint32_t n = 0;
  const errc err = take_batch<Route>(*core_, e, en->pending, en->pending_cursor, cap, routes, n,
                                     [&](Route* r) {
    // Still in this list (which a live list handle proves is the same list;
    // its own guard: ge protects the enumeration itself).
    std::lock_guard list_lock(core_->list_mu);
    Guard gl;
    return r->list == en->list &&
           core_->handles.lookup(en->list_handle, HandleKind::route_list, gl) != nullptr;
  });
  if (err != errc::ok) {
    release_partial(*core_, e, reinterpret_cast<const std::uint64_t*>(routes), n);
    en->pending_cursor = start;
    return err;
  }
  *count = n;
  return en->pending_cursor >= en->pending.size() ? errc::no_more_items : errc::ok;
}

errc Instance::delete_route_list(EntityHandle caller, RouteListHandle list) {
  ThreadScope scope;
  Guard g, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  RouteList* l = nullptr;
  if (errc r = detail::resolve_list(*core_, e, list, gl, &l); r != errc::ok) return r;
  detail::delete_route_list_obj(*core_, l);
  return errc::ok;
}

// ---- entity methods -----------------------------------------------------------------------
//
// The gate is a mutex and a condition variable per entity: invoke waits
// while blocked, then counts itself active for the whole batch of calls;
// block sets `blocked` and waits until no invocation is active. So a batch
// runs entirely before a block returns, or entirely after the resume.

namespace {
// The callee whose method this thread is running (innermost), so that a
// method that blocks its own entity is refused instead of waiting for
// itself.
// Entities whose methods this thread is running (outermost first): a
// block of any of them from here would wait for this thread.
thread_local std::uint64_t tl_in_methods[16];
thread_local unsigned tl_depth = 0;
bool running_method_of(std::uint64_t entity) {
  for (unsigned i = 0; i < std::min(tl_depth, 16u); ++i)
    if (tl_in_methods[i] == entity) return true;
  return false;
}
}  // namespace

errc Instance::get_entity_methods(EntityHandle caller, EntityHandle entity,
                                  std::uint32_t* count, EntityMethod* methods) {
  ThreadScope scope;
  Guard g, gt;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (count == nullptr || (*count != 0 && methods == nullptr)) return errc::invalid_parameter;
  Entity* t = lookup_as<Entity>(*core_, entity.value, gt);
  if (t == nullptr || !t->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
  const auto n = static_cast<std::uint32_t>(t->methods.size());
  if (n > *count) {
    *count = n;
    return errc::insufficient_buffer;
  }
  try {
    detail::fault_throw();
    for (std::uint32_t i = 0; i < n; ++i) methods[i] = t->methods[i];
  } catch (...) {
    return errc::not_enough_memory;
  }
  *count = n;
  return errc::ok;
}

errc Instance::invoke_methods(EntityHandle caller, EntityHandle callee,
                              std::span<MethodCall> calls) {
  ThreadScope scope;
  Entity* t = nullptr;
  {
    // No hazard pointer is held across the methods (they may invoke methods
    // again, to any depth): the guards go with this block, and a memory
    // reference keeps the callee alive.
    Guard g, gt;
    Entity* e = nullptr;
    if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
    if (calls.empty() || calls.data() == nullptr) return errc::invalid_parameter;
    t = lookup_as<Entity>(*core_, callee.value, gt);
    if (t == nullptr || !t->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
    for (const MethodCall& c : calls) {
      if (!std::has_single_bit(c.method_type)) return errc::invalid_parameter;
      const auto i = static_cast<unsigned>(std::countr_zero(c.method_type));
      if (i >= t->methods.size() || !t->methods[i]) return errc::invalid_parameter;
    }
    if (!t->counts.try_add_memory()) return errc::invalid_handle;  // dead: deregistered
  }
  {
    std::unique_lock lock(t->method_mu);
    ++t->methods_waiting;
    t->method_cv.wait(lock, [&] {
      return !t->methods_blocked || !t->registered.load(std::memory_order_acquire);
    });
    --t->methods_waiting;
    if (!t->registered.load(std::memory_order_acquire)) {
      lock.unlock();
      detail::unref_memory(t);
      return errc::invalid_handle;
    }
    ++t->methods_active;
  }
  if (tl_depth < 16) tl_in_methods[tl_depth] = t->handle;
  ++tl_depth;
  for (MethodCall& c : calls) {
    try {
      t->methods[static_cast<unsigned>(std::countr_zero(c.method_type))](caller, callee, c);
    } catch (...) {
      // A method must not throw; what it wrote stands.
    }
  }
  --tl_depth;
  {
    std::lock_guard lock(t->method_mu);
    if (--t->methods_active == 0) t->method_cv.notify_all();
  }
  detail::unref_memory(t);
  return errc::ok;
}

errc Instance::block_methods(EntityHandle caller, std::uint32_t blocking_flag) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (blocking_flag != kBlockMethods && blocking_flag != kResumeMethods)
    return errc::invalid_parameter;
  std::unique_lock lock(e->method_mu);
  if (blocking_flag == kResumeMethods) {
    e->methods_blocked = false;
    e->method_cv.notify_all();
    return errc::ok;
  }
  if (running_method_of(e->handle)) return errc::invalid_parameter;  // would wait for itself
  e->methods_blocked = true;
  detail::test_hook("block_methods.wait", e);
  // Also done when e is deregistered (deregister_entity notifies method_cv
  // after clearing `registered`): a method of e that deregisters e waits
  // for e's callbacks in flight, and one of them may be this call, waiting
  // for that method (tests/methods_deadlock_test.cpp).
  e->method_cv.wait(lock, [&] {
    return e->methods_active == 0 || !e->registered.load(std::memory_order_acquire);
  });
  return errc::ok;
}

std::size_t Instance::method_waiters(EntityHandle entity) const {
  ThreadScope scope;
  Guard g;
  Entity* t = lookup_as<Entity>(*core_, entity.value, g);
  if (t == nullptr) return 0;
  std::lock_guard lock(t->method_mu);
  return t->methods_waiting;
}

}  // namespace rtm
