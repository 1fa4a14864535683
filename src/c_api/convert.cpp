// c_api/convert.cpp — the C <-> C++ structure conversions (c_api/convert.h).
#include "c_api/convert.h"

#include <cstring>

namespace rtm::c_api {

bool to_address(const RTM_NET_ADDRESS* in, NetAddress* out) {
  if (in == nullptr) return false;
  Family f;
  if (!to_family(in->AddressFamily, &f)) return false;
  return NetAddress::make(f, in->AddrBits, in->NumBits, out) == errc::ok;
}

void to_c_address(const NetAddress& in, RTM_NET_ADDRESS* out) {
  out->AddressFamily = static_cast<USHORT>(in.family());
  out->NumBits = static_cast<USHORT>(in.length());
  std::memcpy(out->AddrBits, in.bytes(), RTM_MAX_ADDRESS_SIZE);
}

bool to_family(USHORT address_family, Family* out) {
  if (address_family == AF_INET)
    *out = Family::ipv4;
  else if (address_family == AF_INET6)
    *out = Family::ipv6;
  else
    return false;
  return true;
}

void to_c_entity_info(const EntityInfo& in, RTM_ENTITY_INFO* out) {
  out->RtmInstanceId = in.rtm_instance_id;
  out->AddressFamily = static_cast<USHORT>(in.family);
  out->EntityId.EntityProtocolId = in.protocol_id;
  out->EntityId.EntityInstanceId = in.protocol_instance_id;
}

void to_filetime(std::uint64_t t, FILETIME* out) {
  out->dwLowDateTime = static_cast<DWORD>(t);
  out->dwHighDateTime = static_cast<DWORD>(t >> 32);
}

void to_c_dest_info(const DestInfo& in, RTM_DEST_INFO* out) {
  out->DestHandle = to_c_handle(in.dest);
  to_c_address(in.address, &out->DestAddress);
  to_filetime(in.last_changed, &out->LastChanged);
  out->BelongsToViews = in.belongs_to_views;
  out->NumberOfViews = in.number_of_views;
  for (std::uint32_t i = 0; i < in.number_of_views; ++i) {
    out->ViewInfo[i].ViewId = in.views[i].view_id;
    out->ViewInfo[i].NumRoutes = in.views[i].num_routes;
    out->ViewInfo[i].Route = to_c_handle(in.views[i].route);
    out->ViewInfo[i].Owner = to_c_handle(in.views[i].owner);
    out->ViewInfo[i].DestFlags = in.views[i].dest_flags;
    out->ViewInfo[i].HoldRoute = to_c_handle(in.views[i].hold_route);
  }
}

bool to_dest_info(const RTM_DEST_INFO* in, DestInfo* out) {
  if (in->NumberOfViews > RTM_MAX_VIEWS) return false;
  out->dest = to_dest(in->DestHandle);
  // Its lowest bit marks an info from RtmGetChangedDests (rtm/info.h).
  out->last_changed = (std::uint64_t{in->LastChanged.dwHighDateTime} << 32) |
                      in->LastChanged.dwLowDateTime;
  out->number_of_views = in->NumberOfViews;
  for (UINT i = 0; i < in->NumberOfViews; ++i) {
    out->views[i].route = to_route(in->ViewInfo[i].Route);
    out->views[i].owner = to_entity(in->ViewInfo[i].Owner);
    out->views[i].hold_route = to_route(in->ViewInfo[i].HoldRoute);
  }
  return true;
}

void to_c_route_info(const RouteInfo& in, RTM_ROUTE_INFO* out) {
  out->DestHandle = to_c_handle(in.dest);
  out->RouteOwner = to_c_handle(in.owner);
  out->Neighbour = to_c_handle(in.neighbour);
  out->State = in.state;
  out->Flags1 = in.flags1;
  out->Flags = in.flags;
  out->PrefInfo.Metric = in.pref.metric;
  out->PrefInfo.Preference = in.pref.preference;
  out->BelongsToViews = in.views;
  out->EntitySpecificInfo = in.entity_specific_info;
  out->NextHopsList.NumNextHops = in.next_hops.count;
  for (unsigned i = 0; i < in.next_hops.count; ++i)
    out->NextHopsList.NextHops[i] = to_c_handle(in.next_hops.hops[i]);
}

bool to_route_info(const RTM_ROUTE_INFO* in, RouteInfo* out) {
  if (in->NextHopsList.NumNextHops > kMaxNextHopsPerRoute) return false;
  out->dest = to_dest(in->DestHandle);
  out->owner = to_entity(in->RouteOwner);
  out->neighbour = to_next_hop(in->Neighbour);
  out->state = in->State;
  out->flags1 = in->Flags1;
  out->flags = in->Flags;
  out->pref = {in->PrefInfo.Metric, in->PrefInfo.Preference};
  out->views = in->BelongsToViews;
  out->entity_specific_info = in->EntitySpecificInfo;
  out->next_hops.count = in->NextHopsList.NumNextHops;
  for (unsigned i = 0; i < out->next_hops.count; ++i)
    out->next_hops.hops[i] = to_next_hop(in->NextHopsList.NextHops[i]);
  return true;
}

void to_c_next_hop_info(const NextHopInfo& in, RTM_NEXTHOP_INFO* out) {
  to_c_address(in.address, &out->NextHopAddress);
  out->NextHopOwner = to_c_handle(in.owner);
  out->InterfaceIndex = in.interface_index;
  out->State = in.state;
  out->Flags = in.flags;
  out->EntitySpecificInfo = in.entity_specific_info;
  out->RemoteNextHop = to_c_handle(in.remote_next_hop);
}

bool to_next_hop_info(const RTM_NEXTHOP_INFO* in, NextHopInfo* out) {
  if (!to_address(&in->NextHopAddress, &out->address)) return false;
  out->owner = to_entity(in->NextHopOwner);
  out->interface_index = in->InterfaceIndex;
  out->state = in->State;
  out->flags = in->Flags;
  out->entity_specific_info = in->EntitySpecificInfo;
  out->remote_next_hop = to_dest(in->RemoteNextHop);
  return true;
}

std::size_t dest_info_stride(Instance& inst, EntityHandle caller) {
  RegnProfile p;
  if (inst.get_profile(caller, &p) != errc::ok) return 0;
  return RTM_SIZE_OF_DEST_INFO(p.number_of_views);
}

}  // namespace rtm::c_api
