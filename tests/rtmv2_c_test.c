/* rtmv2_c_test.c — C11 test of the RTMv2 C API (include/rtmv2/rtmv2.h): every function, all
 * implemented, on its success path and its documented error paths (REFERENCE.md; the rtm
 * rules of the header, include/rtm/instance.h and the README where the reference is silent);
 * and the extensions of include/rtmv2/rtmv2_ext.h (RtmxForward*, the bulk writes).
 * Reference counts are checked through the API: a reference no longer held cannot be released
 * again (ERROR_INVALID_PARAMETER), so "the second release fails" proves a Get/Release pair is
 * balanced. Each area uses its own RTM instance id, so entity events stay within it.
 * Nothing here sleeps or needs a second thread: waiting in RtmBlockMethods, route expiry and
 * timed hold-down are tested in C++ (with an injectable clock). */
#define _POSIX_C_SOURCE 200809L
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_checks = 0;
static int g_failures = 0;

static void check(int ok, const char* expr, int line) {
  ++g_checks;
  if (!ok) {
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, line, expr);
    ++g_failures;
  }
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

/* CHECK(call == want), printing the code actually returned. */
static void check_rc(DWORD got, DWORD want, const char* call, const char* name, int line) {
  ++g_checks;
  if (got != want) {
    fprintf(stderr, "%s:%d: CHECK failed: %s returned %u, expected %s (%u)\n", __FILE__, line,
            call, (unsigned)got, name, (unsigned)want);
    ++g_failures;
  }
}
#define CHECK_RC(call, want) check_rc((call), (DWORD)(want), #call, #want, __LINE__)

/* Short names for the most frequent constants. */
#define INVP ERROR_INVALID_PARAMETER
#define INVH ERROR_INVALID_HANDLE
#define BEST RTM_BEST_PROTOCOL
#define UC RTM_VIEW_MASK_UCAST
#define MC RTM_VIEW_MASK_MCAST

/* ---- helpers ------------------------------------------------------------------ */

static RTM_REGN_PROFILE g_profile; /* profile of the last registration */
static size_t g_stride;            /* RTM_SIZE_OF_DEST_INFO(NumberOfViews) */
static RTM_ROUTE_INFO* g_ri;       /* route info buffer with room for 16 hops */

/* A bogus handle: no instance carries tag 0. */
#define BOGUS ((HANDLE)(uintptr_t)0x1234u)
/* A forged handle: a real one with one generation bit flipped. */
static HANDLE forge(HANDLE h) { return (HANDLE)((uintptr_t)h ^ ((uintptr_t)1 << 40)); }

static PRTM_DEST_INFO di_at(PRTM_DEST_INFO base, unsigned i) {
  return (PRTM_DEST_INFO)((unsigned char*)base + i * g_stride);
}
static PRTM_DEST_INFO new_dest_infos(unsigned n) {
  return (PRTM_DEST_INFO)calloc(n, RTM_SIZE_OF_DEST_INFO(RTM_MAX_VIEWS));
}

static void v4(RTM_NET_ADDRESS* a, unsigned b0, unsigned b1, unsigned b2, unsigned b3,
               unsigned len) {
  memset(a, 0, sizeof *a);
  a->AddressFamily = AF_INET; a->NumBits = (USHORT)len;
  a->AddrBits[0] = (UCHAR)b0; a->AddrBits[1] = (UCHAR)b1;
  a->AddrBits[2] = (UCHAR)b2; a->AddrBits[3] = (UCHAR)b3;
}

/* 2001:db8:<b4>::/len */
static void v6(RTM_NET_ADDRESS* a, unsigned b4, unsigned len) {
  memset(a, 0, sizeof *a);
  a->AddressFamily = AF_INET6; a->NumBits = (USHORT)len;
  a->AddrBits[0] = 0x20; a->AddrBits[1] = 0x01; a->AddrBits[2] = 0x0d; a->AddrBits[3] = 0xb8;
  a->AddrBits[4] = (UCHAR)b4;
}

/* Event log filled by the callback. */
static struct {
  int registered, deregistered, changes;
  PVOID self, c1, ctx;
  RTM_ENTITY_INFO info;
} ev;

static DWORD WINAPI on_event(RTM_ENTITY_HANDLE self, RTM_EVENT_TYPE type, PVOID c1, PVOID c2) {
  ev.self = self;
  ev.c1 = c1;
  if (type == RTM_ENTITY_REGISTERED || type == RTM_ENTITY_DEREGISTERED) {
    ++*(type == RTM_ENTITY_REGISTERED ? &ev.registered : &ev.deregistered);
    if (c2 != NULL) ev.info = *(const RTM_ENTITY_INFO*)c2;
  } else if (type == RTM_CHANGE_NOTIFICATION) {
    ++ev.changes;
    ev.ctx = c2;
  }
  return NO_ERROR;
}

/* Registers (instance, family, proto, instance 1), optionally reserving an opaque pointer
 * and exporting methods. */
static RTM_ENTITY_HANDLE reg_ex(USHORT instance, USHORT family, ULONG proto,
                                RTM_EVENT_CALLBACK cb, BOOL opaque,
                                PRTM_ENTITY_EXPORT_METHODS methods) {
  RTM_ENTITY_INFO info;
  RTM_ENTITY_HANDLE h = NULL;
  memset(&info, 0, sizeof info);
  info.RtmInstanceId = instance; info.AddressFamily = family;
  info.EntityId.EntityProtocolId = proto; info.EntityId.EntityInstanceId = 1;
  CHECK_RC(RtmRegisterEntity(&info, methods, cb, opaque, &g_profile, &h), NO_ERROR);
  return h;
}
static RTM_ENTITY_HANDLE reg(USHORT instance, USHORT family, ULONG proto, RTM_EVENT_CALLBACK cb) {
  return reg_ex(instance, family, proto, cb, FALSE, NULL);
}

/* Adds next hop 192.0.2.<last>/32 on interface ifindex; returns its handle (referenced). */
static RTM_NEXTHOP_HANDLE add_nh(RTM_ENTITY_HANDLE h, unsigned last, ULONG ifindex) {
  RTM_NEXTHOP_INFO nhi;
  RTM_NEXTHOP_HANDLE nh = NULL;
  RTM_NEXTHOP_CHANGE_FLAGS f = 0;
  memset(&nhi, 0, sizeof nhi);
  v4(&nhi.NextHopAddress, 192, 0, 2, last, 32); nhi.InterfaceIndex = ifindex;
  CHECK_RC(RtmAddNextHop(h, &nhi, &nh, &f), NO_ERROR);
  return nh;
}

/* Fills g_ri for a route with preference, metric, views and 0 or 1 next hop. */
static PRTM_ROUTE_INFO route_info(ULONG pref, ULONG metric, RTM_VIEW_SET views,
                                  RTM_NEXTHOP_HANDLE nh) {
  memset(g_ri, 0, RTM_SIZE_OF_ROUTE_INFO(16));
  g_ri->PrefInfo.Preference = pref; g_ri->PrefInfo.Metric = metric;
  g_ri->BelongsToViews = views;
  g_ri->NextHopsList.NumNextHops = nh ? 1 : 0; g_ri->NextHopsList.NextHops[0] = nh;
  return g_ri;
}

/* Adds (or updates) a route; change flags `in` on input, g_flags on output. rh may be NULL. */
static RTM_ROUTE_CHANGE_FLAGS g_flags;
static DWORD add_route(RTM_ENTITY_HANDLE h, RTM_ROUTE_HANDLE* rh, const RTM_NET_ADDRESS* dest,
                       ULONG pref, ULONG metric, RTM_VIEW_SET views, RTM_NEXTHOP_HANDLE nh,
                       RTM_ROUTE_CHANGE_FLAGS in) {
  RTM_NET_ADDRESS d = *dest;
  g_flags = in;
  return RtmAddRouteToDest(h, rh, &d, route_info(pref, metric, views, nh), INFINITE, NULL, 0,
                           NULL, &g_flags);
}

/* ---- entities ------------------------------------------------------------------ */

static void test_entities(void) {
  RTM_ENTITY_INFO info, infos[4];
  RTM_ENTITY_HANDLE a, b, a6, h = NULL, hs[4];
  RTM_REGN_PROFILE p;
  UINT n;
  int found = 0;
  memset(&info, 0, sizeof info);
  info.RtmInstanceId = 1; info.AddressFamily = AF_INET;
  info.EntityId.EntityProtocolId = 8; info.EntityId.EntityInstanceId = 1;
  CHECK_RC(RtmRegisterEntity(NULL, NULL, on_event, FALSE, &p, &h), INVP);
  CHECK_RC(RtmRegisterEntity(&info, NULL, on_event, FALSE, NULL, &h), INVP);
  CHECK_RC(RtmRegisterEntity(&info, NULL, on_event, FALSE, &p, NULL), INVP);
  info.AddressFamily = 1; /* AF_UNIX */
  CHECK_RC(RtmRegisterEntity(&info, NULL, on_event, FALSE, &p, &h), INVP);
  info.AddressFamily = AF_INET;
  memset(&ev, 0, sizeof ev);
  a = reg(1, AF_INET, 8, on_event); CHECK(a != NULL && ev.registered == 0);
  CHECK(g_profile.MaxNextHopsInRoute >= 1 && g_profile.MaxNextHopsInRoute <= 16);
  CHECK(g_profile.MaxHandlesInEnum >= 1 && (g_profile.ViewsSupported & UC));
  CHECK(g_profile.NumberOfViews == (UINT)__builtin_popcount(g_profile.ViewsSupported));
  /* The other entity learns of a new registration. */
  b = reg(1, AF_INET, 9, on_event); CHECK(ev.registered == 1 && ev.self == a && ev.c1 == b);
  CHECK(ev.info.EntityId.EntityProtocolId == 9 && ev.info.AddressFamily == AF_INET);
  /* Registering the same identity twice is an error. */
  CHECK(RtmRegisterEntity(&info, NULL, on_event, FALSE, &p, &h) != NO_ERROR);
  /* ReserveOpaquePointer is accepted; a and b are told of arrival and departure. */
  info.EntityId.EntityProtocolId = 77;
  CHECK_RC(RtmRegisterEntity(&info, NULL, NULL, TRUE, &p, &h), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(h), NO_ERROR); CHECK(ev.registered == 3 && ev.deregistered == 2);
  /* RtmGetRegisteredEntities: buffer too small (needed count), then big enough. */
  n = 0; CHECK_RC(RtmGetRegisteredEntities(a, &n, NULL, NULL), ERROR_INSUFFICIENT_BUFFER);
  CHECK(n == 2);
  n = 1; CHECK_RC(RtmGetRegisteredEntities(a, &n, hs, infos), ERROR_INSUFFICIENT_BUFFER);
  CHECK(n == 2);
  CHECK_RC(RtmGetRegisteredEntities(a, NULL, hs, infos), INVP);
  n = 4; CHECK_RC(RtmGetRegisteredEntities(a, &n, NULL, NULL), INVP);
  CHECK_RC(RtmGetRegisteredEntities(NULL, &n, hs, infos), INVH);
  CHECK_RC(RtmGetRegisteredEntities(a, &n, hs, infos), NO_ERROR); CHECK(n == 2);
  if (n == 2) {
    const int ia = hs[0] == a ? 0 : 1;
    CHECK(hs[ia] == a && hs[1 - ia] == b);
    CHECK(infos[ia].EntityId.EntityProtocolId == 8 && infos[1 - ia].EntityId.EntityProtocolId == 9);
    CHECK(infos[0].RtmInstanceId == 1 && infos[0].AddressFamily == AF_INET);
    CHECK_RC(RtmReleaseEntities(a, 0, hs), NO_ERROR); CHECK_RC(RtmReleaseEntities(a, 0, NULL), NO_ERROR); CHECK_RC(RtmReleaseEntities(a, 2, NULL), INVP);
    CHECK_RC(RtmReleaseEntities(NULL, 2, hs), INVH);
    CHECK_RC(RtmReleaseEntities(a, 2, hs), NO_ERROR);
    CHECK_RC(RtmReleaseEntities(a, 2, hs), INVP); /* second release */
    CHECK_RC(RtmReleaseEntities(a, 1, &hs[0]), INVP);
  }
  /* Same ids, other family: a distinct entity. REFERENCE.md: "Other entities of the
   * instance get RTM_ENTITY_REGISTERED" (a and b, whatever their family). */
  memset(&ev, 0, sizeof ev);
  a6 = reg(1, AF_INET6, 8, on_event); CHECK(a6 != NULL && a6 != a);
  CHECK(ev.registered == 2);
  n = 4; /* infos are optional */
  CHECK_RC(RtmGetRegisteredEntities(a6, &n, hs, NULL), NO_ERROR);
  for (UINT i = 0; i < n && i < 4; ++i) found |= hs[i] == a6;
  CHECK(n >= 1 && n <= 4 && found);
  if (n >= 1 && n <= 4) CHECK_RC(RtmReleaseEntities(a6, n, hs), NO_ERROR);
  /* RtmGetEntityInfo / RtmReleaseEntityInfo. */
  memset(&info, 0, sizeof info); CHECK_RC(RtmGetEntityInfo(a, b, &info), NO_ERROR);
  CHECK(info.RtmInstanceId == 1 && info.AddressFamily == AF_INET);
  CHECK(info.EntityId.EntityProtocolId == 9 && info.EntityId.EntityInstanceId == 1);
  CHECK_RC(RtmReleaseEntityInfo(a, &info), NO_ERROR);
  CHECK_RC(RtmGetEntityInfo(a, a6, &info), NO_ERROR); CHECK(info.AddressFamily == AF_INET6);
  CHECK_RC(RtmReleaseEntityInfo(a, &info), NO_ERROR);
  CHECK_RC(RtmGetEntityInfo(a, b, NULL), INVP);
  CHECK_RC(RtmGetEntityInfo(a, forge(b), &info), INVH);
  CHECK_RC(RtmGetEntityInfo(NULL, b, &info), INVH);
  CHECK_RC(RtmReleaseEntityInfo(a, NULL), INVP); CHECK_RC(RtmReleaseEntityInfo(NULL, &info), INVH);
  CHECK_RC(RtmDeregisterEntity(a6), NO_ERROR);
  memset(&ev, 0, sizeof ev);
  /* Deregistration: the others are told; the handle goes stale. */
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR);
  CHECK(ev.deregistered == 1 && ev.self == a && ev.c1 == b);
  CHECK(ev.info.EntityId.EntityProtocolId == 9);
  CHECK_RC(RtmDeregisterEntity(b), INVH);
  CHECK_RC(RtmGetEntityInfo(b, a, &info), INVH);
  n = 4; CHECK_RC(RtmGetRegisteredEntities(b, &n, hs, NULL), INVH);
  CHECK_RC(RtmDeregisterEntity(NULL), INVH); CHECK_RC(RtmDeregisterEntity(BOGUS), INVH);
  CHECK_RC(RtmDeregisterEntity(forge(a)), INVH);
  b = reg(1, AF_INET, 9, NULL); /* the identity is free again */
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
}

/* ---- next hops ------------------------------------------------------------------- */

static void test_next_hops(void) {
  RTM_ENTITY_HANDLE a = reg(2, AF_INET, 8, NULL), b = reg(2, AF_INET, 9, NULL);
  RTM_NEXTHOP_INFO nhi, out;
  RTM_NEXTHOP_HANDLE nh = NULL, nh2 = NULL, found = NULL;
  RTM_NEXTHOP_CHANGE_FLAGS f = 0xdead;
  memset(&nhi, 0, sizeof nhi);
  v4(&nhi.NextHopAddress, 192, 0, 2, 1, 32);
  nhi.InterfaceIndex = 3; CHECK_RC(RtmAddNextHop(a, &nhi, &nh, &f), NO_ERROR);
  CHECK(nh != NULL && f == RTM_NEXTHOP_CHANGE_NEW);
  /* Same key again: an update, returning the same next hop (referenced). */
  f = 0xdead; CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, &f), NO_ERROR);
  CHECK(nh2 == nh && f == 0);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh2), NO_ERROR);
  /* Update by handle: no new reference. */
  nhi.Flags = RTM_NEXTHOP_FLAGS_DOWN; CHECK_RC(RtmAddNextHop(a, &nhi, &nh, &f), NO_ERROR);
  CHECK(f == 0);
  /* The handle is optional. */
  v4(&nhi.NextHopAddress, 192, 0, 2, 2, 32); CHECK_RC(RtmAddNextHop(a, &nhi, NULL, &f), NO_ERROR);
  CHECK(f == RTM_NEXTHOP_CHANGE_NEW);
  /* RtmAddNextHop errors. */
  v4(&nhi.NextHopAddress, 192, 0, 2, 1, 32);
  CHECK_RC(RtmAddNextHop(a, NULL, &nh2, &f), INVP);
  CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, NULL), INVP);
  CHECK_RC(RtmAddNextHop(NULL, &nhi, &nh2, &f), INVH);
  nhi.NextHopAddress.NumBits = 33; CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, &f), INVP);
  v4(&nhi.NextHopAddress, 10, 0, 0, 1, 8); /* host bits beyond NumBits */
  CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, &f), INVP);
  nhi.NextHopAddress.AddressFamily = 99; CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, &f), INVP);
  v6(&nhi.NextHopAddress, 0, 128); /* IPv6 address, IPv4 entity */
  CHECK_RC(RtmAddNextHop(a, &nhi, &nh2, &f), INVP);
  v4(&nhi.NextHopAddress, 192, 0, 2, 1, 32); nh2 = nh; /* b updating a's next hop */
  CHECK_RC(RtmAddNextHop(b, &nhi, &nh2, &f), ERROR_ACCESS_DENIED);
  /* RtmFindNextHop. */
  CHECK_RC(RtmFindNextHop(a, &nhi, &found, NULL), NO_ERROR); CHECK(found == nh);
  CHECK_RC(RtmReleaseNextHops(a, 1, &found), NO_ERROR);
  nhi.NextHopOwner = a; /* b looks up a's next hop */
  CHECK_RC(RtmFindNextHop(b, &nhi, &found, NULL), NO_ERROR); CHECK(found == nh);
  CHECK_RC(RtmReleaseNextHops(b, 1, &found), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &found), INVP);
  nhi.NextHopOwner = NULL;
  CHECK_RC(RtmFindNextHop(b, &nhi, &found, NULL), ERROR_NOT_FOUND); /* b has none */
  nhi.InterfaceIndex = 4; CHECK_RC(RtmFindNextHop(a, &nhi, &found, NULL), ERROR_NOT_FOUND);
  nhi.InterfaceIndex = 3;
  CHECK_RC(RtmFindNextHop(a, NULL, &found, NULL), INVP);
  CHECK_RC(RtmFindNextHop(a, &nhi, NULL, NULL), INVP);
  CHECK_RC(RtmFindNextHop(NULL, &nhi, &found, NULL), INVH);
  /* RtmGetNextHopInfo / RtmReleaseNextHopInfo. */
  memset(&out, 0, sizeof out); CHECK_RC(RtmGetNextHopInfo(a, nh, &out), NO_ERROR);
  CHECK(memcmp(&out.NextHopAddress, &nhi.NextHopAddress, sizeof out.NextHopAddress) == 0);
  CHECK(out.NextHopOwner == a && out.InterfaceIndex == 3 && out.RemoteNextHop == NULL);
  CHECK(out.State == RTM_NEXTHOP_STATE_CREATED && out.Flags == RTM_NEXTHOP_FLAGS_DOWN);
  CHECK_RC(RtmReleaseNextHopInfo(a, &out), NO_ERROR);
  CHECK_RC(RtmReleaseNextHopInfo(a, &out), INVP); /* second release */
  CHECK_RC(RtmReleaseNextHopInfo(a, NULL), INVP); CHECK_RC(RtmReleaseNextHopInfo(NULL, &out), INVH);
  CHECK_RC(RtmGetNextHopInfo(b, nh, &out), NO_ERROR); /* any entity may read it */
  CHECK_RC(RtmReleaseNextHopInfo(b, &out), NO_ERROR);
  CHECK_RC(RtmGetNextHopInfo(a, nh, NULL), INVP); CHECK_RC(RtmGetNextHopInfo(a, NULL, &out), INVH);
  CHECK_RC(RtmGetNextHopInfo(a, forge(nh), &out), INVH);
  CHECK_RC(RtmGetNextHopInfo(a, a, &out), INVH); /* wrong kind */
  /* RtmDeleteNextHop: owner only; by handle or by key. */
  CHECK_RC(RtmDeleteNextHop(b, nh, NULL), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeleteNextHop(a, NULL, NULL), INVP); CHECK_RC(RtmDeleteNextHop(NULL, nh, NULL), INVH);
  CHECK_RC(RtmDeleteNextHop(a, nh, NULL), NO_ERROR);
  CHECK(RtmDeleteNextHop(a, nh, NULL) != NO_ERROR); /* already deleted */
  /* Still referenced: readable, State DELETED. */
  CHECK_RC(RtmGetNextHopInfo(a, nh, &out), NO_ERROR); CHECK(out.State == RTM_NEXTHOP_STATE_DELETED);
  CHECK_RC(RtmReleaseNextHopInfo(a, &out), NO_ERROR);
  CHECK_RC(RtmFindNextHop(a, &nhi, &found, NULL), ERROR_NOT_FOUND);
  v4(&nhi.NextHopAddress, 192, 0, 2, 2, 32);
  CHECK_RC(RtmDeleteNextHop(b, NULL, &nhi), ERROR_NOT_FOUND); /* keys are per owner */
  CHECK_RC(RtmDeleteNextHop(a, NULL, &nhi), NO_ERROR);
  CHECK_RC(RtmDeleteNextHop(a, NULL, &nhi), ERROR_NOT_FOUND);
  /* RtmReleaseNextHops. */
  CHECK_RC(RtmReleaseNextHops(a, 0, &nh), NO_ERROR); CHECK_RC(RtmReleaseNextHops(a, 0, NULL), NO_ERROR); CHECK_RC(RtmReleaseNextHops(a, 1, NULL), INVP);
  CHECK_RC(RtmReleaseNextHops(NULL, 1, &nh), INVH);
  CHECK_RC(RtmReleaseNextHops(b, 1, &nh), INVP); /* b holds none */
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  CHECK(RtmReleaseNextHops(a, 1, &nh) != NO_ERROR); /* second release */
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
}

