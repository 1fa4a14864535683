// The RTMv2 C API: a thin mapping onto rtm::Instance.
//
// Each function converts its C arguments to the C++ types, calls the one
// C++ implementation, converts the results back and maps rtm::errc to the
// Windows code (rtm::to_win32, src/error.cpp). No rule is implemented twice.
//
// Instances: RTMv2 names an instance by RTM_ENTITY_INFO::RtmInstanceId and
// creates it implicitly. Here the first RtmRegisterEntity for an id creates
// an rtm::Instance that lives until the process exits (an instance destroyed
// while another thread still used one of its stale handles could not be
// made safe). A handle's instance is found from the tag in the handle.
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include "core/next_hop.h"
#include "core/object.h"
#include "core/route.h"
#include "core/infos.h"
#include "core/refs.h"
#include "detail/fault.h"

#include <rtm/rtm.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace {

using rtm::errc;

DWORD code(errc e) { return rtm::to_win32(e); }

// ---- instances --------------------------------------------------------------

// Creation is a slow path under g_mu (RtmRegisterEntity only). Resolving a
// handle's instance is on every call and takes no lock: g_by_tag is an
// array of atomics, written once per C API instance under g_mu (release)
// and read with one acquire load, which makes the constructed instance
// visible to the reader.
//
// Lifetime: a C API instance is never destroyed (nothing here deletes one;
// they are leaked at exit on purpose, see the top of the file), so a pointer
// read from g_by_tag stays valid for as long as the process runs, and its
// tag is never given back, so the entry never changes once set. A tag
// whose entry is null (free, or held by an instance of the C++ API) fails
// ERROR_INVALID_HANDLE. An entry names the instance that holds the tag now;
// a handle left over from an earlier instance that had the same tag routes
// to it but does not validate there: every instance issues handle indices
// above those of all earlier instances with its tag (detail/handle_table.h).
std::mutex g_mu;
rtm::Instance* g_by_id[65536] = {};  // under g_mu; created on demand, never destroyed
std::atomic<rtm::Instance*> g_by_tag[256] = {};  // the same instances, by handle tag

rtm::Instance* instance_for_id(std::uint16_t id) {
  std::lock_guard lock(g_mu);
  if (g_by_id[id] == nullptr) {
    rtm::InstanceOptions o;
    o.instance_id = id;
    rtm::Instance* inst = nullptr;
    try {  // the constructor allocates too: no exception may cross the C API
      inst = rtm::detail::nothrow_new<rtm::Instance>(o);
    } catch (...) {
      inst = nullptr;
    }
    if (inst == nullptr) return nullptr;
    g_by_id[id] = inst;
    // release: pairs with the acquire load in instance_of.
    g_by_tag[inst->handle_tag()].store(inst, std::memory_order_release);
  }
  return g_by_id[id];
}

// The instance a handle belongs to, or null. Lock-free: one acquire load.
rtm::Instance* instance_of(HANDLE h) {
  const auto v = reinterpret_cast<std::uintptr_t>(h);
  if (v == 0) return nullptr;
  return g_by_tag[static_cast<std::uint8_t>(v >> 56)].load(std::memory_order_acquire);
}

std::uint64_t hv(HANDLE h) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(h)); }
HANDLE hp(std::uint64_t v) { return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(v)); }
rtm::EntityHandle eh(HANDLE h) { return rtm::EntityHandle{hv(h)}; }
rtm::DestHandle dh(HANDLE h) { return rtm::DestHandle{hv(h)}; }
rtm::RouteHandle rh(HANDLE h) { return rtm::RouteHandle{hv(h)}; }
rtm::NextHopHandle nh(HANDLE h) { return rtm::NextHopHandle{hv(h)}; }
rtm::NotifyHandle ch(HANDLE h) { return rtm::NotifyHandle{hv(h)}; }
rtm::EnumHandle enh(HANDLE h) { return rtm::EnumHandle{hv(h)}; }
rtm::RouteListHandle lh(HANDLE h) { return rtm::RouteListHandle{hv(h)}; }

// Resolves the caller's instance; the C++ call validates the handle itself.
#define RTM_CALLER(inst, reg)                                   \
  rtm::Instance* inst = instance_of(reg);                       \
  if (inst == nullptr) return ERROR_INVALID_HANDLE

// ---- conversions ------------------------------------------------------------

bool to_addr(const RTM_NET_ADDRESS* a, rtm::NetAddress* out) {
  if (a == nullptr) return false;
  rtm::Family f;
  if (a->AddressFamily == AF_INET)
    f = rtm::Family::ipv4;
  else if (a->AddressFamily == AF_INET6)
    f = rtm::Family::ipv6;
  else
    return false;
  return rtm::NetAddress::make(f, a->AddrBits, a->NumBits, out) == errc::ok;
}

void from_addr(const rtm::NetAddress& a, RTM_NET_ADDRESS* out) {
  out->AddressFamily = static_cast<USHORT>(a.family());
  out->NumBits = static_cast<USHORT>(a.length());
  std::memcpy(out->AddrBits, a.bytes(), RTM_MAX_ADDRESS_SIZE);
}

bool to_family(USHORT af, rtm::Family* f) {
  if (af == AF_INET) *f = rtm::Family::ipv4;
  else if (af == AF_INET6) *f = rtm::Family::ipv6;
  else return false;
  return true;
}

void from_entity_info(const rtm::EntityInfo& i, RTM_ENTITY_INFO* out) {
  out->RtmInstanceId = i.rtm_instance_id;
  out->AddressFamily = static_cast<USHORT>(i.family);
  out->EntityId.EntityProtocolId = i.protocol_id;
  out->EntityId.EntityInstanceId = i.protocol_instance_id;
}

void from_filetime(std::uint64_t t, FILETIME* out) {
  out->dwLowDateTime = static_cast<DWORD>(t);
  out->dwHighDateTime = static_cast<DWORD>(t >> 32);
}

// Stride of arrays of RTM_DEST_INFO for an entity: sized by its profile.
std::size_t dest_info_stride(rtm::Instance* inst, RTM_ENTITY_HANDLE reg) {
  rtm::RegnProfile p;
  if (inst->get_profile(eh(reg), &p) != errc::ok) return 0;
  return RTM_SIZE_OF_DEST_INFO(p.number_of_views);
}

RTM_DEST_INFO* dest_at(PRTM_DEST_INFO base, std::size_t stride, std::size_t i) {
  return reinterpret_cast<RTM_DEST_INFO*>(reinterpret_cast<unsigned char*>(base) + i * stride);
}

