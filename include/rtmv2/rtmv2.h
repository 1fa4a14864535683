/* rtmv2.h — the Routing Table Manager version 2 (RTMv2) C API over rtm.
 *
 * Function names, signatures, structures (field names and order), constants
 * and return codes are those of the documented RTMv2 interface, so code
 * written against it compiles and runs. Return values are Windows error
 * codes (NO_ERROR, ERROR_INVALID_HANDLE, ...). Where RTMv2 leaves a behaviour
 * open (misuse, concurrency) rtm's rule is stated at the function.
 *
 * Compiles as C11 and as C++17 (RTM_ENTITY_ID's anonymous struct needs C11).
 * Linux differences: AF_INET6 is the platform's (10), handles are opaque
 * 64-bit values (never pointers: stale and forged handles are detected),
 * and WINAPI expands to nothing.
 *
 * Reference counting: every handle the library returns, alone or inside an
 * info structure, carries one reference owned by the calling entity until
 * it is given back with the release call of its kind. Infos returned by
 * RtmGetChangedDests are released only with RtmReleaseChangedDests;
 * RtmReleaseDests / RtmReleaseDestInfo on them is refused with
 * ERROR_INVALID_PARAMETER (when the entity holds no ordinary reference on
 * the same objects; counts are never corrupted either way).
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef RTMV2_RTMV2_H
#define RTMV2_RTMV2_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows types (fixed sizes) ---------------------------------------- */

#ifndef RTMV2_NO_WINDOWS_TYPES
typedef uint32_t DWORD;
typedef unsigned int UINT;
typedef uint32_t ULONG;
typedef uint16_t USHORT;
typedef uint8_t UCHAR;
typedef int32_t BOOL;
typedef uint64_t ULONGLONG;
typedef int INT;
typedef void* PVOID;
typedef void* HANDLE;
typedef UINT* PUINT;
typedef BOOL* PBOOL;
typedef DWORD* PDWORD;
typedef ULONG* PULONG;
typedef HANDLE* PHANDLE;
#ifndef VOID
#define VOID void
#endif
typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME, *PFILETIME;
#endif
#ifndef WINAPI
#define WINAPI
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
typedef struct in6_addr IN6_ADDR;

/* ---- return codes (Windows values) --------------------------------------- */

#define NO_ERROR 0
#define ERROR_ACCESS_DENIED 5
#define ERROR_INVALID_HANDLE 6
#define ERROR_NOT_ENOUGH_MEMORY 8
#define ERROR_NOT_SUPPORTED 50
#define ERROR_INVALID_PARAMETER 87
#define ERROR_INSUFFICIENT_BUFFER 122
#define ERROR_NO_MORE_ITEMS 259
#define ERROR_CAN_NOT_COMPLETE 1003
#define ERROR_NOT_FOUND 1168
#define ERROR_NO_SYSTEM_RESOURCES 1450

/* ---- handles and flag types ----------------------------------------------- */

typedef HANDLE RTM_ENTITY_HANDLE, *PRTM_ENTITY_HANDLE;
typedef HANDLE RTM_DEST_HANDLE, *PRTM_DEST_HANDLE;
typedef HANDLE RTM_ROUTE_HANDLE, *PRTM_ROUTE_HANDLE;
typedef HANDLE RTM_NEXTHOP_HANDLE, *PRTM_NEXTHOP_HANDLE;
typedef HANDLE RTM_ENUM_HANDLE, *PRTM_ENUM_HANDLE;
typedef HANDLE RTM_ROUTE_LIST_HANDLE, *PRTM_ROUTE_LIST_HANDLE;
typedef HANDLE RTM_NOTIFY_HANDLE, *PRTM_NOTIFY_HANDLE;

