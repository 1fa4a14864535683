// core/route_select.h — route selection: the best route per view of a
// destination's snapshot, and what a write changed.
#pragma once

#include <rtm/instance.h>

namespace rtm::detail {

// What one write changed, per view set (for change notification).
struct ChangeSummary {
  ViewSet all = 0;   // any change to the destination in these views
  ViewSet best = 0;  // the best route, or its attributes, changed
  ViewSet fwd = 0;   // forwarding changed: best route's next hops or forwarding flags
};

}  // namespace rtm::detail
