// The bad-input matrix of the C API (ctest label "badinput"): every RTMv2
// function and the forwarding extensions (RtmxForward*, the forwarding
// sessions; rtmv2_ext.h).
//
// Every case is one row of data: the function, the class of bad input, the
// documented error code, and the call. Each case runs against the same
// small world (two instances, five entities, a route, a destination, a next
// hop, a registration, enumerations and route lists of two entities, stale /
// forged / wrong-kind / other-instance handles) and must return its code and
// leave the world as it was: every
// entity's reference count, every table's destination count, and the
// route's attributes. `rtm_badinput_test --markdown` prints the matrix
// (README.md shows it).
#include <gtest/gtest.h>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {

struct World {
  RTM_ENTITY_HANDLE a = nullptr, b = nullptr, c6 = nullptr, x = nullptr;  // x: other instance
  // m exports two method slots (0: a method, 1: NULL) and reserves an opaque pointer.
  RTM_ENTITY_HANDLE m = nullptr;
  RTM_ROUTE_HANDLE route = nullptr;       // a's route to 10.0.0.0/8, held by a
  RTM_ROUTE_HANDLE x_route = nullptr;     // x's route, held by x
  RTM_DEST_HANDLE dest = nullptr;         // 10.0.0.0/8, held by a
  RTM_NEXTHOP_HANDLE nexthop = nullptr;   // a's next hop, held by a
  RTM_NOTIFY_HANDLE notify = nullptr;     // a's registration
  RTM_ROUTE_HANDLE stale_route = nullptr; // a route deleted, released and freed
  RTM_DEST_HANDLE stale_dest = nullptr;   // 12.0.0.0/8: its only route deleted, freed
  // Enumerations (a's, b's, x's) and route lists (a's, b's), live for the whole run.
  RTM_ENUM_HANDLE a_dest_enum = nullptr, a_route_enum = nullptr, a_nh_enum = nullptr,
                  a_list_enum = nullptr, b_dest_enum = nullptr, b_route_enum = nullptr,
                  b_nh_enum = nullptr, b_list_enum = nullptr, x_dest_enum = nullptr;
  RTM_ROUTE_LIST_HANDLE a_list = nullptr, b_list = nullptr;
  RTM_NET_ADDRESS p10{}, p6{}, bad_family{}, too_long{}, host_bits{};
  std::vector<unsigned char> info_buf = std::vector<unsigned char>(4096);
  PRTM_DEST_INFO dinfo() { return reinterpret_cast<PRTM_DEST_INFO>(info_buf.data()); }
  RTM_ROUTE_INFO* rinfo() { return reinterpret_cast<RTM_ROUTE_INFO*>(info_buf.data()); }
};

HANDLE forge(HANDLE h) {  // the same slot, another generation
  return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(h) ^ (std::uintptr_t{1} << 40));
}
const HANDLE kJunk = reinterpret_cast<HANDLE>(std::uintptr_t{0x1234});
// What a row returns when a helper object it needs could not be made (no row expects it).
constexpr DWORD kSetupFailed = ERROR_CAN_NOT_COMPLETE;

VOID noop_method(RTM_ENTITY_HANDLE, RTM_ENTITY_HANDLE, RTM_ENTITY_METHOD_INPUT*,
                 RTM_ENTITY_METHOD_OUTPUT* out) {
  out->OutputSize = 0;
}

void v4(RTM_NET_ADDRESS* a, unsigned char b0, unsigned char b1, unsigned len) {
  std::memset(a, 0, sizeof *a);
  a->AddressFamily = AF_INET;
  a->NumBits = static_cast<USHORT>(len);
  a->AddrBits[0] = b0;
  a->AddrBits[1] = b1;
}

World& world() {
  static World w = [] {
    World w;
    auto reg = [](USHORT inst, USHORT fam, ULONG proto, RTM_ENTITY_HANDLE* h,
                  PRTM_ENTITY_EXPORT_METHODS methods = nullptr, BOOL opaque = FALSE) {
      RTM_ENTITY_INFO i{};
      i.RtmInstanceId = inst;
      i.AddressFamily = fam;
      i.EntityId.EntityProtocolId = proto;
      i.EntityId.EntityInstanceId = 1;
      RTM_REGN_PROFILE p;
      if (RtmRegisterEntity(&i, methods, nullptr, opaque, &p, h) != NO_ERROR) std::abort();
    };
    reg(11, AF_INET, 1, &w.a);
    reg(11, AF_INET, 2, &w.b);
    reg(11, AF_INET6, 1, &w.c6);
    reg(12, AF_INET, 1, &w.x);
    {
      union {
        RTM_ENTITY_EXPORT_METHODS m;
        unsigned char bytes[sizeof(RTM_ENTITY_EXPORT_METHODS) + sizeof(RTM_ENTITY_EXPORT_METHOD)];
      } em;
      em.m.NumMethods = 2;
      RTM_ENTITY_EXPORT_METHOD* slots = em.m.Methods;
      slots[0] = noop_method;
      slots[1] = nullptr;
      reg(11, AF_INET, 3, &w.m, &em.m, TRUE);
    }
    v4(&w.p10, 10, 0, 8);
    std::memset(&w.p6, 0, sizeof w.p6);
    w.p6.AddressFamily = AF_INET6;
    w.p6.NumBits = 32;
    w.p6.AddrBits[0] = 0x20;
    w.p6.AddrBits[1] = 0x01;
    w.bad_family = w.p10;
    w.bad_family.AddressFamily = 99;
    w.too_long = w.p10;
    w.too_long.NumBits = 33;
    v4(&w.host_bits, 10, 1, 8);  // 10.1.0.0/8: a host bit beyond /8
    RTM_NEXTHOP_INFO nh{};
    v4(&nh.NextHopAddress, 192, 0, 32);
    nh.InterfaceIndex = 1;
    RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
    if (RtmAddNextHop(w.a, &nh, &w.nexthop, &nf) != NO_ERROR) std::abort();
    RTM_ROUTE_INFO ri{};
    ri.BelongsToViews = RTM_VIEW_MASK_UCAST;
    ri.PrefInfo.Preference = 20;
    RTM_ROUTE_CHANGE_FLAGS cf = 0;
    if (RtmAddRouteToDest(w.a, &w.route, &w.p10, &ri, INFINITE, nullptr, 0, nullptr, &cf) != NO_ERROR)
      std::abort();
    cf = 0;
    if (RtmAddRouteToDest(w.x, &w.x_route, &w.p10, &ri, INFINITE, nullptr, 0, nullptr, &cf) != NO_ERROR)
      std::abort();
    cf = 0;
    if (RtmAddRouteToDest(w.c6, nullptr, &w.p6, &ri, INFINITE, nullptr, 0, nullptr, &cf) != NO_ERROR)
      std::abort();
    if (RtmGetExactMatchDestination(w.a, &w.p10, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST,
                                    w.dinfo()) != NO_ERROR)
      std::abort();
    w.dest = w.dinfo()->DestHandle;
    HANDLE keep = w.dest;
    RtmReferenceHandles(w.a, 1, &keep);
    RtmReleaseDestInfo(w.a, w.dinfo());
    {
      // A destination that went away (before the registration below, whose
      // queue would otherwise keep it referenced).
      RTM_NET_ADDRESS p12;
      v4(&p12, 12, 0, 8);
      RTM_ROUTE_HANDLE r12 = nullptr;
      cf = 0;
      if (RtmAddRouteToDest(w.a, &r12, &p12, &ri, INFINITE, nullptr, 0, nullptr, &cf) != NO_ERROR ||
          RtmGetExactMatchDestination(w.a, &p12, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST,
                                      w.dinfo()) != NO_ERROR)
        std::abort();
      w.stale_dest = w.dinfo()->DestHandle;
      RtmReleaseDestInfo(w.a, w.dinfo());
      RtmDeleteRouteToDest(w.a, r12, &cf);
      RtmReleaseRoutes(w.a, 1, &r12);
    }
    if (RtmRegisterForChangeNotification(w.a, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_ALL, nullptr,
                                         &w.notify) != NO_ERROR)
      std::abort();
    RTM_NET_ADDRESS p11;
    v4(&p11, 11, 0, 8);
    cf = 0;
    RtmAddRouteToDest(w.a, &w.stale_route, &p11, &ri, INFINITE, nullptr, 0, nullptr, &cf);
    RtmDeleteRouteToDest(w.a, w.stale_route, &cf);
    RtmReleaseRoutes(w.a, 1, &w.stale_route);
    auto ok = [](DWORD rc) {
      if (rc != NO_ERROR) std::abort();
    };
    ok(RtmCreateRouteList(w.a, &w.a_list));
    ok(RtmCreateRouteList(w.b, &w.b_list));
    for (auto [e, de, re, ne, list, le] :
         {std::tuple{w.a, &w.a_dest_enum, &w.a_route_enum, &w.a_nh_enum, w.a_list, &w.a_list_enum},
          std::tuple{w.b, &w.b_dest_enum, &w.b_route_enum, &w.b_nh_enum, w.b_list, &w.b_list_enum}}) {
      ok(RtmCreateDestEnum(e, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, de));
      ok(RtmCreateRouteEnum(e, nullptr, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NONE,
                            nullptr, 0, re));
      ok(RtmCreateNextHopEnum(e, RTM_ENUM_START, nullptr, ne));
      ok(RtmCreateRouteListEnum(e, list, le));
    }
    ok(RtmCreateDestEnum(w.x, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL,
                         &w.x_dest_enum));
    RtmxReclaimNow();
    return w;
  }();
  return w;
}

// What must not change: references held, destinations, the route's preference.
struct Snapshot {
  ULONG held[5] = {}, dests[3] = {};
  ULONG pref = 0;
  static Snapshot take() {
    World& w = world();
    Snapshot s;
    RTM_ENTITY_HANDLE es[5] = {w.a, w.b, w.c6, w.x, w.m};
    for (int i = 0; i < 5; ++i) RtmxGetHeldReferences(es[i], &s.held[i]);
    RtmxGetDestCount(w.a, &s.dests[0]);
    RtmxGetDestCount(w.c6, &s.dests[1]);
    RtmxGetDestCount(w.x, &s.dests[2]);
    std::vector<unsigned char> buf(4096);
    auto* ri = reinterpret_cast<RTM_ROUTE_INFO*>(buf.data());
    if (RtmGetRouteInfo(w.a, w.route, ri, nullptr) == NO_ERROR) {
      s.pref = ri->PrefInfo.Preference;
      RtmReleaseRouteInfo(w.a, ri);
    }
    return s;
  }
  bool operator==(const Snapshot& o) const {
    return std::memcmp(held, o.held, sizeof held) == 0 &&
           std::memcmp(dests, o.dests, sizeof dests) == 0 && pref == o.pref;
  }
};