void from_dest_info(const rtm::DestInfo& d, RTM_DEST_INFO* out) {
  out->DestHandle = hp(d.dest.value);
  from_addr(d.address, &out->DestAddress);
  from_filetime(d.last_changed, &out->LastChanged);
  out->BelongsToViews = d.belongs_to_views;
  out->NumberOfViews = d.number_of_views;
  for (std::uint32_t i = 0; i < d.number_of_views; ++i) {
    out->ViewInfo[i].ViewId = d.views[i].view_id;
    out->ViewInfo[i].NumRoutes = d.views[i].num_routes;
    out->ViewInfo[i].Route = hp(d.views[i].route.value);
    out->ViewInfo[i].Owner = hp(d.views[i].owner.value);
    out->ViewInfo[i].DestFlags = d.views[i].dest_flags;
    out->ViewInfo[i].HoldRoute = hp(d.views[i].hold_route.value);
  }
}

// The handles of a C info, for release. false if NumberOfViews is out of range.
bool to_dest_info(const RTM_DEST_INFO* in, rtm::DestInfo* out) {
  if (in->NumberOfViews > RTM_MAX_VIEWS) return false;
  out->dest = dh(in->DestHandle);
  // Its lowest bit marks an info from RtmGetChangedDests (rtm/info.h).
  out->last_changed = (std::uint64_t{in->LastChanged.dwHighDateTime} << 32) |
                      in->LastChanged.dwLowDateTime;
  out->number_of_views = in->NumberOfViews;
  for (UINT i = 0; i < in->NumberOfViews; ++i) {
    out->views[i].route = rh(in->ViewInfo[i].Route);
    out->views[i].owner = eh(in->ViewInfo[i].Owner);
    out->views[i].hold_route = rh(in->ViewInfo[i].HoldRoute);
  }
  return true;
}

void from_route_info(const rtm::RouteInfo& r, RTM_ROUTE_INFO* out) {
  out->DestHandle = hp(r.dest.value);
  out->RouteOwner = hp(r.owner.value);
  out->Neighbour = hp(r.neighbour.value);
  out->State = r.state;
  out->Flags1 = r.flags1;
  out->Flags = r.flags;
  out->PrefInfo.Metric = r.pref.metric;
  out->PrefInfo.Preference = r.pref.preference;
  out->BelongsToViews = r.views;
  out->EntitySpecificInfo = r.entity_specific_info;
  out->NextHopsList.NumNextHops = r.next_hops.count;
  for (unsigned i = 0; i < r.next_hops.count; ++i)
    out->NextHopsList.NextHops[i] = hp(r.next_hops.hops[i].value);
}

bool to_route_info(const RTM_ROUTE_INFO* in, rtm::RouteInfo* out) {
  if (in->NextHopsList.NumNextHops > rtm::kMaxNextHopsPerRoute) return false;
  out->dest = dh(in->DestHandle);
  out->owner = eh(in->RouteOwner);
  out->neighbour = nh(in->Neighbour);
  out->state = in->State;
  out->flags1 = in->Flags1;
  out->flags = in->Flags;
  out->pref = {in->PrefInfo.Metric, in->PrefInfo.Preference};
  out->views = in->BelongsToViews;
  out->entity_specific_info = in->EntitySpecificInfo;
  out->next_hops.count = in->NextHopsList.NumNextHops;
  for (unsigned i = 0; i < out->next_hops.count; ++i)
    out->next_hops.hops[i] = nh(in->NextHopsList.NextHops[i]);
  return true;
}

bool to_next_hop_info(const RTM_NEXTHOP_INFO* in, rtm::NextHopInfo* out) {
  if (!to_addr(&in->NextHopAddress, &out->address)) return false;
  out->owner = eh(in->NextHopOwner);
  out->interface_index = in->InterfaceIndex;
  out->state = in->State;
  out->flags = in->Flags;
  out->entity_specific_info = in->EntitySpecificInfo;
  out->remote_next_hop = dh(in->RemoteNextHop);
  return true;
}

void from_next_hop_info(const rtm::NextHopInfo& n, RTM_NEXTHOP_INFO* out) {
  from_addr(n.address, &out->NextHopAddress);
  out->NextHopOwner = hp(n.owner.value);
  out->InterfaceIndex = n.interface_index;
  out->State = n.state;
  out->Flags = n.flags;
  out->EntitySpecificInfo = n.entity_specific_info;
  out->RemoteNextHop = hp(n.remote_next_hop.value);
}

