// core/entity_methods.cpp — the method gate of an entity
// (core/entity_methods.h).
//
// The gate is Entity::method_mu and Entity::method_cv guarding
// methods_blocked, methods_active and methods_waiting:
//   M1 an invocation, under method_mu, counts itself waiting and waits
//      while `blocked` (and t is registered);
//   M2 then counts itself active for its whole batch of calls;
//   M3 after the batch, under method_mu, stops counting and, when it was
//      the last active one, notifies.
//   B1 a block, under method_mu, refuses if this thread runs a method of
//      the entity (running_method_of), sets `blocked`,
//   B2 and waits until no invocation is active.
//   B3 a resume clears `blocked` and notifies.
//   D1 a deregistration clears `registered`, then notifies under method_mu
//      (wake_method_waiters): waiting invocations give up (invalid_handle),
//      a waiting block returns.
// Every read and write of the counts and flags is under method_mu, and a
// waiter re-checks its predicate under it, so a batch runs entirely before
// a block returns (B2 saw active == 0 after M3), or entirely after the
// resume (M1 saw blocked clear after B3). D1 may be missed by a waiter
// only if it checked `registered` before D1 and waits after the notify;
// it cannot: the notify takes method_mu, which the waiter holds from the
// check until it sleeps.
#include "core/entity_methods.h"
#include "detail/tls.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <mutex>

#include "detail/test_hook.h"

namespace rtm::detail {

namespace {

// Entities whose methods this thread is running (outermost first): a
// block of any of them from here would wait for this thread.
thread_local std::uint64_t tl_in_methods[16] RTM_TLS_IE;
thread_local unsigned tl_depth RTM_TLS_IE = 0;
bool running_method_of(std::uint64_t entity) {
  for (unsigned i = 0; i < std::min(tl_depth, 16u); ++i)
    if (tl_in_methods[i] == entity) return true;
  return false;
}

}  // namespace

errc run_methods(Entity* t, EntityHandle caller, EntityHandle callee,
                 std::span<MethodCall> calls) {
  {
    std::unique_lock lock(t->method_mu);
    ++t->methods_waiting;  // M1
    t->method_cv.wait(lock, [&] {
      return !t->methods_blocked || !t->registered.load(std::memory_order_acquire);
    });
    --t->methods_waiting;
    if (!t->registered.load(std::memory_order_acquire)) return errc::invalid_handle;
    ++t->methods_active;  // M2
  }
  if (tl_depth < 16) tl_in_methods[tl_depth] = t->handle;
  ++tl_depth;
  for (MethodCall& c : calls) {
    try {
      t->methods[static_cast<unsigned>(std::countr_zero(c.method_type))](caller, callee, c);
    } catch (...) {
      // A method must not throw; what it wrote stands.
    }
  }
  --tl_depth;
  {
    std::lock_guard lock(t->method_mu);
    if (--t->methods_active == 0) t->method_cv.notify_all();  // M3
  }
  return errc::ok;
}

errc block_entity_methods(Entity* e) {
  std::unique_lock lock(e->method_mu);
  if (running_method_of(e->handle)) return errc::invalid_parameter;  // B1: would wait for itself
  e->methods_blocked = true;
  test_hook("block_methods.wait", e);
  // B2. Also done when e is deregistered (D1): a method of e that
  // deregisters e waits for e's callbacks in flight, and one of them may be
  // this call, waiting for that method (tests/methods_deadlock_test.cpp).
  e->method_cv.wait(lock, [&] {
    return e->methods_active == 0 || !e->registered.load(std::memory_order_acquire);
  });
  return errc::ok;
}

void resume_entity_methods(Entity* e) {
  std::lock_guard lock(e->method_mu);
  e->methods_blocked = false;  // B3
  e->method_cv.notify_all();
}

void wake_method_waiters(Entity* e) {
  std::lock_guard lock(e->method_mu);  // D1
  e->method_cv.notify_all();
}

std::size_t method_waiters_of(Entity* t) {
  std::lock_guard lock(t->method_mu);
  return t->methods_waiting;
}

}  // namespace rtm::detail
