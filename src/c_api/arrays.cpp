// c_api/arrays.cpp — releases of C arrays of dest infos (c_api/arrays.h).
#include "c_api/arrays.h"

#include <span>

#include "c_api/registry.h"
#include "c_api/scratch.h"

namespace rtm::c_api {

DWORD release_c_dests(HANDLE caller, UINT n, PRTM_DEST_INFO infos, HANDLE notify) {
  RTM_CALLER(inst, caller);
  // A release of 0 items succeeds (the array may be NULL); the handles are
  // still checked by the call below.
  if (n != 0 && infos == nullptr) return ERROR_INVALID_PARAMETER;
  auto release = [&](std::span<const DestInfo> v) {
    if (notify != nullptr)
      return to_win32(inst->release_changed_dests(to_entity(caller), to_notify(notify), v));
    return to_win32(inst->release_dests(to_entity(caller), v));  // checks the caller
  };
  if (n <= 1) {
    // One info (RtmReleaseDestInfo): it is at the array's address whatever
    // the caller's stride, so neither the profile nor the heap is needed.
    ScratchDestInfo one;
    if (n == 1) {
      if (!to_dest_info(infos, one.get())) return ERROR_INVALID_PARAMETER;
      one->changed_by = to_notify(notify);
    }
    return release({one.get(), n});
  }
  const std::size_t stride = dest_info_stride(*inst, to_entity(caller));
  if (stride == 0) return ERROR_INVALID_HANDLE;
  std::vector<DestInfo> v;
  if (!allocate(&v, n)) return ERROR_NOT_ENOUGH_MEMORY;
  for (UINT i = 0; i < n; ++i) {
    if (!to_dest_info(dest_info_at(infos, stride, i), &v[i])) return ERROR_INVALID_PARAMETER;
    v[i].changed_by = to_notify(notify);
  }
  return release(v);
}

}  // namespace rtm::c_api
