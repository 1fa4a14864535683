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

// (A1) then (A2) for an enumeration or a route list. Protected from before
// the handle is published, so a walk that deletes it cannot free it under
// us.
errc publish_owned(Core& core, Object* o, Entity* owner, HandleKind kind, const char* hook,
                   void (*del)(Core&, Object*), std::uint64_t* out) {
  Guard g;
  g.assign(o);  // unpublished: nobody else can drop it yet
  const std::uint64_t h = core.handles.allocate(kind, o);  // (A1)
  if (h == 0) {
    unref_handle(o);
    return errc::not_enough_memory;
  }
  test_hook(hook, o);
  if (owner_deregistered(owner)) {  // (A2)
    del(core, o);
    return errc::invalid_handle;
  }
  *out = h;
  return errc::ok;
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
  // References it still holds, dropped on its behalf: first those in
  // ledgers ((D3), core/ledger_refs.cpp), then walk 3, (W3) of the
  // Dekker pair at add_ref (a reference counted after it gives itself back).
  std::int64_t dropped = sweep_ledgers(e);
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
  // Other entities' references on e itself, counted on e from here on: its
  // registration (the caller drops it next) is its primary link.
  fold_ledgers(e);
  return dropped;
}

}  // namespace rtm::detail
