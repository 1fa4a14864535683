// c_api/registration.cpp — the Registration entry points of rtmv2.h
// (entities, destination locks, opaque pointers; the entity methods of that
// section are in c_api/methods.cpp).
#include <rtmv2/rtmv2.h>

#include <rtm/fault_injection.h>
#include <rtm/rtm.h>

#include <new>
#include <vector>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/methods.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

namespace {

// The C event callback behind an rtm::EventCallback: the contexts that are
// C++ structures (entity infos, the expired route's info) become C ones for
// the length of the call.
rtm::EventCallback to_event_callback(RTM_EVENT_CALLBACK cb) {
  return [cb](rtm::EntityHandle self, rtm::EventType type, void* c1,
              void* c2) -> std::uint32_t {
    RTM_ENTITY_INFO ci;
    union {
      RTM_ROUTE_INFO info;
      unsigned char bytes[RTM_SIZE_OF_ROUTE_INFO(rtm::kMaxNextHopsPerRoute)];
    } ri;
    if (type == rtm::EventType::entity_registered ||
        type == rtm::EventType::entity_deregistered) {
      to_c_entity_info(*static_cast<const rtm::EntityInfo*>(c2), &ci);
      c2 = &ci;
    } else if (type == rtm::EventType::route_expired) {
      to_c_route_info(*static_cast<const rtm::RouteInfo*>(c2), &ri.info);
      c2 = &ri.info;
    }
    return cb(to_c_handle(self), static_cast<RTM_EVENT_TYPE>(type), c1, c2);
  };
}

}  // namespace

extern "C" {

DWORD WINAPI RtmRegisterEntity(PRTM_ENTITY_INFO RtmEntityInfo,
                               PRTM_ENTITY_EXPORT_METHODS ExportMethods,
                               RTM_EVENT_CALLBACK EventCallback, BOOL ReserveOpaquePointer,
                               PRTM_REGN_PROFILE RtmRegProfile, PRTM_ENTITY_HANDLE RtmRegHandle) {
  if (RtmEntityInfo == nullptr || RtmRegProfile == nullptr || RtmRegHandle == nullptr)
    return ERROR_INVALID_PARAMETER;
  if (ExportMethods != nullptr && ExportMethods->NumMethods > rtm::kMaxEntityMethods)
    return ERROR_INVALID_PARAMETER;
  rtm::EntityInfo info;
  info.rtm_instance_id = RtmEntityInfo->RtmInstanceId;
  if (!to_family(RtmEntityInfo->AddressFamily, &info.family)) return ERROR_INVALID_PARAMETER;
  info.protocol_id = RtmEntityInfo->EntityId.EntityProtocolId;
  info.protocol_instance_id = RtmEntityInfo->EntityId.EntityInstanceId;
  rtm::Instance* inst = instance_for_id(info.rtm_instance_id);
  if (inst == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
  rtm::EntityConfig cfg;
  cfg.reserve_opaque_pointer = ReserveOpaquePointer != 0;
  try {
    if (rtm::fault_injection::allocation_fails()) throw std::bad_alloc();
    if (ExportMethods != nullptr)
      for (UINT i = 0; i < ExportMethods->NumMethods; ++i)
        cfg.methods.push_back(ExportMethods->Methods[i]
                                  ? to_entity_method(ExportMethods->Methods[i])
                                  : rtm::EntityMethod());
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (EventCallback != nullptr) cfg.callback = to_event_callback(EventCallback);
  rtm::EntityHandle h;
  rtm::RegnProfile p;
  errc r = inst->register_entity(info, cfg, &h, &p);
  if (r != errc::ok) return rtm::to_win32(r);
  RtmRegProfile->MaxNextHopsInRoute = p.max_next_hops_in_route;
  RtmRegProfile->MaxHandlesInEnum = p.max_handles_in_enum;
  RtmRegProfile->ViewsSupported = p.views_supported;
  RtmRegProfile->NumberOfViews = p.number_of_views;
  *RtmRegHandle = to_c_handle(h);
  return NO_ERROR;
}

DWORD WINAPI RtmDeregisterEntity(RTM_ENTITY_HANDLE RtmRegHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->deregister_entity(to_entity(RtmRegHandle)));
}

DWORD WINAPI RtmGetRegisteredEntities(RTM_ENTITY_HANDLE RtmRegHandle, PUINT NumEntities,
                                      PRTM_ENTITY_HANDLE EntityHandles,
                                      PRTM_ENTITY_INFO EntityInfos) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumEntities == nullptr) return ERROR_INVALID_PARAMETER;
  std::uint32_t n = *NumEntities;
  std::vector<rtm::EntityHandle> hs;
  std::vector<rtm::EntityInfo> is;
  try {  // one allocation site for both arrays
    if (rtm::fault_injection::allocation_fails()) throw std::bad_alloc();
    hs.resize(n);
    is.resize(n);
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (n > 0 && EntityHandles == nullptr) return ERROR_INVALID_PARAMETER;
  errc r = inst->get_registered_entities(to_entity(RtmRegHandle), &n, hs.data(), is.data());
  *NumEntities = n;
  if (r != errc::ok) return rtm::to_win32(r);
  for (std::uint32_t i = 0; i < n; ++i) {
    EntityHandles[i] = to_c_handle(hs[i]);
    if (EntityInfos) to_c_entity_info(is[i], &EntityInfos[i]);
  }
  return NO_ERROR;
}

DWORD WINAPI RtmReleaseEntities(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumEntities,
                                PRTM_ENTITY_HANDLE EntityHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumEntities != 0 && EntityHandles == nullptr) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->release_entities(
      to_entity(RtmRegHandle), handles_of<rtm::EntityHandle>(NumEntities, EntityHandles, to_entity)));
}

DWORD WINAPI RtmLockDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                BOOL Exclusive, BOOL LockDest) {
  RTM_CALLER(inst, RtmRegHandle);
  return rtm::to_win32(inst->lock_dest(to_entity(RtmRegHandle), to_dest(DestHandle),
                                       Exclusive != 0, LockDest != 0));
}

DWORD WINAPI RtmGetOpaqueInformationPointer(RTM_ENTITY_HANDLE RtmRegHandle,
                                            RTM_DEST_HANDLE DestHandle,
                                            PVOID* OpaqueInfoPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (OpaqueInfoPointer == nullptr) return ERROR_INVALID_PARAMETER;
  void** slot = nullptr;
  errc r = inst->get_opaque_pointer(to_entity(RtmRegHandle), to_dest(DestHandle), &slot);
  if (r == errc::ok) *OpaqueInfoPointer = slot;
  return rtm::to_win32(r);
}

}  // extern "C"
