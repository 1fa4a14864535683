// c_api/arrays.h — the C arrays of the batch calls: handles and dest infos
// in (releases, inserts) and out (enumerations, changed destinations).
//
// Every helper here allocates through a std::vector inside a try block that
// answers ERROR_NOT_ENOUGH_MEMORY (an allocation site of the library, see
// rtm/fault_injection.h), except handles_of, whose callers have always let
// a failed allocation go (it is for the short arrays of the releases).
#pragma once

#include <rtmv2/rtmv2.h>

#include <rtm/fault_injection.h>
#include <rtm/rtm.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <vector>

#include "c_api/convert.h"

namespace rtm::c_api {

// The C++ handles of a C array of n handles, each converted by `to`.
template <typename H, typename To>
std::vector<H> handles_of(UINT n, const HANDLE* in, To to) {
  std::vector<H> hs(n);
  for (UINT i = 0; i < n; ++i) hs[i] = to(in[i]);
  return hs;
}

// A vector of n default items, or false on out of memory.
template <typename T>
bool allocate(std::vector<T>* v, std::size_t n) noexcept {
  try {
    if (fault_injection::allocation_fails()) throw std::bad_alloc();
    v->resize(n);
  } catch (...) {
    return false;
  }
  return true;
}

// Gets a batch of up to *num (at most 4096) items of type T through `get`
// and hands each to put(i, item): the C batch calls (enumerations, changed
// destinations). *num: in = capacity, out = number returned (0 on error).
template <typename T, typename Get, typename Put>
DWORD get_batch(PUINT num, Get get, Put put) {
  std::vector<T> v;
  if (!allocate(&v, std::min<UINT>(*num, 4096))) return ERROR_NOT_ENOUGH_MEMORY;
  std::uint32_t n = static_cast<std::uint32_t>(v.size());
  errc r = get(&n, v.data());
  if (r != errc::ok && r != errc::no_more_items) {
    *num = 0;
    return to_win32(r);
  }
  for (std::uint32_t i = 0; i < n; ++i) put(i, v[i]);
  *num = n;
  return to_win32(r);
}

// Dest infos into the caller's C array (stride by its profile):
// RtmGetEnumDests and RtmGetChangedDests.
template <typename Get>
DWORD get_dest_batch(Instance& inst, EntityHandle caller, PUINT num, PRTM_DEST_INFO out,
                     Get get) {
  if (num == nullptr || out == nullptr || *num == 0) return ERROR_INVALID_PARAMETER;
  const std::size_t stride = dest_info_stride(inst, caller);
  if (stride == 0) return ERROR_INVALID_HANDLE;
  return get_batch<DestInfo>(num, get, [&](std::uint32_t i, const DestInfo& d) {
    to_c_dest_info(d, dest_info_at(out, stride, i));
  });
}

// Handles (routes or next hops) into the caller's C array.
template <typename H, typename Get>
DWORD get_handle_batch(PUINT num, HANDLE* out, Get get) {
  if (num == nullptr || out == nullptr || *num == 0) return ERROR_INVALID_PARAMETER;
  return get_batch<H>(num, get, [&](std::uint32_t i, H h) { out[i] = to_c_handle(h); });
}

// Releases a C array of n dest infos: with `notify` null as RtmReleaseDests,
// else as RtmReleaseChangedDests of that registration.
DWORD release_c_dests(HANDLE caller, UINT n, PRTM_DEST_INFO infos, HANDLE notify);

}  // namespace rtm::c_api
