// c_api/registry.cpp — the C API's instance registry (c_api/registry.h).
//
// Creation is a slow path under g_mu (RtmRegisterEntity only). Resolving a
// handle's instance is on every call and takes no lock:
//
//   R1 (instance_for_id, under g_mu) construct the instance, then
//      g_by_tag[tag].store(inst, release)
//   R2 (instance_of) g_by_tag[tag].load(acquire)
//
// R2 reading R1's store synchronizes-with it, so the reader sees the
// instance fully constructed. An entry is written once: a C API instance
// is never destroyed (nothing here deletes one; they are leaked at exit on
// purpose, see c_api/registry.h), so a pointer read at R2 stays valid for as
// long as the process runs, and its tag is never given back, so the entry
// never changes once set. A tag whose entry is null (free, or held by an
// instance of the C++ API) fails ERROR_INVALID_HANDLE. An entry names the
// instance that holds the tag now; a handle left over from an earlier
// instance that had the same tag routes to it but does not validate there:
// every instance issues handle indices above those of all earlier
// instances with its tag (detail/handle_table.h).
#include "c_api/registry.h"

#include <rtm/fault_injection.h>

#include <atomic>
#include <mutex>
#include <new>

namespace rtm::c_api {
namespace {

std::mutex g_mu;
Instance* g_by_id[65536] = {};  // under g_mu; created on demand, never destroyed
std::atomic<Instance*> g_by_tag[256] = {};  // the same instances, by handle tag

}  // namespace

Instance* instance_for_id(std::uint16_t id) {
  std::lock_guard lock(g_mu);
  if (g_by_id[id] == nullptr) {
    InstanceOptions o;
    o.instance_id = id;
    Instance* inst = nullptr;
    try {  // the constructor allocates too: no exception may cross the C API
      if (!fault_injection::allocation_fails()) inst = new (std::nothrow) Instance(o);
    } catch (...) {
      inst = nullptr;
    }
    if (inst == nullptr) return nullptr;
    g_by_id[id] = inst;
    g_by_tag[inst->handle_tag()].store(inst, std::memory_order_release);  // R1
  }
  return g_by_id[id];
}

Instance* instance_of(HANDLE h) noexcept {
  const auto v = reinterpret_cast<std::uintptr_t>(h);
  if (v == 0) return nullptr;
  return g_by_tag[static_cast<std::uint8_t>(v >> 56)].load(std::memory_order_acquire);  // R2
}

}  // namespace rtm::c_api
