/* rtmv2/rtmv2_ext.h — rtm extensions to the RTMv2 C API (not in RTMv2).
 *
 * Introspection a C client, a test or a fuzzer can use to check the
 * reference-count contract from outside: how many references an entity
 * holds, and how many destinations a table has; the forwarding fast
 * path (RtmxForward*, below); what an instance holds (RtmxGetStats); and
 * bulk writes (RtmxAddRoutes, RtmxDeleteRoutes). Prefixed Rtmx so they never collide with
 * RTMv2 names. Thread-safe like every RTMv2 call.
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

/* ---- forwarding fast path (rtm::Instance::forward, rtm/forwarding.h) -------------
 *
 * For forwarding threads: the next hops of the best route (any protocol;
 * held-down routes do not forward) of a view for an address, copied out by
 * value. No reference is taken, no lock, no allocation; wait-free (one
 * read section per call or batch) unless RtmxForward is asked for a Detail
 * (a table lookup). The results reference no handle: they stay valid
 * whatever writers do after the call.
 *
 * Consistency rule: each address's answer is the best route's next hops at
 * some moment during the call. A batch has no common moment: each address
 * has its own.
 *
 * RtmRegHandle only finds the instance, as cheaply as the registry allows
 * (the tag in the handle's top byte): it is NOT validated further and need
 * not be registered. Any non-NULL handle the instance issued (an entity's
 * of either family, registered or deregistered since, or a handle of
 * another kind) works; the call acts for no entity and both families
 * answer through it. NULL, or a handle that names no instance of the C API
 * -> ERROR_INVALID_HANDLE.
 *
 * ViewId: a view with a forwarding index. The C API's instances index the
 * unicast view only (RTM_VIEW_ID_UCAST); any other view ->
 * ERROR_INVALID_PARAMETER. */

#define RTMX_MAX_FORWARDING_HOPS 16 /* = rtm::kMaxNextHopsPerRoute */

/* One next hop as forwarding needs it: the next hop's address and
 * interface. AddrBits are in network order (an IPv4 address in the first 4
 * bytes, the other 12 zero); AddressFamily is AF_INET or AF_INET6;
 * Reserved is 0. 24 bytes, no padding. */
typedef struct _RTMX_FORWARDING_HOP {
  UCHAR AddrBits[RTM_MAX_ADDRESS_SIZE];
  USHORT AddressFamily;
  USHORT Reserved;
  ULONG InterfaceIndex;
} RTMX_FORWARDING_HOP, *PRTMX_FORWARDING_HOP;

/* The answer for one address: NumHops next hops of the best route, in the
 * route's order (0: no route in the view, or a route without next hops;
 * the call's result tells which). Entries past NumHops are not written.
 * 388 bytes. */
typedef struct _RTMX_FORWARDING_RESULT {
  UINT NumHops;
  RTMX_FORWARDING_HOP Hops[RTMX_MAX_FORWARDING_HOPS];
} RTMX_FORWARDING_RESULT, *PRTMX_FORWARDING_RESULT;

/* What RtmxForward adds when asked: the matched destination's prefix and
 * the handle values of the destination and of the best route, NOT
 * referenced (usable with the rest of the API only after
 * RtmReferenceHandles succeeds on them, which fails if the object went
 * meanwhile; never release them otherwise). The answer is the same as
 * without a detail (the index's at one moment of the call: the hops and
 * DestAddress); DestHandle and RouteHandle are those of that prefix and of
 * its best route, looked up after, when that route's next hops are still
 * the answer's, and both NULL when a writer changed or removed it in
 * between (NO_ERROR still: the answer holds for its moment). */
typedef struct _RTMX_FORWARDING_DETAIL {
  RTM_NET_ADDRESS DestAddress;
  RTM_DEST_HANDLE DestHandle;   /* NULL when no route */
  RTM_ROUTE_HANDLE RouteHandle; /* NULL when no route */
} RTMX_FORWARDING_DETAIL, *PRTMX_FORWARDING_DETAIL;

