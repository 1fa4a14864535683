// core/entity.h — a registered entity: its registration, method gate and
// event-callback counters.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include <rtm/instance.h>

#include "core/object.h"
#include "core/owned.h"

namespace rtm::detail {

class Entity final : public Object {
 public:
  Entity(Core* core, const EntityInfo& info, const RegnProfile& profile, EventCallback cb,
         std::vector<EntityMethod> methods, int opaque_slot) noexcept;
  ~Entity() override;

  const EntityInfo info;
  const RegnProfile profile;
  const EventCallback callback;
  const std::vector<EntityMethod> methods;
  // Its opaque-pointer slot on every destination, or -1 (not reserved).
  const int opaque_slot;
  std::atomic<bool> registered{true};
  // References this entity holds that are counted on objects (hold
  // records), by HandleKind index; those in ledgers are counted there
  // (ledger_held, core/ledger_refs.cpp). Its deregistration walks the
  // hold records (walk 3) only if one is non-zero: (G) at add_ref.
  std::atomic<std::int64_t> held[kHandleKindCount] = {};
  // Set (for good) when it first gets its opaque-pointer slot: only then
  // does its deregistration clear the slot on every destination.
  std::atomic<bool> used_opaque{false};

  // What it owns (core/owned.h), deleted by its deregistration without a
  // walk of the table. Routes in one shard per creating thread (so that a
  // peer's loaders do not share a lock), the rest in one.
  OwnedSet<8> owned_routes;
  OwnedSet<1> owned_next_hops;
  OwnedSet<1> owned_enums;
  OwnedSet<1> owned_lists;
  OwnedSet<1> owned_regs;

  // Method gate (slow path: a mutex and a condition variable). An
  // invocation waits while `blocked`, then counts itself in `active`;
  // block_methods sets `blocked` and waits for `active` to reach 0.
  std::mutex method_mu;
  std::condition_variable method_cv;
  bool methods_blocked = false;
  std::uint32_t methods_active = 0;
  std::uint32_t methods_waiting = 0;

  // Event callbacks of this entity running now, and the wait of its
  // deregistration for them (protocol: call_event_callback, src/core/events.cpp).
  std::atomic<std::uint32_t> callbacks_in_flight{0};
  std::mutex callback_mu;
  std::condition_variable callback_cv;
};

}  // namespace rtm::detail
