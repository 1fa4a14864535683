// api/entity_methods.cpp — the Instance methods of "entity methods"
// (include/rtm/instance.h), and method_waiters of "introspection":
// argument checks, then the method gate of core/entity_methods.h.
#include <rtm/instance.h>

#include <bit>

#include "api/call.h"
#include "core/entity.h"
#include "core/entity_methods.h"
#include "core/refs.h"
#include "detail/fault.h"
#include "detail/reclaim.h"

namespace rtm {

using detail::Call;
using detail::Entity;
using detail::Guard;
using detail::lookup_as;

errc Instance::get_entity_methods(EntityHandle caller, EntityHandle entity,
                                  std::uint32_t* count, EntityMethod* methods) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gt;
  if (count == nullptr || (*count != 0 && methods == nullptr)) return errc::invalid_parameter;
  Entity* t = lookup_as<Entity>(*core_, entity.value, gt);
  if (t == nullptr || !t->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
  const auto n = static_cast<std::uint32_t>(t->methods.size());
  if (n > *count) {
    *count = n;
    return errc::insufficient_buffer;
  }
  try {
    detail::fault_throw();
    for (std::uint32_t i = 0; i < n; ++i) methods[i] = t->methods[i];
  } catch (...) {
    return errc::not_enough_memory;
  }
  *count = n;
  return errc::ok;
}

errc Instance::invoke_methods(EntityHandle caller, EntityHandle callee,
                              std::span<MethodCall> calls) {
  detail::ThreadScope scope;
  Entity* t = nullptr;
  {
    // No hazard pointer is held across the methods (they may invoke methods
    // again, to any depth): the guards go with this block, and a memory
    // reference keeps the callee alive.
    Call c(*core_, caller);
    if (!c.ok()) return c.status();
    Guard gt;
    if (calls.empty() || calls.data() == nullptr) return errc::invalid_parameter;
    t = lookup_as<Entity>(*core_, callee.value, gt);
    if (t == nullptr || !t->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
    for (const MethodCall& mc : calls) {
      if (!std::has_single_bit(mc.method_type)) return errc::invalid_parameter;
      const auto i = static_cast<unsigned>(std::countr_zero(mc.method_type));
      if (i >= t->methods.size() || !t->methods[i]) return errc::invalid_parameter;
    }
    if (!t->counts.try_add_memory()) return errc::invalid_handle;  // dead: deregistered
  }
  const errc r = detail::run_methods(t, caller, callee, calls);
  detail::unref_memory(t);
  return r;
}

errc Instance::block_methods(EntityHandle caller, std::uint32_t blocking_flag) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  if (blocking_flag != kBlockMethods && blocking_flag != kResumeMethods)
    return errc::invalid_parameter;
  if (blocking_flag == kResumeMethods) {
    detail::resume_entity_methods(c.entity());
    return errc::ok;
  }
  return detail::block_entity_methods(c.entity());
}

std::size_t Instance::method_waiters(EntityHandle entity) const {
  detail::ThreadScope scope;
  Guard g;
  Entity* t = lookup_as<Entity>(*core_, entity.value, g);
  if (t == nullptr) return 0;
  return detail::method_waiters_of(t);
}

}  // namespace rtm