// Releases a C array of dest infos (changed-dest infos when notify non-null).
DWORD release_c_dests(RTM_ENTITY_HANDLE reg, UINT n, PRTM_DEST_INFO infos, HANDLE notify) {
  RTM_CALLER(inst, reg);
  // A release of 0 items succeeds (the array may be NULL); the handles are
  // still checked by the call below.
  if (n != 0 && infos == nullptr) return ERROR_INVALID_PARAMETER;
  const std::size_t stride = dest_info_stride(inst, reg);
  if (stride == 0) return ERROR_INVALID_HANDLE;
  std::vector<rtm::DestInfo> v;
  try {
    rtm::detail::fault_throw();
    v.resize(n);
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  for (UINT i = 0; i < n; ++i) {
    if (!to_dest_info(dest_at(infos, stride, i), &v[i])) return ERROR_INVALID_PARAMETER;
    v[i].changed_by = ch(notify);
  }
  if (notify != nullptr) return code(inst->release_changed_dests(eh(reg), ch(notify), v));
  return code(inst->release_dests(eh(reg), v));
}

// ---- entity methods -------------------------------------------------------------

// A C method inside the core's EntityMethod. Invoked through the C API,
// MethodCall::input is the caller's RTM_ENTITY_METHOD_INPUT and
// MethodCall::output an InvokeCursor over the caller's output buffer, in
// which each method gets the next RTM_ENTITY_METHOD_OUTPUT.
struct InvokeCursor {
  unsigned char* base;
  std::size_t capacity;
  std::size_t used;       // a multiple of kMethodOutputAlign
  std::size_t remaining;  // methods still to run, this one included
};
constexpr std::size_t kMethodOutputHeader = offsetof(RTM_ENTITY_METHOD_OUTPUT, OutputData);
constexpr std::size_t kMethodOutputAlign = alignof(RTM_ENTITY_METHOD_OUTPUT);
constexpr std::size_t align_up(std::size_t n) {
  return (n + kMethodOutputAlign - 1) & ~(kMethodOutputAlign - 1);
}
// The least an invocation's buffer must hold: one aligned header per method.
constexpr std::size_t kMethodOutputSlot = align_up(kMethodOutputHeader);

struct CMethod {
  RTM_ENTITY_EXPORT_METHOD fn;
  void operator()(rtm::EntityHandle caller, rtm::EntityHandle callee, rtm::MethodCall& c) const {
    auto* cur = static_cast<InvokeCursor*>(c.output);
    // This method may use everything up to `limit`, which leaves one
    // header slot for each method after it. By induction (the caller
    // checked capacity >= remaining * slot, and each output ends at or
    // before its limit, aligned) limit >= used + slot: nothing wraps and
    // no method can be told of room past the buffer.
    --cur->remaining;
    const std::size_t limit =
        (cur->capacity - cur->remaining * kMethodOutputSlot) & ~(kMethodOutputAlign - 1);
    auto* out = reinterpret_cast<RTM_ENTITY_METHOD_OUTPUT*>(cur->base + cur->used);
    const std::size_t room = limit - cur->used - kMethodOutputHeader;
    out->MethodType = c.method_type;
    out->MethodStatus = NO_ERROR;
    out->OutputSize = static_cast<UINT>(room);
    fn(hp(caller.value), hp(callee.value),
       static_cast<RTM_ENTITY_METHOD_INPUT*>(const_cast<void*>(c.input)), out);
    if (out->OutputSize > room) out->OutputSize = static_cast<UINT>(room);  // a method that lied
    cur->used = align_up(cur->used + kMethodOutputHeader + out->OutputSize);  // <= limit
    c.status = out->MethodStatus;
  }
};

// ---- pointer blocks (RtmGetRoutePointer, RtmGetNextHopPointer) --------------------------
//
// A block is the C view of one route or next hop, created on first request
// and published by CAS into the object's c_block, freed with the object.
// It is rewritten only with the object's client lock held exclusively
// (by lock_route / lock_next_hop when it is behind, see
// detail::CBlockHooks), so a client that reads it under the lock, as
// RTMv2 requires, never sees a write in progress. The handles in it are
// the object's own, not referenced for the caller.

struct RouteBlock {
  std::uint64_t version;
  union {
    RTM_ROUTE_INFO info;
    unsigned char bytes[RTM_SIZE_OF_ROUTE_INFO(rtm::kMaxNextHopsPerRoute)];
  };
};
struct NextHopBlock {
  std::uint32_t version;
  RTM_NEXTHOP_INFO info;
};

void fill_route_block(rtm::detail::Route* r, RouteBlock* b) noexcept {
  // Version first: a change after it makes the block stale again, never
  // fresh-looking with old contents.
  b->version = r->version.load(std::memory_order_acquire);
  rtm::RouteInfo info;
  rtm::detail::peek_route_info(r, &info);
  from_route_info(info, &b->info);
}

void fill_next_hop_block(rtm::detail::NextHop* n, NextHopBlock* b) noexcept {
  rtm::NextHopInfo info;
  // The version peek read before the attributes (as for routes above).
  b->version = rtm::detail::peek_next_hop_info(n, &info);
  from_next_hop_info(info, &b->info);
}

bool block_stale(rtm::detail::Object* o) noexcept {
  if (o->kind == rtm::HandleKind::route) {
    auto* r = static_cast<rtm::detail::Route*>(o);
    auto* b = static_cast<RouteBlock*>(r->c_block.load(std::memory_order_acquire));
    return b->version != r->version.load(std::memory_order_acquire);
  }
  auto* n = static_cast<rtm::detail::NextHop*>(o);
  auto* b = static_cast<NextHopBlock*>(n->c_block.load(std::memory_order_acquire));
  return b->version != n->version.load(std::memory_order_acquire);
}

void block_refresh(rtm::detail::Object* o) noexcept {
  if (o->kind == rtm::HandleKind::route) {
    auto* r = static_cast<rtm::detail::Route*>(o);
    fill_route_block(r, static_cast<RouteBlock*>(r->c_block.load(std::memory_order_acquire)));
    return;
  }
  auto* n = static_cast<rtm::detail::NextHop*>(o);
  fill_next_hop_block(n, static_cast<NextHopBlock*>(n->c_block.load(std::memory_order_acquire)));
}

// Blocks are plain allocations; the first byte range says nothing of the
// kind, so both kinds are freed with ::operator delete (trivial types).
void block_free(void* b) noexcept { ::operator delete(b); }

const bool g_hooks_set = [] {
  rtm::detail::g_c_block_hooks.stale = &block_stale;
  rtm::detail::g_c_block_hooks.refresh = &block_refresh;
  rtm::detail::g_c_block_hooks.free = &block_free;
  return true;
}();

// The block of a route / next hop (protected by g), created if absent.
template <typename Block, typename Obj, typename Fill>
Block* block_of(Obj* o, Fill fill) {
  void* cur = o->c_block.load(std::memory_order_acquire);
  if (cur != nullptr) return static_cast<Block*>(cur);
  if (rtm::detail::fault()) return nullptr;
  void* mem = ::operator new(sizeof(Block), std::nothrow);
  if (mem == nullptr) return nullptr;
  auto* mine = static_cast<Block*>(mem);
  std::memset(static_cast<void*>(mine), 0, sizeof(Block));
  fill(o, mine);
  // acq_rel: publishes the filled block; on failure acquires the winner's.
  if (o->c_block.compare_exchange_strong(cur, mem, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
    return mine;
  ::operator delete(mem);
  return static_cast<Block*>(cur);
}

// Resolves a route (or next hop) for a pointer call: the caller must be a
// registered entity of the instance. Protected by g.
template <typename Obj>
DWORD resolve_for_pointer(rtm::Instance* inst, RTM_ENTITY_HANDLE reg, HANDLE h,
                          rtm::detail::Guard& g, Obj** out) {
  rtm::detail::Guard gc;
  rtm::detail::Entity* e = nullptr;
  if (errc r = rtm::detail::resolve_caller(inst->core(), eh(reg), gc, &e); r != errc::ok)
    return code(r);
  Obj* o = rtm::detail::lookup_as<Obj>(inst->core(), hv(h), g);
  if (o == nullptr) return ERROR_INVALID_HANDLE;
  *out = o;
  return NO_ERROR;
}

// RtmGetRoutePointer / RtmGetNextHopPointer: the object's block, created
// if absent.
template <typename Obj, typename Block, typename Info, typename Fill>
DWORD get_pointer(RTM_ENTITY_HANDLE reg, HANDLE h, Info** pointer, Fill fill) {
  RTM_CALLER(inst, reg);
  if (pointer == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::detail::ThreadScope scope;
  rtm::detail::Guard g;
  Obj* o = nullptr;
  if (DWORD rc = resolve_for_pointer(inst, reg, h, g, &o); rc != NO_ERROR) return rc;
  Block* b = block_of<Block>(o, fill);
  if (b == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
  *pointer = &b->info;
  return NO_ERROR;
}

// Gets a batch of up to *num items of type T through `get` and hands each
// to put(i, item): the C batch calls (enumerations, changed destinations).
template <typename T, typename Get, typename Put>
DWORD get_batch(PUINT num, Get get, Put put) {
  std::vector<T> v;
  try {
    rtm::detail::fault_throw();
    v.resize(std::min<UINT>(*num, 4096));
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  std::uint32_t n = static_cast<std::uint32_t>(v.size());
  errc r = get(&n, v.data());
  if (r != errc::ok && r != errc::no_more_items) {
    *num = 0;
    return code(r);
  }
  for (std::uint32_t i = 0; i < n; ++i) put(i, v[i]);
  *num = n;
  return code(r);
}

// Dest infos into the caller's C array (stride by its profile):
// RtmGetEnumDests and RtmGetChangedDests.
template <typename Get>
DWORD get_dest_batch(rtm::Instance* inst, RTM_ENTITY_HANDLE reg, PUINT num, PRTM_DEST_INFO out,
                     Get get) {
  if (num == nullptr || out == nullptr || *num == 0) return ERROR_INVALID_PARAMETER;
  const std::size_t stride = dest_info_stride(inst, reg);
  if (stride == 0) return ERROR_INVALID_HANDLE;
  return get_batch<rtm::DestInfo>(num, get, [&](std::uint32_t i, const rtm::DestInfo& d) {
    from_dest_info(d, dest_at(out, stride, i));
  });
}

// Handles (routes or next hops) into the caller's C array.
template <typename H, typename Get>
DWORD get_handle_batch(PUINT num, HANDLE* out, Get get) {
  if (num == nullptr || out == nullptr || *num == 0) return ERROR_INVALID_PARAMETER;
  return get_batch<H>(num, get, [&](std::uint32_t i, H h) { out[i] = hp(h.value); });
}

}  // namespace

extern "C" {

// ---- registration ------------------------------------------------------------------

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
    rtm::detail::fault_throw();
    if (ExportMethods != nullptr)
      for (UINT i = 0; i < ExportMethods->NumMethods; ++i)
        cfg.methods.push_back(ExportMethods->Methods[i] ? rtm::EntityMethod(CMethod{ExportMethods->Methods[i]})
                                                        : rtm::EntityMethod());
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (EventCallback != nullptr) {
    cfg.callback = [EventCallback](rtm::EntityHandle self, rtm::EventType type, void* c1,
                                   void* c2) -> std::uint32_t {
      RTM_ENTITY_INFO ci;
      union {
        RTM_ROUTE_INFO info;
        unsigned char bytes[RTM_SIZE_OF_ROUTE_INFO(rtm::kMaxNextHopsPerRoute)];
      } ri;
      if (type == rtm::EventType::entity_registered ||
          type == rtm::EventType::entity_deregistered) {
        from_entity_info(*static_cast<const rtm::EntityInfo*>(c2), &ci);
        c2 = &ci;
      } else if (type == rtm::EventType::route_expired) {
        from_route_info(*static_cast<const rtm::RouteInfo*>(c2), &ri.info);
        c2 = &ri.info;
      }
      return EventCallback(hp(self.value), static_cast<RTM_EVENT_TYPE>(type), c1, c2);
    };
  }
  rtm::EntityHandle h;
  rtm::RegnProfile p;
  errc r = inst->register_entity(info, cfg, &h, &p);
  if (r != errc::ok) return code(r);
  RtmRegProfile->MaxNextHopsInRoute = p.max_next_hops_in_route;
  RtmRegProfile->MaxHandlesInEnum = p.max_handles_in_enum;
  RtmRegProfile->ViewsSupported = p.views_supported;
  RtmRegProfile->NumberOfViews = p.number_of_views;
  *RtmRegHandle = hp(h.value);
  return NO_ERROR;
}

DWORD WINAPI RtmDeregisterEntity(RTM_ENTITY_HANDLE RtmRegHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->deregister_entity(eh(RtmRegHandle)));
}

DWORD WINAPI RtmGetRegisteredEntities(RTM_ENTITY_HANDLE RtmRegHandle, PUINT NumEntities,
                                      PRTM_ENTITY_HANDLE EntityHandles,
                                      PRTM_ENTITY_INFO EntityInfos) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumEntities == nullptr) return ERROR_INVALID_PARAMETER;
  std::uint32_t n = *NumEntities;
  std::vector<rtm::EntityHandle> hs;
  std::vector<rtm::EntityInfo> is;
  try {
    rtm::detail::fault_throw();
    hs.resize(n);
    is.resize(n);
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (n > 0 && EntityHandles == nullptr) return ERROR_INVALID_PARAMETER;
  errc r = inst->get_registered_entities(eh(RtmRegHandle), &n, hs.data(), is.data());
  *NumEntities = n;
  if (r != errc::ok) return code(r);
  for (std::uint32_t i = 0; i < n; ++i) {
    EntityHandles[i] = hp(hs[i].value);
    if (EntityInfos) from_entity_info(is[i], &EntityInfos[i]);
  }
  return NO_ERROR;
}

DWORD WINAPI RtmReleaseEntities(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumEntities,
                                PRTM_ENTITY_HANDLE EntityHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumEntities != 0 && EntityHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::EntityHandle> hs(NumEntities);
  for (UINT i = 0; i < NumEntities; ++i) hs[i] = eh(EntityHandles[i]);
  return code(inst->release_entities(eh(RtmRegHandle), hs));
}

DWORD WINAPI RtmLockDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                BOOL Exclusive, BOOL LockDest) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->lock_dest(eh(RtmRegHandle), dh(DestHandle), Exclusive != 0, LockDest != 0));
}

