// core/hold_down.h — hold-down: deleted best routes kept for a view's hold
// time, the destination's hold-down set, and its expiry.
#pragma once

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"

namespace rtm::detail {

// Whether d holds a route down. Under d->lock (holds change only under it).
bool has_hold_down_route(const Dest* d) noexcept;
// A copy of hold set `h` (null: none) without the entries of `drop`
// views, each kept entry with its own reference. Null on OOM.
HoldDownSet* copy_hold_down(const HoldDownSet* h, ViewSet drop) noexcept;
// Publishes d's new hold set (null: none). Under d->lock.
void publish_hold_down(Dest* d, HoldDownSet* next) noexcept;
// Teardown: drops every hold and takes destinations kept only by holds
// out of the map.
void drop_all_hold_downs(Core& core) noexcept;

// Keeps route r (being deleted, still in d's current set) as the held
// route of `views`. Under d->lock. Out of memory: the route is not held.
void hold_down_route(Core& core, Dest* d, Route* r, ViewSet views) noexcept;
// A hold-down timer entry of d is due: held routes whose time is up leave.
void fire_hold_down_expiry(Core& core, Dest* d) noexcept;

}  // namespace rtm::detail
