// core/expiry.cpp — route expiry and the dispatch of due timer entries (core/expiry.h).
#include "core/expiry.h"

#include <cstdint>
#include <mutex>

#include "core/events.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "detail/timers.h"

namespace rtm::detail {

// Arms r's expiry timer for r->expiry_at (see Route::expiry_at). Under
// r->dest->lock. Out of memory: the route does not expire (absorbed).
void arm_route_expiry(Core& core, Route* r) noexcept {
  // The entry's memory reference. Infallible: r is in its destination (we
  // hold the lock), so its table link keeps the memory unit.
  r->counts.try_add_memory();
  const std::uint32_t seq = r->timer_seq + 1;
  if (!core.timers->arm(r->expiry_at, r, seq, Timers::Kind::route_expiry)) {
    unref_memory(r);  // not the last: the unit is there
    return;
  }
  r->timer_seq = seq;
  r->armed_at = r->expiry_at;
}



// A route's expiry entry is due. Everything is decided under the
// destination's lock, which deletes (and so deregistration, which deletes
// the owner's routes before dropping the references it holds) also take:
// either the owner's reference is taken here first, and a deregistration
// drops it, or the route is seen deleted and nothing happens. The
// callback runs after the lock is released, counted in flight (see
// call_event_callback): a deregistration that began before it does not
// run it (the reference is dropped with the owner's others), one that
// begins while it runs waits for it.
void fire_route_expiry(Core& core, Route* r, std::uint32_t seq) noexcept {
  Entity* o = r->owner;  // alive: r holds it
  RouteInfo info;
  {
    std::lock_guard lock(r->dest->lock);  // r->dest: alive, r holds it
    if (seq != r->timer_seq) return;       // superseded by an earlier re-arm
    r->armed_at = 0;
    if (r->state.load(std::memory_order_relaxed) != kRouteStateCreated || r->expiry_at == 0)
      return;  // deleted or cancelled
    if (r->expiry_at > core.timers->now()) {
      arm_route_expiry(core, r);  // refreshed to a later time: wait for it
      return;
    }
    r->expiry_at = 0;  // fired: a refresh arms it again
    if (!o->registered.load(std::memory_order_acquire) || !o->callback) return;
    if (add_ref(o, r) != errc::ok) return;  // out of memory: the event is lost
    peek_route_info(r, &info);
  }
  // A callback must not throw (caught); either way the reference stays the owner's.
  call_event_callback(o, EventType::route_expired,
                      reinterpret_cast<void*>(static_cast<std::uintptr_t>(r->handle)), &info);
}

void fire_timer(Core& core, const Timers::Entry& e) noexcept {
  if (e.kind == Timers::Kind::route_expiry)
    fire_route_expiry(core, static_cast<Route*>(e.obj), e.epoch);
  else
    fire_hold_down_expiry(core, static_cast<Dest*>(e.obj));
}

}  // namespace rtm::detail
