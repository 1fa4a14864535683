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

// Writes the attributes of nh (the caller's, protected): invalid_handle if
// it was deleted. Takes nh->lock.
errc update_next_hop(NextHop* nh, const NextHopInfo& info);
// The core of add_next_hop after its arguments were checked: finds or
// creates e's next hop keyed by (info.address, info.interface_index) and
// writes its attributes; with `handle` non-null, *handle gets a referenced
// handle of it. *changed (if non-null, zeroed by the caller) gets
// kNextHopChangeNew for a new next hop.
errc add_next_hop_obj(Core& core, Entity* e, const NextHopInfo& info, std::uint64_t* handle,
                      NextHopChangeFlags* changed);

}  // namespace rtm::detail
