/* An outside C program: registers, adds a route, looks it up, deregisters. */
#include <rtmv2/rtmv2.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  RTM_ENTITY_INFO info;
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE me = NULL;
  RTM_NET_ADDRESS dest;
  RTM_ROUTE_INFO route;
  RTM_DEST_INFO found;
  RTM_ROUTE_CHANGE_FLAGS changed = 0;
  const unsigned char prefix[4] = {192, 0, 2, 0}; /* 192.0.2.0/24 */
  ULONG addr;
  memset(&info, 0, sizeof info);
  info.RtmInstanceId = 0;
  info.AddressFamily = AF_INET;
  info.EntityId.EntityProtocolId = 8;
  info.EntityId.EntityInstanceId = 1;
  if (RtmRegisterEntity(&info, NULL, NULL, FALSE, &profile, &me) != NO_ERROR) return 1;
  memset(&route, 0, sizeof route);
  route.BelongsToViews = RTM_VIEW_MASK_UCAST;
  memcpy(&addr, prefix, sizeof addr); /* network order */
  RTM_IPV4_MAKE_NET_ADDRESS(&dest, addr, 24);
  if (RtmAddRouteToDest(me, NULL, &dest, &route, INFINITE, NULL, 0, NULL, &changed) != NO_ERROR)
    return 2;
  if (RtmGetExactMatchDestination(me, &dest, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, &found) !=
      NO_ERROR)
    return 3;
  if (RtmReleaseDestInfo(me, &found) != NO_ERROR) return 4;
  if (RtmDeregisterEntity(me) != NO_ERROR) return 5;
  printf("consumer_c: OK\n");
  return 0;
}
