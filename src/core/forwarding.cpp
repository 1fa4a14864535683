// core/forwarding.cpp — the forwarding fast path (core/forwarding.h): the
// writers' update of the indexes and the lookups, both halves here.
//
// ---- What is indexed --------------------------------------------------------
//
// Per forwarding view v and family, one DirIndex (fib/dir.h) answers, for
// every address, the next-hop group of the longest destination whose best
// route in v (route_select.h's best_state: any protocol, held-down routes
// excluded) exists. Each destination d records in d->fib_group[slot] the
// group its own prefix is installed with (kNoGroup: not installed) and
// holds one reference on it (fib/nh_groups.h).
//
// ---- Writer protocol (under d->lock) ------------------------------------------
//
//   W1  g = best ? groups.acquire(hops of best) : kNoGroup   (+1, interned)
//   W2  if g == old: drop the extra reference, done
//   W3  d->fib_group[slot] = g                               (release, see below)
//   W4  g ? index.set(P, len, g)
//         : index.clear_with(P, len, cover_of)   — cover read under the index mutex
//   W5  groups.release(old)                                  (-1; the last retires the id)
//
// Writers of different destinations run concurrently; the index mutex
// orders their W4. cover_of reads the fib_group of the destinations that
// strictly cover P (longest first) and returns the first one installed.
// Why nested writers converge, for P and a covering C (C.len < P.len)
// whose W4s are ordered by the index mutex:
//   - C's W4 after P's clear: a set by C replaces every leaf of depth <=
//     C.len in C's range, P's cleared range included; a clear by C
//     replaces leaves of depth == C.len, which is what P's clear wrote if
//     it read C's old group. Either way P's range ends as C says.
//   - C's W4 before P's clear: C's W3 happens before C's W4 (program
//     order), which happens before P's W4 (the mutex), so cover_of reads
//     C's new group (or kNoGroup, and goes on to C's own cover).
//   - The first case also lets P's clear name C's group g before C's W4,
//     so before anything but C's W3 orders C's write of g's record
//     (NhGroups::acquire). A reader that acquires P's leaf then reads that
//     record: it must happen before. So W3 is a release store and
//     cover_of's load an acquire load (C's record write -> W3 -> P's
//     acquire -> P's release store of the leaf (D1) -> the reader's
//     acquire of the leaf). Writers only: the readers' loads are
//     unchanged. Every other read of fib_group is ordered by the index
//     mutex.
//   - A group named by a leaf written from a cover read is still
//     referenced when written: C releases its old group (W5) only after
//     its own W4, which replaces those leaves (first case), or the read
//     saw the new value (second case).
//   - A set by P writes only P's range with depth P.len; sets commute by
//     DIR-24-8's depth rule (fib/dir.h).
// A destination leaves its map only after its last update cleared it
// (delete_route_obj calls update_forwarding before remove_empty_dest), so
// cover_of never relies on a destination that is gone.
//
// When the instance stops (~Instance), writers skip the update: the
// indexes are destroyed with the core, and no reader may run then.
//
// ---- Readers -----------------------------------------------------------------
//
// One fib::ReadSection per call or batch (fib/epoch.h: a slot store, no
// locked instruction; the StoreLoad order comes from the writer's
// membarrier in its grace period, fib/epoch.cpp R1-R4/W1-W5); inside it
// the index lookup (one to fourteen dependent loads, acquire, pairing
// with the index's release stores D1) and the group record (one load; its
// id is reused only after a grace period the section blocks). Nothing is
// written to a shared line, nothing is retried. The answer is the index's
// at the moment of the entry load that ended the walk (fib/dir.h,
// "Consistency"), which is the best route of some moment during the call:
// the index changes for P only inside W4, under d->lock, after the RIB
// changed, and the RIB does not change for P again until W4 is done.
// With respect to the RIB's own readers the index lags: a write is seen by
// get_* calls from its publish_routes on, by the fast path from its W4 on,
// both inside the write's call (its critical section). So a lookup sees
// every write whose call returned before the lookup began (and every
// change a notification reported: publish_change runs after the lock is
// dropped, after W4), and may or may not see a write in progress, even
// one a get_* call already showed (found by the review, documented in
// rtm/forwarding.h).
//
// No id named by a leaf is ever released: a leaf naming P's group has
// depth P.len (P's set, or a nested writer's clear that read P's
// fib_group), W5 follows P's W4, which rewrites every such leaf (set:
// depth <= len; clear: depth == len), and a cover read after P's W4 reads
// P's new group (W3 precedes it). A failed set (below) keeps its
// references for good. So a record a reader reads is always the record of
// a group some leaf named at a moment during its section.
//
// degraded: read relaxed before the section. A writer that failed stores
// it (relaxed) inside its critical section, after the RIB change it could
// not index; a lookup that missed the store overlapped that section, and
// the index's old answer is the lag every lookup may see (above): its
// records are still valid (never released, above). Lookups that see it
// answer from the RIB (from_rib: hazard pointers, not wait-free).
#include "core/forwarding.h"

