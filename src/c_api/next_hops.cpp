// c_api/next_hops.cpp — the Next hops entry points of rtmv2.h: add, find,
// delete, and the next-hop pointer with its lock.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/c_blocks.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmAddNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                           PRTM_NEXTHOP_HANDLE NextHopHandle,
                           PRTM_NEXTHOP_CHANGE_FLAGS ChangeFlags) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopInfo == nullptr || ChangeFlags == nullptr || !to_next_hop_info(NextHopInfo, &n))
    return ERROR_INVALID_PARAMETER;
  rtm::NextHopHandle h = NextHopHandle ? to_next_hop(*NextHopHandle) : rtm::NextHopHandle{};
  rtm::NextHopChangeFlags f = 0;
  errc r = inst->add_next_hop(to_entity(RtmRegHandle), n, NextHopHandle ? &h : nullptr, &f);
  if (r != errc::ok) return rtm::to_win32(r);
  *ChangeFlags = f;
  if (NextHopHandle) *NextHopHandle = to_c_handle(h);
  return NO_ERROR;
}

DWORD WINAPI RtmFindNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                            PRTM_NEXTHOP_HANDLE NextHopHandle, PRTM_NEXTHOP_INFO* NextHopPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopInfo == nullptr || NextHopHandle == nullptr || !to_next_hop_info(NextHopInfo, &n))
    return ERROR_INVALID_PARAMETER;
  rtm::NextHopHandle h;
  errc r = inst->find_next_hop(to_entity(RtmRegHandle), n, &h);
  if (r != errc::ok) return rtm::to_win32(r);
  if (NextHopPointer != nullptr) {
    DWORD rc = RtmGetNextHopPointer(RtmRegHandle, to_c_handle(h), NextHopPointer);
    if (rc != NO_ERROR) {
      rtm::NextHopHandle one[1] = {h};
      inst->release_next_hops(to_entity(RtmRegHandle), one);
      return rc;
    }
  }
  *NextHopHandle = to_c_handle(h);
  return NO_ERROR;
}

DWORD WINAPI RtmDeleteNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                              PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopHandle == nullptr &&
      (NextHopInfo == nullptr || !to_next_hop_info(NextHopInfo, &n)))
    return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->delete_next_hop(to_entity(RtmRegHandle), to_next_hop(NextHopHandle),
                                             NextHopHandle ? nullptr : &n));
}

DWORD WINAPI RtmGetNextHopPointer(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                                  PRTM_NEXTHOP_INFO* NextHopPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NextHopPointer == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(next_hop_pointer(*inst, to_entity(RtmRegHandle),
                                        to_next_hop(NextHopHandle), NextHopPointer));
}

DWORD WINAPI RtmLockNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                            BOOL Exclusive, BOOL LockNextHop, PRTM_NEXTHOP_INFO* NextHopPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (LockNextHop && NextHopPointer != nullptr) {
    DWORD rc = RtmGetNextHopPointer(RtmRegHandle, NextHopHandle, NextHopPointer);
    if (rc != NO_ERROR) return rc;
  }
  return rtm::to_win32(inst->lock_next_hop(to_entity(RtmRegHandle), to_next_hop(NextHopHandle),
                                           Exclusive != 0, LockNextHop != 0));
}

}  // extern "C"
