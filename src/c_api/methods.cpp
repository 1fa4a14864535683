// c_api/methods.cpp — entity methods through the C API: C methods inside
// rtm::EntityMethod and the entry points RtmGetEntityMethods,
// RtmInvokeMethod and RtmBlockMethods.
#include "c_api/methods.h"

#include <rtmv2/rtmv2.h>

#include <rtm/rtm.h>

#include <bit>
#include <cstddef>
#include <vector>

#include "c_api/arrays.h"
#include "c_api/convert.h"
#include "c_api/registry.h"

namespace rtm::c_api {
namespace {

// An invocation's cursor over the caller's output buffer, in which each
// method gets the next RTM_ENTITY_METHOD_OUTPUT.
struct InvokeCursor {
  unsigned char* base;
  std::size_t capacity;
  std::size_t used;       // a multiple of kMethodOutputAlign
  std::size_t remaining;  // methods still to run, this one included
};
constexpr std::size_t kMethodOutputHeader = offsetof(RTM_ENTITY_METHOD_OUTPUT, OutputData);
constexpr std::size_t kMethodOutputAlign = alignof(RTM_ENTITY_METHOD_OUTPUT);
constexpr std::size_t align_up(std::size_t n) {
  return (n + kMethodOutputAlign - 1) & ~(kMethodOutputAlign - 1);
}
// The least an invocation's buffer must hold: one aligned header per method.
constexpr std::size_t kMethodOutputSlot = align_up(kMethodOutputHeader);

struct CMethod {
  RTM_ENTITY_EXPORT_METHOD fn;
  void operator()(EntityHandle caller, EntityHandle callee, MethodCall& c) const {
    auto* cur = static_cast<InvokeCursor*>(c.output);
    // This method may use everything up to `limit`, which leaves one
    // header slot for each method after it. By induction (the caller
    // checked capacity >= remaining * slot, and each output ends at or
    // before its limit, aligned) limit >= used + slot: nothing wraps and
    // no method can be told of room past the buffer.
    --cur->remaining;
    const std::size_t limit =
        (cur->capacity - cur->remaining * kMethodOutputSlot) & ~(kMethodOutputAlign - 1);
    auto* out = reinterpret_cast<RTM_ENTITY_METHOD_OUTPUT*>(cur->base + cur->used);
    const std::size_t room = limit - cur->used - kMethodOutputHeader;
    out->MethodType = c.method_type;
    out->MethodStatus = NO_ERROR;
    out->OutputSize = static_cast<UINT>(room);
    fn(to_c_handle(caller), to_c_handle(callee),
       static_cast<RTM_ENTITY_METHOD_INPUT*>(const_cast<void*>(c.input)), out);
    if (out->OutputSize > room) out->OutputSize = static_cast<UINT>(room);  // a method that lied
    cur->used = align_up(cur->used + kMethodOutputHeader + out->OutputSize);  // <= limit
    c.status = out->MethodStatus;
  }
};

}  // namespace

EntityMethod to_entity_method(RTM_ENTITY_EXPORT_METHOD fn) { return EntityMethod(CMethod{fn}); }

RTM_ENTITY_EXPORT_METHOD to_c_method(const EntityMethod& m) noexcept {
  const CMethod* c = m.target<CMethod>();
  return c != nullptr ? c->fn : nullptr;
}

}  // namespace rtm::c_api

using namespace rtm::c_api;
using rtm::errc;

extern "C" {

DWORD WINAPI RtmGetEntityMethods(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                                 PUINT NumMethods, PRTM_ENTITY_EXPORT_METHOD ExptMethods) {
  RTM_CALLER(inst, RtmRegHandle);
  if (NumMethods == nullptr || (*NumMethods != 0 && ExptMethods == nullptr))
    return ERROR_INVALID_PARAMETER;
  std::vector<rtm::EntityMethod> ms;
  if (!allocate(&ms, std::min<UINT>(*NumMethods, rtm::kMaxEntityMethods)))
    return ERROR_NOT_ENOUGH_MEMORY;
  std::uint32_t n = static_cast<std::uint32_t>(ms.size());
  errc r = inst->get_entity_methods(to_entity(RtmRegHandle), to_entity(EntityHandle), &n,
                                    ms.data());
  *NumMethods = n;
  if (r != errc::ok) return rtm::to_win32(r);
  for (std::uint32_t i = 0; i < n; ++i) ExptMethods[i] = to_c_method(ms[i]);
  return NO_ERROR;
}

DWORD WINAPI RtmInvokeMethod(RTM_ENTITY_HANDLE RtmRegHandle, RTM_ENTITY_HANDLE EntityHandle,
                             PRTM_ENTITY_METHOD_INPUT Input, PUINT OutputSize,
                             PRTM_ENTITY_METHOD_OUTPUT Output) {
  RTM_CALLER(inst, RtmRegHandle);
  if (Input == nullptr || OutputSize == nullptr || Output == nullptr)
    return ERROR_INVALID_PARAMETER;
  // The callee's methods, to expand the method type and check they are C.
  std::vector<rtm::EntityMethod> ms(rtm::kMaxEntityMethods);
  std::uint32_t count = rtm::kMaxEntityMethods;
  if (errc r = inst->get_entity_methods(to_entity(RtmRegHandle), to_entity(EntityHandle), &count,
                                        ms.data());
      r != errc::ok)
    return rtm::to_win32(r);
  const std::uint32_t all = count >= 32 ? 0xFFFFFFFFu : (1u << count) - 1;
  const std::uint32_t types =
      Input->MethodType == METHOD_TYPE_ALL_METHODS ? all : Input->MethodType;
  if (types == 0 || (types & ~all) != 0) return ERROR_INVALID_PARAMETER;
  InvokeCursor cur{reinterpret_cast<unsigned char*>(Output), *OutputSize, 0, 0};
  std::vector<rtm::MethodCall> calls;
  for (std::uint32_t rest = types; rest != 0; rest &= rest - 1) {
    const int i = std::countr_zero(rest);
    if (!ms[i] || ms[i].target<CMethod>() == nullptr) return ERROR_INVALID_PARAMETER;
    rtm::MethodCall c;
    c.method_type = 1u << i;
    c.input = Input;
    c.input_size = Input->InputSize;
    c.output = &cur;
    calls.push_back(c);
  }
  // Every method gets at least its output header, or none runs.
  cur.remaining = calls.size();
  const std::size_t header_room = calls.size() * kMethodOutputSlot;
  if (*OutputSize < header_room) {
    *OutputSize = static_cast<UINT>(header_room);
    return ERROR_INSUFFICIENT_BUFFER;
  }
  errc r = inst->invoke_methods(to_entity(RtmRegHandle), to_entity(EntityHandle), calls);
  if (r != errc::ok) return rtm::to_win32(r);
  *OutputSize = static_cast<UINT>(cur.used);
  return NO_ERROR;
}

DWORD WINAPI RtmBlockMethods(RTM_ENTITY_HANDLE RtmRegHandle, HANDLE TargetHandle,
                             UCHAR TargetType, DWORD BlockingFlag) {
  (void)TargetType;  // rtm blocks every method of the caller (see README)
  RTM_CALLER(inst, RtmRegHandle);
  if (TargetHandle != nullptr && TargetHandle != RtmRegHandle) return ERROR_INVALID_PARAMETER;
  return rtm::to_win32(inst->block_methods(to_entity(RtmRegHandle), BlockingFlag));
}

}  // extern "C"
