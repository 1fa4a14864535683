/* rtmv2_c_test.c — C11 test of the RTMv2 C API (include/rtmv2/rtmv2.h): every function on
 * its success path and its documented error paths (REFERENCE.md; the header's rtm rules where
 * the reference is silent); unimplemented ones must return exactly ERROR_NOT_SUPPORTED.
 * Reference counts are checked through the API: a reference no longer held cannot be released
 * again (ERROR_INVALID_PARAMETER), so "the second release fails" proves a Get/Release pair is
 * balanced. Each area uses its own RTM instance id, so entity events stay within it. */
#define _POSIX_C_SOURCE 200809L
#include <rtmv2/rtmv2.h>

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

static RTM_ENTITY_HANDLE reg(USHORT instance, USHORT family, ULONG proto, RTM_EVENT_CALLBACK cb) {
  RTM_ENTITY_INFO info;
  RTM_ENTITY_HANDLE h = NULL;
  memset(&info, 0, sizeof info);
  info.RtmInstanceId = instance; info.AddressFamily = family;
  info.EntityId.EntityProtocolId = proto; info.EntityId.EntityInstanceId = 1;
  CHECK_RC(RtmRegisterEntity(&info, NULL, cb, FALSE, &g_profile, &h), NO_ERROR);
  return h;
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
    CHECK_RC(RtmReleaseEntities(a, 0, hs), INVP); CHECK_RC(RtmReleaseEntities(a, 2, NULL), INVP);
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
  CHECK_RC(RtmReleaseNextHops(a, 0, &nh), INVP); CHECK_RC(RtmReleaseNextHops(a, 1, NULL), INVP);
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
  CHECK_RC(RtmReleaseRoutes(a, 0, &r1), INVP); CHECK_RC(RtmReleaseRoutes(a, 1, NULL), INVP);
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
  CHECK_RC(RtmReleaseDests(a, 0, arr), INVP); CHECK_RC(RtmReleaseDests(a, 2, NULL), INVP);
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
  CHECK_RC(RtmReleaseChangedDests(c, n1, 0, buf), INVP);
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
  CHECK_RC(RtmDereferenceHandles(b, 0, hs), INVP);
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

/* ---- not supported yet: exactly ERROR_NOT_SUPPORTED ------------------------------------- */

static void test_not_supported(void) {
  RTM_ENTITY_HANDLE a = reg(10, AF_INET, 8, NULL), h = NULL;
  RTM_ENTITY_INFO info = {10, AF_INET, {{{99, 1}}}};
  RTM_ENTITY_EXPORT_METHODS methods = {0, {NULL}};
  RTM_ENTITY_EXPORT_METHOD m[1] = {NULL};
  RTM_ENTITY_METHOD_INPUT in = {0, 0, {0}};
  RTM_ENTITY_METHOD_OUTPUT out = {0, 0, 0, {0}};
  RTM_REGN_PROFILE prof;
  RTM_NET_ADDRESS p;
  RTM_NEXTHOP_INFO nhi;
  HANDLE nh = add_nh(a, 1, 3), found = NULL, r = NULL, tmp = NULL, e = NULL, list = NULL, d;
  PRTM_NEXTHOP_INFO nhp = NULL;
  PRTM_ROUTE_INFO rp = NULL;
  RTM_ROUTE_CHANGE_FLAGS f = 0;
  PRTM_DEST_INFO di = new_dest_infos(1);
  PVOID opaque = NULL;
  UINT num = 1, size = sizeof out;
  v4(&p, 10, 30, 0, 0, 16); CHECK_RC(add_route(a, &r, &p, 10, 1, UC, nh, 0), NO_ERROR);
  CHECK_RC(RtmGetExactMatchDestination(a, &p, BEST, 0, di), NO_ERROR);
  d = di->DestHandle; CHECK_RC(RtmReleaseDestInfo(a, di), NO_ERROR);
  memset(&nhi, 0, sizeof nhi);
  v4(&nhi.NextHopAddress, 192, 0, 2, 1, 32);
  nhi.InterfaceIndex = 3;
  CHECK_RC(RtmRegisterEntity(&info, &methods, NULL, FALSE, &prof, &h), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmLockDestination(a, d, TRUE, TRUE), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetOpaqueInformationPointer(a, d, &opaque), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetEntityMethods(a, a, &num, m), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmInvokeMethod(a, a, &in, &size, &out), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmBlockMethods(a, NULL, 0, RTM_BLOCK_METHODS), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmHoldDestination(a, d, UC, 1000), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetRoutePointer(a, r, &rp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmLockRoute(a, r, TRUE, TRUE, &rp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmUpdateAndUnlockRoute(a, r, INFINITE, NULL, 0, NULL, &f), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetNextHopPointer(a, nh, &nhp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmLockNextHop(a, nh, TRUE, TRUE, &nhp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmFindNextHop(a, &nhi, &found, &nhp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmCreateDestEnum(a, 0, RTM_ENUM_START, &p, BEST, &e), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetEnumDests(a, e, &num, di), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmCreateRouteEnum(a, d, 0, RTM_ENUM_ALL_ROUTES, NULL, RTM_MATCH_NONE, NULL, 0, &e),
           ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetEnumRoutes(a, e, &num, &tmp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmCreateNextHopEnum(a, RTM_ENUM_START, &nhi.NextHopAddress, &e), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetEnumNextHops(a, e, &num, &found), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmDeleteEnumHandle(a, e), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmCreateRouteList(a, &list), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmInsertInRouteList(a, list, 1, &r), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmCreateRouteListEnum(a, list, &e), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmGetListEnumRoutes(a, e, &num, &tmp), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmDeleteRouteList(a, list), ERROR_NOT_SUPPORTED);
  CHECK_RC(RtmAddRouteToDest(a, &r, &p, route_info(10, 1, UC, nh), INFINITE, BOGUS, 0, NULL, &f),
           ERROR_NOT_SUPPORTED); /* a route list handle */
  CHECK_RC(RtmReleaseRoutes(a, 1, &r), NO_ERROR);
  CHECK_RC(RtmReleaseNextHops(a, 1, &nh), NO_ERROR);
  CHECK_RC(RtmDeregisterEntity(a), NO_ERROR);
  free(di);
}

int main(void) {
  RTM_ENTITY_HANDLE h;
  g_ri = (RTM_ROUTE_INFO*)calloc(1, RTM_SIZE_OF_ROUTE_INFO(16));
  /* The stride of dest-info arrays: every instance grants the same profile. */
  h = reg(0, AF_INET, 1, NULL);
  g_stride = RTM_SIZE_OF_DEST_INFO(g_profile.NumberOfViews);
  CHECK_RC(RtmDeregisterEntity(h), NO_ERROR);
  test_entities(); test_next_hops(); test_routes(); test_dests();
  test_notification(); test_refcount(); test_addresses(); test_not_supported();
  free(g_ri);
  if (g_failures != 0) {
    printf("rtmv2_c_test: FAILED (%d of %d checks)\n", g_failures, g_checks);
    return 1;
  }
  printf("rtmv2_c_test: OK (%d checks)\n", g_checks);
  return 0;
}