struct Case {
  const char* function;
  const char* input;
  DWORD expected;
  std::function<DWORD(World&)> call;
};

#define INVH ERROR_INVALID_HANDLE
#define INVP ERROR_INVALID_PARAMETER
#define DENIED ERROR_ACCESS_DENIED
#define CANNOT ERROR_CAN_NOT_COMPLETE
// A setup failure in a row whose documented code is ERROR_CAN_NOT_COMPLETE
// (kSetupFailed's value): a code no call returns.
constexpr DWORD kSetupFailedCannot = 0xFFFFFFFFu;

// `call` inside a forwarding session of w.a (opened and closed around it).
template <class F>
DWORD session_call(World& w, F call) {
  RTMX_FORWARDING_SESSION s{};
  if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s) != NO_ERROR) return kSetupFailed;
  const DWORD r = call(&s);
  return RtmxCloseForwardingSession(&s) == NO_ERROR ? r : kSetupFailed;
}

// A row whose call wrongly succeeded gives back what it made or took, so
// that one library bug does not spill into the rows after it.
DWORD drop_enum(RTM_ENTITY_HANDLE owner, const RTM_ENUM_HANDLE* e, DWORD rc) {
  if (rc == NO_ERROR) RtmDeleteEnumHandle(owner, *e);
  return rc;
}
DWORD undo_lock_dest(World& w, DWORD rc) {
  if (rc == NO_ERROR) RtmLockDestination(w.a, w.dest, TRUE, FALSE);
  return rc;
}
DWORD undo_block(World& w, DWORD rc) {
  if (rc == NO_ERROR) RtmBlockMethods(w.m, nullptr, 0, RTM_RESUME_METHODS);
  return rc;
}

// An output buffer for RtmInvokeMethod (room for a few method outputs).
struct MethodBuf {
  alignas(RTM_ENTITY_METHOD_OUTPUT) unsigned char bytes[256] = {};
  PRTM_ENTITY_METHOD_OUTPUT out() { return reinterpret_cast<PRTM_ENTITY_METHOD_OUTPUT>(bytes); }
};