DWORD WINAPI RtmGetOpaqueInformationPointer(RTM_ENTITY_HANDLE RtmRegHandle,
                                            RTM_DEST_HANDLE DestHandle,
                                            PVOID* OpaqueInfoPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (OpaqueInfoPointer == nullptr) return ERROR_INVALID_PARAMETER;
  void** slot = nullptr;
  errc r = inst->get_opaque_pointer(eh(RtmRegHandle), dh(DestHandle), &slot);
  if (r == errc::ok) *OpaqueInfoPointer = slot;
  return code(r);
}

DWORD WINAPI RtmGetEntityMethods(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                                 PUINT NumMethods, PRTM_ENTITY_EXPORT_METHOD ExptMethods) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumMethods == nullptr || (*NumMethods != 0 && ExptMethods == nullptr))
    return ERROR_INVALID_PARAMETER;
  std::vector<rtm::EntityMethod> ms;
  try {
    rtm::detail::fault_throw();
    ms.resize(std::min<UINT>(*NumMethods, rtm::kMaxEntityMethods));
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  std::uint32_t n = static_cast<std::uint32_t>(ms.size());
  errc r = inst->get_entity_methods(eh(RtmRegHandle), eh(EntityHandle), &n, ms.data());
  *NumMethods = n;
  if (r != errc::ok) return code(r);
  for (std::uint32_t i = 0; i < n; ++i) {
    const CMethod* c = ms[i].target<CMethod>();
    ExptMethods[i] = c != nullptr ? c->fn : nullptr;  // a C++ method has no C pointer
  }
  return NO_ERROR;
}

