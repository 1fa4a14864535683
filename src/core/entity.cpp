// core/entity.cpp — entities (core/entity.h).
#include "core/entity.h"

namespace rtm::detail {

// Registration: one handle link.
Entity::Entity(Core* c, const EntityInfo& i, const RegnProfile& p, EventCallback cb,
               std::vector<EntityMethod> m, int slot) noexcept
    : Object(c, HandleKind::entity, 1), info(i), profile(p), callback(std::move(cb)),
      methods(std::move(m)), opaque_slot(slot) {}

}  // namespace rtm::detail
