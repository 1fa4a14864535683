// core/events.h — event callbacks: calling one out, counted in flight for
// its entity's deregistration to wait for.
#pragma once

#include <vector>

#include <rtm/instance.h>

#include "core/entity.h"

namespace rtm::detail {

// Runs t's event callback, if t has one and is still registered, counted
// as in flight for t's deregistration to wait for (the protocol is at the
// definition, src/core/events.cpp). Call with no Guard held. True if it ran.
bool call_event_callback(Entity* t, EventType type, void* ctx1, void* ctx2) noexcept;

// Calls each entity's callback (outside every lock, no guard held), then
// drops the memory references the caller took to keep them alive.
void notify_entities(std::vector<Entity*>& targets, EventType type, Entity* subject);
// (D2) of the protocol at call_event_callback: waits until no event
// callback of e (deregistered: D1 done) is running, unless called from
// inside an event callback.
void wait_for_callbacks(Entity* e);

}  // namespace rtm::detail