std::vector<Case> cases() {
  std::vector<Case> v = {
      // ---- registration
      {"RtmRegisterEntity", "null entity info", INVP,
       [](World&) { RTM_REGN_PROFILE p; RTM_ENTITY_HANDLE h; return RtmRegisterEntity(nullptr, nullptr, nullptr, FALSE, &p, &h); }},
      {"RtmRegisterEntity", "null handle out", INVP,
       [](World&) { RTM_ENTITY_INFO i{}; i.AddressFamily = AF_INET; i.RtmInstanceId = 11; RTM_REGN_PROFILE p; return RtmRegisterEntity(&i, nullptr, nullptr, FALSE, &p, nullptr); }},
      {"RtmRegisterEntity", "invalid address family", INVP,
       [](World&) { RTM_ENTITY_INFO i{}; i.AddressFamily = 99; i.RtmInstanceId = 11; RTM_REGN_PROFILE p; RTM_ENTITY_HANDLE h; return RtmRegisterEntity(&i, nullptr, nullptr, FALSE, &p, &h); }},
      {"RtmRegisterEntity", "identity already registered", INVP,
       [](World&) { RTM_ENTITY_INFO i{}; i.AddressFamily = AF_INET; i.RtmInstanceId = 11; i.EntityId.EntityProtocolId = 1; i.EntityId.EntityInstanceId = 1; RTM_REGN_PROFILE p; RTM_ENTITY_HANDLE h; return RtmRegisterEntity(&i, nullptr, nullptr, FALSE, &p, &h); }},
      {"RtmDeregisterEntity", "null handle", INVH, [](World&) { return RtmDeregisterEntity(nullptr); }},
      {"RtmDeregisterEntity", "forged handle", INVH, [](World& w) { return RtmDeregisterEntity(forge(w.a)); }},
      {"RtmDeregisterEntity", "wrong kind (a route)", INVH, [](World& w) { return RtmDeregisterEntity(w.route); }},
      {"RtmGetRegisteredEntities", "null count", INVP,
       [](World& w) { RTM_ENTITY_HANDLE hs[4]; return RtmGetRegisteredEntities(w.a, nullptr, hs, nullptr); }},
      {"RtmGetRegisteredEntities", "buffer too small", ERROR_INSUFFICIENT_BUFFER,
       [](World& w) { UINT c = 0; RTM_ENTITY_HANDLE hs[1]; return RtmGetRegisteredEntities(w.a, &c, hs, nullptr); }},
      {"RtmGetRegisteredEntities", "junk caller", INVH,
       [](World&) { UINT c = 4; RTM_ENTITY_HANDLE hs[4]; return RtmGetRegisteredEntities(kJunk, &c, hs, nullptr); }},
      {"RtmReleaseEntities", "entity not held", INVP,
       [](World& w) { RTM_ENTITY_HANDLE h = w.b; return RtmReleaseEntities(w.a, 1, &h); }},
      {"RtmReleaseEntities", "zero count (releases nothing)", NO_ERROR,
       [](World& w) { RTM_ENTITY_HANDLE h = w.b; return RtmReleaseEntities(w.a, 0, &h); }},
      {"RtmReleaseEntities", "zero count, null array (releases nothing)", NO_ERROR,
       [](World& w) { return RtmReleaseEntities(w.a, 0, nullptr); }},
      {"RtmReleaseEntities", "zero count, junk caller", INVH,
       [](World&) { return RtmReleaseEntities(kJunk, 0, nullptr); }},
      {"RtmReleaseEntities", "null array", INVP, [](World& w) { return RtmReleaseEntities(w.a, 1, nullptr); }},
      {"RtmGetEntityInfo", "null info", INVP, [](World& w) { return RtmGetEntityInfo(w.a, w.b, nullptr); }},
      {"RtmGetEntityInfo", "stale entity handle", INVH,
       [](World& w) { RTM_ENTITY_INFO i; return RtmGetEntityInfo(w.a, forge(w.b), &i); }},
      {"RtmGetEntityInfo", "other instance's entity", INVH,
       [](World& w) { RTM_ENTITY_INFO i; return RtmGetEntityInfo(w.a, w.x, &i); }},
      {"RtmReleaseEntityInfo", "null info", INVP, [](World& w) { return RtmReleaseEntityInfo(w.a, nullptr); }},
      // ---- destinations and lookups
      {"RtmGetDestInfo", "null info", INVP,
       [](World& w) { return RtmGetDestInfo(w.a, w.dest, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, nullptr); }},
      {"RtmGetDestInfo", "wrong kind (a route)", INVH,
       [](World& w) { return RtmGetDestInfo(w.a, w.route, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetDestInfo", "forged handle", INVH,
       [](World& w) { return RtmGetDestInfo(w.a, forge(w.dest), RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetDestInfo", "view outside the profile", INVP,
       [](World& w) { return RtmGetDestInfo(w.a, w.dest, RTM_BEST_PROTOCOL, 0x100, w.dinfo()); }},
      {"RtmReleaseDestInfo", "null info", INVP, [](World& w) { return RtmReleaseDestInfo(w.a, nullptr); }},
      {"RtmReleaseDestInfo", "info not held (double release)", INVP,
       [](World& w) { PRTM_DEST_INFO d = w.dinfo(); std::memset(d, 0, 512); d->DestHandle = w.dest; d->NumberOfViews = 0; return RtmReleaseDestInfo(w.b, d); }},
      {"RtmReleaseDestInfo", "NumberOfViews out of range", INVP,
       [](World& w) { PRTM_DEST_INFO d = w.dinfo(); std::memset(d, 0, 512); d->DestHandle = w.dest; d->NumberOfViews = 1000; return RtmReleaseDestInfo(w.a, d); }},
      {"RtmReleaseDests", "zero count (releases nothing)", NO_ERROR, [](World& w) { return RtmReleaseDests(w.a, 0, w.dinfo()); }},
      {"RtmReleaseDests", "zero count, null array (releases nothing)", NO_ERROR, [](World& w) { return RtmReleaseDests(w.a, 0, nullptr); }},
      {"RtmReleaseDests", "zero count, junk caller", INVH, [](World&) { return RtmReleaseDests(kJunk, 0, nullptr); }},
      {"RtmReleaseDests", "null array", INVP, [](World& w) { return RtmReleaseDests(w.a, 1, nullptr); }},
      {"RtmGetExactMatchDestination", "null address", INVP,
       [](World& w) { return RtmGetExactMatchDestination(w.a, nullptr, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetExactMatchDestination", "bad address family", INVP,
       [](World& w) { return RtmGetExactMatchDestination(w.a, &w.bad_family, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetExactMatchDestination", "NumBits beyond the family", INVP,
       [](World& w) { return RtmGetExactMatchDestination(w.a, &w.too_long, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetExactMatchDestination", "host bits beyond NumBits", INVP,
       [](World& w) { return RtmGetExactMatchDestination(w.a, &w.host_bits, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetExactMatchDestination", "other family's address", INVP,
       [](World& w) { return RtmGetExactMatchDestination(w.a, &w.p6, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetMostSpecificDestination", "null info", INVP,
       [](World& w) { return RtmGetMostSpecificDestination(w.a, &w.p10, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, nullptr); }},
      {"RtmGetMostSpecificDestination", "junk caller", INVH,
       [](World& w) { return RtmGetMostSpecificDestination(kJunk, &w.p10, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetLessSpecificDestination", "wrong kind (a next hop)", INVH,
       [](World& w) { return RtmGetLessSpecificDestination(w.a, w.nexthop, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      {"RtmGetLessSpecificDestination", "nothing less specific", ERROR_NOT_FOUND,
       [](World& w) { return RtmGetLessSpecificDestination(w.a, w.dest, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()); }},
      // ---- routes
      {"RtmGetRouteInfo", "stale route handle (freed)", INVH,
       [](World& w) { return RtmGetRouteInfo(w.a, w.stale_route, w.rinfo(), nullptr); }},
      {"RtmGetRouteInfo", "other instance's route", INVH,
       [](World& w) { return RtmGetRouteInfo(w.a, w.x_route, w.rinfo(), nullptr); }},
      {"RtmGetRouteInfo", "wrong kind (a destination)", INVH,
       [](World& w) { return RtmGetRouteInfo(w.a, w.dest, w.rinfo(), nullptr); }},
      {"RtmReleaseRouteInfo", "null info", INVP, [](World& w) { return RtmReleaseRouteInfo(w.a, nullptr); }},
      {"RtmReleaseRouteInfo", "NumNextHops out of range", INVP,
       [](World& w) { RTM_ROUTE_INFO* r = w.rinfo(); std::memset(r, 0, 512); r->NextHopsList.NumNextHops = 999; return RtmReleaseRouteInfo(w.a, r); }},
      {"RtmReleaseRoutes", "route not held by the caller", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmReleaseRoutes(w.b, 1, &h); }},
      {"RtmReleaseRoutes", "stale route handle", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h = w.stale_route; return RtmReleaseRoutes(w.a, 1, &h); }},
      {"RtmReleaseRoutes", "batch with one bad handle (all or nothing)", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h[2] = {w.route, kJunk}; return RtmReleaseRoutes(w.a, 2, h); }},
      {"RtmReleaseRoutes", "wrong release function (a destination)", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h = w.dest; return RtmReleaseRoutes(w.a, 1, &h); }},
      {"RtmReleaseRoutes", "zero count (releases nothing)", NO_ERROR,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmReleaseRoutes(w.a, 0, &h); }},
      {"RtmReleaseRoutes", "zero count, null array (releases nothing)", NO_ERROR,
       [](World& w) { return RtmReleaseRoutes(w.a, 0, nullptr); }},
      {"RtmReleaseRoutes", "zero count, junk caller", INVH,
       [](World&) { return RtmReleaseRoutes(kJunk, 0, nullptr); }},
      {"RtmReferenceHandles", "junk handle in the batch", INVH,
       [](World& w) { HANDLE h[2] = {w.route, kJunk}; return RtmReferenceHandles(w.a, 2, h); }},
      {"RtmReferenceHandles", "null array", INVP, [](World& w) { return RtmReferenceHandles(w.a, 1, nullptr); }},
      {"RtmDereferenceHandles", "zero count, null array (releases nothing)", NO_ERROR,
       [](World& w) { return RtmDereferenceHandles(w.a, 0, nullptr); }},
      {"RtmDereferenceHandles", "zero count, junk caller", INVH,
       [](World&) { return RtmDereferenceHandles(kJunk, 0, nullptr); }},
      {"RtmDereferenceHandles", "not held by the caller", INVP,
       [](World& w) { HANDLE h = w.route; return RtmDereferenceHandles(w.b, 1, &h); }},
      {"RtmDereferenceHandles", "other instance's handle", INVH,
       [](World& w) { HANDLE h = w.x_route; return RtmDereferenceHandles(w.a, 1, &h); }},
      {"RtmAddRouteToDest", "null address", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, nullptr, &ri, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "null route info", INVP,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, nullptr, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "host bits beyond NumBits", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.host_bits, &ri, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "view outside the profile", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 0x100; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, &ri, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "more next hops than the profile allows", INVP,
       [](World& w) { RTM_ROUTE_INFO* ri = w.rinfo(); std::memset(ri, 0, 1024); ri->BelongsToViews = 1; ri->NextHopsList.NumNextHops = 100; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, ri, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "update of another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; RTM_ROUTE_HANDLE h = w.route; return RtmAddRouteToDest(w.b, &h, &w.p10, &ri, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "junk route list handle", INVH,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, &ri, INFINITE, kJunk, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "another entity's route list", DENIED,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, &ri, INFINITE, w.b_list, 0, nullptr, &f); }},
      {"RtmAddRouteToDest", "wrong kind (an enumeration) as route list", INVH,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, &ri, INFINITE, w.a_dest_enum, 0, nullptr, &f); }},
      {"RtmDeleteRouteToDest", "another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.b, w.route, &f); }},
      {"RtmDeleteRouteToDest", "stale route handle", INVH,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.a, w.stale_route, &f); }},
      {"RtmDeleteRouteToDest", "wrong kind (a destination)", INVH,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.a, w.dest, &f); }},
      {"RtmxGetStats", "null handle", INVH, [](World&) { RTMX_STATS st; return RtmxGetStats(nullptr, &st); }},
      {"RtmxGetStats", "junk handle", INVH, [](World&) { RTMX_STATS st; return RtmxGetStats(kJunk, &st); }},
      {"RtmxGetStats", "stale entity handle", INVH,
       [](World& w) { RTMX_STATS st; return RtmxGetStats(forge(w.a), &st); }},
      {"RtmxGetStats", "null stats", INVP, [](World& w) { return RtmxGetStats(w.a, nullptr); }},
      {"RtmxAddRoutes", "null handle", INVH,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTMX_ROUTE_ADD it{nullptr, &w.p10, &ri, INFINITE, 0, 0}; return RtmxAddRoutes(nullptr, nullptr, 1, &it); }},
      {"RtmxAddRoutes", "junk handle", INVH,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTMX_ROUTE_ADD it{nullptr, &w.p10, &ri, INFINITE, 0, 0}; return RtmxAddRoutes(kJunk, nullptr, 1, &it); }},
      {"RtmxAddRoutes", "null array", INVP, [](World& w) { return RtmxAddRoutes(w.a, nullptr, 1, nullptr); }},
      {"RtmxAddRoutes", "zero count, null array (adds nothing)", NO_ERROR,
       [](World& w) { return RtmxAddRoutes(w.a, nullptr, 0, nullptr); }},
      {"RtmxAddRoutes", "zero count, junk caller", INVH, [](World&) { return RtmxAddRoutes(kJunk, nullptr, 0, nullptr); }},
      {"RtmxAddRoutes", "an item's null address (its Status too)", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTMX_ROUTE_ADD it{nullptr, nullptr, &ri, INFINITE, 0, 0}; DWORD rc = RtmxAddRoutes(w.a, nullptr, 1, &it); return rc == it.Status ? rc : kSetupFailed; }},
      {"RtmxAddRoutes", "an item's null route info", INVP,
       [](World& w) { RTMX_ROUTE_ADD it{nullptr, &w.p10, nullptr, INFINITE, 0, 0}; return RtmxAddRoutes(w.a, nullptr, 1, &it); }},
      {"RtmxAddRoutes", "an item's bad address family", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTMX_ROUTE_ADD it{nullptr, &w.bad_family, &ri, INFINITE, 0, 0}; return RtmxAddRoutes(w.a, nullptr, 1, &it); }},
      {"RtmxAddRoutes", "update of another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_HANDLE h = w.route; RTMX_ROUTE_ADD it{&h, &w.p10, &ri, INFINITE, 0, 0}; return RtmxAddRoutes(w.b, nullptr, 1, &it); }},
      {"RtmxAddRoutes", "another entity's route list (every Status too)", DENIED,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTMX_ROUTE_ADD it[2] = {{nullptr, &w.p10, &ri, INFINITE, 0, 0}, {nullptr, &w.p10, &ri, INFINITE, 0, 0}}; DWORD rc = RtmxAddRoutes(w.a, w.b_list, 2, it); return rc == it[0].Status && rc == it[1].Status ? rc : kSetupFailed; }},
      {"RtmxAddRoutes", "zero count, junk route list", INVH, [](World& w) { return RtmxAddRoutes(w.a, kJunk, 0, nullptr); }},
      {"RtmxDeleteRoutes", "null handle", INVH,
       [](World& w) { RTMX_ROUTE_DELETE it{w.route, 0, 0}; return RtmxDeleteRoutes(nullptr, 1, &it); }},
      {"RtmxDeleteRoutes", "null array", INVP, [](World& w) { return RtmxDeleteRoutes(w.a, 1, nullptr); }},
      {"RtmxDeleteRoutes", "zero count, null array (deletes nothing)", NO_ERROR,
       [](World& w) { return RtmxDeleteRoutes(w.a, 0, nullptr); }},
      {"RtmxDeleteRoutes", "zero count, junk caller", INVH, [](World&) { return RtmxDeleteRoutes(kJunk, 0, nullptr); }},
      {"RtmxDeleteRoutes", "another entity's route", DENIED,
       [](World& w) { RTMX_ROUTE_DELETE it{w.route, 0, 0}; return RtmxDeleteRoutes(w.b, 1, &it); }},
      {"RtmxDeleteRoutes", "stale route handle", INVH,
       [](World& w) { RTMX_ROUTE_DELETE it{w.stale_route, 0, 0}; return RtmxDeleteRoutes(w.a, 1, &it); }},
      {"RtmxDeleteRoutes", "wrong kind (a destination)", INVH,
       [](World& w) { RTMX_ROUTE_DELETE it{w.dest, 0, 0}; return RtmxDeleteRoutes(w.a, 1, &it); }},
      {"RtmGetExactMatchRoute", "null route handle out", INVP,
       [](World& w) { return RtmGetExactMatchRoute(w.a, &w.p10, RTM_MATCH_NONE, nullptr, 0, RTM_VIEW_MASK_UCAST, nullptr); }},
      {"RtmGetExactMatchRoute", "bad address family", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h; return RtmGetExactMatchRoute(w.a, &w.bad_family, RTM_MATCH_NONE, nullptr, 0, RTM_VIEW_MASK_UCAST, &h); }},
      {"RtmIsBestRoute", "null views out", INVP, [](World& w) { return RtmIsBestRoute(w.a, w.route, nullptr); }},
      {"RtmIsBestRoute", "forged route handle", INVH,
       [](World& w) { RTM_VIEW_SET s; return RtmIsBestRoute(w.a, forge(w.route), &s); }},
      // ---- next hops
      {"RtmAddNextHop", "null info", INVP,
       [](World& w) { RTM_NEXTHOP_HANDLE h; RTM_NEXTHOP_CHANGE_FLAGS f; return RtmAddNextHop(w.a, nullptr, &h, &f); }},
      {"RtmAddNextHop", "bad address family", INVP,
       [](World& w) { RTM_NEXTHOP_INFO i{}; i.NextHopAddress = w.bad_family; RTM_NEXTHOP_HANDLE h; RTM_NEXTHOP_CHANGE_FLAGS f; return RtmAddNextHop(w.a, &i, &h, &f); }},
      {"RtmFindNextHop", "null info", INVP,
       [](World& w) { RTM_NEXTHOP_HANDLE h; return RtmFindNextHop(w.a, nullptr, &h, nullptr); }},
      {"RtmDeleteNextHop", "another entity's next hop", DENIED,
       [](World& w) { return RtmDeleteNextHop(w.b, w.nexthop, nullptr); }},
      {"RtmDeleteNextHop", "neither handle nor info", INVP,
       [](World& w) { return RtmDeleteNextHop(w.a, nullptr, nullptr); }},
      {"RtmGetNextHopInfo", "wrong kind (a route)", INVH,
       [](World& w) { RTM_NEXTHOP_INFO i; return RtmGetNextHopInfo(w.a, w.route, &i); }},
      {"RtmGetNextHopInfo", "null info", INVP, [](World& w) { return RtmGetNextHopInfo(w.a, w.nexthop, nullptr); }},
      {"RtmReleaseNextHopInfo", "null info", INVP, [](World& w) { return RtmReleaseNextHopInfo(w.a, nullptr); }},
      {"RtmReleaseNextHops", "zero count, null array (releases nothing)", NO_ERROR,
       [](World& w) { return RtmReleaseNextHops(w.a, 0, nullptr); }},
      {"RtmReleaseNextHops", "zero count, junk caller", INVH,
       [](World&) { return RtmReleaseNextHops(kJunk, 0, nullptr); }},
      {"RtmReleaseNextHops", "next hop not held by the caller", INVP,
       [](World& w) { RTM_NEXTHOP_HANDLE h = w.nexthop; return RtmReleaseNextHops(w.b, 1, &h); }},
      // ---- change notification
      {"RtmRegisterForChangeNotification", "no change type", INVP,
       [](World& w) { RTM_NOTIFY_HANDLE n; return RtmRegisterForChangeNotification(w.a, RTM_VIEW_MASK_UCAST, 0, nullptr, &n); }},
      {"RtmRegisterForChangeNotification", "null handle out", INVP,
       [](World& w) { return RtmRegisterForChangeNotification(w.a, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_ALL, nullptr, nullptr); }},
      {"RtmGetChangedDests", "zero capacity", INVP,
       [](World& w) { UINT c = 0; return RtmGetChangedDests(w.a, w.notify, &c, w.dinfo()); }},
      {"RtmGetChangedDests", "another entity's registration", DENIED,
       [](World& w) { UINT c = 1; return RtmGetChangedDests(w.b, w.notify, &c, w.dinfo()); }},
      {"RtmGetChangedDests", "wrong kind (a route)", INVH,
       [](World& w) { UINT c = 1; return RtmGetChangedDests(w.a, w.route, &c, w.dinfo()); }},
      {"RtmReleaseChangedDests", "an ordinary info", INVP,
       [](World& w) { PRTM_DEST_INFO d = w.dinfo(); std::memset(d, 0, 512); d->DestHandle = w.dest; return RtmReleaseChangedDests(w.a, w.notify, 1, d); }},
      {"RtmReleaseChangedDests", "null notify handle", INVH,
       [](World& w) { return RtmReleaseChangedDests(w.a, nullptr, 1, w.dinfo()); }},
      {"RtmReleaseChangedDests", "zero count, null array (releases nothing)", NO_ERROR,
       [](World& w) { return RtmReleaseChangedDests(w.a, w.notify, 0, nullptr); }},
      {"RtmReleaseChangedDests", "zero count, junk caller", INVH,
       [](World& w) { return RtmReleaseChangedDests(kJunk, w.notify, 0, nullptr); }},
      {"RtmReleaseChangedDests", "zero count, null notify handle", INVH,
       [](World& w) { return RtmReleaseChangedDests(w.a, nullptr, 0, nullptr); }},
      {"RtmReleaseChangedDests", "zero count, another entity's registration", DENIED,
       [](World& w) { return RtmReleaseChangedDests(w.b, w.notify, 0, nullptr); }},
      {"RtmReleaseChangedDests", "zero count, wrong kind (a route)", INVH,
       [](World& w) { return RtmReleaseChangedDests(w.a, w.route, 0, nullptr); }},
      {"RtmIgnoreChangedDests", "junk destination", INVH,
       [](World& w) { RTM_DEST_HANDLE d = kJunk; return RtmIgnoreChangedDests(w.a, w.notify, 1, &d); }},
      {"RtmGetChangeStatus", "null status out", INVP,
       [](World& w) { return RtmGetChangeStatus(w.a, w.notify, w.dest, nullptr); }},
      {"RtmMarkDestForChangeNotification", "registration not marked-only", INVP,
       [](World& w) { return RtmMarkDestForChangeNotification(w.a, w.notify, w.dest, TRUE); }},
      {"RtmIsMarkedForChangeNotification", "wrong kind (a route)", INVH,
       [](World& w) { BOOL m; return RtmIsMarkedForChangeNotification(w.a, w.notify, w.route, &m); }},
      {"RtmDeregisterFromChangeNotification", "another entity's registration", DENIED,
       [](World& w) { return RtmDeregisterFromChangeNotification(w.b, w.notify); }},
      {"RtmDeregisterFromChangeNotification", "forged handle", INVH,
       [](World& w) { return RtmDeregisterFromChangeNotification(w.a, forge(w.notify)); }},
      // ---- address helpers
      {"RtmConvertNetAddressToIpv6AddressAndLength", "an IPv4 address", INVP,
       [](World& w) { IN6_ADDR a; ULONG l; return RtmConvertNetAddressToIpv6AddressAndLength(&w.p10, &a, &l, sizeof a); }},
      {"RtmConvertNetAddressToIpv6AddressAndLength", "null output", INVP,
       [](World& w) { ULONG l; return RtmConvertNetAddressToIpv6AddressAndLength(&w.p6, nullptr, &l, 16); }},
      {"RtmConvertIpv6AddressAndLengthToNetAddress", "length beyond 128", INVP,
       [](World&) { RTM_NET_ADDRESS n; IN6_ADDR a{}; return RtmConvertIpv6AddressAndLengthToNetAddress(&n, a, 129, sizeof a); }},
      // ---- destination locks and opaque pointers
      {"RtmLockDestination", "forged destination handle", INVH,
       [](World& w) { return undo_lock_dest(w, RtmLockDestination(w.a, forge(w.dest), TRUE, TRUE)); }},
      {"RtmLockDestination", "stale destination handle (freed)", INVH,
       [](World& w) { return RtmLockDestination(w.a, w.stale_dest, TRUE, TRUE); }},
      {"RtmLockDestination", "wrong kind (a route)", INVH,
       [](World& w) { return RtmLockDestination(w.a, w.route, TRUE, TRUE); }},
      {"RtmLockDestination", "junk caller", INVH,
       [](World& w) { return undo_lock_dest(w, RtmLockDestination(kJunk, w.dest, TRUE, TRUE)); }},
      {"RtmLockDestination", "exclusive unlock when not locked", INVP,
       [](World& w) { return RtmLockDestination(w.a, w.dest, TRUE, FALSE); }},
      {"RtmLockDestination", "shared unlock when not locked", INVP,
       [](World& w) { return RtmLockDestination(w.a, w.dest, FALSE, FALSE); }},
      {"RtmLockDestination", "exclusive unlock of a shared lock", INVP,
       [](World& w) {
         if (RtmLockDestination(w.a, w.dest, FALSE, TRUE) != NO_ERROR) return kSetupFailed;
         const DWORD r = RtmLockDestination(w.a, w.dest, TRUE, FALSE);
         if (r != NO_ERROR) RtmLockDestination(w.a, w.dest, FALSE, FALSE);
         return r;
       }},
      {"RtmGetOpaqueInformationPointer", "null pointer out", INVP,
       [](World& w) { return RtmGetOpaqueInformationPointer(w.m, w.dest, nullptr); }},
      {"RtmGetOpaqueInformationPointer", "entity registered without ReserveOpaquePointer", INVP,
       [](World& w) { PVOID p; return RtmGetOpaqueInformationPointer(w.a, w.dest, &p); }},
      {"RtmGetOpaqueInformationPointer", "forged destination handle", INVH,
       [](World& w) { PVOID p; return RtmGetOpaqueInformationPointer(w.m, forge(w.dest), &p); }},
      {"RtmGetOpaqueInformationPointer", "stale destination handle (freed)", INVH,
       [](World& w) { PVOID p; return RtmGetOpaqueInformationPointer(w.m, w.stale_dest, &p); }},
      {"RtmGetOpaqueInformationPointer", "wrong kind (a next hop)", INVH,
       [](World& w) { PVOID p; return RtmGetOpaqueInformationPointer(w.m, w.nexthop, &p); }},
      // ---- entity methods
      {"RtmGetEntityMethods", "null NumMethods", INVP,
       [](World& w) { RTM_ENTITY_EXPORT_METHOD ms[2]; return RtmGetEntityMethods(w.a, w.m, nullptr, ms); }},
      {"RtmGetEntityMethods", "capacity > 0 with a null array", INVP,
       [](World& w) { UINT c = 2; return RtmGetEntityMethods(w.a, w.m, &c, nullptr); }},
      {"RtmGetEntityMethods", "forged entity handle", INVH,
       [](World& w) { UINT c = 2; RTM_ENTITY_EXPORT_METHOD ms[2]; return RtmGetEntityMethods(w.a, forge(w.m), &c, ms); }},
      {"RtmGetEntityMethods", "other instance's entity", INVH,
       [](World& w) { UINT c = 2; RTM_ENTITY_EXPORT_METHOD ms[2]; return RtmGetEntityMethods(w.a, w.x, &c, ms); }},
      {"RtmGetEntityMethods", "wrong kind (a route)", INVH,
       [](World& w) { UINT c = 2; RTM_ENTITY_EXPORT_METHOD ms[2]; return RtmGetEntityMethods(w.a, w.route, &c, ms); }},
      {"RtmGetEntityMethods", "capacity below the methods exported", ERROR_INSUFFICIENT_BUFFER,
       [](World& w) { UINT c = 1; RTM_ENTITY_EXPORT_METHOD ms[2]; return RtmGetEntityMethods(w.a, w.m, &c, ms); }},
      {"RtmInvokeMethod", "null Input", INVP,
       [](World& w) { MethodBuf o; UINT n = sizeof o; return RtmInvokeMethod(w.a, w.m, nullptr, &n, o.out()); }},
      {"RtmInvokeMethod", "null OutputSize", INVP,
       [](World& w) { MethodBuf o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 1; return RtmInvokeMethod(w.a, w.m, &in, nullptr, o.out()); }},
      {"RtmInvokeMethod", "null Output", INVP,
       [](World& w) { UINT n = 256; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 1; return RtmInvokeMethod(w.a, w.m, &in, &n, nullptr); }},
      {"RtmInvokeMethod", "no method type (0)", INVP,
       [](World& w) { MethodBuf o; UINT n = sizeof o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 0; return RtmInvokeMethod(w.a, w.m, &in, &n, o.out()); }},
      {"RtmInvokeMethod", "method bit beyond the callee's methods", INVP,
       [](World& w) { MethodBuf o; UINT n = sizeof o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 0x4; return RtmInvokeMethod(w.a, w.m, &in, &n, o.out()); }},
      {"RtmInvokeMethod", "method bit of a NULL export slot", INVP,
       [](World& w) { MethodBuf o; UINT n = sizeof o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 0x2; return RtmInvokeMethod(w.a, w.m, &in, &n, o.out()); }},
      {"RtmInvokeMethod", "output smaller than one RTM_ENTITY_METHOD_OUTPUT header", ERROR_INSUFFICIENT_BUFFER,
       [](World& w) { MethodBuf o; UINT n = 4; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 1; return RtmInvokeMethod(w.a, w.m, &in, &n, o.out()); }},
      {"RtmInvokeMethod", "forged callee handle", INVH,
       [](World& w) { MethodBuf o; UINT n = sizeof o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 1; return RtmInvokeMethod(w.a, forge(w.m), &in, &n, o.out()); }},
      {"RtmInvokeMethod", "wrong kind (a route) as callee", INVH,
       [](World& w) { MethodBuf o; UINT n = sizeof o; RTM_ENTITY_METHOD_INPUT in{}; in.MethodType = 1; return RtmInvokeMethod(w.a, w.route, &in, &n, o.out()); }},
      {"RtmBlockMethods", "BlockingFlag neither 0 nor 1", INVP,
       [](World& w) { return undo_block(w, RtmBlockMethods(w.m, nullptr, 0, 2)); }},
      {"RtmBlockMethods", "TargetHandle another entity", INVP,
       [](World& w) { return undo_block(w, RtmBlockMethods(w.m, w.a, 0, RTM_BLOCK_METHODS)); }},
      {"RtmBlockMethods", "junk caller", INVH,
       [](World&) { return RtmBlockMethods(kJunk, nullptr, 0, RTM_BLOCK_METHODS); }},
      // ---- hold-down
      {"RtmHoldDestination", "view outside the profile", INVP,
       [](World& w) { return RtmHoldDestination(w.a, w.dest, 0x100, 1000); }},
      {"RtmHoldDestination", "forged destination handle", INVH,
       [](World& w) { return RtmHoldDestination(w.a, forge(w.dest), RTM_VIEW_MASK_UCAST, 1000); }},
      {"RtmHoldDestination", "stale destination handle (freed)", INVH,
       [](World& w) { return RtmHoldDestination(w.a, w.stale_dest, RTM_VIEW_MASK_UCAST, 1000); }},
      {"RtmHoldDestination", "wrong kind (a route)", INVH,
       [](World& w) { return RtmHoldDestination(w.a, w.route, RTM_VIEW_MASK_UCAST, 1000); }},
      // ---- route and next hop pointers and locks
      {"RtmGetRoutePointer", "null pointer out", INVP,
       [](World& w) { return RtmGetRoutePointer(w.a, w.route, nullptr); }},
      {"RtmGetRoutePointer", "stale route handle (freed)", INVH,
       [](World& w) { PRTM_ROUTE_INFO p; return RtmGetRoutePointer(w.a, w.stale_route, &p); }},
      {"RtmGetRoutePointer", "other instance's route", INVH,
       [](World& w) { PRTM_ROUTE_INFO p; return RtmGetRoutePointer(w.a, w.x_route, &p); }},
      {"RtmGetRoutePointer", "wrong kind (a destination)", INVH,
       [](World& w) { PRTM_ROUTE_INFO p; return RtmGetRoutePointer(w.a, w.dest, &p); }},
      {"RtmLockRoute", "exclusive lock by a non-owner", DENIED,
       [](World& w) {
         const DWORD r = RtmLockRoute(w.b, w.route, TRUE, TRUE, nullptr);
         if (r == NO_ERROR) RtmLockRoute(w.b, w.route, TRUE, FALSE, nullptr);
         return r;
       }},
      {"RtmLockRoute", "exclusive unlock when not locked", INVP,
       [](World& w) { return RtmLockRoute(w.a, w.route, TRUE, FALSE, nullptr); }},
      {"RtmLockRoute", "shared unlock when not locked", INVP,
       [](World& w) { return RtmLockRoute(w.a, w.route, FALSE, FALSE, nullptr); }},
      {"RtmLockRoute", "forged route handle", INVH,
       [](World& w) { return RtmLockRoute(w.a, forge(w.route), FALSE, TRUE, nullptr); }},
      {"RtmLockRoute", "stale route handle, with a pointer", INVH,
       [](World& w) { PRTM_ROUTE_INFO p; return RtmLockRoute(w.a, w.stale_route, TRUE, TRUE, &p); }},
      {"RtmLockRoute", "wrong kind (a next hop)", INVH,
       [](World& w) { return RtmLockRoute(w.a, w.nexthop, FALSE, TRUE, nullptr); }},
      {"RtmUpdateAndUnlockRoute", "route not locked", INVP,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmUpdateAndUnlockRoute", "route locked shared only", INVP,
       [](World& w) {
         if (RtmLockRoute(w.a, w.route, FALSE, TRUE, nullptr) != NO_ERROR) return kSetupFailed;
         RTM_ROUTE_CHANGE_FLAGS f = 0;
         const DWORD r = RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, nullptr, 0, nullptr, &f);
         if (r != NO_ERROR) RtmLockRoute(w.a, w.route, FALSE, FALSE, nullptr);
         return r;
       }},
      {"RtmUpdateAndUnlockRoute", "another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmUpdateAndUnlockRoute(w.b, w.route, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmUpdateAndUnlockRoute", "another entity's route, locked by its owner", DENIED,
       [](World& w) {
         if (RtmLockRoute(w.a, w.route, TRUE, TRUE, nullptr) != NO_ERROR) return kSetupFailed;
         RTM_ROUTE_CHANGE_FLAGS f = 0;
         const DWORD r = RtmUpdateAndUnlockRoute(w.b, w.route, INFINITE, nullptr, 0, nullptr, &f);
         if (r != NO_ERROR) RtmLockRoute(w.a, w.route, TRUE, FALSE, nullptr);
         return r;
       }},
      {"RtmUpdateAndUnlockRoute", "null ChangeFlags", INVP,
       [](World& w) { return RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, nullptr, 0, nullptr, nullptr); }},
      {"RtmUpdateAndUnlockRoute", "stale route handle (freed)", INVH,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmUpdateAndUnlockRoute(w.a, w.stale_route, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmUpdateAndUnlockRoute", "junk route list handle (stays locked)", INVH,
       [](World& w) {
         if (RtmLockRoute(w.a, w.route, TRUE, TRUE, nullptr) != NO_ERROR) return kSetupFailed;
         RTM_ROUTE_CHANGE_FLAGS f = 0;
         const DWORD r = RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, kJunk, 0, nullptr, &f);
         // Still locked after the refusal: this unlock must succeed.
         if (RtmLockRoute(w.a, w.route, TRUE, FALSE, nullptr) != NO_ERROR && r != NO_ERROR) return kSetupFailed;
         return r;
       }},
      {"RtmGetNextHopPointer", "null pointer out", INVP,
       [](World& w) { return RtmGetNextHopPointer(w.a, w.nexthop, nullptr); }},
      {"RtmGetNextHopPointer", "forged next hop handle", INVH,
       [](World& w) { PRTM_NEXTHOP_INFO p; return RtmGetNextHopPointer(w.a, forge(w.nexthop), &p); }},
      {"RtmGetNextHopPointer", "wrong kind (a route)", INVH,
       [](World& w) { PRTM_NEXTHOP_INFO p; return RtmGetNextHopPointer(w.a, w.route, &p); }},
      {"RtmGetNextHopPointer", "junk caller", INVH,
       [](World& w) { PRTM_NEXTHOP_INFO p; return RtmGetNextHopPointer(kJunk, w.nexthop, &p); }},
      {"RtmLockNextHop", "exclusive lock by a non-owner", DENIED,
       [](World& w) {
         const DWORD r = RtmLockNextHop(w.b, w.nexthop, TRUE, TRUE, nullptr);
         if (r == NO_ERROR) RtmLockNextHop(w.b, w.nexthop, TRUE, FALSE, nullptr);
         return r;
       }},
      {"RtmLockNextHop", "exclusive unlock when not locked", INVP,
       [](World& w) { return RtmLockNextHop(w.a, w.nexthop, TRUE, FALSE, nullptr); }},
      {"RtmLockNextHop", "shared unlock when not locked", INVP,
       [](World& w) { return RtmLockNextHop(w.a, w.nexthop, FALSE, FALSE, nullptr); }},
      {"RtmLockNextHop", "forged next hop handle", INVH,
       [](World& w) { return RtmLockNextHop(w.a, forge(w.nexthop), FALSE, TRUE, nullptr); }},
      {"RtmLockNextHop", "wrong kind (a destination), with a pointer", INVH,
       [](World& w) { PRTM_NEXTHOP_INFO p; return RtmLockNextHop(w.a, w.dest, TRUE, TRUE, &p); }},
      {"RtmFindNextHop", "no such next hop, with a NextHopPointer", ERROR_NOT_FOUND,
       [](World& w) { RTM_NEXTHOP_INFO i{}; v4(&i.NextHopAddress, 192, 0, 32); i.InterfaceIndex = 7; RTM_NEXTHOP_HANDLE h; PRTM_NEXTHOP_INFO p; return RtmFindNextHop(w.a, &i, &h, &p); }},
      // ---- enumerations
      {"RtmCreateDestEnum", "null handle out", INVP,
       [](World& w) { return RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, nullptr); }},
      {"RtmCreateDestEnum", "enum mode 3", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, 3, &w.p10, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "RTM_ENUM_RANGE with a null address", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_RANGE, nullptr, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "RTM_ENUM_NEXT with a null address", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_NEXT, nullptr, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "view outside the profile", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, 0x100, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "unknown flag bits (0x100)", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, 0x100, nullptr, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "bad address family", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, &w.bad_family, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "other family's address", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_RANGE, &w.p6, RTM_BEST_PROTOCOL, &e)); }},
      {"RtmCreateDestEnum", "junk caller", INVH,
       [](World&) { RTM_ENUM_HANDLE e; return RtmCreateDestEnum(kJunk, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, &e); }},
      {"RtmGetEnumDests", "null NumDests", INVP,
       [](World& w) { return RtmGetEnumDests(w.a, w.a_dest_enum, nullptr, w.dinfo()); }},
      {"RtmGetEnumDests", "NumDests 0", INVP,
       [](World& w) { UINT c = 0; return RtmGetEnumDests(w.a, w.a_dest_enum, &c, w.dinfo()); }},
      {"RtmGetEnumDests", "null array", INVP,
       [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, w.a_dest_enum, &c, nullptr); }},
      {"RtmGetEnumDests", "junk enumeration handle", INVH,
       [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, kJunk, &c, w.dinfo()); }},
      {"RtmGetEnumDests", "another entity's enumeration", DENIED,
       [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, w.b_dest_enum, &c, w.dinfo()); }},
      {"RtmGetEnumDests", "other instance's enumeration", INVH,
       [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, w.x_dest_enum, &c, w.dinfo()); }},
      {"RtmGetEnumDests", "a route enumeration", INVH,
       [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, w.a_route_enum, &c, w.dinfo()); }},
      {"RtmGetEnumDests", "deleted enumeration", INVH,
       [](World& w) {
         RTM_ENUM_HANDLE e;
         if (RtmCreateDestEnum(w.a, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, &e) != NO_ERROR ||
             RtmDeleteEnumHandle(w.a, e) != NO_ERROR)
           return kSetupFailed;
         UINT c = 1;
         return RtmGetEnumDests(w.a, e, &c, w.dinfo());
       }},
      {"RtmCreateRouteEnum", "null handle out", INVP,
       [](World& w) { return RtmCreateRouteEnum(w.a, w.dest, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NONE, nullptr, 0, nullptr); }},
      {"RtmCreateRouteEnum", "RTM_MATCH_OWNER with null criteria", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, w.dest, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_OWNER, nullptr, 0, &e)); }},
      {"RtmCreateRouteEnum", "RTM_MATCH_NEXTHOP, criteria with 0 next hops", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.NextHopsList.NumNextHops = 0; RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, w.dest, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NEXTHOP, &ri, 0, &e)); }},
      {"RtmCreateRouteEnum", "unknown match bits (0x10000)", INVP,
       [](World& w) { RTM_ROUTE_INFO ri{}; RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, w.dest, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, 0x10000, &ri, 0, &e)); }},
      {"RtmCreateRouteEnum", "view outside the profile", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, w.dest, 0x100, RTM_ENUM_START, nullptr, RTM_MATCH_NONE, nullptr, 0, &e)); }},
      {"RtmCreateRouteEnum", "no destination, RTM_ENUM_RANGE with a null start", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, nullptr, RTM_VIEW_MASK_UCAST, RTM_ENUM_RANGE, nullptr, RTM_MATCH_NONE, nullptr, 0, &e)); }},
      {"RtmCreateRouteEnum", "forged destination handle", INVH,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, forge(w.dest), RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NONE, nullptr, 0, &e)); }},
      {"RtmCreateRouteEnum", "wrong kind (a route) as destination", INVH,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteEnum(w.a, w.route, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NONE, nullptr, 0, &e)); }},
      {"RtmGetEnumRoutes", "null NumRoutes", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, w.a_route_enum, nullptr, h); }},
      {"RtmGetEnumRoutes", "NumRoutes 0", INVP,
       [](World& w) { UINT c = 0; RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, w.a_route_enum, &c, h); }},
      {"RtmGetEnumRoutes", "null array", INVP,
       [](World& w) { UINT c = 1; return RtmGetEnumRoutes(w.a, w.a_route_enum, &c, nullptr); }},
      {"RtmGetEnumRoutes", "junk enumeration handle", INVH,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, kJunk, &c, h); }},
      {"RtmGetEnumRoutes", "another entity's enumeration", DENIED,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, w.b_route_enum, &c, h); }},
      {"RtmGetEnumRoutes", "a destination enumeration", INVH,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, w.a_dest_enum, &c, h); }},
      {"RtmGetEnumRoutes", "a route list enumeration", INVH,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetEnumRoutes(w.a, w.a_list_enum, &c, h); }},
      {"RtmCreateNextHopEnum", "null handle out", INVP,
       [](World& w) { return RtmCreateNextHopEnum(w.a, RTM_ENUM_START, nullptr, nullptr); }},
      {"RtmCreateNextHopEnum", "enum mode 3", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateNextHopEnum(w.a, 3, &w.p10, &e)); }},
      {"RtmCreateNextHopEnum", "RTM_ENUM_RANGE with a null address", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateNextHopEnum(w.a, RTM_ENUM_RANGE, nullptr, &e)); }},
      {"RtmCreateNextHopEnum", "RTM_ENUM_NEXT with a null address", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateNextHopEnum(w.a, RTM_ENUM_NEXT, nullptr, &e)); }},
      {"RtmCreateNextHopEnum", "unknown flag bits (0x100)", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateNextHopEnum(w.a, 0x100, nullptr, &e)); }},
      {"RtmCreateNextHopEnum", "bad address family", INVP,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateNextHopEnum(w.a, RTM_ENUM_START, &w.bad_family, &e)); }},
      {"RtmCreateNextHopEnum", "junk caller", INVH,
       [](World&) { RTM_ENUM_HANDLE e; return RtmCreateNextHopEnum(kJunk, RTM_ENUM_START, nullptr, &e); }},
      {"RtmGetEnumNextHops", "null NumNextHops", INVP,
       [](World& w) { RTM_NEXTHOP_HANDLE h[1]; return RtmGetEnumNextHops(w.a, w.a_nh_enum, nullptr, h); }},
      {"RtmGetEnumNextHops", "NumNextHops 0", INVP,
       [](World& w) { UINT c = 0; RTM_NEXTHOP_HANDLE h[1]; return RtmGetEnumNextHops(w.a, w.a_nh_enum, &c, h); }},
      {"RtmGetEnumNextHops", "null array", INVP,
       [](World& w) { UINT c = 1; return RtmGetEnumNextHops(w.a, w.a_nh_enum, &c, nullptr); }},
      {"RtmGetEnumNextHops", "junk enumeration handle", INVH,
       [](World& w) { UINT c = 1; RTM_NEXTHOP_HANDLE h[1]; return RtmGetEnumNextHops(w.a, kJunk, &c, h); }},
      {"RtmGetEnumNextHops", "another entity's enumeration", DENIED,
       [](World& w) { UINT c = 1; RTM_NEXTHOP_HANDLE h[1]; return RtmGetEnumNextHops(w.a, w.b_nh_enum, &c, h); }},
      {"RtmGetEnumNextHops", "a destination enumeration", INVH,
       [](World& w) { UINT c = 1; RTM_NEXTHOP_HANDLE h[1]; return RtmGetEnumNextHops(w.a, w.a_dest_enum, &c, h); }},
      {"RtmDeleteEnumHandle", "junk enumeration handle", INVH,
       [](World& w) { return RtmDeleteEnumHandle(w.a, kJunk); }},
      {"RtmDeleteEnumHandle", "deleted twice", INVH,
       [](World& w) {
         RTM_ENUM_HANDLE e;
         if (RtmCreateNextHopEnum(w.a, RTM_ENUM_START, nullptr, &e) != NO_ERROR ||
             RtmDeleteEnumHandle(w.a, e) != NO_ERROR)
           return kSetupFailed;
         return RtmDeleteEnumHandle(w.a, e);
       }},
      {"RtmDeleteEnumHandle", "another entity's enumeration", DENIED,
       [](World& w) {
         RTM_ENUM_HANDLE e;
         if (RtmCreateNextHopEnum(w.b, RTM_ENUM_START, nullptr, &e) != NO_ERROR) return kSetupFailed;
         const DWORD r = RtmDeleteEnumHandle(w.a, e);
         if (r != NO_ERROR) RtmDeleteEnumHandle(w.b, e);
         return r;
       }},
      {"RtmDeleteEnumHandle", "other instance's enumeration", INVH,
       [](World& w) { return RtmDeleteEnumHandle(w.a, w.x_dest_enum); }},
      {"RtmDeleteEnumHandle", "wrong kind (a route list)", INVH,
       [](World& w) { return RtmDeleteEnumHandle(w.a, w.a_list); }},
      // ---- route lists
      {"RtmCreateRouteList", "null handle out", INVP,
       [](World& w) { return RtmCreateRouteList(w.a, nullptr); }},
      {"RtmCreateRouteList", "junk caller", INVH,
       [](World&) { RTM_ROUTE_LIST_HANDLE l; return RtmCreateRouteList(kJunk, &l); }},
      {"RtmInsertInRouteList", "zero routes", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmInsertInRouteList(w.a, w.a_list, 0, &h); }},
      {"RtmInsertInRouteList", "null array", INVP,
       [](World& w) { return RtmInsertInRouteList(w.a, w.a_list, 1, nullptr); }},
      {"RtmInsertInRouteList", "another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmInsertInRouteList(w.b, w.b_list, 1, &h); }},
      {"RtmInsertInRouteList", "junk list handle", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmInsertInRouteList(w.a, kJunk, 1, &h); }},
      {"RtmInsertInRouteList", "another entity's list", DENIED,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmInsertInRouteList(w.a, w.b_list, 1, &h); }},
      {"RtmInsertInRouteList", "stale route handle (freed)", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h = w.stale_route; return RtmInsertInRouteList(w.a, w.a_list, 1, &h); }},
      {"RtmInsertInRouteList", "batch with one bad handle (all or nothing)", INVH,
       [](World& w) { RTM_ROUTE_HANDLE h[2] = {w.route, kJunk}; return RtmInsertInRouteList(w.a, w.a_list, 2, h); }},
      {"RtmInsertInRouteList", "deleted list", INVH,
       [](World& w) {
         RTM_ROUTE_LIST_HANDLE l;
         if (RtmCreateRouteList(w.a, &l) != NO_ERROR || RtmDeleteRouteList(w.a, l) != NO_ERROR) return kSetupFailed;
         RTM_ROUTE_HANDLE h = w.route;
         return RtmInsertInRouteList(w.a, l, 1, &h);
       }},
      {"RtmCreateRouteListEnum", "null handle out", INVP,
       [](World& w) { return RtmCreateRouteListEnum(w.a, w.a_list, nullptr); }},
      {"RtmCreateRouteListEnum", "junk list handle", INVH,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteListEnum(w.a, kJunk, &e)); }},
      {"RtmCreateRouteListEnum", "another entity's list", DENIED,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteListEnum(w.a, w.b_list, &e)); }},
      {"RtmCreateRouteListEnum", "wrong kind (an enumeration)", INVH,
       [](World& w) { RTM_ENUM_HANDLE e; return drop_enum(w.a, &e, RtmCreateRouteListEnum(w.a, w.a_dest_enum, &e)); }},
      {"RtmGetListEnumRoutes", "null NumRoutes", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h[1]; return RtmGetListEnumRoutes(w.a, w.a_list_enum, nullptr, h); }},
      {"RtmGetListEnumRoutes", "NumRoutes 0", INVP,
       [](World& w) { UINT c = 0; RTM_ROUTE_HANDLE h[1]; return RtmGetListEnumRoutes(w.a, w.a_list_enum, &c, h); }},
      {"RtmGetListEnumRoutes", "null array", INVP,
       [](World& w) { UINT c = 1; return RtmGetListEnumRoutes(w.a, w.a_list_enum, &c, nullptr); }},
      {"RtmGetListEnumRoutes", "junk enumeration handle", INVH,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetListEnumRoutes(w.a, kJunk, &c, h); }},
      {"RtmGetListEnumRoutes", "another entity's enumeration", DENIED,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetListEnumRoutes(w.a, w.b_list_enum, &c, h); }},
      {"RtmGetListEnumRoutes", "a route enumeration", INVH,
       [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h[1]; return RtmGetListEnumRoutes(w.a, w.a_route_enum, &c, h); }},
      {"RtmDeleteRouteList", "junk list handle", INVH,
       [](World& w) { return RtmDeleteRouteList(w.a, kJunk); }},
      {"RtmDeleteRouteList", "deleted twice", INVH,
       [](World& w) {
         RTM_ROUTE_LIST_HANDLE l;
         if (RtmCreateRouteList(w.a, &l) != NO_ERROR || RtmDeleteRouteList(w.a, l) != NO_ERROR) return kSetupFailed;
         return RtmDeleteRouteList(w.a, l);
       }},
      {"RtmDeleteRouteList", "another entity's list", DENIED,
       [](World& w) {
         RTM_ROUTE_LIST_HANDLE l;
         if (RtmCreateRouteList(w.b, &l) != NO_ERROR) return kSetupFailed;
         const DWORD r = RtmDeleteRouteList(w.a, l);
         if (r != NO_ERROR) RtmDeleteRouteList(w.b, l);
         return r;
       }},
      {"RtmDeleteRouteList", "wrong kind (an enumeration)", INVH,
       [](World& w) { return RtmDeleteRouteList(w.a, w.a_list_enum); }},
      // ---- forwarding fast path (rtmv2_ext.h): the handle only finds the instance
      {"RtmxForward", "null handle", INVH,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(nullptr, RTM_VIEW_ID_UCAST, &w.p10, &r, nullptr); }},
      {"RtmxForward", "junk handle (no instance)", INVH,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(kJunk, RTM_VIEW_ID_UCAST, &w.p10, &r, nullptr); }},
      {"RtmxForward", "forged handle (not validated: finds the instance)", NO_ERROR,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(forge(w.a), RTM_VIEW_ID_UCAST, &w.p10, &r, nullptr); }},
      {"RtmxForward", "null address", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(w.a, RTM_VIEW_ID_UCAST, nullptr, &r, nullptr); }},
      {"RtmxForward", "null result", INVP,
       [](World& w) { RTMX_FORWARDING_DETAIL d; return RtmxForward(w.a, RTM_VIEW_ID_UCAST, &w.p10, nullptr, &d); }},
      {"RtmxForward", "invalid address family", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(w.a, RTM_VIEW_ID_UCAST, &w.bad_family, &r, nullptr); }},
      {"RtmxForward", "view without an index (multicast)", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(w.a, RTM_VIEW_ID_MCAST, &w.p10, &r, nullptr); }},
      {"RtmxForward", "view out of range", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForward(w.a, RTM_MAX_VIEWS, &w.p10, &r, nullptr); }},
      {"RtmxForwardBatch4", "null handle", INVH,
       [](World&) { ULONG k = 0x0A000001; RTMX_FORWARDING_RESULT r; return RtmxForwardBatch4(nullptr, RTM_VIEW_ID_UCAST, &k, 1, &r, nullptr); }},
      {"RtmxForwardBatch4", "null addresses", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForwardBatch4(w.a, RTM_VIEW_ID_UCAST, nullptr, 1, &r, nullptr); }},
      {"RtmxForwardBatch4", "null results", INVP,
       [](World& w) { ULONG k = 0x0A000001; return RtmxForwardBatch4(w.a, RTM_VIEW_ID_UCAST, &k, 1, nullptr, nullptr); }},
      {"RtmxForwardBatch4", "view without an index (multicast)", INVP,
       [](World& w) { ULONG k = 0x0A000001; RTMX_FORWARDING_RESULT r; return RtmxForwardBatch4(w.a, RTM_VIEW_ID_MCAST, &k, 1, &r, nullptr); }},
      {"RtmxForwardBatch4", "zero count, null arrays (looks up nothing)", NO_ERROR,
       [](World& w) { UINT n = 1; return RtmxForwardBatch4(w.a, RTM_VIEW_ID_UCAST, nullptr, 0, nullptr, &n); }},
      {"RtmxForwardBatch4", "zero count, junk caller", INVH,
       [](World&) { return RtmxForwardBatch4(kJunk, RTM_VIEW_ID_UCAST, nullptr, 0, nullptr, nullptr); }},
      {"RtmxForwardBatch4", "zero count, view without an index", INVP,
       [](World& w) { return RtmxForwardBatch4(w.a, RTM_VIEW_ID_MCAST, nullptr, 0, nullptr, nullptr); }},
      {"RtmxForwardBatch6", "null handle", INVH,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForwardBatch6(nullptr, RTM_VIEW_ID_UCAST, &w.p6, 1, &r, nullptr); }},
      {"RtmxForwardBatch6", "null addresses", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForwardBatch6(w.c6, RTM_VIEW_ID_UCAST, nullptr, 1, &r, nullptr); }},
      {"RtmxForwardBatch6", "null results", INVP,
       [](World& w) { return RtmxForwardBatch6(w.c6, RTM_VIEW_ID_UCAST, &w.p6, 1, nullptr, nullptr); }},
      {"RtmxForwardBatch6", "view without an index (multicast)", INVP,
       [](World& w) { RTMX_FORWARDING_RESULT r; return RtmxForwardBatch6(w.c6, RTM_VIEW_ID_MCAST, &w.p6, 1, &r, nullptr); }},
      {"RtmxForwardBatch6", "zero count, null arrays (looks up nothing)", NO_ERROR,
       [](World& w) { UINT n = 1; return RtmxForwardBatch6(w.c6, RTM_VIEW_ID_UCAST, nullptr, 0, nullptr, &n); }},
      {"RtmxForwardBatch6", "zero count, junk caller", INVH,
       [](World&) { return RtmxForwardBatch6(kJunk, RTM_VIEW_ID_UCAST, nullptr, 0, nullptr, nullptr); }},
      {"RtmxForwardBatch6", "zero count, view without an index", INVP,
       [](World& w) { return RtmxForwardBatch6(w.c6, RTM_VIEW_ID_MCAST, nullptr, 0, nullptr, nullptr); }},
      // ---- forwarding sessions (rtmv2_ext.h): misuse is an error, never a broken section
      {"RtmxOpenForwardingSession", "null handle", INVH,
       [](World&) { RTMX_FORWARDING_SESSION s{}; return RtmxOpenForwardingSession(nullptr, RTM_VIEW_ID_UCAST, &s); }},
      {"RtmxOpenForwardingSession", "junk handle (no instance)", INVH,
       [](World&) { RTMX_FORWARDING_SESSION s{}; return RtmxOpenForwardingSession(kJunk, RTM_VIEW_ID_UCAST, &s); }},
      {"RtmxOpenForwardingSession", "null session", INVP,
       [](World& w) { return RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, nullptr); }},
      {"RtmxOpenForwardingSession", "view without an index (multicast)", INVP,
       [](World& w) { RTMX_FORWARDING_SESSION s{}; return RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_MCAST, &s); }},
      {"RtmxOpenForwardingSession", "view out of range", INVP,
       [](World& w) { RTMX_FORWARDING_SESSION s{}; return RtmxOpenForwardingSession(w.a, RTM_MAX_VIEWS, &s); }},
      {"RtmxOpenForwardingSession", "a session open already (left open)", INVP,
       [](World& w) {
         RTMX_FORWARDING_SESSION s{};
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s) != NO_ERROR) return kSetupFailed;
         const DWORD r = RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s);
         return RtmxCloseForwardingSession(&s) == NO_ERROR ? r : kSetupFailed;
       }},
      {"RtmxCloseForwardingSession", "null session", INVP,
       [](World&) { return RtmxCloseForwardingSession(nullptr); }},
      {"RtmxCloseForwardingSession", "never opened (zeroed)", INVH,
       [](World&) { RTMX_FORWARDING_SESSION s{}; return RtmxCloseForwardingSession(&s); }},
      {"RtmxCloseForwardingSession", "after a failed open", INVH,
       [](World& w) {
         RTMX_FORWARDING_SESSION s{};
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_MCAST, &s) != INVP) return kSetupFailed;
         return RtmxCloseForwardingSession(&s);
       }},
      {"RtmxCloseForwardingSession", "closed twice", INVH,
       [](World& w) {
         RTMX_FORWARDING_SESSION s{};
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s) != NO_ERROR ||
             RtmxCloseForwardingSession(&s) != NO_ERROR)
           return kSetupFailed;
         return RtmxCloseForwardingSession(&s);
       }},
      {"RtmxCloseForwardingSession", "a copy of an open session", INVH,
       [](World& w) {
         RTMX_FORWARDING_SESSION s{}, copy;
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s) != NO_ERROR) return kSetupFailed;
         std::memcpy(&copy, &s, sizeof s);
         const DWORD r = RtmxCloseForwardingSession(&copy);
         return RtmxCloseForwardingSession(&s) == NO_ERROR ? r : kSetupFailed;
       }},
      {"RtmxCloseForwardingSession", "the outer one while a nested one is open", CANNOT,
       [](World& w) {
         RTMX_FORWARDING_SESSION outer{}, inner{};
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &outer) != NO_ERROR ||
             RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &inner) != NO_ERROR)
           return kSetupFailedCannot;
         const DWORD r = RtmxCloseForwardingSession(&outer);
         if (RtmxCloseForwardingSession(&inner) != NO_ERROR || RtmxCloseForwardingSession(&outer) != NO_ERROR)
           return kSetupFailedCannot;
         return r;
       }},
      {"RtmxCloseForwardingSession", "another thread's session", DENIED,
       [](World& w) {
         RTMX_FORWARDING_SESSION s{};
         if (RtmxOpenForwardingSession(w.a, RTM_VIEW_ID_UCAST, &s) != NO_ERROR) return kSetupFailed;
         DWORD r = 0;
         std::thread t([&] { r = RtmxCloseForwardingSession(&s); });
         t.join();
         return RtmxCloseForwardingSession(&s) == NO_ERROR ? r : kSetupFailed;
       }},
      {"RtmxSessionLookupBatch4", "null addresses", INVP,
       [](World& w) { return session_call(w, [](const RTMX_FORWARDING_SESSION* s) {
           const RTMX_FORWARDING_RESULT* r; return RtmxSessionLookupBatch4(s, nullptr, 1, &r, nullptr); }); }},
      {"RtmxSessionLookupBatch4", "null results", INVP,
       [](World& w) { return session_call(w, [](const RTMX_FORWARDING_SESSION* s) {
           ULONG k = 0x0A000001; return RtmxSessionLookupBatch4(s, &k, 1, nullptr, nullptr); }); }},
      {"RtmxSessionLookupBatch4", "zero count, null arrays (looks up nothing)", NO_ERROR,
       [](World& w) { return session_call(w, [](const RTMX_FORWARDING_SESSION* s) {
           UINT n = 1; return RtmxSessionLookupBatch4(s, nullptr, 0, nullptr, &n); }); }},
      {"RtmxSessionLookupBatch4", "a session not open (answers no route)", NO_ERROR,
       [](World&) {
         RTMX_FORWARDING_SESSION s{};
         ULONG k = 0x0A000001;
         const RTMX_FORWARDING_RESULT* r = nullptr;
         UINT n = 1;
         const DWORD rc = RtmxSessionLookupBatch4(&s, &k, 1, &r, &n);
         return r != nullptr && r->NumHops == 0 && n == 0 ? rc : kSetupFailed;
       }},
      {"RtmxSessionLookupBatch6", "null addresses", INVP,
       [](World& w) { return session_call(w, [](const RTMX_FORWARDING_SESSION* s) {
           const RTMX_FORWARDING_RESULT* r; return RtmxSessionLookupBatch6(s, nullptr, 1, &r, nullptr); }); }},
      {"RtmxSessionLookupBatch6", "null results", INVP,
       [&](World& w) { return session_call(w, [&](const RTMX_FORWARDING_SESSION* s) {
           return RtmxSessionLookupBatch6(s, &w.p6, 1, nullptr, nullptr); }); }},
      {"RtmxSessionLookupBatch6", "zero count, null arrays (looks up nothing)", NO_ERROR,
       [](World& w) { return session_call(w, [](const RTMX_FORWARDING_SESSION* s) {
           UINT n = 1; return RtmxSessionLookupBatch6(s, nullptr, 0, nullptr, &n); }); }},
      {"RtmxSessionLookupBatch6", "a session not open (answers no route)", NO_ERROR,
       [](World& w) {
         const RTMX_FORWARDING_RESULT* r = nullptr;
         UINT n = 1;
         const DWORD rc = RtmxSessionLookupBatch6(nullptr, &w.p6, 1, &r, &n);
         return r != nullptr && r->NumHops == 0 && n == 0 ? rc : kSetupFailed;
       }},
  };
  return v;
}

