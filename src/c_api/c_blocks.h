// c_api/c_blocks.h — the C pointer blocks: the RTM_ROUTE_INFO and
// RTM_NEXTHOP_INFO views that RtmGetRoutePointer and RtmGetNextHopPointer
// hand out, kept by the route or next hop itself (Route::c_block,
// NextHop::c_block).
//
// The one internal header the C entry points include, and the one part of
// the C API below the C++ API: c_api/c_blocks.cpp sees the core. Calls run
// downward into it from both sides — the C entry points ask for a block
// (route_pointer, next_hop_pointer) or read the owner's edits
// (route_pointer_edits); the client locks (src/api/client_locks.cpp) bring
// a block up to date when they lock, discard or commit. Nothing calls up
// out of it: the core frees a block with its object (a plain allocation,
// see c_api/c_blocks.cpp) and never calls the C layer.
#pragma once

#include <rtmv2/rtmv2.h>

#include <rtm/error.h>
#include <rtm/info.h>
#include <rtm/instance.h>
#include <rtm/types.h>

namespace rtm::c_api {

// The route's (next hop's) block, created on the first request: *out
// stays valid while the object exists. invalid_handle for a caller that is
// not registered or a handle that is not a live route (next hop) of the
// instance; not_enough_memory if the block cannot be allocated. The
// handles in the block are the object's own, not referenced for the caller.
errc route_pointer(Instance& inst, EntityHandle caller, RouteHandle route,
                   RTM_ROUTE_INFO** out) noexcept;
errc next_hop_pointer(Instance& inst, EntityHandle caller, NextHopHandle next_hop,
                      RTM_NEXTHOP_INFO** out) noexcept;

// What RtmUpdateAndUnlockRoute commits: the route's block as the owner
// edited it under its exclusive lock, or the route's current attributes if
// no pointer was ever taken. invalid_parameter if the edited block names
// more next hops than a route can have.
errc route_pointer_edits(Instance& inst, EntityHandle caller, RouteHandle route,
                         RouteInfo* out) noexcept;

}  // namespace rtm::c_api

namespace rtm::detail {

class Route;
class NextHop;

// The client-lock side (src/api/client_locks.cpp). lock_with_c_block takes
// the object's client lock in the mode asked and, if the object has a
// block that is behind its version, rewrites it under an exclusive hold
// first. refresh_c_block rewrites r's block (if any) from r's attributes;
// the caller holds r's client lock exclusively.
void lock_with_c_block(Route* r, bool exclusive) noexcept;
void lock_with_c_block(NextHop* n, bool exclusive) noexcept;
void refresh_c_block(Route* r) noexcept;

}  // namespace rtm::detail
