// api/client_locks.cpp — RTMv2's client locks and opaque pointers:
// Instance::lock_dest, lock_route, lock_next_hop, update_and_unlock_route
// and get_opaque_pointer (rtm/instance.h, "client locks and opaque
// pointers").
//
// A client lock (detail/client_lock.h) serialises the clients that take
// it; the library's own writers never take one. A route or next hop may
// carry a C pointer block (c_api/c_blocks.h), which is rewritten only
// under the object's client lock held exclusively: these functions bring
// it up to date when they lock (B3), discard an owner's uncommitted edits
// at an exclusive unlock and refresh it after a commit (B4); the protocol
// is in c_api/c_blocks.cpp.
#include <rtm/instance.h>

#include <new>

#include "api/call.h"
#include "c_api/c_blocks.h"
#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/next_hop.h"
#include "core/object.h"
#include "core/refs.h"
#include "core/route.h"
#include "detail/fault.h"

namespace rtm {

using detail::Call;
using detail::Dest;
using detail::Guard;
using detail::NextHop;
using detail::Route;
using detail::lookup_as;

errc Instance::lock_dest(EntityHandle caller, DestHandle dest, bool exclusive, bool lock) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gd;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (lock) {
    d->client_lock.lock(exclusive);
    return errc::ok;
  }
  return d->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

errc Instance::lock_route(EntityHandle caller, RouteHandle route, bool exclusive, bool lock) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr;
  Route* r = lookup_as<Route>(*core_, route.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  // Only the owner edits a route, so only the owner holds it exclusively.
  if (exclusive && r->owner != c.entity()) return errc::access_denied;
  if (lock) {
    detail::lock_with_c_block(r, exclusive);  // B3
    return errc::ok;
  }
  // An exclusive unlock without update_and_unlock_route discards the
  // owner's uncommitted edits of the C view (still under the lock).
  if (exclusive && r->client_lock.held_exclusive()) detail::refresh_c_block(r);  // B4
  return r->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

errc Instance::lock_next_hop(EntityHandle caller, NextHopHandle next_hop, bool exclusive,
                             bool lock) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gn;
  NextHop* nh = lookup_as<NextHop>(*core_, next_hop.value, gn);
  if (nh == nullptr) return errc::invalid_handle;
  if (exclusive && nh->owner != c.entity()) return errc::access_denied;
  if (lock) {
    detail::lock_with_c_block(nh, exclusive);  // B3
    return errc::ok;
  }
  return nh->client_lock.unlock(exclusive) ? errc::ok : errc::invalid_parameter;
}

errc Instance::update_and_unlock_route(EntityHandle caller, RouteHandle route,
                                       const RouteInfo& info, std::uint32_t time_to_live,
                                       RouteListHandle list, RouteChangeFlags* change_flags) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  if (change_flags == nullptr) return errc::invalid_parameter;
  Guard gr;
  Route* r = lookup_as<Route>(*core_, route.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != c.entity()) return errc::access_denied;
  if (!r->client_lock.held_exclusive()) return errc::invalid_parameter;  // lock it first
  // The route's identity stays: same destination, same neighbour.
  RouteInfo edited = info;
  edited.neighbour.value = r->neighbour ? r->neighbour->handle : 0;
  RouteHandle h = route;
  RouteChangeFlags flags = 0;
  const errc res = add_route(caller, &h, r->dest->address, edited, time_to_live, &flags, list);
  if (res != errc::ok) return res;  // still locked: the owner may fix and retry
  detail::refresh_c_block(r);  // B4: we hold the lock exclusively
  r->client_lock.unlock(true);
  *change_flags = flags;
  return errc::ok;
}

errc Instance::get_opaque_pointer(EntityHandle caller, DestHandle dest, void*** slot) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  if (slot == nullptr || c.entity()->opaque_slot < 0) return errc::invalid_parameter;
  Guard gd;
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
  // Its deregistration clears its slots only if this is set (relaxed: see
  // deregister_impl).
  if (!c.entity()->used_opaque.load(std::memory_order_relaxed))
    c.entity()->used_opaque.store(true, std::memory_order_relaxed);
  *slot = &slots[c.entity()->opaque_slot];
  return errc::ok;
}

}  // namespace rtm
