// core/refs.h — the references the library gives out: the calling entity,
// typed handle lookup, taking and releasing references, and the batch that
// builds one answer's references.
#pragma once

#include <cstddef>
#include <cstdint>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/next_hop.h"
#include "core/route.h"
#include "detail/reclaim.h"

namespace rtm::detail {

// Resolves the calling entity's handle; it must be registered.
errc resolve_caller(Core& core, EntityHandle h, Guard& g, Entity** out) noexcept;

template <typename T>
constexpr HandleKind kind_of() noexcept;
template <> constexpr HandleKind kind_of<Entity>() noexcept { return HandleKind::entity; }
template <> constexpr HandleKind kind_of<Dest>() noexcept { return HandleKind::dest; }
template <> constexpr HandleKind kind_of<Route>() noexcept { return HandleKind::route; }
template <> constexpr HandleKind kind_of<NextHop>() noexcept { return HandleKind::next_hop; }

// The object of kind T named by h, protected by g; null if h is not valid.
template <typename T>
T* lookup_as(Core& core, std::uint64_t h, Guard& g) noexcept {
  return static_cast<T*>(core.handles.lookup(h, kind_of<T>(), g));
}

// Adds one external reference on protected `o`, owned by `e` (counted as a
// changed-destination reference when `changed`). not_found if `o` died
// meanwhile, not_enough_memory if its hold record could not be allocated,
// invalid_handle if e's deregistration has begun (the reference could
// outlive its walk: the protocol is at the definition); nothing changes on
// failure. `o` need not be published yet.
errc add_ref(Entity* e, Object* o, bool changed = false) noexcept;
// Gives back one reference e took on protected `o` (add_ref): a unit of
// (e, o) from this thread's ledger, the hold record or (validated) any
// ledger; invalid_parameter if there is none anywhere (a concurrent double
// release, the owner's deregistration walk took it), and nothing is
// dropped. `o` need not be published.
errc give_back_ref(Entity* e, Object* o, bool changed = false) noexcept;

// Phase 1 of a release: takes one count off e's hold record (ordinary or
// changed) for handle h. invalid_handle if h names nothing (of `kind`
// unless none); invalid_parameter if e holds no such reference.
// With `taken`, *taken is the object: alive until drop_taken, without a
// guard (the unit taken is one of its handle-side references).
errc take_hold(Core& core, Entity* e, std::uint64_t h, HandleKind kind, bool changed = false,
               Object** taken = nullptr) noexcept;
// Phase 2: drops the object count a taken hold stood for (of o; of the
// object named by h).
void drop_taken(Entity* e, Object* o) noexcept;
// Releases one reference per handle (zeros skipped), all or nothing.
errc release_handles(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                     HandleKind kind, bool changed = false) noexcept;
// Rolls back references a call took itself (zeros skipped), item by item:
// a unit that a concurrent (double) release by the same entity took is
// skipped, every other one is still dropped (release_handles would drop
// none of them).
void release_taken(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n,
                   bool changed = false) noexcept;

// Ledgers (the protocol: core/ledger_refs.cpp).
// Whether a reference of a client on o goes to a ledger while o is linked.
inline bool ledger_eligible(const Object* o, bool changed) noexcept {
  return !changed && o->handle != 0 && uses_ledgers(o->kind);
}
enum class LedgerAdd { added, counted, refused };
// add_ref's ledger side: counts one reference of e on protected, published,
// eligible o in this thread's ledger if o is linked (added); counted: the
// caller counts it on the object; refused: e is deregistering. It makes
// no hold record: the ledger entry carries a spare one for the fold.
LedgerAdd ledger_add(Entity* e, Object* o) noexcept;
// add_ref's counted side: one reference of e on protected o, counted on
// e's hold record on o (made if absent: not_enough_memory without memory).
errc add_counted(Entity* e, Object* o, bool changed) noexcept;
// Moves every ledger reference on `o` into its counts and hold records and
// makes it counted from then on; once per object (later calls return at
// once). Called with o's primary link still held, by unlink_primary.
void fold_ledgers(Object* o) noexcept;
// Drops o's primary link (a destination's map membership, a route's table
// link, a next hop's map link, an entity's registration) after folding
// its ledger references: the only way that link may go.
void unlink_primary(Object* o) noexcept;
// Drops every ledger reference of `e` (after `registered` went false);
// returns how many.
std::int64_t sweep_ledgers(Entity* e) noexcept;
// Adds e's references (ledgers and hold records) to by_kind[kind index]:
// one validated snapshot.
void ledger_held(const Entity* e, std::int64_t* by_kind) noexcept;

// References taken while building one answer; rolled back unless committed.
// References on linked objects are taken at commit(), in one section of
// the thread's ledger (core/ledger_refs.cpp, "RefBatch"): objects passed to add()
// must stay protected until then.
class RefBatch {
 public:
  RefBatch(Core& core, Entity* e, bool changed = false) noexcept
      : core_(core), e_(e), changed_(changed) {}
  ~RefBatch() {
    if (!committed_) release_taken(core_, e_, hs_, n_, changed_);
  }
  RefBatch(const RefBatch&) = delete;
  RefBatch& operator=(const RefBatch&) = delete;

  // References protected `o` (now, or at commit if it is linked); returns
  // its handle value, or 0 with *err set.
  std::uint64_t add(Object* o, errc* err) noexcept;
  // Takes the deferred references. ok, or the error of one that failed
  // (not_found: its object was revoked meanwhile; invalid_handle: the
  // caller is deregistering; not_enough_memory: no hold record for an
  // object that left its table meanwhile) with nothing kept.
  errc commit() noexcept;

 private:
  static constexpr std::size_t kCap = 4 + 3 * kMaxViews + kMaxNextHopsPerRoute;
  Core& core_;
  Entity* e_;
  const bool changed_;
  std::uint64_t hs_[kCap];   // taken
  Object* deferred_[kCap];   // to take at commit
  std::size_t n_ = 0;
  std::size_t nd_ = 0;
  bool committed_ = false;
};

}  // namespace rtm::detail
