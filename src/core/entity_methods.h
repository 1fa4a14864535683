// core/entity_methods.h — the method gate of an entity: invocations run
// in batches, a block waits for the batches in flight and holds back new
// ones until the resume. The protocol is argued in core/entity_methods.cpp.
#pragma once

#include <cstddef>
#include <span>

#include <rtm/instance.h>

#include "core/entity.h"

namespace rtm::detail {

// Runs `calls` (validated: each names a method of t) as one batch of t's
// methods: waits while t's methods are blocked, then calls them in order
// with no lock held. invalid_handle, and nothing runs, if t is or gets
// deregistered first. The caller keeps t alive (a memory reference) and
// holds no hazard pointer: methods may invoke methods again, to any depth.
errc run_methods(Entity* t, EntityHandle caller, EntityHandle callee,
                 std::span<MethodCall> calls);

// Blocks e's methods and waits until no batch of them runs (or e is
// deregistered). invalid_parameter, blocking nothing, from inside a method
// of e on this thread (it would wait for itself).
errc block_entity_methods(Entity* e);
// Lets e's methods run again and wakes the invocations waiting.
void resume_entity_methods(Entity* e);

// Wakes every invocation and block waiting at e's gate, after e's
// `registered` was cleared: they give up.
void wake_method_waiters(Entity* e);

// How many invocations wait at t's gate now.
std::size_t method_waiters_of(Entity* t);

}  // namespace rtm::detail
