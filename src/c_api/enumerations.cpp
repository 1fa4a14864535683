// c_api/enumerations.cpp — the Enumerations entry points of rtmv2.h:
// destination, route and next-hop enumerations.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmCreateDestEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_SET TargetViews,
                               RTM_ENUM_FLAGS EnumFlags, PRTM_NET_ADDRESS NetAddress,
                               ULONG ProtocolId, PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (NetAddress != nullptr && !to_address(NetAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_dest_enum(to_entity(RtmRegHandle), TargetViews, EnumFlags,
                                  NetAddress ? &a : nullptr, ProtocolId, &h);
  if (r == errc::ok) *RtmEnumHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetEnumDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                             PUINT NumDests, PRTM_DEST_INFO DestInfos) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_dest_batch(*inst, to_entity(RtmRegHandle), NumDests, DestInfos,
                        [&](std::uint32_t* n, rtm::DestInfo* v) {
                          return inst->get_enum_dests(to_entity(RtmRegHandle),
                                                      to_enum(EnumHandle), n, v);
                        });
}

DWORD WINAPI RtmCreateRouteEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, RTM_ENUM_FLAGS EnumFlags,
                                PRTM_NET_ADDRESS StartDest, RTM_MATCH_FLAGS MatchingFlags,
                                PRTM_ROUTE_INFO CriteriaRoute, ULONG CriteriaInterface,
                                PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (StartDest != nullptr && !to_address(StartDest, &a)) return ERROR_INVALID_PARAMETER;
  rtm::RouteInfo crit;
  if (CriteriaRoute != nullptr && !to_route_info(CriteriaRoute, &crit))
    return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_route_enum(to_entity(RtmRegHandle), to_dest(DestHandle), TargetViews,
                                   EnumFlags, StartDest ? &a : nullptr, MatchingFlags,
                                   CriteriaRoute ? &crit : nullptr, CriteriaInterface, &h);
  if (r == errc::ok) *RtmEnumHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                              PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::RouteHandle>(
      NumRoutes, RouteHandles, [&](std::uint32_t* n, rtm::RouteHandle* hs) {
        return inst->get_enum_routes(to_entity(RtmRegHandle), to_enum(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmCreateNextHopEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_FLAGS EnumFlags,
                                  PRTM_NET_ADDRESS NetAddress, PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (NetAddress != nullptr && !to_address(NetAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_next_hop_enum(to_entity(RtmRegHandle), EnumFlags,
                                      NetAddress ? &a : nullptr, &h);
  if (r == errc::ok) *RtmEnumHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetEnumNextHops(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                PUINT NumNextHops, PRTM_NEXTHOP_HANDLE NextHopHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::NextHopHandle>(
      NumNextHops, NextHopHandles, [&](std::uint32_t* n, rtm::NextHopHandle* hs) {
        return inst->get_enum_next_hops(to_entity(RtmRegHandle), to_enum(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmDeleteEnumHandle(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->delete_enum(to_entity(RtmRegHandle), to_enum(EnumHandle)));
}

}  // extern "C"
