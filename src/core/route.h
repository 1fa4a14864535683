// core/route.h — a route and its immutable attribute versions.
#pragma once

#include <atomic>
#include <cstdint>

#include <rtm/instance.h>

#include "core/entity.h"
#include "core/next_hop.h"
#include "core/object.h"
#include "detail/client_lock.h"

namespace rtm::detail {

class Dest;
class RouteList;

// An immutable version of a route's attributes.
class RouteData final : public Reclaimable {
 public:
  static RouteData* create(std::uint16_t hop_count) noexcept;  // null on OOM
  void destroy() noexcept override;

  PrefInfo pref;
  ViewSet views = 0;
  std::uint8_t flags1 = 0;
  std::uint16_t flags = 0;
  void* entity_specific_info = nullptr;
  std::uint16_t hop_count = 0;
  NextHop* hops[1];  // hop_count entries, each a memory reference

 private:
  RouteData() = default;
};

class Route final : public Object, public OwnedLink {
 public:
  Route(Core* core, Dest* dest, Entity* owner, NextHop* neighbour, RouteData* data) noexcept;

  // Each a handle link (until the route is revoked) and a memory reference.
  Dest* const dest;
  Entity* const owner;
  NextHop* const neighbour;  // or null
  std::atomic<RouteData*> data;
  // kRouteStateDeleted once deleted (what get_route_info reports). Readers
  // of a route set do not look at it: membership of the snapshot they
  // protect says which routes exist, so a count or best route read from
  // one snapshot is the state at one moment (linearizable lookups).
  std::atomic<std::uint8_t> state{kRouteStateCreated};
  // Deleted while its set could not be copied (out of memory): it stays in
  // the current set and every reader skips it. Set only on that path.
  std::atomic<bool> zombie{false};
  // Its shard in owner->owned_routes (core/owned.h), set before it is linked.
  std::uint8_t owned_shard = 0;

  // Bumped (under the destination lock) whenever data or state changes:
  // pointer blocks of the C API compare it to know they are stale.
  std::atomic<std::uint64_t> version{0};
  // Route expiry, all under the destination's lock. `expiry_at`: when the
  // route expires (the instance clock's ms; 0: never). At most one timer
  // entry is current: the one armed with `timer_seq`, due at `armed_at`
  // (0: none). A refresh that moves the expiry later leaves that entry
  // alone (when it fires it re-arms for the new time); one that moves it
  // earlier arms a new entry and the old one, no longer current, fires as
  // a no-op. So a route has at most two entries however often it is
  // refreshed, and a deleted route is kept only until its entry is due.
  std::uint64_t expiry_at = 0;
  std::uint64_t armed_at = 0;
  std::uint32_t timer_seq = 0;
  ClientLock client_lock;                // RtmLockRoute
  // The C API's RtmGetRoutePointer block (c_api/c_blocks.cpp): a plain
  // ::operator new allocation of a trivially destructible type, freed
  // with the route.
  std::atomic<void*> c_block{nullptr};
  RouteList* list = nullptr;             // under Core::list_mu
  // Set (seq_cst, under list_mu) before the route first enters a list; a
  // delete that reads it false after storing its state skips list_mu (the
  // Dekker argument, U1/U2 with L1/L2, is in core/route_lists.cpp).
  std::atomic<bool> listed{false};
  // The next route doomed by the same set (RouteSet::doomed): set once,
  // under the destination lock, when the route leaves its last set.
  Route* doomed_next = nullptr;

 private:
  void revoke_children() noexcept override;
  void release_children() noexcept override;
};

}  // namespace rtm::detail
