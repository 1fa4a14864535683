// core/dest_table.h — the destination table: longest-prefix search,
// finding or creating a destination for a write, and taking an empty one out.
#pragma once

#include <rtm/instance.h>

#include "core/dest.h"
#include "core/entity.h"
#include "core/route.h"

namespace rtm::detail {

// Whether d has a live route in `views` (of `owner` only, when given).
bool has_route_in(const Dest* d, ViewSet views, const Entity* owner = nullptr) noexcept;
// Whether d has a live route, or a held-down one, in `views` (lock-free).
bool has_route_or_hold_in(const Dest* d, ViewSet views) noexcept;
// Whether set s has a route that is not deleted.
bool has_live_route(const RouteSet* s) noexcept;
// Whether `a` is an address `e` may use (its family, a valid length).
bool valid_address_for(const Entity* e, const NetAddress& a);
// Removes a destination with no routes left from its map. Under d->lock.
void remove_empty_dest(Dest* d);

}  // namespace rtm::detail
