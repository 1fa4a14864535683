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

// Publishes unpublished `o`, owned by `owner`, under a new handle of
// `kind`: (A1) the handle, `link` (A1': into the owner's set of its kind,
// unless it was deleted meanwhile, core/owned.h), test_hook(hook, o), then
// (A2). On success
// *out is the handle. not_enough_memory if no handle was free (o's
// creation reference dropped); invalid_handle if the owner deregistered
// meanwhile (o given to `del`, which must be idempotent: the walk may
// delete it too).
errc publish_owned(Core& core, Object* o, Entity* owner, HandleKind kind, const char* hook,
                   void (*link)(Core&, Object*), void (*del)(Core&, Object*),
                   std::uint64_t* out);

// Deregisters `e` (already out of the registry, `registered` exchanged to
// false: D1). Returns references dropped.
std::int64_t deregister_impl(Core& core, Entity* e);
// Deregisters e's change-notification registrations (part of
// deregister_impl; ~Instance runs it for every entity first).
void deregister_notifications(Core& core, Entity* e);

}  // namespace rtm::detail