typedef DWORD RTM_VIEW_SET, *PRTM_VIEW_SET;
typedef DWORD RTM_ROUTE_CHANGE_FLAGS, *PRTM_ROUTE_CHANGE_FLAGS;
typedef DWORD RTM_NEXTHOP_CHANGE_FLAGS, *PRTM_NEXTHOP_CHANGE_FLAGS;
typedef DWORD RTM_MATCH_FLAGS, *PRTM_MATCH_FLAGS;
typedef DWORD RTM_ENUM_FLAGS, *PRTM_ENUM_FLAGS;
typedef DWORD RTM_NOTIFY_FLAGS, *PRTM_NOTIFY_FLAGS;
typedef DWORD RTM_ENTITY_METHOD_TYPE, *PRTM_ENTITY_METHOD_TYPE;
typedef INT RTM_VIEW_ID, *PRTM_VIEW_ID;

/* ---- constants --------------------------------------------------------------- */

#define RTM_MAX_ADDRESS_SIZE 16
#define RTM_MAX_VIEWS 32
#define RTM_VIEW_ID_UCAST 0
#define RTM_VIEW_ID_MCAST 1
#define RTM_VIEW_MASK_SIZE 0x20
#define RTM_VIEW_MASK_NONE 0x00000000
#define RTM_VIEW_MASK_ANY 0x00000000
#define RTM_VIEW_MASK_UCAST 0x00000001
#define RTM_VIEW_MASK_MCAST 0x00000002
#define RTM_VIEW_MASK_ALL 0xFFFFFFFF

#define RTM_DEST_FLAG_NATURAL_NET 0x01
#define RTM_DEST_FLAG_FWD_ENGIN_ADD 0x02
#define RTM_DEST_FLAG_DONT_FORWARD 0x04

#define RTM_ROUTE_STATE_CREATED 0
#define RTM_ROUTE_STATE_DELETING 1
#define RTM_ROUTE_STATE_DELETED 2

#define RTM_ROUTE_FLAGS_MARTIAN 0x0001
#define RTM_ROUTE_FLAGS_BLACKHOLE 0x0002
#define RTM_ROUTE_FLAGS_DISCARD 0x0004
#define RTM_ROUTE_FLAGS_INACTIVE 0x0008
#define RTM_ROUTE_FLAGS_LOCAL 0x0010
#define RTM_ROUTE_FLAGS_REMOTE 0x0020
#define RTM_ROUTE_FLAGS_MYSELF 0x0040
#define RTM_ROUTE_FLAGS_LOOPBACK 0x0080
#define RTM_ROUTE_FLAGS_MCAST 0x0100
#define RTM_ROUTE_FLAGS_LOCAL_MCAST 0x0200
#define RTM_ROUTE_FLAGS_LIMITED_BC 0x0400
#define RTM_ROUTE_FLAGS_ZEROS_NETBC 0x1000
#define RTM_ROUTE_FLAGS_ZEROS_SUBNETBC 0x2000
#define RTM_ROUTE_FLAGS_ONES_NETBC 0x4000
#define RTM_ROUTE_FLAGS_ONES_SUBNETBC 0x8000
#define RTM_ROUTE_FLAGS_FORWARDING \
  (RTM_ROUTE_FLAGS_MARTIAN | RTM_ROUTE_FLAGS_BLACKHOLE | RTM_ROUTE_FLAGS_DISCARD | \
   RTM_ROUTE_FLAGS_INACTIVE)
#define RTM_ROUTE_FLAGS_ANY_UNICAST \
  (RTM_ROUTE_FLAGS_LOCAL | RTM_ROUTE_FLAGS_REMOTE | RTM_ROUTE_FLAGS_MYSELF)

#define RTM_NEXTHOP_STATE_CREATED 0
#define RTM_NEXTHOP_STATE_DELETED 1
#define RTM_NEXTHOP_FLAGS_REMOTE 0x0001
#define RTM_NEXTHOP_FLAGS_DOWN 0x0002

#define RTM_RESUME_METHODS 0
#define RTM_BLOCK_METHODS 1
#define METHOD_TYPE_ALL_METHODS 0xFFFFFFFF

#define RTM_ROUTE_CHANGE_FIRST 0x01
#define RTM_ROUTE_CHANGE_NEW 0x02
#define RTM_ROUTE_CHANGE_BEST 0x00010000
#define RTM_NEXTHOP_CHANGE_NEW 0x01

