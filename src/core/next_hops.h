// core/next_hops.h — next-hop writes, deletes and map keys.
#pragma once

#include <cstdint>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/entity.h"
#include "core/next_hop.h"

namespace rtm::detail {

// The next-hop map key of (owner, address, interface).
NextHopKey next_hop_key(const Entity* owner, const NetAddress& a, std::uint32_t ifindex);
// Writes nh's updatable attributes (a new version swapped in). Under
// nh->lock, on a next hop not deleted (or not yet published). Out of
// memory: nothing changes. The protocol is at the definition.
errc write_next_hop(NextHop* nh, const NextHopInfo& info);
// Deletes a next hop (state deleted, out of the map); not_found if it was
// already. Under nh->lock / taking it.
errc delete_next_hop_locked(Core& core, NextHop* nh);
errc delete_next_hop_obj(Core& core, NextHop* nh);

}  // namespace rtm::detail
