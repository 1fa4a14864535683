// core/dest_table.cpp — the destination table and longest-prefix search (core/dest_table.h).
#include "core/dest_table.h"

#include <mutex>
#include <thread>

#include "core/core.h"
#include "detail/fault.h"

namespace rtm::detail {

bool has_route_in(const Dest* d, ViewSet views, const Entity* owner) noexcept {
  Guard gs, gd;
  const RouteSet* s = gs.protect(d->routes);
  for (std::uint32_t i = 0; i < s->size; ++i) {
    Route* r = s->routes[i];
    if (r->zombie.load(std::memory_order_acquire)) continue;
    if (owner != nullptr && r->owner != owner) continue;
    if (gd.protect(r->data)->views & views) return true;
  }
  return false;
}

// Whether d has a live route, or a held-down one, in `views` (lock-free).
// Exact matches and enumerations see held destinations; longest-prefix
// matches (forwarding) do not.
bool has_route_or_hold_down_in(const Dest* d, ViewSet views) noexcept {
  if (has_route_in(d, views)) return true;
  Guard gh;
  const HoldDownSet* h = gh.protect(d->hold_down);
  if (h == nullptr) return false;
  for (std::uint32_t i = 0; i < h->size; ++i)
    if ((views >> h->entries[i].view) & 1u) return true;
  return false;
}

// Longest-prefix search: the longest destination covering `a` (length at
// most max_len) with a route in `views`, protected by g. Each probe is a
// linearizable map lookup; the search as a whole returns a destination that
// was in the table, with a route in the views, during the call.
std::uint32_t ipv4_host_order(const NetAddress& a) noexcept {
  const std::uint8_t* b = a.bytes();
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

detail::Lpm4Index::Ref lpm4_ref(const Dest* d) noexcept {
  detail::Lpm4Index::Ref r;
  r.none = false;
  r.slot = d->core->handles.slot_of(d->handle);
  r.gen = static_cast<std::uint32_t>(d->handle >> 32) & ((1u << detail::Lpm4Index::kGenBits) - 1);
  return r;
}

// Longest-prefix match: the most specific destination covering `a` with at
// most `max_len` bits that has a route in `views`, protected by g.
//
// Fast path (IPv4 full-address lookups): the DIR-24-8 index names a
// candidate; it is resolved through the handle table (slot generation
// checked, hazard pointer, re-check) and accepted only if it is still in
// the table (`gone` clear, read after the protection: the remover sets it
// before taking the destination out of the map and the index) and covers
// `a`. Index updates follow the map (insert after inserting, remove after
// removing), each under the destination's lock and the index mutex, so an
// accepted candidate is the most specific destination of the index at the
// moment its entry was read, and the lookup linearizes there (a
// destination being inserted is seen once its index update is done). A
// candidate without a route in `views` continues the search below its
// length; a stale one falls back to the per-length search.
Dest* longest_match(Core& core, Table& t, const NetAddress& a, int max_len, ViewSet views,
                    Guard& g) {
  if (t.lpm4 && max_len == 32) {
    bool usable = false;
    const detail::Lpm4Index::Ref r = t.lpm4->lookup(ipv4_host_order(a), &usable);
    if (usable) {
      if (r.none) {
        g.clear();
        return nullptr;
      }
      auto* d = static_cast<Dest*>(core.handles.lookup_slot(
          r.slot, r.gen, detail::Lpm4Index::kGenBits, HandleKind::dest, g));
      if (d != nullptr && !d->gone.load(std::memory_order_acquire) && d->address.covers(a)) {
        if (has_route_in(d, views)) return d;
        max_len = static_cast<int>(d->address.length()) - 1;
      }
    }
  }
  for (int len = max_len; len >= 0; --len) {
    if (t.per_length[len].load(std::memory_order_relaxed) == 0) continue;
    Dest* d = t.map.find(detail::dest_key(a.truncated(static_cast<unsigned>(len))), g);
    if (d != nullptr && has_route_in(d, views)) return d;
  }
  g.clear();
  return nullptr;
}

// ---- writers -------------------------------------------------------------------

// Finds or creates the destination for `a` and returns it locked (and not
// removed). Null on allocation failure.
Dest* lock_dest_for_update(Core& core, Table& t, const NetAddress& a, Guard& g) {
  const detail::DestKey key = detail::dest_key(a);
  for (;;) {
    Dest* d = t.map.find(key, g);
    if (d != nullptr) {
      d->lock.lock();
      if (!d->gone.load(std::memory_order_relaxed)) return d;  // set under the lock we hold
      d->lock.unlock();
      std::this_thread::yield();  // its remover is erasing the node
      continue;
    }
    RouteSet* empty = RouteSet::create(0);
    if (empty == nullptr) return nullptr;
    Dest* nd = detail::nothrow_new<Dest>(&core, &t, a, empty);
    if (nd == nullptr) {
      empty->destroy();
      return nullptr;
    }
    core.handles.allocate(HandleKind::dest, nd);  // sets nd->handle
    if (nd->handle == 0) {
      unref_handle(nd);  // the map link it was built with: revoked, then freed
      return nullptr;
    }
    nd->lock.lock();
    nd->last_changed.store(filetime_now(), std::memory_order_relaxed);
    bool inserted = false;
    try {
      inserted = t.map.insert(key, nd);
    } catch (...) {  // out of memory for the map node: give up, unpublished
      nd->lock.unlock();
      unref_handle(nd);
      return nullptr;
    }
    if (inserted) {
      t.per_length[a.length()].fetch_add(1, std::memory_order_relaxed);
      t.dests.fetch_add(1, std::memory_order_relaxed);
      if (t.lpm4) {  // after the map, under nd's lock (see longest_match)
        std::lock_guard index_lock(t.lpm4->mu);
        t.lpm4->insert(ipv4_host_order(a), a.length(), lpm4_ref(nd));
      }
      g.assign(nd);  // alive: the map's reference, removable only under its lock
      return nd;
    }
    nd->lock.unlock();
    unref_handle(nd);  // never in the map: revoked here
  }
}

// Whether set s has a route that is not deleted.
bool has_live_route(const RouteSet* s) noexcept {
  for (std::uint32_t i = 0; i < s->size; ++i)
    if (!s->routes[i]->zombie.load(std::memory_order_relaxed)) return true;
  return false;
}

// Removes a destination with no routes left from its map. Under d->lock.
void remove_empty_dest(Dest* d) {
  d->gone.store(true, std::memory_order_release);
  Table& t = *d->table;
  t.map.remove(detail::dest_key(d->address), d);
  t.per_length[d->address.length()].fetch_sub(1, std::memory_order_relaxed);
  t.dests.fetch_sub(1, std::memory_order_relaxed);
  if (t.lpm4) {
    // Hand d's index entries to the most specific destination still in the
    // map that covers it, found under the index mutex so that removals of
    // nested destinations apply in a consistent order.
    std::lock_guard index_lock(t.lpm4->mu);
    detail::Lpm4Index::Ref covering;
    unsigned covering_len = 0;
    Guard gc;
    for (int len = static_cast<int>(d->address.length()) - 1; len >= 0; --len) {
      if (t.per_length[len].load(std::memory_order_relaxed) == 0) continue;
      Dest* c = t.map.find(detail::dest_key(d->address.truncated(static_cast<unsigned>(len))), gc);
      if (c != nullptr && !c->gone.load(std::memory_order_acquire)) {
        covering = lpm4_ref(c);
        covering_len = static_cast<unsigned>(len);
        break;
      }
    }
    t.lpm4->remove(ipv4_host_order(d->address), d->address.length(), lpm4_ref(d), covering,
                   covering_len);
  }
}

bool valid_address_for(const Entity* e, const NetAddress& a) {
  NetAddress check;
  return a.family() == e->info.family &&
         NetAddress::make(a.family(), a.bytes(), a.length(), &check) == errc::ok;
}

}  // namespace rtm::detail
