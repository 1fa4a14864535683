// rtm/types.h — handles, views, preferences and other small value types.
//
// Handles are 64-bit opaque values, never pointers: a handle encodes the
// instance it belongs to, the kind of object, a slot index and the slot's
// generation. A stale, forged, wrong-kind or other-instance handle is
// therefore detected by comparing it with the slot it names (no lock, no
// dereference of client-supplied pointers); see src/detail/handle_table.h.
//
// Every handle the library hands out carries one reference owned by the
// entity it was handed to; the entity gives it back with the release call of
// that handle's kind (see instance.h). Copying a handle value does not copy
// the reference.
//
// Thread-safety: value types, no shared state.
#pragma once

#include <cstdint>

namespace rtm {

// Kinds of object reachable through a handle. The value is part of the
// handle's encoding.
enum class HandleKind : std::uint8_t {
  none = 0,
  entity = 1,
  dest = 2,
  route = 3,
  next_hop = 4,
  notify = 5,
  enumeration = 6,
  route_list = 7,
};

// A typed handle. Zero is the null handle of every kind.
template <HandleKind K>
struct Handle {
  static constexpr HandleKind kind = K;
  std::uint64_t value = 0;

  constexpr explicit operator bool() const noexcept { return value != 0; }
  friend constexpr bool operator==(Handle a, Handle b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(Handle a, Handle b) noexcept { return a.value != b.value; }
};

using EntityHandle = Handle<HandleKind::entity>;
using DestHandle = Handle<HandleKind::dest>;
using RouteHandle = Handle<HandleKind::route>;
using NextHopHandle = Handle<HandleKind::next_hop>;
using NotifyHandle = Handle<HandleKind::notify>;
using EnumHandle = Handle<HandleKind::enumeration>;
using RouteListHandle = Handle<HandleKind::route_list>;

// An untyped handle value, for reference_handles / dereference_handles which
// accept handles of any kind.
using AnyHandle = std::uint64_t;

// Views: a route belongs to a set of views (unicast, multicast, ... up to 32);
// best routes are chosen per view. A ViewSet is a bit mask, bit i = view id i.
using ViewSet = std::uint32_t;
using ViewId = int;
inline constexpr int kMaxViews = 32;
// At most this many views have a forwarding index
// (InstanceOptions::forwarding_views, rtm/forwarding.h).
inline constexpr int kMaxForwardingViews = 2;
inline constexpr ViewId kViewIdUnicast = 0;
inline constexpr ViewId kViewIdMulticast = 1;
inline constexpr ViewSet kViewMaskNone = 0;
inline constexpr ViewSet kViewMaskAny = 0;  // as a filter: every view
inline constexpr ViewSet kViewMaskUnicast = 0x1;
inline constexpr ViewSet kViewMaskMulticast = 0x2;
inline constexpr ViewSet kViewMaskAll = 0xFFFFFFFFu;

// Route preference: lower is better. Preference decides; metric only breaks
// ties between routes of equal preference.
struct PrefInfo {
  std::uint32_t metric = 0;
  std::uint32_t preference = 0;
};

// Three-way comparison of preferences: negative when a is better than b.
constexpr int compare_pref(const PrefInfo& a, const PrefInfo& b) noexcept {
  if (a.preference != b.preference) return a.preference < b.preference ? -1 : 1;
  if (a.metric != b.metric) return a.metric < b.metric ? -1 : 1;
  return 0;
}

// Protocol filters for "best route" queries.
inline constexpr std::uint32_t kBestProtocol = 0;            // any protocol
inline constexpr std::uint32_t kThisProtocol = 0xFFFFFFFFu;  // the caller's own

// Time to live / hold time meaning "never".
inline constexpr std::uint32_t kInfinite = 0xFFFFFFFFu;

// Route change flags (in/out of add_route, out of delete_route).
using RouteChangeFlags = std::uint32_t;
inline constexpr RouteChangeFlags kRouteChangeFirst = 0x01;  // out: first route on the destination
inline constexpr RouteChangeFlags kRouteChangeNew = 0x02;    // in: always create; out: created
inline constexpr RouteChangeFlags kRouteChangeBest = 0x00010000;  // out: a best route changed

// Next-hop change flags (out of add_next_hop).
using NextHopChangeFlags = std::uint32_t;
inline constexpr NextHopChangeFlags kNextHopChangeNew = 0x01;

// Change notification: change types and flags (RTMv2 values).
using NotifyFlags = std::uint32_t;
inline constexpr NotifyFlags kChangeTypeAll = 0x1;         // any change in the target views
inline constexpr NotifyFlags kChangeTypeBest = 0x2;        // best route or its attributes
inline constexpr NotifyFlags kChangeTypeForwarding = 0x4;  // best route's next hops / fwd flags
inline constexpr NotifyFlags kNotifyOnlyMarkedDests = 0x00010000;
inline constexpr int kMaxNotifyRegistrations = 32;  // per instance and family

// Route states and flags (RTMv2 values).
inline constexpr std::uint8_t kRouteStateCreated = 0;
inline constexpr std::uint8_t kRouteStateDeleting = 1;
inline constexpr std::uint8_t kRouteStateDeleted = 2;

inline constexpr std::uint16_t kRouteFlagMartian = 0x1;
inline constexpr std::uint16_t kRouteFlagBlackhole = 0x2;
inline constexpr std::uint16_t kRouteFlagDiscard = 0x4;
inline constexpr std::uint16_t kRouteFlagInactive = 0x8;
inline constexpr std::uint16_t kRouteFlagsForwarding =
    kRouteFlagMartian | kRouteFlagBlackhole | kRouteFlagDiscard | kRouteFlagInactive;

// Next-hop states and flags (RTMv2 values).
inline constexpr std::uint16_t kNextHopStateCreated = 0;
inline constexpr std::uint16_t kNextHopStateDeleted = 1;
inline constexpr std::uint16_t kNextHopFlagRemote = 0x1;
inline constexpr std::uint16_t kNextHopFlagDown = 0x2;

// Match flags for get_exact_match_route (RTMv2 values).
using MatchFlags = std::uint32_t;
inline constexpr MatchFlags kMatchNone = 0x0;
inline constexpr MatchFlags kMatchOwner = 0x1;
inline constexpr MatchFlags kMatchNeighbour = 0x2;
inline constexpr MatchFlags kMatchPref = 0x4;
inline constexpr MatchFlags kMatchNextHop = 0x8;
inline constexpr MatchFlags kMatchInterface = 0x10;
inline constexpr MatchFlags kMatchFull = 0xFFFF;

// Destination flags reported per view.
inline constexpr std::uint32_t kDestFlagNaturalNet = 0x01;
inline constexpr std::uint32_t kDestFlagFwdEnginAdd = 0x02;
inline constexpr std::uint32_t kDestFlagDontForward = 0x04;

// Enumeration flags (RTMv2 values). The low byte is the mode.
using EnumFlags = std::uint32_t;
inline constexpr EnumFlags kEnumStart = 0;  // from the given address on (all if none)
inline constexpr EnumFlags kEnumNext = 1;   // strictly after the given address
inline constexpr EnumFlags kEnumRange = 2;  // only inside the given prefix
inline constexpr EnumFlags kEnumAllDests = 0;
inline constexpr EnumFlags kEnumOwnDests = 0x01000000;  // only where the caller has a route
inline constexpr EnumFlags kEnumAllRoutes = 0;
inline constexpr EnumFlags kEnumOwnRoutes = 0x00010000;  // only the caller's routes

// Entity methods (RTMv2 values).
inline constexpr std::uint32_t kResumeMethods = 0;
inline constexpr std::uint32_t kBlockMethods = 1;
inline constexpr std::uint32_t kMethodTypeAllMethods = 0xFFFFFFFFu;
// At most this many methods per entity (method i is bit i of a method type).
inline constexpr unsigned kMaxEntityMethods = 32;

// Entities registered with an opaque pointer reservation, per instance:
// each gets one slot on every destination.
inline constexpr unsigned kMaxOpaquePointers = 16;

// The library's upper bound on next hops per route; an entity's profile
// limit (RegnProfile::max_next_hops_in_route) is at most this.
inline constexpr unsigned kMaxNextHopsPerRoute = 16;

}  // namespace rtm
