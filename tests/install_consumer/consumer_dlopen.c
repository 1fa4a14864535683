/* An outside C program that loads librtm with dlopen (as a plug-in host
 * would) rather than linking it: librtm's thread_locals use the
 * initial-exec TLS model (CMakeLists.txt), which a library loaded this way
 * must fit into glibc's static TLS surplus, and it must not force another
 * library's TLS into the static block (libstdc++, loaded and used before
 * librtm here, as by a host whose earlier plug-in was C++: its TLS is then
 * dynamic for good, and a librtm compiled with -ftls-model=initial-exec
 * failed to load). Runs the consumer_c sequence on the loading thread and
 * on a thread created after the load. */
#include <dlfcn.h>
#include <pthread.h>
#include <rtmv2/rtmv2.h>
#include <stdio.h>
#include <string.h>

static __typeof__(RtmRegisterEntity)* reg;
static __typeof__(RtmAddRouteToDest)* add;
static __typeof__(RtmGetExactMatchDestination)* exact;
static __typeof__(RtmReleaseDestInfo)* release;
static __typeof__(RtmDeregisterEntity)* dereg;

static int sequence(ULONG protocol) {
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
  info.AddressFamily = AF_INET;
  info.EntityId.EntityProtocolId = protocol;
  info.EntityId.EntityInstanceId = 1;
  if (reg(&info, NULL, NULL, FALSE, &profile, &me) != NO_ERROR) return 1;
  memset(&route, 0, sizeof route);
  route.BelongsToViews = RTM_VIEW_MASK_UCAST;
  memcpy(&addr, prefix, sizeof addr); /* network order */
  RTM_IPV4_MAKE_NET_ADDRESS(&dest, addr, 24);
  if (add(me, NULL, &dest, &route, INFINITE, NULL, 0, NULL, &changed) != NO_ERROR) return 2;
  if (exact(me, &dest, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, &found) != NO_ERROR) return 3;
  if (release(me, &found) != NO_ERROR) return 4;
  if (dereg(me) != NO_ERROR) return 5;
  return 0;
}

static void* on_thread(void* rc) {
  *(int*)rc = sequence(9);
  return NULL;
}

int main(int argc, char** argv) {
  void* lib;
  pthread_t t;
  int rc = -1;
  void* cxx;
  void* (*cxa_get_globals)(void);
  if (argc != 2) return 10;
  /* An earlier C++ plug-in: libstdc++ by dlopen, its TLS touched. */
  cxx = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
  if (cxx == NULL) return 14;
  cxa_get_globals = (void* (*)(void))dlsym(cxx, "__cxa_get_globals");
  if (cxa_get_globals == NULL || cxa_get_globals() == NULL) return 15;
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "consumer_dlopen: %s\n", dlerror());
    return 11;
  }
  reg = (__typeof__(reg))dlsym(lib, "RtmRegisterEntity");
  add = (__typeof__(add))dlsym(lib, "RtmAddRouteToDest");
  exact = (__typeof__(exact))dlsym(lib, "RtmGetExactMatchDestination");
  release = (__typeof__(release))dlsym(lib, "RtmReleaseDestInfo");
  dereg = (__typeof__(dereg))dlsym(lib, "RtmDeregisterEntity");
  if (!reg || !add || !exact || !release || !dereg) return 12;
  if ((rc = sequence(8)) != 0) return rc;
  if (pthread_create(&t, NULL, on_thread, &rc) != 0 || pthread_join(t, NULL) != 0) return 13;
  if (rc != 0) return 20 + rc;
  printf("consumer_dlopen: OK\n");
  return 0;
}
