// rtm::Instance: the API over the core objects (src/core/).
//
// Fast path (readers: lookups, get-info): hazard-protected map probes and
// route-set snapshots, reference counts taken with CAS; no lock.
// Slow path (writers: add/delete route, next hops, registration): the
// destination's TinyMutex, copy-on-write route sets, retire the old set.
#include <rtm/instance.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/enumerations.h"
#include "core/next_hop.h"
#include "core/object.h"
#include "core/route.h"
#include "core/route_lists.h"
#include "core/change_queue.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/events.h"
#include "core/expiry.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/notify_reg.h"
#include "detail/test_hook.h"
#include "detail/timers.h"

namespace rtm {

using detail::Core;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::Hold;
using detail::NextHop;
using detail::NextHopData;
using detail::Object;
using detail::Route;
using detail::RouteData;
using detail::RouteSet;
using detail::HoldSet;
using detail::EnumObj;
using detail::RouteList;
using detail::Table;
using detail::NotifyReg;
using detail::deregister_notification;
using detail::handle_kind;
using detail::ChangeSummary;
using detail::ThreadScope;
using detail::RefBatch;
using detail::lookup_as;
using detail::resolve_caller;
using detail::add_ref;
using detail::take_hold;
using detail::drop_count;
using detail::release_handles;
using detail::release_taken;
using detail::fill_dest_info;
using detail::target_views;
using detail::filetime_now;
using detail::collect_dest_info_handles;

namespace detail {

// ---- instance tags ------------------------------------------------------------

// Tags are reused once their instance is gone; its handles must not validate
// in the next instance with the tag. Per tag, g_tag_base is the first handle
// index no instance with that tag issued: the next HandleTable of the tag
// starts there (detail/handle_table.h), and give_tag moves it past what the
// departing table issued. A tag with fewer than kMinTagIndices indices left
// is retired (never handed out again), so every instance has at least that
// many. 255 reuses of 2^32 - 2^28 indices each before tags run out.
constexpr std::uint32_t kMinTagIndices = 1u << 28;

std::mutex g_tags_mu;
bool g_tag_used[256] = {};
std::uint32_t g_tag_base[256] = {};
unsigned g_next_tag = 1;

TagLease take_tag() {
  std::lock_guard lock(g_tags_mu);
  for (unsigned i = 0; i < 256; ++i) {
    const unsigned t = (g_next_tag + i) & 0xFF;
    if (!g_tag_used[t] && 0xFFFFFFFFu - g_tag_base[t] >= kMinTagIndices) {
      g_tag_used[t] = true;
      g_next_tag = t + 1;
      return TagLease{static_cast<std::uint8_t>(t), g_tag_base[t]};
    }
  }
  throw std::length_error("rtm: no instance tag left (256 live instances, or tags retired)");
}

// `end`: the first index the tag's table never issued (HandleTable::end_index).
void give_tag(std::uint8_t t, std::uint32_t end) {
  std::lock_guard lock(g_tags_mu);
  g_tag_base[t] = std::max(g_tag_base[t], end);
  g_tag_used[t] = false;
}

std::uint64_t filetime_now() noexcept {
  using namespace std::chrono;
  const auto ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  return static_cast<std::uint64_t>(ns / 100) + 116444736000000000ull;
}

// ---- callers and references ------------------------------------------------------

// Resolves the calling entity's handle; it must be registered.
errc resolve_caller(Core& core, EntityHandle h, Guard& g, Entity** out) noexcept {
  Object* o = core.handles.lookup(h.value, HandleKind::entity, g);
  if (o == nullptr) return errc::invalid_handle;
  auto* e = static_cast<Entity*>(o);
  if (!e->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
  *out = e;
  return errc::ok;
}

namespace {
// Takes one unit off a hold counter unless it is 0: of the threads that
// may drop one unit (a release, a rollback, the owner's walk (W3) below),
// the one whose CAS takes it drops the object count it stands for.
bool take_unit(std::atomic<std::int64_t>& counter) noexcept {
  std::int64_t c = counter.load(std::memory_order_relaxed);
  do {
    if (c <= 0) return false;
  } while (!counter.compare_exchange_weak(c, c - 1, std::memory_order_relaxed));
  return true;
}

// Drops the object count of a taken unit.
void drop_unit(Entity* e, Object* o) noexcept {
  e->held[kind_index(o->kind)].fetch_sub(1, std::memory_order_relaxed);
  detail::unref_handle(o);
}
}  // namespace

// Adds one external reference on `o` owned by `e`. `o` must be protected.
//
// A reference of an entity whose deregistration has dropped what it holds
// would never be dropped (issue 12 again: a handle kept valid for good).
// Callers passed resolve_caller before, so the deregistration may run
// concurrently; a Dekker pair decides who drops the reference:
//   (R1) add_ref counts it on e's hold record: a seq_cst RMW of the counter;
//   (R2) then loads e->registered (seq_cst); if false, it gives its unit
//        back (take_unit + drop_unit) and fails with invalid_handle;
//   (D1) deregistration exchanges `registered` to false (seq_cst,
//        deregister_entity / ~Instance);
//   (W3) its walk 3 (deregister_impl) then exchanges each hold counter of
//        e to 0 (seq_cst RMW) and drops what it read.
// R1 and W3 are RMWs of one counter, so one reads the other. If W3 reads
// R1's unit, the walk drops it. Otherwise W3 precedes R1 in the counter's
// modification order, so in the total order S of seq_cst operations
// D1 < W3 < R1 < R2 (sequenced-before, coherence), and R2 reads false
// (`registered` never becomes true again): add_ref gives the unit back.
// Both may happen (R2 reads false and W3 took the unit): the CAS of
// take_unit then finds no unit of ours (or takes another late unit whose
// own add_ref then finds none), so each unit is dropped exactly once.
// Cost: add_ref is on the Get path. R1 is a locked RMW on x86 whatever its
// order (a full barrier already), and a seq_cst load is a plain load there
// (the fence goes with seq_cst stores): the check costs one load of a line
// every call of the entity reads anyway (resolve_caller).
errc add_ref(Entity* e, Object* o, bool changed) noexcept {
  Hold* h = o->holds.find_or_add(e->handle);
  if (h == nullptr) return errc::not_enough_memory;
  if (!o->counts.try_add_handle()) return errc::not_found;  // revoked meanwhile
  std::atomic<std::int64_t>& counter = changed ? h->changed : h->count;
  counter.fetch_add(1, std::memory_order_seq_cst);  // (R1)
  e->held[kind_index(o->kind)].fetch_add(1, std::memory_order_relaxed);
  if (!e->registered.load(std::memory_order_seq_cst)) {  // (R2)
    if (take_unit(counter)) drop_unit(e, o);
    return errc::invalid_handle;
  }
  return errc::ok;
}

errc give_back_ref(Entity* e, Object* o, bool changed) noexcept {
  Hold* rec = o->holds.find(e->handle);
  if (rec == nullptr || !take_unit(changed ? rec->changed : rec->count))
    return errc::invalid_parameter;
  drop_unit(e, o);
  return errc::ok;
}

errc take_hold(Core& core, Entity* e, std::uint64_t h, HandleKind kind, bool changed) noexcept {
  Guard g;
  Object* o = core.handles.lookup(h, kind, g);
  if (o == nullptr) return errc::invalid_handle;
  Hold* rec = o->holds.find(e->handle);
  if (rec == nullptr) return errc::invalid_parameter;
  if (!take_unit(changed ? rec->changed : rec->count)) return errc::invalid_parameter;
  return errc::ok;
}

// Undoes take_hold (the object is alive: its external count still has ours).
static void give_hold_back(Core& core, Entity* e, std::uint64_t h, bool changed) noexcept {
  Guard g;
  Object* o = core.handles.lookup(h, HandleKind::none, g);
  if (o == nullptr) return;
  if (Hold* rec = o->holds.find(e->handle))
    (changed ? rec->changed : rec->count).fetch_add(1, std::memory_order_relaxed);
}

void drop_count(Core& core, Entity* e, std::uint64_t h) noexcept {
  Guard g;
  Object* o = core.handles.lookup(h, HandleKind::none, g);
  if (o == nullptr) return;
#ifdef RTM_DELIBERATELY_BROKEN
  // The broken variant the stress suite must catch (stress/CMakeLists.txt):
  // a release of a destination reference forgets to drop the object's count.
  if (o->kind == HandleKind::dest) {
    e->held[kind_index(o->kind)].fetch_sub(1, std::memory_order_relaxed);
    return;
  }
#endif
  drop_unit(e, o);
}

void release_taken(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                   bool changed) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (hs[i] != 0 && take_hold(core, e, hs[i], HandleKind::none, changed) == errc::ok)
      drop_count(core, e, hs[i]);
}

errc release_handles(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                     HandleKind kind, bool changed) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    if (hs[i] == 0) continue;
    if (errc r = take_hold(core, e, hs[i], kind, changed); r != errc::ok) {
      for (std::size_t j = 0; j < i; ++j)
        if (hs[j] != 0) give_hold_back(core, e, hs[j], changed);
      return r;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (hs[i] != 0) drop_count(core, e, hs[i]);
  return errc::ok;
}

// ---- route sets -----------------------------------------------------------------

// A route's attributes as seen by one reader.
struct RouteView {
  Route* route;
  PrefInfo pref;
  ViewSet views;
  std::uint32_t protocol;
  std::uint64_t fwd;  // forwarding signature: next hops and forwarding flags
};

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

constexpr std::size_t kGatherCap = 64;

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

// The best route (any protocol) and its forwarding signature per view, of
// a destination's current routes. Writers compute it under the
// destination lock before and after a change to derive kRouteChangeBest
// and the change-notification summary; is_best_route uses it lock-free.
struct BestState {
  ViewSet present = 0;  // views with a best route; route/fwd are null/0 elsewhere
  Route* route[kMaxViews];
  std::uint64_t fwd[kMaxViews];
};

void best_state(const RouteSet* s, BestState* out) noexcept {
  RouteView rv[kGatherCap];
  std::vector<RouteView> big;
  const RouteView* routes = rv;
  std::size_t n = gather(s, rv, kGatherCap);
  if (n > kGatherCap) {
    try {
      detail::fault_throw();
      big.resize(n);
      n = std::min(gather(s, big.data(), big.size()), big.size());
      routes = big.data();
    } catch (...) {
      n = kGatherCap;  // out of memory: judge by the first kGatherCap routes
    }
  }
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
bool has_route_or_hold_in(const Dest* d, ViewSet views) noexcept {
  if (has_route_in(d, views)) return true;
  Guard gh;
  const HoldSet* h = gh.protect(d->holds);
  if (h == nullptr) return false;
  for (std::uint32_t i = 0; i < h->size; ++i)
    if ((views >> h->entries[i].view) & 1u) return true;
  return false;
}

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
static errc fill_dest_info_once(Core& core, Entity* e, Dest* d, std::uint32_t protocol,
                                ViewSet views, DestInfo* info, bool changed, bool* stale) noexcept {
  RefBatch batch(core, e, changed);
  errc err = errc::ok;
  DestInfo out;
  out.dest.value = batch.add(d, &err);
  if (err != errc::ok) return err;  // d revoked: the caller's handle is gone
  out.address = d->address;
  // The lowest bit of last_changed marks infos from get_changed_dests (see
  // rtm/info.h): 100 ns of precision buy an exact wrong-release check in
  // both APIs, without touching the destination handle's identity.
  out.last_changed = (d->last_changed.load(std::memory_order_relaxed) & ~std::uint64_t{1}) |
                     (changed ? 1u : 0u);
  Guard gs;
  const RouteSet* s = gs.protect(d->routes);
  RouteView rv[kGatherCap];
  std::size_t n = gather(s, rv, kGatherCap);
  std::vector<RouteView> big;
  const RouteView* routes = rv;
  if (n > kGatherCap) {  // a destination with many routes: gather again, unbounded
    try {
      detail::fault_throw();
      big.resize(n + s->size);
    } catch (...) {
      return errc::not_enough_memory;
    }
    n = std::min(gather(s, big.data(), big.size()), big.size());
    routes = big.data();
  }
  for (std::size_t i = 0; i < n; ++i) out.belongs_to_views |= routes[i].views;
  const std::uint32_t proto = protocol_filter(e, protocol);
  Guard gh;
  const HoldSet* held = gh.protect(d->holds);
  // A route of a protected snapshot is allocated (the snapshot holds it) but
  // may have been revoked since (deleted, and its last reference gone):
  // its reference then fails, and the answer is rebuilt from the current
  // snapshots, so a route deleted and released before this call is never
  // returned.
  auto add_route_ref = [&](Route* r) -> std::uint64_t {
    const std::uint64_t h = batch.add(r, &err);
    if (err == errc::not_found) *stale = true;
    return h;
  };
  for (int v = 0; v < kMaxViews; ++v) {
    const ViewSet bit = 1u << v;
    if ((views & bit) == 0) continue;
    DestViewInfo& vi = out.views[out.number_of_views++];
    vi.view_id = v;
    for (std::size_t i = 0; i < n; ++i)
      if (routes[i].views & bit) ++vi.num_routes;
    int b = best_of(routes, n, bit, proto);
    if (held != nullptr) {
      for (std::uint32_t h = 0; h < held->size; ++h) {
        if (held->entries[h].view != v) continue;
        vi.hold_route.value = add_route_ref(held->entries[h].route);
        if (err != errc::ok) return err;
      }
    }
    if (b < 0) continue;
    vi.route.value = add_route_ref(routes[b].route);
    if (err != errc::ok) return err;
    // Its owner: infallible but for memory, the route we now reference
    // holds a handle link on it.
    vi.owner.value = batch.add(routes[b].route->owner, &err);
    if (err != errc::ok) return err;
  }
  batch.commit();
  *info = out;
  return errc::ok;
}

// Fills *info from destination `d` (protected by the caller) with references
// for `e`. Nothing is referenced on error; not_found if d itself was
// revoked.
errc fill_dest_info(Core& core, Entity* e, Dest* d, std::uint32_t protocol, ViewSet views,
                    DestInfo* info, bool changed) noexcept {
  for (;;) {  // lock-free: each retry follows a route's revocation
    bool stale = false;
    const errc r = fill_dest_info_once(core, e, d, protocol, views, info, changed, &stale);
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

// Whether d holds a route down. Under d->lock (holds change only under it).
bool has_held_route(const Dest* d) noexcept {
  const HoldSet* h = d->holds.load(std::memory_order_relaxed);
  return h != nullptr && h->size != 0;
}

// A copy of hold set `h` (null: none) without the entries of `drop`
// views, each kept entry with its own reference. Null on OOM.
HoldSet* copy_holds(const HoldSet* h, ViewSet drop) noexcept {
  HoldSet* n = detail::nothrow_new<HoldSet>();
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
void publish_holds(Dest* d, HoldSet* next) noexcept {
  // Infallible: each entry of `next` is either one of the old current set
  // (which holds a link on its route) or a route being held by hold_route,
  // still in d's current route set (its table link).
  if (next != nullptr)
    for (std::uint32_t i = 0; i < next->size; ++i) next->entries[i].route->counts.try_add_handle();
  HoldSet* old = d->holds.exchange(next, std::memory_order_acq_rel);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  if (old != nullptr) {
    for (std::uint32_t i = 0; i < old->size; ++i) unref_handle(old->entries[i].route);
    detail::retire(old);  // its memory references go when no reader holds it
  }
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

// Publishes `next` as d's route set and retires the old one. Under d->lock.
// release: the new set and every route it points to are fully built before
// a reader's protect() (acquire) can see it.
void publish_routes(Dest* d, RouteSet* next) noexcept {
  RouteSet* old = d->routes.exchange(next, std::memory_order_acq_rel);
  d->last_changed.store(filetime_now(), std::memory_order_relaxed);
  if (old != RouteSet::shared_empty()) detail::retire(old);
}

// Keeps route r (being deleted, still in d's current set) as the held
// route of `views`, replacing what those views held, until the hold time
// of each runs out. Under d->lock. Out of memory: the route is not held.
void hold_route(Core& core, Dest* d, Route* r, ViewSet views) noexcept {
  const HoldSet* hs = d->holds.load(std::memory_order_relaxed);
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
    if (!core.timers->arm(now + ms, d, 0, detail::Timers::Kind::hold_expiry)) {
      unref_memory(d);  // not the last: the unit is there
      return;
    }
    armed[n_armed++] = ms;
  }
  HoldSet* next = copy_holds(hs, views);
  if (next == nullptr) return;
  for (ViewSet rest = views; rest != 0; rest &= rest - 1) {
    const int v = std::countr_zero(rest);
    const std::uint32_t ms = hs->hold_ms[v];
    const std::uint64_t deadline = ms == kInfinite ? UINT64_MAX : now + ms;
    // The new hold set's memory reference; infallible: the current route
    // set still holds one.
    r->counts.try_add_memory();
    next->entries[next->size++] = HoldSet::Entry{r, v, deadline};
  }
  publish_holds(d, next);
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

// Deletes a next hop (state deleted, out of the map). Routes that use it
// keep it alive and readable.
errc delete_next_hop_locked(Core& core, NextHop* nh) {
  if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) return errc::not_found;
  // (ND1), (ND2): see write_next_hop. No version is written after this.
  nh->state.store(kNextHopStateDeleted, std::memory_order_release);
  nh->version.fetch_add(1, std::memory_order_release);
  detail::NextHopKey key{};
  key.owner = nh->owner->handle;
  key.interface_index = nh->interface_index;
  key.family = static_cast<std::uint16_t>(nh->address.family());
  key.length = static_cast<std::uint8_t>(nh->address.length());
  std::memcpy(key.bytes, nh->address.bytes(), 16);
  core.next_hops->remove(key, nh);
  unref_handle(nh);  // the map's link; our caller still protects nh
  return errc::ok;
}

errc delete_next_hop_obj(Core& core, NextHop* nh) {
  std::lock_guard lock(nh->lock);
  return delete_next_hop_locked(core, nh);
}

detail::NextHopKey next_hop_key(const Entity* owner, const NetAddress& a, std::uint32_t ifindex) {
  detail::NextHopKey key{};
  key.owner = owner->handle;
  key.interface_index = ifindex;
  key.family = static_cast<std::uint16_t>(a.family());
  key.length = static_cast<std::uint8_t>(a.length());
  std::memcpy(key.bytes, a.bytes(), 16);
  return key;
}

bool valid_address_for(const Entity* e, const NetAddress& a) {
  NetAddress check;
  return a.family() == e->info.family &&
         NetAddress::make(a.family(), a.bytes(), a.length(), &check) == errc::ok;
}

// Writes a next hop's updatable attributes: a new immutable version
// swapped in by pointer. Under nh->lock, on a next hop not deleted (or not
// yet published). Out of memory: nothing changes.
//
// Next-hop attribute protocol. Readers take no lock and never wait for a
// writer (a writer preempted inside its section stalls nobody).
// Writers, all under nh->lock (so their sections are totally ordered):
//   (NW1) build a new NextHopData (flags, entity-specific info)
//   (NW2) old = data.exchange(new, acq_rel)   — publishes the version
//   (NW3) version.fetch_add(1, release)       — for the C pointer block
//   (NW4) retire(old)                         — freed after readers let go
//   delete_next_hop_obj:
//   (ND1) state.store(deleted, release)       — after every (NW2): the lock
//   (ND2) version.fetch_add(1, release)
// Reader (peek_next_hop_info):
//   (NR1) v = version.load(acquire)
//   (NR2) d = protect(data)                   — hazard pointer, acquire
//   (NR3) s = state.load(acquire)
//   (NR4) if s is deleted: d = protect(data) again
//   result: (s, d->flags, d->entity_specific_info), and v.
// Why it is safe: d is fully built before (NW2) publishes it (release half
// of the exchange; NR2's acquire load reads it), and is not freed while the
// hazard of NR2 holds it: (NW4) retires only after (NW2) unlinked it (the
// hazard-pointer contract, detail/reclaim.h).
// Why the result is one state the next hop was in: every data version is
// written while the state is created (writers check it under the lock and
// the state never goes back), so (created, any version) existed. When NR3
// reads deleted it synchronises with (ND1), which the lock orders after the
// last (NW2): NR4 then reads that last version, and (deleted, last version)
// is the next hop's state from the delete on.
// Pointer block: if NR1 reads the count of a (NW3)/(ND2), acquire makes that
// change visible to NR2/NR3; a change after NR1 leaves the block with a
// version behind the current one, so it is refreshed again — never a
// fresh-looking block with old contents.
errc write_next_hop(NextHop* nh, const NextHopInfo& info) {
  NextHopData* next = detail::nothrow_new<NextHopData>();  // (NW1)
  if (next == nullptr) return errc::not_enough_memory;
  next->flags = info.flags;
  next->entity_specific_info = info.entity_specific_info;
  detail::test_hook("next_hop.write", nh);  // inside the writer's section
  NextHopData* old = nh->data.exchange(next, std::memory_order_acq_rel);  // (NW2)
  nh->version.fetch_add(1, std::memory_order_release);                  // (NW3)
  if (old != nullptr) detail::retire(old);                               // (NW4)
  return errc::ok;
}

// An object linked to an owner that is deregistering (issue 12): the
// owner's walk below finds what it owns through the handle table, so an
// add_route or add_next_hop of another thread of the same entity that
// passed its caller check before the deregistration must not publish an
// object the walk then misses. A Dekker pair, made of read-modify-writes
// on `registered` (so it needs no fence, which TSan cannot model):
//   (A1) the creator publishes the handle (HandleTable::allocate: a release
//        store of the slot's handle, after bumping next_unused_), under
//        the destination lock for a route;
//   (A2) it then runs a seq_cst CAS true -> true on `registered`
//        (owner_deregistered); if it finds false, it deletes its object;
//   (D1) deregistration exchanges `registered` to false (seq_cst, in
//        deregister_entity / ~Instance);
//   (D2) deregister_impl then walks the handle table (acquire loads).
// RMWs of one atomic are totally ordered. If A2 precedes D1, A2 succeeded
// (a release RMW) and D1 (an acquire RMW) reads from it or from a later
// RMW of its release sequence: A2 synchronizes-with D1, so A1 happens-
// before the walk, which finds the handle; its delete waits on the
// destination lock (or the next hop's: add_next_hop holds it from before
// A1 until after A2, its map insert in between) until the creator is done. If D1
// precedes A2, A2 reads false and the creator deletes the object. Both
// may happen: each delete checks the state under the lock, the second
// finds it deleted. So no object outlives its owner's deregistration.
bool owner_deregistered(Entity* e) noexcept {
  bool expected = true;
  return !e->registered.compare_exchange_strong(expected, true, std::memory_order_seq_cst);
}

// Deregisters `e` (already out of the registry, `registered` exchanged to
// false: D1). Returns references dropped. The walks are (D2), see
// owner_deregistered.
std::int64_t deregister_impl(Core& core, Entity* e) {
  // Its routes and next hops, found through the handle table.
  core.handles.for_each_handle([&](std::uint64_t h) {
    const HandleKind k = detail::handle_kind(h);
    Guard g;
    if (k == HandleKind::route) {
      if (Route* r = lookup_as<Route>(core, h, g); r != nullptr && r->owner == e)
        delete_route_obj(core, r, nullptr);
    } else if (k == HandleKind::next_hop) {
      if (NextHop* nh = lookup_as<NextHop>(core, h, g); nh != nullptr && nh->owner == e) {
        detail::test_hook("deregister_impl.next_hop", nh);
        delete_next_hop_obj(core, nh);
      }
    }
  });
  // Its change-notification registrations, enumerations and route lists,
  // and its opaque-pointer slot on every destination.
  core.handles.for_each_handle([&](std::uint64_t h) {
    Guard g;
    switch (handle_kind(h)) {
      case HandleKind::notify: {
        auto* r = static_cast<NotifyReg*>(core.handles.lookup(h, HandleKind::notify, g));
        if (r != nullptr && r->owner == e) deregister_notification(r);
        break;
      }
      case HandleKind::enumeration: {
        auto* en = static_cast<EnumObj*>(core.handles.lookup(h, HandleKind::enumeration, g));
        if (en != nullptr && en->owner == e) delete_enum_obj(en);
        break;
      }
      case HandleKind::route_list: {
        auto* l = static_cast<RouteList*>(core.handles.lookup(h, HandleKind::route_list, g));
        if (l != nullptr && l->owner == e) delete_route_list_obj(core, l);
        break;
      }
      case HandleKind::dest: {
        if (e->opaque_slot < 0) break;
        Dest* d = lookup_as<Dest>(core, h, g);
        if (d == nullptr) break;
        if (void** slots = d->opaque.load(std::memory_order_acquire)) {
          // The slot is the leaving entity's: nobody else reads or writes it.
          std::lock_guard lock(d->lock);
          slots[e->opaque_slot] = nullptr;
        }
        break;
      }
      default:
        break;
    }
  });
  // References it still holds, dropped on its behalf: walk 3, (W3) of the
  // Dekker pair at add_ref (a reference counted after it gives itself back).
  std::int64_t dropped = 0;
  core.handles.for_each_handle([&](std::uint64_t h) {
    Guard g;
    Object* o = core.handles.lookup(h, HandleKind::none, g);
    if (o == nullptr) return;
    Hold* rec = o->holds.find(e->handle);
    if (rec == nullptr) return;
    // (W3), see add_ref: seq_cst, the other side of add_ref's (R1)/(R2).
    const std::int64_t n = rec->count.exchange(0, std::memory_order_seq_cst) +
                           rec->changed.exchange(0, std::memory_order_seq_cst);
    if (n <= 0) return;
    dropped += n;
    e->held[detail::kind_index(o->kind)].fetch_sub(n, std::memory_order_relaxed);
    detail::unref_handle(o, static_cast<std::uint64_t>(n));
  });
  return dropped;
}

// ---- event callbacks in flight ----------------------------------------------------
//
// deregister_entity(t) returns only once no callback of t is running
// (except when called from inside an event callback: see there). Each
// call-out counts itself in t->callbacks_in_flight around the call:
//   (C1) callbacks_in_flight.fetch_add(1)        seq_cst
//   (C2) if !registered.load(): undo C1, skip     seq_cst
//   (C3) the callback runs
//   (C4) callbacks_in_flight.fetch_sub(1)        seq_cst
//   (C5) if the count reached 0 and !registered.load() (seq_cst):
//        lock callback_mu, notify callback_cv
// deregister_entity (below):
//   (D1) registered.exchange(false)               seq_cst
//   (D2) under callback_mu, wait on callback_cv until
//        callbacks_in_flight.load() == 0          seq_cst
// Why no callback runs after D2: C1, C2, D1, D2 are seq_cst, so they are
// in one total order S. If C1 precedes D1 in S, D2 (after D1) reads C1's
// increment or a later value and waits for C4. Otherwise D1 precedes C2
// and C2 reads false: the callback does not run. No lost wake-up: if C5
// reads registered == true, C5 precedes D1 in S and so D2's loads, which
// then read C4's decrement; if it reads false, the notify is sent under
// callback_mu, so D2 either checks its predicate after it or is waiting.
// A callback is not called once its deregistration returned, and its
// entity (kept alive by the caller's reference) is still registered while
// it runs, with its routes and references intact: the wait comes before
// the deregistration deletes anything.

namespace {
// Event callbacks running on this thread (any entity, any instance).
thread_local unsigned t_callback_depth = 0;
}  // namespace

bool call_event_callback(Entity* t, EventType type, void* ctx1, void* ctx2) noexcept {
  if (!t->callback) return false;
  t->callbacks_in_flight.fetch_add(1, std::memory_order_seq_cst);   // C1
  const bool run = t->registered.load(std::memory_order_seq_cst);    // C2
  if (run) {
    ++t_callback_depth;
    try {
      t->callback(EntityHandle{t->handle}, type, ctx1, ctx2);  // C3
    } catch (...) {
      // A callback must not throw; the library's state is unaffected.
    }
    --t_callback_depth;
  }
  if (t->callbacks_in_flight.fetch_sub(1, std::memory_order_seq_cst) == 1 &&  // C4
      !t->registered.load(std::memory_order_seq_cst)) {                      // C5
    std::lock_guard lock(t->callback_mu);
    t->callback_cv.notify_all();
  }
  return run;
}

// Calls each entity's callback (outside every lock, no guard held), then
// drops the memory references the caller took to keep them alive.
void notify_entities(std::vector<Entity*>& targets, EventType type, Entity* subject) {
  for (Entity* t : targets) {
    call_event_callback(t, type,
                        reinterpret_cast<void*>(static_cast<std::uintptr_t>(subject->handle)),
                        const_cast<EntityInfo*>(&subject->info));
    unref_memory(t);
  }
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

// Arms r's expiry timer for r->expiry_at (see Route::expiry_at). Under
// r->dest->lock. Out of memory: the route does not expire (absorbed).
void arm_route_expiry(Core& core, Route* r) noexcept {
  // The entry's memory reference. Infallible: r is in its destination (we
  // hold the lock), so its table link keeps the memory unit.
  r->counts.try_add_memory();
  const std::uint32_t seq = r->timer_seq + 1;
  if (!core.timers->arm(r->expiry_at, r, seq, Timers::Kind::route_expiry)) {
    unref_memory(r);  // not the last: the unit is there
    return;
  }
  r->timer_seq = seq;
  r->armed_at = r->expiry_at;
}

namespace {

// A route's expiry entry is due. Everything is decided under the
// destination's lock, which deletes (and so deregistration, which deletes
// the owner's routes before dropping the references it holds) also take:
// either the owner's reference is taken here first, and a deregistration
// drops it, or the route is seen deleted and nothing happens. The
// callback runs after the lock is released, counted in flight (see
// call_event_callback): a deregistration that began before it does not
// run it (the reference is dropped with the owner's others), one that
// begins while it runs waits for it.
void fire_route_expiry(Core& core, Route* r, std::uint32_t seq) noexcept {
  Entity* o = r->owner;  // alive: r holds it
  RouteInfo info;
  {
    std::lock_guard lock(r->dest->lock);  // r->dest: alive, r holds it
    if (seq != r->timer_seq) return;       // superseded by an earlier re-arm
    r->armed_at = 0;
    if (r->state.load(std::memory_order_relaxed) != kRouteStateCreated || r->expiry_at == 0)
      return;  // deleted or cancelled
    if (r->expiry_at > core.timers->now()) {
      arm_route_expiry(core, r);  // refreshed to a later time: wait for it
      return;
    }
    r->expiry_at = 0;  // fired: a refresh arms it again
    if (!o->registered.load(std::memory_order_acquire) || !o->callback) return;
    if (add_ref(o, r) != errc::ok) return;  // out of memory: the event is lost
    peek_route_info(r, &info);
  }
  // A callback must not throw (caught); either way the reference stays the owner's.
  call_event_callback(o, EventType::route_expired,
                      reinterpret_cast<void*>(static_cast<std::uintptr_t>(r->handle)), &info);
}

// Held routes of d whose time is up leave; d leaves the table if nothing
// else keeps it.
void fire_hold_expiry(Core& core, Dest* d) noexcept {
  ChangeSummary change;
  bool removed = false;
  {
    std::lock_guard lock(d->lock);
    if (d->gone.load(std::memory_order_relaxed)) return;
    const HoldSet* h = d->holds.load(std::memory_order_relaxed);
    if (h == nullptr) return;
    const std::uint64_t now = core.timers->now();
    ViewSet expired = 0;
    for (std::uint32_t i = 0; i < h->size; ++i)
      if (h->entries[i].deadline <= now) expired |= 1u << h->entries[i].view;
    if (expired == 0) return;
    HoldSet* next = copy_holds(h, expired);
    if (next == nullptr) {
      // Out of memory: try again in a second (the timer owns a new reference).
      // Infallible: d is in the map (not gone, under its lock).
      d->counts.try_add_memory();
      if (!core.timers->arm(now + 1000, d, 0, Timers::Kind::hold_expiry)) unref_memory(d);
      return;
    }
    publish_holds(d, next);
    change.all = expired;
    if (!has_live_route(d->routes.load(std::memory_order_relaxed)) && next->size == 0) {
      remove_empty_dest(d);
      removed = true;
    }
  }
  publish_change(core, d, change);
  if (removed) unref_handle(d);
}

}  // namespace

void fire_timer(Core& core, const Timers::Entry& e) noexcept {
  if (e.kind == Timers::Kind::route_expiry)
    fire_route_expiry(core, static_cast<Route*>(e.obj), e.epoch);
  else
    fire_hold_expiry(core, static_cast<Dest*>(e.obj));
}

// Teardown: drops every hold (breaking the held route -> destination ->
// hold set cycle) and takes destinations kept only by holds out of the map.
void drop_all_holds(Core& core) noexcept {
  core.handles.for_each_handle([&](std::uint64_t h) {
    if (handle_kind(h) != HandleKind::dest) return;
    Guard g;
    Dest* d = lookup_as<Dest>(core, h, g);
    if (d == nullptr) return;
    bool removed = false;
    {
      std::lock_guard lock(d->lock);
      if (d->holds.load(std::memory_order_relaxed) != nullptr) publish_holds(d, nullptr);
      if (!d->gone.load(std::memory_order_relaxed) &&
          !has_live_route(d->routes.load(std::memory_order_relaxed))) {
        remove_empty_dest(d);
        removed = true;
      }
    }
    if (removed) unref_handle(d);
  });
}

}  // namespace detail

// ---- instance ------------------------------------------------------------------

Instance::Instance(const InstanceOptions& options) {
  if (options.views_supported == 0) throw std::invalid_argument("rtm: no views supported");
  ThreadScope scope;
  const detail::TagLease lease = detail::take_tag();
  try {
    core_ = new Core(options, lease.tag, lease.base);
  } catch (...) {
    detail::give_tag(lease.tag, lease.base);
    throw;
  }
}

Instance::~Instance() {
  ThreadScope scope;
  // No timer fires from here on (a firing in progress is waited for), and
  // deletes below hold nothing down.
  core_->stopping.store(true, std::memory_order_relaxed);
  core_->timers->stop();
  std::vector<Entity*> all;
  {
    std::lock_guard lock(core_->registry_mu);
    core_->tearing_down = true;
    all.swap(core_->entities);
  }
  for (Entity* e : all) {
    e->registered.exchange(false, std::memory_order_seq_cst);  // (D1), see owner_deregistered
    {
      std::lock_guard mlock(e->method_mu);
      e->method_cv.notify_all();
    }
    deregister_impl(*core_, e);
    unref_handle(e);  // the registration
  }
  detail::drop_all_holds(*core_);
  detail::reclaim_all_now();
  core_->destroy_tables();
  detail::reclaim_all_now();
  // The table issues nothing more (every entity is gone, timers stopped).
  detail::give_tag(core_->handles.instance_tag(), core_->handles.end_index());
  core_->unref();
}

std::uint16_t Instance::instance_id() const noexcept { return core_->options.instance_id; }

std::uint8_t Instance::handle_tag() const noexcept { return core_->handles.instance_tag(); }

std::size_t Instance::dest_count(Family family) const {
  Table* t = core_->table_or_null(family);
  return t == nullptr ? 0 : static_cast<std::size_t>(t->dests.load(std::memory_order_relaxed));
}

// ---- entities -------------------------------------------------------------------

errc Instance::register_entity(const EntityInfo& info, const EntityConfig& config,
                               EntityHandle* out, RegnProfile* profile) {
  ThreadScope scope;
  if (out == nullptr) return errc::invalid_parameter;
  if (info.rtm_instance_id != core_->options.instance_id) return errc::invalid_parameter;
  if (family_bits(info.family) == 0) return errc::invalid_parameter;
  if (config.max_next_hops_in_route > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  RegnProfile p;
  p.max_next_hops_in_route = config.max_next_hops_in_route ? config.max_next_hops_in_route : 8;
  p.max_handles_in_enum = config.max_handles_in_enum ? config.max_handles_in_enum : 100;
  p.views_supported = core_->options.views_supported;
  p.number_of_views = static_cast<std::uint32_t>(std::popcount(p.views_supported));

  if (config.methods.size() > kMaxEntityMethods) return errc::invalid_parameter;
  std::vector<EntityMethod> methods;
  try {
    detail::fault_throw();
    methods = config.methods;
  } catch (...) {
    return errc::not_enough_memory;
  }
  // The opaque-pointer slot is taken first and given back on every failure.
  int slot = -1;
  if (config.reserve_opaque_pointer) {
    std::lock_guard lock(core_->registry_mu);
    // A duplicate is reported as such, even with every slot taken (the
    // check is repeated below, where it counts).
    for (Entity* x : core_->entities)
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id)
        return errc::already_exists;
    const std::uint32_t free_slots = ~core_->opaque_slots & ((1u << kMaxOpaquePointers) - 1);
    if (free_slots == 0) return errc::no_system_resources;
    slot = std::countr_zero(free_slots);
    core_->opaque_slots |= 1u << slot;
  }
  auto give_slot = [&] {
    if (slot < 0) return;
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << slot);
  };
  Entity* e = detail::nothrow_new<Entity>(core_, info, p, config.callback, std::move(methods),
                                        slot);
  if (e == nullptr) {
    give_slot();
    return errc::not_enough_memory;
  }
  std::vector<Entity*> others;
  {
    std::unique_lock lock(core_->registry_mu);
    for (Entity* x : core_->entities) {
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id) {
        unref_handle(e);  // unpublished: revoked and retired here
        lock.unlock();
        give_slot();
        return errc::already_exists;
      }
    }
    core_->handles.allocate(HandleKind::entity, e);  // sets e->handle
    if (e->handle == 0) {
      unref_handle(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
    try {
      detail::fault_throw();
      core_->entities.push_back(e);
      // Memory references for the callbacks (a registered entity is never
      // dead: its registration holds the unit; the check is for form).
      for (Entity* x : core_->entities)
        if (x != e && x->counts.try_add_memory())
          others.push_back(x);
    } catch (...) {
      std::erase(core_->entities, e);
      for (Entity* x : others) unref_memory(x);
      unref_handle(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
  }
  out->value = e->handle;
  if (profile) *profile = p;
  notify_entities(others, EventType::entity_registered, e);
  return errc::ok;
}

errc Instance::deregister_entity(EntityHandle caller, std::int64_t* still_held) {
  ThreadScope scope;
  Entity* e = nullptr;
  std::vector<Entity*> others;
  bool notify = false;
  {
    Guard g;  // until e is ours (below); no hazard pointer is held across callbacks
    if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
    std::lock_guard lock(core_->registry_mu);
    auto it = std::find(core_->entities.begin(), core_->entities.end(), e);
    if (it == core_->entities.end()) return errc::invalid_handle;  // a racing deregistration
    core_->entities.erase(it);
    e->registered.exchange(false, std::memory_order_seq_cst);  // D1 (call_event_callback), (D1) of owner_deregistered
    notify = !core_->tearing_down;
    try {
      for (Entity* x : core_->entities)  // memory references for the callbacks
        if (x->counts.try_add_memory()) others.push_back(x);
    } catch (...) {
      for (Entity* x : others) unref_memory(x);
      others.clear();
    }
  }
  // From here e is kept alive by its registration reference, which only
  // this call drops.
  {
    // Invocations waiting for a resume give up (invalid_handle).
    std::lock_guard mlock(e->method_mu);
    e->method_cv.notify_all();
  }
  // D2: wait for e's callbacks in flight. Not from inside an event
  // callback (this thread's, of e or of any entity): it could be one of
  // those waited for, or be waited for by a deregistration running inside
  // one of them on another thread. Then callbacks of e running on other
  // threads may still be running, or about to call out (those past C2
  // before D1), when this returns.
  if (detail::t_callback_depth == 0 && e->callbacks_in_flight.load(std::memory_order_seq_cst) != 0) {
    detail::test_hook("deregister_entity.wait_callbacks", e);
    std::unique_lock clock(e->callback_mu);
    e->callback_cv.wait(clock, [&] {
      return e->callbacks_in_flight.load(std::memory_order_seq_cst) == 0;
    });
  }
  const std::int64_t dropped = deregister_impl(*core_, e);
  if (e->opaque_slot >= 0) {  // cleared on every destination by deregister_impl
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << e->opaque_slot);
  }
  if (notify)
    notify_entities(others, EventType::entity_deregistered, e);
  else
    for (Entity* x : others) unref_memory(x);
  unref_handle(e);  // the registration
  if (still_held) *still_held = dropped;
  return errc::ok;
}

errc Instance::get_registered_entities(EntityHandle caller, std::uint32_t* count,
                                       EntityHandle* handles, EntityInfo* infos) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (count == nullptr || (handles == nullptr && *count > 0)) return errc::invalid_parameter;
  std::lock_guard lock(core_->registry_mu);
  std::uint32_t n = 0;
  for (Entity* x : core_->entities)
    if (x->info.family == e->info.family) ++n;
  if (*count < n) {
    *count = n;
    return errc::insufficient_buffer;
  }
  std::uint32_t i = 0;
  for (Entity* x : core_->entities) {
    if (x->info.family != e->info.family) continue;
    if (errc r = add_ref(e, x); r != errc::ok) {
      // Item by item: a unit a concurrent (double) release took is not ours to drop.
      for (std::uint32_t j = 0; j < i; ++j)
        if (take_hold(*core_, e, handles[j].value, HandleKind::entity) == errc::ok)
          drop_count(*core_, e, handles[j].value);
      return r;
    }
    handles[i].value = x->handle;
    if (infos) infos[i] = x->info;
    ++i;
  }
  *count = i;
  return errc::ok;
}

errc Instance::release_entities(EntityHandle caller, std::span<const EntityHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::entity);
}

errc Instance::get_entity_info(EntityHandle caller, EntityHandle entity, EntityInfo* info) {
  ThreadScope scope;
  Guard g, g2;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info == nullptr) return errc::invalid_parameter;
  Entity* x = lookup_as<Entity>(*core_, entity.value, g2);
  if (x == nullptr) return errc::invalid_handle;
  *info = x->info;
  return errc::ok;
}

errc Instance::get_profile(EntityHandle caller, RegnProfile* profile) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (profile == nullptr) return errc::invalid_parameter;
  *profile = e->profile;
  return errc::ok;
}

errc Instance::outstanding(EntityHandle caller, Outstanding* out) const {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  out->entities = e->held[detail::kind_index(HandleKind::entity)].load(std::memory_order_relaxed);
  out->dests = e->held[detail::kind_index(HandleKind::dest)].load(std::memory_order_relaxed);
  out->routes = e->held[detail::kind_index(HandleKind::route)].load(std::memory_order_relaxed);
  out->next_hops =
      e->held[detail::kind_index(HandleKind::next_hop)].load(std::memory_order_relaxed);
  return errc::ok;
}

// ---- next hops ----------------------------------------------------------------

errc Instance::add_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle,
                            NextHopChangeFlags* changed) {
  ThreadScope scope;
  Guard g, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (!valid_address_for(e, info.address)) return errc::invalid_parameter;
  if (changed) *changed = 0;
  if (handle != nullptr && handle->value != 0) {  // update by handle
    NextHop* nh = lookup_as<NextHop>(*core_, handle->value, gn);
    if (nh == nullptr) return errc::invalid_handle;
    if (nh->owner != e) return errc::access_denied;
    std::lock_guard lock(nh->lock);
    if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted)
      return errc::invalid_handle;
    return write_next_hop(nh, info);
  }
  const detail::NextHopKey key = next_hop_key(e, info.address, info.interface_index);
  for (;;) {
    if (NextHop* nh = core_->next_hops->find(key, gn)) {
      {
        std::lock_guard lock(nh->lock);
        if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) {
          gn.clear();
          std::this_thread::yield();
          continue;
        }
        // The caller's reference, taken while the state is created: the map
        // link keeps the handle side, so a delete by key (which waits for the
        // lock, and so linearizes after this add) cannot make it fail; only
        // memory or the owner's deregistration can.
        if (handle != nullptr) {
          if (errc err = add_ref(e, nh); err != errc::ok) return err;
        }
        if (errc err = write_next_hop(nh, info); err != errc::ok) {
          if (handle != nullptr) detail::give_back_ref(e, nh);
          return err;
        }
      }
      detail::test_hook("add_next_hop.found", nh);
      if (handle != nullptr) handle->value = nh->handle;
      return errc::ok;
    }
    // The next hop's link on its owner. Fails once e is revoked: another
    // thread of e completed its deregistration and nothing names e.
    if (!detail::link_child(e)) return errc::invalid_handle;
    NextHop* nh = detail::nothrow_new<NextHop>(core_, e, info.address, info.interface_index);
    if (nh == nullptr) {
      detail::unlink_child(e);
      return errc::not_enough_memory;
    }
    gn.assign(nh);  // ours until published; protected before anyone can drop it
    // Everything that can fail but publishing is done first (unpublished:
    // nothing else can reach nh). The caller's reference too, as add_route
    // does: add_ref's try_add_handle cannot fail (the map link).
    errc err = write_next_hop(nh, info);
    if (err == errc::ok && handle != nullptr) err = add_ref(e, nh);
    if (err != errc::ok) {
      unref_handle(nh);  // unpublished: its revoke and destroy drop the owner links
      return err;
    }
    // nh->lock from before the handle is published (A1) until after the map
    // insert and its re-check (A2): a deregistration walk that finds the
    // handle meanwhile waits in delete_next_hop_obj, then finds nh either
    // in the map (and removes it) or deleted (see owner_deregistered).
    std::unique_lock lock(nh->lock);
    const std::uint64_t h = core_->handles.allocate(HandleKind::next_hop, nh);  // (A1)
    detail::test_hook("add_next_hop.published", nh);
    bool inserted = false;
    bool oom = h == 0;
    if (!oom) {
      try {
        inserted = core_->next_hops->insert(key, nh);
      } catch (...) {
        oom = true;
      }
    }
    if (!inserted) {
      // Deleted before the lock goes, so a walk waiting for it does not
      // drop the map link a second time.
      nh->state.store(kNextHopStateDeleted, std::memory_order_release);
      lock.unlock();
      if (handle != nullptr) detail::give_back_ref(e, nh);  // unless the walk took it
      unref_handle(nh);  // its map link: revoked (frees the handle), then retired
      if (oom) return errc::not_enough_memory;
      continue;  // another thread of this entity created it first
    }
    // (A2) for next hops: if e deregistered meanwhile and its walk missed
    // the handle, undo (see owner_deregistered).
    if (detail::owner_deregistered(e)) {
      delete_next_hop_locked(*core_, nh);
      lock.unlock();
      if (handle != nullptr) detail::give_back_ref(e, nh);  // unless the walk took it
      return errc::invalid_handle;
    }
    lock.unlock();
    if (changed) *changed = kNextHopChangeNew;
    if (handle != nullptr) handle->value = h;
    return errc::ok;
  }
}

