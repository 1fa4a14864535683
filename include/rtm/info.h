// rtm/info.h — the information structures the API fills in.
//
// Ownership: every non-null handle inside a filled-in structure carries one
// reference owned by the calling entity, until the structure is given back
// with its release call (release_dest_info / release_dests,
// release_route_info, release_next_hop_info). To keep one handle beyond
// that, call reference_handles() on it first.
//
// Thread-safety: plain value types.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include <rtm/address.h>
#include <rtm/types.h>

namespace rtm {

// ---- entities --------------------------------------------------------------

// Identity of an entity: unique per (rtm instance, family, protocol id,
// protocol instance id).
struct EntityInfo {
  std::uint16_t rtm_instance_id = 0;
  Family family = Family::ipv4;
  std::uint32_t protocol_id = 0;
  std::uint32_t protocol_instance_id = 0;
};

// Limits the table grants an entity at registration.
struct RegnProfile {
  std::uint32_t max_next_hops_in_route = 0;  // <= kMaxNextHopsPerRoute
  std::uint32_t max_handles_in_enum = 0;
  ViewSet views_supported = 0;
  std::uint32_t number_of_views = 0;  // popcount(views_supported)
};

enum class EventType : int {
  entity_registered = 0,    // ctx1: new entity's EntityHandle value, ctx2: const EntityInfo*
  entity_deregistered = 1,  // ctx1: leaving entity's EntityHandle value, ctx2: const EntityInfo*
  route_expired = 2,        // ctx1: the RouteHandle value (referenced for the owner: release
                            // it), ctx2: const RouteInfo* (its handles not referenced)
  change_notification = 3,
};

// An entity's event callback. `self` is the receiving entity's handle. The
// callback runs on the thread that caused the event, with no library lock
// and no hazard pointer held; it may call the API, re-entrantly to any
// depth (a change notification runs when the calling thread's outermost
// API call is about to return: one caused by an API call made inside a
// callback or an entity method runs after that callback or method returns,
// so chains of callbacks do not nest). Route
// expiry callbacks run on the timer thread (or in run_due_timers). For
// callbacks still running while the entity deregisters, see
// Instance::deregister_entity. Its return value is ignored (RTMv2
// compatibility).
using EventCallback =
    std::function<std::uint32_t(EntityHandle self, EventType type, void* ctx1, void* ctx2)>;

// One method invocation (see Instance::invoke_methods). The library does
// not interpret the buffers: input/output are whatever caller and callee
// agreed on (the C API passes its RTM_ENTITY_METHOD_INPUT / _OUTPUT).
struct MethodCall {
  std::uint32_t method_type = 0;  // exactly one bit: method i is bit i
  const void* input = nullptr;
  std::uint32_t input_size = 0;
  void* output = nullptr;
  std::uint32_t output_size = 0;  // in: capacity; out: bytes written by the method
  std::uint32_t status = 0;       // set by the method
};
// A method an entity exports. Runs on the invoking thread, with no library
// lock held; it may call the API (but not block its own entity's methods).
using EntityMethod = std::function<void(EntityHandle caller, EntityHandle callee, MethodCall& call)>;

// What an entity asks for at registration. Zero fields take the defaults.
struct EntityConfig {
  EventCallback callback;
  // Methods other entities may invoke (at most kMaxEntityMethods).
  std::vector<EntityMethod> methods;
  bool reserve_opaque_pointer = false;
  std::uint32_t max_next_hops_in_route = 0;  // default 8, at most kMaxNextHopsPerRoute
  std::uint32_t max_handles_in_enum = 0;     // default 100
};

// ---- next hops ---------------------------------------------------------------

struct NextHopInfo {
  NetAddress address;          // the next hop's address (full length)
  EntityHandle owner;          // out: referenced
  std::uint32_t interface_index = 0;  // 0: a remote next hop
  std::uint16_t state = kNextHopStateCreated;  // out
  std::uint16_t flags = 0;
  void* entity_specific_info = nullptr;
  DestHandle remote_next_hop;  // out: for interface 0, the destination that
                               // covers the address (referenced), else null
};

// ---- routes ------------------------------------------------------------------

struct NextHopList {
  std::uint16_t count = 0;
  std::array<NextHopHandle, kMaxNextHopsPerRoute> hops{};
};

struct RouteInfo {
  DestHandle dest;          // out: referenced
  EntityHandle owner;       // out: referenced
  NextHopHandle neighbour;  // in: identifies the route with (dest, owner); out: referenced
  std::uint8_t state = kRouteStateCreated;  // out
  std::uint8_t flags1 = 0;
  std::uint16_t flags = 0;
  PrefInfo pref;
  ViewSet views = kViewMaskUnicast;  // the views the route belongs to
  void* entity_specific_info = nullptr;
  NextHopList next_hops;  // in: caller-owned handles; out: referenced
};

// ---- destinations ------------------------------------------------------------

struct DestViewInfo {
  ViewId view_id = 0;
  std::uint32_t num_routes = 0;  // routes of the destination in this view
  RouteHandle route;             // best route (per the query's protocol filter), referenced
  EntityHandle owner;            // its owner, referenced
  std::uint32_t dest_flags = 0;
  RouteHandle hold_route;        // held-down former best route (hold_destination), referenced
};

struct DestInfo {
  DestHandle dest;  // referenced
  NetAddress address;
  // When the destination last changed: FILETIME ticks (100 ns since
  // 1601-01-01 UTC), at 200 ns precision: the lowest bit is 1 exactly in
  // infos from get_changed_dests. That bit is how a release checks where an
  // info came from (in the C API too, whose RTM_DEST_INFO has no other room
  // for it): release_dest_info / release_dests refuse an info with it set,
  // release_changed_dests requires it.
  std::uint64_t last_changed = 0;
  ViewSet belongs_to_views = 0;    // union of the views of its routes
  std::uint32_t number_of_views = 0;  // entries used in `views`
  std::array<DestViewInfo, kMaxViews> views{};
  // Set when the info came from get_changed_dests: the registration whose
  // queue it came from. Such an info is released only with
  // release_changed_dests; release_dest_info / release_dests refuse it.
  NotifyHandle changed_by;
};

// Per-entity count of references the entity holds, by kind.
struct Outstanding {
  std::int64_t entities = 0;
  std::int64_t dests = 0;
  std::int64_t routes = 0;
  std::int64_t next_hops = 0;
  std::int64_t total() const noexcept { return entities + dests + routes + next_hops; }
};

}  // namespace rtm
