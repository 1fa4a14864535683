// core/dest_table.cpp — the destination table and longest-prefix search (core/dest_table.h).
#include "core/dest_table.h"

#include <bit>
#include <thread>

#include "core/core.h"
#include "core/refs.h"
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

// ---- longest-prefix match --------------------------------------------------------
//
// Two ways to the most specific destination covering `a` (length <= max_len)
// with a live route in `views`:
//
//   search_lengths   one map lookup per prefix length present (per_length
//                    skips absent ones), longest first; the first with a
//                    route in the views wins. Reads the RIB directly.
//   index            the forwarding index of each view (core/forwarding.h):
//                    one index read per view, then ONE map lookup.
//
// What the index holds. Prefix P is installed in the index of view v
// (d->fib_group[slot] != kNoGroup) iff best_state gives P a best route in v,
// and a best route in v exists iff P has a live route in v: any protocol
// counts, held-down routes count for neither (they are in d->hold_down, which
// has_route_in does not read). So "installed in v" and has_route_in(P, {v})
// name the same predicate, read one through the index, one from the RIB.
// The index's copy changes only in W4 of core/forwarding.cpp, which runs
// under P's lock after the RIB change it follows and before that lock is
// released: the two differ only for prefixes whose writer is between its
// publication and its W4 (inside its critical section).
//
// The index path, for views that all have an index (the index is not
// degraded, the instance is not stopping):
//
//   L1  for each view v of `views`: D_v = forwarding_match_length(a), the
//       length of the longest prefix covering a's bytes installed in v's
//       index at a moment t_v of that read (fib/dir.h "Consistency"), -1 for
//       none, -2 when degraded (then: search_lengths).
//   L2  D = max over v of D_v. Prefixes of length <= max_len covering a's
//       bytes are exactly those covering `a` (max_len <= a.length() and a's
//       host bits are zero), so if D <= max_len the index answers: no
//       prefix longer than D covering `a` was installed in v at t_v, for
//       every v. D == -1: none at all, the answer is null. If D > max_len
//       (a less-specific call on a destination that is itself installed, or
//       has an installed more specific prefix under its first address) the
//       leaf hides the shorter prefixes: search_lengths from max_len.
//   L3  d = map.find(a truncated to D) — a linearizable read at t_f — and
//       has_route_in(d, views), a read of d's current route set at t_h.
//       d is accepted if found, not gone and with a route in the views.
//   L4  otherwise a writer changed d between L1 and L3 (its route went in
//       the lag above, or it left the map, or a nested writer's W4 ran):
//       search_lengths from max_len, once. Bounded (at most max_len + 1
//       probes), no loop a writer can extend: no retry of the index.
//
// What a result means (linearization, stated honestly).
//   (a) Both paths: a returned d covers `a`, has length <= max_len, and had
//       a live route in `views` at a moment during the call (t_h, or the
//       winning probe's has_route_in). This is what the per-length search
//       claimed before, and the old IPv4 index (which named destinations,
//       not routes) claimed as well.
//   (b) search_lengths: no covering destination longer than d (length <=
//       max_len) had a live route in `views` throughout the call — its
//       probe would have found it (per_length, core/dest.h, skips only
//       lengths whose insertions had not completed). Null: none had one
//       throughout.
//   (b') index path: for every view v, no covering prefix longer than d was
//       installed in v's index at t_v. Against the RIB this is (b) up to
//       the index's lag: a longer destination whose route was published
//       before t_v but whose writer had not reached its W4 is missed, as
//       forward() misses it (docs/fast_path.md "Consistency"). That writer's
//       call overlaps this one, so every write whose call returned before
//       this call began is seen; a concurrent one may or may not be. Only
//       additions are affected: a removal in the lag makes L3 fail (the
//       route set is already without it) and L4 reads the RIB.
//   Neither path returns "the most specific destination with a route at a
//   single moment": the probes of search_lengths, and the views' index
//   reads and L3, are at different moments. (b') is weaker than (b) by the
//   lag; the old IPv4 index had no lag for additions (a destination was
//   indexed when created, before it could get a route), so for IPv4
//   most-specific calls this is a weakening of that window, made for one
//   longest-match structure per family (issue 15) and IPv6 without
//   per-length probing (F6).
//
// Costs (one view with an index, not degraded; a map lookup is a bucket
// load and a list walk of a node or two under hazard pointers,
// has_route_in two hazard protections plus one load per route of d):
//   every index read      two relaxed flag loads (stopping, degraded) and
//                         one read section (a load, two stores to the
//                         thread's own slot; no locked instruction)
//   most-specific, IPv4   the index read + 1 load (a prefix <= /24) or 2
//                         (longer); then 1 map lookup + has_route_in.
//   most-specific, IPv6   the index read + 1 + ceil((D - 24) / 8) loads for
//                         D > 24 (a /48: 4, a /64: 6), 1 otherwise; then 1
//                         map lookup + has_route_in. Before: one map lookup
//                         per prefix length present, tens for a full table.
//   less-specific         the index read, then 1 map lookup if D <= max_len,
//                         else (the usual case: the destination itself has a
//                         route) the index read is wasted and search_lengths
//                         probes every length present below the destination.
//   L4, degraded, a view without an index (kViewMaskAll: next-hop remote
//   destinations), a stopping instance: search_lengths.
//   Protocol filters do not reach this search: longest_match finds the
//   destination by any protocol, fill_dest_info filters its routes.

