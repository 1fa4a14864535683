// core/route_lists.h — route lists: membership, reservations, teardown.
//
// A route list is one entity's set of its routes. Membership
// (RouteList::routes, Route::list) changes only under Core::list_mu, and a
// list never holds a deleted route; the protocol that ensures it is argued
// in core/route_lists.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/entity.h"
#include "core/object.h"
#include "core/route.h"
#include "detail/reclaim.h"

namespace rtm::detail {

// A route list of one entity. Membership (`routes`, Route::list) changes
// under Core::list_mu; a route in a list is not deleted (delete takes it
// out first), so the raw pointers are alive.
class RouteList final : public Object, public OwnedLink {
 public:
  RouteList(Core* core, Entity* owner) noexcept;
  Entity* const owner;  // memory reference
  std::vector<Route*> routes;
  bool deleted = false;       // under list_mu
  std::size_t reserved = 0;   // capacity promised to add_route calls in flight (list_mu)

 private:
  void release_children() noexcept override;
};

// The caller's route list named by h, protected by g (invalid_handle;
// access_denied for another entity's list).
errc resolve_list(Core& core, Entity* e, RouteListHandle h, Guard& g, RouteList** out) noexcept;

// Creates a route list of e and publishes its handle into *out
// (not_enough_memory; invalid_handle if e deregistered meanwhile).
errc create_route_list_obj(Core& core, Entity* e, RouteListHandle* out);

// Deletes list l (idempotent): its routes leave it, its handle is revoked.
void delete_route_list_obj(Core& core, RouteList* l) noexcept;

// Moves e's routes `routes` into list l (out of any list when l is null),
// all or nothing: invalid_handle if one is not a live route or l was
// deleted, access_denied if one is another entity's, not_enough_memory.
errc insert_routes(Core& core, Entity* e, RouteList* l, std::span<const RouteHandle> routes);

// Appends the handles of l's routes now to *out (not_enough_memory).
errc list_route_handles(Core& core, RouteList* l, std::vector<std::uint64_t>* out);

// Whether route r is in list l now, l still named by live handle
// `list_handle` (a live handle proves that l is the same list).
bool in_route_list(Core& core, const Route* r, const RouteList* l, std::uint64_t list_handle);

// Reserves room in list l for one route an add_route is about to move in
// (invalid_handle if l was deleted, not_enough_memory).
errc reserve_route_list_slot(Core& core, RouteList* l) noexcept;
// Gives back a reservation that was not consumed by move_to_route_list.
void release_route_list_slot(Core& core, RouteList* l) noexcept;

// Moves live route r into list l, consuming a reservation (a no-op if r
// or l was deleted meanwhile).
void move_to_route_list(Core& core, RouteList* l, Route* r) noexcept;

// Takes deleted route r out of its list, if it is in one (U2 of the
// membership protocol). Under r->dest->lock, after r's state was stored.
void unlink_from_route_list(Core& core, Route* r) noexcept;

}  // namespace rtm::detail
