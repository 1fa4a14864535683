// core/events.cpp — event callbacks and the wait of a deregistration for them (core/events.h).
#include "core/events.h"
#include "detail/tls.h"

#include <cstdint>
#include <mutex>
#include <vector>

#include "detail/test_hook.h"

namespace rtm::detail {

// ---- event callbacks in flight ----------------------------------------------------
//
// deregister_entity(t) returns only once no callback of t is running
// (except when called from inside an event callback: see there). Each
// call-out counts itself in t->callbacks_in_flight around the call:
//   (C1) callbacks_in_flight.fetch_add(1)        seq_cst
//   (C2) if !registered.load(): undo C1, skip     seq_cst
//   (C3) the callback runs
//   (C4) callbacks_in_flight.fetch_sub(1)        seq_cst
//   (C5) if the count reached 0 and !registered.load() (seq_cst):
//        lock callback_mu, notify callback_cv
// deregister_entity (src/api/entities.cpp; D2 is wait_for_callbacks below):
//   (D1) registered.exchange(false)               seq_cst
//   (D2) under callback_mu, wait on callback_cv until
//        callbacks_in_flight.load() == 0          seq_cst
// Why no callback runs after D2: C1, C2, D1, D2 are seq_cst, so they are
// in one total order S. If C1 precedes D1 in S, D2 (after D1) reads C1's
// increment or a later value and waits for C4. Otherwise D1 precedes C2
// and C2 reads false: the callback does not run. No lost wake-up: if C5
// reads registered == true, C5 precedes D1 in S and so D2's loads, which
// then read C4's decrement; if it reads false, the notify is sent under
// callback_mu, so D2 either checks its predicate after it or is waiting.
// A callback is not called once its deregistration returned, and its
// entity (kept alive by the caller's reference) is still registered while
// it runs, with its routes and references intact: the wait comes before
// the deregistration deletes anything.

namespace {
// Event callbacks running on this thread (any entity, any instance).
thread_local unsigned t_callback_depth RTM_TLS_IE = 0;
}  // namespace

bool call_event_callback(Entity* t, EventType type, void* ctx1, void* ctx2) noexcept {
  if (!t->callback) return false;
  t->callbacks_in_flight.fetch_add(1, std::memory_order_seq_cst);   // C1
  const bool run = t->registered.load(std::memory_order_seq_cst);    // C2
  if (run) {
    ++t_callback_depth;
    try {
      t->callback(EntityHandle{t->handle}, type, ctx1, ctx2);  // C3
    } catch (...) {
      // A callback must not throw; the library's state is unaffected.
    }
    --t_callback_depth;
  }
  if (t->callbacks_in_flight.fetch_sub(1, std::memory_order_seq_cst) == 1 &&  // C4
      !t->registered.load(std::memory_order_seq_cst)) {                      // C5
    std::lock_guard lock(t->callback_mu);
    t->callback_cv.notify_all();
  }
  return run;
}

// (D2), called by deregister_entity after (D1). Not from inside an event
// callback (this thread's, of e or of any entity): it could be one of
// those waited for, or be waited for by a deregistration running inside
// one of them on another thread. Then callbacks of e running on other
// threads may still be running, or about to call out (those past C2
// before D1), when deregister_entity returns.
void wait_for_callbacks(Entity* e) {
  if (t_callback_depth == 0 && e->callbacks_in_flight.load(std::memory_order_seq_cst) != 0) {
    test_hook("deregister_entity.wait_callbacks", e);
    std::unique_lock clock(e->callback_mu);
    e->callback_cv.wait(clock, [&] {
      return e->callbacks_in_flight.load(std::memory_order_seq_cst) == 0;
    });
  }
}

// Calls each entity's callback (outside every lock, no guard held), then
// drops the memory references the caller took to keep them alive.
void notify_entities(std::vector<Entity*>& targets, EventType type, Entity* subject) {
  for (Entity* t : targets) {
    call_event_callback(t, type,
                        reinterpret_cast<void*>(static_cast<std::uintptr_t>(subject->handle)),
                        const_cast<EntityInfo*>(&subject->info));
    unref_memory(t);
  }
}

}  // namespace rtm::detail