const char* code_name(DWORD c) {
  switch (c) {
    case NO_ERROR: return "NO_ERROR";
    case ERROR_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
    case ERROR_INVALID_HANDLE: return "ERROR_INVALID_HANDLE";
    case ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY";
    case ERROR_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
    case ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
    case ERROR_INSUFFICIENT_BUFFER: return "ERROR_INSUFFICIENT_BUFFER";
    case ERROR_NO_MORE_ITEMS: return "ERROR_NO_MORE_ITEMS";
    case ERROR_NOT_FOUND: return "ERROR_NOT_FOUND";
    case ERROR_CAN_NOT_COMPLETE: return "ERROR_CAN_NOT_COMPLETE";
  }
  return "?";
}

TEST(BadInputMatrix, EveryCaseGetsItsDocumentedCodeAndChangesNothing) {
  World& w = world();
  int n = 0;
  std::set<std::string> functions;
  for (const Case& c : cases()) {
    functions.insert(c.function);
    const Snapshot before = Snapshot::take();
    const DWORD got = c.call(w);
    const Snapshot after = Snapshot::take();
    EXPECT_EQ(got, c.expected) << c.function << " / " << c.input << ": got " << code_name(got)
                               << ", documented " << code_name(c.expected);
    EXPECT_TRUE(before == after) << c.function << " / " << c.input << " changed the world";
    ++n;
  }
  EXPECT_GE(n, 200);
  EXPECT_EQ(functions.size(), 70u)
      << "every RTMv2 function and every RtmxForward* / forwarding-session / stats / bulk-write extension "
         "with an error code has at least one row";
}

