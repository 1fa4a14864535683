// core/route_select.h — route selection: the best route per view of a
// destination's snapshot, and what a write changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <rtm/instance.h>

#include "core/dest.h"
#include "core/route.h"

namespace rtm::detail {

// What one write changed, per view set (for change notification).
struct ChangeSummary {
  ViewSet all = 0;   // any change to the destination in these views
  ViewSet best = 0;  // the best route, or its attributes, changed
  ViewSet fwd = 0;   // forwarding changed: best route's next hops or forwarding flags
};

// A route's attributes as seen by one reader.
struct RouteView {
  Route* route;
  PrefInfo pref;
  ViewSet views;
  std::uint32_t protocol;
  std::uint64_t fwd;  // forwarding signature: next hops and forwarding flags
};

// A value that changes when a route's forwarding changes (its next hops or
// its forwarding flags); never 0, so "no best route" (0) differs from any.
std::uint64_t forwarding_signature(const RouteData* d) noexcept;

// Copies the live routes of snapshot `s` (protected by the caller) into
// `out` (capacity `cap`); returns how many there are (may exceed cap).
std::size_t gather(const RouteSet* s, RouteView* out, std::size_t cap) noexcept;

// Routes gathered on the stack before a gather goes to the heap.
inline constexpr std::size_t kGatherCap = 64;

// The live routes of snapshot `s` (protected by the caller, for the
// object's lifetime): on the stack, or on the heap for a destination with
// more than kGatherCap. The one out-of-memory rule: without memory for the
// heap copy, complete() is false and the first kGatherCap routes are
// there; readers then fail with not_enough_memory, writers (which must not
// fail) judge by those routes.
class GatheredRoutes {
 public:
  explicit GatheredRoutes(const RouteSet* s) noexcept;
  GatheredRoutes(const GatheredRoutes&) = delete;
  GatheredRoutes& operator=(const GatheredRoutes&) = delete;

  const RouteView* data() const noexcept { return routes_; }
  std::size_t size() const noexcept { return n_; }
  bool complete() const noexcept { return complete_; }

 private:
  RouteView stack_[kGatherCap];
  std::vector<RouteView> heap_;
  const RouteView* routes_ = stack_;
  std::size_t n_ = 0;
  bool complete_ = true;
};

// Best route in view bit `v` among rv[0..n) for protocol filter `proto`
// (kBestProtocol: any); ties go to the earlier route. -1 if none.
int best_of(const RouteView* rv, std::size_t n, ViewSet v, std::uint32_t proto) noexcept;

// The best route (any protocol) and its forwarding signature per view, of
// a destination's current routes. Writers compute it under the
// destination lock before and after a change to derive kRouteChangeBest
// and the change-notification summary; is_best_route uses it lock-free.
struct BestState {
  ViewSet present = 0;  // views with a best route; route/fwd are null/0 elsewhere
  // False when the gather ran out of memory (GatheredRoutes): judged from
  // the first kGatherCap routes only.
  bool complete = true;
  Route* route[kMaxViews];
  std::uint64_t fwd[kMaxViews];
};

void best_state(const RouteSet* s, BestState* out) noexcept;
// The same for a writer holding the destination's lock, with s its current
// (or next, unpublished) set: route data changes only under that lock, so
// it reads each route's data without a hazard pointer (a protect is a
// fence), computes forwarding signatures only for the best routes, and
// never allocates (complete is always true).
void best_state_locked(const RouteSet* s, BestState* out) noexcept;
Route* best_route_in(const BestState& s, int v) noexcept;
std::uint64_t best_fwd_in(const BestState& s, int v) noexcept;

// What changed between two best states, for a write that touched `route`
// (whose old and new views are `touched`); sets kRouteChangeBest in *flags
// when the best route of some view changed.
ChangeSummary summarize(const BestState& before, const BestState& after, ViewSet touched,
                        const Route* route, RouteChangeFlags* flags) noexcept;

}  // namespace rtm::detail
