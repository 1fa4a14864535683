// core/enumerations.cpp — enumeration objects (core/enumerations.h).
#include "core/enumerations.h"

namespace rtm::detail {

// Creation: one handle link.
EnumObj::EnumObj(Core* c, Entity* o, Kind k) noexcept
    : Object(c, HandleKind::enumeration, 1), owner(o), kind(k) {}

void EnumObj::release_children() noexcept { unref_memory(owner); }

}  // namespace rtm::detail