DWORD WINAPI RtmInvokeMethod(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                             PRTM_ENTITY_METHOD_INPUT Input, PUINT OutputSize,
                             PRTM_ENTITY_METHOD_OUTPUT Output) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Input == nullptr || OutputSize == nullptr || Output == nullptr)
    return ERROR_INVALID_PARAMETER;
  // The callee's methods, to expand the method type and check they are C.
  std::vector<rtm::EntityMethod> ms(rtm::kMaxEntityMethods);
  std::uint32_t count = rtm::kMaxEntityMethods;
  if (errc r = inst->get_entity_methods(eh(RtmRegHandle), eh(EntityHandle), &count, ms.data());
      r != errc::ok)
    return code(r);
  const std::uint32_t all = count >= 32 ? 0xFFFFFFFFu : (1u << count) - 1;
  const std::uint32_t types =
      Input->MethodType == METHOD_TYPE_ALL_METHODS ? all : Input->MethodType;
  if (types == 0 || (types & ~all) != 0) return ERROR_INVALID_PARAMETER;
  InvokeCursor cur{reinterpret_cast<unsigned char*>(Output), *OutputSize, 0, 0};
  std::vector<rtm::MethodCall> calls;
  for (std::uint32_t rest = types; rest != 0; rest &= rest - 1) {
    const int i = std::countr_zero(rest);
    if (!ms[i] || ms[i].target<CMethod>() == nullptr) return ERROR_INVALID_PARAMETER;
    rtm::MethodCall c;
    c.method_type = 1u << i;
    c.input = Input;
    c.input_size = Input->InputSize;
    c.output = &cur;
    calls.push_back(c);
  }
  // Every method gets at least its output header, or none runs.
  cur.remaining = calls.size();
  const std::size_t header_room = calls.size() * kMethodOutputSlot;
  if (*OutputSize < header_room) {
    *OutputSize = static_cast<UINT>(header_room);
    return ERROR_INSUFFICIENT_BUFFER;
  }
  errc r = inst->invoke_methods(eh(RtmRegHandle), eh(EntityHandle), calls);
  if (r != errc::ok) return code(r);
  *OutputSize = static_cast<UINT>(cur.used);
  return NO_ERROR;
}

DWORD WINAPI RtmBlockMethods(RTM_ENTITY_HANDLE RtmRegHandle, HANDLE TargetHandle,
                             UCHAR TargetType, DWORD BlockingFlag) {
  (void)TargetType;  // rtm blocks every method of the caller (see README)
  RTM_CALLER(inst, RtmRegHandle);
  if (TargetHandle != nullptr && TargetHandle != RtmRegHandle) return ERROR_INVALID_PARAMETER;
  return code(inst->block_methods(eh(RtmRegHandle), BlockingFlag));
}

// ---- information and release -----------------------------------------------------------

DWORD WINAPI RtmGetEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                              PRTM_ENTITY_INFO EntityInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (EntityInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EntityInfo i;
  errc r = inst->get_entity_info(eh(RtmRegHandle), eh(EntityHandle), &i);
  if (r == errc::ok) from_entity_info(i, EntityInfo);
  return code(r);
}

DWORD WINAPI RtmReleaseEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ENTITY_INFO EntityInfo) {
  // RTM_ENTITY_INFO holds no handle: nothing to release beyond validation.
  RTM_CALLER(inst, RtmRegHandle);
  if (EntityInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RegnProfile p;
  return code(inst->get_profile(eh(RtmRegHandle), &p));
}

DWORD WINAPI RtmGetDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                            ULONG ProtocolId, RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::DestInfo d;
  errc r = inst->get_dest_info(eh(RtmRegHandle), dh(DestHandle), ProtocolId, TargetViews, &d);
  if (r == errc::ok) from_dest_info(d, DestInfo);
  return code(r);
}

DWORD WINAPI RtmReleaseDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_DEST_INFO DestInfo) {
  return release_c_dests(RtmRegHandle, 1, DestInfo, nullptr);
}

DWORD WINAPI RtmGetRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                             PRTM_ROUTE_INFO RouteInfo, PRTM_NET_ADDRESS DestAddress) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::RouteInfo ri;
  rtm::NetAddress a;
  errc r = inst->get_route_info(eh(RtmRegHandle), rh(RouteHandle), RouteInfo ? &ri : nullptr,
                                DestAddress ? &a : nullptr);
  if (r != errc::ok) return code(r);
  if (RouteInfo) from_route_info(ri, RouteInfo);
  if (DestAddress) from_addr(a, DestAddress);
  return NO_ERROR;
}

DWORD WINAPI RtmReleaseRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_INFO RouteInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::RouteInfo ri;
  if (RouteInfo == nullptr || !to_route_info(RouteInfo, &ri)) return ERROR_INVALID_PARAMETER;
  return code(inst->release_route_info(eh(RtmRegHandle), ri));
}

DWORD WINAPI RtmGetNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                               PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NextHopInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NextHopInfo n;
  errc r = inst->get_next_hop_info(eh(RtmRegHandle), nh(NextHopHandle), &n);
  if (r == errc::ok) from_next_hop_info(n, NextHopInfo);
  return code(r);
}

DWORD WINAPI RtmReleaseNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NextHopInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NextHopInfo n;
  n.owner = eh(NextHopInfo->NextHopOwner);
  n.remote_next_hop = dh(NextHopInfo->RemoteNextHop);
  return code(inst->release_next_hop_info(eh(RtmRegHandle), n));
}

DWORD WINAPI RtmReleaseDests(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumDests,
                             PRTM_DEST_INFO DestInfos) {
  return release_c_dests(RtmRegHandle, NumDests, DestInfos, nullptr);
}

DWORD WINAPI RtmReleaseRoutes(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumRoutes,
                              PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumRoutes != 0 && RouteHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::RouteHandle> hs(NumRoutes);
  for (UINT i = 0; i < NumRoutes; ++i) hs[i] = rh(RouteHandles[i]);
  return code(inst->release_routes(eh(RtmRegHandle), hs));
}

DWORD WINAPI RtmReleaseNextHops(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumNextHops,
                                PRTM_NEXTHOP_HANDLE NextHopHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumNextHops != 0 && NextHopHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::NextHopHandle> hs(NumNextHops);
  for (UINT i = 0; i < NumNextHops; ++i) hs[i] = nh(NextHopHandles[i]);
  return code(inst->release_next_hops(eh(RtmRegHandle), hs));
}

DWORD WINAPI RtmReferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                 HANDLE* RtmHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumHandles == 0 || RtmHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::AnyHandle> hs(NumHandles);
  for (UINT i = 0; i < NumHandles; ++i) hs[i] = hv(RtmHandles[i]);
  return code(inst->reference_handles(eh(RtmRegHandle), hs));
}

