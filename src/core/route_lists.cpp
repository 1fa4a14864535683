// core/route_lists.cpp — route lists (core/route_lists.h): creation,
// membership under Core::list_mu, reservations for add_route, teardown.
//
// Membership protocol. RouteList::routes, Route::list, RouteList::deleted
// and RouteList::reserved change only under Core::list_mu. A list never
// holds a deleted route, so its raw pointers are alive (each is in its
// destination's current route set, so holds its membership reference):
//
// Insert (insert_routes, move_to_route_list), under list_mu:
//   L1 r->listed.store(true, seq_cst)
//   L2 r->state.load(seq_cst); link r only if it is still created.
// Unlink (unlink_from_route_list, called by delete_route_obj in
// src/core/route_write.cpp), under r->dest->lock:
//   U1 r->state.store(deleted, seq_cst)
//   U2 if r->listed.load(seq_cst): take list_mu (lock order: a destination
//      lock, then list_mu) and take r out of its list.
// L1/L2 against U1/U2 is a store-load (Dekker) pair: in the single total
// order of seq_cst operations at least one side sees the other's store.
// Either L2 sees the route deleted and does not link it, or U2 sees
// `listed` and unlinks it under list_mu after the insertion's critical
// section. And a route seen live at L2 stays allocated until list_mu is
// released: its delete waits for list_mu at U2 before it publishes the set
// without the route and retires the old one, so one hazard pointer at a
// time suffices while routes are validated.
//
// Reservations: add_route reserves capacity in its list before it
// publishes anything (reserve_route_list_slot: R1), so that moving the
// route in afterwards (move_to_route_list: R2) cannot fail; a call that
// returns early gives it back (release_route_list_slot: R3). A list
// deleted between R1 and R2 takes no route: the add linearizes before the
// delete, which would have taken the route out again.
#include "core/route_lists.h"

#include <algorithm>
#include <mutex>

#include "core/deregister.h"
#include "core/refs.h"
#include "detail/fault.h"
#include "detail/test_hook.h"