#include <bit>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/core.h"
#include "core/dest.h"
#include "core/dest_table.h"
#include "core/route.h"
#include "core/route_select.h"
#include "detail/reclaim.h"
#include "detail/test_hook.h"

namespace rtm::detail {

static_assert(sizeof(ForwardingHop) == sizeof(fib::NextHop));
static_assert(offsetof(ForwardingHop, interface_index) == offsetof(fib::NextHop, interface_index));
static_assert(offsetof(ForwardingHop, family) == offsetof(fib::NextHop, family));

Forwarding::Forwarding(ViewSet views) {
  for (int v = 0; v < kMaxViews; ++v) slot_[v] = -1;
  if (std::popcount(views) > kMaxForwardingViews)
    throw std::invalid_argument("rtm: more forwarding views than kMaxForwardingViews");
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    slot_[v] = static_cast<std::int8_t>(count_);
    view_[count_] = v;
    v4[count_] = std::make_unique<fib::Fib4>();
    v6[count_] = std::make_unique<fib::Fib6>();
    ++count_;
  }
}

namespace {

fib::Ipv6Key key6(const NetAddress& a) noexcept { return fib::ipv6_key(a.bytes()); }

// The hops of route data rd (stable: under d->lock, or protected) as a
// group record.
void hops_of(const RouteData* rd, fib::NextHopSet* out) noexcept {
  out->count = rd->hop_count;
  for (std::uint16_t i = 0; i < rd->hop_count; ++i) {
    const NextHop* nh = rd->hops[i];
    fib::NextHop& h = out->hops[i];
    h = fib::NextHop{};
    std::memcpy(h.address, nh->address.bytes(), sizeof h.address);
    h.family = static_cast<std::uint16_t>(nh->address.family());
    h.interface_index = nh->interface_index;
  }
}

// The first hop is copied whatever the count (a record's unused hops are
// zero, record(kNoGroup) is all zero): a copy whose length depends on the
// cache-missing load would branch on it, and a mispredicted branch there
// stops the next lookups from starting while this one waits for memory.
void copy_record(const fib::NextHopSet& rec, ForwardingResult* out) noexcept {
  const std::uint32_t n = rec.count;
  out->count = n;
  std::memcpy(&out->hops[0], &rec.hops[0], sizeof(ForwardingHop));
  for (std::uint32_t i = 1; i < n; ++i) std::memcpy(&out->hops[i], &rec.hops[i], sizeof(ForwardingHop));
}

// The index key of an IPv4 address: its first 32 bits, host order.
std::uint32_t key4(const NetAddress& a) noexcept {
  std::uint32_t k;
  std::memcpy(&k, a.bytes(), sizeof k);
  return __builtin_bswap32(k);
}

// The longest destination strictly covering p whose prefix is installed in
// index `slot` (its length and group), or none. Runs under the index's
// writer mutex (W4): takes no destination lock.
fib::Cover cover_of(Table& t, const NetAddress& p, int slot) noexcept {
  Guard g;  // one hazard pointer for the whole walk (a writer's deepest path holds 8 more)
  for (int len = static_cast<int>(p.length()) - 1; len >= 0; --len) {
    if (t.per_length[len].load(std::memory_order_relaxed) == 0) continue;
    const Dest* c = t.map.find(dest_key(p.truncated(static_cast<unsigned>(len))), g);
    if (c == nullptr) continue;
    // Acquire: pairs with W3, so the group's record happens before the
    // leaves this cover writes (top of file).
    const fib::GroupId cg = c->fib_group[slot].load(std::memory_order_acquire);
    if (cg != fib::kNoGroup) return fib::Cover{static_cast<unsigned>(len), cg};
  }
  return fib::Cover{};
}

void degrade(Forwarding& f) noexcept { f.degraded.store(true, std::memory_order_relaxed); }

}  // namespace