#define RTM_MATCH_NONE 0x00000000
#define RTM_MATCH_OWNER 0x00000001
#define RTM_MATCH_NEIGHBOUR 0x00000002
#define RTM_MATCH_PREF 0x00000004
#define RTM_MATCH_NEXTHOP 0x00000008
#define RTM_MATCH_INTERFACE 0x00000010
#define RTM_MATCH_FULL 0x0000FFFF

#define RTM_BEST_PROTOCOL ((ULONG)0)
#define RTM_THIS_PROTOCOL ((ULONG)~0)

#define RTM_ENUM_START 0x00000000
#define RTM_ENUM_NEXT 0x00000001
#define RTM_ENUM_RANGE 0x00000002
#define RTM_ENUM_ALL_DESTS 0x00000000
#define RTM_ENUM_OWN_DESTS 0x01000000
#define RTM_ENUM_ALL_ROUTES 0x00000000
#define RTM_ENUM_OWN_ROUTES 0x00010000

#define RTM_NUM_CHANGE_TYPES 3
#define RTM_CHANGE_TYPE_ALL 0x0001
#define RTM_CHANGE_TYPE_BEST 0x0002
#define RTM_CHANGE_TYPE_FORWARDING 0x0004
#define RTM_NOTIFY_ONLY_MARKED_DESTS 0x00010000

#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif

/* ---- structures ----------------------------------------------------------------- */

typedef struct _RTM_NET_ADDRESS {
  USHORT AddressFamily;
  USHORT NumBits;
  UCHAR AddrBits[RTM_MAX_ADDRESS_SIZE];
} RTM_NET_ADDRESS, *PRTM_NET_ADDRESS;

typedef struct _RTM_PREF_INFO {
  ULONG Metric;
  ULONG Preference;
} RTM_PREF_INFO, *PRTM_PREF_INFO;

typedef struct _RTM_NEXTHOP_LIST {
  USHORT NumNextHops;
  RTM_NEXTHOP_HANDLE NextHops[1];
} RTM_NEXTHOP_LIST, *PRTM_NEXTHOP_LIST;

typedef struct _RTM_DEST_INFO {
  RTM_DEST_HANDLE DestHandle;
  RTM_NET_ADDRESS DestAddress;
  FILETIME LastChanged;
  RTM_VIEW_SET BelongsToViews;
  UINT NumberOfViews;
  struct {
    RTM_VIEW_ID ViewId;
    UINT NumRoutes;
    RTM_ROUTE_HANDLE Route;
    RTM_ENTITY_HANDLE Owner;
    DWORD DestFlags;
    RTM_ROUTE_HANDLE HoldRoute;
  } ViewInfo[1];
} RTM_DEST_INFO, *PRTM_DEST_INFO;

#define RTM_BASIC_DEST_INFO_SIZE offsetof(RTM_DEST_INFO, ViewInfo)
#define RTM_DEST_VIEW_INFO_SIZE (sizeof(RTM_DEST_INFO) - RTM_BASIC_DEST_INFO_SIZE)
#define RTM_SIZE_OF_DEST_INFO(NumViews) \
  (RTM_BASIC_DEST_INFO_SIZE + (NumViews) * RTM_DEST_VIEW_INFO_SIZE)

typedef struct _RTM_ROUTE_INFO {
  RTM_DEST_HANDLE DestHandle;
  RTM_ENTITY_HANDLE RouteOwner;
  RTM_NEXTHOP_HANDLE Neighbour;
  UCHAR State;
  UCHAR Flags1;
  USHORT Flags;
  RTM_PREF_INFO PrefInfo;
  RTM_VIEW_SET BelongsToViews;
  PVOID EntitySpecificInfo;
  RTM_NEXTHOP_LIST NextHopsList;
} RTM_ROUTE_INFO, *PRTM_ROUTE_INFO;

#define RTM_BASIC_ROUTE_INFO_SIZE offsetof(RTM_ROUTE_INFO, NextHopsList.NumNextHops)
#define RTM_SIZE_OF_ROUTE_INFO(NumHops) \
  (RTM_BASIC_ROUTE_INFO_SIZE + offsetof(RTM_NEXTHOP_LIST, NextHops) + \
   (NumHops) * sizeof(RTM_NEXTHOP_HANDLE))

