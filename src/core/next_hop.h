// core/next_hop.h — a next hop, its immutable attribute versions and its map key.
#pragma once

#include <atomic>
#include <cstdint>

#include <rtm/instance.h>

#include "core/entity.h"
#include "core/object.h"
#include "detail/client_lock.h"
#include "detail/tiny_mutex.h"

namespace rtm::detail {

// An immutable version of a next hop's updatable attributes, replaced
// under NextHop::lock and retired through hazard pointers (like RouteData).
class NextHopData final : public Reclaimable {
 public:
  void destroy() noexcept override { delete this; }

  std::uint16_t flags = 0;
  void* entity_specific_info = nullptr;
};

class NextHop final : public Object, public OwnedLink {
 public:
  NextHop(Core* core, Entity* owner, const NetAddress& address, std::uint32_t ifindex) noexcept;

  Entity* const owner;  // handle link and memory reference
  const NetAddress address;
  const std::uint32_t interface_index;

  // Mutable attributes. Writers (add_next_hop, delete) hold `lock`; readers
  // take no lock and never wait (protocol and orders: write_next_hop and
  // peek_next_hop_info, src/core/next_hops.cpp and src/core/infos.cpp).
  // - data: the current version of flags and entity-specific info, set
  //   before the next hop is published, swapped by pointer, never null after.
  // - state: kNextHopStateCreated until deleted, then kNextHopStateDeleted
  //   for good; no data version is written after the delete.
  // - version: bumped after every change of data or state: the C API's
  //   pointer block compares it to know it is stale.
  TinyMutex lock;
  ClientLock client_lock;            // RtmLockNextHop
  // The C API's RtmGetNextHopPointer block (c_api/c_blocks.cpp): a plain
  // ::operator new allocation of a trivially destructible type, freed
  // with the next hop.
  std::atomic<void*> c_block{nullptr};
  std::atomic<std::uint32_t> version{0};
  std::atomic<std::uint16_t> state{kNextHopStateCreated};
  std::atomic<NextHopData*> data{nullptr};

 private:
  void revoke_children() noexcept override;
  void release_children() noexcept override;
};

struct NextHopKey {
  std::uint64_t owner;
  std::uint32_t interface_index;
  std::uint16_t family;
  std::uint8_t length;
  std::uint8_t bytes[16];
  friend bool operator<(const NextHopKey& a, const NextHopKey& b) noexcept;
};
struct NextHopKeyHash {
  std::size_t operator()(const NextHopKey& k) const noexcept;
};

}  // namespace rtm::detail
