// core/route_write.cpp — route writes: publishing a route set, deleting a route (core/route_write.h).
#include "core/route_write.h"

#include <bit>
#include <mutex>

#include "core/change_queue.h"
#include "core/dest_table.h"
#include "core/hold_down.h"
#include "core/route_lists.h"
#include "core/route_select.h"

namespace rtm::detail {

// Publishes `next` as d's route set and retires the old one. Under d->lock.
// release: the new set and every route it points to are fully built before
// a reader's protect() (acquire) can see it.
void publish_routes(Dest* d, RouteSet* next) noexcept {
  RouteSet* old = d->routes.exchange(next, std::memory_order_acq_rel);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  if (old != RouteSet::shared_empty()) detail::retire(old);
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
    BestState before, after;
    best_state(s, &before);
    const ViewSet views = r->data.load(std::memory_order_relaxed)->views;
    // The route leaves the table when the set without it is published;
    // its state is what get_route_info reports from now on. seq_cst: the
    // store-load pair with `listed` below (see insert_in_route_list).
    r->state.store(kRouteStateDeleted, std::memory_order_seq_cst);
    r->version.fetch_add(1, std::memory_order_release);
    r->expiry_at = 0;  // an armed expiry timer fires as a no-op
    if (r->listed.load(std::memory_order_seq_cst)) {
      std::lock_guard list_lock(core.list_mu);  // lock order: d->lock, then list_mu
      if (RouteList* l = r->list) {
        std::erase(l->routes, r);
        r->list = nullptr;
      }
    }
    // Hold-down: the best route of a view that asked for it is kept.
    ViewSet held_views = 0;
    if (const HoldSet* hs = d->holds.load(std::memory_order_relaxed);
        hs != nullptr && !core.stopping.load(std::memory_order_relaxed)) {
      for (ViewSet rest = before.present; rest != 0; rest &= rest - 1) {
        const int v = std::countr_zero(rest);
        if (before.route[v] == r && hs->hold_ms[v] != 0) held_views |= 1u << v;
      }
    }
    if (held_views != 0) hold_route(core, d, r, held_views);
    RouteSet* next = RouteSet::create(s->size - 1);
    if (next != nullptr) {
      std::uint32_t j = 0;
      for (std::uint32_t i = 0; i < s->size; ++i) {
        if (s->routes[i] == r || s->routes[i]->zombie.load(std::memory_order_relaxed)) continue;
        // The new set's memory reference; infallible: the current set holds one.
        s->routes[i]->counts.try_add_memory();
        next->routes[j++] = s->routes[i];
      }
      next->size = j;
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
      if (!has_live_route(s))
        publish_routes(d, RouteSet::shared_empty());
      else
        d->last_changed.store(filetime_now(), std::memory_order_relaxed);
    }
    const RouteSet* cur = d->routes.load(std::memory_order_relaxed);
    best_state(cur, &after);
    change = summarize(before, after, views, nullptr, &out);
    change.all |= held_views;
    if (!has_live_route(cur) && !has_held_route(d)) {
      remove_empty_dest(d);
      removed = true;
    }
  }
  // The map's link keeps d's handle valid until the change is queued, so a
  // registration learns of the destination's deletion too (its queue entry
  // takes a link of its own).
  publish_change(core, d, change);
  if (removed) unref_handle(d);
  // The route's table link: from here on only client references and a
  // hold entry keep its handle valid. The caller's protection keeps r.
  unref_handle(r);
  if (flags) *flags = out;
  return errc::ok;
}

}  // namespace rtm::detail