void prefetch_forwarding(Core& core, const NetAddress& a) noexcept {
  Forwarding& f = core.forwarding;
  const bool v4 = a.family() == Family::ipv4;
  for (int slot = 0; slot < f.count(); ++slot) {
    if (v4)
      f.v4[slot]->prefetch_for_write(key4(a));
    else
      f.v6[slot]->prefetch_for_write(key6(a));
  }
}

void update_forwarding(Core& core, Dest* d, const BestState& before, const BestState& after,
                       ViewSet changed) noexcept {
  Forwarding& f = core.forwarding;
  if (f.count() == 0 || core.stopping.load(std::memory_order_relaxed)) return;
  // A best state judged from a truncated route list (out of memory for the
  // gather) may be wrong, and so may `changed`, derived from it; later
  // writes compare with it and would never repair the index.
  if (!before.complete || !after.complete) degrade(f);
  Table& t = *d->table;
  const NetAddress& p = d->address;
  for (int slot = 0; slot < f.count(); ++slot) {
    const ViewId v = f.view(slot);
    if (((changed >> v) & 1u) == 0) continue;
    const Route* best = best_route_in(after, v);
    fib::GroupId g = fib::kNoGroup;  // W1
    if (best != nullptr) {
      fib::NextHopSet hops{};
      hops_of(best->data.load(std::memory_order_relaxed), &hops);  // stable under d->lock
      try {
        g = f.groups.acquire(hops);
      } catch (const std::bad_alloc&) {
        g = fib::kNoGroup;
      }
      if (g == fib::kNoGroup) {  // no id or no memory: the index cannot follow
        degrade(f);
        continue;
      }
    }
    const fib::GroupId old = d->fib_group[slot].load(std::memory_order_relaxed);
    if (g == old) {  // W2: same next hops (interned to the same id)
      f.groups.release(g);
      continue;
    }
    d->fib_group[slot].store(g, std::memory_order_release);  // W3 (release: see cover_of)
    test_hook("forwarding.update", d);  // a writer parked with d->lock held
    bool ok;  // W4
    if (t.family == Family::ipv4) {
      const std::uint32_t k = key4(p);
      ok = g != fib::kNoGroup ? f.v4[slot]->set(k, p.length(), g)
                              : f.v4[slot]->clear_with(k, p.length(), [&] { return cover_of(t, p, slot); });
    } else {
      const fib::Ipv6Key k = key6(p);
      ok = g != fib::kNoGroup ? f.v6[slot]->set(k, p.length(), g)
                              : f.v6[slot]->clear_with(k, p.length(), [&] { return cover_of(t, p, slot); });
    }
    if (!ok) {
      // Out of tbl8 groups: the set changed nothing, so leaves of depth
      // P.len naming `old` remain, and a nested writer's cover read may
      // since have written leaves naming g (it read W3). Neither may be
      // released while a leaf names it: `old`'s reference is kept for good
      // (a leak bounded by the failures, after which the fast path is
      // degraded for good), and g stays the installed group, so the next
      // successful W4 of P, which rewrites every leaf of depth P.len in
      // P's range, is followed by the release of g.
      degrade(f);
      continue;
    }
    f.groups.release(old);  // W5 (kNoGroup is ignored)
  }
}

// ---- readers -----------------------------------------------------------------------