typedef struct _RTM_NEXTHOP_INFO {
  RTM_NET_ADDRESS NextHopAddress;
  RTM_ENTITY_HANDLE NextHopOwner;
  ULONG InterfaceIndex;
  USHORT State;
  USHORT Flags;
  PVOID EntitySpecificInfo;
  RTM_DEST_HANDLE RemoteNextHop;
} RTM_NEXTHOP_INFO, *PRTM_NEXTHOP_INFO;

typedef struct _RTM_ENTITY_ID {
  union {
    struct {
      ULONG EntityProtocolId;
      ULONG EntityInstanceId;
    };
    ULONGLONG EntityId;
  };
} RTM_ENTITY_ID, *PRTM_ENTITY_ID;

typedef struct _RTM_ENTITY_INFO {
  USHORT RtmInstanceId;
  USHORT AddressFamily;
  RTM_ENTITY_ID EntityId;
} RTM_ENTITY_INFO, *PRTM_ENTITY_INFO;

typedef struct _RTM_REGN_PROFILE {
  UINT MaxNextHopsInRoute;
  UINT MaxHandlesInEnum;
  RTM_VIEW_SET ViewsSupported;
  UINT NumberOfViews;
} RTM_REGN_PROFILE, *PRTM_REGN_PROFILE;

typedef struct _RTM_ENTITY_METHOD_INPUT {
  RTM_ENTITY_METHOD_TYPE MethodType;
  UINT InputSize;
  UCHAR InputData[1];
} RTM_ENTITY_METHOD_INPUT, *PRTM_ENTITY_METHOD_INPUT;

typedef struct _RTM_ENTITY_METHOD_OUTPUT {
  RTM_ENTITY_METHOD_TYPE MethodType;
  DWORD MethodStatus;
  UINT OutputSize;
  UCHAR OutputData[1];
} RTM_ENTITY_METHOD_OUTPUT, *PRTM_ENTITY_METHOD_OUTPUT;

typedef VOID (*RTM_ENTITY_EXPORT_METHOD)(RTM_ENTITY_HANDLE CallerHandle,
                                         RTM_ENTITY_HANDLE CalleeHandle,
                                         RTM_ENTITY_METHOD_INPUT* Input,
                                         RTM_ENTITY_METHOD_OUTPUT* Output);
typedef RTM_ENTITY_EXPORT_METHOD* PRTM_ENTITY_EXPORT_METHOD;

typedef struct _RTM_ENTITY_EXPORT_METHODS {
  UINT NumMethods;
  RTM_ENTITY_EXPORT_METHOD Methods[1];
} RTM_ENTITY_EXPORT_METHODS, *PRTM_ENTITY_EXPORT_METHODS;

typedef enum _RTM_EVENT_TYPE {
  RTM_ENTITY_REGISTERED = 0,
  RTM_ENTITY_DEREGISTERED = 1,
  RTM_ROUTE_EXPIRED = 2,
  RTM_CHANGE_NOTIFICATION = 3
} RTM_EVENT_TYPE, *PRTM_EVENT_TYPE;

/* An entity's event callback. It runs with no library lock held and may
 * call the API again, re-entrantly to any depth (RTM_CHANGE_NOTIFICATION is
 * delivered as the calling thread's outermost API call returns; one caused
 * inside a callback or an entity method is delivered after that callback or
 * method returns). RTM_ROUTE_EXPIRED runs
 * on the instance's timer thread.
 * RtmDeregisterEntity and callbacks in flight: when it returns, no callback
 * of the entity is running on any thread and none will start; it waits for
 * callbacks that had started (they still see the entity registered). Called
 * from inside an event callback (of that entity or of another, on the
 * calling thread), it does not wait: callbacks of the entity already running
 * on other threads may still be running, or about to call out (those that
 * passed their registered check before), when it returns;
 * a callback may so deregister its own entity without deadlock. */
typedef DWORD (*RTM_EVENT_CALLBACK)(RTM_ENTITY_HANDLE RtmRegHandle, RTM_EVENT_TYPE EventType,
                                    PVOID Context1, PVOID Context2);