/* ---- routes ---------------------------------------------------------------------- */

static void test_routes(void) {
  RTM_ENTITY_HANDLE a = reg(4, AF_INET, 8, NULL), b = reg(4, AF_INET, 9, NULL);
  RTM_NEXTHOP_HANDLE nha = add_nh(a, 1, 3), nhb = add_nh(b, 2, 4);
  RTM_NET_ADDRESS d16, addr;
  RTM_ROUTE_HANDLE r1 = NULL, r2 = NULL, r3 = NULL, tmp = NULL, both[2];
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  RTM_VIEW_SET best = 0xdead;
  PRTM_DEST_INFO di = new_dest_infos(1);
  v4(&d16, 10, 1, 0, 0, 16); CHECK_RC(add_route(a, &r1, &d16, 120, 1, UC, nha, 0), NO_ERROR);
  CHECK(r1 != NULL);
  CHECK(g_flags == (RTM_ROUTE_CHANGE_FIRST | RTM_ROUTE_CHANGE_NEW | RTM_ROUTE_CHANGE_BEST));
  /* b's route is preferred: it becomes the best. */
  CHECK_RC(add_route(b, &r2, &d16, 100, 9, UC, nhb, 0), NO_ERROR);
  CHECK(r2 != NULL && r2 != r1 && g_flags == (RTM_ROUTE_CHANGE_NEW | RTM_ROUTE_CHANGE_BEST));
  /* RtmIsBestRoute. */
  CHECK_RC(RtmIsBestRoute(a, r1, &best), NO_ERROR); CHECK(best == 0);
  CHECK_RC(RtmIsBestRoute(a, r2, &best), NO_ERROR); CHECK(best == UC);
  CHECK_RC(RtmIsBestRoute(a, r2, NULL), INVP); CHECK_RC(RtmIsBestRoute(a, forge(r2), &best), INVH);
  CHECK_RC(RtmIsBestRoute(a, nha, &best), INVH); /* wrong kind */
  CHECK_RC(RtmIsBestRoute(NULL, r2, &best), INVH);
  /* Update by handle: the caller keeps its one reference (no new one). */
  tmp = r1; CHECK_RC(add_route(a, &tmp, &d16, 120, 2, UC, nha, 0), NO_ERROR);
  CHECK(tmp == r1 && (g_flags & RTM_ROUTE_CHANGE_NEW) == 0);
  CHECK_RC(RtmReleaseRoutes(a, 1, &r1), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r1), INVP);
  /* Update by identity (owner, neighbour): a new reference on the same route. */
  tmp = NULL; CHECK_RC(add_route(a, &tmp, &d16, 120, 3, UC, nha, 0), NO_ERROR);
  CHECK(tmp == r1 && g_flags == 0);
  /* RTM_ROUTE_CHANGE_NEW on input always creates. */
  CHECK_RC(add_route(a, &r3, &d16, 130, 1, UC, nha, RTM_ROUTE_CHANGE_NEW), NO_ERROR);
  CHECK(r3 != NULL && r3 != r1 && g_flags == RTM_ROUTE_CHANGE_NEW); /* not FIRST, not BEST */
  /* RouteHandle is optional. */
  CHECK_RC(add_route(a, NULL, &d16, 120, 4, UC, nha, 0), NO_ERROR);
  /* RtmAddRouteToDest errors. */
  tmp = NULL;
  CHECK_RC(RtmAddRouteToDest(a, &tmp, NULL, route_info(1, 1, UC, nha), INFINITE, NULL, 0, NULL,
                             &f), INVP);
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &d16, NULL, INFINITE, NULL, 0, NULL, &f), INVP);
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &d16, route_info(1, 1, UC, nha), INFINITE, NULL, 0, NULL,
                             NULL), INVP);
  CHECK_RC(add_route(NULL, &tmp, &d16, 1, 1, UC, nha, 0), INVH);
  CHECK_RC(add_route(a, &tmp, &d16, 1, 1, 0x80000000u, nha, 0), INVP); /* view not in profile */
  v4(&addr, 10, 1, 0, 0, 33); CHECK_RC(add_route(a, &tmp, &addr, 1, 1, UC, nha, 0), INVP);
  v4(&addr, 10, 1, 0, 1, 16); /* host bits set */
  CHECK_RC(add_route(a, &tmp, &addr, 1, 1, UC, nha, 0), INVP);
  addr.AddressFamily = 99; CHECK_RC(add_route(a, &tmp, &addr, 1, 1, UC, nha, 0), INVP);
  route_info(1, 1, UC, nha);
  g_ri->NextHopsList.NumNextHops = (USHORT)(g_profile.MaxNextHopsInRoute + 1);
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &d16, g_ri, INFINITE, NULL, 0, NULL, &f), INVP);
  CHECK_RC(add_route(a, &tmp, &d16, 1, 1, UC, forge(nha), 0), INVH);
  CHECK_RC(add_route(a, &tmp, &d16, 1, 1, UC, nhb, 0), ERROR_ACCESS_DENIED); /* b's hop */
  tmp = r1; /* b updating a's route */
  CHECK_RC(add_route(b, &tmp, &d16, 1, 1, UC, nhb, 0), ERROR_ACCESS_DENIED);
  tmp = forge(r1); CHECK_RC(add_route(a, &tmp, &d16, 1, 1, UC, nha, 0), INVH);
  /* RtmGetRouteInfo / RtmReleaseRouteInfo. */
  memset(&addr, 0, sizeof addr);
  CHECK_RC(RtmGetRouteInfo(a, r1, route_info(0, 0, 0, NULL), &addr), NO_ERROR);
  CHECK(memcmp(&addr, &d16, sizeof addr) == 0);
  CHECK(g_ri->RouteOwner == a && g_ri->DestHandle != NULL && g_ri->Neighbour == NULL);
  CHECK(g_ri->State == RTM_ROUTE_STATE_CREATED && g_ri->BelongsToViews == UC);
  CHECK(g_ri->PrefInfo.Preference == 120 && g_ri->PrefInfo.Metric == 4);
  CHECK(g_ri->NextHopsList.NumNextHops == 1 && g_ri->NextHopsList.NextHops[0] == nha);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), INVP); /* second release */
  CHECK_RC(RtmGetRouteInfo(b, r1, g_ri, NULL), NO_ERROR); /* any entity may read */
  CHECK_RC(RtmReleaseRouteInfo(b, g_ri), NO_ERROR);
  CHECK_RC(RtmGetRouteInfo(a, r2, NULL, &addr), NO_ERROR); /* address only: no references */
  CHECK(addr.NumBits == 16);
  CHECK_RC(RtmGetRouteInfo(a, r1, NULL, NULL), INVP);
  CHECK_RC(RtmGetRouteInfo(a, nha, g_ri, NULL), INVH); /* wrong kind */
  CHECK_RC(RtmGetRouteInfo(a, forge(r1), g_ri, NULL), INVH);
  CHECK_RC(RtmGetRouteInfo(NULL, r1, g_ri, NULL), INVH);
  CHECK_RC(RtmReleaseRouteInfo(a, NULL), INVP); CHECK_RC(RtmReleaseRouteInfo(NULL, g_ri), INVH);
  /* RtmDeleteRouteToDest: owner only. */
  CHECK_RC(RtmDeleteRouteToDest(b, r1, &f), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeleteRouteToDest(a, r1, NULL), INVP);
  CHECK_RC(RtmDeleteRouteToDest(NULL, r1, &f), INVH);
  CHECK_RC(RtmDeleteRouteToDest(a, nha, &f), INVH); /* wrong kind */
  f = 0xdead; CHECK_RC(RtmDeleteRouteToDest(a, r3, &f), NO_ERROR);
  CHECK((f & RTM_ROUTE_CHANGE_BEST) == 0); /* r2 stays best */
  f = 0xdead; CHECK_RC(RtmDeleteRouteToDest(a, r1, &f), NO_ERROR);
  CHECK((f & RTM_ROUTE_CHANGE_BEST) == 0);
  CHECK(RtmDeleteRouteToDest(a, r1, &f) != NO_ERROR); /* already deleted */
  /* A deleted route still referenced stays readable. */
  CHECK_RC(RtmGetRouteInfo(a, r1, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->State == RTM_ROUTE_STATE_DELETED);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  f = 0; CHECK_RC(RtmDeleteRouteToDest(b, r2, &f), NO_ERROR);
  CHECK(f & RTM_ROUTE_CHANGE_BEST);
  /* The last route went: so did the destination. */
  CHECK_RC(RtmGetExactMatchDestination(a, &d16, BEST, RTM_VIEW_MASK_ANY, di), ERROR_NOT_FOUND);
  /* RtmReleaseRoutes. */
  CHECK_RC(RtmReleaseRoutes(a, 0, &r1), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 0, NULL), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, NULL), INVP);
  CHECK_RC(RtmReleaseRoutes(NULL, 1, &r1), INVH);
  CHECK_RC(RtmReleaseRoutes(b, 1, &r1), INVP); /* b holds none */
  both[0] = r1; both[1] = r3;
  CHECK_RC(RtmReleaseRoutes(a, 2, both), NO_ERROR); CHECK_RC(RtmReleaseRoutes(b, 1, &r2), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nha), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &nhb), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- destinations and lookups ---------------------------------------------------- */

static void test_dests(void) {
  RTM_ENTITY_HANDLE a = reg(5, AF_INET, 8, NULL), b = reg(5, AF_INET, 9, NULL), a6;
  RTM_NEXTHOP_HANDLE nha = add_nh(a, 1, 3), nhb = add_nh(b, 2, 4), rn = NULL;
  RTM_NEXTHOP_INFO nhi;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  RTM_NET_ADDRESS p8, p16, p24, p6, addr;
  RTM_ROUTE_HANDLE ra8 = NULL, ra16 = NULL, rb16 = NULL, ra24 = NULL, rh = NULL, r6 = NULL;
  RTM_DEST_HANDLE d8, d16, d24;
  PRTM_DEST_INFO di = new_dest_infos(1), arr = new_dest_infos(2);
  CHECK(g_profile.NumberOfViews == 2); /* unicast + multicast */
  v4(&p8, 10, 0, 0, 0, 8); v4(&p16, 10, 1, 0, 0, 16); v4(&p24, 10, 1, 2, 0, 24);
  CHECK_RC(add_route(a, &ra8, &p8, 120, 1, UC, nha, 0), NO_ERROR);
  CHECK_RC(add_route(a, &ra16, &p16, 120, 1, UC, nha, 0), NO_ERROR);
  CHECK_RC(add_route(b, &rb16, &p16, 100, 1, UC, nhb, 0), NO_ERROR);
  CHECK_RC(add_route(a, &ra24, &p24, 120, 1, UC | MC, nha, 0), NO_ERROR);
  /* RtmGetExactMatchDestination: one ViewInfo per view of the profile. */
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, BEST, RTM_VIEW_MASK_ANY, di), NO_ERROR);
  d16 = di->DestHandle; CHECK(d16 != NULL && memcmp(&di->DestAddress, &p16, sizeof p16) == 0);
  CHECK(di->LastChanged.dwHighDateTime != 0 && di->BelongsToViews == UC && di->NumberOfViews == 2);
  CHECK(di->ViewInfo[0].ViewId == RTM_VIEW_ID_UCAST && di->ViewInfo[0].NumRoutes == 2);
  CHECK(di->ViewInfo[0].Route == rb16 && di->ViewInfo[0].Owner == b && !di->ViewInfo[0].HoldRoute);
  CHECK(di->ViewInfo[1].ViewId == RTM_VIEW_ID_MCAST && di->ViewInfo[1].NumRoutes == 0);
  CHECK(di->ViewInfo[1].Route == NULL && di->ViewInfo[1].Owner == NULL);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmReleaseDestInfo(a, di), INVP); /* second release */
  /* Protocol filters: the caller's own (8), a named one (9). */
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, RTM_THIS_PROTOCOL, UC, di), NO_ERROR);
  CHECK(di->NumberOfViews == 1 && di->ViewInfo[0].Route == ra16 && di->ViewInfo[0].Owner == a);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, 9, UC, di), NO_ERROR);
  CHECK(di->ViewInfo[0].Route == rb16);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  /* Misses and errors. */
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, BEST, MC, di), ERROR_NOT_FOUND);
  v4(&addr, 10, 2, 0, 0, 16);
  CHECK_RC(RtmGetExactMatchDestination(a, &addr, BEST, 0, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, BEST, 0x4, di), INVP);
  CHECK_RC(RtmGetExactMatchDestination(a, NULL, BEST, 0, di), INVP);
  CHECK_RC(RtmGetExactMatchDestination(a, &p16, BEST, 0, NULL), INVP);
  v4(&addr, 10, 1, 0, 0, 40); CHECK_RC(RtmGetExactMatchDestination(a, &addr, BEST, 0, di), INVP);
  v4(&addr, 10, 1, 0, 7, 16); CHECK_RC(RtmGetExactMatchDestination(a, &addr, BEST, 0, di), INVP);
  addr.AddressFamily = 99; CHECK_RC(RtmGetExactMatchDestination(a, &addr, BEST, 0, di), INVP);
  CHECK_RC(RtmGetExactMatchDestination(NULL, &p16, BEST, 0, di), INVH);
  /* RtmGetMostSpecificDestination: longest covering prefix with a route in the views. */
  v4(&addr, 10, 1, 2, 77, 32);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, di), NO_ERROR);
  CHECK(di->DestAddress.NumBits == 24 && di->BelongsToViews == (UC | MC));
  CHECK(di->ViewInfo[0].Route == ra24 && di->ViewInfo[1].Route == ra24);
  d24 = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  v4(&addr, 10, 1, 9, 9, 32);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, di), NO_ERROR);
  CHECK(di->DestAddress.NumBits == 16 && di->DestHandle == d16);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, MC, di), ERROR_NOT_FOUND);
  v4(&addr, 10, 200, 0, 1, 32);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, di), NO_ERROR);
  CHECK(di->DestAddress.NumBits == 8);
  d8 = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  v4(&addr, 11, 0, 0, 1, 32);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, NULL), INVP);
  addr.NumBits = 33; CHECK_RC(RtmGetMostSpecificDestination(a, &addr, BEST, 0, di), INVP);
  CHECK_RC(RtmGetMostSpecificDestination(forge(a), &p16, BEST, 0, di), INVH);
  /* RtmGetLessSpecificDestination: the next shorter covering destination. */
  CHECK_RC(RtmGetLessSpecificDestination(a, d24, BEST, 0, di), NO_ERROR);
  CHECK(di->DestHandle == d16 && di->DestAddress.NumBits == 16);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmGetLessSpecificDestination(a, d16, BEST, 0, di), NO_ERROR);
  CHECK(di->DestHandle == d8);
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmGetLessSpecificDestination(a, d8, BEST, 0, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetLessSpecificDestination(a, d24, BEST, MC, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetLessSpecificDestination(a, d24, BEST, 0, NULL), INVP);
  CHECK_RC(RtmGetLessSpecificDestination(a, d24, BEST, 0x4, di), INVP);
  CHECK_RC(RtmGetLessSpecificDestination(a, forge(d24), BEST, 0, di), INVH);
  CHECK_RC(RtmGetLessSpecificDestination(a, ra24, BEST, 0, di), INVH); /* wrong kind */
  CHECK_RC(RtmGetLessSpecificDestination(NULL, d24, BEST, 0, di), INVH);
  /* RtmGetDestInfo / RtmReleaseDestInfo. */
  CHECK_RC(RtmGetDestInfo(b, d16, RTM_THIS_PROTOCOL, UC, di), NO_ERROR);
  CHECK(di->DestHandle == d16 && di->ViewInfo[0].Route == rb16 && di->ViewInfo[0].Owner == b);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR); CHECK_RC(RtmReleaseDestInfo(b, di), INVP);
  CHECK_RC(RtmGetDestInfo(b, d16, BEST, 0, NULL), INVP);
  CHECK_RC(RtmGetDestInfo(b, d16, BEST, 0x4, di), INVP);
  CHECK_RC(RtmGetDestInfo(b, forge(d16), BEST, 0, di), INVH);
  CHECK_RC(RtmGetDestInfo(b, rb16, BEST, 0, di), INVH); /* wrong kind */
  CHECK_RC(RtmGetDestInfo(NULL, d16, BEST, 0, di), INVH);
  CHECK_RC(RtmReleaseDestInfo(b, NULL), INVP); CHECK_RC(RtmReleaseDestInfo(NULL, di), INVH);
  /* RtmReleaseDests on an array of infos (stride: the profile's views). */
  CHECK_RC(RtmGetDestInfo(a, d8, BEST, 0, di_at(arr, 0)), NO_ERROR);
  CHECK_RC(RtmGetDestInfo(a, d24, BEST, 0, di_at(arr, 1)), NO_ERROR);
  CHECK(di_at(arr, 1)->DestHandle == d24);
  CHECK_RC(RtmReleaseDests(a, 0, arr), NO_ERROR); CHECK_RC(RtmReleaseDests(a, 0, NULL), NO_ERROR); CHECK_RC(RtmReleaseDests(a, 2, NULL), INVP);
  CHECK_RC(RtmReleaseDests(NULL, 2, arr), INVH);
  CHECK_RC(RtmReleaseDests(b, 2, arr), INVP); /* b holds none */
  CHECK_RC(RtmReleaseDests(a, 2, arr), NO_ERROR); CHECK_RC(RtmReleaseDests(a, 2, arr), INVP);
  /* RtmGetExactMatchRoute: the best route matching the criteria. */
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_NONE, NULL, 0, 0, &rh), NO_ERROR);
  CHECK(rh == rb16);
  CHECK_RC(RtmReleaseRoutes(a, 1, &rh), NO_ERROR);
  route_info(0, 0, 0, NULL)->RouteOwner = a;
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_OWNER, g_ri, 0, 0, &rh), NO_ERROR);
  CHECK(rh == ra16 && g_ri->RouteOwner == a && g_ri->PrefInfo.Preference == 120);
  CHECK(g_ri->NextHopsList.NumNextHops == 1 && g_ri->NextHopsList.NextHops[0] == nha);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &rh), NO_ERROR);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_INTERFACE, NULL, 3, 0, &rh), NO_ERROR);
  CHECK(rh == ra16);
  CHECK_RC(RtmReleaseRoutes(a, 1, &rh), NO_ERROR);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_NEXTHOP, route_info(0, 0, 0, nhb), 0, 0, &rh),
           NO_ERROR);
  CHECK(rh == rb16 && g_ri->RouteOwner == b);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &rh), NO_ERROR);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_PREF, route_info(7, 7, 0, NULL), 0, 0, &rh),
           ERROR_NOT_FOUND);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_INTERFACE, NULL, 99, 0, &rh), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_NONE, NULL, 0, MC, &rh), ERROR_NOT_FOUND);
  v4(&addr, 10, 3, 0, 0, 16);
  CHECK_RC(RtmGetExactMatchRoute(a, &addr, RTM_MATCH_NONE, NULL, 0, 0, &rh), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_OWNER, NULL, 0, 0, &rh), INVP);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_NONE, NULL, 0, 0, NULL), INVP);
  CHECK_RC(RtmGetExactMatchRoute(a, &p16, RTM_MATCH_NONE, NULL, 0, 0x4, &rh), INVP);
  CHECK_RC(RtmGetExactMatchRoute(NULL, &p16, RTM_MATCH_NONE, NULL, 0, 0, &rh), INVH);
  /* A remote next hop (interface 0) resolves to the covering destination. */
  memset(&nhi, 0, sizeof nhi);
  v4(&nhi.NextHopAddress, 10, 1, 2, 5, 32);
  nhi.Flags = RTM_NEXTHOP_FLAGS_REMOTE; CHECK_RC(RtmAddNextHop(a, &nhi, &rn, &nf), NO_ERROR);
  memset(&nhi, 0, sizeof nhi); CHECK_RC(RtmGetNextHopInfo(a, rn, &nhi), NO_ERROR);
  CHECK(nhi.InterfaceIndex == 0 && nhi.RemoteNextHop == d24);
  CHECK_RC(RtmReleaseNextHopInfo(a, &nhi), NO_ERROR);
  CHECK_RC(RtmReleaseNextHopInfo(a, &nhi), INVP);
  CHECK_RC(RtmReleaseNextHops(a, 1, &rn), NO_ERROR);
  /* IPv6: the family's width is 128 bits; families do not mix. */
  a6 = reg(5, AF_INET6, 8, NULL);
  v6(&p6, 0, 32); CHECK_RC(add_route(a6, &r6, &p6, 1, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a6, &p6, BEST, 0, di), NO_ERROR);
  CHECK(di->DestAddress.AddressFamily == AF_INET6 && di->ViewInfo[0].Route == r6);
  CHECK_RC(RtmReleaseDestInfo(a6, di), NO_ERROR);
  v6(&addr, 7, 128); CHECK_RC(RtmGetMostSpecificDestination(a6, &addr, BEST, 0, di), NO_ERROR);
  CHECK(di->DestAddress.NumBits == 32);
  CHECK_RC(RtmReleaseDestInfo(a6, di), NO_ERROR);
  addr.NumBits = 129; CHECK_RC(RtmGetMostSpecificDestination(a6, &addr, BEST, 0, di), INVP);
  CHECK_RC(RtmGetExactMatchDestination(a6, &p16, BEST, 0, di), INVP);
  CHECK_RC(RtmGetExactMatchDestination(a, &p6, BEST, 0, di), INVP);
  CHECK_RC(RtmGetLessSpecificDestination(a6, d24, BEST, 0, di), INVP);
  CHECK_RC(RtmReleaseRoutes(a6, 1, &r6), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(a6), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &ra8), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &ra16), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &ra24), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(b, 1, &rb16), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nha), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &nhb), NO_ERROR);
  /* Deregistration deletes the entity's routes. */
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &p24, BEST, 0, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmGetExactMatchDestination(b, &p16, BEST, 0, di), NO_ERROR);
  CHECK(di->ViewInfo[0].NumRoutes == 1 && di->ViewInfo[0].Route == rb16);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR);
  free(di); free(arr);
}

