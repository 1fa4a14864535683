// core/route_write.h — route writes: publishing a destination's route set,
// deleting a route.
#pragma once

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/route.h"

namespace rtm::detail {

// Publishes `next` as d's route set and retires the old one. Under d->lock.
void publish_routes(Dest* d, RouteSet* next) noexcept;
// Deletes route r, publishes the change to notification registrations
// and, when it was the destination's last route, takes the destination out
// of its map. The caller protects r. invalid_handle if r was deleted.
errc delete_route_obj(Core& core, Route* r, RouteChangeFlags* flags);

}  // namespace rtm::detail
