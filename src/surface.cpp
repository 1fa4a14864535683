// surface.cpp — client locks and opaque pointers (what remains of the
// RTMv2 surface; the other sections moved to src/api/ and src/core/). Slow
// paths next to lookups and route updates; each says what it locks and why
// that is enough.
#include <rtm/instance.h>

#include <atomic>
#include <new>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/next_hop.h"
#include "core/object.h"
#include "core/refs.h"
#include "core/route.h"
#include "detail/client_lock.h"
#include "detail/fault.h"
#include "detail/reclaim.h"

namespace rtm {

using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::Object;
using detail::Route;
using detail::ThreadScope;
using detail::lookup_as;
using detail::resolve_caller;

// ---- client locks and opaque pointers -------------------------------------------------------

errc Instance::lock_dest(EntityHandle caller, DestHandle dest, bool exclusive, bool lock) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (lock) {
    d->client_lock.lock(exclusive);
    return errc::ok;
  }
  return d->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

namespace {
// Takes o's client lock; if the C API keeps a pointer block for o that is
// behind o's version, refreshes it under an exclusive hold first (a shared
// locker takes the lock exclusively for the refresh and downgrades).
void lock_with_block(Object* o, detail::ClientLock& l, std::atomic<void*>& block,
                     bool exclusive) {
  l.lock(exclusive);
  const auto& hooks = detail::g_c_block_hooks;
  if (block.load(std::memory_order_acquire) == nullptr || hooks.stale == nullptr) return;
  if (!hooks.stale(o)) return;
  if (exclusive) {
    hooks.refresh(o);
    return;
  }
  // A shared locker refreshes only as the sole holder (upgrading in place):
  // waiting for other holders could wait for itself (a thread holding the
  // lock shared twice). Otherwise the view stays as the holders see it.
  if (l.try_upgrade()) {
    hooks.refresh(o);
    l.downgrade();
  }
}
}  // namespace

errc Instance::lock_route(EntityHandle caller, RouteHandle route, bool exclusive, bool lock) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  Route* r = lookup_as<Route>(*core_, route.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (lock) {
    if (exclusive && r->owner != e) return errc::access_denied;  // only the owner edits
    lock_with_block(r, r->client_lock, r->c_block, exclusive);
    return errc::ok;
  }
  if (exclusive && r->owner != e) return errc::access_denied;  // only the owner holds it so
  if (exclusive && r->client_lock.held_exclusive()) {
    // An exclusive unlock without update_and_unlock_route discards the
    // owner's uncommitted edits of the C view (still under the lock).
    const auto& hooks = detail::g_c_block_hooks;
    if (r->c_block.load(std::memory_order_acquire) != nullptr && hooks.refresh != nullptr)
      hooks.refresh(r);
  }
  return r->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

errc Instance::lock_next_hop(EntityHandle caller, NextHopHandle next_hop, bool exclusive,
                             bool lock) {
  ThreadScope scope;
  Guard g, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  NextHop* nh = lookup_as<NextHop>(*core_, next_hop.value, gn);
  if (nh == nullptr) return errc::invalid_handle;
  if (lock) {
    if (exclusive && nh->owner != e) return errc::access_denied;
    lock_with_block(nh, nh->client_lock, nh->c_block, exclusive);
    return errc::ok;
  }
  if (exclusive && nh->owner != e) return errc::access_denied;
  return nh->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

errc Instance::update_and_unlock_route(EntityHandle caller, RouteHandle route,
                                       const RouteInfo& info, std::uint32_t time_to_live,
                                       RouteListHandle list, RouteChangeFlags* change_flags) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (change_flags == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, route.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  if (!r->client_lock.held_exclusive()) return errc::invalid_parameter;  // lock it first
  // The route's identity stays: same destination, same neighbour.
  RouteInfo edited = info;
  edited.neighbour.value = r->neighbour ? r->neighbour->handle : 0;
  RouteHandle h = route;
  RouteChangeFlags flags = 0;
  const errc res = add_route(caller, &h, r->dest->address, edited, time_to_live, &flags, list);
  if (res != errc::ok) return res;  // still locked: the owner may fix and retry
  const auto& hooks = detail::g_c_block_hooks;
  if (r->c_block.load(std::memory_order_acquire) != nullptr && hooks.refresh != nullptr)
    hooks.refresh(r);  // we hold the lock exclusively
  r->client_lock.unlock(true);
  *change_flags = flags;
  return errc::ok;
}

errc Instance::get_opaque_pointer(EntityHandle caller, DestHandle dest, void*** slot) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (slot == nullptr || e->opaque_slot < 0) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  void** slots = d->opaque.load(std::memory_order_acquire);
  if (slots == nullptr) {
    void** mine = nullptr;
    if (!detail::fault()) mine = new (std::nothrow) void* [kMaxOpaquePointers] {};
    if (mine == nullptr) return errc::not_enough_memory;
    // acq_rel: publishes the zeroed array; on failure, acquires the winner's.
    if (d->opaque.compare_exchange_strong(slots, mine, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      slots = mine;
    } else {
      delete[] mine;
    }
  }
  *slot = &slots[e->opaque_slot];
  return errc::ok;
}

}  // namespace rtm
