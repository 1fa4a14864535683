// c_api/forwarding.cpp — the forwarding fast path of the C API
// (rtmv2_ext.h, section "forwarding fast path": RtmxForward,
// RtmxForwardBatch4, RtmxForwardBatch6) over Instance::forward,
// forward4_batch and forward6_batch (rtm/forwarding.h).
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
#include <type_traits>

#include "c_api/convert.h"
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

}  // extern "C"
