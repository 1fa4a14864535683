// core/core.h — the core of an instance: its handle table, tables,
// registry and timers, and the instance tags its handles carry.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <rtm/instance.h>

#include "core/dest.h"
#include "core/entity.h"
#include "core/forwarding.h"
#include "core/next_hop.h"
#include "detail/handle_table.h"
#include "detail/object_map.h"

namespace rtm::detail {

class Timers;

// ---- the core -----------------------------------------------------------------

class Core {
 public:
  // Handles carry `tag` and indices from `index_base` on (detail/handle_table.h).
  Core(const InstanceOptions& options, std::uint8_t tag, std::uint32_t index_base);

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Deletes the core on the last reference. acq_rel: as for object counts.
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  Table& table(Family f) noexcept { return f == Family::ipv4 ? *ipv4_ : *ipv6_; }
  Table* table_or_null(Family f) noexcept {
    return f == Family::ipv4 ? ipv4_.get() : f == Family::ipv6 ? ipv6_.get() : nullptr;
  }
  void destroy_tables() noexcept;

  const InstanceOptions options;
  // The forwarding fast path: indexes and next-hop groups
  // (core/forwarding.h). Built first. Construction throws std::bad_alloc
  // only from here and from the maps (their bucket arrays); members
  // built before a throw are freed (the Instance constructor has checked
  // the views and the bucket counts).
  Forwarding forwarding;
  HandleTable handles;
  // Next hops are few (one per neighbour and interface an entity uses):
  // their map's 4096 buckets (64 KiB) keep lists short up to ~8K of them.
  static constexpr std::size_t kNextHopBuckets = 4096;
  std::unique_ptr<ObjectMap<NextHopKey, NextHopKeyHash, NextHop>> next_hops;

  // Registration is a slow path: one mutex, never held while calling out.
  std::mutex registry_mu;
  std::vector<Entity*> entities;  // registered; each holds its registration reference
  bool tearing_down = false;
  std::uint32_t opaque_slots = 0;  // under registry_mu: bit i = slot i taken

  // Route-list membership (a slow path). Lock order: a destination lock,
  // then list_mu.
  std::mutex list_mu;

  // Timers (route expiry, hold-down): see detail/timers.h.
  const std::unique_ptr<Timers> timers;
  // Set by ~Instance before it deregisters everyone: deletes then create
  // no hold-down entries.
  std::atomic<bool> stopping{false};
  // Set by ~Instance once the timers are stopped and every registration
  // is gone, before it deletes the routes: a delete then computes no best
  // routes and publishes no change (nobody is left to see one). Relaxed:
  // read by the thread that set it (no other may call in by then).
  std::atomic<bool> bulk_teardown{false};

 private:
  ~Core();
  std::atomic<std::int64_t> refs_{1};
  // Owned (unique_ptr: a constructor that throws, the destination maps'
  // bucket arrays failing to allocate, frees what it built).
  std::unique_ptr<Table> ipv4_;
  std::unique_ptr<Table> ipv6_;
};

// ---- instance tags ------------------------------------------------------------

struct TagLease {
  std::uint8_t tag;
  std::uint32_t base;  // first handle index the tag's table may issue
};
// Takes a free instance tag (std::length_error when none is left).
TagLease take_tag();
// Gives tag t back. `end`: the first index the tag's table never issued
// (HandleTable::end_index).
void give_tag(std::uint8_t t, std::uint32_t end);

// FILETIME now (100 ns ticks since 1601-01-01 UTC).
std::uint64_t filetime_now() noexcept;

}  // namespace rtm::detail
