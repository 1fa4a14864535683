// The bad-input matrix of the C API (ctest label "badinput").
//
// Every case is one row of data: the function, the class of bad input, the
// documented error code, and the call. Each case runs against the same
// small world (two instances, four entities, a route, a destination, a next
// hop, a registration, stale / forged / wrong-kind / other-instance
// handles) and must return its code and leave the world as it was: every
// entity's reference count, every table's destination count, and the
// route's attributes. `rtm_badinput_test --markdown` prints the matrix
// (README.md shows it).
#include <gtest/gtest.h>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

struct World {
  RTM_ENTITY_HANDLE a = nullptr, b = nullptr, c6 = nullptr, x = nullptr;  // x: other instance
  RTM_ROUTE_HANDLE route = nullptr;       // a's route to 10.0.0.0/8, held by a
  RTM_ROUTE_HANDLE x_route = nullptr;     // x's route, held by x
  RTM_DEST_HANDLE dest = nullptr;         // 10.0.0.0/8, held by a
  RTM_NEXTHOP_HANDLE nexthop = nullptr;   // a's next hop, held by a
  RTM_NOTIFY_HANDLE notify = nullptr;     // a's registration
  RTM_ROUTE_HANDLE stale_route = nullptr; // a route deleted, released and freed
  RTM_NET_ADDRESS p10{}, p6{}, bad_family{}, too_long{}, host_bits{};
  std::vector<unsigned char> info_buf = std::vector<unsigned char>(4096);
  PRTM_DEST_INFO dinfo() { return reinterpret_cast<PRTM_DEST_INFO>(info_buf.data()); }
  RTM_ROUTE_INFO* rinfo() { return reinterpret_cast<RTM_ROUTE_INFO*>(info_buf.data()); }
};

HANDLE forge(HANDLE h) {  // the same slot, another generation
  return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(h) ^ (std::uintptr_t{1} << 40));
}
const HANDLE kJunk = reinterpret_cast<HANDLE>(std::uintptr_t{0x1234});

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
    auto reg = [](USHORT inst, USHORT fam, ULONG proto, RTM_ENTITY_HANDLE* h) {
      RTM_ENTITY_INFO i{};
      i.RtmInstanceId = inst;
      i.AddressFamily = fam;
      i.EntityId.EntityProtocolId = proto;
      i.EntityId.EntityInstanceId = 1;
      RTM_REGN_PROFILE p;
      if (RtmRegisterEntity(&i, nullptr, nullptr, FALSE, &p, h) != NO_ERROR) std::abort();
    };
    reg(11, AF_INET, 1, &w.a);
    reg(11, AF_INET, 2, &w.b);
    reg(11, AF_INET6, 1, &w.c6);
    reg(12, AF_INET, 1, &w.x);
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
    if (RtmRegisterForChangeNotification(w.a, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_ALL, nullptr,
                                         &w.notify) != NO_ERROR)
      std::abort();
    RTM_NET_ADDRESS p11;
    v4(&p11, 11, 0, 8);
    cf = 0;
    RtmAddRouteToDest(w.a, &w.stale_route, &p11, &ri, INFINITE, nullptr, 0, nullptr, &cf);
    RtmDeleteRouteToDest(w.a, w.stale_route, &cf);
    RtmReleaseRoutes(w.a, 1, &w.stale_route);
    RtmxReclaimNow();
    return w;
  }();
  return w;
}

