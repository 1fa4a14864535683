// c_api/info.cpp — the Information and handle release entry points of
// rtmv2.h: infos of entities, destinations, routes and next hops, their
// releases, and RtmReferenceHandles / RtmDereferenceHandles.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/registry.h"
#include "c_api/scratch.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmGetEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                              PRTM_ENTITY_INFO EntityInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (EntityInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EntityInfo i;
  errc r = inst->get_entity_info(to_entity(RtmRegHandle), to_entity(EntityHandle), &i);
  if (r == errc::ok) to_c_entity_info(i, EntityInfo);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmReleaseEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ENTITY_INFO EntityInfo) {
  // RTM_ENTITY_INFO holds no handle: nothing to release beyond validation.
  RTM_CALLER(inst, RtmRegHandle);
  if (EntityInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RegnProfile p;
  return rtm::to_win32(inst->get_profile(to_entity(RtmRegHandle), &p));
}

DWORD WINAPI RtmGetDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                            ULONG ProtocolId, RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestInfo == nullptr) return ERROR_INVALID_PARAMETER;
  ScratchDestInfo d;
  errc r = inst->get_dest_info(to_entity(RtmRegHandle), to_dest(DestHandle), ProtocolId,
                               TargetViews, d.get());
  if (r == errc::ok) to_c_dest_info(*d, DestInfo);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmReleaseDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_DEST_INFO DestInfo) {
  return release_c_dests(RtmRegHandle, 1, DestInfo, nullptr);
}

DWORD WINAPI RtmGetRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                             PRTM_ROUTE_INFO RouteInfo, PRTM_NET_ADDRESS DestAddress) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::RouteInfo ri;
  rtm::NetAddress a;
  errc r = inst->get_route_info(to_entity(RtmRegHandle), to_route(RouteHandle),
                                RouteInfo ? &ri : nullptr, DestAddress ? &a : nullptr);
  if (r != errc::ok) return rtm::to_win32(r);
  if (RouteInfo) to_c_route_info(ri, RouteInfo);
  if (DestAddress) to_c_address(a, DestAddress);
  return NO_ERROR;
}

DWORD WINAPI RtmReleaseRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_INFO RouteInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::RouteInfo ri;
  if (RouteInfo == nullptr || !to_route_info(RouteInfo, &ri)) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->release_route_info(to_entity(RtmRegHandle), ri));
}

DWORD WINAPI RtmGetNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                               PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NextHopInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NextHopInfo n;
  errc r = inst->get_next_hop_info(to_entity(RtmRegHandle), to_next_hop(NextHopHandle), &n);
  if (r == errc::ok) to_c_next_hop_info(n, NextHopInfo);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmReleaseNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NextHopInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NextHopInfo n;
  n.owner = to_entity(NextHopInfo->NextHopOwner);
  n.remote_next_hop = to_dest(NextHopInfo->RemoteNextHop);
  return rtm::to_win32(inst->release_next_hop_info(to_entity(RtmRegHandle), n));
}

DWORD WINAPI RtmReleaseDests(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumDests,
                             PRTM_DEST_INFO DestInfos) {
  return release_c_dests(RtmRegHandle, NumDests, DestInfos, nullptr);
}

DWORD WINAPI RtmReleaseRoutes(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumRoutes,
                              PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumRoutes != 0 && RouteHandles == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->release_routes(
      to_entity(RtmRegHandle), handles_of<rtm::RouteHandle>(NumRoutes, RouteHandles, to_route)));
}

DWORD WINAPI RtmReleaseNextHops(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumNextHops,
                                PRTM_NEXTHOP_HANDLE NextHopHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumNextHops != 0 && NextHopHandles == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->release_next_hops(
      to_entity(RtmRegHandle),
      handles_of<rtm::NextHopHandle>(NumNextHops, NextHopHandles, to_next_hop)));
}

DWORD WINAPI RtmReferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                 HANDLE* RtmHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumHandles == 0 || RtmHandles == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->reference_handles(
      to_entity(RtmRegHandle), handles_of<rtm::AnyHandle>(NumHandles, RtmHandles, to_value)));
}

DWORD WINAPI RtmDereferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                   HANDLE* RtmHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumHandles != 0 && RtmHandles == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->dereference_handles(
      to_entity(RtmRegHandle), handles_of<rtm::AnyHandle>(NumHandles, RtmHandles, to_value)));
}

}  // extern "C"
