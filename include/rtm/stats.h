// rtm/stats.h — what an instance holds and what it costs: Instance::stats()
// (and RtmxGetStats in rtmv2/rtmv2_ext.h).
//
// Each figure is read on its own while writers may run: the whole is no
// snapshot, each count is exact at some moment of the call, and all are
// exact when nothing writes. Nothing here takes a lock a reader or writer
// of the table waits for, but the registry's (entities registering wait).
//
// Memory is bytes IN USE by the live objects of each kind, from their
// counts and sizes (sizeof, plus the variable part where a count gives it);
// not included: malloc's own overhead per allocation (8-16 B), versions and
// route sets replaced but not yet freed (counted in retired_not_freed), and
// the memory glibc keeps after frees. RSS, measured by the memory benchmark
// beside these figures, is the ground truth. rtm has no object pools yet:
// every pooled_bytes is 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <rtm/info.h>
#include <rtm/types.h>

namespace rtm {

// The object kinds of MemoryStats.
enum class MemoryKind : int {
  destinations,      // Dest objects
  routes,            // Route objects
  route_versions,    // the current RouteData of each route (attributes and next hops)
  route_sets,        // the current route set of each destination (a pointer per route)
  next_hops,         // NextHop objects
  entities,          // registered entities
  map_nodes,         // destination map nodes (one per destination)
  map_buckets,       // destination map bucket arrays (fixed at construction)
  handle_slots,      // handle table slots handed out (recycled, never freed)
  forwarding,        // forwarding indexes and next-hop groups (resident; rtm/forwarding.h)
  count
};
inline constexpr int kMemoryKinds = static_cast<int>(MemoryKind::count);
// A short name of each kind ("destinations", "routes", ...).
const char* to_string(MemoryKind k) noexcept;

struct MemoryUse {
  std::uint64_t objects = 0;       // live objects (buckets, slots: entries)
  std::uint64_t bytes = 0;         // bytes they use
  std::uint64_t pooled_bytes = 0;  // bytes kept free in pools for the kind (no pools yet: 0)
};

struct EntityStats {
  EntityHandle entity;  // not referenced
  Family family = Family::ipv4;
  std::uint32_t protocol_id = 0;
  std::uint32_t instance_id = 0;
  std::uint64_t routes = 0;     // routes it owns
  std::uint64_t next_hops = 0;  // next hops it owns
  Outstanding held;             // references it holds
};

struct RegistrationStats {
  NotifyHandle notify;  // the registration
  EntityHandle entity;  // the registered entity, not referenced
  Family family = Family::ipv4;
  std::uint32_t slot = 0;    // the registration's slot in its family's table
  std::int64_t queued = 0;   // changed destinations in its queue
};

struct InstanceStats {
  // [0] IPv4, [1] IPv6.
  std::uint64_t destinations[2] = {};
  std::uint64_t routes[2] = {};
  std::uint64_t next_hops[2] = {};
  MemoryUse memory[kMemoryKinds] = {};
  // Process-wide (every instance): objects retired and not yet freed
  // (waiting for a hazard-pointer scan), and per-(entity, object) hold
  // records live.
  std::int64_t retired_not_freed = 0;
  std::int64_t hold_records = 0;
  std::vector<EntityStats> entities;            // every registered entity
  std::vector<RegistrationStats> registrations;  // every change-notification registration

  const MemoryUse& of(MemoryKind k) const noexcept { return memory[static_cast<int>(k)]; }
  // Sum of memory[].bytes.
  std::uint64_t bytes_in_use() const noexcept;
  // One line: "rtm: 901899+160147 dests, 1062046 routes, 2 next hops, 1.2 GiB in use
  // (dests 180 MiB, routes ...), 12 retired, 3 regs queued 0".
  std::string summary() const;
};

}  // namespace rtm