/* ---- IPv4 helper macros (address and mask in network order) ------------------ */

#define RTM_IPV4_MASK_FROM_LEN(Len) \
  ((Len) == 0 ? (ULONG)0 : htonl((ULONG)(0xFFFFFFFFu << (32 - (Len)))))
#define RTM_IPV4_LEN_FROM_MASK(Len, Mask) \
  do { (Len) = (USHORT)__builtin_popcount((unsigned)(Mask)); } while (0)
#define RTM_IPV4_MAKE_NET_ADDRESS(NetAddress, Addr, Len) \
  RTM_IPV4_SET_ADDR_AND_LEN(NetAddress, Addr, Len)
#define RTM_IPV4_SET_ADDR_AND_LEN(NetAddress, Addr, Len)                          \
  do {                                                                             \
    ULONG rtm_addr__ = (ULONG)(Addr);                                              \
    (NetAddress)->AddressFamily = AF_INET;                                         \
    (NetAddress)->NumBits = (USHORT)(Len);                                         \
    __builtin_memset((NetAddress)->AddrBits, 0, RTM_MAX_ADDRESS_SIZE);             \
    __builtin_memcpy((NetAddress)->AddrBits, &rtm_addr__, sizeof rtm_addr__);     \
  } while (0)
#define RTM_IPV4_GET_ADDR_AND_LEN(Addr, Len, NetAddress)                          \
  do {                                                                             \
    __builtin_memcpy(&(Addr), (NetAddress)->AddrBits, sizeof(ULONG));              \
    (Len) = (NetAddress)->NumBits;                                                 \
  } while (0)
#define RTM_IPV4_SET_ADDR_AND_MASK(NetAddress, Addr, Mask)                        \
  do {                                                                             \
    USHORT rtm_len__;                                                              \
    RTM_IPV4_LEN_FROM_MASK(rtm_len__, Mask);                                       \
    RTM_IPV4_SET_ADDR_AND_LEN(NetAddress, Addr, rtm_len__);                        \
  } while (0)
#define RTM_IPV4_GET_ADDR_AND_MASK(Addr, Mask, NetAddress)                        \
  do {                                                                             \
    __builtin_memcpy(&(Addr), (NetAddress)->AddrBits, sizeof(ULONG));              \
    (Mask) = RTM_IPV4_MASK_FROM_LEN((NetAddress)->NumBits);                        \
  } while (0)

/* ---- functions ------------------------------------------------------------------------
 * Every function returns a DWORD error code. Common to all (rtm rules where
 * RTMv2 is silent): a NULL, unknown, stale or wrong-kind RtmRegHandle or
 * handle argument -> ERROR_INVALID_HANDLE; a NULL required pointer, bad
 * address family, NumBits beyond the family's width or host bits set beyond
 * NumBits, a view set outside the entity's profile, a count of 0 where items
 * are needed -> ERROR_INVALID_PARAMETER; an operation on an object the
 * caller does not own -> ERROR_ACCESS_DENIED; a release of a handle the
 * caller holds no reference on, a second release, the wrong release
 * function -> ERROR_INVALID_PARAMETER (ERROR_INVALID_HANDLE if the handle no
 * longer exists), with no count changed. Where RTMv2 leaves the behaviour
 * of enumerations, methods, locks, pointers, hold-down and expiry open,
 * the rtm rules are in the README ("Where RTMv2 leaves room").
 */

/* Registration */
DWORD WINAPI RtmRegisterEntity(PRTM_ENTITY_INFO RtmEntityInfo,
                               PRTM_ENTITY_EXPORT_METHODS ExportMethods,
                               RTM_EVENT_CALLBACK EventCallback, BOOL ReserveOpaquePointer,
                               PRTM_REGN_PROFILE RtmRegProfile, PRTM_ENTITY_HANDLE RtmRegHandle);
DWORD WINAPI RtmDeregisterEntity(RTM_ENTITY_HANDLE RtmRegHandle);
DWORD WINAPI RtmGetRegisteredEntities(RTM_ENTITY_HANDLE RtmRegHandle, PUINT NumEntities,
                                      PRTM_ENTITY_HANDLE EntityHandles,
                                      PRTM_ENTITY_INFO EntityInfos);
