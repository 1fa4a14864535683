// c_api/notification.cpp — the Change notification entry points of
// rtmv2.h: registrations, changed destinations and marks.
#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmRegisterForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_VIEW_SET TargetViews,
                                              RTM_NOTIFY_FLAGS NotifyFlags, PVOID NotifyContext,
                                              PRTM_NOTIFY_HANDLE NotifyHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NotifyHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NotifyHandle h;
  errc r = inst->register_for_change_notification(to_entity(RtmRegHandle), TargetViews,
                                                  NotifyFlags, NotifyContext, &h);
  if (r == errc::ok) *NotifyHandle = to_c_handle(h);
  return rtm::to_win32(r);
}

DWORD WINAPI RtmGetChangedDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                PUINT NumDests, PRTM_DEST_INFO ChangedDests) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_dest_batch(*inst, to_entity(RtmRegHandle), NumDests, ChangedDests,
                        [&](std::uint32_t* n, rtm::DestInfo* v) {
                          return inst->get_changed_dests(to_entity(RtmRegHandle),
                                                         to_notify(NotifyHandle), n, v);
                        });
}

DWORD WINAPI RtmReleaseChangedDests(RTM_ENTITY_HANDLE RtmRegHandle,
                                    RTM_NOTIFY_HANDLE NotifyHandle, UINT NumDests,
                                    PRTM_DEST_INFO ChangedDests) {
  if (NotifyHandle == nullptr) return ERROR_INVALID_HANDLE;
  return release_c_dests(RtmRegHandle, NumDests, ChangedDests, NotifyHandle);
}

DWORD WINAPI RtmIgnoreChangedDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                   UINT NumDests, PRTM_DEST_HANDLE ChangedDests) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumDests == 0 || ChangedDests == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(
      inst->ignore_changed_dests(to_entity(RtmRegHandle), to_notify(NotifyHandle),
                                 handles_of<rtm::DestHandle>(NumDests, ChangedDests, to_dest)));
}

DWORD WINAPI RtmGetChangeStatus(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                RTM_DEST_HANDLE DestHandle, PBOOL ChangeStatus) {
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeStatus == nullptr) return ERROR_INVALID_PARAMETER;
  bool b = false;
  errc r = inst->get_change_status(to_entity(RtmRegHandle), to_notify(NotifyHandle),
                                   to_dest(DestHandle), &b);
  if (r == errc::ok) *ChangeStatus = b ? TRUE : FALSE;
  return rtm::to_win32(r);
}

DWORD WINAPI RtmMarkDestForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, BOOL MarkDest) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->mark_dest_for_change_notification(
      to_entity(RtmRegHandle), to_notify(NotifyHandle), to_dest(DestHandle), MarkDest != 0));
}

DWORD WINAPI RtmIsMarkedForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, PBOOL DestMarked) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestMarked == nullptr) return ERROR_INVALID_PARAMETER;
  bool b = false;
  errc r = inst->is_marked_for_change_notification(to_entity(RtmRegHandle),
                                                   to_notify(NotifyHandle), to_dest(DestHandle),
                                                   &b);
  if (r == errc::ok) *DestMarked = b ? TRUE : FALSE;
  return rtm::to_win32(r);
}

DWORD WINAPI RtmDeregisterFromChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                                 RTM_NOTIFY_HANDLE NotifyHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->deregister_from_change_notification(to_entity(RtmRegHandle),
                                                                 to_notify(NotifyHandle)));
}

}  // extern "C"
