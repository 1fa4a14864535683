// core/dest_table.h — the destination table: longest-prefix search,
// finding or creating a destination for a write, and taking an empty one out.
#pragma once

#include <cstdint>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/route.h"
#include "detail/reclaim.h"

namespace rtm::detail {

// Whether d has a live route in `views` (of `owner` only, when given).
bool has_route_in(const Dest* d, ViewSet views, const Entity* owner = nullptr) noexcept;
// Whether set s has a route that is not deleted.
bool has_live_route(const RouteSet* s) noexcept;
// Whether `a` is an address `e` may use (its family, a valid length).
bool valid_address_for(const Entity* e, const NetAddress& a);
// Removes a destination with no routes left from its map. Under d->lock.
void remove_empty_dest(Dest* d);

// Longest-prefix match: the most specific destination covering `a` with at
// most `max_len` bits (max_len <= a.length()) that has a live route in
// `views`, protected by g; null if none. Through the forwarding index where it can answer (one index read
// and one map lookup), else one map lookup per prefix length present; what
// "most specific" means under concurrent writers is in core/dest_table.cpp.
Dest* longest_match(Core& core, Table& t, const NetAddress& a, int max_len, ViewSet views,
                    Guard& g);
// Finds or creates the destination for `a` and returns it locked (and not
// removed), protected by g. Null on allocation failure.
Dest* lock_dest_for_update(Core& core, Table& t, const NetAddress& a, Guard& g);

}  // namespace rtm::detail