errc Instance::find_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle) {
  ThreadScope scope;
  Guard g, go, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handle == nullptr || !valid_address_for(e, info.address)) return errc::invalid_parameter;
  Entity* owner = e;
  if (info.owner) {
    owner = lookup_as<Entity>(*core_, info.owner.value, go);
    if (owner == nullptr) return errc::invalid_handle;
  }
  NextHop* nh = core_->next_hops->find(next_hop_key(owner, info.address, info.interface_index), gn);
  if (nh == nullptr) return errc::not_found;
  if (errc r = add_ref(e, nh); r != errc::ok) return r == errc::not_found ? errc::not_found : r;
  handle->value = nh->handle;
  return errc::ok;
}

errc Instance::delete_next_hop(EntityHandle caller, NextHopHandle handle, const NextHopInfo* key) {
  ThreadScope scope;
  Guard g, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  NextHop* nh = nullptr;
  if (handle) {
    nh = lookup_as<NextHop>(*core_, handle.value, gn);
    if (nh == nullptr) return errc::invalid_handle;
  } else {
    if (key == nullptr || !valid_address_for(e, key->address)) return errc::invalid_parameter;
    nh = core_->next_hops->find(next_hop_key(e, key->address, key->interface_index), gn);
    if (nh == nullptr) return errc::not_found;
  }
  if (nh->owner != e) return errc::access_denied;
  return delete_next_hop_obj(*core_, nh);
}

