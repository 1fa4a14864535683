// c_api/forwarding.cpp — the forwarding fast path of the C API
// (rtmv2_ext.h, section "forwarding fast path": RtmxForward,
// RtmxForwardBatch4, RtmxForwardBatch6) over Instance::forward,
// forward4_batch and forward6_batch (rtm/forwarding.h); and its sessions
// (section "forwarding sessions": RtmxOpenForwardingSession, ...) over
// rtm::ForwardingSession, constructed in the caller's
// RTMX_FORWARDING_SESSION (see CSession below).
//
// Cost: the C call adds to the C++ one only what the boundary needs. The
// instance comes from the handle's tag (one acquire load, c_api/registry.cpp
// R2; no Call, no handle-table lookup: the fast path acts for no entity).
// The results are not converted: RTMX_FORWARDING_RESULT is layout-identical
// to rtm::ForwardingResult (asserted below) and the caller's buffer is
// passed through; the library writes it only inside the extern "C" call and
// the caller reads it after the call returns, so no translation unit
// accesses one object as both types. IPv4 batch keys are passed through
// (ULONG is std::uint32_t). The inputs that do need converting are copied
// by value on the stack: RtmxForward's address (20 bytes), and
// RtmxForwardBatch6's addresses chunk by chunk (kChunk6 at a time, one
// forward6_batch call each: rtm::NetAddress's layout is private, so the
// C array cannot be passed through). Nothing allocates.
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <rtm/forwarding.h>
#include <rtm/rtm.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "c_api/convert.h"
#include "core/forwarding.h"
#include "detail/tls.h"
#include "c_api/registry.h"

using namespace rtm::c_api;
using rtm::errc;

