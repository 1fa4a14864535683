// core/entity.cpp — entities (core/entity.h).
#include "core/entity.h"

#include <cstdio>
#include <cstdlib>

#include "detail/sharded_counter.h"

namespace rtm::detail {

// Registration: one handle link.
Entity::Entity(Core* c, const EntityInfo& i, const RegnProfile& p, EventCallback cb,
               std::vector<EntityMethod> m, int slot) noexcept
    : Object(c, HandleKind::entity, 1), info(i), profile(p), callback(std::move(cb)),
      methods(std::move(m)), opaque_slot(slot) {}

// Freed only after its deregistration emptied its owned sets, and every
// object it owns holds a reference on it until it is unlinked: a linked
// object here would be a broken invariant (and a dangling list).
Entity::~Entity() {
#if !defined(NDEBUG) || defined(RTM_FAULT_INJECTION)
  if (!owned_routes.empty() || !owned_next_hops.empty() || !owned_enums.empty() ||
      !owned_lists.empty() || !owned_regs.empty()) {
    std::fprintf(stderr, "rtm: an entity freed while objects it owns are linked to it\n");
    std::abort();
  }
#endif
}

unsigned my_owned_shard(unsigned n) noexcept { return counter_shard() % n; }

}  // namespace rtm::detail
