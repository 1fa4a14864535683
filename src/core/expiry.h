// core/expiry.h — route expiry: arming a route's timer and firing it.
#pragma once

#include "core/core.h"
#include "core/route.h"
#include "detail/timers.h"

namespace rtm::detail {

// Arms route r's expiry timer for r->expiry_at. Under r->dest->lock.
void arm_route_expiry(Core& core, Route* r) noexcept;

// A route's expiry entry armed with `seq` is due.
void fire_route_expiry(Core& core, Route* r, std::uint32_t seq) noexcept;
// Fires one due timer entry: the handler Core gives its Timers.
void fire_timer(Core& core, const Timers::Entry& e) noexcept;

}  // namespace rtm::detail
