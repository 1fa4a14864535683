// core/route_lists.cpp — route lists (core/route_lists.h).
#include "core/route_lists.h"

namespace rtm::detail {

// Creation: one handle link.
RouteList::RouteList(Core* c, Entity* o) noexcept
    : Object(c, HandleKind::route_list, 1), owner(o) {}

void RouteList::release_children() noexcept { unref_memory(owner); }

}  // namespace rtm::detail