errc Instance::get_next_hop_info(EntityHandle caller, NextHopHandle handle, NextHopInfo* info) {
  ThreadScope scope;
  Guard g, gn, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info == nullptr) return errc::invalid_parameter;
  NextHop* nh = lookup_as<NextHop>(*core_, handle.value, gn);
  if (nh == nullptr) return errc::invalid_handle;
  NextHopInfo out;
  detail::peek_next_hop_info(nh, &out);
  RefBatch batch(*core_, e);
  errc err = errc::ok;
  // nh holds a handle link on its owner until nh is revoked (its last
  // reference went after the lookup: then the handle is gone).
  out.owner.value = batch.add(nh->owner, &err);
  if (err == errc::not_found) return errc::invalid_handle;
  if (err != errc::ok) return err;
  if (nh->interface_index == 0) {
    Table& t = core_->table(nh->address.family());
    if (Dest* d = longest_match(*core_, t, nh->address, static_cast<int>(nh->address.length()),
                                kViewMaskAll, gd)) {
      out.remote_next_hop.value = batch.add(d, &err);
      if (err == errc::not_found) err = errc::ok;  // died meanwhile: no remote dest
      if (err != errc::ok) return err;
    }
  }
  out.address = nh->address;
  batch.commit();
  *info = out;
  return errc::ok;
}

