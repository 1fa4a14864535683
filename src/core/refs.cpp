// core/refs.cpp — taking and releasing the references the library gives out (core/refs.h).
#include "core/refs.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "detail/fault.h"
#include "detail/ledger.h"
#include "detail/test_hook.h"

namespace rtm::detail {

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
// seq_cst: the take follows the unit's (R1) in S, for (G) at add_ref.
bool take_unit(std::atomic<std::int64_t>& counter) noexcept {
  std::int64_t c = counter.load(std::memory_order_relaxed);
  do {
    if (c <= 0) return false;
  } while (!counter.compare_exchange_weak(c, c - 1, std::memory_order_seq_cst,
                                          std::memory_order_relaxed));
  return true;
}

// Drops the object count of a taken unit. seq_cst: (G) at add_ref.
void drop_unit(Entity* e, Object* o) noexcept {
  e->held[kind_index(o->kind)].fetch_sub(1, std::memory_order_seq_cst);
  detail::unref_handle(o);
}
}  // namespace

namespace {
// Under l's lock: takes one unit of (h, e) from l if it has one.
bool ledger_take(Ledger* l, std::uint64_t h, const Entity* e) noexcept {
  LedgerEntry* s = l->find(h, e->handle);
  if (s == nullptr || s->count <= 0) return false;
#ifdef RTM_DELIBERATELY_BROKEN
  // The broken variant the stress suite must catch (stress/CMakeLists.txt):
  // a release of a destination reference forgets to drop its count.
  if (handle_kind(h) == HandleKind::dest) return true;
#endif
  --s->count;
  return true;
}

// Gives back a unit ledger_take took from l (under l's lock: the entry is
// still there, only its owner's rebuild removes entries and the lock is
// held since the take, or the owner is this thread and inserts nothing).
void ledger_untake(Ledger* l, std::uint64_t h, const Entity* e) noexcept {
  if (LedgerEntry* s = l->find(h, e->handle)) ++s->count;
}

// Takes one unit of (h, e) from this thread's ledger, if it has one.
bool take_from_my_ledger(std::uint64_t h, const Entity* e) noexcept {
  Ledger* l = t_ledger;
  if (l == nullptr) return false;
  l->lock();
  const bool took = ledger_take(l, h, e);
  l->unlock();
  return took;
}

errc release_validated(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                       HandleKind kind, Ledger** from, Object** taken) noexcept;

// release_validated for the one handle h.
errc release_one_validated(Core& core, Entity* e, std::uint64_t h) noexcept {
  Ledger* from[1];
  Object* taken[1];
  return release_validated(core, e, &h, 1, HandleKind::none, from, taken);
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
// The walk may also miss the record itself, pushed (H1, a seq_cst CAS of
// the object's list head, HoldList::adopt) before R1 while walk 3's find
// (H2, a seq_cst load of that head) read the list before it: H2 then
// precedes H1 in S (it read a value earlier in the head's modification
// order), so D1 < H2 < H1 < R1 < R2 and R2 reads false again. (With
// acquire/release on the head this case was not covered; on x86 the
// seq_cst forms are the same instructions.)
// Walk 3 runs only if (G), seq_cst loads of each e->held[k] after D1 and
// the sweep, reads some non-zero count. Premise: every write of held[k]
// and of e's record counters is a seq_cst RMW (take_unit's CAS, R1, W3's
// exchange, drop_unit's, W3's and unwind_unpublished_route's decrements,
// the fold's increments; a relaxed one would break what follows). Then at
// every point of S
//   held[k] = (e's record counters of kind k, summed)
//           + (units counted in held[k] (R0) but not yet added (R1))
//           + (a fold's increment not yet added to its record)
//           + (units taken off a counter (take_hold) whose held decrement
//              has not happened, and which were not put back),
// because each increment of a counter follows its R0 in S (sequenced
// before; give_hold_back puts back a unit held still counts, without R0),
// and each decrement of held[k] follows a take (a counter RMW that read a
// positive value). Every term is >= 0. So if G reads 0 for every k, no
// unit of e is in a record at G, and none is in flight to one. Units
// counted after G give themselves back: their R1 follows G in S, so D1 <
// G < R1 < R2 and R2 reads false (units are fungible: that add_counted
// may take back another unit than its own, but the count of e's units in
// records still returns to 0). A fold after the sweep visited its ledger
// moves no unit of e (the sweep took them: core/ledger_refs.cpp,
// "Deregistration of e"); a fold before it counts its units (R0) inside
// its ledger section, which the sweep's section on that ledger follows,
// so hb, and S, order that R0 before G. (On x86 a relaxed and a seq_cst
// RMW are the same locked instruction and a seq_cst load a plain mov: the
// orders cost nothing there; elsewhere they are acquire-release RMWs.)
// Both may happen (R2 reads false and W3 took the unit): the CAS of
// take_unit then finds no unit of ours (or takes another late unit whose
// own add_ref then finds none), so each unit is dropped exactly once.
// Cost: add_ref is on the Get path. R1 is a locked RMW on x86 whatever its
// order (a full barrier already), and a seq_cst load is a plain load there
// (the fence goes with seq_cst stores): the check costs one load of a line
// every call of the entity reads anyway (resolve_caller).
errc add_counted(Entity* e, Object* o, bool changed) noexcept {
  Hold* h = o->holds.find_or_add(e->handle);
  if (h == nullptr) return errc::not_enough_memory;
  if (!o->counts.try_add_handle()) return errc::not_found;  // revoked meanwhile
  e->held[kind_index(o->kind)].fetch_add(1, std::memory_order_seq_cst);  // (R0)
  std::atomic<std::int64_t>& counter = changed ? h->changed : h->count;
  counter.fetch_add(1, std::memory_order_seq_cst);  // (R1)
  if (!e->registered.load(std::memory_order_seq_cst)) {  // (R2)
    if (take_unit(counter)) drop_unit(e, o);
    return errc::invalid_handle;
  }
  test_hook("add_counted.counted", o);  // a counted path: no cost on a Get of a linked object
  return errc::ok;
}

errc add_ref(Entity* e, Object* o, bool changed) noexcept {
  if (ledger_eligible(o, changed)) {
    switch (ledger_add(e, o)) {
      case LedgerAdd::added:
        return errc::ok;
      case LedgerAdd::refused:
        return errc::invalid_handle;
      case LedgerAdd::counted:
        break;
    }
  }
  return add_counted(e, o, changed);
}

// Like release_taken for one protected object (see there for why a unit
// may have to come from another ledger).
errc give_back_ref(Entity* e, Object* o, bool changed) noexcept {
  if (!changed && o->handle != 0 && take_from_my_ledger(o->handle, e)) return errc::ok;
  Hold* rec = o->holds.find(e->handle);
  if (rec != nullptr && take_unit(changed ? rec->changed : rec->count)) {
    drop_unit(e, o);
    return errc::ok;
  }
  if (changed || o->handle == 0) return errc::invalid_parameter;
  return release_one_validated(*o->core, e, o->handle);
}

errc take_hold(Core& core, Entity* e, std::uint64_t h, HandleKind kind, bool changed,
               Object** taken) noexcept {
  Guard g;
  Object* o = core.handles.lookup(h, kind, g);
  if (o == nullptr) return errc::invalid_handle;
  Hold* rec = o->holds.find(e->handle);
  if (rec == nullptr) return errc::invalid_parameter;
  if (!take_unit(changed ? rec->changed : rec->count)) return errc::invalid_parameter;
  // Alive without the guard from here on: the unit taken stands for one of
  // its handle-side references, which only our drop_taken can drop.
  if (taken != nullptr) *taken = o;
  return errc::ok;
}

namespace {
// Undoes take_hold on o (alive: its external count still has ours). The
// unit goes back like add_ref's (R1)/(R2): if e's deregistration may have
// passed its walk 3 meanwhile, it is taken again and true is returned —
// the caller then drops it (drop_taken), after letting go of any ledger
// lock it holds.
[[nodiscard]] bool give_hold_back(Entity* e, Object* o, bool changed) noexcept {
  Hold* rec = o->holds.find(e->handle);  // exists: take_hold took from it
  std::atomic<std::int64_t>& counter = changed ? rec->changed : rec->count;
  // No (R0): take_hold left the unit in held (drop_taken takes it out).
  counter.fetch_add(1, std::memory_order_seq_cst);  // (R1)
  if (e->registered.load(std::memory_order_seq_cst)) return false;  // (R2)
  return take_unit(counter);
}
}  // namespace

void drop_taken(Entity* e, Object* o) noexcept {
#ifdef RTM_DELIBERATELY_BROKEN
  // The broken variant the stress suite must catch (stress/CMakeLists.txt):
  // a release of a destination reference forgets to drop the object's count.
  if (o->kind == HandleKind::dest) {
    e->held[kind_index(o->kind)].fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
#endif
  drop_unit(e, o);
}

namespace {
// A release's validated path (core/ledger_refs.cpp, "Releases"): with every ledger
// locked, each unit comes from some ledger or from the hold record, all
// or nothing. `from[i]` is the ledger a unit came from, null for a hold
// record's.
errc release_validated(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                       HandleKind kind, Ledger** from, Object** taken) noexcept {
  errc err = errc::ok;
  std::size_t i = 0;
  test_hook("release_handles.validated");
  {
    LockAll all;
    for (; i < n; ++i) {
      const std::uint64_t h = hs[i];
      if (h == 0) continue;
      if (kind != HandleKind::none && handle_kind(h) != kind) {
        err = errc::invalid_handle;
        break;
      }
      from[i] = nullptr;
      for (Ledger* l = all.head(); l != nullptr; l = l->next()) {
        if (ledger_take(l, h, e)) {
          from[i] = l;
          break;
        }
      }
      if (from[i] != nullptr) continue;
      if (err = take_hold(core, e, h, kind, false, &taken[i]); err != errc::ok) break;
    }
    if (err != errc::ok) {
      for (std::size_t j = 0; j < i; ++j) {
        if (hs[j] == 0) continue;
        if (from[j] != nullptr) {
          ledger_untake(from[j], hs[j], e);
          taken[j] = nullptr;
        } else if (!give_hold_back(e, taken[j], false)) {
          taken[j] = nullptr;
        }
      }
    }
  }
  if (err != errc::ok) {
    // Units a deregistration's walk can no longer drop (give_hold_back).
    for (std::size_t j = 0; j < i; ++j)
      if (hs[j] != 0 && taken[j] != nullptr) drop_taken(e, taken[j]);
    return err;
  }
  // Outside the locks: a drop may revoke an object and cascade.
  for (std::size_t j = 0; j < n; ++j)
    if (hs[j] != 0 && from[j] == nullptr) drop_taken(e, taken[j]);
  return errc::ok;
}
}  // namespace

// Rolls back references this call took (see refs.h). A unit is looked for
// in this thread's ledger, then in the hold record, then (validated, under
// LockAll) in every ledger: units of one (entity, handle) are alike, and a
// concurrent release of another reference of the same handle may have
// taken this call's unit and left its own elsewhere. Only if none is found
// anywhere did a release the caller does not own (a double release) take it.
void release_taken(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                   bool changed) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    if (hs[i] == 0) continue;
    if (!changed && take_from_my_ledger(hs[i], e)) continue;
    Object* o = nullptr;
    if (take_hold(core, e, hs[i], HandleKind::none, changed, &o) == errc::ok) {
      drop_taken(e, o);
      continue;
    }
    if (!changed) static_cast<void>(release_one_validated(core, e, hs[i]));
  }
}

// A release of references got on this thread touches only its ledger (and,
// for counted references, their hold records and objects): every handle's
// unit is taken there under one section of its lock, or none is and the
// validated path decides. Counted units are dropped after the section; the
// objects of taken units stay alive (each unit is one of its handle-side
// references) until then. Changed-destination references are counted only:
// phase 1 takes every hold, phase 2 drops them.
errc release_handles(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                     HandleKind kind, bool changed) noexcept {
  // The objects of the first kKept counted units are kept; later ones (a
  // long batch) are looked up again, which is safe because the unit taken
  // keeps the object's handle valid.
  constexpr std::size_t kKept = 64;
  Object* kept[kKept];
  auto object_at = [&](std::size_t i) -> Object* {
    if (i < kKept) return kept[i];
    Guard g;  // the object is alive (our unit); the guard only serves the lookup
    return core.handles.lookup(hs[i], HandleKind::none, g);
  };
  auto bit = [](const std::uint64_t* map, std::size_t i) { return (map[i / 64] >> (i % 64)) & 1; };
  if (!changed) {
    constexpr std::size_t kFast = 1024;
    if (Ledger* l = my_ledger(); l != nullptr && n <= kFast) {
      // Each unit from this thread's ledger, else from the hold record,
      // all under its lock (taking a hold record's unit waits for nothing,
      // and a fold cannot move an entry under it, so giving units back
      // puts them where they were).
      const std::size_t words = (n + 63) / 64;
      std::uint64_t from_ledger[kFast / 64];
      std::fill_n(from_ledger, words, 0);
      l->lock();
      std::size_t i = 0;
      for (; i < n; ++i) {
        const std::uint64_t h = hs[i];
        if (h == 0) continue;
        if (kind != HandleKind::none && handle_kind(h) != kind) break;
        if (ledger_take(l, h, e)) {
          from_ledger[i / 64] |= std::uint64_t{1} << (i % 64);
          continue;
        }
        Object* o = nullptr;
        if (take_hold(core, e, h, kind, false, &o) != errc::ok) break;
        if (i < kKept) kept[i] = o;
      }
      if (i == n) {
        l->unlock();
        for (std::size_t j = 0; j < n; ++j)
          if (hs[j] != 0 && !bit(from_ledger, j)) drop_taken(e, object_at(j));
        return errc::ok;
      }
      std::uint64_t redrop[kFast / 64];
      std::fill_n(redrop, words, 0);
      for (std::size_t j = 0; j < i; ++j) {
        if (hs[j] == 0) continue;
        if (bit(from_ledger, j))
          ledger_untake(l, hs[j], e);
        else if (give_hold_back(e, object_at(j), false))
          redrop[j / 64] |= std::uint64_t{1} << (j % 64);
      }
      l->unlock();
      for (std::size_t j = 0; j < i; ++j)
        if (bit(redrop, j)) drop_taken(e, object_at(j));
    }
    constexpr std::size_t kOnStack = 64;
    if (n <= kOnStack) {
      Ledger* from[kOnStack];
      Object* taken[kOnStack];
      return release_validated(core, e, hs, n, kind, from, taken);
    }
    try {
      fault_throw();
      std::vector<Ledger*> from(n);
      std::vector<Object*> taken(n);
      return release_validated(core, e, hs, n, kind, from.data(), taken.data());
    } catch (...) {
      return errc::not_enough_memory;
    }
  }
  // Changed-destination references: counted only. Phase 1 takes every
  // hold, phase 2 drops them.
  for (std::size_t i = 0; i < n; ++i) {
    if (hs[i] == 0) continue;
    Object* o = nullptr;
    if (errc r = take_hold(core, e, hs[i], kind, changed, &o); r != errc::ok) {
      for (std::size_t j = 0; j < i; ++j)
        if (hs[j] != 0 && give_hold_back(e, object_at(j), changed)) drop_taken(e, object_at(j));
      return r;
    }
    if (i < kKept) kept[i] = o;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (hs[i] != 0) drop_taken(e, object_at(i));
  return errc::ok;
}

}  // namespace rtm::detail