/* One address (AF_INET or AF_INET6; AddrBits used at full length, NumBits
 * ignored). NO_ERROR: a route (Result->NumHops next hops; 0 for a route that
 * has none); ERROR_NOT_FOUND: no route (Result->NumHops = 0);
 * ERROR_INVALID_PARAMETER: Address or Result NULL, a view without an index,
 * another family. Detail is optional (NULL: not wanted); with it the call
 * is slower (a table lookup); on ERROR_NOT_FOUND *Detail is zeroed.
 * Nothing is written on ERROR_INVALID_PARAMETER or ERROR_INVALID_HANDLE. */
DWORD WINAPI RtmxForward(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                         const RTM_NET_ADDRESS* Address, PRTMX_FORWARDING_RESULT Result,
                         PRTMX_FORWARDING_DETAIL Detail);

/* Batches: Results[i] answers Addresses[i], for i < Count. *NumFound (if
 * NumFound is non-NULL) gets the number of addresses with a route. NO_ERROR
 * unless ERROR_INVALID_PARAMETER: Addresses or Results NULL with Count > 0,
 * or a view without an index (nothing written then). rtm rule: Count 0 is
 * not bad input: NO_ERROR, *NumFound = 0, the arrays may be NULL (the handle
 * and the view are still checked).
 * RtmxForwardBatch4: IPv4 addresses as 32-bit values in HOST order (ntohl of
 * the packet's field), the index's own key: no conversion. */
DWORD WINAPI RtmxForwardBatch4(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                               const ULONG* Addresses, UINT Count,
                               PRTMX_FORWARDING_RESULT Results, PUINT NumFound);
/* RtmxForwardBatch6: AF_INET6 addresses (AddrBits used at full length,
 * NumBits ignored); an entry of another family gets NumHops 0 and does not
 * count as found. */
DWORD WINAPI RtmxForwardBatch6(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                               const RTM_NET_ADDRESS* Addresses, UINT Count,
                               PRTMX_FORWARDING_RESULT Results, PUINT NumFound);

/* ---- forwarding sessions (rtm::ForwardingSession, rtm/forwarding.h) ---------------
 *
 * The zero-copy reader for a forwarding thread's burst: open a session,
 * look up any number of addresses, close it. A lookup returns a pointer to
 * the next hops themselves (the record of a next-hop group the index
 * shares among prefixes), not a copy; the record stays valid and unchanged
 * until the session is closed, whatever writers do meanwhile. Opening and
 * closing take no lock, no count, no allocation: a session is one read
 * section (as a DPDK loop reports one RCU quiescent state per burst), and
 * writers never wait for it, but memory retired during a session is
 * reused only after it closes: keep a session to a burst.
 *
 * Consistency rule: each lookup answers the best route's next hops at some
 * moment between the session's opening and the lookup's return. Two
 * lookups of one session can see different states (a writer's change may
 * fall between them); a record a lookup returned does not change.
 *
 * The session lives in caller storage (typically the stack) and belongs to
 * the thread that opened it:
 *  - sessions of one thread nest; close them in the reverse order of
 *    opening (a session opened inside another keeps the outer one's
 *    protection; closing the outer first would end it);
 *  - other API calls may be made inside a session;
 *  - a thread closes its sessions before it exits.
 *
 * Lookups do not return errors: a NULL session, one not open (never opened,
 * a failed open, closed), and an address of another family answer "no
 * route" (a record with NumHops 0), never NULL. A session is recognised as
 * open by a 64-bit magic value and its own address in its first words, so
 * a copy of a session is not a session (it answers "no route" and cannot be
 * closed); zero-initialise one (RTMX_FORWARDING_SESSION s = {0};) that may
 * be looked up or closed before an open. */

typedef struct _RTMX_FORWARDING_SESSION {
  PVOID Reserved[16]; /* the library's; never written by the caller */
} RTMX_FORWARDING_SESSION, *PRTMX_FORWARDING_SESSION;

/* Opens Session on the calling thread for ViewId (the instance found from
 * RtmRegHandle as RtmxForward finds it). NO_ERROR: open; close it with
 * RtmxCloseForwardingSession on this thread. Otherwise the session is left
 * not open (its lookups answer "no route"; do not close it):
 * ERROR_INVALID_HANDLE as RtmxForward; ERROR_INVALID_PARAMETER: Session
 * NULL, or a view without an index; ERROR_NOT_SUPPORTED: the instance's
 * index was given up after an allocation failure (rtm's degraded mode:
 * RtmxForward still answers, from the table). Opening a session that is
 * open already -> ERROR_INVALID_PARAMETER, and it stays open as it was. */