/* ---- change notification --------------------------------------------------------- */

static void test_notification(void) {
  RTM_ENTITY_HANDLE a = reg(6, AF_INET, 8, on_event), c = reg(6, AF_INET, 10000, on_event), d;
  RTM_NOTIFY_HANDLE n1 = NULL, n2 = NULL, n3 = NULL, tmp = NULL, regs[32];
  RTM_NET_ADDRESS p9, p10, p11, p12;
  RTM_DEST_HANDLE d9, d10;
  PRTM_DEST_INFO buf = new_dest_infos(4), di = new_dest_infos(1);
  int ctx1 = 1, ctx2 = 2, ok = 0;
  BOOL yes = FALSE;
  UINT n;
  const DWORD marked = RTM_CHANGE_TYPE_ALL | RTM_NOTIFY_ONLY_MARKED_DESTS;
  CHECK_RC(RtmRegisterForChangeNotification(c, UC, RTM_CHANGE_TYPE_BEST, &ctx1, NULL), INVP);
  CHECK_RC(RtmRegisterForChangeNotification(c, 0x4, RTM_CHANGE_TYPE_BEST, &ctx1, &tmp), INVP);
  CHECK_RC(RtmRegisterForChangeNotification(c, UC, 0, &ctx1, &tmp), INVP); /* no change type */
  CHECK_RC(RtmRegisterForChangeNotification(NULL, UC, RTM_CHANGE_TYPE_BEST, &ctx1, &tmp), INVH);
  CHECK_RC(RtmRegisterForChangeNotification(c, UC, RTM_CHANGE_TYPE_BEST, &ctx1, &n1), NO_ERROR);
  CHECK_RC(RtmRegisterForChangeNotification(c, UC, marked, &ctx2, &n2), NO_ERROR);
  CHECK(n1 != NULL && n2 != NULL && n1 != n2);
  /* The first change signals (Context1 = notify handle, Context2 = context); later
   * changes to a destination still queued do not. */
  memset(&ev, 0, sizeof ev);
  v4(&p9, 10, 9, 0, 0, 16); CHECK_RC(add_route(a, NULL, &p9, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK(ev.changes == 1 && ev.self == c && ev.c1 == n1 && ev.ctx == &ctx1);
  CHECK_RC(add_route(a, NULL, &p9, 10, 2, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p9, 10, 3, UC, NULL, 0), NO_ERROR); CHECK(ev.changes == 1);
  CHECK_RC(RtmGetExactMatchDestination(c, &p9, BEST, 0, di), NO_ERROR); d9 = di->DestHandle;
  CHECK_RC(RtmReleaseDestInfo(c, di), NO_ERROR); /* c holds no ordinary reference now */
  /* RtmGetChangeStatus. */
  CHECK_RC(RtmGetChangeStatus(c, n1, d9, &yes), NO_ERROR); CHECK(yes == TRUE);
  CHECK_RC(RtmGetChangeStatus(c, n2, d9, &yes), NO_ERROR); CHECK(yes == FALSE); /* unmarked */
  CHECK_RC(RtmGetChangeStatus(c, n1, d9, NULL), INVP);
  CHECK_RC(RtmGetChangeStatus(c, n1, forge(d9), &yes), INVH);
  CHECK_RC(RtmGetChangeStatus(c, forge(n1), d9, &yes), INVH);
  CHECK_RC(RtmGetChangeStatus(c, d9, d9, &yes), INVH); /* wrong kind */
  CHECK_RC(RtmGetChangeStatus(NULL, n1, d9, &yes), INVH);
  /* RtmGetChangedDests errors. */
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, NULL, buf), INVP);
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, NULL), INVP);
  n = 0; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), INVP);
  n = 4; CHECK_RC(RtmGetChangedDests(c, NULL, &n, buf), INVH);
  n = 4; CHECK_RC(RtmGetChangedDests(c, d9, &n, buf), INVH); /* wrong kind */
  n = 4; CHECK_RC(RtmGetChangedDests(NULL, n1, &n, buf), INVH);
  n = 4; CHECK_RC(RtmGetChangedDests(a, n1, &n, buf), ERROR_ACCESS_DENIED); /* not a's */
  /* One dest changed three times comes out once, with its latest state. */
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS);
  CHECK(n == 1 && buf->DestHandle == d9 && memcmp(&buf->DestAddress, &p9, sizeof p9) == 0);
  CHECK(buf->NumberOfViews == 1 && buf->ViewInfo[0].Owner == a);
  CHECK_RC(RtmGetChangeStatus(c, n1, d9, &yes), NO_ERROR); CHECK(yes == FALSE);
  CHECK_RC(RtmGetRouteInfo(c, buf->ViewInfo[0].Route, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->PrefInfo.Metric == 3); /* the latest state */
  CHECK_RC(RtmReleaseRouteInfo(c, g_ri), NO_ERROR);
  /* Changed-dest infos: the ordinary release functions refuse them. */
  CHECK_RC(RtmReleaseDestInfo(c, buf), INVP);
  CHECK_RC(RtmReleaseDests(c, 1, buf), INVP);
  CHECK_RC(RtmReleaseChangedDests(c, NULL, 1, buf), INVH);
  CHECK_RC(RtmReleaseChangedDests(c, n1, 0, buf), NO_ERROR); /* a release of 0 items */
  CHECK_RC(RtmReleaseChangedDests(c, n1, 1, NULL), INVP);
  CHECK_RC(RtmReleaseChangedDests(NULL, n1, 1, buf), INVH);
  CHECK_RC(RtmReleaseChangedDests(a, n1, 1, buf), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmReleaseChangedDests(c, n1, 1, buf), NO_ERROR);
  CHECK_RC(RtmReleaseChangedDests(c, n1, 1, buf), INVP); /* second release */
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS); CHECK(n == 0);
  /* Batches: NO_ERROR while more remain, ERROR_NO_MORE_ITEMS with the last. */
  memset(&ev, 0, sizeof ev);
  v4(&p10, 10, 10, 0, 0, 16); v4(&p11, 10, 11, 0, 0, 16); v4(&p12, 10, 12, 0, 0, 16);
  CHECK_RC(add_route(a, NULL, &p10, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p11, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p12, 10, 1, UC, NULL, 0), NO_ERROR); CHECK(ev.changes == 1);
  n = 2; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), NO_ERROR); CHECK(n == 2);
  d10 = buf->DestHandle;
  CHECK(memcmp(&buf->DestAddress, &p10, sizeof p10) == 0);
  CHECK(memcmp(&di_at(buf, 1)->DestAddress, &p11, sizeof p11) == 0);
  CHECK_RC(RtmReleaseChangedDests(c, n1, n, buf), NO_ERROR);
  n = 2; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS);
  CHECK(n == 1 && memcmp(&buf->DestAddress, &p12, sizeof p12) == 0);
  CHECK_RC(RtmReleaseChangedDests(c, n1, n, buf), NO_ERROR);
  /* RtmIgnoreChangedDests drops a pending change. */
  CHECK_RC(add_route(a, NULL, &p10, 10, 2, UC, NULL, 0), NO_ERROR);
  CHECK(ev.changes == 2); /* the queue went from empty to non-empty again */
  CHECK_RC(RtmGetChangeStatus(c, n1, d10, &yes), NO_ERROR); CHECK(yes == TRUE);
  CHECK_RC(RtmIgnoreChangedDests(c, n1, 0, &d10), INVP);
  CHECK_RC(RtmIgnoreChangedDests(c, n1, 1, NULL), INVP);
  CHECK_RC(RtmIgnoreChangedDests(c, forge(n1), 1, &d10), INVH);
  CHECK_RC(RtmIgnoreChangedDests(NULL, n1, 1, &d10), INVH);
  tmp = forge(d10); CHECK_RC(RtmIgnoreChangedDests(c, n1, 1, &tmp), INVH);
  CHECK_RC(RtmIgnoreChangedDests(c, n1, 1, &d9), NO_ERROR); /* not pending: harmless */
  CHECK_RC(RtmIgnoreChangedDests(c, n1, 1, &d10), NO_ERROR);
  CHECK_RC(RtmGetChangeStatus(c, n1, d10, &yes), NO_ERROR); CHECK(yes == FALSE);
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS); CHECK(n == 0);
  /* Marked destinations (RTM_NOTIFY_ONLY_MARKED_DESTS registrations only). */
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, d9, &yes), NO_ERROR); CHECK(yes == FALSE);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n2, d9, TRUE), NO_ERROR);
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, d9, &yes), NO_ERROR); CHECK(yes == TRUE);
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, d10, &yes), NO_ERROR); CHECK(yes == FALSE);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n1, d9, TRUE), INVP);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n2, forge(d9), TRUE), INVH);
  CHECK_RC(RtmMarkDestForChangeNotification(c, forge(n2), d9, TRUE), INVH);
  CHECK_RC(RtmMarkDestForChangeNotification(NULL, n2, d9, TRUE), INVH);
  CHECK_RC(RtmMarkDestForChangeNotification(a, n2, d9, TRUE), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, d9, NULL), INVP);
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, forge(d9), &yes), INVH);
  CHECK_RC(RtmIsMarkedForChangeNotification(NULL, n2, d9, &yes), INVH);
  memset(&ev, 0, sizeof ev);
  CHECK_RC(add_route(a, NULL, &p9, 10, 4, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p10, 10, 4, UC, NULL, 0), NO_ERROR);
  CHECK(ev.changes == 2); /* n1 and n2 each signal once */
  n = 4; CHECK_RC(RtmGetChangedDests(c, n2, &n, buf), ERROR_NO_MORE_ITEMS);
  CHECK(n == 1 && buf->DestHandle == d9); /* only the marked one */
  if (n > 0) CHECK_RC(RtmReleaseChangedDests(c, n2, n, buf), NO_ERROR);
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS); CHECK(n == 2);
  if (n > 0) CHECK_RC(RtmReleaseChangedDests(c, n1, n, buf), NO_ERROR);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n2, d9, FALSE), NO_ERROR);
  CHECK_RC(RtmIsMarkedForChangeNotification(c, n2, d9, &yes), NO_ERROR); CHECK(yes == FALSE);
  /* Deregistration: owner only; then stale. Infos handed out outlive it. */
  CHECK_RC(add_route(a, NULL, &p9, 10, 5, UC, NULL, 0), NO_ERROR);
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), ERROR_NO_MORE_ITEMS); CHECK(n == 1);
  CHECK_RC(RtmDeregisterFromChangeNotification(a, n1), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeregisterFromChangeNotification(c, forge(n1)), INVH);
  CHECK_RC(RtmDeregisterFromChangeNotification(c, NULL), INVH);
  CHECK_RC(RtmDeregisterFromChangeNotification(NULL, n1), INVH);
  CHECK_RC(RtmDeregisterFromChangeNotification(c, n1), NO_ERROR);
  CHECK_RC(RtmDeregisterFromChangeNotification(c, n1), INVH);
  if (n > 0) CHECK_RC(RtmReleaseChangedDests(c, n1, n, buf), NO_ERROR);
  n = 4; CHECK_RC(RtmGetChangedDests(c, n1, &n, buf), INVH);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n2, d9, TRUE), NO_ERROR);
  CHECK_RC(RtmDeregisterFromChangeNotification(c, n2), NO_ERROR);
  CHECK_RC(RtmMarkDestForChangeNotification(c, n2, d9, TRUE), INVH);
  /* An entity deregistered with a pending queue leaks nothing. */
  CHECK_RC(RtmRegisterForChangeNotification(c, 0, RTM_CHANGE_TYPE_ALL, NULL, &n3), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p11, 10, 9, UC, NULL, 0), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(c), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  /* At most 32 registrations per instance and family. */
  d = reg(7, AF_INET, 8, NULL);
  for (int i = 0; i < 32; ++i)
    ok += RtmRegisterForChangeNotification(d, 0, RTM_CHANGE_TYPE_ALL, NULL, &regs[i]) == NO_ERROR;
  CHECK(ok == 32);
  CHECK_RC(RtmRegisterForChangeNotification(d, 0, RTM_CHANGE_TYPE_ALL, NULL, &tmp),
           ERROR_NO_SYSTEM_RESOURCES);
  for (int i = 0; i < ok; ++i) CHECK_RC(RtmDeregisterFromChangeNotification(d, regs[i]), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(d), NO_ERROR);
  free(buf); free(di);
}

/* ---- reference counting ------------------------------------------------------------ */

static void test_refcount(void) {
  RTM_ENTITY_HANDLE a = reg(8, AF_INET, 8, NULL), b = reg(8, AF_INET, 9, NULL), x;
  RTM_NEXTHOP_HANDLE nh = add_nh(a, 1, 3);
  RTM_ROUTE_HANDLE r = NULL, rb = NULL;
  HANDLE d, n = NULL, hs[3]; /* a destination, a notification registration */
  RTM_NET_ADDRESS p;
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  RTM_ENTITY_INFO info;
  PRTM_DEST_INFO di = new_dest_infos(1), ci = new_dest_infos(1);
  UINT cnt;
  DWORD rc;
  v4(&p, 10, 20, 0, 0, 16); CHECK_RC(add_route(a, &r, &p, 10, 1, UC, nh, 0), NO_ERROR);
  /* Get + release leaves b holding nothing on any handle of the info. */
  CHECK_RC(RtmGetExactMatchDestination(b, &p, BEST, UC, di), NO_ERROR); d = di->DestHandle;
  CHECK(di->ViewInfo[0].Route == r && di->ViewInfo[0].Owner == a);
  CHECK_RC(RtmReferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), INVP);
  CHECK_RC(RtmReleaseRoutes(b, 1, &r), INVP);
  CHECK_RC(RtmReleaseEntities(b, 1, &a), INVP);
  CHECK_RC(RtmReleaseDestInfo(b, di), INVP); /* double release */
  /* RtmReferenceHandles takes any kind; each is dropped by its kind's release. */
  hs[0] = d; hs[1] = r; hs[2] = a;
  CHECK_RC(RtmReferenceHandles(b, 3, hs), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(b, 1, &r), NO_ERROR);
  CHECK_RC(RtmReleaseEntities(b, 1, &a), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), INVP);
  CHECK_RC(RtmReferenceHandles(a, 1, &nh), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  CHECK_RC(RtmReferenceHandles(b, 0, hs), INVP); CHECK_RC(RtmReferenceHandles(b, 1, NULL), INVP);
  CHECK_RC(RtmReferenceHandles(NULL, 1, hs), INVH);
  CHECK_RC(RtmDereferenceHandles(b, 0, hs), NO_ERROR); /* a release of 0 items */
  CHECK_RC(RtmDereferenceHandles(b, 1, NULL), INVP);
  CHECK_RC(RtmDereferenceHandles(NULL, 1, hs), INVH);
  hs[0] = NULL; CHECK_RC(RtmReferenceHandles(b, 1, hs), INVH);
  CHECK_RC(RtmDereferenceHandles(b, 1, hs), INVH);
  /* All or nothing: a failing batch changes no count. */
  hs[0] = d; hs[1] = forge(r);
  CHECK_RC(RtmReferenceHandles(b, 2, hs), INVH);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), INVP); /* d was not kept */
  CHECK_RC(RtmReferenceHandles(b, 1, &d), NO_ERROR);
  hs[1] = d; CHECK_RC(RtmDereferenceHandles(b, 2, hs), INVP); /* only one is held */
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), NO_ERROR); /* ... and still is */
  /* A handle of the wrong kind for the release function: refused, count kept. */
  CHECK_RC(RtmReferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(b, 1, &d), INVH);
  CHECK_RC(RtmReleaseNextHops(b, 1, &d), INVH);
  CHECK_RC(RtmReleaseEntities(b, 1, &d), INVH);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), INVP);
  /* Another instance's handles are invalid there. */
  x = reg(9, AF_INET, 8, NULL);
  CHECK_RC(RtmReferenceHandles(x, 1, &d), INVH);
  CHECK_RC(RtmGetDestInfo(x, d, BEST, 0, di), INVH);
  CHECK_RC(RtmGetRouteInfo(x, r, g_ri, NULL), INVH);
  CHECK_RC(RtmGetEntityInfo(x, a, &info), INVH);
  CHECK_RC(RtmDeregisterEntity(x), NO_ERROR);
  /* Changed-dest infos: only RtmReleaseChangedDests releases them. */
  CHECK_RC(RtmRegisterForChangeNotification(b, 0, RTM_CHANGE_TYPE_ALL, NULL, &n), NO_ERROR);
  CHECK_RC(add_route(a, &r, &p, 10, 2, UC, nh, 0), NO_ERROR);
  cnt = 1; CHECK_RC(RtmGetChangedDests(b, n, &cnt, ci), ERROR_NO_MORE_ITEMS);
  CHECK(cnt == 1 && ci->DestHandle == d);
  CHECK_RC(RtmReleaseDestInfo(b, ci), INVP);
  CHECK_RC(RtmReleaseDests(b, 1, ci), INVP);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), INVP);
  CHECK_RC(RtmReleaseChangedDests(b, n, 1, ci), NO_ERROR); /* the refusals kept the counts */
  CHECK_RC(RtmReleaseChangedDests(b, n, 1, ci), INVP);
  /* ... also while b holds ordinary references on the same objects (REFERENCE.md:
   * refused "and changes nothing"; the header narrows the refusal to the case
   * where the entity holds no ordinary reference). */
  CHECK_RC(add_route(a, &r, &p, 10, 3, UC, nh, 0), NO_ERROR);
  cnt = 1; CHECK_RC(RtmGetChangedDests(b, n, &cnt, ci), ERROR_NO_MORE_ITEMS);
  CHECK_RC(RtmGetDestInfo(b, d, BEST, 0, di), NO_ERROR);
  CHECK_RC(rc = RtmReleaseDestInfo(b, ci), INVP); /* disagreement: see above */
  CHECK_RC(RtmReleaseChangedDests(b, n, 1, ci), NO_ERROR);
  /* If it was not refused, it released di's references. */
  CHECK_RC(RtmReleaseDestInfo(b, di), rc == NO_ERROR ? INVP : NO_ERROR);
  CHECK_RC(RtmDeregisterFromChangeNotification(b, n), NO_ERROR);
  /* A deleted route / destination stays readable while referenced. */
  CHECK_RC(RtmGetExactMatchRoute(b, &p, RTM_MATCH_NONE, NULL, 0, 0, &rb), NO_ERROR); CHECK(rb == r);
  CHECK_RC(RtmReferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(a, r, &f), NO_ERROR);
  CHECK_RC(RtmGetRouteInfo(b, rb, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->State == RTM_ROUTE_STATE_DELETED && g_ri->DestHandle == d);
  CHECK_RC(RtmReleaseRouteInfo(b, g_ri), NO_ERROR);
  CHECK_RC(RtmGetDestInfo(b, d, BEST, 0, di), NO_ERROR);
  CHECK(di->ViewInfo[0].NumRoutes == 0 && di->ViewInfo[0].Route == NULL);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &p, BEST, 0, di), ERROR_NOT_FOUND);
  CHECK_RC(RtmDereferenceHandles(b, 1, &d), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(b, 1, &rb), NO_ERROR); CHECK_RC(RtmReleaseRoutes(b, 1, &rb), INVP);
  CHECK_RC(RtmReleaseRoutes(a, 1, &r), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  /* A deregistered entity's handle is stale for every call. */
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR);
  CHECK_RC(RtmReferenceHandles(b, 1, &nh), INVH);
  CHECK_RC(RtmDereferenceHandles(b, 1, &nh), INVH);
  CHECK_RC(RtmGetExactMatchDestination(b, &p, BEST, 0, di), INVH);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di); free(ci);
}

/* ---- address helpers ------------------------------------------------------------------ */

static void test_addresses(void) {
  RTM_NET_ADDRESS na, back;
  IN6_ADDR in6, out6;
  ULONG len = 0, a4 = 0, mask = 0;
  USHORT l16 = 0;
  memset(&in6, 0, sizeof in6);
  in6.s6_addr[0] = 0x20; in6.s6_addr[1] = 0x01; in6.s6_addr[2] = 0x0d; in6.s6_addr[3] = 0xb8;
  CHECK_RC(RtmConvertIpv6AddressAndLengthToNetAddress(&na, in6, 32, sizeof in6), NO_ERROR);
  v6(&back, 0, 32); CHECK(memcmp(&na, &back, sizeof na) == 0);
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(&na, &out6, &len, sizeof out6), NO_ERROR);
  CHECK(len == 32 && memcmp(&out6, &in6, sizeof in6) == 0);
  CHECK_RC(RtmConvertIpv6AddressAndLengthToNetAddress(NULL, in6, 32, 16), INVP);
  CHECK_RC(RtmConvertIpv6AddressAndLengthToNetAddress(&na, in6, 129, 16), INVP);
  CHECK_RC(RtmConvertIpv6AddressAndLengthToNetAddress(&na, in6, 32, 17), INVP);
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(NULL, &out6, &len, 16), INVP);
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(&na, NULL, &len, 16), INVP);
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(&na, &out6, NULL, 16), INVP);
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(&na, &out6, &len, 17), INVP);
  na.NumBits = 129;
  CHECK_RC(RtmConvertNetAddressToIpv6AddressAndLength(&na, &out6, &len, 16), INVP);
  /* IPv4 macros (address and mask in network order). */
  CHECK(RTM_IPV4_MASK_FROM_LEN(24) == htonl(0xFFFFFF00u) && RTM_IPV4_MASK_FROM_LEN(0) == 0);
  RTM_IPV4_LEN_FROM_MASK(l16, htonl(0xFFFF0000u));
  CHECK(l16 == 16);
  RTM_IPV4_SET_ADDR_AND_MASK(&na, htonl(0x0A010000u), htonl(0xFFFF0000u));
  v4(&back, 10, 1, 0, 0, 16); CHECK(memcmp(&na, &back, sizeof na) == 0);
  RTM_IPV4_GET_ADDR_AND_MASK(a4, mask, &na);
  CHECK(a4 == htonl(0x0A010000u) && mask == htonl(0xFFFF0000u));
  RTM_IPV4_MAKE_NET_ADDRESS(&na, htonl(0xC0000200u), 24);
  RTM_IPV4_GET_ADDR_AND_LEN(a4, l16, &na);
  CHECK(na.AddressFamily == AF_INET && a4 == htonl(0xC0000200u) && l16 == 24);
}

