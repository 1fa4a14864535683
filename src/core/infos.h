// core/infos.h — the info structures the API fills from the objects
// (destination, route and next-hop infos) and the filters they apply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <rtm/info.h>
#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/next_hop.h"
#include "core/route.h"

namespace rtm::detail {

// Resolves a target view set against the caller's profile.
errc target_views(const Entity* e, ViewSet views, ViewSet* out) noexcept;

// Fills *info from destination `d` (protected by the caller) with
// references for `e` (changed-destination references when `changed`).
// Nothing is referenced on error. With `only_if_present`, not_found unless
// d has a route or a held-down route in `views` in the snapshot the info
// is built from (what an exact match or an enumeration returns).
errc fill_dest_info(Core& core, Entity* e, Dest* d, std::uint32_t protocol, ViewSet views,
                    DestInfo* info, bool changed = false, bool only_if_present = false) noexcept;

// Fills *info from the longest-prefix match of `a` in t (at most max_len
// bits, a route in `views`), searching again when the match dies under
// the fill (at most 8 times); not_found if there is none.
errc fill_longest_match_info(Core& core, Entity* e, Table& t, const NetAddress& a, int max_len,
                             std::uint32_t protocol, ViewSet views, DestInfo* info);

// Appends the handle values of a DestInfo to hs (at most 1 + 3 * kMaxViews).
void collect_dest_info_handles(const DestInfo& info, std::uint64_t* hs, std::size_t* n);

// True for an info filled by get_changed_dests (last_changed's lowest bit).
inline bool is_changed_info(const DestInfo& i) noexcept { return (i.last_changed & 1) != 0; }

// Releases the references of `infos` (not empty) for e, all or nothing
// (release_handles). With `changed`, infos of get_changed_dests for
// registration `notify` (release_changed_dests); without, ordinary infos
// (release_dests). not_enough_memory if the handle buffer could not be
// allocated; invalid_parameter at the first info that is not of that kind
// or has more than kMaxViews views (nothing released).
errc release_dest_infos(Core& core, Entity* e, std::span<const DestInfo> infos, bool changed,
                        NotifyHandle notify = {});

// Fills *info from route r (protected) without references (r's own handles).
void peek_route_info(Route* r, RouteInfo* info) noexcept;
// Fills *info from next hop nh (protected) without references; the remote
// destination is left null. Lock-free, never waits for a writer. Returns
// nh->version as read before the attributes (a change after that read makes
// it differ from the current version).
std::uint32_t peek_next_hop_info(NextHop* nh, NextHopInfo* info) noexcept;
// Whether route data `d` of route `r` passes a match filter (as
// get_exact_match_route); `criteria` non-null when flags need it.
bool route_matches(const Route* r, const RouteData* d, MatchFlags flags,
                   const RouteInfo* criteria, std::uint32_t interface_index) noexcept;

// An info's protocol filter resolved for `e` (kThisProtocol: e's own).
std::uint32_t protocol_filter(const Entity* e, std::uint32_t protocol) noexcept;
// The values of route r with attribute version d (both protected by the
// caller); the handles are the objects' own, not referenced.
void route_info_of(const Route* r, const RouteData* d, RouteInfo* out) noexcept;

// Fills a RouteInfo for route r (protected) with references for e: the
// values of one attribute version, and a reference on each object named.
// not_found if r was revoked meanwhile.
errc fill_route_info(Core& core, Entity* e, Route* r, RouteInfo* info);
// Appends the handle values of a RouteInfo to hs (at most 3 + kMaxNextHopsPerRoute).
void collect_route_info_handles(const RouteInfo& info, std::uint64_t* hs, std::size_t* n);

}  // namespace rtm::detail
