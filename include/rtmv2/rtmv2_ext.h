/* rtmv2/rtmv2_ext.h — rtm extensions to the RTMv2 C API (not in RTMv2).
 *
 * Introspection a C client, a test or a fuzzer can use to check the
 * reference-count contract from outside: how many references an entity
 * holds, and how many destinations a table has. Prefixed Rtmx so they never
 * collide with RTMv2 names. Thread-safe like every RTMv2 call.
 */
#ifndef RTMV2_RTMV2_EXT_H
#define RTMV2_RTMV2_EXT_H

#include <rtmv2/rtmv2.h>

#ifdef __cplusplus
extern "C" {
#endif

/* References (to entities, destinations, routes, next hops) the entity
 * holds right now, including those in infos from RtmGetChangedDests.
 * ERROR_INVALID_HANDLE for a bad RtmRegHandle, ERROR_INVALID_PARAMETER for a
 * NULL Count. */
DWORD WINAPI RtmxGetHeldReferences(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count);

/* Destinations in the table of the entity's address family. */
DWORD WINAPI RtmxGetDestCount(RTM_ENTITY_HANDLE RtmRegHandle, PULONG Count);

/* Frees now whatever memory reclamation can free from the calling thread
 * (objects whose last reference went are otherwise freed a little later,
 * by hazard-pointer scans). After it, a handle of a freed object is stale
 * everywhere (ERROR_INVALID_HANDLE). For tests; never needed for safety. */
VOID WINAPI RtmxReclaimNow(VOID);

#ifdef __cplusplus
}
#endif

#endif /* RTMV2_RTMV2_EXT_H */