namespace {

// d's best route in `views` (*r, null when it has none there) and that
// route's hops, from one snapshot of d's routes (protected in gs; the
// route's data in gr, and r stays valid while gs protects the snapshot).
// False when the routes could not be gathered (no memory).
bool best_route(const Dest* d, ViewSet views, Guard& gs, Guard& gr, const Route** r,
                fib::NextHopSet* hops) noexcept {
  *r = nullptr;
  GatheredRoutes routes(gs.protect(d->routes));
  if (!routes.complete()) return false;
  const int b = best_of(routes.data(), routes.size(), views, kBestProtocol);
  if (b < 0) return true;
  *r = routes.data()[b].route;
  hops_of(gr.protect((*r)->data), hops);
  return true;
}

// The RIB's answer (the degraded fast path, with or without detail): the
// longest destination covering full-length `a` with a live route in view
// v, its best route, and that route's hops copied to *out. not_found when
// none; not_enough_memory when the destination's routes could not be
// gathered (more than kGatherCap and no memory).
errc from_rib(Core& core, ViewId v, const NetAddress& a, ForwardingResult* out,
              ForwardingDetail* detail) noexcept {
  ThreadScope scope;
  Table& t = core.table(a.family());
  const ViewSet views = ViewSet{1} << v;
  out->count = 0;
  if (detail != nullptr) *detail = ForwardingDetail{};
  Guard gd, gs, gr;
  // Each round either answers or strictly shortens max_len: at most 129.
  for (int max_len = static_cast<int>(family_bits(a.family())); max_len >= 0;) {
    Dest* d = longest_match(core, t, a, max_len, views, gd);
    if (d == nullptr) return errc::not_found;
    const Route* r = nullptr;
    fib::NextHopSet hops{};
    if (!best_route(d, views, gs, gr, &r, &hops)) return errc::not_enough_memory;
    if (r == nullptr) {  // its last route in v went since longest_match: look shorter
      max_len = static_cast<int>(d->address.length()) - 1;
      continue;
    }
    copy_record(hops, out);
    if (detail != nullptr) {
      detail->prefix = d->address;
      detail->dest = DestHandle{d->handle};
      detail->route = RouteHandle{r->handle};
    }
    return errc::ok;
  }
  return errc::not_found;
}

NetAddress full_length(const NetAddress& a) noexcept {
  return NetAddress::make_masked(a.family(), a.bytes(), family_bits(a.family()));
}

// A single lookup's answer from the index: `find()` (an index lookup, a
// group id) and the copy of the group's record, in one read section.
template <class Find>
errc from_index(const Forwarding& f, Find find, ForwardingResult* out) noexcept {
  fib::ReadSection section;
  const fib::GroupId g = find();
  copy_record(f.groups.record(g), out);
  return g != fib::kNoGroup ? errc::ok : errc::not_found;
}

// The leaf of full-length `a` in index `slot` (inside a ReadSection): the
// group of the longest installed prefix covering it and that prefix's
// length (group kNoGroup: none).
struct IndexLeaf {
  fib::GroupId group;
  unsigned depth;
};
IndexLeaf leaf_of(const Forwarding& f, int slot, const NetAddress& a) noexcept {
  if (a.family() == Family::ipv4) {
    const auto l = f.v4[slot]->lookup_leaf_of(key4(a));
    return {l.group(), l.depth()};
  }
  const auto l = f.v6[slot]->lookup_leaf_of(key6(a));
  return {l.group(), l.depth()};
}

// forward with detail on a healthy index. The answer is the index's, read
// at one moment (as forward() without detail): its hops, and the prefix of
// the leaf's depth. The handles are then looked up: the destination of
// that prefix and its best route in the view, when that route's hops are
// still the answer's (a writer may have changed or removed it since the
// read); otherwise both are 0 (rtm/forwarding.h, ForwardingDetail).
//
// Why not answer from the table's search (from_rib, as the degraded path
// must): longest_match reads the index, the map and each probed length at
// different moments (core/dest_table.cpp, (a)-(b')), so under writers that
// take covering routes away and put them back, a preempted search can
// answer a prefix that was never the longest at any one moment, or no
// route while one was there at every moment: stress "forwarding" found
// both. The consistency rule (an answer of some moment during the call)
// needs the answer from one read. Wait-free: one index read, one map
// find, no retry.
errc with_detail(Core& core, ViewId view, int slot, const NetAddress& a, ForwardingResult* out,
                 ForwardingDetail* detail) noexcept {
  const Forwarding& f = core.forwarding;
  *detail = ForwardingDetail{};
  IndexLeaf leaf;
  {
    fib::ReadSection section;
    leaf = leaf_of(f, slot, a);
    copy_record(f.groups.record(leaf.group), out);
  }
  if (leaf.group == fib::kNoGroup) return errc::not_found;
  detail->prefix = a.truncated(leaf.depth);
  test_hook("forwarding.detail_index_read", &a);  // a reader parked between the reads
  ThreadScope scope;
  Table& t = core.table(a.family());
  Guard gd, gs, gr;
  const Dest* d = t.map.find(dest_key(detail->prefix), gd);
  if (d == nullptr || d->gone.load(std::memory_order_acquire)) return errc::ok;
  const Route* r = nullptr;
  fib::NextHopSet hops{};
  // No memory to gather, or no best route in the view any more: the
  // handles stay 0.
  if (!best_route(d, ViewSet{1} << view, gs, gr, &r, &hops) || r == nullptr) return errc::ok;
  if (hops.count != out->count ||
      std::memcmp(hops.hops, out->hops, hops.count * sizeof hops.hops[0]) != 0)
    return errc::ok;  // changed since the index read
  detail->dest = DestHandle{d->handle};
  detail->route = RouteHandle{r->handle};
  return errc::ok;
}

bool valid_family(const NetAddress& a) noexcept {
  return a.family() == Family::ipv4 || a.family() == Family::ipv6;
}

}  // namespace