namespace {

static_assert(RTMX_MAX_FORWARDING_HOPS == rtm::kMaxNextHopsPerRoute);
static_assert(std::is_same_v<ULONG, std::uint32_t>, "batch keys are passed through");
static_assert(AF_INET == static_cast<int>(rtm::Family::ipv4) &&
              AF_INET6 == static_cast<int>(rtm::Family::ipv6));

// Layout identity of the hop and the result (so the caller's array is the
// C++ one).
static_assert(sizeof(RTMX_FORWARDING_HOP) == sizeof(rtm::ForwardingHop) &&
              alignof(RTMX_FORWARDING_HOP) == alignof(rtm::ForwardingHop));
static_assert(offsetof(RTMX_FORWARDING_HOP, AddrBits) == offsetof(rtm::ForwardingHop, address) &&
              sizeof(RTMX_FORWARDING_HOP::AddrBits) == sizeof(rtm::ForwardingHop::address));
static_assert(offsetof(RTMX_FORWARDING_HOP, AddressFamily) ==
              offsetof(rtm::ForwardingHop, family));
static_assert(offsetof(RTMX_FORWARDING_HOP, Reserved) == offsetof(rtm::ForwardingHop, reserved));
static_assert(offsetof(RTMX_FORWARDING_HOP, InterfaceIndex) ==
              offsetof(rtm::ForwardingHop, interface_index));
static_assert(sizeof(RTMX_FORWARDING_RESULT) == sizeof(rtm::ForwardingResult) &&
              alignof(RTMX_FORWARDING_RESULT) == alignof(rtm::ForwardingResult));
static_assert(offsetof(RTMX_FORWARDING_RESULT, NumHops) ==
                  offsetof(rtm::ForwardingResult, count) &&
              sizeof(RTMX_FORWARDING_RESULT::NumHops) == sizeof(rtm::ForwardingResult::count));
static_assert(offsetof(RTMX_FORWARDING_RESULT, Hops) == offsetof(rtm::ForwardingResult, hops));
static_assert(std::is_trivially_copyable_v<rtm::ForwardingResult> &&
              std::is_standard_layout_v<rtm::ForwardingResult>);

rtm::ForwardingResult* as_result(PRTMX_FORWARDING_RESULT r) noexcept {
  return reinterpret_cast<rtm::ForwardingResult*>(r);
}

// An IPv6 batch entry as the C++ batch takes it: the address at full
// length, or (another family) an IPv4 value, which the batch answers 0.
rtm::NetAddress to_key6(const RTM_NET_ADDRESS& a) noexcept {
  if (a.AddressFamily != AF_INET6) return rtm::NetAddress{};
  return rtm::NetAddress::make_masked(rtm::Family::ipv6, a.AddrBits, 128);
}

// The Windows code, without a call for the answers of a lookup (to_win32
// is out of line, and reached through the PLT in the shared library).
DWORD to_code(errc r) noexcept {
  if (r == errc::ok) [[likely]] return NO_ERROR;
  if (r == errc::not_found) return ERROR_NOT_FOUND;
  return rtm::to_win32(r);
}

// Addresses converted per forward6_batch call: the core's own chunk of IPv6
// keys (core/forwarding.cpp), 320 bytes of stack.
constexpr UINT kChunk6 = 16;

// ---- sessions ----------------------------------------------------------------
//
// An RTMX_FORWARDING_SESSION holds a CSession: a header the C entry points
// check, and the rtm::ForwardingSession itself (constructed in place by the
// open, destroyed by the close). The header makes every misuse of a C
// session a documented error instead of a broken read section:
//  - magic + self: the storage is an open session and this is its own
//    address (not a memcpy of one: closing a copy and then the original
//    would end the section twice). The close clears both before anything
//    else, so a double close, a lookup after a close and a zeroed session
//    all read "not open".
//  - owner + depth: the thread that opened it (the address of a
//    thread_local, unique among live threads) and its place among that
//    thread's open C sessions (t_depth). A close from another thread, or of
//    an outer session while an inner one is open, is refused: the inner
//    session's records are protected only by the outer's section
//    (ForwardingSession nests as fib::enter_section() does), and a section
//    is its opening thread's slot.
//  - outer: whether its ForwardingSession published the thread's section
//    (no session was nested when it opened). Such a session is refused a
//    close while any ForwardingSession of the thread is nested, C++ ones
//    included (detail::nested_forwarding_sessions()): the C++ close would
//    abort there.
// Only the opening thread writes the storage; other threads may read it (a
// lookup on another thread is the caller's race, as with any object they
// share without synchronisation) and are refused by the owner check at close.
constexpr std::uint64_t kOpenMagic = 0x52544d5853455353ull;  // "RTMXSESS"

struct CSession {
  std::uint64_t magic;
  const void* self;
  const void* owner;
  std::uint64_t depth;
  std::uint64_t outer;
  alignas(rtm::ForwardingSession) unsigned char session[sizeof(rtm::ForwardingSession)];
};
static_assert(sizeof(CSession) <= sizeof(RTMX_FORWARDING_SESSION) &&
              alignof(CSession) <= alignof(RTMX_FORWARDING_SESSION));
static_assert(std::is_trivially_copyable_v<CSession>);

// This thread's open C sessions (initial-exec: no __tls_get_addr per open).
constinit thread_local std::uint64_t t_depth RTM_TLS_IE = 0;

// The record "no route" answers point at (NumHops 0).
const rtm::ForwardingResult kNoRoute{};

const RTMX_FORWARDING_RESULT* as_c(const rtm::ForwardingResult* r) noexcept {
  return reinterpret_cast<const RTMX_FORWARDING_RESULT*>(r);
}

// The open session `s` holds, or null (NULL, not open, or a copy).
const rtm::ForwardingSession* open_session(const RTMX_FORWARDING_SESSION* s) noexcept {
  if (s == nullptr) [[unlikely]] return nullptr;
  const CSession* c = reinterpret_cast<const CSession*>(s);
  if (c->magic != kOpenMagic || c->self != c) [[unlikely]] return nullptr;
  return std::launder(reinterpret_cast<const rtm::ForwardingSession*>(c->session));
}

}  // namespace

