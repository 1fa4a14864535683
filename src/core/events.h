// core/events.h — event callbacks: calling one out, counted in flight for
// its entity's deregistration to wait for.
#pragma once

#include <rtm/instance.h>

#include "core/entity.h"

namespace rtm::detail {

// Runs t's event callback, if t has one and is still registered, counted
// as in flight for t's deregistration to wait for (the protocol is at the
// definition, src/core/events.cpp). Call with no Guard held. True if it ran.
bool call_event_callback(Entity* t, EventType type, void* ctx1, void* ctx2) noexcept;

}  // namespace rtm::detail
