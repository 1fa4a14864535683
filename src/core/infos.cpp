// core/infos.cpp — filling the info structures (core/infos.h).
#include "core/infos.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "core/dest_table.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/fault.h"
#include "detail/test_hook.h"

namespace rtm::detail {

std::uint32_t protocol_filter(const Entity* e, std::uint32_t protocol) noexcept {
  return protocol == kThisProtocol ? e->info.protocol_id : protocol;
}

// Resolves a target view set against the caller's profile.
errc target_views(const Entity* e, ViewSet views, ViewSet* out) noexcept {
  if (views == kViewMaskAny) {
    *out = e->profile.views_supported;
    return errc::ok;
  }
  if ((views & ~e->profile.views_supported) != 0) return errc::invalid_parameter;
  *out = views;
  return errc::ok;
}

// One attempt of fill_dest_info on the snapshots it protects now. Sets
// *stale (and returns not_found) when a route of those snapshots was
// revoked after they were taken: the caller tries again from the current
// ones.
//
// Sized to the caller: it writes the header and the views asked for,
// straight into *info (a DestInfo has room for kMaxViews views, 1.3 KB;
// building a whole one and copying it was a fifth of a Get). Entries past
// number_of_views are not touched. On an error *info names no handle
// (dest 0, no views), whatever it held before.
static errc fill_dest_info_once(Core& core, Entity* e, Dest* d, std::uint32_t protocol,
                                ViewSet views, DestInfo* info, bool changed, bool only_if_present,
                                bool* stale) noexcept {
  RefBatch batch(core, e, changed);
  errc err = errc::ok;
  auto failed = [info](errc r) {
    info->dest = DestHandle{};
    info->number_of_views = 0;
    info->changed_by = NotifyHandle{};
    return r;
  };
  const std::uint64_t dest_handle = batch.add(d, &err);
  if (err != errc::ok) return failed(err);  // d revoked: the caller's handle is gone
  Guard gs;
  const RouteSet* s = gs.protect(d->routes);
  test_hook("fill_dest_info.set_protected", d);
  const GatheredRoutes gathered(s);
  if (!gathered.complete()) return failed(errc::not_enough_memory);
  const RouteView* routes = gathered.data();
  const std::size_t n = gathered.size();
  ViewSet belongs = 0;
  for (std::size_t i = 0; i < n; ++i) belongs |= routes[i].views;
  const std::uint32_t proto = protocol_filter(e, protocol);
  Guard gh;
  const HoldDownSet* held = gh.protect(d->hold_down);
  if (only_if_present && (belongs & views) == 0) {
    bool in_views = false;
    for (std::uint32_t h = 0; held != nullptr && h < held->size; ++h)
      in_views |= ((views >> held->entries[h].view) & 1u) != 0;
    // Exact matches and enumerations see held destinations (longest-prefix
    // matches check routes only, before). Nothing is taken yet: the
    // destination's reference, if linked, waits for commit; if counted,
    // the batch gives it back.
    if (!in_views) return failed(errc::not_found);
  }
  // A route of a protected snapshot is allocated (the snapshot holds it) but
  // may have been revoked since (deleted, and its last reference gone):
  // its reference then fails, and the answer is rebuilt from the current
  // snapshots, so a route deleted and released before this call is never
  // returned.
  auto add_route_ref = [&](Object* r) -> std::uint64_t {
    const std::uint64_t h = batch.add(r, &err);
    if (err == errc::not_found) *stale = true;
    return h;
  };
  std::uint32_t nv = 0;
  static_assert(kMaxViews == 8 * sizeof(ViewSet), "a view set has a bit per view");
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const ViewSet bit = ViewSet{1} << v;
    DestViewInfo& vi = info->views[nv++];
    vi = DestViewInfo{};
    vi.view_id = v;
    for (std::size_t i = 0; i < n; ++i)
      if (routes[i].views & bit) ++vi.num_routes;
    int b = best_of(routes, n, bit, proto);
    if (held != nullptr) {
      for (std::uint32_t h = 0; h < held->size; ++h) {
        if (held->entries[h].view != v) continue;
        vi.hold_route.value = add_route_ref(held->entries[h].route);
        if (err != errc::ok) return failed(err);
      }
    }
    if (b < 0) continue;
    vi.route.value = add_route_ref(routes[b].route);
    if (err != errc::ok) return failed(err);
    // Its owner: the route holds a handle link on it until the route is
    // revoked, which may happen before commit (the route's reference is
    // taken there): then the owner may be gone too, and the answer is
    // rebuilt like for a revoked route.
    vi.owner.value = add_route_ref(routes[b].route->owner);
    if (err != errc::ok) return failed(err);
  }
  // The references on linked objects are taken here (one ledger section);
  // one that fails was revoked or folded since: retry from the snapshots
  // of now (a revoked destination then fails at its add).
  if (errc r = batch.commit(); r != errc::ok) {
    if (r == errc::not_found) *stale = true;
    return failed(r);
  }
  info->dest.value = dest_handle;
  info->address = d->address;
  // The lowest bit of last_changed marks infos from get_changed_dests (see
  // rtm/info.h): 100 ns of precision buy an exact wrong-release check in
  // both APIs, without touching the destination handle's identity.
  info->last_changed = (d->last_changed.load(std::memory_order_relaxed) & ~std::uint64_t{1}) |
                       (changed ? 1u : 0u);
  info->belongs_to_views = belongs;
  info->number_of_views = nv;
  info->changed_by = NotifyHandle{};
  return errc::ok;
}

