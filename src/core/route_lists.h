// core/route_lists.h — route lists (create_route_list, move routes in and out).
#pragma once

#include <cstddef>
#include <vector>

#include <rtm/instance.h>

#include "core/entity.h"
#include "core/object.h"
#include "core/route.h"
#include "detail/reclaim.h"

namespace rtm::detail {

// A route list of one entity. Membership (`routes`, Route::list) changes
// under Core::list_mu; a route in a list is not deleted (delete takes it
// out first), so the raw pointers are alive.
class RouteList final : public Object {
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
// Route-list teardown.
void delete_route_list_obj(Core& core, RouteList* l) noexcept;
// Reserves room in list l for one route an add_route is about to move in
// (invalid_handle if l was deleted, not_enough_memory).
errc reserve_route_list_slot(Core& core, RouteList* l) noexcept;
// Moves live route r into list l, consuming a reservation (a no-op if r
// or l was deleted meanwhile).
void move_to_route_list(Core& core, RouteList* l, Route* r) noexcept;

}  // namespace rtm::detail