DWORD WINAPI RtmDereferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                   HANDLE* RtmHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumHandles != 0 && RtmHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::AnyHandle> hs(NumHandles);
  for (UINT i = 0; i < NumHandles; ++i) hs[i] = hv(RtmHandles[i]);
  return code(inst->dereference_handles(eh(RtmRegHandle), hs));
}

// ---- routes ----------------------------------------------------------------------------------

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
      !to_addr(DestAddress, &a) || !to_route_info(RouteInfo, &ri))
    return ERROR_INVALID_PARAMETER;
  rtm::RouteHandle h = RouteHandle ? rh(*RouteHandle) : rtm::RouteHandle{};
  rtm::RouteChangeFlags f = *ChangeFlags;
  errc r = inst->add_route(eh(RtmRegHandle), RouteHandle ? &h : nullptr, a, ri, TimeToLive, &f,
                           lh(RouteListHandle));
  if (r != errc::ok) return code(r);
  *ChangeFlags = f;
  if (RouteHandle) *RouteHandle = hp(h.value);
  return NO_ERROR;
}

DWORD WINAPI RtmDeleteRouteToDest(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                  PRTM_ROUTE_CHANGE_FLAGS ChangeFlags) {
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeFlags == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RouteChangeFlags f = 0;
  errc r = inst->delete_route(eh(RtmRegHandle), rh(RouteHandle), &f);
  if (r == errc::ok) *ChangeFlags = f;
  return code(r);
}

DWORD WINAPI RtmHoldDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, ULONG HoldTime) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->hold_destination(eh(RtmRegHandle), dh(DestHandle), TargetViews, HoldTime));
}

DWORD WINAPI RtmGetRoutePointer(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                PRTM_ROUTE_INFO* RoutePointer) {
  return get_pointer<rtm::detail::Route, RouteBlock>(RtmRegHandle, RouteHandle, RoutePointer,
                                                     fill_route_block);
}

DWORD WINAPI RtmLockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                          BOOL Exclusive, BOOL LockRoute, PRTM_ROUTE_INFO* RoutePointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (LockRoute && RoutePointer != nullptr) {
    // The block exists before the lock is taken, so the lock brings it up
    // to date (detail::CBlockHooks).
    DWORD rc = RtmGetRoutePointer(RtmRegHandle, RouteHandle, RoutePointer);
    if (rc != NO_ERROR) return rc;
  }
  return code(inst->lock_route(eh(RtmRegHandle), rh(RouteHandle), Exclusive != 0, LockRoute != 0));
}

DWORD WINAPI RtmUpdateAndUnlockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                     ULONG TimeToLive, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                     RTM_NOTIFY_FLAGS NotifyType, RTM_NOTIFY_HANDLE NotifyHandle,
                                     PRTM_ROUTE_CHANGE_FLAGS ChangeFlags) {
  (void)NotifyType;
  (void)NotifyHandle;
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeFlags == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RouteInfo ri;
  {
    // The owner edited the block in place under its exclusive lock.
    rtm::detail::ThreadScope scope;
    rtm::detail::Guard g;
    rtm::detail::Route* r = nullptr;
    if (DWORD rc = resolve_for_pointer(inst, RtmRegHandle, RouteHandle, g, &r); rc != NO_ERROR)
      return rc;
    auto* b = static_cast<RouteBlock*>(r->c_block.load(std::memory_order_acquire));
    if (b == nullptr) {
      // No pointer was ever taken: commit the route as it is (a refresh).
      rtm::detail::peek_route_info(r, &ri);
    } else if (!to_route_info(&b->info, &ri)) {
      return ERROR_INVALID_PARAMETER;
    }
  }
  rtm::RouteChangeFlags f = 0;
  errc r = inst->update_and_unlock_route(eh(RtmRegHandle), rh(RouteHandle), ri, TimeToLive,
                                         lh(RouteListHandle), &f);
  if (r == errc::ok) *ChangeFlags = f;
  return code(r);
}

// ---- queries -----------------------------------------------------------------------------------

DWORD WINAPI RtmGetExactMatchDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                         PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                         RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NetAddress a;
  if (DestInfo == nullptr || !to_addr(DestAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::DestInfo d;
  errc r = inst->get_exact_match_destination(eh(RtmRegHandle), a, ProtocolId, TargetViews, &d);
  if (r == errc::ok) from_dest_info(d, DestInfo);
  return code(r);
}

DWORD WINAPI RtmGetMostSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NetAddress a;
  if (DestInfo == nullptr || !to_addr(DestAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::DestInfo d;
  errc r = inst->get_most_specific_destination(eh(RtmRegHandle), a, ProtocolId, TargetViews, &d);
  if (r == errc::ok) from_dest_info(d, DestInfo);
  return code(r);
}

DWORD WINAPI RtmGetLessSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           RTM_DEST_HANDLE DestHandle, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestInfo == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::DestInfo d;
  errc r = inst->get_less_specific_destination(eh(RtmRegHandle), dh(DestHandle), ProtocolId,
                                               TargetViews, &d);
  if (r == errc::ok) from_dest_info(d, DestInfo);
  return code(r);
}

DWORD WINAPI RtmGetExactMatchRoute(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NET_ADDRESS DestAddress,
                                   RTM_MATCH_FLAGS MatchingFlags, PRTM_ROUTE_INFO RouteInfo,
                                   ULONG InterfaceIndex, RTM_VIEW_SET TargetViews,
                                   PRTM_ROUTE_HANDLE RouteHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NetAddress a;
  if (RouteHandle == nullptr || !to_addr(DestAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::RouteInfo ri;
  if (RouteInfo != nullptr && !to_route_info(RouteInfo, &ri)) return ERROR_INVALID_PARAMETER;
  rtm::RouteHandle h;
  errc r = inst->get_exact_match_route(eh(RtmRegHandle), a, MatchingFlags,
                                       RouteInfo ? &ri : nullptr, InterfaceIndex, TargetViews, &h,
                                       RouteInfo != nullptr);
  if (r != errc::ok) return code(r);
  *RouteHandle = hp(h.value);
  if (RouteInfo) from_route_info(ri, RouteInfo);
  return NO_ERROR;
}

DWORD WINAPI RtmIsBestRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                            PRTM_VIEW_SET BestInViews) {
  RTM_CALLER(inst, RtmRegHandle);
  if (BestInViews == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::ViewSet v = 0;
  errc r = inst->is_best_route(eh(RtmRegHandle), rh(RouteHandle), &v);
  if (r == errc::ok) *BestInViews = v;
  return code(r);
}

// ---- next hops ---------------------------------------------------------------------------------

DWORD WINAPI RtmAddNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                           PRTM_NEXTHOP_HANDLE NextHopHandle,
                           PRTM_NEXTHOP_CHANGE_FLAGS ChangeFlags) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopInfo == nullptr || ChangeFlags == nullptr || !to_next_hop_info(NextHopInfo, &n))
    return ERROR_INVALID_PARAMETER;
  rtm::NextHopHandle h = NextHopHandle ? nh(*NextHopHandle) : rtm::NextHopHandle{};
  rtm::NextHopChangeFlags f = 0;
  errc r = inst->add_next_hop(eh(RtmRegHandle), n, NextHopHandle ? &h : nullptr, &f);
  if (r != errc::ok) return code(r);
  *ChangeFlags = f;
  if (NextHopHandle) *NextHopHandle = hp(h.value);
  return NO_ERROR;
}