/* ---- enumerations ---------------------------------------------------------------------- */

static UINT g_max_enum; /* the profile's MaxHandlesInEnum */

/* Enumeration order: address bytes, then length. */
static int addr_cmp(const RTM_NET_ADDRESS* x, const RTM_NET_ADDRESS* y) {
  const int c = memcmp(x->AddrBits, y->AddrBits, RTM_MAX_ADDRESS_SIZE);
  return c != 0 ? c : (int)x->NumBits - (int)y->NumBits;
}

/* Whether prefix p covers address a. */
static int covers(const RTM_NET_ADDRESS* p, const RTM_NET_ADDRESS* a) {
  if (p->AddressFamily != a->AddressFamily || p->NumBits > a->NumBits) return 0;
  for (unsigned i = 0; i < p->NumBits; ++i) {
    const unsigned m = 0x80u >> (i % 8);
    if ((p->AddrBits[i / 8] & m) != (a->AddrBits[i / 8] & m)) return 0;
  }
  return 1;
}

/* The addresses of all[0..n) (sorted) that a START / NEXT / RANGE enumeration from x selects. */
static UINT select_addrs(const RTM_NET_ADDRESS* all, UINT n, DWORD mode, const RTM_NET_ADDRESS* x,
                         RTM_NET_ADDRESS* out) {
  UINT m = 0;
  for (UINT i = 0; i < n; ++i) {
    const int c = addr_cmp(&all[i], x);
    if (mode == RTM_ENUM_START ? c >= 0 : mode == RTM_ENUM_NEXT ? c > 0 : covers(x, &all[i]))
      out[m++] = all[i];
  }
  return m;
}

/* How many times x occurs in hs[0..n). */
static UINT occurrences(const HANDLE* hs, UINT n, HANDLE x) {
  UINT k = 0;
  for (UINT i = 0; i < n; ++i) k += hs[i] == x;
  return k;
}

/* Drains dest enumeration e of h with batches of `cap`. Every batch but the last is full
 * (min(cap, MaxHandlesInEnum) infos), every batch is released (a second release fails); the
 * last returns ERROR_NO_MORE_ITEMS (maybe with infos), and so does a later call, with 0.
 * Stores up to `max` addresses in out; returns how many destinations came. */
static UINT drain_dests(RTM_ENTITY_HANDLE h, RTM_ENUM_HANDLE e, UINT cap, RTM_NET_ADDRESS* out,
                        UINT max, int line) {
  PRTM_DEST_INFO buf = new_dest_infos(cap);
  UINT total = 0, n;
  int bad = 0;
  DWORD rc = NO_ERROR;
  for (int guard = 0; guard < 1000 && rc == NO_ERROR; ++guard) {
    n = cap;
    rc = RtmGetEnumDests(h, e, &n, buf);
    if (rc != NO_ERROR && rc != ERROR_NO_MORE_ITEMS) break;
    bad |= n > cap || n > g_max_enum ||
           (rc == NO_ERROR && n != (cap < g_max_enum ? cap : g_max_enum));
    for (UINT i = 0; i < n && i < cap; ++i, ++total)
      if (total < max) out[total] = di_at(buf, i)->DestAddress;
    if (n > 0) {
      check_rc(RtmReleaseDests(h, n, buf), NO_ERROR, "RtmReleaseDests(batch)", "NO_ERROR", line);
      check_rc(RtmReleaseDests(h, n, buf), INVP, "RtmReleaseDests(batch) again", "INVP", line);
    }
  }
  check_rc(rc, ERROR_NO_MORE_ITEMS, "RtmGetEnumDests(last batch)", "ERROR_NO_MORE_ITEMS", line);
  check(!bad, "every batch but the last: exactly min(NumDests, MaxHandlesInEnum) infos", line);
  n = cap;
  check_rc(RtmGetEnumDests(h, e, &n, buf), ERROR_NO_MORE_ITEMS, "RtmGetEnumDests(after the end)",
           "ERROR_NO_MORE_ITEMS", line);
  check(n == 0, "n == 0 after the end", line);
  free(buf);
  return total;
}

/* Drains enumeration e of h (dests), checks it returned exactly want[0..m) in that order,
 * and deletes it. */
static void dests_are(RTM_ENTITY_HANDLE h, RTM_ENUM_HANDLE e, UINT cap, const RTM_NET_ADDRESS* want,
                      UINT m, int line) {
  RTM_NET_ADDRESS got[160];
  const UINT n = drain_dests(h, e, cap, got, 160, line);
  int same = n == m;
  for (UINT i = 0; same && i < n; ++i)
    same = addr_cmp(&got[i], &want[i]) == 0 && got[i].AddressFamily == want[i].AddressFamily;
  check(same, "the enumeration returns exactly the expected destinations, in address order", line);
  check_rc(RtmDeleteEnumHandle(h, e), NO_ERROR, "RtmDeleteEnumHandle", "NO_ERROR", line);
}
#define DESTS_ARE(h, e, cap, want, m) dests_are(h, e, cap, want, m, __LINE__)

/* RtmGetEnumRoutes / RtmGetEnumNextHops / RtmGetListEnumRoutes and their releases. */
typedef DWORD (*get_handles_fn)(RTM_ENTITY_HANDLE, RTM_ENUM_HANDLE, PUINT, HANDLE*);
typedef DWORD (*release_handles_fn)(RTM_ENTITY_HANDLE, UINT, HANDLE*);

/* drain_dests for enumerations of handles. */
static UINT drain_handles(get_handles_fn get, release_handles_fn release, RTM_ENTITY_HANDLE h,
                          RTM_ENUM_HANDLE e, UINT cap, HANDLE* out, UINT max, int line) {
  HANDLE* buf = (HANDLE*)calloc(cap, sizeof(HANDLE));
  UINT total = 0, n;
  int bad = 0;
  DWORD rc = NO_ERROR;
  for (int guard = 0; guard < 1000 && rc == NO_ERROR; ++guard) {
    n = cap;
    rc = get(h, e, &n, buf);
    if (rc != NO_ERROR && rc != ERROR_NO_MORE_ITEMS) break;
    bad |= n > cap || n > g_max_enum ||
           (rc == NO_ERROR && n != (cap < g_max_enum ? cap : g_max_enum));
    for (UINT i = 0; i < n && i < cap; ++i, ++total)
      if (total < max) out[total] = buf[i];
    if (n > 0) {
      check_rc(release(h, n, buf), NO_ERROR, "release(batch)", "NO_ERROR", line);
      check_rc(release(h, n, buf), INVP, "release(batch) again", "INVP", line);
    }
  }
  check_rc(rc, ERROR_NO_MORE_ITEMS, "get(last batch)", "ERROR_NO_MORE_ITEMS", line);
  check(!bad, "every batch but the last: exactly min(count, MaxHandlesInEnum) handles", line);
  n = cap;
  check_rc(get(h, e, &n, buf), ERROR_NO_MORE_ITEMS, "get(after the end)", "ERROR_NO_MORE_ITEMS",
           line);
  check(n == 0, "n == 0 after the end", line);
  free(buf);
  return total;
}

/* Drains e, checks it returned exactly want[0..m) (in that order if `ordered`), deletes it. */
static void handles_are(get_handles_fn get, release_handles_fn release, RTM_ENTITY_HANDLE h,
                        RTM_ENUM_HANDLE e, UINT cap, const HANDLE* want, UINT m, int ordered,
                        int line) {
  HANDLE got[160];
  const UINT n = drain_handles(get, release, h, e, cap, got, 160, line);
  int same = n == m;
  for (UINT i = 0; same && i < n; ++i)
    same = ordered ? got[i] == want[i] : occurrences(got, n, want[i]) == 1;
  check(same, ordered ? "the enumeration returns exactly the expected handles, in order"
                      : "the enumeration returns exactly the expected handles, once each", line);
  check_rc(RtmDeleteEnumHandle(h, e), NO_ERROR, "RtmDeleteEnumHandle", "NO_ERROR", line);
}
#define ROUTES_ARE(h, e, cap, want, m) \
  handles_are(RtmGetEnumRoutes, RtmReleaseRoutes, h, e, cap, want, m, 0, __LINE__)
#define ROUTES_IN_ORDER(h, e, cap, want, m) \
  handles_are(RtmGetEnumRoutes, RtmReleaseRoutes, h, e, cap, want, m, 1, __LINE__)
#define NEXT_HOPS_ARE(h, e, cap, want, m) \
  handles_are(RtmGetEnumNextHops, RtmReleaseNextHops, h, e, cap, want, m, 1, __LINE__)
#define LIST_IS(h, e, cap, want, m) \
  handles_are(RtmGetListEnumRoutes, RtmReleaseRoutes, h, e, cap, want, m, 0, __LINE__)

#define NDEST24 130 /* more /24 destinations than the default MaxHandlesInEnum (100) */

