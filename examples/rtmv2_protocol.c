/* rtmv2_protocol.c — a routing protocol written against the RTMv2 C API.
 *
 * Registers two entities (a protocol and a forwarding-table consumer),
 * adds next hops and routes, drains change notifications with
 * RtmGetChangedDests / RtmReleaseChangedDests until ERROR_NO_MORE_ITEMS,
 * looks addresses up with RtmGetMostSpecificDestination, and deregisters.
 * Exits non-zero if any step fails. Plain C11.
 */
#include <rtmv2/rtmv2.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define EXPECT(call, want)                                                             \
  do {                                                                                 \
    DWORD rc__ = (call);                                                               \
    if (rc__ != (DWORD)(want)) {                                                       \
      fprintf(stderr, "%s:%d: %s returned %u, expected %u\n", __FILE__, __LINE__, #call, \
              (unsigned)rc__, (unsigned)(want));                                       \
      ++failures;                                                                      \
    }                                                                                  \
  } while (0)

static int signals = 0;
static DWORD WINAPI on_event(RTM_ENTITY_HANDLE self, RTM_EVENT_TYPE type, PVOID c1, PVOID c2) {
  (void)self; (void)c1; (void)c2;
  if (type == RTM_CHANGE_NOTIFICATION) ++signals;
  return NO_ERROR;
}

static void ipv4(RTM_NET_ADDRESS* a, const char* dotted, unsigned len) {
  struct in_addr in;
  inet_pton(AF_INET, dotted, &in);
  RTM_IPV4_SET_ADDR_AND_LEN(a, in.s_addr, len);
}