DWORD WINAPI RtmFindNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                            PRTM_NEXTHOP_HANDLE NextHopHandle, PRTM_NEXTHOP_INFO* NextHopPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopInfo == nullptr || NextHopHandle == nullptr || !to_next_hop_info(NextHopInfo, &n))
    return ERROR_INVALID_PARAMETER;
  rtm::NextHopHandle h;
  errc r = inst->find_next_hop(eh(RtmRegHandle), n, &h);
  if (r != errc::ok) return code(r);
  if (NextHopPointer != nullptr) {
    DWORD rc = RtmGetNextHopPointer(RtmRegHandle, hp(h.value), NextHopPointer);
    if (rc != NO_ERROR) {
      rtm::NextHopHandle one[1] = {h};
      inst->release_next_hops(eh(RtmRegHandle), one);
      return rc;
    }
  }
  *NextHopHandle = hp(h.value);
  return NO_ERROR;
}

DWORD WINAPI RtmDeleteNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                              PRTM_NEXTHOP_INFO NextHopInfo) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::NextHopInfo n;
  if (NextHopHandle == nullptr &&
      (NextHopInfo == nullptr || !to_next_hop_info(NextHopInfo, &n)))
    return ERROR_INVALID_PARAMETER;
  return code(inst->delete_next_hop(eh(RtmRegHandle), nh(NextHopHandle),
                                    NextHopHandle ? nullptr : &n));
}

DWORD WINAPI RtmGetNextHopPointer(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                                  PRTM_NEXTHOP_INFO* NextHopPointer) {
  return get_pointer<rtm::detail::NextHop, NextHopBlock>(RtmRegHandle, NextHopHandle,
                                                         NextHopPointer, fill_next_hop_block);
}

DWORD WINAPI RtmLockNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                            BOOL Exclusive, BOOL LockNextHop, PRTM_NEXTHOP_INFO* NextHopPointer) {
  RTM_CALLER(inst, RtmRegHandle);
  if (LockNextHop && NextHopPointer != nullptr) {
    DWORD rc = RtmGetNextHopPointer(RtmRegHandle, NextHopHandle, NextHopPointer);
    if (rc != NO_ERROR) return rc;
  }
  return code(inst->lock_next_hop(eh(RtmRegHandle), nh(NextHopHandle), Exclusive != 0,
                                  LockNextHop != 0));
}

// ---- enumerations ------------------------------------------------------------------------------

DWORD WINAPI RtmCreateDestEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_SET TargetViews,
                               RTM_ENUM_FLAGS EnumFlags, PRTM_NET_ADDRESS NetAddress,
                               ULONG ProtocolId, PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (NetAddress != nullptr && !to_addr(NetAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_dest_enum(eh(RtmRegHandle), TargetViews, EnumFlags,
                                  NetAddress ? &a : nullptr, ProtocolId, &h);
  if (r == errc::ok) *RtmEnumHandle = hp(h.value);
  return code(r);
}

DWORD WINAPI RtmGetEnumDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                             PUINT NumDests, PRTM_DEST_INFO DestInfos) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_dest_batch(inst, RtmRegHandle, NumDests, DestInfos,
                        [&](std::uint32_t* n, rtm::DestInfo* v) {
                          return inst->get_enum_dests(eh(RtmRegHandle), enh(EnumHandle), n, v);
                        });
}

DWORD WINAPI RtmCreateRouteEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, RTM_ENUM_FLAGS EnumFlags,
                                PRTM_NET_ADDRESS StartDest, RTM_MATCH_FLAGS MatchingFlags,
                                PRTM_ROUTE_INFO CriteriaRoute, ULONG CriteriaInterface,
                                PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (StartDest != nullptr && !to_addr(StartDest, &a)) return ERROR_INVALID_PARAMETER;
  rtm::RouteInfo crit;
  if (CriteriaRoute != nullptr && !to_route_info(CriteriaRoute, &crit))
    return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_route_enum(eh(RtmRegHandle), dh(DestHandle), TargetViews, EnumFlags,
                                   StartDest ? &a : nullptr, MatchingFlags,
                                   CriteriaRoute ? &crit : nullptr, CriteriaInterface, &h);
  if (r == errc::ok) *RtmEnumHandle = hp(h.value);
  return code(r);
}


