// c_api/extensions.cpp — the rtm extensions of the C API (rtmv2_ext.h).
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <rtm/rtm.h>

#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmxGetHeldReferences(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Count == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::Outstanding o;
  if (errc r = inst->outstanding(to_entity(RtmRegHandle), &o); r != errc::ok)
    return rtm::to_win32(r);
  *Count = static_cast<ULONG>(o.total());
  return NO_ERROR;
}

DWORD WINAPI RtmxGetDestCount(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Count == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EntityInfo info;
  if (errc r = inst->get_entity_info(to_entity(RtmRegHandle), to_entity(RtmRegHandle), &info);
      r != errc::ok)
    return rtm::to_win32(r);
  *Count = static_cast<ULONG>(inst->dest_count(info.family));
  return NO_ERROR;
}

VOID WINAPI RtmxReclaimNow(VOID) { rtm::reclaim_all(); }

}  // extern "C"
