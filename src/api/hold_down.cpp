// api/hold_down.cpp — the Instance methods of "hold-down and timers"
// (include/rtm/instance.h): a destination's hold-down times per view, and
// the call that fires the timers that are due.
#include <rtm/instance.h>

#include <bit>
#include <mutex>

#include "api/call.h"
#include "core/core.h"
#include "core/dest.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "detail/reclaim.h"
#include "detail/timers.h"

namespace rtm {

using detail::Call;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::HoldDownSet;

errc Instance::hold_destination(EntityHandle caller, DestHandle dest, ViewSet views,
                                std::uint32_t hold_ms) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  Guard gd;
  ViewSet tv;
  if (detail::target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = detail::lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (d->table->family != e->info.family) return errc::invalid_parameter;
  std::lock_guard lock(d->lock);
  if (d->gone.load(std::memory_order_relaxed)) return errc::not_found;  // no longer in the table
  HoldDownSet* next = detail::copy_hold_down(d->hold_down.load(std::memory_order_relaxed), 0);
  if (next == nullptr) return errc::not_enough_memory;
  for (ViewSet rest = tv; rest != 0; rest &= rest - 1) next->hold_ms[std::countr_zero(rest)] = hold_ms;
  detail::publish_hold_down(d, next);
  return errc::ok;
}

std::size_t Instance::run_due_timers() {
  detail::ThreadScope scope;
  return core_->timers->run_due();
}

}  // namespace rtm
