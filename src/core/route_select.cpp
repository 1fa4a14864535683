// core/route_select.cpp — route selection (core/route_select.h).
#include "core/route_select.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "detail/fault.h"

namespace rtm::detail {

// A value that changes when a route's forwarding changes (its next hops or
// its forwarding flags); never 0, so "no best route" (0) differs from any.
std::uint64_t forwarding_signature(const RouteData* d) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (d->flags & kRouteFlagsForwarding);
  for (std::uint16_t i = 0; i < d->hop_count; ++i) h = (h ^ d->hops[i]->handle) * 0x100000001b3ull;
  return h | 1;
}

// Copies the live routes of snapshot `s` (protected by the caller) into
// `out` (capacity `cap`); returns how many there are (may exceed cap).
std::size_t gather(const RouteSet* s, RouteView* out, std::size_t cap) noexcept {
  std::size_t n = 0;
  Guard gd;
  for (std::uint32_t i = 0; i < s->size; ++i) {
    Route* r = s->routes[i];
    if (r->zombie.load(std::memory_order_acquire)) continue;
    const RouteData* d = gd.protect(r->data);
    if (n < cap)
      out[n] = RouteView{r, d->pref, d->views, r->owner->info.protocol_id, forwarding_signature(d)};
    ++n;
  }
  return n;
}

// Best route in view bit `v` among rv[0..n) for protocol filter `proto`
// (kBestProtocol: any); ties go to the earlier route. -1 if none.
int best_of(const RouteView* rv, std::size_t n, ViewSet v, std::uint32_t proto) noexcept {
  int best = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if ((rv[i].views & v) == 0) continue;
    if (proto != kBestProtocol && rv[i].protocol != proto) continue;
    if (best < 0 || compare_pref(rv[i].pref, rv[best].pref) < 0) best = static_cast<int>(i);
  }
  return best;
}

GatheredRoutes::GatheredRoutes(const RouteSet* s) noexcept {
  n_ = gather(s, stack_, kGatherCap);
  if (n_ <= kGatherCap) return;
  try {  // a destination with many routes: gather again, unbounded
    detail::fault_throw();
    heap_.resize(n_);
  } catch (...) {
    n_ = kGatherCap;  // out of memory: the first kGatherCap routes only
    complete_ = false;
    return;
  }
  // Not more than the first time: routes only ever become zombies.
  n_ = std::min(gather(s, heap_.data(), heap_.size()), heap_.size());
  routes_ = heap_.data();
}

void best_state(const RouteSet* s, BestState* out) noexcept {
  // Out of memory: judge by the first kGatherCap routes (writers call this
  // on paths that must not fail).
  const GatheredRoutes g(s);
  const RouteView* routes = g.data();
  const std::size_t n = g.size();
  // Only the views some route is in can have a best route (usually one or
  // two of the 32): the others are null without a search.
  ViewSet views = 0;
  for (std::size_t i = 0; i < n; ++i) views |= routes[i].views;
  out->present = views;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const int b = best_of(routes, n, 1u << v, kBestProtocol);
    out->route[v] = routes[b].route;  // b >= 0: some route is in view v
    out->fwd[v] = routes[b].fwd;
  }
}

void best_state_locked(const RouteSet* s, BestState* out) noexcept {
  // Relaxed loads: under the lock every store to data and zombie
  // happens-before them (or is ours), and no version a route has now is
  // retired while we hold it.
  // The routes and their versions are scattered and mostly cold (a flush
  // visits each destination once): ask for all their lines first, so the
  // misses overlap instead of queueing one behind the other.
  for (std::uint32_t i = 0; i < s->size; ++i) {
    const Route* r = s->routes[i];
    __builtin_prefetch(&r->data);
    __builtin_prefetch(&r->zombie);
  }
  for (std::uint32_t i = 0; i < s->size; ++i)
    __builtin_prefetch(s->routes[i]->data.load(std::memory_order_relaxed));
  ViewSet views = 0;
  for (std::uint32_t i = 0; i < s->size; ++i) {
    const Route* r = s->routes[i];
    if (!r->zombie.load(std::memory_order_relaxed)) views |= r->data.load(std::memory_order_relaxed)->views;
  }
  out->present = views;
  out->complete = true;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const ViewSet bit = 1u << v;
    Route* best = nullptr;
    const RouteData* bd = nullptr;
    for (std::uint32_t i = 0; i < s->size; ++i) {  // ties: the earlier route, as best_of
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_relaxed)) continue;
      const RouteData* d = r->data.load(std::memory_order_relaxed);
      if ((d->views & bit) == 0) continue;
      if (best == nullptr || compare_pref(d->pref, bd->pref) < 0) {
        best = r;
        bd = d;
      }
    }
    out->route[v] = best;  // non-null: some route is in view v
    out->fwd[v] = forwarding_signature(bd);
  }
}

Route* best_route_in(const BestState& s, int v) noexcept {
  return (s.present >> v) & 1u ? s.route[v] : nullptr;
}
std::uint64_t best_fwd_in(const BestState& s, int v) noexcept {
  return (s.present >> v) & 1u ? s.fwd[v] : 0;
}

// What changed between two best states, for a write that touched `route`
// (whose old and new views are `touched`). kRouteChangeBest has the meaning
// of the BEST change type (REFERENCE.md): it is set in *flags exactly when
// c.best is non-empty — another route became best in some view, the best
// route went, or the best route itself was updated — i.e. exactly when a
// BEST registration covering that view is sent the destination.
ChangeSummary summarize(const BestState& before, const BestState& after, ViewSet touched,
                        const Route* route, RouteChangeFlags* flags) noexcept {
  ChangeSummary c;
  for (ViewSet rest = before.present | after.present; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const ViewSet bit = 1u << v;
    Route* const b = best_route_in(before, v);
    Route* const a = best_route_in(after, v);
    if (b != a) {
      c.best |= bit;
    } else if (a != nullptr && a == route) {
      c.best |= bit;  // the best route itself was updated
    }
    if (best_fwd_in(before, v) != best_fwd_in(after, v)) c.fwd |= bit;
  }
  if (c.best != 0) *flags |= kRouteChangeBest;
  c.all = touched | c.best | c.fwd;
  return c;
}

}  // namespace rtm::detail