static void test_enums(void) {
  RTM_ENTITY_HANDLE a = reg(10, AF_INET, 8, NULL), b = reg(10, AF_INET, 9, NULL),
                    c = reg(10, AF_INET, 10, NULL), a6 = reg(10, AF_INET6, 8, NULL);
  RTM_NEXTHOP_HANDLE nha = add_nh(a, 1, 3), nha2 = add_nh(a, 2, 3), nhb = add_nh(b, 1, 4);
  RTM_NET_ADDRESS all[NDEST24 + 3], want[NDEST24 + 3], p5, p8, p11, p12, x, x6;
  RTM_ROUTE_HANDLE ra5 = NULL, ra5n = NULL, rb5 = NULL, rb8 = NULL, rb11 = NULL, r6 = NULL;
  HANDLE hs[NDEST24 + 16], exp[4];
  RTM_ENUM_HANDLE e = NULL;
  RTM_DEST_HANDLE d5 = NULL;
  PRTM_DEST_INFO di = new_dest_infos(8);
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  UINT n, m, nall = 0;
  DWORD rc;
  int ok = 1;
  g_max_enum = g_profile.MaxHandlesInEnum;
  CHECK(g_max_enum == 100); /* the default */
  /* a: 10.10.<i>.0/24 for every i < NDEST24, 12/8 (multicast only); b: 10/8, 11/8 and
   * 10.10.5/24, where a also has a route with a neighbour. In address order: 10/8, the
   * /24s, 11/8, 12/8. Plus one IPv6 destination, never in an IPv4 enumeration. */
  v4(&p5, 10, 10, 5, 0, 24); v4(&p8, 10, 0, 0, 0, 8);
  v4(&p11, 11, 0, 0, 0, 8); v4(&p12, 12, 0, 0, 0, 8);
  all[nall++] = p8;
  for (unsigned i = 0; i < NDEST24; ++i, ++nall) {
    v4(&all[nall], 10, 10, i, 0, 24);
    ok &= add_route(a, i == 5 ? &ra5 : NULL, &all[nall], 120, 1, UC, NULL, 0) == NO_ERROR;
  }
  all[nall++] = p11; all[nall++] = p12;
  CHECK(ok && ra5 != NULL);
  route_info(120, 2, UC, NULL)->Neighbour = nha;
  CHECK_RC(RtmAddRouteToDest(a, &ra5n, &p5, g_ri, INFINITE, NULL, 0, NULL, &f), NO_ERROR);
  CHECK(ra5n != NULL && ra5n != ra5);
  CHECK_RC(add_route(b, &rb5, &p5, 100, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(b, &rb8, &p8, 100, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(b, &rb11, &p11, 100, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &p12, 120, 1, MC, NULL, 0), NO_ERROR);
  v6(&x6, 1, 48); CHECK_RC(add_route(a6, &r6, &x6, 1, 1, UC, NULL, 0), NO_ERROR);
  /* Nobody holds a route from here on: enumerations' references are checked alone. */
  hs[0] = ra5; hs[1] = ra5n; CHECK_RC(RtmReleaseRoutes(a, 2, hs), NO_ERROR);
  hs[0] = rb5; hs[1] = rb8; hs[2] = rb11; CHECK_RC(RtmReleaseRoutes(b, 3, hs), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a6, 1, &r6), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(c, &p5, BEST, 0, di), NO_ERROR);
  d5 = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(c, di), NO_ERROR);

  /* RTM_ENUM_START without an address: every destination once, in address order, in
   * batches of at most MaxHandlesInEnum however many are asked for; then small batches. */
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR); CHECK(e != NULL);
  DESTS_ARE(c, e, 150, all, nall);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 7, all, nall);
  /* RTM_ENUM_START at an address: from it on (inclusive), also between destinations. */
  v4(&x, 10, 10, 100, 0, 24);
  m = select_addrs(all, nall, RTM_ENUM_START, &x, want);
  CHECK(m == 32 && addr_cmp(&want[0], &x) == 0);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, &x, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  /* RTM_ENUM_NEXT: strictly after. */
  m = select_addrs(all, nall, RTM_ENUM_NEXT, &x, want); CHECK(m == 31);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_NEXT, &x, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  v4(&x, 10, 10, 100, 128, 25);
  m = select_addrs(all, nall, RTM_ENUM_START, &x, want); CHECK(m == 31);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, &x, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  /* RTM_ENUM_RANGE: only destinations inside the prefix (the prefix itself is inside). */
  v4(&x, 10, 10, 64, 0, 18);
  m = select_addrs(all, nall, RTM_ENUM_RANGE, &x, want); CHECK(m == 64);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_RANGE, &x, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  m = select_addrs(all, nall, RTM_ENUM_RANGE, &p8, want); CHECK(m == NDEST24 + 1);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_RANGE, &p8, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  /* Views: unicast leaves 12/8 out, multicast has only it. */
  m = 0;
  for (UINT i = 0; i < nall; ++i)
    if (addr_cmp(&all[i], &p12) != 0) want[m++] = all[i];
  CHECK_RC(RtmCreateDestEnum(c, UC, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, m);
  CHECK_RC(RtmCreateDestEnum(c, MC, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, &p12, 1);
  /* RTM_ENUM_OWN_DESTS: only where the caller has a route. */
  m = 0;
  for (UINT i = 0; i < nall; ++i)
    if (addr_cmp(&all[i], &p8) != 0 && addr_cmp(&all[i], &p11) != 0) want[m++] = all[i];
  CHECK_RC(RtmCreateDestEnum(a, 0, RTM_ENUM_START | RTM_ENUM_OWN_DESTS, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(a, e, 150, want, m);
  want[0] = p8; want[1] = p5; want[2] = p11;
  CHECK_RC(RtmCreateDestEnum(b, 0, RTM_ENUM_START | RTM_ENUM_OWN_DESTS, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(b, e, 150, want, 3);
  v4(&x, 10, 10, 0, 0, 16);
  CHECK_RC(RtmCreateDestEnum(b, 0, RTM_ENUM_RANGE | RTM_ENUM_OWN_DESTS, &x, BEST, &e), NO_ERROR);
  DESTS_ARE(b, e, 150, &p5, 1);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START | RTM_ENUM_OWN_DESTS, NULL, BEST, &e), NO_ERROR);
  DESTS_ARE(c, e, 150, want, 0); /* c has no route */
  /* The infos are those RtmGetDestInfo fills: here with protocol 8 (a's) in the unicast view. */
  CHECK_RC(RtmCreateDestEnum(b, UC, RTM_ENUM_RANGE | RTM_ENUM_OWN_DESTS, &x, 8, &e), NO_ERROR);
  n = 8; rc = RtmGetEnumDests(b, e, &n, di);
  CHECK(rc == NO_ERROR || rc == ERROR_NO_MORE_ITEMS); CHECK(n == 1);
  if (n == 1) {
    CHECK(di->DestHandle == d5 && addr_cmp(&di->DestAddress, &p5) == 0);
    CHECK(di->NumberOfViews == 1 && di->ViewInfo[0].NumRoutes == 3);
    CHECK(di->ViewInfo[0].Route == ra5 && di->ViewInfo[0].Owner == a);
    CHECK_RC(RtmReleaseDests(b, 1, di), NO_ERROR); CHECK_RC(RtmReleaseDests(b, 1, di), INVP);
  }
  CHECK_RC(RtmDeleteEnumHandle(b, e), NO_ERROR);
  /* RtmCreateDestEnum / RtmGetEnumDests / RtmDeleteEnumHandle errors. */
  CHECK_RC(RtmCreateDestEnum(c, 0, 3, &p5, BEST, &e), INVP); /* no such mode */
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_NEXT, NULL, BEST, &e), INVP);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_RANGE, NULL, BEST, &e), INVP);
  CHECK_RC(RtmCreateDestEnum(c, 0x4, RTM_ENUM_START, NULL, BEST, &e), INVP); /* not in profile */
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, NULL, BEST, NULL), INVP);
  x = p5; x.NumBits = 33; CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, &x, BEST, &e), INVP);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, &x6, BEST, &e), INVP); /* IPv6, IPv4 entity */
  CHECK_RC(RtmCreateDestEnum(NULL, 0, RTM_ENUM_START, NULL, BEST, &e), INVH);
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR);
  n = 0; CHECK_RC(RtmGetEnumDests(c, e, &n, di), INVP);
  CHECK_RC(RtmGetEnumDests(c, e, NULL, di), INVP);
  n = 8; CHECK_RC(RtmGetEnumDests(c, e, &n, NULL), INVP);
  n = 8; CHECK_RC(RtmGetEnumDests(c, forge(e), &n, di), INVH);
  n = 8; CHECK_RC(RtmGetEnumDests(c, d5, &n, di), INVH); /* wrong kind */
  n = 8; CHECK_RC(RtmGetEnumDests(NULL, e, &n, di), INVH);
  n = 8; CHECK_RC(RtmGetEnumDests(b, e, &n, di), ERROR_ACCESS_DENIED); /* not b's */
  CHECK_RC(RtmDeleteEnumHandle(b, e), ERROR_ACCESS_DENIED);
  n = 8; CHECK_RC(RtmGetEnumRoutes(c, e, &n, hs), INVH); /* a destination enumeration */
  /* The refused calls left it where it was: at the first destination. */
  n = 1; CHECK_RC(RtmGetEnumDests(c, e, &n, di), NO_ERROR);
  CHECK(n == 1 && addr_cmp(&di->DestAddress, &p8) == 0);
  if (n == 1) CHECK_RC(RtmReleaseDests(c, 1, di), NO_ERROR);
  CHECK_RC(RtmDeleteEnumHandle(c, e), NO_ERROR);
  n = 8; CHECK_RC(RtmGetEnumDests(c, e, &n, di), INVH); /* deleted */
  CHECK_RC(RtmDeleteEnumHandle(c, e), INVH);
  CHECK_RC(RtmDeleteEnumHandle(c, NULL), INVH);
  CHECK_RC(RtmDeleteEnumHandle(NULL, e), INVH);

  /* Route enumerations of one destination: all, own, and by criteria. */
  exp[0] = ra5; exp[1] = ra5n; exp[2] = rb5;
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, RTM_ENUM_ALL_ROUTES, NULL, RTM_MATCH_NONE, NULL, 0, &e),
           NO_ERROR);
  ROUTES_ARE(c, e, 8, exp, 3);
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, RTM_ENUM_ALL_ROUTES, NULL, RTM_MATCH_NONE, NULL, 0, &e),
           NO_ERROR);
  ROUTES_ARE(c, e, 1, exp, 3); /* batches of one */
  CHECK_RC(RtmCreateRouteEnum(a, d5, 0, RTM_ENUM_OWN_ROUTES, NULL, RTM_MATCH_NONE, NULL, 0, &e),
           NO_ERROR);
  ROUTES_ARE(a, e, 8, exp, 2);
  route_info(0, 0, 0, NULL)->RouteOwner = b;
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_OWNER, g_ri, 0, &e), NO_ERROR);
  ROUTES_ARE(c, e, 8, &exp[2], 1);
  route_info(0, 0, 0, NULL)->Neighbour = nha;
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_NEIGHBOUR, g_ri, 0, &e), NO_ERROR);
  ROUTES_ARE(c, e, 8, &exp[1], 1);
  route_info(0, 0, 0, NULL); /* no neighbour */
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_NEIGHBOUR, g_ri, 0, &e), NO_ERROR);
  hs[0] = ra5; hs[1] = rb5; ROUTES_ARE(c, e, 8, hs, 2);
  route_info(120, 2, 0, NULL);
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_PREF, g_ri, 0, &e), NO_ERROR);
  ROUTES_ARE(c, e, 8, &exp[1], 1);
  route_info(120, 1, 0, NULL)->RouteOwner = a;
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_OWNER | RTM_MATCH_PREF, g_ri, 0, &e),
           NO_ERROR);
  ROUTES_ARE(c, e, 8, exp, 1);
  CHECK_RC(RtmCreateRouteEnum(c, d5, MC, 0, NULL, RTM_MATCH_NONE, NULL, 0, &e), NO_ERROR);
  ROUTES_ARE(c, e, 8, exp, 0); /* none in the multicast view */
  /* Without a destination: the routes of the destinations selected as for RtmCreateDestEnum. */
  exp[0] = rb8; exp[1] = rb5; exp[2] = rb11;
  CHECK_RC(RtmCreateRouteEnum(b, NULL, 0, RTM_ENUM_START | RTM_ENUM_OWN_ROUTES, NULL,
                              RTM_MATCH_NONE, NULL, 0, &e), NO_ERROR);
  ROUTES_IN_ORDER(b, e, 2, exp, 3);
  v4(&x, 10, 10, 0, 0, 16);
  CHECK_RC(RtmCreateRouteEnum(b, NULL, 0, RTM_ENUM_RANGE | RTM_ENUM_OWN_ROUTES, &x,
                              RTM_MATCH_NONE, NULL, 0, &e), NO_ERROR);
  ROUTES_ARE(b, e, 8, &exp[1], 1);
  route_info(0, 0, 0, NULL)->RouteOwner = b;
  CHECK_RC(RtmCreateRouteEnum(c, NULL, 0, RTM_ENUM_NEXT, &p5, RTM_MATCH_OWNER, g_ri, 0, &e),
           NO_ERROR);
  ROUTES_ARE(c, e, 8, &exp[2], 1);
  /* Every route of the family once (more than MaxHandlesInEnum of them). */
  CHECK_RC(RtmCreateRouteEnum(c, NULL, 0, RTM_ENUM_START, NULL, RTM_MATCH_NONE, NULL, 0, &e),
           NO_ERROR);
  n = drain_handles(RtmGetEnumRoutes, RtmReleaseRoutes, c, e, NDEST24 + 16, hs, NDEST24 + 16,
                    __LINE__);
  CHECK(n == NDEST24 + 5); /* a: the /24s, 12/8, the neighbour route; b: three */
  ok = n <= NDEST24 + 16;
  for (UINT i = 0; ok && i < n; ++i) ok = occurrences(hs, n, hs[i]) == 1 && hs[i] != r6;
  CHECK(ok && occurrences(hs, n, ra5n) == 1 && occurrences(hs, n, rb11) == 1);
  CHECK_RC(RtmDeleteEnumHandle(c, e), NO_ERROR);
  /* RtmCreateRouteEnum / RtmGetEnumRoutes errors. */
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_OWNER, NULL, 0, &e), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, NULL, 0, 3, &p5, RTM_MATCH_NONE, NULL, 0, &e), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, NULL, 0, RTM_ENUM_NEXT, NULL, RTM_MATCH_NONE, NULL, 0, &e), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, NULL, 0, RTM_ENUM_RANGE, NULL, RTM_MATCH_NONE, NULL, 0, &e), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0x4, 0, NULL, RTM_MATCH_NONE, NULL, 0, &e), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_NONE, NULL, 0, NULL), INVP);
  CHECK_RC(RtmCreateRouteEnum(c, forge(d5), 0, 0, NULL, RTM_MATCH_NONE, NULL, 0, &e), INVH);
  CHECK_RC(RtmCreateRouteEnum(NULL, d5, 0, 0, NULL, RTM_MATCH_NONE, NULL, 0, &e), INVH);
  CHECK_RC(RtmCreateRouteEnum(c, d5, 0, 0, NULL, RTM_MATCH_NONE, NULL, 0, &e), NO_ERROR);
  n = 0; CHECK_RC(RtmGetEnumRoutes(c, e, &n, hs), INVP);
  n = 8; CHECK_RC(RtmGetEnumRoutes(c, e, &n, NULL), INVP);
  n = 8; CHECK_RC(RtmGetEnumRoutes(a, e, &n, hs), ERROR_ACCESS_DENIED);
  n = 8; CHECK_RC(RtmGetEnumDests(c, e, &n, di), INVH); /* a route enumeration */
  CHECK_RC(RtmDeleteEnumHandle(a, e), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeleteEnumHandle(c, e), NO_ERROR);
  n = 8; CHECK_RC(RtmGetEnumRoutes(c, e, &n, hs), INVH);

  /* Next hops of every owner, by address then interface. */
  exp[0] = nha; exp[1] = nhb; exp[2] = nha2;
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_START, NULL, &e), NO_ERROR);
  NEXT_HOPS_ARE(c, e, 8, exp, 3);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_START, NULL, &e), NO_ERROR);
  NEXT_HOPS_ARE(c, e, 1, exp, 3);
  v4(&x, 192, 0, 2, 1, 32);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_NEXT, &x, &e), NO_ERROR);
  NEXT_HOPS_ARE(c, e, 8, &exp[2], 1);
  v4(&x, 192, 0, 2, 2, 32);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_START, &x, &e), NO_ERROR);
  NEXT_HOPS_ARE(c, e, 8, &exp[2], 1);
  v4(&x, 192, 0, 2, 0, 31);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_RANGE, &x, &e), NO_ERROR);
  NEXT_HOPS_ARE(c, e, 8, exp, 2);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_NEXT, NULL, &e), INVP);
  CHECK_RC(RtmCreateNextHopEnum(c, 3, &x, &e), INVP);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_START, NULL, NULL), INVP);
  CHECK_RC(RtmCreateNextHopEnum(NULL, RTM_ENUM_START, NULL, &e), INVH);
  CHECK_RC(RtmCreateNextHopEnum(c, RTM_ENUM_START, NULL, &e), NO_ERROR);
  n = 0; CHECK_RC(RtmGetEnumNextHops(c, e, &n, hs), INVP);
  n = 8; CHECK_RC(RtmGetEnumNextHops(b, e, &n, hs), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeleteEnumHandle(c, e), NO_ERROR);
  n = 8; CHECK_RC(RtmGetEnumNextHops(c, e, &n, hs), INVH);

  /* A snapshot: a destination added after the creation is not returned, nor one deleted
   * before the cursor reaches it. */
  CHECK_RC(RtmCreateDestEnum(c, 0, RTM_ENUM_START, &p11, BEST, &e), NO_ERROR);
  v4(&x, 13, 0, 0, 0, 8); CHECK_RC(add_route(a, NULL, &x, 1, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(b, rb11, &f), NO_ERROR);
  DESTS_ARE(c, e, 8, &p12, 1);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nha), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nha2), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &nhb), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(a6), NO_ERROR); CHECK_RC(RtmDeregisterEntity(c), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- route lists ------------------------------------------------------------------------ */

static void test_route_lists(void) {
  RTM_ENTITY_HANDLE a = reg(11, AF_INET, 8, NULL), b = reg(11, AF_INET, 9, NULL);
  RTM_NET_ADDRESS p1, p2, p3, p4;
  RTM_ROUTE_HANDLE r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, rb = NULL, tmp, two[3];
  RTM_ROUTE_LIST_HANDLE l1 = NULL, l2 = NULL, lb = NULL, lt = NULL;
  RTM_ENUM_HANDLE e = NULL;
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  PRTM_DEST_INFO di = new_dest_infos(1);
  UINT n;
  v4(&p1, 10, 1, 0, 0, 16); v4(&p2, 10, 2, 0, 0, 16);
  v4(&p3, 10, 3, 0, 0, 16); v4(&p4, 10, 4, 0, 0, 16);
  CHECK_RC(add_route(a, &r1, &p1, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, &r2, &p2, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, &r3, &p3, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(b, &rb, &p1, 10, 1, UC, NULL, 0), NO_ERROR);
  /* Nobody holds these routes from here on: list enumerations' references are checked alone. */
  two[0] = r1; two[1] = r2; two[2] = r3; CHECK_RC(RtmReleaseRoutes(a, 3, two), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(b, 1, &rb), NO_ERROR);
  /* RtmCreateRouteList. */
  CHECK_RC(RtmCreateRouteList(a, &l1), NO_ERROR); CHECK_RC(RtmCreateRouteList(a, &l2), NO_ERROR);
  CHECK(l1 != NULL && l2 != NULL && l1 != l2);
  CHECK_RC(RtmCreateRouteList(b, &lb), NO_ERROR);
  CHECK_RC(RtmCreateRouteList(a, NULL), INVP); CHECK_RC(RtmCreateRouteList(NULL, &lt), INVH);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR);
  LIST_IS(a, e, 8, two, 0); /* empty */
  /* RtmInsertInRouteList: the caller's own routes into its own list, all or nothing. */
  two[0] = r1; two[1] = r2; CHECK_RC(RtmInsertInRouteList(a, l1, 2, two), NO_ERROR);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, two, 2);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 1, two, 2);
  CHECK_RC(RtmInsertInRouteList(a, l1, 1, &rb), ERROR_ACCESS_DENIED); /* b's route */
  two[0] = r3; two[1] = rb;
  CHECK_RC(RtmInsertInRouteList(a, l1, 2, two), ERROR_ACCESS_DENIED); /* r3 stays out too */
  CHECK_RC(RtmInsertInRouteList(b, l1, 1, &rb), ERROR_ACCESS_DENIED); /* a's list */
  CHECK_RC(RtmInsertInRouteList(a, l1, 0, &r3), INVP);
  CHECK_RC(RtmInsertInRouteList(a, l1, 1, NULL), INVP);
  CHECK_RC(RtmInsertInRouteList(a, BOGUS, 1, &r3), INVH);
  CHECK_RC(RtmInsertInRouteList(a, forge(l1), 1, &r3), INVH);
  CHECK_RC(RtmInsertInRouteList(a, r1, 1, &r3), INVH); /* wrong kind */
  tmp = forge(r3); CHECK_RC(RtmInsertInRouteList(a, l1, 1, &tmp), INVH);
  CHECK_RC(RtmInsertInRouteList(NULL, l1, 1, &r3), INVH);
  two[0] = r1; two[1] = r2;
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, two, 2);
  /* A route moved to a second list leaves the first. */
  CHECK_RC(RtmInsertInRouteList(a, l2, 1, &r2), NO_ERROR);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, &r1, 1);
  CHECK_RC(RtmCreateRouteListEnum(a, l2, &e), NO_ERROR); LIST_IS(a, e, 8, &r2, 1);
  /* A NULL list takes routes out of any list (r3 is in none: harmless). */
  two[0] = r1; two[1] = r3; CHECK_RC(RtmInsertInRouteList(a, NULL, 2, two), NO_ERROR);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, two, 0);
  CHECK_RC(RtmCreateRouteListEnum(a, l2, &e), NO_ERROR); LIST_IS(a, e, 8, &r2, 1);
  CHECK_RC(RtmInsertInRouteList(b, NULL, 1, &r2), ERROR_ACCESS_DENIED); /* not b's route */
  /* RtmAddRouteToDest with a list: the updated or created route goes into it. */
  tmp = r3;
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &p3, route_info(10, 2, UC, NULL), INFINITE, l1, 0, NULL, &f),
           NO_ERROR);
  CHECK(tmp == r3);
  f = 0;
  CHECK_RC(RtmAddRouteToDest(a, &r4, &p4, route_info(10, 1, UC, NULL), INFINITE, l1, 0, NULL, &f),
           NO_ERROR);
  CHECK(r4 != NULL && (f & RTM_ROUTE_CHANGE_NEW));
  CHECK_RC(RtmReleaseRoutes(a, 1, &r4), NO_ERROR); /* a holds none again */
  two[0] = r3; two[1] = r4;
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, two, 2);
  tmp = NULL;
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &p4, route_info(10, 1, UC, NULL), INFINITE, BOGUS, 0, NULL,
                             &f), INVH);
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &p4, route_info(10, 1, UC, NULL), INFINITE, forge(l1), 0,
                             NULL, &f), INVH);
  CHECK_RC(RtmAddRouteToDest(b, &tmp, &p4, route_info(10, 1, UC, NULL), INFINITE, l1, 0, NULL, &f),
           ERROR_ACCESS_DENIED); /* a's list */
  /* A deleted route leaves its list. */
  CHECK_RC(RtmDeleteRouteToDest(a, r3, &f), NO_ERROR);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, &r4, 1);
  CHECK_RC(RtmInsertInRouteList(a, l2, 1, &r3), INVH); /* gone */
  /* RtmCreateRouteListEnum / RtmGetListEnumRoutes errors. */
  CHECK_RC(RtmCreateRouteListEnum(b, l1, &e), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmCreateRouteListEnum(a, forge(l1), &e), INVH);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, NULL), INVP);
  CHECK_RC(RtmCreateRouteListEnum(NULL, l1, &e), INVH);
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR);
  n = 8; CHECK_RC(RtmGetListEnumRoutes(b, e, &n, two), ERROR_ACCESS_DENIED);
  n = 0; CHECK_RC(RtmGetListEnumRoutes(a, e, &n, two), INVP);
  n = 8; CHECK_RC(RtmGetListEnumRoutes(a, e, &n, NULL), INVP);
  n = 8; CHECK_RC(RtmGetListEnumRoutes(NULL, e, &n, two), INVH);
  LIST_IS(a, e, 8, &r4, 1);
  /* An enumeration does not return a route that left the list before the cursor got there. */
  CHECK_RC(RtmInsertInRouteList(a, l2, 1, &r4), NO_ERROR);
  two[0] = r2; two[1] = r4;
  CHECK_RC(RtmCreateRouteListEnum(a, l2, &e), NO_ERROR); LIST_IS(a, e, 8, two, 2);
  CHECK_RC(RtmCreateRouteListEnum(a, l2, &e), NO_ERROR);
  CHECK_RC(RtmInsertInRouteList(a, NULL, 1, &r2), NO_ERROR);
  LIST_IS(a, e, 8, &r4, 1);
  /* RtmDeleteRouteList: owner only; its routes stay in the table. */
  CHECK_RC(RtmDeleteRouteList(b, l2), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmDeleteRouteList(a, forge(l2)), INVH);
  CHECK_RC(RtmDeleteRouteList(NULL, l2), INVH);
  CHECK_RC(RtmDeleteRouteList(a, l2), NO_ERROR);
  CHECK_RC(RtmDeleteRouteList(a, l2), INVH);
  CHECK_RC(RtmCreateRouteListEnum(a, l2, &e), INVH);
  CHECK_RC(RtmInsertInRouteList(a, l2, 1, &r4), INVH);
  CHECK_RC(RtmGetRouteInfo(b, r4, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->State == RTM_ROUTE_STATE_CREATED && g_ri->RouteOwner == a);
  CHECK_RC(RtmReleaseRouteInfo(b, g_ri), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &p4, BEST, 0, di), NO_ERROR);
  CHECK(di->ViewInfo[0].Route == r4);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmInsertInRouteList(a, l1, 1, &r4), NO_ERROR); /* it may join another */
  CHECK_RC(RtmCreateRouteListEnum(a, l1, &e), NO_ERROR); LIST_IS(a, e, 8, &r4, 1);
  CHECK_RC(RtmDeleteRouteList(a, l1), NO_ERROR); CHECK_RC(RtmDeleteRouteList(b, lb), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- entity methods --------------------------------------------------------------------- */

#define OUT_HDR offsetof(RTM_ENTITY_METHOD_OUTPUT, OutputData)
/* Where the output after one of n bytes (header included) starts. */
static size_t align_out(size_t n) {
  const size_t a = _Alignof(RTM_ENTITY_METHOD_OUTPUT);
  return (n + a - 1) / a * a;
}

/* What the methods saw. */
static struct {
  int calls, try_block;
  RTM_ENTITY_HANDLE caller, callee;
  PRTM_ENTITY_METHOD_INPUT input;
  UINT room[2];      /* Output->OutputSize on entry, per method */
  DWORD self_block;  /* RtmBlockMethods on its own entity, from inside a method */
} mc;

/* Method 0: echoes the input. */
static void m_echo(RTM_ENTITY_HANDLE caller, RTM_ENTITY_HANDLE callee,
                   RTM_ENTITY_METHOD_INPUT* in, RTM_ENTITY_METHOD_OUTPUT* out) {
  ++mc.calls; mc.caller = caller; mc.callee = callee; mc.input = in;
  mc.room[0] = out->OutputSize;
  if (in->InputSize <= out->OutputSize) {
    memcpy(out->OutputData, in->InputData, in->InputSize);
    out->OutputSize = in->InputSize;
    out->MethodStatus = NO_ERROR;
  } else {
    out->OutputSize = 0;
    out->MethodStatus = ERROR_INSUFFICIENT_BUFFER;
  }
}

/* Method 1: four bytes, status 1234. */
static void m_stat(RTM_ENTITY_HANDLE caller, RTM_ENTITY_HANDLE callee,
                   RTM_ENTITY_METHOD_INPUT* in, RTM_ENTITY_METHOD_OUTPUT* out) {
  (void)caller; (void)in;
  ++mc.calls;
  mc.room[1] = out->OutputSize;
  if (mc.try_block) mc.self_block = RtmBlockMethods(callee, NULL, 0, RTM_BLOCK_METHODS);
  if (out->OutputSize >= 4) {
    memcpy(out->OutputData, "abcd", 4);
    out->OutputSize = 4;
  }
  out->MethodStatus = 1234;
}

/* Whether n bytes at p are all 0xEE. */
static int untouched(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0xEE) return 0;
  return 1;
}

static void test_methods(void) {
  PRTM_ENTITY_EXPORT_METHODS ms = (PRTM_ENTITY_EXPORT_METHODS)malloc(
      offsetof(RTM_ENTITY_EXPORT_METHODS, Methods) + 33 * sizeof(RTM_ENTITY_EXPORT_METHOD));
  PRTM_ENTITY_METHOD_INPUT in =
      (PRTM_ENTITY_METHOD_INPUT)malloc(offsetof(RTM_ENTITY_METHOD_INPUT, InputData) + 5);
  union { RTM_ENTITY_METHOD_OUTPUT o; unsigned char b[128]; } ob;
  PRTM_ENTITY_METHOD_OUTPUT o2;
  RTM_ENTITY_EXPORT_METHOD got[4];
  RTM_ENTITY_INFO info = {12, AF_INET, {{{9, 1}}}};
  RTM_REGN_PROFILE prof;
  RTM_ENTITY_HANDLE c = reg(12, AF_INET, 8, NULL), s = NULL;
  const size_t hdr = align_out(OUT_HDR), second = align_out(OUT_HDR + 5);
  UINT n, size;
  /* At most 32 methods. */
  ms->NumMethods = 33;
  for (int i = 0; i < 33; ++i) ms->Methods[i] = m_echo;
  CHECK_RC(RtmRegisterEntity(&info, ms, NULL, FALSE, &prof, &s), INVP);
  ms->NumMethods = 2; ms->Methods[0] = m_echo; ms->Methods[1] = m_stat;
  CHECK_RC(RtmRegisterEntity(&info, ms, NULL, FALSE, &prof, &s), NO_ERROR);
  free(ms); /* the table keeps its own copy */
  /* RtmGetEntityMethods: NumMethods in = capacity, out = count. */
  n = 0; CHECK_RC(RtmGetEntityMethods(c, s, &n, NULL), ERROR_INSUFFICIENT_BUFFER); CHECK(n == 2);
  n = 1; CHECK_RC(RtmGetEntityMethods(c, s, &n, got), ERROR_INSUFFICIENT_BUFFER); CHECK(n == 2);
  memset(got, 0, sizeof got);
  n = 4; CHECK_RC(RtmGetEntityMethods(c, s, &n, got), NO_ERROR);
  CHECK(n == 2 && got[0] == m_echo && got[1] == m_stat);
  n = 2; CHECK_RC(RtmGetEntityMethods(s, s, &n, got), NO_ERROR); CHECK(n == 2);
  n = 4; CHECK_RC(RtmGetEntityMethods(s, c, &n, got), NO_ERROR); CHECK(n == 0); /* exports none */
  CHECK_RC(RtmGetEntityMethods(c, s, NULL, got), INVP);
  n = 4; CHECK_RC(RtmGetEntityMethods(c, s, &n, NULL), INVP);
  n = 4; CHECK_RC(RtmGetEntityMethods(c, forge(s), &n, got), INVH);
  n = 4; CHECK_RC(RtmGetEntityMethods(NULL, s, &n, got), INVH);
  /* RtmInvokeMethod: one method (bit 0). */
  in->MethodType = 1; in->InputSize = 5; memcpy(in->InputData, "hello", 5);
  memset(&mc, 0, sizeof mc); memset(ob.b, 0xEE, sizeof ob.b); size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR);
  CHECK(mc.calls == 1 && mc.caller == c && mc.callee == s && mc.input == in);
  CHECK(mc.room[0] == sizeof ob.b - OUT_HDR);
  CHECK(ob.o.MethodType == 1 && ob.o.MethodStatus == NO_ERROR && ob.o.OutputSize == 5);
  CHECK(memcmp(ob.o.OutputData, "hello", 5) == 0);
  CHECK(size >= OUT_HDR + 5 && size <= second); /* (its trailing padding may count) */
  /* All methods: one output each, one after another, each aligned. */
  in->MethodType = METHOD_TYPE_ALL_METHODS;
  memset(&mc, 0, sizeof mc); memset(ob.b, 0xEE, sizeof ob.b); size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR);
  o2 = (PRTM_ENTITY_METHOD_OUTPUT)(void*)(ob.b + second);
  CHECK(mc.calls == 2 && ob.o.MethodType == 1 && ob.o.MethodStatus == NO_ERROR);
  CHECK(ob.o.OutputSize == 5 && memcmp(ob.o.OutputData, "hello", 5) == 0);
  CHECK(o2->MethodType == 2 && o2->MethodStatus == 1234 && o2->OutputSize == 4);
  CHECK(memcmp(o2->OutputData, "abcd", 4) == 0);
  CHECK(mc.room[1] == sizeof ob.b - second - OUT_HDR);
  CHECK(size == second + OUT_HDR + 4);
  in->MethodType = 3; /* both bits: the same */
  memset(&mc, 0, sizeof mc); size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR);
  CHECK(mc.calls == 2 && size == second + OUT_HDR + 4);
  /* Exactly one header per method: every header still lies inside the buffer (the first
   * method's room leaves the second's header), nothing is written beyond it. */
  in->MethodType = METHOD_TYPE_ALL_METHODS;
  memset(&mc, 0, sizeof mc); memset(ob.b, 0xEE, sizeof ob.b); size = (UINT)(2 * hdr);
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR);
  CHECK(mc.calls == 2 && size <= 2 * hdr);
  CHECK(mc.room[0] == 0); /* 2 * hdr - its header - the second's header */
  CHECK(untouched(ob.b + 2 * hdr, sizeof ob.b - 2 * hdr));
  /* Less than one header per method: ERROR_INSUFFICIENT_BUFFER, no method runs. */
  memset(&mc, 0, sizeof mc); size = (UINT)(2 * hdr - 1);
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), ERROR_INSUFFICIENT_BUFFER);
  in->MethodType = 2; size = (UINT)(OUT_HDR - 1);
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), ERROR_INSUFFICIENT_BUFFER);
  size = 0; CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), ERROR_INSUFFICIENT_BUFFER);
  CHECK(mc.calls == 0);
  /* A method the callee does not export: nothing runs. */
  in->MethodType = 4; size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), INVP);
  in->MethodType = 1 | 4; size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), INVP);
  in->MethodType = 1; size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(s, c, in, &size, &ob.o), INVP); /* c exports none */
  CHECK(mc.calls == 0);
  CHECK_RC(RtmInvokeMethod(c, s, NULL, &size, &ob.o), INVP);
  CHECK_RC(RtmInvokeMethod(c, s, in, NULL, &ob.o), INVP);
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, NULL), INVP);
  CHECK_RC(RtmInvokeMethod(c, forge(s), in, &size, &ob.o), INVH);
  CHECK_RC(RtmInvokeMethod(NULL, s, in, &size, &ob.o), INVH);
  /* A method blocking its own entity would wait for itself: refused. */
  in->MethodType = 2; mc.try_block = 1; mc.self_block = 0xdead; size = sizeof ob.b;
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR);
  CHECK(mc.self_block == ERROR_INVALID_PARAMETER);
  mc.try_block = 0;
  /* RtmBlockMethods: block and resume (nothing running, so nothing to wait for). */
  CHECK_RC(RtmBlockMethods(s, NULL, 0, RTM_BLOCK_METHODS), NO_ERROR);
  CHECK_RC(RtmBlockMethods(s, NULL, 0, RTM_RESUME_METHODS), NO_ERROR);
  memset(&mc, 0, sizeof mc); size = sizeof ob.b; /* runs again after the resume */
  CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), NO_ERROR); CHECK(mc.calls == 1);
  CHECK_RC(RtmBlockMethods(s, s, 0, RTM_BLOCK_METHODS), NO_ERROR); /* itself as the target */
  CHECK_RC(RtmBlockMethods(s, s, 0, RTM_RESUME_METHODS), NO_ERROR);
  CHECK_RC(RtmBlockMethods(s, c, 0, RTM_BLOCK_METHODS), INVP); /* another entity */
  CHECK_RC(RtmBlockMethods(s, NULL, 0, 7), INVP);
  CHECK_RC(RtmBlockMethods(NULL, NULL, 0, RTM_BLOCK_METHODS), INVH);
  /* A deregistered callee. */
  CHECK_RC(RtmDeregisterEntity(s), NO_ERROR);
  size = sizeof ob.b; CHECK_RC(RtmInvokeMethod(c, s, in, &size, &ob.o), INVH);
  n = 4; CHECK_RC(RtmGetEntityMethods(c, s, &n, got), INVH);
  CHECK_RC(RtmDeregisterEntity(c), NO_ERROR);
  free(in);
}

