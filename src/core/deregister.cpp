// core/deregister.cpp — an entity's deregistration (core/deregister.h).
#include "core/deregister.h"

#include <mutex>

#include "core/enumerations.h"
#include "core/next_hops.h"
#include "core/refs.h"
#include "core/route_lists.h"
#include "core/route_write.h"
#include "core/notify_reg.h"
#include "detail/test_hook.h"

namespace rtm::detail {

// An object linked to an owner that is deregistering (issue 12): the
// owner's walk below finds what it owns through its owned sets, so an
// add_route or add_next_hop of another thread of the same entity that
// passed its caller check before the deregistration must not publish an
// object the walk then misses. A Dekker pair, made of read-modify-writes
// on `registered` (so it needs no fence, which TSan cannot model):
//   (A1) the creator publishes the handle (HandleTable::allocate), then
//        (A1') links the object into its owner's set of its kind (a
//        critical section of the set's shard lock, core/owned.h), under
//        the destination lock for a route, the next hop's for a next hop;
//   (A2) it then runs a seq_cst CAS true -> true on `registered`
//        (owner_deregistered); if it finds false, it deletes its object;
//   (D1) deregistration exchanges `registered` to false (seq_cst, in
//        deregister_entity / ~Instance);
//   (D2) deregister_impl then pops each of the entity's owned sets until
//        it is empty (critical sections of the same locks) and deletes
//        each object popped.
// RMWs of one atomic are totally ordered. If A2 precedes D1, A2 succeeded
// (a release RMW) and D1 (an acquire RMW) reads from it or from a later
// RMW of its release sequence: A2 synchronizes-with D1, so A1' happens-
// before the pops, which find the object (or a delete unlinked it, having
// deleted it); the walk's delete waits on the destination lock (or the
// next hop's: add_next_hop holds it from before A1 until after A2, its map
// insert in between) until the creator is done. If D1 precedes A2, A2
// reads false and the creator deletes the object. Both may happen: each
// delete checks the state under the lock, the second finds it deleted. So
// no object outlives its owner's deregistration.
bool owner_deregistered(Entity* e) noexcept {
  bool expected = true;
  return !e->registered.compare_exchange_strong(expected, true, std::memory_order_seq_cst);
}

// (A1) then (A2) for an enumeration or a route list. Protected from before
// the handle is published, so a walk that deletes it cannot free it under
// us.
errc publish_owned(Core& core, Object* o, Entity* owner, HandleKind kind, const char* hook,
                   void (*link)(Core&, Object*), void (*del)(Core&, Object*),
                   std::uint64_t* out) {
  Guard g;
  g.assign(o);  // unpublished: nobody else can drop it yet
  const std::uint64_t h = core.handles.allocate(kind, o);  // (A1)
  if (h == 0) {
    unref_handle(o);
    return errc::not_enough_memory;
  }
  link(core, o);  // (A1'), core/owned.h
  test_hook(hook, o);
  if (owner_deregistered(owner)) {  // (A2)
    del(core, o);
    return errc::invalid_handle;
  }
  *out = h;
  return errc::ok;
}

void deregister_notifications(Core& core, Entity* e) {
  e->owned_regs.drain<NotifyReg>([&](std::uint64_t h) {
    Guard g;
    auto* r = static_cast<NotifyReg*>(core.handles.lookup(h, HandleKind::notify, g));
    if (r != nullptr && r->owner == e) deregister_notification(r);
  });
}

// Deregisters `e` (already out of the registry, `registered` exchanged to
// false: D1). Returns references dropped. Its own objects are popped from
// its owned sets ((D2), see owner_deregistered and core/owned.h), so the
// cost is O(what it owns and the ledgers' entries), not O(the table); only
// an entity that got an opaque-pointer slot, or still holds references
// counted on objects, walks the handle table (below); the handles of
// routes and next hops it added and still holds are among the latter (the
// creator's reference is taken before the object is published, so it is
// counted on the object).
std::int64_t deregister_impl(Core& core, Entity* e) {
  // References it holds in ledgers ((D3), core/ledger_refs.cpp), dropped
  // first: deleting its routes below then folds none of its own
  // references into hold records (which would make walk 3 run).
  std::int64_t dropped = sweep_ledgers(e);
  // Its routes and next hops.
  e->owned_routes.drain<Route>([&](std::uint64_t h) {
    Guard g;
    if (Route* r = lookup_as<Route>(core, h, g); r != nullptr && r->owner == e)
      delete_route_obj(core, r, nullptr);
  });
  e->owned_next_hops.drain<NextHop>([&](std::uint64_t h) {
    Guard g;
    if (NextHop* nh = lookup_as<NextHop>(core, h, g); nh != nullptr && nh->owner == e) {
      detail::test_hook("deregister_impl.next_hop", nh);
      delete_next_hop_obj(core, nh);
    }
  });
  // Its change-notification registrations, enumerations and route lists.
  deregister_notifications(core, e);
  e->owned_enums.drain<EnumObj>([&](std::uint64_t h) {
    Guard g;
    auto* en = static_cast<EnumObj*>(core.handles.lookup(h, HandleKind::enumeration, g));
    if (en != nullptr && en->owner == e) delete_enum_obj(en);
  });
  e->owned_lists.drain<RouteList>([&](std::uint64_t h) {
    Guard g;
    auto* l = static_cast<RouteList*>(core.handles.lookup(h, HandleKind::route_list, g));
    if (l != nullptr && l->owner == e) delete_route_list_obj(core, l);
  });
  // Its opaque-pointer slot on every destination, if it ever got it (a
  // slot it never got is null everywhere). Relaxed: a client's write
  // through the slot that happens-before this deregistration follows the
  // store of get_opaque_pointer that returned the slot, so by coherence
  // this load reads true.
  if (e->opaque_slot >= 0 && e->used_opaque.load(std::memory_order_relaxed)) {
    test_hook("deregister_impl.opaque_walk", e);
    core.handles.for_each_handle([&](std::uint64_t h) {
      if (handle_kind(h) != HandleKind::dest) return;
      Guard g;
      Dest* d = lookup_as<Dest>(core, h, g);
      if (d == nullptr) return;
      if (void** slots = d->opaque.load(std::memory_order_acquire)) {
        // The slot is the leaving entity's: nobody else reads or writes it.
        std::lock_guard lock(d->lock);
        slots[e->opaque_slot] = nullptr;
      }
    });
  }
  // References it still holds on objects (hold records), dropped on its
  // behalf by walk 3, (W3) of the Dekker pair at add_ref (a reference
  // counted after it gives itself back); only if (G), see add_ref, finds
  // some: otherwise no unit of e is in a record that the walk could find.
  bool counted = false;
  for (const auto& k : e->held) counted |= k.load(std::memory_order_seq_cst) != 0;  // (G)
  if (counted) {
    test_hook("deregister_impl.hold_walk", e);
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
      e->held[detail::kind_index(o->kind)].fetch_sub(n, std::memory_order_seq_cst);  // (G)
      detail::unref_handle(o, static_cast<std::uint64_t>(n));
    });
  }
  // Other entities' references on e itself, counted on e from here on: its
  // registration (the caller drops it next) is its primary link.
  fold_ledgers(e);
  return dropped;
}

}  // namespace rtm::detail
