// api/instance.cpp — Instance construction and teardown, ids, introspection (rtm/instance.h, top).
#include <rtm/instance.h>

//
// The Instance methods are split by the sections of rtm/instance.h
// (api/entities.cpp, next_hops.cpp, routes.cpp, destinations.cpp,
// references.cpp); each checks its arguments and calls into the core
// (src/core/). Fast path (readers: lookups, get-info): hazard-protected map
// probes and route-set snapshots, reference counts taken with CAS; no lock.
// Slow path (writers: add/delete route, next hops, registration): the
// destination's TinyMutex, copy-on-write route sets, retire the old set.
#include <bit>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "api/call.h"
#include "core/entity_methods.h"
#include "core/core.h"
#include "core/deregister.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/reclaim.h"
#include "detail/timers.h"

namespace rtm {

using detail::Core;
using detail::Entity;
using detail::Table;
using detail::ThreadScope;

// ---- instance ------------------------------------------------------------------

Instance::Instance(const InstanceOptions& options) {
  if (options.views_supported == 0) throw std::invalid_argument("rtm: no views supported");
  if (std::popcount(options.forwarding_views & options.views_supported) > kMaxForwardingViews)
    throw std::invalid_argument("rtm: more than kMaxForwardingViews forwarding views");
  if (options.ipv4_buckets > (1u << 28) || options.ipv6_buckets > (1u << 28))
    throw std::invalid_argument("rtm: more than 2^28 buckets");
  ThreadScope scope;
  const detail::TagLease lease = detail::take_tag();
  try {
    core_ = new Core(options, lease.tag, lease.base);
  } catch (...) {
    detail::give_tag(lease.tag, lease.base);
    throw;
  }
}

Instance::~Instance() {
  ThreadScope scope;
  // No timer fires from here on (a firing in progress is waited for), and
  // deletes below hold nothing down.
  core_->stopping.store(true, std::memory_order_relaxed);
  core_->timers->stop();
  std::vector<Entity*> all;
  {
    std::lock_guard lock(core_->registry_mu);
    core_->tearing_down = true;
    all.swap(core_->entities);
  }
  for (Entity* e : all) {
    e->registered.exchange(false, std::memory_order_seq_cst);  // (D1), see owner_deregistered
    detail::wake_method_waiters(e);  // D1, core/entity_methods.cpp
  }
  // Every registration first: then no delete below has anyone to notify,
  // and deletes skip the best-route work (Core::bulk_teardown).
  for (Entity* e : all) detail::deregister_notifications(*core_, e);
  detail::reclaim_all_now();
  // The route deletes free what they retire at once (detail/reclaim.h),
  // not through hazard-pointer scans: nobody else can hold a hazard pointer
  // on it, no other thread being in the instance, once no registration of
  // it is left anywhere: a registration whose finalization waits in some
  // other thread's retired array walks the destinations under hazard
  // pointers when it runs, on that thread. A registration's table slot is
  // taken until it is finalized (the acquire pairs with the release that
  // gives it back, change_queue.cpp); while one is, the usual way.
  std::optional<detail::ReclaimNowScope> now;
  if (core_->table(Family::ipv4).slots_taken.load(std::memory_order_acquire) == 0 &&
      core_->table(Family::ipv6).slots_taken.load(std::memory_order_acquire) == 0)
    now.emplace();
  core_->bulk_teardown.store(true, std::memory_order_relaxed);
  for (Entity* e : all) deregister_impl(*core_, e);
  // The entities the usual way: a method waiter woken above may still be
  // leaving its call, holding a guard on its entity.
  now.reset();
  for (Entity* e : all) unref_handle(e);  // the registrations
  detail::drop_all_hold_downs(*core_);
  detail::reclaim_all_now();
  core_->destroy_tables();
  detail::reclaim_all_now();
  // The table issues nothing more (every entity is gone, timers stopped).
  detail::give_tag(core_->handles.instance_tag(), core_->handles.end_index());
  core_->unref();
}

std::uint16_t Instance::instance_id() const noexcept { return core_->options.instance_id; }

std::uint8_t Instance::handle_tag() const noexcept { return core_->handles.instance_tag(); }

std::size_t Instance::dest_count(Family family) const {
  Table* t = core_->table_or_null(family);
  return t == nullptr ? 0 : static_cast<std::size_t>(t->dests.load(std::memory_order_relaxed));
}

// ---- process-wide ---------------------------------------------------------------------

ObjectCounters object_counters() noexcept {
  ObjectCounters c;
  for (int i = 0; i < detail::kHandleKindCount; ++i) {
    c.allocated[i] = detail::g_object_counts.sum(detail::kAllocatedIndex + i);
    c.freed[i] = detail::g_object_counts.sum(detail::kFreedIndex + i);
  }
  return c;
}

void reclaim_all() { detail::reclaim_all_now(); }

}  // namespace rtm
