// core/refs.cpp — taking and releasing the references the library gives out (core/refs.h).
#include "core/refs.h"

#include <atomic>

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
// Undoes take_hold on o (alive: its external count still has ours).
void give_hold_back(Entity* e, Object* o, bool changed) noexcept {
  if (Hold* rec = o->holds.find(e->handle))
    (changed ? rec->changed : rec->count).fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

void drop_taken(Entity* e, Object* o) noexcept {
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

void drop_count(Core& core, Entity* e, std::uint64_t h) noexcept {
  Guard g;
  Object* o = core.handles.lookup(h, HandleKind::none, g);
  if (o == nullptr) return;
  drop_taken(e, o);
}

void release_taken(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                   bool changed) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    Object* o = nullptr;
    if (hs[i] != 0 && take_hold(core, e, hs[i], HandleKind::none, changed, &o) == errc::ok)
      drop_taken(e, o);
  }
}

// Each handle is looked up once, by its take_hold: the objects whose units
// were taken stay alive (each unit is one of its handle-side references)
// until phase 2 drops them, so they are kept by pointer. More than
// kOnStack handles go in a heap array; without memory for it, the handles
// are looked up again (the objects are alive all the same).
errc release_handles(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                     HandleKind kind, bool changed) noexcept {
  // The objects of the first kKept handles, kept from phase 1; later ones
  // (a long batch) are looked up again, which is safe because the unit
  // taken keeps the object's handle valid.
  constexpr std::size_t kKept = 64;
  Object* taken[kKept];
  auto object_at = [&](std::size_t i) -> Object* {
    if (i < kKept) return taken[i];
    Guard g;  // the object is alive (our unit); the guard only serves the lookup
    return core.handles.lookup(hs[i], HandleKind::none, g);
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (hs[i] == 0) continue;
    Object* o = nullptr;
    if (errc r = take_hold(core, e, hs[i], kind, changed, &o); r != errc::ok) {
      for (std::size_t j = 0; j < i; ++j)
        if (hs[j] != 0) give_hold_back(e, object_at(j), changed);
      return r;
    }
    if (i < kKept) taken[i] = o;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (hs[i] != 0) drop_taken(e, object_at(i));
  return errc::ok;
}

}  // namespace rtm::detail
