// core/ledger_refs.cpp — references counted in per-thread ledgers: a Get's
// side (ledger_add, RefBatch), the fold of an object leaving its table and
// a deregistration's sweep (the protocol and its memory-ordering argument
// below); the ledgers themselves are detail/ledger.h, releases core/refs.cpp.
#include <cstdio>
#include <cstdlib>

#include "core/refs.h"
#include "detail/ledger.h"
#include "detail/test_hook.h"

namespace rtm::detail {

// ---- Ledgers -------------------------------------------------------------------
//
// A client reference on a linked object (a destination in its map, a route
// in its destination, a next hop in its map, a registered entity:
// uses_ledgers) is counted in the ledger of the thread that took it
// (detail/ledger.h), not on the object: a Get and a Release of a live
// object write only that thread's ledger. The invariant, for each entity e
// and handle h of an object o:
//
//   references(e, h) = sum over ledgers L of L[h, e] + o's hold record of e
//
// (the hold record's units each stand for one handle-side count of o, as
// before ledgers). While o is kLinked its handle side holds its primary
// link (map membership, table link, registration), which only
// unlink_primary drops, after fold_ledgers has moved every ledger entry of
// h into o's counts and hold records and set kCounted: from kFolding on,
// references are counted on the object (add_ref's counted path), so o
// reaches zero only once no ledger counts it. Every step is one of these
// pairs:
//
//   Get (ledger_add, RefBatch::commit)     fold_ledgers(o)
//   (L1) set my ledger's bit b in          (F1) o->ref_mode = kFolding, seq_cst
//        o->ledger_mask (seq_cst RMW),     (F2) m = o->ledger_mask, seq_cst
//        or a seq_cst load sees it set     (F3) load the registry head, seq_cst
//   (L2) lock my ledger L                  (F4) per ledger with its bit in m:
//   (L3) load o->ref_mode, seq_cst              lock, move o's entries, zero
//   (L5) count ++ if kLinked; unlock            them, unlock
//                                          (F5) o->ref_mode = kCounted
//
// - F2 does not see b: then F2 precedes the RMW that set b in the total
//   order S of seq_cst operations (a seq_cst load reads the last store
//   before it in S; a Get whose load saw b set follows that RMW in S), so
//   F1 < F2 < L1 < L3 in S and L3 reads kFolding or later: L holds no
//   reference on o and gets none.
// - F2 sees b, and L is in the list F3 read: F4 visits L. The two
//   critical sections on L are ordered by its lock: if the Get's is first,
//   F4 (acquire) sees its entry and moves it; if F4's is first, F1
//   happens-before L3, which reads kFolding or later.
// - F2 sees b, but L was pushed after F3 read the head (possible for the
//   ledgers from index 63 on, which share bit 63): (L4) the push is a
//   seq_cst RMW of the head (detail/ledger.cpp), so F1 < F3 < L4 in S, and
//   L4 happens-before L3 — sequenced before it for the thread that pushed
//   L, and through unbind_ledger's release store and the adopter's acquire
//   CAS for a later owner — so L3 reads kFolding or later: L gets no
//   reference on o.
// A Get that reads anything but kLinked takes the counted path (o is then
// still protected by the caller's hazard pointer, and its try_add_handle
// fails once o is revoked).
// - The move (F4) adds n handle-side counts to o — infallible: the primary
//   link is still held — then n to the holder's hold record (the entry's
//   spare, pushed on o if the holder has none there: a fold never
//   allocates, and a Get of a linked object makes no record) and its
//   `held` counter.
//   The holder is alive: its deregistration sweeps its entries (below)
//   before its registration link goes, under each ledger's lock.
//
// Deregistration of e (deregister_impl) follows the same pattern:
//   (D1) registered = false (seq_cst), then (D3) sweep_ledgers(e): the
//   registry head (seq_cst), then each ledger under its lock, taking e's
//   entries (their references are dropped with the rest: ledger counts are
//   not in any object's count, so zeroing them is the drop). A Get checks
//   registered (seq_cst) inside its ledger section (L3'), so by the same
//   arguments (the lock for the ledgers in the list the sweep read, L4 for
//   one pushed after) it either reads false (and refuses) or its entry is
//   swept.
//   The sweep runs before walk 3 (W3) reads e's hold records, so units a
//   fold moved out of e's entries before the sweep visited their ledger are
//   in the hold records W3 exchanges; after it, there are no such entries.
//
// Releases. A release that finds a positive entry of (h, e) in its own
// ledger decrements it (no further validation: a positive entry is a
// reference e holds, and its object cannot be revoked under it). Otherwise
// (the reference was taken on another thread, or folded), the release
// tries the hold records (a unit found there is one e holds: taking it
// needs no validation either); only if a unit is still missing does it
// take every ledger's lock (LockAll: no entry changes and no fold moves
// while it holds them) and takes the unit from any ledger, else from the
// hold record; refusing only from that validated snapshot makes a refusal
// linearizable (a scan of one ledger at a time could miss a reference
// moving between a Get on one ledger and a Release on another). A thread
// exits without its ledger: the registry keeps it, with its entries, for
// the next thread.

namespace {
// (L1) for ledger l on o.
void mark_ledger(Object* o, const Ledger* l) noexcept {
  const std::uint64_t b = l->bit();
  if ((o->ledger_mask.load(std::memory_order_seq_cst) & b) == 0)
    o->ledger_mask.fetch_or(b, std::memory_order_seq_cst);
}

// A Get's ledger section, (L1) to (L5), for the protected, eligible
// objects os[0, n): each one still linked is counted in l and its handle
// appended to taken[*nt]; the others (folding, or no memory for the table)
// go to counted[*nc], for the caller to count on the object. False, with
// nothing counted, if e is deregistering (L3').
bool ledger_section(Ledger* l, Entity* e, Object* const* os, std::size_t n,
                    std::uint64_t* taken, std::size_t* nt, Object** counted,
                    std::size_t* nc) noexcept {
  l->reserve(n);  // spare hold records for new entries, allocated outside the lock
  for (std::size_t i = 0; i < n; ++i) mark_ledger(os[i], l);  // (L1)
  test_hook("ledger_add.before_lock", os[0]);  // the one hook on a Get's path: a load and a branch
  l->lock();                                   // (L2)
  if (!e->registered.load(std::memory_order_seq_cst)) {  // (L3')
    l->unlock();
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    Object* o = os[i];
    LedgerEntry* s = o->ref_mode.load(std::memory_order_seq_cst) == kLinked  // (L3)
                         ? l->find_or_add(o->handle, e->handle, e)
                         : nullptr;
    if (s == nullptr) {
      counted[(*nc)++] = o;
      continue;
    }
    ++s->count;
    taken[(*nt)++] = o->handle;
  }
  l->unlock();  // (L5)
  return true;
}
}  // namespace

LedgerAdd ledger_add(Entity* e, Object* o) noexcept {
  if (o->ref_mode.load(std::memory_order_relaxed) != kLinked) return LedgerAdd::counted;
  Ledger* l = my_ledger();
  if (l == nullptr) return LedgerAdd::counted;  // no memory for a ledger
  std::uint64_t taken;
  Object* counted;
  std::size_t nt = 0, nc = 0;
  if (!ledger_section(l, e, &o, 1, &taken, &nt, &counted, &nc)) return LedgerAdd::refused;
  return nt == 1 ? LedgerAdd::added : LedgerAdd::counted;
}

void fold_ledgers(Object* o) noexcept {
  if (!uses_ledgers(o->kind)) return;
  if (o->ref_mode.exchange(kFolding, std::memory_order_seq_cst) != kLinked) return;  // (F1)
  test_hook("fold_ledgers.folding", o);
  const std::uint64_t mask = o->ledger_mask.load(std::memory_order_seq_cst);  // (F2)
  if (o->handle != 0 && mask != 0) {
    const int k = kind_index(o->kind);
    for (Ledger* l = ledger_head(); l != nullptr; l = l->next()) {  // (F3)
      if ((l->bit() & mask) == 0) continue;
      l->lock();  // (F4)
      l->for_handle(o->handle, [&](LedgerEntry& s) {
        if (s.count <= 0) return;
        const auto n = static_cast<std::uint64_t>(s.count);
        auto* holder = static_cast<Entity*>(s.holder);
        // Infallible: the primary link is still held.
        [[maybe_unused]] const bool added = o->counts.try_add_handle(n);
#if !defined(NDEBUG) || defined(RTM_FAULT_INJECTION)
        if (!added) {
          std::fprintf(stderr, "rtm: fold of a revoked object (kind %d)\n", k);
          std::abort();
        }
#endif
        // (R0) for these units, inside this section: see (G) at add_ref.
        holder->held[k].fetch_add(s.count, std::memory_order_seq_cst);
        // The holder's record on o, or the entry's spare pushed as one (a
        // counted reference of the holder may have made a record first).
        // Ordered before the holder's walk 3 by this ledger's lock (the
        // sweep takes it first).
        Hold* rec = o->holds.find(s.entity);
        if (rec == nullptr) {
#if !defined(NDEBUG) || defined(RTM_FAULT_INJECTION)
          if (s.spare == nullptr) {
            std::fprintf(stderr, "rtm: a ledger entry with references and no spare record\n");
            std::abort();
          }
#endif
          s.spare->entity = s.entity;
          rec = o->holds.adopt(s.spare);
          if (rec == s.spare) s.spare = nullptr;
        }
        rec->count.fetch_add(s.count, std::memory_order_seq_cst);
        s.count = 0;
      });
      l->unlock();
    }
  }
  o->ref_mode.store(kCounted, std::memory_order_release);  // (F5)
}

void unlink_primary(Object* o) noexcept {
  fold_ledgers(o);
  unref_handle(o);
}

std::int64_t sweep_ledgers(Entity* e) noexcept {
  std::int64_t dropped = 0;
  for (Ledger* l = ledger_head(); l != nullptr; l = l->next()) {  // after (D1)
    l->lock();
    l->for_each([&](LedgerEntry& s) {
      if (s.entity != e->handle || s.count <= 0) return;
      dropped += s.count;
      s.count = 0;
    });
    l->unlock();
  }
  return dropped;
}

void ledger_held(const Entity* e, std::int64_t* by_kind) noexcept {
  LockAll all;
  for (Ledger* l = all.head(); l != nullptr; l = l->next())
    l->for_each([&](const LedgerEntry& s) {
      if (s.entity == e->handle && s.count > 0) by_kind[kind_index(handle_kind(s.handle))] += s.count;
    });
  for (int k = 0; k < kHandleKindCount; ++k)
    by_kind[k] += e->held[k].load(std::memory_order_relaxed);
}

// ---- RefBatch --------------------------------------------------------------------
//
// The references of one answer on linked objects are counted at commit,
// in one section of this thread's ledger: one lock per answer, and none of
// them is visible before the answer is (a retry after a revoked route
// leaves none that a racing double release could take). The answer's
// counted references (hold routes, folding objects) are taken at add(),
// and a commit whose counted part fails gives its ledger units back
// afterwards: docs/design.md, "Ledgers". Until commit the objects are
// protected by the caller's guards.

std::uint64_t RefBatch::add(Object* o, errc* err) noexcept {
  if (n_ + nd_ == kCap) {
    *err = errc::not_enough_memory;
    return 0;
  }
  if (ledger_eligible(o, changed_) && o->ref_mode.load(std::memory_order_relaxed) == kLinked) {
    deferred_[nd_++] = o;
    return o->handle;
  }
  if (errc r = add_counted(e_, o, changed_); r != errc::ok) {
    *err = r;
    return 0;
  }
  hs_[n_++] = o->handle;
  return o->handle;
}

errc RefBatch::commit() noexcept {
  if (nd_ != 0) {
    Object* counted[kCap];
    std::size_t nc = 0;
    Ledger* l = my_ledger();
    if (l == nullptr) {  // no memory for a ledger: all on the objects
      for (std::size_t i = 0; i < nd_; ++i) counted[nc++] = deferred_[i];
    } else if (!ledger_section(l, e_, deferred_, nd_, hs_, &n_, counted, &nc)) {
      nd_ = 0;
      return errc::invalid_handle;  // the destructor gives back the counted ones
    }
    nd_ = 0;
    for (std::size_t i = 0; i < nc; ++i) {
      if (errc r = add_counted(e_, counted[i], changed_); r != errc::ok)
        return r;  // the destructor gives back what was taken
      hs_[n_++] = counted[i]->handle;
    }
  }
  committed_ = true;
  return errc::ok;
}

}  // namespace rtm::detail
