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

static_assert(RTMX_MEMORY_KINDS == rtm::kMemoryKinds &&
              RTMX_MEMORY_DESTINATIONS == static_cast<int>(rtm::MemoryKind::destinations) &&
              RTMX_MEMORY_ROUTES == static_cast<int>(rtm::MemoryKind::routes) &&
              RTMX_MEMORY_ROUTE_VERSIONS == static_cast<int>(rtm::MemoryKind::route_versions) &&
              RTMX_MEMORY_ROUTE_SETS == static_cast<int>(rtm::MemoryKind::route_sets) &&
              RTMX_MEMORY_NEXT_HOPS == static_cast<int>(rtm::MemoryKind::next_hops) &&
              RTMX_MEMORY_ENTITIES == static_cast<int>(rtm::MemoryKind::entities) &&
              RTMX_MEMORY_MAP_NODES == static_cast<int>(rtm::MemoryKind::map_nodes) &&
              RTMX_MEMORY_MAP_BUCKETS == static_cast<int>(rtm::MemoryKind::map_buckets) &&
              RTMX_MEMORY_HANDLE_SLOTS == static_cast<int>(rtm::MemoryKind::handle_slots) &&
              RTMX_MEMORY_FORWARDING == static_cast<int>(rtm::MemoryKind::forwarding));

DWORD WINAPI RtmxGetStats(RTM_ENTITY_HANDLE RtmRegHandle, PRTMX_STATS Stats) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Stats == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::Outstanding o;  // validates the caller
  if (errc r = inst->outstanding(to_entity(RtmRegHandle), &o); r != errc::ok)
    return rtm::to_win32(r);
  rtm::InstanceStats s;
  if (errc r = inst->stats(&s); r != errc::ok) return rtm::to_win32(r);
  RTMX_STATS out{};
  for (int f = 0; f < 2; ++f) {
    out.Destinations[f] = s.destinations[f];
    out.Routes[f] = s.routes[f];
    out.NextHops[f] = s.next_hops[f];
  }
  for (int k = 0; k < rtm::kMemoryKinds; ++k)
    out.Memory[k] = RTMX_MEMORY_USE{s.memory[k].objects, s.memory[k].bytes, s.memory[k].pooled_bytes};
  out.BytesInUse = s.bytes_in_use();
  out.RetiredNotFreed = static_cast<ULONGLONG>(s.retired_not_freed > 0 ? s.retired_not_freed : 0);
  out.HoldRecords = static_cast<ULONGLONG>(s.hold_records > 0 ? s.hold_records : 0);
  out.NumEntities = static_cast<UINT>(s.entities.size());
  out.NumRegistrations = static_cast<UINT>(s.registrations.size());
  for (const auto& r : s.registrations) out.QueuedDests += static_cast<ULONGLONG>(r.queued);
  for (const auto& e : s.entities)
    if (e.entity == to_entity(RtmRegHandle)) {
      out.EntityRoutes = e.routes;
      out.EntityNextHops = e.next_hops;
    }
  out.EntityHeldReferences = static_cast<ULONGLONG>(o.total());
  *Stats = out;
  return NO_ERROR;
}

}  // extern "C"