extern "C" {

DWORD WINAPI RtmxForward(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                         const RTM_NET_ADDRESS* Address, PRTMX_FORWARDING_RESULT Result,
                         PRTMX_FORWARDING_DETAIL Detail) {
  RTM_CALLER(inst, RtmRegHandle);
  rtm::Family f;
  if (Address == nullptr || !to_family(Address->AddressFamily, &f)) return ERROR_INVALID_PARAMETER;
  // Full length: NumBits is ignored, as the C++ call ignores the length.
  const rtm::NetAddress a = rtm::NetAddress::make_masked(f, Address->AddrBits, rtm::family_bits(f));
  if (Detail == nullptr) return to_code(inst->forward(ViewId, a, as_result(Result)));
  rtm::ForwardingDetail d;
  const errc r = inst->forward(ViewId, a, as_result(Result), &d);
  if (r == errc::ok) {
    to_c_address(d.prefix, &Detail->DestAddress);
    Detail->DestHandle = to_c_handle(d.dest);
    Detail->RouteHandle = to_c_handle(d.route);
  } else if (r == errc::not_found) {
    std::memset(Detail, 0, sizeof *Detail);
  }
  return to_code(r);
}

DWORD WINAPI RtmxForwardBatch4(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                               const ULONG* Addresses, UINT Count,
                               PRTMX_FORWARDING_RESULT Results, PUINT NumFound) {
  RTM_CALLER(inst, RtmRegHandle);
  std::size_t hits = 0;
  const errc r = inst->forward4_batch(ViewId, Addresses, Count, as_result(Results), &hits);
  if (r == errc::ok && NumFound != nullptr) *NumFound = static_cast<UINT>(hits);
  return to_code(r);
}

DWORD WINAPI RtmxForwardBatch6(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                               const RTM_NET_ADDRESS* Addresses, UINT Count,
                               PRTMX_FORWARDING_RESULT Results, PUINT NumFound) {
  RTM_CALLER(inst, RtmRegHandle);
  // Checked here as forward6_batch would: the entries are read before it runs.
  if (Count > 0 && (Addresses == nullptr || Results == nullptr)) return ERROR_INVALID_PARAMETER;
  rtm::NetAddress keys[kChunk6];
  std::size_t found = 0;
  UINT done = 0;
  do {  // at least once: Count 0 still checks the view
    const UINT m = Count - done < kChunk6 ? Count - done : kChunk6;
    for (UINT i = 0; i < m; ++i) keys[i] = to_key6(Addresses[done + i]);
    std::size_t hits = 0;
    // Only the first call can fail (the view is the same for every chunk):
    // nothing is written then.
    const errc r = inst->forward6_batch(ViewId, keys, m, as_result(Results) + done, &hits);
    if (r != errc::ok) return to_code(r);
    found += hits;
    done += m;
  } while (done < Count);
  if (NumFound != nullptr) *NumFound = static_cast<UINT>(found);
  return NO_ERROR;
}

DWORD WINAPI RtmxOpenForwardingSession(RTM_ENTITY_HANDLE RtmRegHandle, RTM_VIEW_ID ViewId,
                                       PRTMX_FORWARDING_SESSION Session) {
  if (Session == nullptr) return ERROR_INVALID_PARAMETER;
  if (open_session(Session) != nullptr) return ERROR_INVALID_PARAMETER;  // open already: left as it is
  CSession* c = reinterpret_cast<CSession*>(Session);
  c->magic = 0;  // not open, whatever fails below
  c->self = nullptr;
  RTM_CALLER(inst, RtmRegHandle);
  const unsigned nested_before = rtm::detail::nested_forwarding_sessions();
  auto* fs = ::new (static_cast<void*>(c->session)) rtm::ForwardingSession(*inst, ViewId);
  const errc st = fs->status();
  if (st != errc::ok) {
    fs->~ForwardingSession();  // ends its read section (it opened one whatever the status)
    return to_code(st);
  }
  c->owner = &t_depth;
  c->depth = ++t_depth;
  c->outer = rtm::detail::nested_forwarding_sessions() == nested_before;
  c->self = c;
  c->magic = kOpenMagic;
  return NO_ERROR;
}

DWORD WINAPI RtmxCloseForwardingSession(PRTMX_FORWARDING_SESSION Session) {
  if (Session == nullptr) return ERROR_INVALID_PARAMETER;
  const rtm::ForwardingSession* fs = open_session(Session);
  if (fs == nullptr) return ERROR_INVALID_HANDLE;
  CSession* c = reinterpret_cast<CSession*>(Session);
  if (c->owner != &t_depth) return ERROR_ACCESS_DENIED;
  if (c->depth != t_depth) return ERROR_CAN_NOT_COMPLETE;  // an inner C session is open
  if (c->outer && rtm::detail::nested_forwarding_sessions() != 0)
    return ERROR_CAN_NOT_COMPLETE;  // a C++ session nested in it is open
  c->magic = 0;
  c->self = nullptr;
  --t_depth;
  fs->~ForwardingSession();
  return NO_ERROR;
}

const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup4(const RTMX_FORWARDING_SESSION* Session,
                                                        ULONG Address) {
  const rtm::ForwardingSession* fs = open_session(Session);
  return as_c(fs != nullptr ? &fs->lookup4(Address) : &kNoRoute);
}

const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup6(const RTMX_FORWARDING_SESSION* Session,
                                                        const UCHAR* Address16) {
  const rtm::ForwardingSession* fs = open_session(Session);
  return as_c(fs != nullptr && Address16 != nullptr ? &fs->lookup6(Address16) : &kNoRoute);
}

const RTMX_FORWARDING_RESULT* WINAPI RtmxSessionLookup(const RTMX_FORWARDING_SESSION* Session,
                                                       const RTM_NET_ADDRESS* Address) {
  const rtm::ForwardingSession* fs = open_session(Session);
  if (fs == nullptr || Address == nullptr) return as_c(&kNoRoute);
  if (Address->AddressFamily == AF_INET6) return as_c(&fs->lookup6(Address->AddrBits));
  if (Address->AddressFamily == AF_INET) {
    const UCHAR* b = Address->AddrBits;
    return as_c(&fs->lookup4(ULONG{b[0]} << 24 | ULONG{b[1]} << 16 | ULONG{b[2]} << 8 | b[3]));
  }
  return as_c(&kNoRoute);
}

}  // extern "C"

