// c_api/convert.h — conversions between the RTMv2 C types and the rtm C++
// types: handles, addresses and the info structures.
//
// Each converter is named for what it returns: to_route(HANDLE) gives an
// rtm::RouteHandle, to_c_handle(RouteHandle) the C HANDLE, to_route_info
// an rtm::RouteInfo from an RTM_ROUTE_INFO, to_c_route_info the reverse.
// A handle keeps its 64-bit value across the boundary (the C HANDLE is the
// C++ handle's value as a pointer), so no handle conversion can fail; the
// C++ call validates it. Structure converters from C return false for
// input the C++ types cannot hold (a bad family or prefix length, too many
// next hops or views): the entry point answers ERROR_INVALID_PARAMETER.
#pragma once

#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include <cstddef>
#include <cstdint>

namespace rtm::c_api {

// ---- handles ------------------------------------------------------------------

inline std::uint64_t to_value(HANDLE h) noexcept {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(h));
}
inline HANDLE to_c_handle(std::uint64_t v) noexcept {
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(v));
}
template <HandleKind K>
HANDLE to_c_handle(Handle<K> h) noexcept {
  return to_c_handle(h.value);
}

inline EntityHandle to_entity(HANDLE h) noexcept { return EntityHandle{to_value(h)}; }
inline DestHandle to_dest(HANDLE h) noexcept { return DestHandle{to_value(h)}; }
inline RouteHandle to_route(HANDLE h) noexcept { return RouteHandle{to_value(h)}; }
inline NextHopHandle to_next_hop(HANDLE h) noexcept { return NextHopHandle{to_value(h)}; }
inline NotifyHandle to_notify(HANDLE h) noexcept { return NotifyHandle{to_value(h)}; }
inline EnumHandle to_enum(HANDLE h) noexcept { return EnumHandle{to_value(h)}; }
inline RouteListHandle to_route_list(HANDLE h) noexcept { return RouteListHandle{to_value(h)}; }

// ---- addresses and small values -------------------------------------------------

// AF_INET / AF_INET6 with a prefix length the family allows; false otherwise
// (also for a null address).
bool to_address(const RTM_NET_ADDRESS* in, NetAddress* out);
void to_c_address(const NetAddress& in, RTM_NET_ADDRESS* out);
// AF_INET / AF_INET6; false for any other family.
bool to_family(USHORT address_family, Family* out);
void to_c_entity_info(const EntityInfo& in, RTM_ENTITY_INFO* out);
void to_filetime(std::uint64_t t, FILETIME* out);

// ---- infos ------------------------------------------------------------------------

void to_c_dest_info(const DestInfo& in, RTM_DEST_INFO* out);
// The handles of a C dest info (and its LastChanged, which marks infos of
// RtmGetChangedDests), for a release. false if NumberOfViews is out of range.
bool to_dest_info(const RTM_DEST_INFO* in, DestInfo* out);

void to_c_route_info(const RouteInfo& in, RTM_ROUTE_INFO* out);
// false if NumNextHops is over kMaxNextHopsPerRoute.
bool to_route_info(const RTM_ROUTE_INFO* in, RouteInfo* out);

void to_c_next_hop_info(const NextHopInfo& in, RTM_NEXTHOP_INFO* out);
// false for a bad next-hop address.
bool to_next_hop_info(const RTM_NEXTHOP_INFO* in, NextHopInfo* out);

// ---- arrays of dest infos -----------------------------------------------------------

// The stride of the caller's arrays of RTM_DEST_INFO: sized by its
// profile's number of views. 0 if `caller` is not registered.
std::size_t dest_info_stride(Instance& inst, EntityHandle caller);
inline RTM_DEST_INFO* dest_info_at(PRTM_DEST_INFO base, std::size_t stride, std::size_t i) {
  return reinterpret_cast<RTM_DEST_INFO*>(reinterpret_cast<unsigned char*>(base) + i * stride);
}

}  // namespace rtm::c_api