int main(void) {
  RTM_ENTITY_INFO proto = {0}, fib = {0};
  proto.RtmInstanceId = 0;
  proto.AddressFamily = AF_INET;
  proto.EntityId.EntityProtocolId = 8; /* a RIP-like protocol */
  proto.EntityId.EntityInstanceId = 1;
  fib = proto;
  fib.EntityId.EntityProtocolId = 10000; /* the forwarding-table manager */

  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE h_proto = NULL, h_fib = NULL;
  EXPECT(RtmRegisterEntity(&proto, NULL, on_event, FALSE, &profile, &h_proto), NO_ERROR);
  EXPECT(RtmRegisterEntity(&fib, NULL, on_event, FALSE, &profile, &h_fib), NO_ERROR);
  EXPECT(RtmRegisterEntity(&proto, NULL, on_event, FALSE, &profile, &h_proto), ERROR_INVALID_PARAMETER);

  RTM_NOTIFY_HANDLE notify = NULL;
  EXPECT(RtmRegisterForChangeNotification(h_fib, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_BEST, NULL,
                                          &notify), NO_ERROR);

  /* A next hop and three nested routes through it. */
  RTM_NEXTHOP_INFO nhi;
  memset(&nhi, 0, sizeof nhi);
  ipv4(&nhi.NextHopAddress, "192.0.2.1", 32);
  nhi.InterfaceIndex = 3;
  RTM_NEXTHOP_HANDLE nh = NULL;
  RTM_NEXTHOP_CHANGE_FLAGS nhflags = 0;
  EXPECT(RtmAddNextHop(h_proto, &nhi, &nh, &nhflags), NO_ERROR);
  if (nhflags != RTM_NEXTHOP_CHANGE_NEW) ++failures;

  const char* prefixes[] = {"10.0.0.0", "10.1.0.0", "10.1.2.0"};
  const unsigned lens[] = {8, 16, 24};
  RTM_ROUTE_INFO* ri = calloc(1, RTM_SIZE_OF_ROUTE_INFO(profile.MaxNextHopsInRoute));
  RTM_ROUTE_HANDLE routes[3] = {0};
  for (int i = 0; i < 3; ++i) {
    RTM_NET_ADDRESS dest;
    ipv4(&dest, prefixes[i], lens[i]);
    memset(ri, 0, RTM_SIZE_OF_ROUTE_INFO(profile.MaxNextHopsInRoute));
    ri->PrefInfo.Preference = 120;
    ri->PrefInfo.Metric = (ULONG)i + 1;
    ri->BelongsToViews = RTM_VIEW_MASK_UCAST;
    ri->NextHopsList.NumNextHops = 1;
    ri->NextHopsList.NextHops[0] = nh;
    RTM_ROUTE_CHANGE_FLAGS changed = 0;
    EXPECT(RtmAddRouteToDest(h_proto, &routes[i], &dest, ri, INFINITE, NULL, 0, NULL, &changed),
           NO_ERROR);
    if (!(changed & RTM_ROUTE_CHANGE_NEW)) ++failures;
  }

  /* Drain: the callback signalled; read until ERROR_NO_MORE_ITEMS. */
  if (signals != 1) { fprintf(stderr, "expected one signal, got %d\n", signals); ++failures; }
  const size_t stride = RTM_SIZE_OF_DEST_INFO(profile.NumberOfViews);
  unsigned char* buf = calloc(2, stride);
  unsigned drained = 0;
  for (;;) {
    UINT n = 2;
    DWORD rc = RtmGetChangedDests(h_fib, notify, &n, (PRTM_DEST_INFO)buf);
    if (rc != NO_ERROR && rc != ERROR_NO_MORE_ITEMS) { ++failures; break; }
    if (n > 0) {
      /* The wrong release function is refused; the right one works. */
      EXPECT(RtmReleaseDests(h_fib, n, (PRTM_DEST_INFO)buf), ERROR_INVALID_PARAMETER);
      EXPECT(RtmReleaseChangedDests(h_fib, notify, n, (PRTM_DEST_INFO)buf), NO_ERROR);
    }
    drained += n;
    if (rc == ERROR_NO_MORE_ITEMS) break;
  }
  if (drained != 3) { fprintf(stderr, "drained %u, expected 3\n", drained); ++failures; }

  /* Longest-prefix match. */
  RTM_DEST_INFO* di = calloc(1, stride);
  RTM_NET_ADDRESS addr;
  ipv4(&addr, "10.1.2.77", 32);
  EXPECT(RtmGetMostSpecificDestination(h_fib, &addr, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, di),
         NO_ERROR);
  if (di->DestAddress.NumBits != 24 || di->ViewInfo[0].Route != routes[2]) ++failures;
  EXPECT(RtmReleaseDestInfo(h_fib, di), NO_ERROR);
  EXPECT(RtmReleaseDestInfo(h_fib, di), ERROR_INVALID_PARAMETER); /* double release */
  ipv4(&addr, "10.200.0.1", 32);
  EXPECT(RtmGetMostSpecificDestination(h_fib, &addr, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, di),
         NO_ERROR);
  if (di->DestAddress.NumBits != 8) ++failures;
  EXPECT(RtmReleaseDestInfo(h_fib, di), NO_ERROR);
  ipv4(&addr, "11.0.0.1", 32);
  EXPECT(RtmGetMostSpecificDestination(h_fib, &addr, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, di),
         ERROR_NOT_FOUND);

  /* Withdraw, release, deregister. */
  for (int i = 0; i < 3; ++i) {
    RTM_ROUTE_CHANGE_FLAGS changed = 0;
    EXPECT(RtmDeleteRouteToDest(h_proto, routes[i], &changed), NO_ERROR);
  }
  EXPECT(RtmReleaseRoutes(h_proto, 3, routes), NO_ERROR);
  EXPECT(RtmReleaseNextHops(h_proto, 1, &nh), NO_ERROR);
  EXPECT(RtmDeregisterFromChangeNotification(h_fib, notify), NO_ERROR);
  EXPECT(RtmDeregisterEntity(h_proto), NO_ERROR);
  EXPECT(RtmDeregisterEntity(h_fib), NO_ERROR);
  EXPECT(RtmDeregisterEntity(h_fib), ERROR_INVALID_HANDLE);

  free(ri);
  free(buf);
  free(di);
  printf("rtmv2_protocol: %s (%u changed destinations drained)\n", failures ? "FAILED" : "OK",
         drained);
  return failures ? 1 : 0;
}