namespace {

// The batches write the caller's const RTMX_FORWARDING_RESULT* array only
// through lvalues of that type: the C++ batch fills a chunk of
// const rtm::ForwardingResult* on the stack, converted one by one (the same
// bits; the records are layout-identical, asserted above).
// One batch: chunks of at most kChunk addresses, each answered by
// lookup_chunk(session, first address index, count, out); a session not
// open answers "no route" for all.
template <UINT kChunk, class LookupChunk>
DWORD session_batch(const RTMX_FORWARDING_SESSION* Session, bool null_addresses, UINT Count,
                    const RTMX_FORWARDING_RESULT** Results, PUINT NumFound,
                    LookupChunk lookup_chunk) noexcept {
  if (Count > 0 && (null_addresses || Results == nullptr)) return ERROR_INVALID_PARAMETER;
  const rtm::ForwardingSession* fs = open_session(Session);
  std::size_t found = 0;
  if (fs != nullptr) {
    const rtm::ForwardingResult* out[kChunk];
    for (UINT done = 0; done < Count;) {
      const UINT m = Count - done < kChunk ? Count - done : kChunk;
      found += lookup_chunk(*fs, done, m, out);
      for (UINT i = 0; i < m; ++i) Results[done + i] = as_c(out[i]);
      done += m;
    }
  } else {
    for (UINT i = 0; i < Count; ++i) Results[i] = as_c(&kNoRoute);
  }
  if (NumFound != nullptr) *NumFound = static_cast<UINT>(found);
  return NO_ERROR;
}

}  // namespace

extern "C" {

DWORD WINAPI RtmxSessionLookupBatch4(const RTMX_FORWARDING_SESSION* Session, const ULONG* Addresses,
                                     UINT Count, const RTMX_FORWARDING_RESULT** Results,
                                     PUINT NumFound) {
  return session_batch<64>(Session, Addresses == nullptr, Count, Results, NumFound,
                           [&](const rtm::ForwardingSession& fs, UINT first, UINT m,
                               const rtm::ForwardingResult** out) {
                             return fs.lookup4_batch(Addresses + first, m, out);
                           });
}

DWORD WINAPI RtmxSessionLookupBatch6(const RTMX_FORWARDING_SESSION* Session,
                                     const RTM_NET_ADDRESS* Addresses, UINT Count,
                                     const RTMX_FORWARDING_RESULT** Results, PUINT NumFound) {
  return session_batch<kChunk6>(Session, Addresses == nullptr, Count, Results, NumFound,
                                [&](const rtm::ForwardingSession& fs, UINT first, UINT m,
                                    const rtm::ForwardingResult** out) {
                                  rtm::NetAddress keys[kChunk6];  // as RtmxForwardBatch6
                                  for (UINT i = 0; i < m; ++i) keys[i] = to_key6(Addresses[first + i]);
                                  return fs.lookup6_batch(keys, m, out);
                                });
}

}  // extern "C"