DWORD WINAPI RtmxOpenForwardingSession(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                                       PRTMX_FORWARDING_SESSION Session);

/* Closes a session this thread opened. NO_ERROR: closed (its records must
 * not be read any more). Nothing changes on an error:
 * ERROR_INVALID_PARAMETER: Session NULL; ERROR_INVALID_HANDLE: not an open
 * session (closed already, or never opened); ERROR_ACCESS_DENIED: another
 * thread opened it; ERROR_CAN_NOT_COMPLETE: a session this thread opened
 * after it is still open (close that one first; a C++ rtm::ForwardingSession
 * opened inside it counts too). A thread that exits with a session open
 * leaves that storage unusable (zero it before reuse). Only the opening
 * thread may open or close a session; another thread's close is refused,
 * but must not run at the same time as the owner's open or close. */
DWORD WINAPI RtmxCloseForwardingSession(PRTMX_FORWARDING_SESSION Session);

/* The next hops of an IPv4 address (HOST order, as RtmxForwardBatch4) or
 * of a full-length IPv6 address (16 bytes, network order), or of an
 * RTM_NET_ADDRESS of either family (AddrBits at full length, NumBits
 * ignored). Never NULL. */
const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup4(const RTMX_FORWARDING_SESSION* Session,
                                                        ULONG Address);
const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup6(const RTMX_FORWARDING_SESSION* Session,
                                                        const UCHAR* Address16);
const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup(const RTMX_FORWARDING_SESSION* Session,
                                                       const RTM_NET_ADDRESS* Address);

/* Batches: Results[i] = the record for Addresses[i], for i < Count (the
 * loads of 16 addresses overlap, as rte_fib's bulk lookup); *NumFound (if
 * non-NULL) = the number with a route. NO_ERROR, or
 * ERROR_INVALID_PARAMETER for Addresses or Results NULL with Count > 0
 * (nothing written). A session not open answers "no route" for every
 * address, with NO_ERROR. RtmxSessionLookupBatch6: an entry of another
 * family than AF_INET6 gets "no route". */
DWORD WINAPI RtmxSessionLookupBatch4(const RTMX_FORWARDING_SESSION* Session, const ULONG* Addresses,
                                     UINT Count, const RTMX_FORWARDING_RESULT** Results,
                                     PUINT NumFound);
DWORD WINAPI RtmxSessionLookupBatch6(const RTMX_FORWARDING_SESSION* Session,
                                     const RTM_NET_ADDRESS* Addresses, UINT Count,
                                     const RTMX_FORWARDING_RESULT** Results, PUINT NumFound);

/* ---- what the instance holds (rtm::Instance::stats, rtm/stats.h) ---------------
 *
 * Counts per family, bytes in use per object kind, and the calling
 * entity's own figures, read on their own while writers may run (exact
 * when nothing writes). Bytes are the live objects' counts times their
 * sizes (rtm/stats.h lists what is left out); RSS is the ground truth.
 * ERROR_INVALID_HANDLE for a bad RtmRegHandle (it must be a registered
 * entity), ERROR_INVALID_PARAMETER for a NULL Stats,
 * ERROR_NOT_ENOUGH_MEMORY if the figures could not be gathered. */

/* Indexes of RTMX_STATS.Memory (the order of rtm::MemoryKind). */
#define RTMX_MEMORY_DESTINATIONS 0
#define RTMX_MEMORY_ROUTES 1
#define RTMX_MEMORY_ROUTE_VERSIONS 2
#define RTMX_MEMORY_ROUTE_SETS 3
#define RTMX_MEMORY_NEXT_HOPS 4
#define RTMX_MEMORY_ENTITIES 5
#define RTMX_MEMORY_MAP_NODES 6
#define RTMX_MEMORY_MAP_BUCKETS 7
#define RTMX_MEMORY_HANDLE_SLOTS 8
#define RTMX_MEMORY_FORWARDING 9
#define RTMX_MEMORY_KINDS 10

typedef struct _RTMX_MEMORY_USE {
  ULONGLONG Objects;
  ULONGLONG Bytes;
  ULONGLONG PooledBytes; /* no pools yet: 0 */
} RTMX_MEMORY_USE, *PRTMX_MEMORY_USE;

