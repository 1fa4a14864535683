// api/entities.cpp — Instance methods of the entities section of rtm/instance.h.
#include <rtm/instance.h>

#include <algorithm>
#include <bit>
#include <mutex>
#include <vector>

#include "api/call.h"
#include "core/entity_methods.h"
#include "core/core.h"
#include "core/deregister.h"
#include "core/events.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/fault.h"

namespace rtm {

using detail::Call;
using detail::Entity;
using detail::Guard;
using detail::ThreadScope;
using detail::add_ref;
using detail::lookup_as;
using detail::release_handles;

// ---- entities -------------------------------------------------------------------

errc Instance::register_entity(const EntityInfo& info, const EntityConfig& config,
                               EntityHandle* out, RegnProfile* profile) {
  ThreadScope scope;
  if (out == nullptr) return errc::invalid_parameter;
  if (info.rtm_instance_id != core_->options.instance_id) return errc::invalid_parameter;
  if (family_bits(info.family) == 0) return errc::invalid_parameter;
  if (config.max_next_hops_in_route > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  RegnProfile p;
  p.max_next_hops_in_route = config.max_next_hops_in_route ? config.max_next_hops_in_route : 8;
  p.max_handles_in_enum = config.max_handles_in_enum ? config.max_handles_in_enum : 100;
  p.views_supported = core_->options.views_supported;
  p.number_of_views = static_cast<std::uint32_t>(std::popcount(p.views_supported));

  if (config.methods.size() > kMaxEntityMethods) return errc::invalid_parameter;
  std::vector<EntityMethod> methods;
  try {
    detail::fault_throw();
    methods = config.methods;
  } catch (...) {
    return errc::not_enough_memory;
  }
  // The opaque-pointer slot is taken first and given back on every failure.
  int slot = -1;
  if (config.reserve_opaque_pointer) {
    std::lock_guard lock(core_->registry_mu);
    // A duplicate is reported as such, even with every slot taken (the
    // check is repeated below, where it counts).
    for (Entity* x : core_->entities)
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id)
        return errc::already_exists;
    const std::uint32_t free_slots = ~core_->opaque_slots & ((1u << kMaxOpaquePointers) - 1);
    if (free_slots == 0) return errc::no_system_resources;
    slot = std::countr_zero(free_slots);
    core_->opaque_slots |= 1u << slot;
  }
  auto give_slot = [&] {
    if (slot < 0) return;
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << slot);
  };
  Entity* e = detail::nothrow_new<Entity>(core_, info, p, config.callback, std::move(methods),
                                        slot);
  if (e == nullptr) {
    give_slot();
    return errc::not_enough_memory;
  }
  std::vector<Entity*> others;
  {
    std::unique_lock lock(core_->registry_mu);
    for (Entity* x : core_->entities) {
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id) {
        unref_handle(e);  // unpublished: revoked and retired here
        lock.unlock();
        give_slot();
        return errc::already_exists;
      }
    }
    core_->handles.allocate(HandleKind::entity, e);  // sets e->handle
    if (e->handle == 0) {
      unref_handle(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
    try {
      detail::fault_throw();
      core_->entities.push_back(e);
      // Memory references for the callbacks (a registered entity is never
      // dead: its registration holds the unit; the check is for form).
      for (Entity* x : core_->entities)
        if (x != e && x->counts.try_add_memory())
          others.push_back(x);
    } catch (...) {
      std::erase(core_->entities, e);
      for (Entity* x : others) unref_memory(x);
      detail::unlink_primary(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
  }
  out->value = e->handle;
  if (profile) *profile = p;
  notify_entities(others, EventType::entity_registered, e);
  return errc::ok;
}

errc Instance::deregister_entity(EntityHandle caller, std::int64_t* still_held) {
  ThreadScope scope;
  Entity* e = nullptr;
  std::vector<Entity*> others;
  bool notify = false;
  {
    Guard g;  // until e is ours (below); no hazard pointer is held across callbacks
    if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
    std::lock_guard lock(core_->registry_mu);
    auto it = std::find(core_->entities.begin(), core_->entities.end(), e);
    if (it == core_->entities.end()) return errc::invalid_handle;  // a racing deregistration
    core_->entities.erase(it);
    e->registered.exchange(false, std::memory_order_seq_cst);  // D1 (call_event_callback), (D1) of owner_deregistered
    notify = !core_->tearing_down;
    try {
      for (Entity* x : core_->entities)  // memory references for the callbacks
        if (x->counts.try_add_memory()) others.push_back(x);
    } catch (...) {
      for (Entity* x : others) unref_memory(x);
      others.clear();
    }
  }
  // From here e is kept alive by its registration reference, which only
  // this call drops.
  detail::wake_method_waiters(e);  // waiting invocations give up (D1, core/entity_methods.cpp)
  // D2: wait for e's callbacks in flight. Not from inside an event
  // callback (this thread's, of e or of any entity): it could be one of
  // those waited for, or be waited for by a deregistration running inside
  // one of them on another thread. Then callbacks of e running on other
  // threads may still be running, or about to call out (those past C2
  // before D1), when this returns.
  detail::wait_for_callbacks(e);
  const std::int64_t dropped = deregister_impl(*core_, e);
  if (e->opaque_slot >= 0) {  // cleared wherever it was set, by deregister_impl
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << e->opaque_slot);
  }
  if (notify)
    notify_entities(others, EventType::entity_deregistered, e);
  else
    for (Entity* x : others) unref_memory(x);
  unref_handle(e);  // the registration
  if (still_held) *still_held = dropped;
  return errc::ok;
}

errc Instance::get_registered_entities(EntityHandle caller, std::uint32_t* count,
                                       EntityHandle* handles, EntityInfo* infos) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (count == nullptr || (handles == nullptr && *count > 0)) return errc::invalid_parameter;
  std::lock_guard lock(core_->registry_mu);
  std::uint32_t n = 0;
  for (Entity* x : core_->entities)
    if (x->info.family == e->info.family) ++n;
  if (*count < n) {
    *count = n;
    return errc::insufficient_buffer;
  }
  std::uint32_t i = 0;
  for (Entity* x : core_->entities) {
    if (x->info.family != e->info.family) continue;
    if (errc r = add_ref(e, x); r != errc::ok) {
      // Item by item (this thread's ledger, the hold records, else any
      // ledger): a unit a concurrent (double) release took is not ours to drop.
      detail::release_taken(*core_, e, reinterpret_cast<const std::uint64_t*>(handles), i);
      return r;
    }
    handles[i].value = x->handle;
    if (infos) infos[i] = x->info;
    ++i;
  }
  *count = i;
  return errc::ok;
}

errc Instance::release_entities(EntityHandle caller, std::span<const EntityHandle> handles) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::entity);
}

errc Instance::get_entity_info(EntityHandle caller, EntityHandle entity, EntityInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard g2;
  if (info == nullptr) return errc::invalid_parameter;
  Entity* x = lookup_as<Entity>(*core_, entity.value, g2);
  if (x == nullptr) return errc::invalid_handle;
  *info = x->info;
  return errc::ok;
}

errc Instance::get_profile(EntityHandle caller, RegnProfile* profile) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (profile == nullptr) return errc::invalid_parameter;
  *profile = e->profile;
  return errc::ok;
}

errc Instance::outstanding(EntityHandle caller, Outstanding* out) const {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (out == nullptr) return errc::invalid_parameter;
  std::int64_t held[detail::kHandleKindCount] = {};
  detail::ledger_held(e, held);
  out->entities = held[detail::kind_index(HandleKind::entity)];
  out->dests = held[detail::kind_index(HandleKind::dest)];
  out->routes = held[detail::kind_index(HandleKind::route)];
  out->next_hops = held[detail::kind_index(HandleKind::next_hop)];
  return errc::ok;
}

}  // namespace rtm