/* ---- opaque pointers and destination locks ---------------------------------------------- */

static void test_opaque(void) {
  RTM_ENTITY_HANDLE a = reg(13, AF_INET, 8, NULL), o1 = reg_ex(13, AF_INET, 20, NULL, TRUE, NULL),
                    o2 = reg_ex(13, AF_INET, 21, NULL, TRUE, NULL);
  RTM_NET_ADDRESS p, q;
  RTM_DEST_HANDLE d, d2;
  PRTM_DEST_INFO di = new_dest_infos(1);
  PVOID v = NULL, v2 = NULL, v3 = NULL;
  int marker = 0;
  v4(&p, 10, 1, 0, 0, 16); v4(&q, 10, 2, 0, 0, 16);
  CHECK_RC(add_route(a, NULL, &p, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(a, NULL, &q, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a, &p, BEST, 0, di), NO_ERROR);
  d = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a, &q, BEST, 0, di), NO_ERROR);
  d2 = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  /* The caller's slot: non-NULL, starts NULL, the same on every call. */
  CHECK_RC(RtmLockDestination(o1, d, TRUE, TRUE), NO_ERROR);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, d, &v), NO_ERROR);
  CHECK(v != NULL && *(PVOID*)v == NULL);
  if (v != NULL) *(PVOID*)v = &marker;
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, d, &v2), NO_ERROR); CHECK(v2 == v);
  CHECK_RC(RtmLockDestination(o1, d, TRUE, FALSE), NO_ERROR);
  /* Another reserving entity has its own slot, and so has every destination. */
  CHECK_RC(RtmLockDestination(o2, d, TRUE, TRUE), NO_ERROR);
  CHECK_RC(RtmGetOpaqueInformationPointer(o2, d, &v3), NO_ERROR);
  CHECK(v3 != NULL && v3 != v && *(PVOID*)v3 == NULL);
  CHECK_RC(RtmLockDestination(o2, d, TRUE, FALSE), NO_ERROR);
  CHECK_RC(RtmLockDestination(o1, d2, FALSE, TRUE), NO_ERROR);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, d2, &v3), NO_ERROR);
  CHECK(v3 != NULL && v3 != v && *(PVOID*)v3 == NULL);
  CHECK_RC(RtmLockDestination(o1, d2, FALSE, FALSE), NO_ERROR);
  /* What was stored stays. */
  CHECK_RC(RtmLockDestination(o1, d, FALSE, TRUE), NO_ERROR);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, d, &v2), NO_ERROR);
  CHECK(v2 == v && v2 != NULL && *(PVOID*)v2 == &marker);
  CHECK_RC(RtmLockDestination(o1, d, FALSE, FALSE), NO_ERROR);
  /* Only for an entity registered with ReserveOpaquePointer. */
  CHECK_RC(RtmGetOpaqueInformationPointer(a, d, &v2), INVP);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, d, NULL), INVP);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, forge(d), &v2), INVH);
  CHECK_RC(RtmGetOpaqueInformationPointer(o1, a, &v2), INVH); /* wrong kind */
  CHECK_RC(RtmGetOpaqueInformationPointer(NULL, d, &v2), INVH);
  /* RtmLockDestination: unlocking what is not locked (in that mode) fails. */
  CHECK_RC(RtmLockDestination(a, d, TRUE, FALSE), INVP);
  CHECK_RC(RtmLockDestination(a, d, FALSE, FALSE), INVP);
  CHECK_RC(RtmLockDestination(a, d, FALSE, TRUE), NO_ERROR); /* shared, twice */
  CHECK_RC(RtmLockDestination(o1, d, FALSE, TRUE), NO_ERROR);
  CHECK_RC(RtmLockDestination(a, d, TRUE, FALSE), INVP); /* not held exclusively */
  CHECK_RC(RtmLockDestination(a, d, FALSE, FALSE), NO_ERROR);
  CHECK_RC(RtmLockDestination(o1, d, FALSE, FALSE), NO_ERROR);
  CHECK_RC(RtmLockDestination(a, d, FALSE, FALSE), INVP); /* a third shared unlock */
  CHECK_RC(RtmLockDestination(a, d, TRUE, TRUE), NO_ERROR); /* free again */
  CHECK_RC(RtmLockDestination(a, d, FALSE, FALSE), INVP); /* held exclusively, not shared */
  CHECK_RC(RtmLockDestination(a, d, TRUE, FALSE), NO_ERROR);
  CHECK_RC(RtmLockDestination(a, forge(d), TRUE, TRUE), INVH);
  CHECK_RC(RtmLockDestination(a, a, TRUE, TRUE), INVH); /* wrong kind */
  CHECK_RC(RtmLockDestination(NULL, d, TRUE, TRUE), INVH);
  /* A deregistered entity's slot is cleared: the next reserving entity's starts NULL. */
  CHECK_RC(RtmLockDestination(o2, d, TRUE, TRUE), NO_ERROR);
  CHECK_RC(RtmGetOpaqueInformationPointer(o2, d, &v3), NO_ERROR);
  if (v3 != NULL) *(PVOID*)v3 = &marker;
  CHECK_RC(RtmLockDestination(o2, d, TRUE, FALSE), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(o2), NO_ERROR);
  o2 = reg_ex(13, AF_INET, 22, NULL, TRUE, NULL);
  CHECK_RC(RtmLockDestination(o2, d, FALSE, TRUE), NO_ERROR);
  v3 = NULL; CHECK_RC(RtmGetOpaqueInformationPointer(o2, d, &v3), NO_ERROR);
  CHECK(v3 != NULL && v3 != v && *(PVOID*)v3 == NULL);
  CHECK_RC(RtmLockDestination(o2, d, FALSE, FALSE), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(o2), NO_ERROR); CHECK_RC(RtmDeregisterEntity(o1), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- route pointers and route locks ----------------------------------------------------- */

static void test_route_locks(void) {
  RTM_ENTITY_HANDLE a = reg(14, AF_INET, 8, NULL), b = reg(14, AF_INET, 9, NULL);
  RTM_NEXTHOP_HANDLE nh = add_nh(a, 1, 3);
  RTM_NET_ADDRESS p;
  RTM_ROUTE_HANDLE r = NULL, tmp;
  RTM_DEST_HANDLE d;
  PRTM_ROUTE_INFO rp = NULL, lp = NULL;
  PRTM_DEST_INFO di = new_dest_infos(1);
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  RTM_VIEW_SET best = 0;
  v4(&p, 10, 1, 0, 0, 16); CHECK_RC(add_route(a, &r, &p, 10, 1, UC, nh, 0), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &p, BEST, 0, di), NO_ERROR);
  d = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  /* RtmGetRoutePointer: the route as it is, for any entity; nothing referenced. */
  CHECK_RC(RtmGetRoutePointer(b, r, &rp), NO_ERROR); CHECK(rp != NULL);
  if (rp != NULL) {
    CHECK(rp->DestHandle == d && rp->RouteOwner == a && rp->State == RTM_ROUTE_STATE_CREATED);
    CHECK(rp->PrefInfo.Preference == 10 && rp->PrefInfo.Metric == 1 && rp->BelongsToViews == UC);
    CHECK(rp->NextHopsList.NumNextHops == 1 && rp->NextHopsList.NextHops[0] == nh);
    CHECK_RC(RtmDereferenceHandles(b, 1, &rp->DestHandle), INVP); /* b holds none */
  }
  CHECK_RC(RtmGetRoutePointer(b, r, NULL), INVP);
  CHECK_RC(RtmGetRoutePointer(b, forge(r), &lp), INVH);
  CHECK_RC(RtmGetRoutePointer(b, nh, &lp), INVH); /* wrong kind */
  CHECK_RC(RtmGetRoutePointer(NULL, r, &lp), INVH);
  /* The owner edits under its exclusive lock and commits with RtmUpdateAndUnlockRoute. */
  CHECK_RC(RtmLockRoute(a, r, TRUE, TRUE, &lp), NO_ERROR); CHECK(lp != NULL);
  if (lp != NULL) {
    CHECK(lp->PrefInfo.Metric == 1);
    lp->PrefInfo.Metric = 7;
  }
  CHECK_RC(RtmUpdateAndUnlockRoute(a, r, INFINITE, NULL, 0, NULL, &f), NO_ERROR);
  CHECK((f & RTM_ROUTE_CHANGE_NEW) == 0);
  CHECK_RC(RtmGetRouteInfo(b, r, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->PrefInfo.Metric == 7 && g_ri->PrefInfo.Preference == 10);
  CHECK(g_ri->NextHopsList.NumNextHops == 1 && g_ri->NextHopsList.NextHops[0] == nh);
  CHECK(g_ri->State == RTM_ROUTE_STATE_CREATED && g_ri->BelongsToViews == UC);
  CHECK_RC(RtmReleaseRouteInfo(b, g_ri), NO_ERROR); CHECK_RC(RtmReleaseRouteInfo(b, g_ri), INVP);
  /* ... which unlocked it. */
  CHECK_RC(RtmUpdateAndUnlockRoute(a, r, INFINITE, NULL, 0, NULL, &f), INVP);
  CHECK_RC(RtmLockRoute(a, r, TRUE, FALSE, NULL), INVP);
  CHECK_RC(RtmLockRoute(a, r, TRUE, TRUE, NULL), NO_ERROR); /* free: the lock is taken again */
  CHECK_RC(RtmUpdateAndUnlockRoute(a, r, INFINITE, NULL, 0, NULL, NULL), INVP);
  CHECK_RC(RtmUpdateAndUnlockRoute(b, r, INFINITE, NULL, 0, NULL, &f), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmLockRoute(a, r, TRUE, FALSE, NULL), NO_ERROR); /* a plain unlock */
  /* Exclusive: the owner only; shared: anyone. */
  CHECK_RC(RtmLockRoute(b, r, TRUE, TRUE, &lp), ERROR_ACCESS_DENIED);
  lp = NULL; CHECK_RC(RtmLockRoute(b, r, FALSE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && lp->PrefInfo.Metric == 7);
  CHECK_RC(RtmLockRoute(a, r, FALSE, TRUE, NULL), NO_ERROR);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockRoute(a, r, FALSE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), INVP);
  CHECK_RC(RtmLockRoute(b, forge(r), FALSE, TRUE, &lp), INVH);
  CHECK_RC(RtmLockRoute(b, nh, FALSE, TRUE, &lp), INVH); /* wrong kind */
  CHECK_RC(RtmLockRoute(NULL, r, FALSE, TRUE, &lp), INVH);
  /* An update by RtmAddRouteToDest shows through the pointer once locked. */
  tmp = r; CHECK_RC(add_route(a, &tmp, &p, 10, 9, UC, nh, 0), NO_ERROR);
  lp = NULL; CHECK_RC(RtmLockRoute(b, r, FALSE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && lp->PrefInfo.Metric == 9);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), NO_ERROR);
  /* Nested shared holds while the route changes: the second shared lock must
   * not wait for the first (it finds the view stale but is not the sole
   * holder, so it leaves the view as the first holder sees it). */
  lp = NULL; CHECK_RC(RtmLockRoute(b, r, FALSE, TRUE, &lp), NO_ERROR);
  tmp = r; CHECK_RC(add_route(a, &tmp, &p, 10, 8, UC, nh, 0), NO_ERROR);
  CHECK_RC(RtmLockRoute(b, r, FALSE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && lp->PrefInfo.Metric == 9);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), NO_ERROR);
  lp = NULL; CHECK_RC(RtmLockRoute(b, r, FALSE, TRUE, &lp), NO_ERROR); /* sole holder: fresh */
  CHECK(lp != NULL && lp->PrefInfo.Metric == 8);
  CHECK_RC(RtmLockRoute(b, r, FALSE, FALSE, NULL), NO_ERROR);
  /* Only the owner may drop an exclusive hold (it may be editing the view). */
  CHECK_RC(RtmLockRoute(a, r, TRUE, TRUE, NULL), NO_ERROR);
  CHECK_RC(RtmLockRoute(b, r, TRUE, FALSE, NULL), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmLockRoute(a, r, TRUE, FALSE, NULL), NO_ERROR);
  /* Another field committed the same way: the route's views. */
  lp = NULL; CHECK_RC(RtmLockRoute(a, r, TRUE, TRUE, &lp), NO_ERROR);
  if (lp != NULL) lp->BelongsToViews = UC | MC;
  CHECK_RC(RtmUpdateAndUnlockRoute(a, r, INFINITE, NULL, 0, NULL, &f), NO_ERROR);
  CHECK_RC(RtmIsBestRoute(b, r, &best), NO_ERROR); CHECK(best == (UC | MC));
  CHECK_RC(RtmDeleteRouteToDest(a, r, &f), NO_ERROR);
  /* Deleted and its last reference released: the handle is refused at once (REFERENCE.md). */
  CHECK_RC(RtmReleaseRoutes(a, 1, &r), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r), INVH);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- next-hop pointers and locks --------------------------------------------------------- */

