// core/deregister.h — an entity's deregistration: what it owns and holds
// goes, and objects published concurrently by its other threads.
#pragma once

#include <cstdint>

#include "core/core.h"
#include "core/entity.h"

namespace rtm::detail {

// (A2) of an object's publication against its owner's deregistration: true
// if `e` deregistered (the creator then deletes what it published). The
// protocol is at the definition (src/core/deregister.cpp).
bool owner_deregistered(Entity* e) noexcept;

// Deregisters `e` (already out of the registry, `registered` exchanged to
// false: D1). Returns references dropped.
std::int64_t deregister_impl(Core& core, Entity* e);

}  // namespace rtm::detail
