// core/change_queue.h — change notification: queueing a changed
// destination for the registrations of its table.
#pragma once

#include "core/core.h"
#include "core/dest.h"
#include "core/route_select.h"

namespace rtm::detail {

// Queues `d` for every registration of its table whose filter matches `c`
// and signals the registrations whose queue went from empty to non-empty.
// Call after the destination lock is released, with d alive.
void publish_change(Core& core, Dest* d, const ChangeSummary& c);

}  // namespace rtm::detail
