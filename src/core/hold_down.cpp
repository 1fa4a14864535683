// core/hold_down.cpp — hold-down (core/hold_down.h).
#include "core/hold_down.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <mutex>

#include "core/change_queue.h"
#include "core/dest_table.h"
#include "core/refs.h"
#include "detail/timers.h"

namespace rtm::detail {

// Whether d holds a route down. Under d->lock (holds change only under it).
bool has_hold_down_route(const Dest* d) noexcept {
  const HoldDownSet* h = d->hold_down.load(std::memory_order_relaxed);
  return h != nullptr && h->size != 0;
}

// A copy of hold set `h` (null: none) without the entries of `drop`
// views, each kept entry with its own reference. Null on OOM.
HoldDownSet* copy_hold_down(const HoldDownSet* h, ViewSet drop) noexcept {
  HoldDownSet* n = detail::nothrow_new<HoldDownSet>();
  if (n == nullptr || h == nullptr) return n;
  std::copy(std::begin(h->hold_ms), std::end(h->hold_ms), std::begin(n->hold_ms));
  for (std::uint32_t i = 0; i < h->size; ++i) {
    if ((drop >> h->entries[i].view) & 1u) continue;
    // The new set's memory reference; infallible: h holds one.
    h->entries[i].route->counts.try_add_memory();
    n->entries[n->size++] = h->entries[i];
  }
  return n;
}

// Publishes d's new hold set (null: none). Under d->lock. The entries of
// the current set hold handle links on their routes (a held route's handle
// is valid while it is held): the new set's are taken before the old
// set's go, so a route held by both never reaches zero in between.
void publish_hold_down(Dest* d, HoldDownSet* next) noexcept {
  // Infallible: each entry of `next` is either one of the old current set
  // (which holds a link on its route) or a route being held by hold_down_route,
  // still in d's current route set (its table link).
  if (next != nullptr)
    for (std::uint32_t i = 0; i < next->size; ++i) next->entries[i].route->counts.try_add_handle();
  HoldDownSet* old = d->hold_down.exchange(next, std::memory_order_acq_rel);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  if (old != nullptr) {
    for (std::uint32_t i = 0; i < old->size; ++i) unref_handle(old->entries[i].route);
    detail::retire(old);  // its memory references go when no reader holds it
  }
}

// Keeps route r (being deleted, still in d's current set) as the held
// route of `views`, replacing what those views held, until the hold time
// of each runs out. Under d->lock. Out of memory: the route is not held.
void hold_down_route(Core& core, Dest* d, Route* r, ViewSet views) noexcept {
  const HoldDownSet* hs = d->hold_down.load(std::memory_order_relaxed);
  const std::uint64_t now = core.timers->now();
  // One timer per distinct finite hold time (views with the same time
  // share it; one timer at the latest time would hold shorter views too
  // long). Each carries a reference on d.
  std::uint32_t armed[kMaxViews];
  int n_armed = 0;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const std::uint32_t ms = hs->hold_ms[std::countr_zero(rest)];
    if (ms == kInfinite || std::find(armed, armed + n_armed, ms) != armed + n_armed) continue;
    // The timer's memory reference; infallible: d is in the map (its map
    // link keeps the memory unit).
    d->counts.try_add_memory();
    if (!core.timers->arm(now + ms, d, 0, detail::Timers::Kind::hold_down_expiry)) {
      unref_memory(d);  // not the last: the unit is there
      return;
    }
    armed[n_armed++] = ms;
  }
  HoldDownSet* next = copy_hold_down(hs, views);
  if (next == nullptr) return;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const std::uint32_t ms = hs->hold_ms[v];
    const std::uint64_t deadline = ms == kInfinite ? UINT64_MAX : now + ms;
    // The new hold set's memory reference; infallible: r's membership
    // reference is still held (core/dest.h: r is doomed in the set this
    // delete replaces, which is not destroyed yet).
    r->counts.try_add_memory();
    next->entries[next->size++] = HoldDownSet::Entry{r, v, deadline};
  }
  publish_hold_down(d, next);
}

// Held routes of d whose time is up leave; d leaves the table if nothing
// else keeps it.
void fire_hold_down_expiry(Core& core, Dest* d) noexcept {
  ChangeSummary change;
  bool removed = false;
  {
    std::lock_guard lock(d->lock);
    if (d->gone.load(std::memory_order_relaxed)) return;
    const HoldDownSet* h = d->hold_down.load(std::memory_order_relaxed);
    if (h == nullptr) return;
    const std::uint64_t now = core.timers->now();
    ViewSet expired = 0;
    for (std::uint32_t i = 0; i < h->size; ++i)
      if (h->entries[i].deadline <= now) expired |= 1u << h->entries[i].view;
    if (expired == 0) return;
    HoldDownSet* next = copy_hold_down(h, expired);
    if (next == nullptr) {
      // Out of memory: try again in a second (the timer owns a new reference).
      // Infallible: d is in the map (not gone, under its lock).
      d->counts.try_add_memory();
      if (!core.timers->arm(now + 1000, d, 0, Timers::Kind::hold_down_expiry)) unref_memory(d);
      return;
    }
    publish_hold_down(d, next);
    change.all = expired;
    if (!has_live_route(d->routes.load(std::memory_order_relaxed)) && next->size == 0) {
      remove_empty_dest(d);
      removed = true;
    }
  }
  publish_change(core, d, change);
  if (removed) unlink_primary(d);
}



// Teardown: drops every hold (breaking the held route -> destination ->
// hold set cycle) and takes destinations kept only by holds out of the map.
void drop_all_hold_downs(Core& core) noexcept {
  core.handles.for_each_handle([&](std::uint64_t h) {
    if (handle_kind(h) != HandleKind::dest) return;
    Guard g;
    Dest* d = lookup_as<Dest>(core, h, g);
    if (d == nullptr) return;
    bool removed = false;
    {
      std::lock_guard lock(d->lock);
      if (d->hold_down.load(std::memory_order_relaxed) != nullptr) publish_hold_down(d, nullptr);
      if (!d->gone.load(std::memory_order_relaxed) &&
          !has_live_route(d->routes.load(std::memory_order_relaxed))) {
        remove_empty_dest(d);
        removed = true;
      }
    }
    if (removed) unlink_primary(d);
  });
}

}  // namespace rtm::detail