errc forward_one(Core& core, ViewId view, const NetAddress& a, ForwardingResult* out,
                 ForwardingDetail* detail) noexcept {
  Forwarding& f = core.forwarding;
  const int slot = f.slot_of(view);
  if (out == nullptr || slot < 0 || !valid_family(a)) return errc::invalid_parameter;
  if (f.degraded.load(std::memory_order_relaxed)) [[unlikely]]
    return from_rib(core, view, full_length(a), out, detail);
  if (detail != nullptr) return with_detail(core, view, slot, full_length(a), out, detail);
  if (a.family() == Family::ipv4)
    return from_index(f, [&] { return f.v4[slot]->lookup(key4(a)); }, out);
  return from_index(f, [&] { return f.v6[slot]->lookup(key6(a)); }, out);
}

errc forward4_one(Core& core, ViewId view, std::uint32_t addr, ForwardingResult* out) noexcept {
  Forwarding& f = core.forwarding;
  const int slot = f.slot_of(view);
  if (out == nullptr || slot < 0) return errc::invalid_parameter;
  if (f.degraded.load(std::memory_order_relaxed)) [[unlikely]]
    return from_rib(core, view, NetAddress::ipv4(addr, 32), out, nullptr);
  return from_index(f, [&] { return f.v4[slot]->lookup(addr); }, out);
}

namespace {

// What both batches share: the checks; when degraded, one address at a
// time from the RIB (slow(i): whether address i has a route); else one
// read section around fast() (the number of addresses with a route).
template <class Slow, class Fast>
errc run_batch(const Forwarding& f, int slot, const void* addrs, std::size_t n,
               ForwardingResult* out, std::size_t* hits, Slow slow, Fast fast) noexcept {
  if (slot < 0 || (n > 0 && (addrs == nullptr || out == nullptr))) return errc::invalid_parameter;
  std::size_t found = 0;
  if (f.degraded.load(std::memory_order_relaxed)) [[unlikely]] {
    for (std::size_t i = 0; i < n; ++i) found += slow(i);
  } else {
    fib::ReadSection section;
    found = fast();
  }
  if (hits != nullptr) *hits = found;
  return errc::ok;
}

}  // namespace

