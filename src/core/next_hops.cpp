// core/next_hops.cpp — next-hop writes, deletes and keys (core/next_hops.h).
#include "core/next_hops.h"

#include <cstring>
#include <mutex>

#include "detail/test_hook.h"

namespace rtm::detail {

// Deletes a next hop (state deleted, out of the map). Routes that use it
// keep it alive and readable.
errc delete_next_hop_locked(Core& core, NextHop* nh) {
  if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) return errc::not_found;
  // (ND1), (ND2): see write_next_hop. No version is written after this.
  nh->state.store(kNextHopStateDeleted, std::memory_order_release);
  nh->version.fetch_add(1, std::memory_order_release);
  detail::NextHopKey key{};
  key.owner = nh->owner->handle;
  key.interface_index = nh->interface_index;
  key.family = static_cast<std::uint16_t>(nh->address.family());
  key.length = static_cast<std::uint8_t>(nh->address.length());
  std::memcpy(key.bytes, nh->address.bytes(), 16);
  core.next_hops->remove(key, nh);
  unref_handle(nh);  // the map's link; our caller still protects nh
  return errc::ok;
}

errc delete_next_hop_obj(Core& core, NextHop* nh) {
  std::lock_guard lock(nh->lock);
  return delete_next_hop_locked(core, nh);
}

detail::NextHopKey next_hop_key(const Entity* owner, const NetAddress& a, std::uint32_t ifindex) {
  detail::NextHopKey key{};
  key.owner = owner->handle;
  key.interface_index = ifindex;
  key.family = static_cast<std::uint16_t>(a.family());
  key.length = static_cast<std::uint8_t>(a.length());
  std::memcpy(key.bytes, a.bytes(), 16);
  return key;
}

// Writes a next hop's updatable attributes: a new immutable version
// swapped in by pointer. Under nh->lock, on a next hop not deleted (or not
// yet published). Out of memory: nothing changes.
//
// Next-hop attribute protocol. Readers take no lock and never wait for a
// writer (a writer preempted inside its section stalls nobody).
// Writers, all under nh->lock (so their sections are totally ordered):
//   (NW1) build a new NextHopData (flags, entity-specific info)
//   (NW2) old = data.exchange(new, acq_rel)   — publishes the version
//   (NW3) version.fetch_add(1, release)       — for the C pointer block
//   (NW4) retire(old)                         — freed after readers let go
//   delete_next_hop_obj:
//   (ND1) state.store(deleted, release)       — after every (NW2): the lock
//   (ND2) version.fetch_add(1, release)
// Reader (peek_next_hop_info):
//   (NR1) v = version.load(acquire)
//   (NR2) d = protect(data)                   — hazard pointer, acquire
//   (NR3) s = state.load(acquire)
//   (NR4) if s is deleted: d = protect(data) again
//   result: (s, d->flags, d->entity_specific_info), and v.
// Why it is safe: d is fully built before (NW2) publishes it (release half
// of the exchange; NR2's acquire load reads it), and is not freed while the
// hazard of NR2 holds it: (NW4) retires only after (NW2) unlinked it (the
// hazard-pointer contract, detail/reclaim.h).
// Why the result is one state the next hop was in: every data version is
// written while the state is created (writers check it under the lock and
// the state never goes back), so (created, any version) existed. When NR3
// reads deleted it synchronises with (ND1), which the lock orders after the
// last (NW2): NR4 then reads that last version, and (deleted, last version)
// is the next hop's state from the delete on.
// Pointer block: if NR1 reads the count of a (NW3)/(ND2), acquire makes that
// change visible to NR2/NR3; a change after NR1 leaves the block with a
// version behind the current one, so it is refreshed again — never a
// fresh-looking block with old contents.
errc write_next_hop(NextHop* nh, const NextHopInfo& info) {
  NextHopData* next = detail::nothrow_new<NextHopData>();  // (NW1)
  if (next == nullptr) return errc::not_enough_memory;
  next->flags = info.flags;
  next->entity_specific_info = info.entity_specific_info;
  detail::test_hook("next_hop.write", nh);  // inside the writer's section
  NextHopData* old = nh->data.exchange(next, std::memory_order_acq_rel);  // (NW2)
  nh->version.fetch_add(1, std::memory_order_release);                  // (NW3)
  if (old != nullptr) detail::retire(old);                               // (NW4)
  return errc::ok;
}

}  // namespace rtm::detail