static void test_next_hop_pointers(void) {
  RTM_ENTITY_HANDLE a = reg(15, AF_INET, 8, NULL), b = reg(15, AF_INET, 9, NULL);
  RTM_NEXTHOP_HANDLE nh = add_nh(a, 1, 3), found = NULL;
  RTM_NEXTHOP_INFO nhi;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  PRTM_NEXTHOP_INFO np = NULL, lp = NULL;
  RTM_NET_ADDRESS want;
  v4(&want, 192, 0, 2, 1, 32);
  /* RtmGetNextHopPointer: the next hop as it is, for any entity. */
  CHECK_RC(RtmGetNextHopPointer(b, nh, &np), NO_ERROR); CHECK(np != NULL);
  if (np != NULL) {
    CHECK(memcmp(&np->NextHopAddress, &want, sizeof want) == 0 && np->InterfaceIndex == 3);
    CHECK(np->NextHopOwner == a && np->State == RTM_NEXTHOP_STATE_CREATED && np->Flags == 0);
  }
  CHECK_RC(RtmGetNextHopPointer(b, nh, NULL), INVP);
  CHECK_RC(RtmGetNextHopPointer(b, forge(nh), &lp), INVH);
  CHECK_RC(RtmGetNextHopPointer(b, a, &lp), INVH); /* wrong kind */
  CHECK_RC(RtmGetNextHopPointer(NULL, nh, &lp), INVH);
  /* RtmLockNextHop: exclusive by the owner only, shared by anyone. */
  CHECK_RC(RtmLockNextHop(b, nh, TRUE, TRUE, &lp), ERROR_ACCESS_DENIED);
  CHECK_RC(RtmLockNextHop(a, nh, TRUE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && lp->InterfaceIndex == 3 && lp->NextHopOwner == a);
  CHECK_RC(RtmLockNextHop(a, nh, TRUE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockNextHop(a, nh, TRUE, FALSE, NULL), INVP);
  lp = NULL; CHECK_RC(RtmLockNextHop(b, nh, FALSE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && memcmp(&lp->NextHopAddress, &want, sizeof want) == 0);
  CHECK_RC(RtmLockNextHop(a, nh, FALSE, TRUE, NULL), NO_ERROR);
  CHECK_RC(RtmLockNextHop(b, nh, FALSE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockNextHop(a, nh, FALSE, FALSE, NULL), NO_ERROR);
  CHECK_RC(RtmLockNextHop(b, nh, FALSE, FALSE, NULL), INVP);
  CHECK_RC(RtmLockNextHop(b, forge(nh), FALSE, TRUE, &lp), INVH);
  CHECK_RC(RtmLockNextHop(NULL, nh, FALSE, TRUE, &lp), INVH);
  /* An update shows through the pointer once locked. */
  memset(&nhi, 0, sizeof nhi);
  nhi.NextHopAddress = want; nhi.InterfaceIndex = 3; nhi.Flags = RTM_NEXTHOP_FLAGS_DOWN;
  CHECK_RC(RtmAddNextHop(a, &nhi, &nh, &nf), NO_ERROR);
  lp = NULL; CHECK_RC(RtmLockNextHop(b, nh, FALSE, TRUE, &lp), NO_ERROR);
  CHECK(lp != NULL && lp->Flags == RTM_NEXTHOP_FLAGS_DOWN);
  CHECK_RC(RtmLockNextHop(b, nh, FALSE, FALSE, NULL), NO_ERROR);
  /* RtmFindNextHop with a NextHopPointer. */
  nhi.Flags = 0; np = NULL;
  CHECK_RC(RtmFindNextHop(a, &nhi, &found, &np), NO_ERROR);
  CHECK(found == nh && np != NULL);
  CHECK(np != NULL && memcmp(&np->NextHopAddress, &want, sizeof want) == 0);
  CHECK(np != NULL && np->InterfaceIndex == 3);
  CHECK_RC(RtmReleaseNextHops(a, 1, &found), NO_ERROR);
  nhi.NextHopOwner = a; np = NULL; found = NULL; /* b looks up a's */
  CHECK_RC(RtmFindNextHop(b, &nhi, &found, &np), NO_ERROR);
  CHECK(found == nh && np != NULL && np->NextHopOwner == a && np->InterfaceIndex == 3);
  CHECK_RC(RtmReleaseNextHops(b, 1, &found), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &found), INVP); /* the pointer took no reference */
  nhi.InterfaceIndex = 4; CHECK_RC(RtmFindNextHop(b, &nhi, &found, &np), ERROR_NOT_FOUND);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR); CHECK_RC(RtmReleaseNextHops(a, 1, &nh), INVP);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
}

/* ---- hold-down and time to live -------------------------------------------------------- */

static void test_hold(void) {
  RTM_ENTITY_HANDLE a = reg(16, AF_INET, 8, NULL), b = reg(16, AF_INET, 9, NULL);
  RTM_NET_ADDRESS p, q, t;
  RTM_ROUTE_HANDLE r = NULL, rb1 = NULL, rb2 = NULL, rb3 = NULL, rt = NULL, tmp, hold;
  HANDLE rbs[3];
  RTM_DEST_HANDLE d, d2;
  RTM_ENUM_HANDLE e = NULL;
  PRTM_DEST_INFO di = new_dest_infos(1);
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  DWORD rc;
  v4(&p, 10, 1, 0, 0, 16); v4(&q, 10, 2, 0, 0, 16); v4(&t, 10, 3, 0, 0, 16);
  CHECK_RC(add_route(a, &r, &p, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a, &p, BEST, 0, di), NO_ERROR); d = di->DestHandle;
  CHECK_RC(RtmReferenceHandles(a, 1, &d), NO_ERROR); /* a keeps d beyond the info */
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &r), NO_ERROR); /* a holds no reference on r */
  /* RtmHoldDestination errors. */
  CHECK_RC(RtmHoldDestination(a, d, 0x4, INFINITE), INVP); /* views outside the profile */
  CHECK_RC(RtmHoldDestination(a, d, 0x80000000u, INFINITE), INVP);
  CHECK_RC(RtmHoldDestination(a, forge(d), UC, INFINITE), INVH);
  CHECK_RC(RtmHoldDestination(a, r, UC, INFINITE), INVH); /* wrong kind */
  CHECK_RC(RtmHoldDestination(NULL, d, UC, INFINITE), INVH);
  /* The deleted best route is held: HoldRoute, referenced in the info. */
  CHECK_RC(RtmHoldDestination(a, d, UC, INFINITE), NO_ERROR);
  f = 0; CHECK_RC(RtmDeleteRouteToDest(a, r, &f), NO_ERROR); CHECK(f & RTM_ROUTE_CHANGE_BEST);
  CHECK_RC(RtmGetDestInfo(a, d, BEST, UC, di), NO_ERROR);
  CHECK(di->NumberOfViews == 1 && di->ViewInfo[0].NumRoutes == 0 && di->ViewInfo[0].Route == NULL);
  CHECK(di->ViewInfo[0].HoldRoute == r);
  hold = di->ViewInfo[0].HoldRoute;
  CHECK_RC(RtmGetRouteInfo(a, hold, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->State == RTM_ROUTE_STATE_DELETED && g_ri->DestHandle == d);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &hold), NO_ERROR); /* the info's reference, a's only one */
  CHECK_RC(RtmReleaseRoutes(a, 1, &hold), INVP);
  CHECK_RC(RtmReferenceHandles(a, 1, &hold), NO_ERROR); /* ... given back to the info */
  CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR); CHECK_RC(RtmReleaseDestInfo(a, di), INVP);
  CHECK_RC(RtmReleaseRoutes(a, 1, &hold), INVP);
  /* The destination stays in the table while it holds a route. */
  CHECK_RC(rc = RtmGetExactMatchDestination(a, &p, BEST, 0, di), NO_ERROR);
  if (rc == NO_ERROR) {
    CHECK(di->DestHandle == d && di->ViewInfo[0].HoldRoute == r);
    CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  }
  CHECK_RC(RtmCreateDestEnum(a, 0, RTM_ENUM_START, NULL, BEST, &e), NO_ERROR); /* enumerated too */
  DESTS_ARE(a, e, 8, &p, 1);
  /* Several routes: a deleted route that was not the best is not held; the best is, while
   * the next best serves; the next deleted best replaces it. */
  CHECK_RC(add_route(b, &rb1, &q, 10, 1, UC, NULL, 0), NO_ERROR);
  CHECK_RC(add_route(b, &rb2, &q, 20, 1, UC, NULL, RTM_ROUTE_CHANGE_NEW), NO_ERROR);
  CHECK_RC(add_route(b, &rb3, &q, 30, 1, UC, NULL, RTM_ROUTE_CHANGE_NEW), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &q, BEST, 0, di), NO_ERROR); d2 = di->DestHandle;
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmHoldDestination(b, d2, UC, INFINITE), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(b, rb3, &f), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &q, BEST, UC, di), NO_ERROR);
  CHECK(di->ViewInfo[0].Route == rb1 && di->ViewInfo[0].HoldRoute == NULL);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(b, rb1, &f), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(b, &q, BEST, UC, di), NO_ERROR);
  CHECK(di->ViewInfo[0].NumRoutes == 1 && di->ViewInfo[0].Route == rb2);
  CHECK(di->ViewInfo[0].HoldRoute == rb1);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(b, rb2, &f), NO_ERROR);
  CHECK_RC(RtmGetDestInfo(b, d2, BEST, UC, di), NO_ERROR);
  CHECK(di->ViewInfo[0].NumRoutes == 0 && di->ViewInfo[0].HoldRoute == rb2);
  CHECK_RC(RtmReleaseDestInfo(b, di), NO_ERROR);
  rbs[0] = rb1; rbs[1] = rb2; rbs[2] = rb3;
  /* rb1 and rb3 are deleted and no longer held: their last release makes their handles
   * invalid at once (REFERENCE.md). */
  CHECK_RC(RtmReleaseRoutes(b, 3, rbs), NO_ERROR); CHECK_RC(RtmReleaseRoutes(b, 3, rbs), INVH);
  /* A finite time to live is accepted (expiry: C++ tests, with an injectable clock). */
  f = 0;
  CHECK_RC(RtmAddRouteToDest(a, &rt, &t, route_info(10, 1, UC, NULL), 3600000, NULL, 0, NULL, &f),
           NO_ERROR);
  CHECK(rt != NULL && (f & RTM_ROUTE_CHANGE_NEW));
  tmp = rt; /* back to INFINITE: no timer left behind */
  CHECK_RC(RtmAddRouteToDest(a, &tmp, &t, route_info(10, 2, UC, NULL), INFINITE, NULL, 0, NULL,
                             &f), NO_ERROR);
  CHECK_RC(RtmGetRouteInfo(a, rt, g_ri, NULL), NO_ERROR);
  CHECK(g_ri->State == RTM_ROUTE_STATE_CREATED && g_ri->PrefInfo.Metric == 2);
  CHECK_RC(RtmReleaseRouteInfo(a, g_ri), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(a, rt, &f), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &rt), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(a, 1, &d), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(a, 1, &d), INVP);
  CHECK_RC(RtmDeregisterEntity(b), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

/* ---- forwarding fast path (rtmv2_ext.h) ------------------------------------------ */

/* 2001:db8:<b4>::<last>/128 */
static void v6host(RTM_NET_ADDRESS* a, unsigned b4, unsigned last) {
  v6(a, b4, 128); a->AddrBits[15] = (UCHAR)last;
}

/* Adds route `dest` of h with preference pref in `views` through n next hops (in that order). */
static DWORD add_route_hops(RTM_ENTITY_HANDLE h, RTM_ROUTE_HANDLE* rh, const RTM_NET_ADDRESS* dest,
                            ULONG pref, RTM_VIEW_SET views, UINT n, const RTM_NEXTHOP_HANDLE* hops) {
  RTM_NET_ADDRESS d = *dest;
  UINT i;
  route_info(pref, 1, views, NULL);
  g_ri->NextHopsList.NumNextHops = (USHORT)n;
  for (i = 0; i < n; ++i) g_ri->NextHopsList.NextHops[i] = hops[i];
  g_flags = 0;
  return RtmAddRouteToDest(h, rh, &d, g_ri, INFINITE, NULL, 0, NULL, &g_flags);
}

/* The interface of the one next hop RtmxForward answers for a.b.c.d, 0 for no route. */
static ULONG fwd_if4(RTM_ENTITY_HANDLE h, unsigned a, unsigned b, unsigned c, unsigned d) {
  RTM_NET_ADDRESS x;
  RTMX_FORWARDING_RESULT r;
  DWORD rc;
  v4(&x, a, b, c, d, 32);
  rc = RtmxForward(h, RTM_VIEW_ID_UCAST, &x, &r, NULL);
  if (rc == ERROR_NOT_FOUND) { CHECK(r.NumHops == 0); return 0; }
  CHECK_RC(rc, NO_ERROR);
  CHECK(r.NumHops == 1);
  return r.NumHops ? r.Hops[0].InterfaceIndex : 0;
}

/* The answer's meaningful part: NumHops and the hops it names. */
static int same_answer(const RTMX_FORWARDING_RESULT* x, const RTMX_FORWARDING_RESULT* y) {
  return x->NumHops == y->NumHops &&
         memcmp(x->Hops, y->Hops, x->NumHops * sizeof x->Hops[0]) == 0;
}

static int bytes_are(const void* p, size_t n, unsigned char v) {
  const unsigned char* b = (const unsigned char*)p;
  size_t i;
  for (i = 0; i < n; ++i)
    if (b[i] != v) return 0;
  return 1;
}

#define NFWD 40 /* batch length: more than one chunk of IPv6 keys */

static void test_forwarding(void) {
  RTM_ENTITY_HANDLE a = reg(20, AF_INET, 1, NULL), b = reg(20, AF_INET, 2, NULL);
  RTM_ENTITY_HANDLE c6 = reg(20, AF_INET6, 1, NULL), gone = reg(20, AF_INET, 3, NULL);
  RTM_NEXTHOP_HANDLE nh1 = add_nh(a, 1, 1), nh2 = add_nh(a, 2, 2), nhb = add_nh(b, 9, 9);
  RTM_NEXTHOP_HANDLE nh6a = NULL, nh6b = NULL, two[2];
  RTM_NEXTHOP_INFO nhi;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  RTM_ROUTE_HANDLE r8 = NULL, r24 = NULL, r16 = NULL, rmc = NULL, rb = NULL, r32v6 = NULL,
                   r48v6 = NULL;
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  RTM_NET_ADDRESS p, x;
  RTM_NET_ADDRESS* a6 = (RTM_NET_ADDRESS*)calloc(NFWD, sizeof *a6);
  ULONG a4[NFWD];
  RTMX_FORWARDING_RESULT r, *rs = (RTMX_FORWARDING_RESULT*)calloc(NFWD, sizeof *rs);
  RTMX_FORWARDING_DETAIL det;
  HANDLE dh;
  UINT found = 0, i;
  static const unsigned char zero12[12] = {0};

  CHECK(sizeof(RTMX_FORWARDING_HOP) == 24);
  CHECK(sizeof(RTMX_FORWARDING_RESULT) == 4 + RTMX_MAX_FORWARDING_HOPS * 24);

  /* IPv6 next hops of c6: 2001:db8:ff::11 on 11, 2001:db8:ff::12 on 12. */
  memset(&nhi, 0, sizeof nhi);
  v6host(&nhi.NextHopAddress, 0xff, 0x11); nhi.InterfaceIndex = 11;
  CHECK_RC(RtmAddNextHop(c6, &nhi, &nh6a, &nf), NO_ERROR);
  v6host(&nhi.NextHopAddress, 0xff, 0x12); nhi.InterfaceIndex = 12;
  CHECK_RC(RtmAddNextHop(c6, &nhi, &nh6b, &nf), NO_ERROR);

  /* No route yet. */
  CHECK(fwd_if4(a, 10, 1, 2, 3) == 0);

  /* Nested prefixes: 10/8 via nh1, 10.1.2/24 via nh2 then nh1 (two hops, in that order),
   * 10.5/16 without next hops, 10.7/16 in the multicast view only. */
  v4(&p, 10, 0, 0, 0, 8); CHECK_RC(add_route_hops(a, &r8, &p, 10, UC, 1, &nh1), NO_ERROR);
  two[0] = nh2; two[1] = nh1;
  v4(&p, 10, 1, 2, 0, 24); CHECK_RC(add_route_hops(a, &r24, &p, 10, UC, 2, two), NO_ERROR);
  v4(&p, 10, 5, 0, 0, 16); CHECK_RC(add_route_hops(a, &r16, &p, 10, UC, 0, NULL), NO_ERROR);
  v4(&p, 10, 7, 0, 0, 16); CHECK_RC(add_route_hops(a, &rmc, &p, 10, MC, 1, &nh2), NO_ERROR);

  /* The /24's two hops, by value, in the route's order; nothing past NumHops written. */
  memset(&r, 0xab, sizeof r);
  v4(&x, 10, 1, 2, 3, 32);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR);
  CHECK(r.NumHops == 2);
  CHECK(r.Hops[0].AddressFamily == AF_INET && r.Hops[0].InterfaceIndex == 2 &&
        r.Hops[0].Reserved == 0);
  CHECK(r.Hops[0].AddrBits[0] == 192 && r.Hops[0].AddrBits[1] == 0 && r.Hops[0].AddrBits[2] == 2 &&
        r.Hops[0].AddrBits[3] == 2 && memcmp(r.Hops[0].AddrBits + 4, zero12, 12) == 0);
  CHECK(r.Hops[1].AddressFamily == AF_INET && r.Hops[1].InterfaceIndex == 1 &&
        r.Hops[1].AddrBits[3] == 1);
  CHECK(bytes_are(&r.Hops[2], sizeof r.Hops[2], 0xab));
  /* NumBits is ignored: the address is used at full length. */
  v4(&x, 10, 1, 2, 3, 0);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 2);
  CHECK(fwd_if4(a, 10, 1, 3, 1) == 1);  /* the /8 around the /24 */
  CHECK(fwd_if4(a, 10, 7, 0, 1) == 1);  /* the multicast-only /16 does not forward unicast */
  CHECK(fwd_if4(a, 11, 0, 0, 1) == 0);
  /* A route without next hops: NO_ERROR with 0 hops (ERROR_NOT_FOUND means no route). */
  v4(&x, 10, 5, 1, 1, 32);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 0);
  /* Any handle of the instance finds it: another entity, another family's entity, one
   * deregistered since, a handle of another kind. */
  CHECK_RC(RtmDeregisterEntity(gone), NO_ERROR);
  v4(&x, 10, 1, 2, 3, 32);
  CHECK_RC(RtmxForward(b, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 2);
  CHECK_RC(RtmxForward(c6, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 2);
  CHECK_RC(RtmxForward(gone, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 2);
  CHECK_RC(RtmxForward(r8, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR); CHECK(r.NumHops == 2);

  /* Detail: the matched prefix, the destination and the best route, not referenced. */
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, &det), NO_ERROR);
  CHECK(r.NumHops == 2 && r.Hops[0].InterfaceIndex == 2);
  v4(&p, 10, 1, 2, 0, 24);
  CHECK(memcmp(&det.DestAddress, &p, sizeof p) == 0);
  CHECK(det.RouteHandle == r24 && det.DestHandle != NULL);
  dh = det.DestHandle; /* a holds no reference on it: only one taken here can be given back */
  CHECK_RC(RtmDereferenceHandles(a, 1, &dh), INVP);
  CHECK_RC(RtmReferenceHandles(a, 1, &dh), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(a, 1, &dh), NO_ERROR);
  CHECK_RC(RtmDereferenceHandles(a, 1, &dh), INVP);
  memset(&det, 0xab, sizeof det);
  v4(&x, 11, 0, 0, 1, 32);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, &det), ERROR_NOT_FOUND);
  CHECK(r.NumHops == 0 && det.DestHandle == NULL && det.RouteHandle == NULL &&
        bytes_are(&det.DestAddress, sizeof det.DestAddress, 0));

  /* A better route of another entity takes over the /8, and gives it back. */
  v4(&p, 10, 0, 0, 0, 8); CHECK_RC(add_route_hops(b, &rb, &p, 5, UC, 1, &nhb), NO_ERROR);
  CHECK(fwd_if4(a, 10, 9, 9, 9) == 9);
  v4(&x, 10, 1, 2, 3, 32); /* the /24 inside it is still a's */
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR);
  CHECK(r.NumHops == 2 && r.Hops[0].InterfaceIndex == 2);
  CHECK_RC(RtmDeleteRouteToDest(b, rb, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(b, 1, &rb), NO_ERROR);
  CHECK(fwd_if4(a, 10, 9, 9, 9) == 1);

  /* IPv6, through an IPv4 entity's handle too: 2001:db8::/32 via ::11, 2001:db8:1::/48 via ::12. */
  v6(&p, 0, 32); CHECK_RC(add_route_hops(c6, &r32v6, &p, 10, UC, 1, &nh6a), NO_ERROR);
  v6(&p, 1, 48); CHECK_RC(add_route_hops(c6, &r48v6, &p, 10, UC, 1, &nh6b), NO_ERROR);
  v6host(&x, 1, 5);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR);
  CHECK(r.NumHops == 1 && r.Hops[0].AddressFamily == AF_INET6 && r.Hops[0].InterfaceIndex == 12);
  v6host(&p, 0xff, 0x12);
  CHECK(memcmp(r.Hops[0].AddrBits, p.AddrBits, 16) == 0);
  v6host(&x, 2, 5);
  CHECK_RC(RtmxForward(c6, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR);
  CHECK(r.NumHops == 1 && r.Hops[0].InterfaceIndex == 11);
  x.AddrBits[3] = 0xb9; /* 2001:db9:: */
  CHECK_RC(RtmxForward(c6, RTM_VIEW_ID_UCAST, &x, &r, NULL), ERROR_NOT_FOUND);

  /* Batches answer each address as the single lookup does. */
  for (i = 0; i < NFWD; ++i) {
    static const unsigned char second[5] = {1, 5, 7, 9, 200};
    a4[i] = (10u << 24) | ((ULONG)second[i % 5] << 16) | (2u << 8) | i; /* host order */
    if (i % 7 == 6) a4[i] = (11u << 24) | i;                          /* no route */
    if (i % 4 == 3) v6host(&a6[i], i % 3, i);  /* 2001:db8:{0,1,2}::i */
    else if (i % 4 == 1) v6host(&a6[i], 1, i);
    else if (i % 4 == 2) { v6host(&a6[i], 0, i); a6[i].AddrBits[2] = 0x0e; } /* no route */
    else v4(&a6[i], 10, 1, 2, i, 32); /* another family: NumHops 0, not found */
  }
  memset(rs, 0xab, NFWD * sizeof *rs);
  found = 999;
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, a4, NFWD, rs, &found), NO_ERROR);
  {
    UINT want = 0;
    for (i = 0; i < NFWD; ++i) {
      DWORD rc;
      v4(&x, a4[i] >> 24, (a4[i] >> 16) & 255, (a4[i] >> 8) & 255, a4[i] & 255, 32);
      rc = RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL);
      CHECK(rc == NO_ERROR || rc == ERROR_NOT_FOUND);
      want += rc == NO_ERROR;
      CHECK(same_answer(&rs[i], &r));
    }
    CHECK(found == want && want > 0 && want < NFWD);
    CHECK(rs[0].NumHops == 2 && rs[0].Hops[0].InterfaceIndex == 2); /* 10.1.2.0: the /24 */
    CHECK(rs[1].NumHops == 0 && rs[2].NumHops == 1);                  /* 10.5.2.1, 10.7.2.2 */
  }
  memset(rs, 0xab, NFWD * sizeof *rs);
  found = 999;
  CHECK_RC(RtmxForwardBatch6(c6, RTM_VIEW_ID_UCAST, a6, NFWD, rs, &found), NO_ERROR);
  {
    UINT want = 0;
    for (i = 0; i < NFWD; ++i) {
      DWORD rc = RtmxForward(c6, RTM_VIEW_ID_UCAST, &a6[i], &r, NULL);
      if (a6[i].AddressFamily != AF_INET6) {
        CHECK(rs[i].NumHops == 0);
        continue;
      }
      CHECK(rc == NO_ERROR || rc == ERROR_NOT_FOUND);
      want += rc == NO_ERROR;
      CHECK(same_answer(&rs[i], &r));
    }
    CHECK(found == want && want > 0 && want < NFWD);
  }
  /* NumFound is optional. */
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, a4, NFWD, rs, NULL), NO_ERROR);
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_UCAST, a6, NFWD, rs, NULL), NO_ERROR);

  /* Bad input. Nothing is written on ERROR_INVALID_PARAMETER / ERROR_INVALID_HANDLE. */
  memset(&r, 0xab, sizeof r);
  memset(&det, 0xab, sizeof det);
  v4(&x, 10, 1, 2, 3, 32);
  CHECK_RC(RtmxForward(NULL, RTM_VIEW_ID_UCAST, &x, &r, &det), INVH);
  CHECK_RC(RtmxForward(BOGUS, RTM_VIEW_ID_UCAST, &x, &r, &det), INVH);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, NULL, &r, &det), INVP);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, NULL, &det), INVP);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, NULL, NULL), INVP);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_MCAST, &x, &r, &det), INVP); /* no index for multicast */
  CHECK_RC(RtmxForward(a, -1, &x, &r, NULL), INVP);
  CHECK_RC(RtmxForward(a, RTM_MAX_VIEWS, &x, &r, NULL), INVP);
  p = x; p.AddressFamily = 99;
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &p, &r, &det), INVP);
  CHECK(bytes_are(&r, sizeof r, 0xab) && bytes_are(&det, sizeof det, 0xab));
  memset(rs, 0xab, NFWD * sizeof *rs);
  found = 999;
  CHECK_RC(RtmxForwardBatch4(NULL, RTM_VIEW_ID_UCAST, a4, NFWD, rs, &found), INVH);
  CHECK_RC(RtmxForwardBatch4(BOGUS, RTM_VIEW_ID_UCAST, a4, NFWD, rs, &found), INVH);
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, NULL, NFWD, rs, &found), INVP);
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, a4, NFWD, NULL, &found), INVP);
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_MCAST, a4, NFWD, rs, &found), INVP);
  CHECK_RC(RtmxForwardBatch6(NULL, RTM_VIEW_ID_UCAST, a6, NFWD, rs, &found), INVH);
  CHECK_RC(RtmxForwardBatch6(BOGUS, RTM_VIEW_ID_UCAST, a6, NFWD, rs, &found), INVH);
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_UCAST, NULL, NFWD, rs, &found), INVP);
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_UCAST, a6, NFWD, NULL, &found), INVP);
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_MCAST, a6, NFWD, rs, &found), INVP);
  CHECK_RC(RtmxForwardBatch6(a, 77, a6, NFWD, rs, &found), INVP);
  CHECK(found == 999 && bytes_are(rs, NFWD * sizeof *rs, 0xab));
  /* Count 0 looks nothing up and succeeds (the arrays may be NULL); handle and view are checked. */
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, NULL, 0, NULL, &found), NO_ERROR);
  CHECK(found == 0);
  found = 999;
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_UCAST, NULL, 0, NULL, &found), NO_ERROR);
  CHECK(found == 0);
  found = 999;
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_UCAST, a4, 0, rs, &found), NO_ERROR);
  CHECK(found == 0 && bytes_are(rs, NFWD * sizeof *rs, 0xab));
  CHECK_RC(RtmxForwardBatch4(NULL, RTM_VIEW_ID_UCAST, NULL, 0, NULL, &found), INVH);
  CHECK_RC(RtmxForwardBatch6(NULL, RTM_VIEW_ID_UCAST, NULL, 0, NULL, &found), INVH);
  CHECK_RC(RtmxForwardBatch4(a, RTM_VIEW_ID_MCAST, NULL, 0, NULL, &found), INVP);
  CHECK_RC(RtmxForwardBatch6(a, RTM_VIEW_ID_MCAST, NULL, 0, NULL, &found), INVP);

  /* Deleting the /24 uncovers the /8; deleting the /8 leaves nothing. */
  CHECK_RC(RtmDeleteRouteToDest(a, r24, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r24), NO_ERROR);
  CHECK(fwd_if4(a, 10, 1, 2, 3) == 1);
  CHECK_RC(RtmDeleteRouteToDest(a, r8, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r8), NO_ERROR);
  CHECK(fwd_if4(a, 10, 1, 2, 3) == 0);
  CHECK_RC(RtmDeleteRouteToDest(a, r16, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r16), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(a, rmc, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &rmc), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(c6, r48v6, &f), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(c6, 1, &r48v6), NO_ERROR);
  v6host(&x, 1, 5);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), NO_ERROR);
  CHECK(r.NumHops == 1 && r.Hops[0].InterfaceIndex == 11);
  CHECK_RC(RtmDeleteRouteToDest(c6, r32v6, &f), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(c6, 1, &r32v6), NO_ERROR);
  CHECK_RC(RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL), ERROR_NOT_FOUND);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh1), NO_ERROR); CHECK_RC(RtmReleaseNextHops(a, 1, &nh2), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(b, 1, &nhb), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(c6, 1, &nh6a), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(c6, 1, &nh6b), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(c6), NO_ERROR); CHECK_RC(RtmDeregisterEntity(b), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(rs); free(a6);
}