DWORD WINAPI RtmReleaseEntities(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumEntities,
                                PRTM_ENTITY_HANDLE EntityHandles);
DWORD WINAPI RtmLockDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                BOOL Exclusive, BOOL LockDest);
DWORD WINAPI RtmGetOpaqueInformationPointer(RTM_ENTITY_HANDLE RtmRegHandle,
                                            RTM_DEST_HANDLE DestHandle,
                                            PVOID* OpaqueInfoPointer);
DWORD WINAPI RtmGetEntityMethods(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                                 PUINT NumMethods, PRTM_ENTITY_EXPORT_METHOD ExptMethods);
DWORD WINAPI RtmInvokeMethod(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                             PRTM_ENTITY_METHOD_INPUT Input, PUINT OutputSize,
                             PRTM_ENTITY_METHOD_OUTPUT Output);
DWORD WINAPI RtmBlockMethods(RTM_ENTITY_HANDLE RtmRegHandle, HANDLE TargetHandle,
                             UCHAR TargetType, DWORD BlockingFlag);

/* Information and handle release.
 * rtm rule: a release of 0 items (RtmReleaseEntities, RtmReleaseDests,
 * RtmReleaseRoutes, RtmReleaseNextHops, RtmDereferenceHandles,
 * RtmReleaseChangedDests with a count of 0) succeeds and does nothing; the
 * array may then be NULL. The caller handle (and RtmReleaseChangedDests'
 * notify handle) is still checked. Gets that take a capacity refuse 0. */
DWORD WINAPI RtmGetEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                              PRTM_ENTITY_INFO EntityInfo);
DWORD WINAPI RtmReleaseEntityInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ENTITY_INFO EntityInfo);
DWORD WINAPI RtmGetDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                            ULONG ProtocolId, RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo);
DWORD WINAPI RtmReleaseDestInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_DEST_INFO DestInfo);
DWORD WINAPI RtmGetRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                             PRTM_ROUTE_INFO RouteInfo, PRTM_NET_ADDRESS DestAddress);
DWORD WINAPI RtmReleaseRouteInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_INFO RouteInfo);
DWORD WINAPI RtmGetNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                               PRTM_NEXTHOP_INFO NextHopInfo);
DWORD WINAPI RtmReleaseNextHopInfo(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo);
/* DestInfos is an array of NumDests infos, each RTM_SIZE_OF_DEST_INFO(
 * profile.NumberOfViews) bytes apart. Not for infos from RtmGetChangedDests. */
DWORD WINAPI RtmReleaseDests(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumDests,
                             PRTM_DEST_INFO DestInfos);
DWORD WINAPI RtmReleaseRoutes(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumRoutes,
                              PRTM_ROUTE_HANDLE RouteHandles);
DWORD WINAPI RtmReleaseNextHops(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumNextHops,
                                PRTM_NEXTHOP_HANDLE NextHopHandles);
/* Adds one reference to each handle (any kind); all or nothing. */
DWORD WINAPI RtmReferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                 HANDLE* RtmHandles);
/* rtm rule: the symmetric release for handles of any kind (including bare
 * destination handles, which RtmReleaseDests cannot take); all or nothing. */
DWORD WINAPI RtmDereferenceHandles(RTM_ENTITY_HANDLE RtmRegHandle, UINT NumHandles,
                                   HANDLE* RtmHandles);

/* Routes. rtm rule: whenever RouteHandle is non-NULL, on success *RouteHandle
 * holds the route's handle with one reference owned by the caller: a new
 * reference when *RouteHandle was NULL on input, the caller's own when it
 * named the route to update.
 * RTM_ROUTE_CHANGE_BEST in *ChangeFlags (RtmAddRouteToDest,
 * RtmDeleteRouteToDest, RtmUpdateAndUnlockRoute) means what the BEST change
 * type means: another route became best in some view, the best route went,
 * or the best route's own attributes changed (an update of the best route
 * that stays best). It is set exactly when a BEST notification is queued
 * for the change. */