errc Instance::release_next_hop_info(EntityHandle caller, const NextHopInfo& info) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  const std::uint64_t hs[2] = {info.owner.value, info.remote_next_hop.value};
  return release_handles(*core_, e, hs, 2, HandleKind::none);
}

errc Instance::release_next_hops(EntityHandle caller, std::span<const NextHopHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::next_hop);
}

// ---- routes -------------------------------------------------------------------

errc Instance::add_route(EntityHandle caller, RouteHandle* handle, const NetAddress& dest,
                         const RouteInfo& info, std::uint32_t time_to_live,
                         RouteChangeFlags* change_flags, RouteListHandle list) {
  ThreadScope scope;
  Guard g, gr, gd, gn, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  detail::test_hook("add_route.caller_resolved", e);
  RouteList* into = nullptr;
  if (list) {
    if (errc r = detail::resolve_list(*core_, e, list, gl, &into); r != errc::ok) return r;
  }

  if (change_flags == nullptr) return errc::invalid_parameter;
  if (!valid_address_for(e, dest)) return errc::invalid_parameter;
  if (info.views == 0 || (info.views & ~e->profile.views_supported) != 0)
    return errc::invalid_parameter;
  if (info.next_hops.count > e->profile.max_next_hops_in_route) return errc::invalid_parameter;
  const bool force_new = (*change_flags & kRouteChangeNew) != 0;

  // The route to update, when given by handle.
  Route* target = nullptr;
  if (handle != nullptr && handle->value != 0) {
    target = lookup_as<Route>(*core_, handle->value, gr);
    if (target == nullptr) return errc::invalid_handle;
    if (target->owner != e) return errc::access_denied;
    if (!(target->dest->address == dest)) return errc::invalid_parameter;
  }
  NextHop* neighbour = nullptr;
  if (info.neighbour) {
    neighbour = lookup_as<NextHop>(*core_, info.neighbour.value, gn);
    if (neighbour == nullptr) return errc::invalid_handle;
  }
  detail::test_hook("add_route.neighbour_found", neighbour);

  // Room in the list is reserved before anything is published, so moving
  // the route in afterwards cannot fail; every early return gives it back.
  struct ListReservation {
    Core* core;
    RouteList* list = nullptr;
    ~ListReservation() {
      if (list == nullptr) return;
      std::lock_guard l(core->list_mu);
      --list->reserved;
    }
  } reservation{core_};
  if (into != nullptr) {
    if (errc r = detail::reserve_route_list_slot(*core_, into); r != errc::ok) return r;
    reservation.list = into;
  }

  // The new attribute version: a memory reference on each next hop for the
  // version, and the handle link the route will hold on the hops of its
  // current version (moved to it below, or given back by discard_data).
  RouteData* data = RouteData::create(info.next_hops.count);
  if (data == nullptr) return errc::not_enough_memory;
  data->pref = info.pref;
  data->views = info.views;
  data->flags1 = info.flags1;
  data->flags = info.flags;
  data->entity_specific_info = info.entity_specific_info;
  auto discard_data = [](RouteData* rd) {
    detail::unlink_hops(rd);
    rd->destroy();
  };
  for (std::uint16_t i = 0; i < info.next_hops.count; ++i) {
    Guard gh;
    NextHop* nh = lookup_as<NextHop>(*core_, info.next_hops.hops[i].value, gh);
    // link_child fails once the next hop is revoked (its last reference
    // went after the lookup): the handle was no longer valid.
    if (nh == nullptr || nh->owner != e || !detail::link_child(nh)) {
      data->hop_count = i;  // only the references taken so far
      discard_data(data);
      return nh == nullptr ? errc::invalid_handle : nh->owner != e ? errc::access_denied
                                                                   : errc::invalid_handle;
    }
    data->hops[i] = nh;
  }

  Table& t = core_->table(dest.family());
  Dest* d = target ? target->dest : lock_dest_for_update(*core_, t, dest, gd);
  if (d == nullptr) {
    discard_data(data);
    return errc::not_enough_memory;
  }
  if (target) d->lock.lock();
  std::unique_lock lock(d->lock, std::adopt_lock);

  RouteSet* s = d->routes.load(std::memory_order_relaxed);
  Route* route = target;
  if (route != nullptr && route->state.load(std::memory_order_relaxed) != kRouteStateCreated) {
    discard_data(data);
    return errc::invalid_handle;  // deleted meanwhile
  }
  if (route == nullptr && !force_new) {
    const std::uint64_t nb = neighbour ? neighbour->handle : 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_relaxed)) continue;
      if (r->owner == e && (r->neighbour ? r->neighbour->handle : 0) == nb) {
        route = r;
        break;
      }
    }
  }
  // The caller's reference on the route is taken before anything is
  // published, so that running out of memory for it changes nothing.
  const bool want_ref = handle != nullptr && handle->value == 0;
  detail::BestState before, after;
  best_state(s, &before);
  RouteChangeFlags out = 0;
  ViewSet touched = data->views;
  bool owner_gone = false;
  if (route != nullptr) {
    if (want_ref) {
      // Cannot fail but for memory: the route is in d (its table link).
      if (errc r = add_ref(e, route); r != errc::ok) {
        discard_data(data);
        return r;
      }
    }
    // release: the new version is fully built before a reader's protect()
    // (acquire) can see it.
    RouteData* old = route->data.exchange(data, std::memory_order_acq_rel);
    touched |= old->views;
    detail::unlink_hops(old);  // the route's links move to the new version's hops
    detail::retire(old);
    d->last_changed.store(filetime_now(), std::memory_order_relaxed);
    gr.assign(route);  // alive: the current set holds it (we are under the lock)
  } else {
    // Everything that can fail is done before the route's handle is
    // published (last), and the route is built with the links publishing
    // needs (its table link, the new set's memory reference), so no other
    // entity's reference_handles / dereference_handles on the new handle
    // can bring it to zero.
    RouteSet* next = RouteSet::create(s->size + 1);
    auto fail = [&](errc why) {
      discard_data(data);
      if (next != nullptr) {
        next->size = 0;
        next->destroy();
      }
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return why;
    };
    if (next == nullptr) return fail(errc::not_enough_memory);
    // The route's links on what it names. d: infallible, d is locked and
    // not gone, so in the map (its map link keeps the handle side). The
    // owner: fails once e is revoked (another thread of e completed its
    // deregistration and nothing names e). The neighbour: found under a
    // hazard pointer only; fails once revoked (its last reference went).
    detail::link_child(d);
    if (!detail::link_child(e)) {
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    if (neighbour != nullptr && !detail::link_child(neighbour)) {
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    route = detail::nothrow_new<Route>(core_, d, e, neighbour, data);
    if (route == nullptr) {
      detail::unlink_child(neighbour);
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::not_enough_memory);
    }
    gr.assign(route);  // ours until published
    // Unpublished: add_ref's try_add_handle cannot fail (the table link).
    const errc ref = want_ref ? add_ref(e, route) : errc::ok;
    if (ref == errc::ok) core_->handles.allocate(HandleKind::route, route);  // sets ->handle
    if (ref != errc::ok || route->handle == 0) {
      if (ref == errc::ok && want_ref) {  // give the unpublished reference back
        route->holds.find(e->handle)->count.fetch_sub(1, std::memory_order_relaxed);
        e->held[detail::kind_index(HandleKind::route)].fetch_sub(1, std::memory_order_relaxed);
        unref_handle(route);
      }
      route->state.store(kRouteStateDeleted, std::memory_order_relaxed);
      unref_handle(route);  // the table link: revoked; drops the links on d, e, neighbour, hops
      unref_memory(route);  // the set it never entered: retired; drops data
      next->size = 0;
      next->destroy();
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return ref != errc::ok ? ref : errc::not_enough_memory;
    }
    detail::test_hook("add_route.published", route);
    std::uint32_t j = 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      // Deleted entries left by an out-of-memory delete are dropped here.
      if (s->routes[i]->zombie.load(std::memory_order_relaxed)) continue;
      // The new set's memory reference; infallible: the current set holds one.
      s->routes[i]->counts.try_add_memory();
      next->routes[j++] = s->routes[i];
    }
    next->routes[j++] = route;  // with the memory reference it was built with
    next->size = j;
    out |= kRouteChangeNew;
    if (!has_live_route(s)) out |= kRouteChangeFirst;
    publish_routes(d, next);
    s = next;
    owner_gone = detail::owner_deregistered(e);  // (A2), see owner_deregistered
  }
  best_state(d->routes.load(std::memory_order_relaxed), &after);
  const ChangeSummary change = summarize(before, after, touched, route, &out);
  route->version.fetch_add(1, std::memory_order_release);
  // Expiry (see Route::expiry_at): each add restarts or, with kInfinite,
  // cancels it. A new entry is armed only when none is pending or the new
  // time is earlier than the pending one.
  if (time_to_live == kInfinite || owner_gone) {
    route->expiry_at = 0;
  } else {
    route->expiry_at = core_->timers->now() + time_to_live;
    if (route->expiry_at == 0) route->expiry_at = 1;  // 0 means never
    if (route->armed_at == 0 || route->expiry_at < route->armed_at)
      detail::arm_route_expiry(*core_, route);
  }
  lock.unlock();
  if (into != nullptr && !owner_gone) {
    detail::move_to_route_list(*core_, into, route);  // consumes the reservation
    reservation.list = nullptr;
  }
  // d is protected (gd, or gr through the route that holds it). If a
  // concurrent delete already took it out and revoked it, publish_change
  // skips it: that deleter published the later change itself.
  publish_change(*core_, d, change);
  if (owner_gone) {
    // The owner deregistered while the route was being linked, and its
    // walk may have missed the route: undo it (deleted, and the caller's
    // reference given back unless the walk already dropped it). Readers
    // may have seen it meanwhile, as a route added and deleted.
    delete_route_obj(*core_, route, nullptr);
    if (want_ref) {
      const std::uint64_t h = route->handle;
      release_handles(*core_, e, &h, 1, HandleKind::route);
    }
    return errc::invalid_handle;
  }
  *change_flags = out;
  if (want_ref) handle->value = route->handle;  // referenced above
  return errc::ok;
}