/* Forwarding sessions (rtmv2_ext.h): answers as RtmxForward, records shared and stable within
 * a session, nesting closed innermost first, and every misuse an error or "no route". The
 * wrong-thread close is in c_api_threads_test.cpp. */
static void test_forwarding_sessions(void) {
  RTM_ENTITY_HANDLE a = reg(21, AF_INET, 1, NULL), c6 = reg(21, AF_INET6, 1, NULL);
  RTM_NEXTHOP_HANDLE nh1 = add_nh(a, 1, 1), nh2 = add_nh(a, 2, 2), nh6 = NULL;
  RTM_NEXTHOP_INFO nhi;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  RTM_ROUTE_HANDLE r8 = NULL, r24 = NULL, r32v6 = NULL;
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  RTM_NET_ADDRESS p, x, a6[NFWD];
  ULONG a4[NFWD];
  const RTMX_FORWARDING_RESULT *out[NFWD], *held, *q;
  RTMX_FORWARDING_RESULT r, before;
  RTMX_FORWARDING_SESSION s = {0}, inner = {0}, copy;
  UINT found = 0, i, want;
  DWORD rc;

  memset(&nhi, 0, sizeof nhi);
  v6host(&nhi.NextHopAddress, 0xff, 0x11); nhi.InterfaceIndex = 11;
  CHECK_RC(RtmAddNextHop(c6, &nhi, &nh6, &nf), NO_ERROR);
  v4(&p, 10, 0, 0, 0, 8); CHECK_RC(add_route_hops(a, &r8, &p, 10, UC, 1, &nh1), NO_ERROR);
  v4(&p, 10, 1, 2, 0, 24); CHECK_RC(add_route_hops(a, &r24, &p, 10, UC, 1, &nh2), NO_ERROR);
  v6(&p, 0, 32); CHECK_RC(add_route_hops(c6, &r32v6, &p, 10, UC, 1, &nh6), NO_ERROR);

  /* A zeroed session is not open: "no route", never NULL; closing it is refused. */
  q = RtmxSessionLookup4(&s, (10u << 24) | 1);
  CHECK(q != NULL && q->NumHops == 0);
  CHECK_RC(RtmxCloseForwardingSession(&s), INVH);
  CHECK_RC(RtmxCloseForwardingSession(NULL), INVP);

  CHECK_RC(RtmxOpenForwardingSession(c6, RTM_VIEW_ID_UCAST, &s), NO_ERROR); /* either family's handle */
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_UCAST, &s), INVP);      /* open already */
  held = RtmxSessionLookup4(&s, (10u << 24) | (1u << 16) | (2u << 8) | 3); /* 10.1.2.3, host order */
  CHECK(held != NULL && held->NumHops == 1 && held->Hops[0].InterfaceIndex == 2);
  q = RtmxSessionLookup4(&s, (10u << 24) | (1u << 16) | (3u << 8) | 3);
  CHECK(q->NumHops == 1 && q->Hops[0].InterfaceIndex == 1);
  CHECK(RtmxSessionLookup4(&s, 11u << 24)->NumHops == 0);
  v4(&x, 10, 1, 2, 3, 0); /* NumBits ignored */
  CHECK(RtmxSessionLookup(&s, &x) == held);
  v6host(&x, 0, 5);
  q = RtmxSessionLookup(&s, &x);
  CHECK(q->NumHops == 1 && q->Hops[0].InterfaceIndex == 11 && q->Hops[0].AddressFamily == AF_INET6);
  CHECK(RtmxSessionLookup6(&s, x.AddrBits) == q);
  x.AddressFamily = 99;
  CHECK(RtmxSessionLookup(&s, &x)->NumHops == 0);
  CHECK(RtmxSessionLookup(&s, NULL)->NumHops == 0 && RtmxSessionLookup6(&s, NULL)->NumHops == 0);

  /* Batches: the very records of the single lookups, and the same answers as RtmxForward. */
  for (i = 0; i < NFWD; ++i) {
    a4[i] = (10u << 24) | ((i % 3 == 0 ? 1u : 9u) << 16) | (2u << 8) | i;
    if (i % 5 == 4) a4[i] = (12u << 24) | i;
    if (i % 4 == 3) v4(&a6[i], 10, 1, 2, i, 32); else v6host(&a6[i], i % 2, i);
  }
  found = 999;
  CHECK_RC(RtmxSessionLookupBatch4(&s, a4, NFWD, out, &found), NO_ERROR);
  want = 0;
  for (i = 0; i < NFWD; ++i) {
    v4(&x, a4[i] >> 24, (a4[i] >> 16) & 255, (a4[i] >> 8) & 255, a4[i] & 255, 32);
    rc = RtmxForward(a, RTM_VIEW_ID_UCAST, &x, &r, NULL);
    want += rc == NO_ERROR;
    CHECK(out[i] == RtmxSessionLookup4(&s, a4[i]) && same_answer(out[i], &r));
  }
  CHECK(found == want && want > 0 && want < NFWD);
  found = 999;
  CHECK_RC(RtmxSessionLookupBatch6(&s, a6, NFWD, out, &found), NO_ERROR);
  want = 0;
  for (i = 0; i < NFWD; ++i) {
    if (a6[i].AddressFamily != AF_INET6) { CHECK(out[i]->NumHops == 0); continue; }
    rc = RtmxForward(c6, RTM_VIEW_ID_UCAST, &a6[i], &r, NULL);
    want += rc == NO_ERROR;
    CHECK(out[i] == RtmxSessionLookup(&s, &a6[i]) && same_answer(out[i], &r));
  }
  CHECK(found == want && want > 0 && want < NFWD);
  CHECK_RC(RtmxSessionLookupBatch4(&s, a4, NFWD, out, NULL), NO_ERROR);
  CHECK_RC(RtmxSessionLookupBatch4(&s, NULL, NFWD, out, &found), INVP);
  CHECK_RC(RtmxSessionLookupBatch4(&s, a4, NFWD, NULL, &found), INVP);
  CHECK_RC(RtmxSessionLookupBatch6(&s, NULL, NFWD, out, &found), INVP);
  CHECK_RC(RtmxSessionLookupBatch6(&s, a6, NFWD, NULL, &found), INVP);
  found = 999;
  CHECK_RC(RtmxSessionLookupBatch4(&s, NULL, 0, NULL, &found), NO_ERROR); CHECK(found == 0);

  /* A write inside the session: the held record does not change; the session's later lookups
   * answer some state since it opened, the next session the new one. */
  before = *held;
  CHECK_RC(RtmDeleteRouteToDest(a, r24, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r24), NO_ERROR);
  CHECK(memcmp(&before, held, sizeof before) == 0);
  q = RtmxSessionLookup4(&s, (10u << 24) | (1u << 16) | (2u << 8) | 3);
  CHECK(q->NumHops == 1 && (q->Hops[0].InterfaceIndex == 1 || q->Hops[0].InterfaceIndex == 2));

  /* A copy is not a session: "no route", and it cannot be closed. */
  memcpy(&copy, &s, sizeof s);
  CHECK(RtmxSessionLookup4(&copy, (10u << 24) | 1)->NumHops == 0);
  CHECK_RC(RtmxCloseForwardingSession(&copy), INVH);

  /* Nesting: the outer session cannot close while the inner one is open. */
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_UCAST, &inner), NO_ERROR);
  CHECK(RtmxSessionLookup4(&inner, (10u << 24) | (1u << 16) | (2u << 8) | 3)->Hops[0].InterfaceIndex == 1);
  CHECK_RC(RtmxCloseForwardingSession(&s), ERROR_CAN_NOT_COMPLETE);
  CHECK(RtmxSessionLookup4(&s, (10u << 24) | 1)->NumHops == 1); /* still open */
  CHECK_RC(RtmxCloseForwardingSession(&inner), NO_ERROR);
  CHECK_RC(RtmxCloseForwardingSession(&inner), INVH); /* double close */
  CHECK_RC(RtmxCloseForwardingSession(&s), NO_ERROR);
  CHECK_RC(RtmxCloseForwardingSession(&s), INVH);
  CHECK(RtmxSessionLookup4(&s, (10u << 24) | 1)->NumHops == 0); /* closed: no route */
  CHECK_RC(RtmxSessionLookupBatch4(&s, a4, NFWD, out, &found), NO_ERROR);
  CHECK(found == 0);
  for (i = 0; i < NFWD; ++i) CHECK(out[i] != NULL && out[i]->NumHops == 0);
  CHECK_RC(RtmxSessionLookupBatch6(NULL, a6, NFWD, out, &found), NO_ERROR);
  CHECK(found == 0 && out[0]->NumHops == 0);

  /* A session opened again after its close answers the new state. */
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_UCAST, &s), NO_ERROR);
  CHECK(RtmxSessionLookup4(&s, (10u << 24) | (1u << 16) | (2u << 8) | 3)->Hops[0].InterfaceIndex == 1);
  CHECK_RC(RtmxCloseForwardingSession(&s), NO_ERROR);

  /* Failed opens leave the session not open (nothing to close). */
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_MCAST, &s), INVP);
  CHECK(RtmxSessionLookup4(&s, (10u << 24) | 1)->NumHops == 0);
  CHECK_RC(RtmxCloseForwardingSession(&s), INVH);
  CHECK_RC(RtmxOpenForwardingSession(a, -1, &s), INVP);
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_MAX_VIEWS, &s), INVP);
  CHECK_RC(RtmxOpenForwardingSession(NULL, RTM_VIEW_ID_UCAST, &s), INVH);
  CHECK_RC(RtmxOpenForwardingSession(BOGUS, RTM_VIEW_ID_UCAST, &s), INVH);
  CHECK_RC(RtmxCloseForwardingSession(&s), INVH);
  CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_UCAST, NULL), INVP);

  /* A thousand sessions open and close on one thread (each one's section ends). */
  for (i = 0; i < 1000; ++i) {
    CHECK_RC(RtmxOpenForwardingSession(a, RTM_VIEW_ID_UCAST, &s), NO_ERROR);
    CHECK_RC(RtmxCloseForwardingSession(&s), NO_ERROR);
  }

  CHECK_RC(RtmDeleteRouteToDest(a, r8, &f), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &r8), NO_ERROR);
  CHECK_RC(RtmDeleteRouteToDest(c6, r32v6, &f), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(c6, 1, &r32v6), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh1), NO_ERROR); CHECK_RC(RtmReleaseNextHops(a, 1, &nh2), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(c6, 1, &nh6), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(c6), NO_ERROR); CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
}

/* ---- bulk writes (RtmxAddRoutes, RtmxDeleteRoutes) ------------------------------- */

/* More items than one chunk of the C wrapper (64): conversion failures at
 * 0, 63, 64 and 100 shift the others within their chunk; every item has a
 * handle, which must name its own prefix. */
static void test_bulk_chunks(void) {
  enum { N = 130 };
  RTM_ENTITY_HANDLE a = reg(23, AF_INET, 8, NULL);
  RTM_NET_ADDRESS d[N];
  RTMX_ROUTE_ADD adds[N];
  RTMX_ROUTE_DELETE dels[N];
  RTM_ROUTE_HANDLE h[N];
  PRTM_ROUTE_INFO ri = (PRTM_ROUTE_INFO)calloc(1, RTM_SIZE_OF_ROUTE_INFO(16));
  ULONG count = 0;
  unsigned i, ok = 1, n = 0;
  ri->PrefInfo.Preference = 20; ri->BelongsToViews = UC;
  for (i = 0; i < N; ++i) {
    v4(&d[i], 10, i / 256, i % 256, 0, 24);
    h[i] = NULL;
    memset(&adds[i], 0, sizeof adds[i]);
    adds[i].RouteHandle = &h[i]; adds[i].DestAddress = &d[i]; adds[i].RouteInfo = ri;
    adds[i].TimeToLive = INFINITE;
  }
  adds[0].DestAddress = NULL; adds[63].RouteInfo = NULL; adds[64].DestAddress = NULL;
  adds[100].RouteInfo = NULL;
  CHECK_RC(RtmxAddRoutes(a, NULL, N, adds), INVP);
  for (i = 0; i < N; ++i) {
    const int bad = i == 0 || i == 63 || i == 64 || i == 100;
    if (bad) {
      ok &= adds[i].Status == ERROR_INVALID_PARAMETER && h[i] == NULL;
      continue;
    }
    ok &= adds[i].Status == NO_ERROR && h[i] != NULL;
    if (h[i] != NULL) {
      RTM_NET_ADDRESS got;
      memset(&got, 0, sizeof got);
      ok &= RtmGetRouteInfo(a, h[i], NULL, &got) == NO_ERROR && got.NumBits == 24 &&
            memcmp(got.AddrBits, d[i].AddrBits, 4) == 0;
      dels[n].RouteHandle = h[i];
      ++n;
    }
  }
  CHECK(ok);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == N - 4);
  CHECK_RC(RtmxDeleteRoutes(a, n, dels), NO_ERROR);
  for (i = 0, ok = 1; i < n; ++i) ok &= dels[i].Status == NO_ERROR;
  CHECK(ok);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == 0);
  for (i = 0, ok = 1; i < n; ++i) ok &= RtmReleaseRoutes(a, 1, &dels[i].RouteHandle) == NO_ERROR;
  CHECK(ok);
  CHECK_RC(RtmxGetHeldReferences(a, &count), NO_ERROR); CHECK(count == 0);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(ri);
}

static void test_bulk_writes(void) {
  RTM_ENTITY_HANDLE a = reg(22, AF_INET, 8, NULL), b = reg(22, AF_INET, 9, NULL);
  RTM_NET_ADDRESS d[4];
  PRTM_ROUTE_INFO ri[4];
  RTMX_ROUTE_ADD adds[4];
  RTMX_ROUTE_DELETE dels[4];
  RTM_ROUTE_HANDLE h[4] = {NULL, NULL, NULL, NULL}, hb = NULL;
  ULONG count = 0;
  unsigned i;
  for (i = 0; i < 4; ++i) {
    ri[i] = (PRTM_ROUTE_INFO)calloc(1, RTM_SIZE_OF_ROUTE_INFO(16));
    ri[i]->PrefInfo.Preference = 10 + i; ri[i]->BelongsToViews = UC;
    v4(&d[i], 10, i, 0, 0, 16);
    memset(&adds[i], 0, sizeof adds[i]);
    adds[i].RouteHandle = &h[i]; adds[i].DestAddress = &d[i]; adds[i].RouteInfo = ri[i];
    adds[i].TimeToLive = INFINITE;
  }
  ri[2]->BelongsToViews = 0;  /* refused alone */
  /* Argument errors: nothing done. */
  CHECK_RC(RtmxAddRoutes(a, NULL, 0, NULL), NO_ERROR);
  CHECK_RC(RtmxAddRoutes(a, NULL, 1, NULL), INVP);
  adds[0].Status = 77;
  CHECK_RC(RtmxAddRoutes(BOGUS, NULL, 4, adds), INVH);
  CHECK(adds[0].Status == ERROR_INVALID_HANDLE && adds[3].Status == ERROR_INVALID_HANDLE);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == 0);
  /* Each item as RtmAddRouteToDest would do it: the third fails alone. */
  CHECK_RC(RtmxAddRoutes(a, NULL, 4, adds), INVP);
  CHECK(adds[0].Status == NO_ERROR && adds[1].Status == NO_ERROR);
  CHECK(adds[2].Status == ERROR_INVALID_PARAMETER && adds[3].Status == NO_ERROR);
  CHECK(adds[0].ChangeFlags == (RTM_ROUTE_CHANGE_FIRST | RTM_ROUTE_CHANGE_NEW | RTM_ROUTE_CHANGE_BEST));
  CHECK(h[0] != NULL && h[1] != NULL && h[2] == NULL && h[3] != NULL);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == 3);
  /* A NULL DestAddress in one item: that item only. */
  adds[1].DestAddress = NULL; adds[1].RouteHandle = NULL; adds[2].RouteHandle = NULL;
  ri[2]->BelongsToViews = UC;
  for (i = 0; i < 3; ++i) adds[i].ChangeFlags = 0;  /* in: no RTM_ROUTE_CHANGE_NEW */
  CHECK_RC(RtmxAddRoutes(a, NULL, 3, adds), INVP);
  CHECK(adds[0].Status == NO_ERROR && adds[0].ChangeFlags == RTM_ROUTE_CHANGE_BEST);  /* an update */
  CHECK(adds[1].Status == INVP);
  CHECK(adds[2].Status == NO_ERROR && h[2] == NULL);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == 4);
  {
    RTMX_STATS st;
    CHECK_RC(RtmxGetStats(a, NULL), INVP); CHECK_RC(RtmxGetStats(BOGUS, &st), INVH);
    CHECK_RC(RtmxGetStats(a, &st), NO_ERROR);
    CHECK(st.Destinations[0] == 4 && st.Destinations[1] == 0 && st.Routes[0] == 4);
    CHECK(st.NumEntities == 2 && st.EntityRoutes == 4 && st.EntityHeldReferences == 3);
    CHECK(st.Memory[RTMX_MEMORY_DESTINATIONS].Objects == 4 && st.Memory[RTMX_MEMORY_ROUTES].Bytes > 0);
    CHECK(st.BytesInUse >= st.Memory[RTMX_MEMORY_MAP_BUCKETS].Bytes && st.NumRegistrations == 0);
  }
  /* Deletes: b may not delete a's route; a route twice fails the second time. */
  CHECK(add_route(b, &hb, &d[0], 50, 0, UC, NULL, 0) == NO_ERROR);
  dels[0].RouteHandle = h[0]; dels[1].RouteHandle = hb; dels[2].RouteHandle = h[0];
  dels[3].RouteHandle = h[1];
  CHECK_RC(RtmxDeleteRoutes(a, 0, NULL), NO_ERROR);
  CHECK_RC(RtmxDeleteRoutes(a, 1, NULL), INVP);
  CHECK_RC(RtmxDeleteRoutes(a, 4, dels), ERROR_ACCESS_DENIED);
  CHECK(dels[0].Status == NO_ERROR && dels[0].ChangeFlags == RTM_ROUTE_CHANGE_BEST);
  CHECK(dels[1].Status == ERROR_ACCESS_DENIED && dels[2].Status == ERROR_INVALID_HANDLE);
  CHECK(dels[3].Status == NO_ERROR);
  CHECK_RC(RtmxGetDestCount(a, &count), NO_ERROR); CHECK(count == 3);
  /* Each handle out of the add was referenced once. */
  CHECK_RC(RtmReleaseRoutes(a, 1, &h[0]), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &h[1]), NO_ERROR);
  CHECK_RC(RtmReleaseRoutes(a, 1, &h[3]), NO_ERROR); CHECK_RC(RtmReleaseRoutes(a, 1, &h[3]), INVP);
  CHECK_RC(RtmReleaseRoutes(b, 1, &hb), NO_ERROR);
  CHECK_RC(RtmxGetHeldReferences(a, &count), NO_ERROR); CHECK(count == 0);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR); CHECK_RC(RtmDeregisterEntity(b), NO_ERROR);
  for (i = 0; i < 4; ++i) free(ri[i]);
  test_bulk_chunks();
}

int main(void) {
  RTM_ENTITY_HANDLE h;
  g_ri = (RTM_ROUTE_INFO*)calloc(1, RTM_SIZE_OF_ROUTE_INFO(16));
  /* The stride of dest-info arrays: every instance grants the same profile. */
  h = reg(0, AF_INET, 1, NULL);
  g_stride = RTM_SIZE_OF_DEST_INFO(g_profile.NumberOfViews);
  CHECK_RC(RtmDeregisterEntity(h), NO_ERROR);
  test_entities(); test_next_hops(); test_routes(); test_dests();
  test_notification(); test_refcount(); test_addresses(); test_enums(); test_route_lists();
  test_methods(); test_opaque(); test_route_locks(); test_next_hop_pointers(); test_hold();
  test_forwarding(); test_forwarding_sessions(); test_bulk_writes();
  free(g_ri);
  if (g_failures != 0) {
    printf("rtmv2_c_test: FAILED (%d of %d checks)\n", g_failures, g_checks);
    return 1;
  }
  printf("rtmv2_c_test: OK (%d checks)\n", g_checks);
  return 0;
}