// What must not change: references held, destinations, the route's preference.
struct Snapshot {
  ULONG held[4] = {}, dests[3] = {};
  ULONG pref = 0;
  static Snapshot take() {
    World& w = world();
    Snapshot s;
    RTM_ENTITY_HANDLE es[4] = {w.a, w.b, w.c6, w.x};
    for (int i = 0; i < 4; ++i) RtmxGetHeldReferences(es[i], &s.held[i]);
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
#define NOSUP ERROR_NOT_SUPPORTED

std::vector<Case> cases() {
  UINT n = 4;
  (void)n;
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
      {"RtmReleaseEntities", "zero count", INVP,
       [](World& w) { RTM_ENTITY_HANDLE h = w.b; return RtmReleaseEntities(w.a, 0, &h); }},
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
      {"RtmReleaseDests", "zero count", INVP, [](World& w) { return RtmReleaseDests(w.a, 0, w.dinfo()); }},
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
      {"RtmReleaseRoutes", "zero count", INVP,
       [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmReleaseRoutes(w.a, 0, &h); }},
      {"RtmReferenceHandles", "junk handle in the batch", INVH,
       [](World& w) { HANDLE h[2] = {w.route, kJunk}; return RtmReferenceHandles(w.a, 2, h); }},
      {"RtmReferenceHandles", "null array", INVP, [](World& w) { return RtmReferenceHandles(w.a, 1, nullptr); }},
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
      {"RtmAddRouteToDest", "a route list handle (not supported yet)", NOSUP,
       [](World& w) { RTM_ROUTE_INFO ri{}; ri.BelongsToViews = 1; RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmAddRouteToDest(w.a, nullptr, &w.p10, &ri, INFINITE, kJunk, 0, nullptr, &f); }},
      {"RtmDeleteRouteToDest", "another entity's route", DENIED,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.b, w.route, &f); }},
      {"RtmDeleteRouteToDest", "stale route handle", INVH,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.a, w.stale_route, &f); }},
      {"RtmDeleteRouteToDest", "wrong kind (a destination)", INVH,
       [](World& w) { RTM_ROUTE_CHANGE_FLAGS f = 0; return RtmDeleteRouteToDest(w.a, w.dest, &f); }},
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
      // ---- not implemented yet: any input
      {"RtmLockDestination", "any", NOSUP, [](World& w) { return RtmLockDestination(w.a, w.dest, TRUE, TRUE); }},
      {"RtmGetOpaqueInformationPointer", "any", NOSUP, [](World& w) { PVOID p; return RtmGetOpaqueInformationPointer(w.a, w.dest, &p); }},
      {"RtmGetEntityMethods", "any", NOSUP, [](World& w) { UINT c = 0; return RtmGetEntityMethods(w.a, w.b, &c, nullptr); }},
      {"RtmInvokeMethod", "any", NOSUP, [](World& w) { UINT c = 0; return RtmInvokeMethod(w.a, w.b, nullptr, &c, nullptr); }},
      {"RtmBlockMethods", "any", NOSUP, [](World& w) { return RtmBlockMethods(w.a, nullptr, 0, 0); }},
      {"RtmHoldDestination", "any", NOSUP, [](World& w) { return RtmHoldDestination(w.a, w.dest, 1, 1000); }},
      {"RtmGetRoutePointer", "any", NOSUP, [](World& w) { PRTM_ROUTE_INFO p; return RtmGetRoutePointer(w.a, w.route, &p); }},
      {"RtmLockRoute", "any", NOSUP, [](World& w) { return RtmLockRoute(w.a, w.route, TRUE, TRUE, nullptr); }},
      {"RtmUpdateAndUnlockRoute", "any", NOSUP, [](World& w) { RTM_ROUTE_CHANGE_FLAGS f; return RtmUpdateAndUnlockRoute(w.a, w.route, INFINITE, nullptr, 0, nullptr, &f); }},
      {"RtmGetNextHopPointer", "any", NOSUP, [](World& w) { PRTM_NEXTHOP_INFO p; return RtmGetNextHopPointer(w.a, w.nexthop, &p); }},
      {"RtmLockNextHop", "any", NOSUP, [](World& w) { return RtmLockNextHop(w.a, w.nexthop, TRUE, TRUE, nullptr); }},
      {"RtmCreateDestEnum", "any", NOSUP, [](World& w) { RTM_ENUM_HANDLE e; return RtmCreateDestEnum(w.a, 1, RTM_ENUM_START, nullptr, RTM_BEST_PROTOCOL, &e); }},
      {"RtmGetEnumDests", "any", NOSUP, [](World& w) { UINT c = 1; return RtmGetEnumDests(w.a, kJunk, &c, w.dinfo()); }},
      {"RtmCreateRouteEnum", "any", NOSUP, [](World& w) { RTM_ENUM_HANDLE e; return RtmCreateRouteEnum(w.a, w.dest, 1, RTM_ENUM_START, nullptr, RTM_MATCH_NONE, nullptr, 0, &e); }},
      {"RtmGetEnumRoutes", "any", NOSUP, [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h; return RtmGetEnumRoutes(w.a, kJunk, &c, &h); }},
      {"RtmCreateNextHopEnum", "any", NOSUP, [](World& w) { RTM_ENUM_HANDLE e; return RtmCreateNextHopEnum(w.a, RTM_ENUM_START, nullptr, &e); }},
      {"RtmGetEnumNextHops", "any", NOSUP, [](World& w) { UINT c = 1; RTM_NEXTHOP_HANDLE h; return RtmGetEnumNextHops(w.a, kJunk, &c, &h); }},
      {"RtmDeleteEnumHandle", "any", NOSUP, [](World& w) { return RtmDeleteEnumHandle(w.a, kJunk); }},
      {"RtmCreateRouteList", "any", NOSUP, [](World& w) { RTM_ROUTE_LIST_HANDLE l; return RtmCreateRouteList(w.a, &l); }},
      {"RtmInsertInRouteList", "any", NOSUP, [](World& w) { RTM_ROUTE_HANDLE h = w.route; return RtmInsertInRouteList(w.a, kJunk, 1, &h); }},
      {"RtmCreateRouteListEnum", "any", NOSUP, [](World& w) { RTM_ENUM_HANDLE e; return RtmCreateRouteListEnum(w.a, kJunk, &e); }},
      {"RtmGetListEnumRoutes", "any", NOSUP, [](World& w) { UINT c = 1; RTM_ROUTE_HANDLE h; return RtmGetListEnumRoutes(w.a, kJunk, &c, &h); }},
      {"RtmDeleteRouteList", "any", NOSUP, [](World& w) { return RtmDeleteRouteList(w.a, kJunk); }},
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
  }
  return "?";
}

TEST(BadInputMatrix, EveryCaseGetsItsDocumentedCodeAndChangesNothing) {
  World& w = world();
  int n = 0;
  for (const Case& c : cases()) {
    const Snapshot before = Snapshot::take();
    const DWORD got = c.call(w);
    const Snapshot after = Snapshot::take();
    EXPECT_EQ(got, c.expected) << c.function << " / " << c.input << ": got " << code_name(got)
                               << ", documented " << code_name(c.expected);
    EXPECT_TRUE(before == after) << c.function << " / " << c.input << " changed the world";
    ++n;
  }
  EXPECT_GE(n, 100);
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