namespace {

// The longest destination covering `a` (length at most max_len) with a live
// route in `views`, by one map lookup per length present (see above).
Dest* search_lengths(Table& t, const NetAddress& a, int max_len, ViewSet views, Guard& g) {
  for (int len = max_len; len >= 0; --len) {
    if (t.per_length[len].load(std::memory_order_relaxed) == 0) continue;
    Dest* d = t.map.find(detail::dest_key(a.truncated(static_cast<unsigned>(len))), g);
    if (d != nullptr && has_route_in(d, views)) return d;
  }
  g.clear();
  return nullptr;
}

// L1-L2: D over the views, -1 for none, or -2 when some view has no index,
// the index is degraded or the instance stops (its writers no longer update
// the index, core/forwarding.cpp).
int indexed_match_length(Core& core, const NetAddress& a, ViewSet views) noexcept {
  const Forwarding& f = core.forwarding;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1)
    if (f.slot_of(std::countr_zero(rest)) < 0) return -2;
  if (core.stopping.load(std::memory_order_relaxed)) return -2;
  int depth = -1;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int dv = forwarding_match_length(core, f.slot_of(std::countr_zero(rest)), a);  // L1
    if (dv == -2) return -2;
    if (dv > depth) depth = dv;  // L2
  }
  return depth;
}

}  // namespace

// Longest-prefix match (see above).
Dest* longest_match(Core& core, Table& t, const NetAddress& a, int max_len, ViewSet views,
                    Guard& g) {
  const int depth = indexed_match_length(core, a, views);
  if (depth >= -1 && depth <= max_len) {  // L2: the index answers
    if (depth < 0) {
      g.clear();
      return nullptr;
    }
    Dest* d = t.map.find(detail::dest_key(a.truncated(static_cast<unsigned>(depth))), g);  // L3
    if (d != nullptr && !d->gone.load(std::memory_order_acquire) && has_route_in(d, views))
      return d;
  }
  return search_lengths(t, a, max_len, views, g);  // L4, or the index cannot answer
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
    // Born with the static empty set: its first route's set replaces it.
    Dest* nd = detail::nothrow_new<Dest>(&core, &t, a, RouteSet::shared_empty());
    if (nd == nullptr) return nullptr;
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
      unlink_primary(nd);
      return nullptr;
    }
    if (inserted) {
      t.per_length[a.length()].fetch_add(1, std::memory_order_relaxed);
      t.dests.fetch_add(1, std::memory_order_relaxed);
      g.assign(nd);  // alive: the map's reference, removable only under its lock
      return nd;
    }
    nd->lock.unlock();
    unlink_primary(nd);  // never in the map: revoked here
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
}

bool valid_address_for(const Entity* e, const NetAddress& a) {
  NetAddress check;
  return a.family() == e->info.family &&
         NetAddress::make(a.family(), a.bytes(), a.length(), &check) == errc::ok;
}

}  // namespace rtm::detail