// Fills *info from destination `d` (protected by the caller) with references
// for `e`. Nothing is referenced on error; not_found if d itself was
// revoked.
errc fill_dest_info(Core& core, Entity* e, Dest* d, std::uint32_t protocol, ViewSet views,
                    DestInfo* info, bool changed, bool only_if_present) noexcept {
  for (;;) {  // lock-free: each retry follows a route's revocation
    bool stale = false;
    const errc r = fill_dest_info_once(core, e, d, protocol, views, info, changed,
                                       only_if_present, &stale);
    if (!stale) return r;
  }
}

void collect_dest_info_handles(const DestInfo& info, std::uint64_t* hs, std::size_t* n) {
  hs[(*n)++] = info.dest.value;
  const std::uint32_t nv = std::min<std::uint32_t>(info.number_of_views, kMaxViews);
  for (std::uint32_t i = 0; i < nv; ++i) {
    hs[(*n)++] = info.views[i].route.value;
    hs[(*n)++] = info.views[i].owner.value;
    hs[(*n)++] = info.views[i].hold_route.value;
  }
}

errc release_dest_infos(Core& core, Entity* e, std::span<const DestInfo> infos, bool changed,
                        NotifyHandle notify) {
  std::size_t need = 0;
  for (const DestInfo& i : infos) {
    // Infos from get_changed_dests go back only through release_changed_dests.
    const bool of_kind = changed ? i.changed_by == notify && is_changed_info(i)
                                 : !i.changed_by && !is_changed_info(i);
    if (!of_kind || i.number_of_views > kMaxViews) return errc::invalid_parameter;
    need += 1 + 3 * std::size_t{i.number_of_views};
  }
  // The handles of a few infos fit on the stack (a Release of one info with
  // every view: 97); only a long batch allocates.
  constexpr std::size_t kOnStack = 4 * (1 + 3 * kMaxViews);
  std::uint64_t on_stack[kOnStack];
  std::vector<std::uint64_t> on_heap;
  std::uint64_t* hs = on_stack;
  if (need > kOnStack) {
    try {
      fault_throw();
      on_heap.resize(need);
    } catch (...) {
      return errc::not_enough_memory;
    }
    hs = on_heap.data();
  }
  std::size_t n = 0;
  for (const DestInfo& i : infos) collect_dest_info_handles(i, hs, &n);
  // release_handles reads hs[0, n), all written just above (n == need);
  // GCC cannot see that through the loop and warns about on_stack.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  return release_handles(core, e, hs, n, HandleKind::none, changed);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}

bool route_matches(const Route* r, const RouteData* rd, MatchFlags flags,
                   const RouteInfo* criteria, std::uint32_t interface_index) noexcept {
  if ((flags & kMatchOwner) && r->owner->handle != criteria->owner.value) return false;
  if ((flags & kMatchNeighbour) &&
      (r->neighbour ? r->neighbour->handle : 0) != criteria->neighbour.value)
    return false;
  if ((flags & kMatchPref) && compare_pref(rd->pref, criteria->pref) != 0) return false;
  if (flags & kMatchNextHop) {
    bool found = false;
    for (std::uint16_t h = 0; h < rd->hop_count; ++h)
      found |= rd->hops[h]->handle == criteria->next_hops.hops[0].value;
    if (!found) return false;
  }
  if (flags & kMatchInterface) {
    bool found = false;
    for (std::uint16_t h = 0; h < rd->hop_count; ++h)
      found |= rd->hops[h]->interface_index == interface_index;
    if (!found) return false;
  }
  return true;
}

std::uint32_t peek_next_hop_info(NextHop* nh, NextHopInfo* out) noexcept {
  out->address = nh->address;
  out->interface_index = nh->interface_index;
  out->owner.value = nh->owner->handle;
  out->remote_next_hop.value = 0;
  // Lock-free reader; the protocol and its orders are at write_next_hop.
  const std::uint32_t version = nh->version.load(std::memory_order_acquire);  // (NR1)
  Guard gd;
  const NextHopData* d = gd.protect(nh->data);                               // (NR2)
  const std::uint16_t state = nh->state.load(std::memory_order_acquire);     // (NR3)
  if (state == kNextHopStateDeleted) d = gd.protect(nh->data);               // (NR4)
  out->state = state;
  out->flags = d->flags;
  out->entity_specific_info = d->entity_specific_info;
  return version;
}

// The values of route r with attribute version d (both protected by the
// caller); the handles are the objects' own, not referenced.
void route_info_of(const Route* r, const RouteData* d, RouteInfo* out) noexcept {
  out->dest.value = r->dest->handle;
  out->owner.value = r->owner->handle;
  out->neighbour.value = r->neighbour ? r->neighbour->handle : 0;
  out->state = r->state.load(std::memory_order_acquire);
  out->flags1 = d->flags1;
  out->flags = d->flags;
  out->pref = d->pref;
  out->views = d->views;
  out->entity_specific_info = d->entity_specific_info;
  out->next_hops.count = d->hop_count;
  for (std::uint16_t i = 0; i < d->hop_count; ++i) out->next_hops.hops[i].value = d->hops[i]->handle;
}

// Fills *info from route r (protected) without taking references: the
// handles are r's own (valid while r is), for callbacks and C pointer blocks.
void peek_route_info(Route* r, RouteInfo* info) noexcept {
  Guard gd;
  RouteInfo out;
  route_info_of(r, gd.protect(r->data), &out);
  *info = out;
}

// Fills a RouteInfo for route r (protected) with references for e: the
// values of one attribute version, and a reference on each object named.
// not_found if r was revoked meanwhile.
errc fill_route_info(Core& core, Entity* e, Route* r, RouteInfo* info) {
  for (;;) {
    RefBatch batch(core, e);
    errc err = errc::ok;
    Guard gd;
    const RouteData* d = gd.protect(r->data);
    // While r is not revoked it holds handle links on its destination,
    // owner and neighbour, and on the hops of its current version. The
    // version read here may have been replaced since (its hops' links
    // moved on), or r revoked: a failed reference retries, or reports r
    // gone.
    Object* named[3 + kMaxNextHopsPerRoute] = {r->dest, r->owner, r->neighbour};
    std::size_t n = 3;
    for (std::uint16_t i = 0; i < d->hop_count; ++i) named[n++] = d->hops[i];
    for (std::size_t i = 0; i < n && err == errc::ok; ++i)
      if (named[i] != nullptr) batch.add(named[i], &err);  // null: no neighbour
    if (err == errc::not_found) {
      if (r->counts.revoked()) return errc::not_found;
      continue;
    }
    if (err != errc::ok) return err;
    if (err = batch.commit(); err == errc::not_found) {
      if (r->counts.revoked()) return errc::not_found;
      continue;
    }
    if (err != errc::ok) return err;
    RouteInfo out;
    route_info_of(r, d, &out);
    *info = out;
    return errc::ok;
  }
}

void collect_route_info_handles(const RouteInfo& info, std::uint64_t* hs, std::size_t* n) {
  hs[(*n)++] = info.dest.value;
  hs[(*n)++] = info.owner.value;
  hs[(*n)++] = info.neighbour.value;
  const unsigned c = std::min<unsigned>(info.next_hops.count, kMaxNextHopsPerRoute);
  for (unsigned i = 0; i < c; ++i) hs[(*n)++] = info.next_hops.hops[i].value;
}

errc fill_longest_match_info(Core& core, Entity* e, Table& t, const NetAddress& a, int max_len,
                             std::uint32_t protocol, ViewSet views, DestInfo* info) {
  Guard g;
  for (int attempt = 0; attempt < 8; ++attempt) {
    Dest* d = longest_match(core, t, a, max_len, views, g);
    if (d == nullptr) return errc::not_found;
    errc r = fill_dest_info(core, e, d, protocol, views, info);
    if (r != errc::not_found) return r;  // not_found: it died under us; search again
  }
  return errc::not_found;
}

}  // namespace rtm::detail