errc forward4_batch(Core& core, ViewId view, const std::uint32_t* addrs, std::size_t n,
                    ForwardingResult* out, std::size_t* hits) noexcept {
  Forwarding& f = core.forwarding;
  const int slot = f.slot_of(view);
  return run_batch(
      f, slot, addrs, n, out, hits,
      [&](std::size_t i) {
        return from_rib(core, view, NetAddress::ipv4(addrs[i], 32), &out[i], nullptr) == errc::ok;
      },
      [&] {
        constexpr std::size_t kChunk = 64;
        fib::GroupId ids[kChunk];
        std::size_t found = 0;
        for (std::size_t base = 0; base < n; base += kChunk) {
          const std::size_t m = n - base < kChunk ? n - base : kChunk;
          f.v4[slot]->lookup_batch(addrs + base, ids, m);
          for (std::size_t i = 0; i < m; ++i) {
            copy_record(f.groups.record(ids[i]), &out[base + i]);
            found += ids[i] != fib::kNoGroup;
          }
        }
        return found;
      });
}

errc forward6_batch(Core& core, ViewId view, const NetAddress* addrs, std::size_t n,
                    ForwardingResult* out, std::size_t* hits) noexcept {
  Forwarding& f = core.forwarding;
  const int slot = f.slot_of(view);
  return run_batch(
      f, slot, addrs, n, out, hits,
      [&](std::size_t i) {
        out[i].count = 0;
        return addrs[i].family() == Family::ipv6 &&
               from_rib(core, view, full_length(addrs[i]), &out[i], nullptr) == errc::ok;
      },
      [&] {
        constexpr std::size_t kChunk = 16;
        fib::Ipv6Key keys[kChunk];
        fib::GroupId ids[kChunk];
        std::size_t found = 0;
        for (std::size_t base = 0; base < n; base += kChunk) {
          const std::size_t m = n - base < kChunk ? n - base : kChunk;
          // Another family's entry looks up ::/128's key and is answered 0.
          for (std::size_t i = 0; i < m; ++i)
            keys[i] = addrs[base + i].family() == Family::ipv6 ? key6(addrs[base + i]) : fib::Ipv6Key{};
          f.v6[slot]->lookup_batch(keys, ids, m);
          for (std::size_t i = 0; i < m; ++i) {
            const fib::GroupId g = addrs[base + i].family() == Family::ipv6 ? ids[i] : fib::kNoGroup;
            copy_record(f.groups.record(g), &out[base + i]);
            found += g != fib::kNoGroup;
          }
        }
        return found;
      });
}

int forwarding_match_length(Core& core, int slot, const NetAddress& a) noexcept {
  Forwarding& f = core.forwarding;
  if (f.degraded.load(std::memory_order_relaxed)) return -2;
  fib::ReadSection section;
  const IndexLeaf leaf = leaf_of(f, slot, a);
  return leaf.group != fib::kNoGroup ? static_cast<int>(leaf.depth) : -1;
}

// ---- memory (Instance::forwarding_stats) ---------------------------------------

void forwarding_stats(Core& core, ForwardingStats* out) noexcept {
  Forwarding& f = core.forwarding;
  *out = ForwardingStats{};
  out->views = static_cast<std::uint32_t>(f.count());
  out->degraded = f.degraded.load(std::memory_order_relaxed) ? 1u : 0u;
  for (int slot = 0; slot < f.count(); ++slot) {
    const fib::Fib4::Memory m4 = f.v4[slot]->memory();
    const fib::Fib6::Memory m6 = f.v6[slot]->memory();
    out->tbl8_groups[0] += f.v4[slot]->tbl8_in_use();
    out->tbl8_groups[1] += f.v6[slot]->tbl8_in_use();
    out->tbl24_bytes[0] += m4.tbl24;
    out->tbl24_bytes[1] += m6.tbl24;
    out->tbl8_bytes[0] += m4.tbl8;
    out->tbl8_bytes[1] += m6.tbl8;
    out->list_bytes[0] += m4.lists;
    out->list_bytes[1] += m6.lists;
  }
  out->nh_groups = f.groups.live();
  out->nh_bytes = f.groups.resident_bytes();
}

}  // namespace rtm::detail
