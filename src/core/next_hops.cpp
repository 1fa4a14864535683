// core/next_hops.cpp — next-hop adds, writes, deletes and keys (core/next_hops.h).
#include "core/next_hops.h"

#include <cstring>
#include <mutex>
#include <thread>

#include "core/deregister.h"
#include "core/refs.h"
#include "detail/fault.h"
#include "detail/test_hook.h"

namespace rtm::detail {

// Deletes a next hop (state deleted, out of the map). Routes that use it
// keep it alive and readable.
errc delete_next_hop_locked(Core& core, NextHop* nh) {
  if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) return errc::not_found;
  // (ND1), (ND2): see write_next_hop. No version is written after this.
  nh->state.store(kNextHopStateDeleted, std::memory_order_release);
  nh->version.fetch_add(1, std::memory_order_release);
  nh->owner->owned_next_hops.unlink(nh, 0);  // core/owned.h
  core.next_hops->remove(next_hop_key(nh->owner, nh->address, nh->interface_index), nh);
  unlink_primary(nh);  // the map's link; our caller still protects nh
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

// Finds or creates e's next hop keyed by (info.address,
// info.interface_index) and writes its attributes. With `handle` non-null
// the caller gets a reference on it (*handle). A new next hop is built and
// written unpublished, then published under its lock (A1) and checked
// against its owner's deregistration (A2, see owner_deregistered).
errc add_next_hop_obj(Core& core, Entity* e, const NextHopInfo& info, std::uint64_t* handle,
                      NextHopChangeFlags* changed) {
  Guard gn;
  const NextHopKey key = next_hop_key(e, info.address, info.interface_index);
  for (;;) {
    if (NextHop* nh = core.next_hops->find(key, gn)) {
      {
        std::lock_guard lock(nh->lock);
        if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) {
          gn.clear();
          std::this_thread::yield();
          continue;
        }
        // The caller's reference, taken while the state is created: the map
        // link keeps the handle side, so a delete by key (which waits for the
        // lock, and so linearizes after this add) cannot make it fail; only
        // memory or the owner's deregistration can.
        if (handle != nullptr) {
          if (errc err = add_ref(e, nh); err != errc::ok) return err;
        }
        if (errc err = write_next_hop(nh, info); err != errc::ok) {
          if (handle != nullptr) give_back_ref(e, nh);
          return err;
        }
      }
      test_hook("add_next_hop.found", nh);
      if (handle != nullptr) *handle = nh->handle;
      return errc::ok;
    }
    // The next hop's link on its owner. Fails once e is revoked: another
    // thread of e completed its deregistration and nothing names e.
    if (!link_child(e)) return errc::invalid_handle;
    NextHop* nh = nothrow_new<NextHop>(&core, e, info.address, info.interface_index);
    if (nh == nullptr) {
      unlink_child(e);
      return errc::not_enough_memory;
    }
    gn.assign(nh);  // ours until published; protected before anyone can drop it
    // Everything that can fail but publishing is done first (unpublished:
    // nothing else can reach nh). The caller's reference too, as add_route
    // does: add_ref's try_add_handle cannot fail (the map link).
    errc err = write_next_hop(nh, info);
    if (err == errc::ok && handle != nullptr) err = add_ref(e, nh);
    if (err != errc::ok) {
      unref_handle(nh);  // unpublished: its revoke and destroy drop the owner links
      return err;
    }
    // nh->lock from before the handle is published (A1) until after the map
    // insert, the link into its owner's next hops (A1') and the re-check
    // (A2): a deregistration walk that pops it meanwhile waits in
    // delete_next_hop_obj, then finds nh either in the map (and removes it)
    // or deleted (see owner_deregistered).
    std::unique_lock lock(nh->lock);
    const std::uint64_t h = core.handles.allocate(HandleKind::next_hop, nh);  // (A1)
    bool inserted = false;
    bool oom = h == 0;
    if (!oom) {
      try {
        inserted = core.next_hops->insert(key, nh);
      } catch (...) {
        oom = true;
      }
    }
    if (!inserted) {
      // Deleted before the lock goes, so a delete by its handle waiting
      // for it does not drop the map link a second time (it was never
      // linked to its owner: no walk finds it).
      nh->state.store(kNextHopStateDeleted, std::memory_order_release);
      lock.unlock();
      if (handle != nullptr) give_back_ref(e, nh);  // unless the walk took it
      unlink_primary(nh);  // its map link: revoked (frees the handle), then retired
      if (oom) return errc::not_enough_memory;
      continue;  // another thread of this entity created it first
    }
    // (A1') in its owner's next hops (core/owned.h), then (A2): if e
    // deregistered meanwhile and its walk missed it, undo (see
    // owner_deregistered).
    e->owned_next_hops.link(nh, 0);
    test_hook("add_next_hop.published", nh);
    if (owner_deregistered(e)) {
      delete_next_hop_locked(core, nh);
      lock.unlock();
      if (handle != nullptr) give_back_ref(e, nh);  // unless the walk took it
      return errc::invalid_handle;
    }
    lock.unlock();
    if (changed) *changed = kNextHopChangeNew;
    if (handle != nullptr) *handle = h;
    return errc::ok;
  }
}

errc update_next_hop(NextHop* nh, const NextHopInfo& info) {
  std::lock_guard lock(nh->lock);
  if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted)
    return errc::invalid_handle;
  return write_next_hop(nh, info);
}

}  // namespace rtm::detail