DWORD WINAPI RtmGetEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                              PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::RouteHandle>(
      NumRoutes, RouteHandles, [&](std::uint32_t* n, rtm::RouteHandle* hs) {
        return inst->get_enum_routes(eh(RtmRegHandle), enh(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmCreateNextHopEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_FLAGS EnumFlags,
                                  PRTM_NET_ADDRESS NetAddress, PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress a;
  if (NetAddress != nullptr && !to_addr(NetAddress, &a)) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_next_hop_enum(eh(RtmRegHandle), EnumFlags, NetAddress ? &a : nullptr, &h);
  if (r == errc::ok) *RtmEnumHandle = hp(h.value);
  return code(r);
}

DWORD WINAPI RtmGetEnumNextHops(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                PUINT NumNextHops, PRTM_NEXTHOP_HANDLE NextHopHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::NextHopHandle>(
      NumNextHops, NextHopHandles, [&](std::uint32_t* n, rtm::NextHopHandle* hs) {
        return inst->get_enum_next_hops(eh(RtmRegHandle), enh(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmDeleteEnumHandle(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->delete_enum(eh(RtmRegHandle), enh(EnumHandle)));
}

// ---- change notification ---------------------------------------------------------------------

DWORD WINAPI RtmRegisterForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_VIEW_SET TargetViews,
                                              RTM_NOTIFY_FLAGS NotifyFlags, PVOID NotifyContext,
                                              PRTM_NOTIFY_HANDLE NotifyHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NotifyHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::NotifyHandle h;
  errc r = inst->register_for_change_notification(eh(RtmRegHandle), TargetViews, NotifyFlags,
                                                  NotifyContext, &h);
  if (r == errc::ok) *NotifyHandle = hp(h.value);
  return code(r);
}

DWORD WINAPI RtmGetChangedDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                PUINT NumDests, PRTM_DEST_INFO ChangedDests) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_dest_batch(inst, RtmRegHandle, NumDests, ChangedDests,
                        [&](std::uint32_t* n, rtm::DestInfo* v) {
                          return inst->get_changed_dests(eh(RtmRegHandle), ch(NotifyHandle), n, v);
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
  std::vector<rtm::DestHandle> hs(NumDests);
  for (UINT i = 0; i < NumDests; ++i) hs[i] = dh(ChangedDests[i]);
  return code(inst->ignore_changed_dests(eh(RtmRegHandle), ch(NotifyHandle), hs));
}

DWORD WINAPI RtmGetChangeStatus(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                RTM_DEST_HANDLE DestHandle, PBOOL ChangeStatus) {
  RTM_CALLER(inst, RtmRegHandle);
  if (ChangeStatus == nullptr) return ERROR_INVALID_PARAMETER;
  bool b = false;
  errc r = inst->get_change_status(eh(RtmRegHandle), ch(NotifyHandle), dh(DestHandle), &b);
  if (r == errc::ok) *ChangeStatus = b ? TRUE : FALSE;
  return code(r);
}

DWORD WINAPI RtmMarkDestForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, BOOL MarkDest) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->mark_dest_for_change_notification(eh(RtmRegHandle), ch(NotifyHandle),
                                                      dh(DestHandle), MarkDest != 0));
}

DWORD WINAPI RtmIsMarkedForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, PBOOL DestMarked) {
  RTM_CALLER(inst, RtmRegHandle);
  if (DestMarked == nullptr) return ERROR_INVALID_PARAMETER;
  bool b = false;
  errc r = inst->is_marked_for_change_notification(eh(RtmRegHandle), ch(NotifyHandle),
                                                   dh(DestHandle), &b);
  if (r == errc::ok) *DestMarked = b ? TRUE : FALSE;
  return code(r);
}

DWORD WINAPI RtmDeregisterFromChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                                 RTM_NOTIFY_HANDLE NotifyHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->deregister_from_change_notification(eh(RtmRegHandle), ch(NotifyHandle)));
}

// ---- route lists ----------------------------------------------------------

DWORD WINAPI RtmCreateRouteList(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_LIST_HANDLE RouteListHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RouteListHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::RouteListHandle h;
  errc r = inst->create_route_list(eh(RtmRegHandle), &h);
  if (r == errc::ok) *RouteListHandle = hp(h.value);
  return code(r);
}

DWORD WINAPI RtmInsertInRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                  RTM_ROUTE_LIST_HANDLE RouteListHandle, UINT NumRoutes,
                                  PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumRoutes == 0 || RouteHandles == nullptr) return ERROR_INVALID_PARAMETER;
  std::vector<rtm::RouteHandle> hs;
  try {
    rtm::detail::fault_throw();
    hs.resize(NumRoutes);
  } catch (...) {
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  for (UINT i = 0; i < NumRoutes; ++i) hs[i] = rh(RouteHandles[i]);
  return code(inst->insert_in_route_list(eh(RtmRegHandle), lh(RouteListHandle), hs));
}

DWORD WINAPI RtmCreateRouteListEnum(RTM_ENTITY_HANDLE RtmRegHandle,
                                    RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                    PRTM_ENUM_HANDLE RtmEnumHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  if (RtmEnumHandle == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EnumHandle h;
  errc r = inst->create_route_list_enum(eh(RtmRegHandle), lh(RouteListHandle), &h);
  if (r == errc::ok) *RtmEnumHandle = hp(h.value);
  return code(r);
}

DWORD WINAPI RtmGetListEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                  PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles) {
  RTM_CALLER(inst, RtmRegHandle);
  return get_handle_batch<rtm::RouteHandle>(
      NumRoutes, RouteHandles, [&](std::uint32_t* n, rtm::RouteHandle* hs) {
        return inst->get_list_enum_routes(eh(RtmRegHandle), enh(EnumHandle), n, hs);
      });
}

DWORD WINAPI RtmDeleteRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                RTM_ROUTE_LIST_HANDLE RouteListHandle) {
  RTM_CALLER(inst, RtmRegHandle);
  return code(inst->delete_route_list(eh(RtmRegHandle), lh(RouteListHandle)));
}

// ---- address helpers ------------------------------------------------------------------------------

DWORD WINAPI RtmConvertNetAddressToIpv6AddressAndLength(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR* pAddress, ULONG* pLength,
                                                        ULONG dwAddressSize) {
  // An IPv6 conversion: any other family is a bad address family.
  if (pNetAddress == nullptr || pAddress == nullptr || pLength == nullptr ||
      pNetAddress->AddressFamily != AF_INET6 || dwAddressSize > sizeof(IN6_ADDR) ||
      pNetAddress->NumBits > dwAddressSize * 8)
    return ERROR_INVALID_PARAMETER;
  std::memset(pAddress, 0, sizeof(IN6_ADDR));
  std::memcpy(pAddress, pNetAddress->AddrBits, dwAddressSize);
  *pLength = pNetAddress->NumBits;
  return NO_ERROR;
}

DWORD WINAPI RtmConvertIpv6AddressAndLengthToNetAddress(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR Address, ULONG dwLength,
                                                        ULONG dwAddressSize) {
  if (pNetAddress == nullptr || dwAddressSize > sizeof(IN6_ADDR) || dwLength > dwAddressSize * 8)
    return ERROR_INVALID_PARAMETER;
  pNetAddress->AddressFamily = AF_INET6;
  pNetAddress->NumBits = static_cast<USHORT>(dwLength);
  std::memset(pNetAddress->AddrBits, 0, RTM_MAX_ADDRESS_SIZE);
  std::memcpy(pNetAddress->AddrBits, &Address, dwAddressSize);
  return NO_ERROR;
}

// ---- rtm extensions (rtmv2_ext.h) ------------------------------------------------------

DWORD WINAPI RtmxGetHeldReferences(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Count == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::Outstanding o;
  if (errc r = inst->outstanding(eh(RtmRegHandle), &o); r != errc::ok) return code(r);
  *Count = static_cast<ULONG>(o.total());
  return NO_ERROR;
}

DWORD WINAPI RtmxGetDestCount(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Count == nullptr) return ERROR_INVALID_PARAMETER;
  rtm::EntityInfo info;
  if (errc r = inst->get_entity_info(eh(RtmRegHandle), eh(RtmRegHandle), &info); r != errc::ok)
    return code(r);
  *Count = static_cast<ULONG>(inst->dest_count(info.family));
  return NO_ERROR;
}

VOID WINAPI RtmxReclaimNow(VOID) { rtm::reclaim_all(); }

}  // extern "C"