typedef struct _RTMX_STATS {
  ULONGLONG Destinations[2]; /* [0] AF_INET, [1] AF_INET6 */
  ULONGLONG Routes[2];
  ULONGLONG NextHops[2];
  RTMX_MEMORY_USE Memory[RTMX_MEMORY_KINDS];
  ULONGLONG BytesInUse;      /* the sum of Memory[].Bytes */
  ULONGLONG RetiredNotFreed; /* process-wide: retired, waiting for a scan */
  ULONGLONG HoldRecords;     /* process-wide: per-(entity, object) hold records */
  UINT NumEntities;          /* registered, both families */
  UINT NumRegistrations;     /* change-notification registrations */
  ULONGLONG QueuedDests;     /* changed destinations queued, summed over them */
  /* The calling entity's own. */
  ULONGLONG EntityRoutes;
  ULONGLONG EntityNextHops;
  ULONGLONG EntityHeldReferences;
} RTMX_STATS, *PRTMX_STATS;

DWORD WINAPI RtmxGetStats(RTM_ENTITY_HANDLE RtmRegHandle, PRTMX_STATS Stats);

/* ---- bulk writes (rtm::Instance::add_routes / delete_routes) -------------------
 *
 * For loaders and peer resets: RtmAddRouteToDest (RtmDeleteRouteToDest) for
 * each of NumRoutes items in order, for one caller and one route list,
 * without the per-call work of NumRoutes calls (the caller is resolved once
 * per call, and the cache misses of the next route overlap the current
 * one's). Items are independent: each gets in Status what its single call
 * would have returned, and, on NO_ERROR, its outputs; a failed item
 * changes nothing and does not stop the items after it.
 *
 * Returns NO_ERROR when every item succeeded, else the first failed item's
 * Status. ERROR_INVALID_PARAMETER with nothing done (no Status written) for
 * Routes NULL with NumRoutes > 0. ERROR_INVALID_HANDLE for a bad
 * RtmRegHandle, and RtmxAddRoutes' errors of RouteListHandle (as
 * RtmAddRouteToDest's), with nothing done and every Status set to it.
 * NumRoutes 0 (Routes may be NULL): nothing done, after checking the caller
 * (and the list) as above. */

/* One route of RtmxAddRoutes: RtmAddRouteToDest's arguments (NotifyType and
 * NotifyHandle, which RTMv2 uses only to skip the caller's own
 * notification, are not taken). RouteHandle, DestAddress and RouteInfo as
 * there (RouteHandle optional, in/out; RouteInfo's NextHopsList holds
 * RouteInfo->NextHopsList.NumNextHops entries); ChangeFlags in/out as
 * there: on success it holds RTM_ROUTE_CHANGE_NEW for a route created, so
 * reset it before submitting the array again (RTM_ROUTE_CHANGE_NEW on
 * input forces a new route); Status out. The RouteHandle pointers of one
 * call must not alias (each is read before and written after its chunk of
 * 64 items runs). */
typedef struct _RTMX_ROUTE_ADD {
  PRTM_ROUTE_HANDLE RouteHandle;
  PRTM_NET_ADDRESS DestAddress;
  PRTM_ROUTE_INFO RouteInfo;
  ULONG TimeToLive;
  RTM_ROUTE_CHANGE_FLAGS ChangeFlags;
  DWORD Status;
} RTMX_ROUTE_ADD, *PRTMX_ROUTE_ADD;

DWORD WINAPI RtmxAddRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                           UINT NumRoutes, PRTMX_ROUTE_ADD Routes);

/* One route of RtmxDeleteRoutes: ChangeFlags and Status out. */
typedef struct _RTMX_ROUTE_DELETE {
  RTM_ROUTE_HANDLE RouteHandle;
  RTM_ROUTE_CHANGE_FLAGS ChangeFlags;
  DWORD Status;
} RTMX_ROUTE_DELETE, *PRTMX_ROUTE_DELETE;

DWORD WINAPI RtmxDeleteRoutes(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumRoutes,
                              PRTMX_ROUTE_DELETE Routes);

#ifdef __cplusplus
}
#endif

#endif /* RTMV2_RTMV2_EXT_H */
