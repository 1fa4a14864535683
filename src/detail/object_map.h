// detail/object_map.h — a lock-free hash map from keys to refcounted objects.
//
// Wraps cds::container::MichaelHashMap<HP, MichaelKVList<HP, Key, Cell>>
// (Michael's lock-free hash table: a fixed array of lock-free sorted
// lists). The bucket count is fixed at construction (rounded up to a power
// of two; 16 bytes a bucket, allocated and written then): a lookup is one
// bucket load and a walk of its list, which stays one or two nodes long
// while the map holds up to about twice as many keys as buckets, and grows
// linearly beyond. Chosen over libcds' split-ordered list, which grows
// without bound but puts a separately allocated dummy node and a segment
// table between the hash and the first node: on the Tier-1 table a load
// (a failed find, then an insert) took ~1.75x as long and a cache-missing
// exact-match get ~1.5x (measured side by side, same build). Each node
// holds a Cell, an atomic pointer to the object, so that a lookup can
// hazard-protect the *object* with validation:
//
//   find(k):   gp = map.get(k)              // node protected by libcds' guard
//              p  = guard.protect(gp->cell)  // publish hazard on object, reload
//              -> p (null if the cell was cleared)
//   remove(k): map.erase(k, f): one search, the node unlinked (marked),
//              then f clears the cell (seq_cst); then the caller drops the
//              map's handle link (which may retire p).
//
// Why that is safe: if find's reload still saw p, its hazard was published
// before remove() cleared the cell, hence before the object could be
// retired (the clear is sequenced before the caller's unlink, and so
// before retire()'s fence: the (R1) of detail/reclaim.h), and the scan that
// frees p will see the hazard. If it saw null, find reports "absent". The
// removal linearizes at the unlink: a find that starts later cannot reach
// the marked node, and one that reached it before and still read p
// overlapped the removal.
// Insert and remove of one key are serialised by the caller (the
// destination's lock, or the next hop owner's protocol): insert of a key
// fails while a node for it exists, so erase-by-key can only erase the
// node that maps to the caller's object.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <utility>

#include <cds/container/michael_kvlist_hp.h>
#include <cds/container/michael_map.h>

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
  struct ListTraits : public cds::container::michael_list::traits {
    using less = std::less<Key>;
  };
  using List = cds::container::MichaelKVList<Gc, Key, Cell, ListTraits>;
  struct Traits : public cds::container::michael_map::traits {
    using hash = Hash;
    using item_counter = cds::atomicity::cache_friendly_item_counter;
  };
  using Base = cds::container::MichaelHashMap<Gc, List, Traits>;
  // The libcds map with a teardown that visits only the buckets that are
  // not empty: its destructor clears every bucket three times, taking a
  // guard each time (~40 ms for the 1.3M empty buckets of a default
  // instance, ~0.5 s under ASan).
  struct Map : Base {
    using Base::Base;
    // Empties the map and frees its bucket array; the object is then left
    // undestroyed (an empty bucket list owns nothing).
    void dismantle() noexcept {
      for (auto *b = this->m_Buckets, *end = b + this->bucket_count(); b != end; ++b)
        if (!b->empty()) b->clear();  // retires its nodes: API context
      typename Base::bucket_table_allocator().deallocate(this->m_Buckets, this->bucket_count());
    }
    using Bucket = typename Base::internal_bucket_type;  // a List, with its own traits
    // The bucket k hashes to (as the base's protected bucket(k)).
    const Bucket& bucket_of(const Key& k) const noexcept {
      return this->m_Buckets[this->hash_value(k)];
    }
  };
  // The first node of a bucket's list, read through the list's protected
  // head() (a member pointer formed in a derived class may be applied to
  // any bucket). Relaxed: for a prefetch only; the node may be gone.
  struct Peek : Map::Bucket {
    using B = typename Map::Bucket;
    static constexpr std::size_t kNodeBytes = sizeof(typename B::node_type);
    static const void* first_node(const B& b) noexcept {
      const typename B::head_type& (B::*head)() const = &Peek::head;
      return (b.*head)().load(std::memory_order_relaxed).ptr();
    }
  };

 public:
  // `buckets` lists (rounded up to a power of two, at least 16). Throws
  // std::bad_alloc when the bucket array cannot be allocated.
  explicit ObjectMap(std::size_t buckets) {
    const std::size_t n = std::bit_ceil(std::max<std::size_t>(buckets, 16));
    // libcds rounds its argument up to the power of two *above* it (its
    // MSB counts from 1): n - 1 gives exactly n buckets.
    map_ = new (storage_) Map(n - 1, 1);
    assert(map_->bucket_count() == n);
  }
  ~ObjectMap() { destroy_storage(); }
  ObjectMap(const ObjectMap&) = delete;
  ObjectMap& operator=(const ObjectMap&) = delete;

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

  // Removes k, which must map to p (the caller serialises insert and
  // remove of k; see the header for the protocol); false if k is absent.
  bool remove(const Key& k, [[maybe_unused]] T* p) {
    return map_->erase(k, [&](typename Map::value_type& item) {
      // The precondition, checked in the debug and sanitizer
      // (fault-injection) builds: broken, another object would leave.
#if !defined(NDEBUG) || defined(RTM_FAULT_INJECTION)
      if (item.second.ptr.load(std::memory_order_relaxed) != p) {
        std::fprintf(stderr, "rtm: ObjectMap::remove of a key that maps to another object\n");
        std::abort();
      }
#endif
      item.second.ptr.store(nullptr, std::memory_order_seq_cst);
    });
  }

  std::size_t size() const { return map_->size(); }
  // Sizes, for stats: a node (one per key) and the bucket array.
  static constexpr std::size_t node_bytes() noexcept { return Peek::kNodeBytes; }
  std::size_t bucket_count() const noexcept { return map_->bucket_count(); }
  std::size_t bucket_bytes() const noexcept {
    return map_->bucket_count() * sizeof(typename Map::Bucket);
  }

  // Hints for bulk writes, which issue them a few keys ahead, so that a
  // find or insert of k a little later does not wait for memory: the first
  // brings k's bucket toward the cache (the bucket array is fixed at
  // construction), the second, issued once the bucket is there, the first
  // node of its list (a node a search of k visits first; a prefetch of one
  // freed meanwhile is harmless).
  void prefetch_bucket(const Key& k) const noexcept { __builtin_prefetch(&map_->bucket_of(k)); }
  void prefetch_first_node(const Key& k) const noexcept {
    if (const void* n = Peek::first_node(map_->bucket_of(k))) __builtin_prefetch(n);
  }


  // Destroys the libcds map (its nodes are retired: API context only),
  // leaving the ObjectMap itself in place. No other call may follow.
  void destroy_storage() noexcept {
    if (map_ == nullptr) return;
    map_->dismantle();
    map_ = nullptr;
  }

 private:
  alignas(Map) unsigned char storage_[sizeof(Map)];
  Map* map_ = nullptr;  // in storage_, from construction to destroy_storage()
};

}  // namespace rtm::detail
