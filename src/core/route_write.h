// core/route_write.h — route writes: adding and deleting routes, publishing a
// destination's route set.
#pragma once

#include <cstdint>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/route.h"
#include "core/route_lists.h"

namespace rtm::detail {

// Publishes `next` as d's route set and retires the old one (which must
// have doomed every route next does not list: core/dest.h). Under d->lock.
void publish_routes(Dest* d, RouteSet* next) noexcept;
// Copies the live routes of s, d's current set, but `except` (null: none)
// into next->routes; those left out are doomed in s. Returns how many.
// Under the destination lock.
std::uint32_t copy_live_routes(RouteSet* s, Route* except, RouteSet* next) noexcept;

// What add_route asks, its arguments checked by the API.
struct RouteAdd {
  const NetAddress& dest;
  const RouteInfo& info;
  Route* target;       // the route to update (given by handle), or null
  NextHop* neighbour;  // info.neighbour's next hop, or null
  RouteList* into;     // the route list to move the route into, or null
  std::uint32_t time_to_live;
  bool force_new;      // kRouteChangeNew was asked: always a new route
  bool want_ref;       // the caller wants a reference on the route
};
// Adds or updates a route of e (target, neighbour and into protected by the
// caller). On success *flags gets the change flags and, with want_ref,
// *handle a referenced handle of the route; on failure nothing is changed.
errc add_route_obj(Core& core, Entity* e, const RouteAdd& a, RouteChangeFlags* flags,
                   std::uint64_t* handle);

// Deletes route r, publishes the change to notification registrations
// and, when it was the destination's last route, takes the destination out
// of its map. The caller protects r. invalid_handle if r was deleted.
errc delete_route_obj(Core& core, Route* r, RouteChangeFlags* flags);

}  // namespace rtm::detail
