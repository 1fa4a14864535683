// core/next_hop.cpp — next hops and their keys (core/next_hop.h).
#include "core/next_hop.h"

#include <cstring>

#include "core/key_hash.h"

namespace rtm::detail {

// Map membership: one handle link. The caller has taken the links on `o`.
NextHop::NextHop(Core* c, Entity* o, const NetAddress& a, std::uint32_t ifindex) noexcept
    : Object(c, HandleKind::next_hop, 1), owner(o), address(a), interface_index(ifindex) {}

void NextHop::revoke_children() noexcept { unref_handle(owner); }

void NextHop::release_children() noexcept {
  // A reader may still hold a hazard on the version it protected through
  // this next hop, so the version goes through retirement too.
  if (NextHopData* d = data.load(std::memory_order_acquire)) retire(d);
  ::operator delete(c_block.load(std::memory_order_acquire));  // the C block, if any
  unref_memory(owner);
}

bool operator<(const NextHopKey& a, const NextHopKey& b) noexcept {
  if (a.owner != b.owner) return a.owner < b.owner;
  if (a.interface_index != b.interface_index) return a.interface_index < b.interface_index;
  if (a.family != b.family) return a.family < b.family;
  if (a.length != b.length) return a.length < b.length;
  return std::memcmp(a.bytes, b.bytes, sizeof a.bytes) < 0;
}

std::size_t NextHopKeyHash::operator()(const NextHopKey& k) const noexcept {
  return mix(k.owner ^ mix(load64(k.bytes) ^ mix(load64(k.bytes + 8) + k.interface_index +
                                                 (std::uint64_t{k.length} << 32))));
}

}  // namespace rtm::detail
