// c_api/routes.cpp — the Routes entry points of rtmv2.h: add, delete,
// hold-down, and the route pointer with its lock and commit
// (RtmGetRoutePointer, RtmLockRoute, RtmUpdateAndUnlockRoute).
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/c_blocks.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmAddRouteToDest(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_HANDLE RouteHandle,
                               PRTM_NET_ADDRESS DestAddress, PRTM_ROUTE_INFO RouteInfo,
                               ULONG TimeToLive, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                               RTM_NOTIFY_FLAGS NotifyType, RTM_NOTIFY_HANDLE NotifyHandle,
                               PRTM_ROUTE_CHANGE_FLAGS ChangeFlags) {
  (void)NotifyType;
  (void)NotifyHandle;  // RTMv2 uses these to skip notifying the caller's own registration
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NetAddress a;
  rtm::RouteInfo ri;
  if (DestAddress == nullptr || RouteInfo == nullptr || ChangeFlags == nullptr ||
      !to_address(DestAddress, &a) || !to_route_info(RouteInfo, &ri))
    return ERROR_INVALID_PARAMETER;
  rtm::RouteHandle h = RouteHandle ? to_route(*RouteHandle) : rtm::RouteHandle{};
  rtm::RouteChangeFlags f = *ChangeFlags;
  errc r = inst->add_route(to_entity(RtmRegHandle), RouteHandle ? &h : nullptr, a, ri,
                           TimeToLive, &f, to_route_list(RouteListHandle));
  if (r != errc::ok) return rtm::to_win32(r);
  *ChangeFlags = f;
  if (RouteHandle) *RouteHandle = to_c_handle(h);
  return NO_ERROR;
}

DWORD WINAPI RtmDeleteRouteToDest(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                  PRTM_ROUTE_CHANGE_FLAGS ChangeFlags) {
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeFlags == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RouteChangeFlags f = 0;
  errc r = inst->delete_route(to_entity(RtmRegHandle), to_route(RouteHandle), &f);
  if (r == errc::ok) *ChangeFlags = f;
  return rtm::to_win32(r);
}

DWORD WINAPI RtmHoldDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, ULONG HoldTime) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->hold_destination(to_entity(RtmRegHandle), to_dest(DestHandle),
                                              TargetViews, HoldTime));
}

DWORD WINAPI RtmGetRoutePointer(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                PRTM_ROUTE_INFO* RoutePointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RoutePointer == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(
      route_pointer(*inst, to_entity(RtmRegHandle), to_route(RouteHandle), RoutePointer));
}

DWORD WINAPI RtmLockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                          BOOL Exclusive, BOOL LockRoute, PRTM_ROUTE_INFO* RoutePointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (LockRoute && RoutePointer != nullptr) {
    // The block exists before the lock is taken, so the lock brings it up
    // to date (c_api/c_blocks.cpp, B3).
    DWORD rc = RtmGetRoutePointer(RtmRegHandle, RouteHandle, RoutePointer);
    if (rc != NO_ERROR) return rc;
  }
  return rtm::to_win32(inst->lock_route(to_entity(RtmRegHandle), to_route(RouteHandle),
                                        Exclusive != 0, LockRoute != 0));
}

DWORD WINAPI RtmUpdateAndUnlockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                     ULONG TimeToLive, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                     RTM_NOTIFY_FLAGS NotifyType, RTM_NOTIFY_HANDLE NotifyHandle,
                                     PRTM_ROUTE_CHANGE_FLAGS ChangeFlags) {
  (void)NotifyType;
  (void)NotifyHandle;
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeFlags == nullptr) return ERROR_INVALID_PARAMETER;
  // The owner edited the block in place under its exclusive lock.
  rtm::RouteInfo ri;
  if (errc r = route_pointer_edits(*inst, to_entity(RtmRegHandle), to_route(RouteHandle), &ri);
      r != errc::ok)
    return rtm::to_win32(r);
  rtm::RouteChangeFlags f = 0;
  errc r = inst->update_and_unlock_route(to_entity(RtmRegHandle), to_route(RouteHandle), ri,
                                         TimeToLive, to_route_list(RouteListHandle), &f);
  if (r == errc::ok) *ChangeFlags = f;
  return rtm::to_win32(r);
}

}  // extern "C"