namespace rtm::detail {

// Creation: one handle link.
RouteList::RouteList(Core* c, Entity* o) noexcept
    : Object(c, HandleKind::route_list, 1), owner(o) {}

void RouteList::release_children() noexcept { unref_memory(owner); }

errc resolve_list(Core& core, Entity* e, RouteListHandle h, Guard& g, RouteList** out) noexcept {
  auto* l = static_cast<RouteList*>(core.handles.lookup(h.value, HandleKind::route_list, g));
  if (l == nullptr) return errc::invalid_handle;
  if (l->owner != e) return errc::access_denied;
  *out = l;
  return errc::ok;
}

// As publish_enum (core/enumerations.cpp): protected from before (A1),
// then (A2), the Dekker pair argued at owner_deregistered (src/core/deregister.cpp).
errc create_route_list_obj(Core& core, Entity* e, RouteListHandle* out) {
  if (!e->counts.try_add_memory()) return errc::invalid_handle;  // the list's, on its owner
  RouteList* l = nothrow_new<RouteList>(&core, e);
  if (l == nullptr) {
    unref_memory(e);
    return errc::not_enough_memory;
  }
  return publish_owned(
      core, l, e, HandleKind::route_list, "create_route_list.published",
      [](Core& c, Object* o) {
        // Under list_mu, as the delete's unlink: a list deleted since its
        // handle went out (by a client that guessed it) is not linked.
        auto* rl = static_cast<RouteList*>(o);
        std::lock_guard lock(c.list_mu);
        if (!rl->deleted) rl->owner->owned_lists.link(rl, 0);
      },
      [](Core& c, Object* o) { delete_route_list_obj(c, static_cast<RouteList*>(o)); },
      &out->value);
}

void delete_route_list_obj(Core& core, RouteList* l) noexcept {
  {
    std::lock_guard lock(core.list_mu);
    if (l->deleted) return;  // a racing delete won
    l->deleted = true;
    l->owner->owned_lists.unlink(l, 0);  // core/owned.h (a no-op if never linked)
    for (Route* r : l->routes) r->list = nullptr;
    l->routes.clear();
    l->routes.shrink_to_fit();
  }
  unref_handle(l);  // the creation reference
}

errc insert_routes(Core& core, Entity* e, RouteList* l, std::span<const RouteHandle> routes) {
  std::vector<Route*> rs;
  try {
    fault_throw();
    rs.reserve(routes.size());
  } catch (...) {
    return errc::not_enough_memory;
  }
  // Phase 1, under list_mu: validate every route before changing anything
  // (L1, L2 for each: one seen live stays alive until list_mu is released).
  std::lock_guard lock(core.list_mu);
  if (l != nullptr && l->deleted) return errc::invalid_handle;  // deleted since the lookup
  if (l != nullptr) {
    try {
      fault_throw();
      l->routes.reserve(l->routes.size() + l->reserved + routes.size());
    } catch (...) {
      return errc::not_enough_memory;
    }
  }
  for (const RouteHandle h : routes) {
    Guard gr;
    Route* r = lookup_as<Route>(core, h.value, gr);
    if (r == nullptr) return errc::invalid_handle;
    if (r->owner != e) return errc::access_denied;
    r->listed.store(true, std::memory_order_seq_cst);                   // L1
    if (r->state.load(std::memory_order_seq_cst) != kRouteStateCreated)  // L2
      return errc::invalid_handle;  // deleted: nothing moved
    rs.push_back(r);
  }
  // Phase 2: link (no failure past this point).
  for (Route* r : rs) {
    if (r->list == l) continue;
    if (r->list != nullptr) std::erase(r->list->routes, r);
    r->list = l;
    if (l != nullptr) l->routes.push_back(r);
  }
  return errc::ok;
}

errc list_route_handles(Core& core, RouteList* l, std::vector<std::uint64_t>* out) {
  try {
    fault_throw();
    std::lock_guard lock(core.list_mu);
    out->reserve(out->size() + l->routes.size());
    for (Route* r : l->routes) out->push_back(r->handle);
  } catch (...) {
    return errc::not_enough_memory;
  }
  return errc::ok;
}

bool in_route_list(Core& core, const Route* r, const RouteList* l, std::uint64_t list_handle) {
  std::lock_guard lock(core.list_mu);
  Guard gl;
  return r->list == l && core.handles.lookup(list_handle, HandleKind::route_list, gl) != nullptr;
}

errc reserve_route_list_slot(Core& core, RouteList* l) noexcept {  // R1
  std::lock_guard lock(core.list_mu);
  if (l->deleted) return errc::invalid_handle;
  try {
    fault_throw();
    // Geometric growth: an exact reserve would reallocate the whole vector
    // on every add into the list (quadratic for a loader; review F3).
    const std::size_t need = l->routes.size() + l->reserved + 1;
    if (need > l->routes.capacity()) l->routes.reserve(std::max(need, 2 * l->routes.capacity()));
  } catch (...) {
    return errc::not_enough_memory;
  }
  ++l->reserved;
  return errc::ok;
}

void release_route_list_slot(Core& core, RouteList* l) noexcept {  // R3
  std::lock_guard lock(core.list_mu);
  --l->reserved;
}

void move_to_route_list(Core& core, RouteList* l, Route* r) noexcept {  // R2
  std::lock_guard lock(core.list_mu);
  --l->reserved;  // the slot reserve_route_list_slot kept: push_back cannot allocate
  // A list deleted since the reservation: the add linearizes before that
  // delete, which would have taken the route out again.
  if (l->deleted) return;
  r->listed.store(true, std::memory_order_seq_cst);                          // L1
  if (r->state.load(std::memory_order_seq_cst) != kRouteStateCreated) return;  // L2
  if (r->list == l) return;
  if (r->list != nullptr) std::erase(r->list->routes, r);
  l->routes.push_back(r);
  r->list = l;
}

// U2, under r->dest->lock, after U1 stored r's deleted state.
void unlink_from_route_list(Core& core, Route* r) noexcept {
  if (!r->listed.load(std::memory_order_seq_cst)) return;
  std::lock_guard list_lock(core.list_mu);  // lock order: d->lock, then list_mu
  if (RouteList* l = r->list) {
    std::erase(l->routes, r);
    r->list = nullptr;
  }
}

}  // namespace rtm::detail
