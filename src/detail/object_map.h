// detail/object_map.h — a lock-free hash map from keys to refcounted objects.
//
// Wraps cds::container::SplitListMap<HP, Key, Cell> (Shalev–Shavit split-ordered
// lists: lock-free, grows by splitting buckets without rehashing or stopping
// the world; the bucket table's segments are allocated lazily, so an empty
// map costs a few KiB). Each node holds a Cell, an atomic pointer to the
// object, so that a lookup can hazard-protect the *object* with validation:
//
//   find(k):   gp = map.get(k)              // node protected by libcds' guard
//              p  = guard.protect(gp->cell)  // publish hazard on object, reload
//              -> p (null if the cell was cleared)
//   remove(k): cell.store(null) (seq_cst), then map.erase(k), then the caller
//              drops the map's handle link (which may retire p).
//
// Why that is safe: if find's reload still saw p, its hazard was published
// before remove() cleared the cell, hence before the object could be
// retired, and the scan that frees p will see the hazard. If it saw null,
// find reports "absent", which linearizes after the removal.
// Insert and remove of one key are serialised by the caller (the
// destination's lock, or the next hop owner's protocol): insert of a key
// fails while a node for it exists, so erase-by-key after clearing the cell
// can only erase the node whose cell was cleared.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>

#include <cds/container/michael_list_hp.h>
#include <cds/container/split_list_map.h>

#include "detail/fault.h"
#include "detail/reclaim.h"

namespace rtm::detail {

template <typename Key, typename Hash, typename T>
class ObjectMap {
 public:
  struct Cell {
    std::atomic<T*> ptr;
    explicit Cell(T* p = nullptr) noexcept : ptr(p) {}
    Cell(Cell&& o) noexcept : ptr(o.ptr.load(std::memory_order_relaxed)) {}
  };

 private:
  struct Traits : public cds::container::split_list::traits {
    using ordered_list = cds::container::michael_list_tag;
    using hash = Hash;
    using item_counter = cds::atomicity::cache_friendly_item_counter;
    struct ordered_list_traits : public cds::container::michael_list::traits {
      using less = std::less<Key>;
    };
  };
  using Map = cds::container::SplitListMap<Gc, Key, Cell, Traits>;

 public:
  // Capacity of the bucket table (allocated lazily by segment): lists stay
  // short up to about 2 * kBuckets entries.
  static constexpr std::size_t kBuckets = std::size_t{1} << 22;

  ObjectMap() { map_.emplace(kBuckets, 2); }

  // The object for k, protected by `guard`, or null.
  T* find(const Key& k, Guard& guard) {
    auto gp = map_->get(k);
    if (!gp) return nullptr;
    T* p = guard.protect(gp->second.ptr);
    return p;
  }

  // Inserts k -> p; false if k is present. Throws std::bad_alloc when the
  // node cannot be allocated.
  bool insert(const Key& k, T* p) {
    fault_throw();
    return map_->emplace(k, p);
  }

  // Removes k if it maps to p (see the header for the protocol).
  bool remove(const Key& k, T* p) {
    {
      auto gp = map_->get(k);
      if (!gp || gp->second.ptr.load(std::memory_order_relaxed) != p) return false;
      gp->second.ptr.store(nullptr, std::memory_order_seq_cst);
    }
    return map_->erase(k);
  }

  std::size_t size() const { return map_->size(); }

  // Destroys the libcds map (its nodes are retired: API context only),
  // leaving the ObjectMap itself in place. No other call may follow.
  void destroy_storage() noexcept { map_.reset(); }

 private:
  std::optional<Map> map_;  // engaged from construction to destroy_storage()
};

}  // namespace rtm::detail
