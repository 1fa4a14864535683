// core/hold_down.h — hold-down: deleted best routes kept for a view's hold
// time, the destination's hold-down set, and its expiry.
#pragma once

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"

namespace rtm::detail {

// Whether d holds a route down. Under d->lock (holds change only under it).
bool has_held_route(const Dest* d) noexcept;
// A copy of hold set `h` (null: none) without the entries of `drop`
// views, each kept entry with its own reference. Null on OOM.
HoldSet* copy_holds(const HoldSet* h, ViewSet drop) noexcept;
// Publishes d's new hold set (null: none). Under d->lock.
void publish_holds(Dest* d, HoldSet* next) noexcept;
// Teardown: drops every hold and takes destinations kept only by holds
// out of the map.
void drop_all_holds(Core& core) noexcept;

}  // namespace rtm::detail