// The controls: the well-formed calls on the same world succeed, so each
// row above fails for the bad input it names, not for a broken world (the
// helper enumerations and lists are live, m's methods and opaque slot
// exist, locks can be taken and given back). Runs after the matrix: it
// consumes the enumerations.
TEST(BadInputMatrix, ControlsTheWellFormedCallsSucceed) {
  World& w = world();
  const Snapshot before = Snapshot::take();
  auto more = [](DWORD r) { return r == NO_ERROR || r == ERROR_NO_MORE_ITEMS; };
  for (auto [e, de, re, ne, le] : {std::tuple{w.a, w.a_dest_enum, w.a_route_enum, w.a_nh_enum, w.a_list_enum},
                                   std::tuple{w.b, w.b_dest_enum, w.b_route_enum, w.b_nh_enum, w.b_list_enum}}) {
    UINT c = 1;
    EXPECT_TRUE(more(RtmGetEnumDests(e, de, &c, w.dinfo())));
    EXPECT_EQ(c, 1u);
    EXPECT_EQ(RtmReleaseDests(e, c, w.dinfo()), NO_ERROR);
    RTM_ROUTE_HANDLE r[1];
    c = 1;
    EXPECT_TRUE(more(RtmGetEnumRoutes(e, re, &c, r)));
    EXPECT_EQ(c, 1u);
    EXPECT_EQ(RtmReleaseRoutes(e, c, r), NO_ERROR);
    RTM_NEXTHOP_HANDLE n[1];
    c = 1;
    EXPECT_TRUE(more(RtmGetEnumNextHops(e, ne, &c, n)));
    EXPECT_EQ(c, 1u);
    EXPECT_EQ(RtmReleaseNextHops(e, c, n), NO_ERROR);
    c = 1;
    EXPECT_EQ(RtmGetListEnumRoutes(e, le, &c, r), ERROR_NO_MORE_ITEMS);  // the lists are empty
    EXPECT_EQ(c, 0u);
  }
  {
    UINT c = 1;
    EXPECT_TRUE(more(RtmGetEnumDests(w.x, w.x_dest_enum, &c, w.dinfo())));
    EXPECT_EQ(c, 1u);
    EXPECT_EQ(RtmReleaseDests(w.x, c, w.dinfo()), NO_ERROR);
  }
  RTM_ROUTE_HANDLE route = w.route;
  EXPECT_EQ(RtmInsertInRouteList(w.a, w.a_list, 1, &route), NO_ERROR);
  EXPECT_EQ(RtmInsertInRouteList(w.a, nullptr, 1, &route), NO_ERROR);
  PVOID slot = nullptr;
  EXPECT_EQ(RtmGetOpaqueInformationPointer(w.m, w.dest, &slot), NO_ERROR);
  EXPECT_NE(slot, nullptr);
  UINT nm = 2;
  RTM_ENTITY_EXPORT_METHOD ms[2];
  EXPECT_EQ(RtmGetEntityMethods(w.a, w.m, &nm, ms), NO_ERROR);
  EXPECT_EQ(nm, 2u);
  MethodBuf o;
  UINT osz = sizeof o.bytes;
  RTM_ENTITY_METHOD_INPUT in{};
  in.MethodType = 1;
  EXPECT_EQ(RtmInvokeMethod(w.a, w.m, &in, &osz, o.out()), NO_ERROR);
  EXPECT_EQ(RtmBlockMethods(w.m, w.m, 0, RTM_BLOCK_METHODS), NO_ERROR);
  EXPECT_EQ(RtmBlockMethods(w.m, nullptr, 0, RTM_RESUME_METHODS), NO_ERROR);
  EXPECT_EQ(RtmLockDestination(w.a, w.dest, TRUE, TRUE), NO_ERROR);
  EXPECT_EQ(RtmLockDestination(w.a, w.dest, TRUE, FALSE), NO_ERROR);
  EXPECT_EQ(RtmHoldDestination(w.a, w.dest, RTM_VIEW_MASK_UCAST, 0), NO_ERROR);
  PRTM_ROUTE_INFO rp = nullptr;
  EXPECT_EQ(RtmGetRoutePointer(w.a, w.route, &rp), NO_ERROR);
  EXPECT_EQ(RtmLockRoute(w.a, w.route, TRUE, TRUE, &rp), NO_ERROR);
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  EXPECT_EQ(RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, nullptr, 0, nullptr, &f), NO_ERROR);
  PRTM_NEXTHOP_INFO np = nullptr;
  EXPECT_EQ(RtmGetNextHopPointer(w.a, w.nexthop, &np), NO_ERROR);
  EXPECT_EQ(RtmLockNextHop(w.a, w.nexthop, TRUE, TRUE, &np), NO_ERROR);
  EXPECT_EQ(RtmLockNextHop(w.a, w.nexthop, TRUE, FALSE, nullptr), NO_ERROR);
  RTM_ENUM_HANDLE e;
  EXPECT_EQ(RtmCreateRouteEnum(w.a, w.dest, RTM_VIEW_MASK_UCAST, RTM_ENUM_START, nullptr, RTM_MATCH_NONE,
                               nullptr, 0, &e), NO_ERROR);
  EXPECT_EQ(RtmDeleteEnumHandle(w.a, e), NO_ERROR);
  RTM_ENTITY_INFO ei;
  EXPECT_EQ(RtmGetDestInfo(w.a, w.stale_dest, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, w.dinfo()),
            ERROR_INVALID_HANDLE);  // the stale destination really is gone
  EXPECT_EQ(RtmGetEntityInfo(w.a, w.m, &ei), NO_ERROR);
  EXPECT_TRUE(before == Snapshot::take()) << "the controls gave back every reference";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--markdown") == 0) {
    std::printf("| function | bad input | result |\n|---|---|---|\n");
    for (const Case& c : cases())
      std::printf("| `%s` | %s | `%s` |\n", c.function, c.input, code_name(c.expected));
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
