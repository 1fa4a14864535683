// c_api/route_lists.cpp — the Route lists entry points of rtmv2.h.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include <vector>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmCreateRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                PRTM_ROUTE_LIST_HANDLE RouteListHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RouteListHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RouteListHandle h;
  errc r = inst->create_route_list(to_entity(RtmRegHandle), &h);
  if (r == errc::ok) *RouteListHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmInsertInRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                  RTM_ROUTE_LIST_HANDLE RouteListHandle, UINT NumRoutes,
                                  PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumRoutes == 0 || RouteHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::RouteHandle> hs;
  if (!allocate(&hs, NumRoutes)) return ERROR_NOT_ENOUGH_MEMORY;
  for (UINT i = 0; i < NumRoutes; ++i) hs[i] = to_route(RouteHandles[i]);
  return rtm::to_win32(
      inst->insert_in_route_list(to_entity(RtmRegHandle), to_route_list(RouteListHandle), hs));
}

DWORD WINAPI RtmCreateRouteListEnum(RTM_ENTITY_HANDLE RtmRegHandle,
                                    RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                    PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_route_list_enum(to_entity(RtmRegHandle), to_route_list(RouteListHandle),
                                        &h);
  if (r == errc::ok) *RtmEnumHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetListEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                  PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::RouteHandle>(
      NumRoutes, RouteHandles, [&](std::uint32_t* n, rtm::RouteHandle* hs) {
        return inst->get_list_enum_routes(to_entity(RtmRegHandle), to_enum(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmDeleteRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                RTM_ROUTE_LIST_HANDLE RouteListHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(
      inst->delete_route_list(to_entity(RtmRegHandle), to_route_list(RouteListHandle)));
}

}  // extern "C"