errc Instance::delete_route(EntityHandle caller, RouteHandle handle,
                            RouteChangeFlags* change_flags) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  return delete_route_obj(*core_, r, change_flags);
}

namespace {

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
    RouteInfo out;
    detail::route_info_of(r, d, &out);
    batch.commit();
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

}  // namespace

errc Instance::get_route_info(EntityHandle caller, RouteHandle handle, RouteInfo* info,
                              NetAddress* dest_address) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info == nullptr && dest_address == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (info != nullptr) {
    errc err = fill_route_info(*core_, e, r, info);
    if (err == errc::not_found) return errc::invalid_handle;  // its last reference went meanwhile
    if (err != errc::ok) return err;
  }
  if (dest_address != nullptr) *dest_address = r->dest->address;
  return errc::ok;
}

errc Instance::release_route_info(EntityHandle caller, const RouteInfo& info) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info.next_hops.count > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  std::uint64_t hs[3 + kMaxNextHopsPerRoute];
  std::size_t n = 0;
  collect_route_info_handles(info, hs, &n);
  return release_handles(*core_, e, hs, n, HandleKind::none);
}

errc Instance::release_routes(EntityHandle caller, std::span<const RouteHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::route);
}

errc Instance::is_best_route(EntityHandle caller, RouteHandle handle, ViewSet* best_in_views) {
  ThreadScope scope;
  Guard g, gr, gs;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (best_in_views == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  detail::BestState best;
  best_state(gs.protect(r->dest->routes), &best);
  ViewSet out = 0;
  for (int v = 0; v < kMaxViews; ++v)
    if (detail::best_route_in(best, v) == r && (e->profile.views_supported & (1u << v)))
      out |= 1u << v;
  *best_in_views = out;
  return errc::ok;
}

// ---- destinations ----------------------------------------------------------------

errc Instance::get_dest_info(EntityHandle caller, DestHandle dest, std::uint32_t protocol,
                             ViewSet views, DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (infos.empty()) return errc::ok;  // a release of 0 items succeeds
  std::vector<std::uint64_t> hs;
  try {
    detail::fault_throw();
    hs.resize(infos.size() * (1 + 3 * kMaxViews));
  } catch (...) {
    return errc::not_enough_memory;
  }
  std::size_t n = 0;
  for (const DestInfo& i : infos) {
    // Infos from get_changed_dests go back only through release_changed_dests.
    if (i.number_of_views > kMaxViews || i.changed_by || detail::is_changed_info(i))
      return errc::invalid_parameter;
    collect_dest_info_handles(i, hs.data(), &n);
  }
  return release_handles(*core_, e, hs.data(), n, HandleKind::none);
}

errc Instance::get_exact_match_destination(EntityHandle caller, const NetAddress& address,
                                           std::uint32_t protocol, ViewSet views,
                                           DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  Dest* d = t.map.find(detail::dest_key(address), gd);
  if (d == nullptr || !detail::has_route_or_hold_in(d, tv)) return errc::not_found;
  return fill_dest_info(*core_, e, d, protocol, tv, info);
}

errc Instance::get_most_specific_destination(EntityHandle caller, const NetAddress& address,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  for (int attempt = 0; attempt < 8; ++attempt) {
    Dest* d = longest_match(*core_, t, address, static_cast<int>(address.length()), tv, gd);
    if (d == nullptr) return errc::not_found;
    errc r = fill_dest_info(*core_, e, d, protocol, tv, info);
    if (r != errc::not_found) return r;  // not_found: it died under us; search again
  }
  return errc::not_found;
}

errc Instance::get_less_specific_destination(EntityHandle caller, DestHandle dest,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  ThreadScope scope;
  Guard g, gd, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (d->address.family() != e->info.family) return errc::invalid_parameter;
  const NetAddress a = d->address;
  Table& t = core_->table(a.family());
  for (int attempt = 0; attempt < 8; ++attempt) {
    Dest* l = longest_match(*core_, t, a, static_cast<int>(a.length()) - 1, tv, gl);
    if (l == nullptr) return errc::not_found;
    errc r = fill_dest_info(*core_, e, l, protocol, tv, info);
    if (r != errc::not_found) return r;
  }
  return errc::not_found;
}

errc Instance::get_exact_match_route(EntityHandle caller, const NetAddress& address,
                                     MatchFlags flags, RouteInfo* criteria,
                                     std::uint32_t interface_index, ViewSet views,
                                     RouteHandle* route, bool fill_info) {
  ThreadScope scope;
  Guard g, gd, gs, gx, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
    gr.assign(best);  // alive: s holds it, and gs still protects s
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

// ---- reference counting --------------------------------------------------------------

errc Instance::reference_handles(EntityHandle caller, std::span<const AnyHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::invalid_parameter;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    Guard go;
    // Only the reference-counted kinds: notification registrations,
    // enumerations and route lists are created and deleted, never
    // referenced (a reference would keep a deleted one usable).
    const HandleKind k = handle_kind(handles[i]);
    const bool counted = k == HandleKind::entity || k == HandleKind::dest ||
                         k == HandleKind::route || k == HandleKind::next_hop;
    Object* o = counted ? core_->handles.lookup(handles[i], HandleKind::none, go) : nullptr;
    detail::test_hook("reference_handles.found", o);
    errc r = o == nullptr ? errc::invalid_handle : add_ref(e, o);
    if (r == errc::not_found) r = errc::invalid_handle;
    if (r != errc::ok) {
      release_taken(*core_, e, handles.data(), i);
      return r;
    }
  }
  return errc::ok;
}

errc Instance::dereference_handles(EntityHandle caller, std::span<const AnyHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  for (AnyHandle h : handles)
    if (h == 0) return errc::invalid_handle;
  return release_handles(*core_, e, handles.data(), handles.size(), HandleKind::none);
}

// ---- process-wide ---------------------------------------------------------------------

ObjectCounters object_counters() noexcept {
  ObjectCounters c;
  for (int i = 0; i < 8; ++i) {
    c.allocated[i] = detail::g_allocated[i].load(std::memory_order_relaxed);
    c.freed[i] = detail::g_freed[i].load(std::memory_order_relaxed);
  }
  return c;
}

void reclaim_all() { detail::reclaim_all_now(); }

}  // namespace rtm