DWORD WINAPI RtmAddRouteToDest(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_ROUTE_HANDLE RouteHandle,
                               PRTM_NET_ADDRESS DestAddress, PRTM_ROUTE_INFO RouteInfo,
                               ULONG TimeToLive, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                               RTM_NOTIFY_FLAGS NotifyType, RTM_NOTIFY_HANDLE NotifyHandle,
                               PRTM_ROUTE_CHANGE_FLAGS ChangeFlags);
DWORD WINAPI RtmDeleteRouteToDest(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                  PRTM_ROUTE_CHANGE_FLAGS ChangeFlags);
DWORD WINAPI RtmHoldDestination(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, ULONG HoldTime);
DWORD WINAPI RtmGetRoutePointer(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                PRTM_ROUTE_INFO* RoutePointer);
DWORD WINAPI RtmLockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                          BOOL Exclusive, BOOL LockRoute, PRTM_ROUTE_INFO* RoutePointer);
DWORD WINAPI RtmUpdateAndUnlockRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                                     ULONG TimeToLive, RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                     RTM_NOTIFY_FLAGS NotifyType, RTM_NOTIFY_HANDLE NotifyHandle,
                                     PRTM_ROUTE_CHANGE_FLAGS ChangeFlags);

/* Queries (ERROR_NOT_FOUND when nothing matches) */
DWORD WINAPI RtmGetExactMatchDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                         PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                         RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo);
DWORD WINAPI RtmGetMostSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           PRTM_NET_ADDRESS DestAddress, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo);
DWORD WINAPI RtmGetLessSpecificDestination(RTM_ENTITY_HANDLE RtmRegHandle,
                                           RTM_DEST_HANDLE DestHandle, ULONG ProtocolId,
                                           RTM_VIEW_SET TargetViews, PRTM_DEST_INFO DestInfo);
DWORD WINAPI RtmGetExactMatchRoute(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NET_ADDRESS DestAddress,
                                   RTM_MATCH_FLAGS MatchingFlags, PRTM_ROUTE_INFO RouteInfo,
                                   ULONG InterfaceIndex, RTM_VIEW_SET TargetViews,
                                   PRTM_ROUTE_HANDLE RouteHandle);
DWORD WINAPI RtmIsBestRoute(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ROUTE_HANDLE RouteHandle,
                            PRTM_VIEW_SET BestInViews);

/* Next hops */
DWORD WINAPI RtmAddNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                           PRTM_NEXTHOP_HANDLE NextHopHandle,
                           PRTM_NEXTHOP_CHANGE_FLAGS ChangeFlags);
DWORD WINAPI RtmFindNextHop(RTM_ENTITY_HANDLE RtmRegHandle, PRTM_NEXTHOP_INFO NextHopInfo,
                            PRTM_NEXTHOP_HANDLE NextHopHandle, PRTM_NEXTHOP_INFO* NextHopPointer);
DWORD WINAPI RtmDeleteNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                              PRTM_NEXTHOP_INFO NextHopInfo);
DWORD WINAPI RtmGetNextHopPointer(RTM_ENTITY_HANDLE RtmRegHandle,
                                  RTM_NEXTHOP_HANDLE NextHopHandle,
                                  PRTM_NEXTHOP_INFO* NextHopPointer);
DWORD WINAPI RtmLockNextHop(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NEXTHOP_HANDLE NextHopHandle,
                            BOOL Exclusive, BOOL LockNextHop, PRTM_NEXTHOP_INFO* NextHopPointer);

/* Enumerations */
DWORD WINAPI RtmCreateDestEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_SET TargetViews,
                               RTM_ENUM_FLAGS EnumFlags, PRTM_NET_ADDRESS NetAddress,
                               ULONG ProtocolId, PRTM_ENUM_HANDLE RtmEnumHandle);
DWORD WINAPI RtmGetEnumDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                             PUINT NumDests, PRTM_DEST_INFO DestInfos);
DWORD WINAPI RtmCreateRouteEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_DEST_HANDLE DestHandle,
                                RTM_VIEW_SET TargetViews, RTM_ENUM_FLAGS EnumFlags,
                                PRTM_NET_ADDRESS StartDest, RTM_MATCH_FLAGS MatchingFlags,
                                PRTM_ROUTE_INFO CriteriaRoute, ULONG CriteriaInterface,
                                PRTM_ENUM_HANDLE RtmEnumHandle);
