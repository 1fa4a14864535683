// c_api/routes.cpp — the Routes entry points of rtmv2.h: add, delete,
// hold-down, and the route pointer with its lock and commit
// (RtmGetRoutePointer, RtmLockRoute, RtmUpdateAndUnlockRoute).
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <algorithm>

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

// The bulk calls convert and pass their items in chunks of kBulkChunk (on
// the stack), each chunk one C++ call.
namespace {
constexpr UINT kBulkChunk = 64;
}  // namespace

DWORD WINAPI RtmxAddRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                           UINT NumRoutes, PRTMX_ROUTE_ADD Routes) {
  if (NumRoutes > 0 && Routes == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::Instance* inst = instance_of(RtmRegHandle);
  if (inst == nullptr) {
    for (UINT i = 0; i < NumRoutes; ++i) Routes[i].Status = ERROR_INVALID_HANDLE;
    return ERROR_INVALID_HANDLE;
  }
  // The caller and the list first, so that their errors reach every item
  // (before any item's own conversion error).
  if (errc r = inst->add_routes(to_entity(RtmRegHandle), {}, to_route_list(RouteListHandle));
      r != errc::ok || NumRoutes == 0) {
    for (UINT i = 0; i < NumRoutes; ++i) Routes[i].Status = rtm::to_win32(r);
    return rtm::to_win32(r);
  }
  DWORD first = NO_ERROR;
  // ~15 KiB of stack: 64 items of ~232 bytes, their handles and indexes.
  rtm::RouteAddItem items[kBulkChunk];
  rtm::RouteHandle handles[kBulkChunk];
  UINT index[kBulkChunk];  // items[k] is Routes[index[k]]
  for (UINT base = 0; base < NumRoutes; base = base + std::min(NumRoutes - base, kBulkChunk)) {
    const UINT end = base + std::min(NumRoutes - base, kBulkChunk);  // cannot wrap
    UINT n = 0;
    for (UINT i = base; i < end; ++i) {
      RTMX_ROUTE_ADD& in = Routes[i];
      rtm::RouteAddItem& it = items[n];
      it = rtm::RouteAddItem{};
      if (in.DestAddress == nullptr || in.RouteInfo == nullptr ||
          !to_address(in.DestAddress, &it.dest) || !to_route_info(in.RouteInfo, &it.info)) {
        in.Status = ERROR_INVALID_PARAMETER;
        continue;
      }
      handles[n] = in.RouteHandle ? to_route(*in.RouteHandle) : rtm::RouteHandle{};
      it.handle = in.RouteHandle ? &handles[n] : nullptr;
      it.time_to_live = in.TimeToLive;
      it.force_new = (in.ChangeFlags & RTM_ROUTE_CHANGE_NEW) != 0;
      index[n++] = i;
    }
    // (The call's own errors set every item's result: reported per item.)
    inst->add_routes(to_entity(RtmRegHandle), std::span(items, n), to_route_list(RouteListHandle));
    for (UINT k = 0; k < n; ++k) {
      RTMX_ROUTE_ADD& out = Routes[index[k]];
      const rtm::RouteAddItem& it = items[k];
      out.Status = rtm::to_win32(it.result);
      if (it.result == errc::ok) {
        out.ChangeFlags = it.change_flags;
        if (out.RouteHandle) *out.RouteHandle = to_c_handle(handles[k]);
      }
    }
    // Routes in order: the first failure is the lowest index that failed.
    for (UINT i = base; i < end && first == NO_ERROR; ++i) first = Routes[i].Status;
  }
  return first;
}

DWORD WINAPI RtmxDeleteRoutes(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumRoutes,
                              PRTMX_ROUTE_DELETE Routes) {
  if (NumRoutes > 0 && Routes == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::Instance* inst = instance_of(RtmRegHandle);
  if (inst == nullptr) {
    for (UINT i = 0; i < NumRoutes; ++i) Routes[i].Status = ERROR_INVALID_HANDLE;
    return ERROR_INVALID_HANDLE;
  }
  if (errc r = inst->delete_routes(to_entity(RtmRegHandle), {}); r != errc::ok || NumRoutes == 0) {
    for (UINT i = 0; i < NumRoutes; ++i) Routes[i].Status = rtm::to_win32(r);
    return rtm::to_win32(r);
  }
  DWORD first = NO_ERROR;
  rtm::RouteDeleteItem items[kBulkChunk];
  for (UINT base = 0; base < NumRoutes; base += std::min(NumRoutes - base, kBulkChunk)) {
    const UINT n = std::min(NumRoutes - base, kBulkChunk);
    for (UINT k = 0; k < n; ++k) items[k].route = to_route(Routes[base + k].RouteHandle);
    inst->delete_routes(to_entity(RtmRegHandle), std::span(items, n));
    for (UINT k = 0; k < n; ++k) {
      RTMX_ROUTE_DELETE& out = Routes[base + k];
      out.Status = rtm::to_win32(items[k].result);
      if (items[k].result == errc::ok) out.ChangeFlags = items[k].change_flags;
      if (first == NO_ERROR) first = out.Status;
    }
  }
  return first;
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
