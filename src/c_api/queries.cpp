// c_api/queries.cpp — the Queries entry points of rtmv2.h: exact-match,
// most- and less-specific destinations, exact-match route, best route.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/convert.h"
#include "c_api/registry.h"
#include "c_api/scratch.h"

using namespace rtm::c_api;
using rtm::errc;

namespace {

// The lookups by address: `address` in, *out filled on success.
template <typename Query>
DWORD dest_by_address(PRTM_NET_ADDRESS address, PRTM_DEST_INFO out, Query query) {
  rtm::NetAddress a;
  if (out == nullptr || !to_address(address, &a)) return ERROR_INVALID_PARAMETER;
  ScratchDestInfo d;
  errc r = query(a, d.get());
  if (r == errc::ok) to_c_dest_info(*d, out);
  return rtm::to_win32(r);
}

}  // namespace

extern "C" {

DWORD WINAPI RtmGetExactMatchDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                         PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                         RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  return dest_by_address(DestAddress, DestInfo, [&](const rtm::NetAddress& a, rtm::DestInfo* d) {
    return inst->get_exact_match_destination(to_entity(RtmRegHandle), a, ProtocolId,
                                             TargetViews, d);
  });
}

DWORD WINAPI RtmGetMostSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  return dest_by_address(DestAddress, DestInfo, [&](const rtm::NetAddress& a, rtm::DestInfo* d) {
    return inst->get_most_specific_destination(to_entity(RtmRegHandle), a, ProtocolId,
                                               TargetViews, d);
  });
}

DWORD WINAPI RtmGetLessSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           RTM_DEST_HANDLE DestHandle, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::DestInfo d;
  errc r = inst->get_less_specific_destination(to_entity(RtmRegHandle), to_dest(DestHandle),
                                               ProtocolId, TargetViews, &d);
  if (r == errc::ok) to_c_dest_info(d, DestInfo);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetExactMatchRoute(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NET_ADDRESS DestAddress,
                                   RTM_MATCH_FLAGS MatchingFlags, PRTM_ROUTE_INFO RouteInfo,
                                   ULONG InterfaceIndex, RTM_VIEW_SET TargetViews,
                                   PRTM_ROUTE_HANDLE RouteHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NetAddress a;
  if (RouteHandle == nullptr || !to_address(DestAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::RouteInfo ri;
  if (RouteInfo != nullptr && !to_route_info(RouteInfo, &ri)) return ERROR_INVALID_PARAMETER;
  rtm::RouteHandle h;
  errc r = inst->get_exact_match_route(to_entity(RtmRegHandle), a, MatchingFlags,
                                       RouteInfo ? &ri : nullptr, InterfaceIndex, TargetViews, &h,
                                       RouteInfo != nullptr);
  if (r != errc::ok) return rtm::to_win32(r);
  *RouteHandle = to_c_handle(h);
  if (RouteInfo) to_c_route_info(ri, RouteInfo);
  return NO_ERROR;
}

DWORD WINAPI RtmIsBestRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                            PRTM_VIEW_SET BestInViews) {
  RTM_CALLER(inst, RtmRegHandle);
  if (BestInViews == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::ViewSet v = 0;
  errc r = inst->is_best_route(to_entity(RtmRegHandle), to_route(RouteHandle), &v);
  if (r == errc::ok) *BestInViews = v;
  return rtm::to_win32(r);
}

}  // extern "C"