DWORD WINAPI RtmGetEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                              PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles);
DWORD WINAPI RtmCreateNextHopEnum(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_FLAGS EnumFlags,
                                  PRTM_NET_ADDRESS NetAddress, PRTM_ENUM_HANDLE RtmEnumHandle);
DWORD WINAPI RtmGetEnumNextHops(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                PUINT NumNextHops, PRTM_NEXTHOP_HANDLE NextHopHandles);
DWORD WINAPI RtmDeleteEnumHandle(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle);

/* Change notification */
DWORD WINAPI RtmRegisterForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_VIEW_SET TargetViews,
                                              RTM_NOTIFY_FLAGS NotifyFlags, PVOID NotifyContext,
                                              PRTM_NOTIFY_HANDLE NotifyHandle);
/* *NumDests: in capacity, out count. ChangedDests: array with stride
 * RTM_SIZE_OF_DEST_INFO(profile.NumberOfViews). NO_ERROR while more remain,
 * ERROR_NO_MORE_ITEMS when this call emptied the queue (batch may be
 * non-empty). The infos come pre-referenced. */
DWORD WINAPI RtmGetChangedDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                PUINT NumDests, PRTM_DEST_INFO ChangedDests);
DWORD WINAPI RtmReleaseChangedDests(RTM_ENTITY_HANDLE RtmRegHandle,
                                    RTM_NOTIFY_HANDLE NotifyHandle, UINT NumDests,
                                    PRTM_DEST_INFO ChangedDests);
DWORD WINAPI RtmIgnoreChangedDests(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                   UINT NumDests, PRTM_DEST_HANDLE ChangedDests);
DWORD WINAPI RtmGetChangeStatus(RTM_ENTITY_HANDLE RtmRegHandle, RTM_NOTIFY_HANDLE NotifyHandle,
                                RTM_DEST_HANDLE DestHandle, PBOOL ChangeStatus);
DWORD WINAPI RtmMarkDestForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, BOOL MarkDest);
DWORD WINAPI RtmIsMarkedForChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                              RTM_NOTIFY_HANDLE NotifyHandle,
                                              RTM_DEST_HANDLE DestHandle, PBOOL DestMarked);
DWORD WINAPI RtmDeregisterFromChangeNotification(RTM_ENTITY_HANDLE RtmRegHandle,
                                                 RTM_NOTIFY_HANDLE NotifyHandle);

/* Route lists */
DWORD WINAPI RtmCreateRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                PRTM_ROUTE_LIST_HANDLE RouteListHandle);
DWORD WINAPI RtmInsertInRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                  RTM_ROUTE_LIST_HANDLE RouteListHandle, UINT NumRoutes,
                                  PRTM_ROUTE_HANDLE RouteHandles);
DWORD WINAPI RtmCreateRouteListEnum(RTM_ENTITY_HANDLE RtmRegHandle,
                                    RTM_ROUTE_LIST_HANDLE RouteListHandle,
                                    PRTM_ENUM_HANDLE RtmEnumHandle);
DWORD WINAPI RtmGetListEnumRoutes(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENUM_HANDLE EnumHandle,
                                  PUINT NumRoutes, PRTM_ROUTE_HANDLE RouteHandles);
DWORD WINAPI RtmDeleteRouteList(RTM_ENTITY_HANDLE RtmRegHandle,
                                RTM_ROUTE_LIST_HANDLE RouteListHandle);

/* Address helpers */
DWORD WINAPI RtmConvertNetAddressToIpv6AddressAndLength(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR* pAddress, ULONG* pLength,
                                                        ULONG dwAddressSize);
DWORD WINAPI RtmConvertIpv6AddressAndLengthToNetAddress(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR Address, ULONG dwLength,
                                                        ULONG dwAddressSize);

#ifdef __cplusplus
}
#endif

#endif /* RTMV2_RTMV2_H */
