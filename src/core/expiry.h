// core/expiry.h — route expiry: arming a route's timer and firing it.
#pragma once

#include "core/core.h"
#include "core/route.h"

namespace rtm::detail {

// Arms route r's expiry timer for r->expiry_at. Under r->dest->lock.
void arm_route_expiry(Core& core, Route* r) noexcept;

}  // namespace rtm::detail
