// core/owned.h — what an entity owns (its routes, next hops, enumerations,
// route lists and notification registrations), reachable from the entity,
// so that its deregistration costs O(its own objects), not a walk of the
// whole handle table (issue 17).
//
// Each owned object is an OwnedLink in one of its owner's OwnedSets from
// just after its handle is published (A1) until it is deleted. All list
// changes and reads are under the shard's lock; the owner is alive while
// its objects are linked (each holds a reference on it).
//
// Protocol against the owner's deregistration (the Dekker pair argued at
// owner_deregistered, src/core/deregister.cpp, with "the walk" being
// deregister_impl's pops below):
//   (A1') the creator links the object (a critical section of the shard's
//         lock), after its handle is published and before (A2);
//   (D2)  after (D1), the deregistration pops every shard until it is
//         empty, each pop a critical section of the same lock, and deletes
//         what it popped.
// If A2 precedes D1 in `registered`'s modification order, A2 synchronizes-
// with D1, so the link's critical section happens-before D1 and so before
// every pop: the lock orders the pops after the link, and one of them pops
// the object (unless a delete unlinked it first: it is then deleted). If
// D1 precedes A2, A2 reads false and the creator deletes the object
// itself. Deletes are idempotent (each checks the object's state under its
// own lock), so both may happen.
//
// A pop takes the object out and returns its handle value (read under the
// lock, while the object is linked and so alive: a delete unlinks before
// it drops the link that keeps the object). The walk then looks the handle
// up (the handle table validates it, under a hazard pointer) and deletes
// the object; the delete's unlink finds it already out. So the walk never
// waits for another deleter, and never holds a shard lock while deleting
// (a delete takes the object's lock, then the shard's: the order is always
// object lock, then shard lock).
#pragma once

#include <cstdint>

#include "detail/tiny_mutex.h"

namespace rtm::detail {

// A base of every owned object kind. Both null: not in a list.
struct OwnedLink {
  OwnedLink* prev = nullptr;
  OwnedLink* next = nullptr;
};

// The shard of the calling thread, in [0, n): threads of one entity that
// create routes concurrently link into different shards, so they write no
// shared line (a route records its shard for its unlink).
unsigned my_owned_shard(unsigned n) noexcept;

// Owned objects of one kind, in `Shards` doubly-linked lists, each under
// its own lock and on its own cache line.
template <unsigned Shards>
class OwnedSet {
 public:
  static constexpr unsigned kShards = Shards;

  OwnedSet() noexcept {
    for (Shard& s : shards_) s.head.prev = s.head.next = &s.head;
  }
  OwnedSet(const OwnedSet&) = delete;
  OwnedSet& operator=(const OwnedSet&) = delete;

  // Links o (not linked) into shard s: (A1').
  void link(OwnedLink* o, unsigned s) noexcept {
    link_if(o, s, [] { return true; });
  }

  // Links o (not linked) into shard s if pred(), evaluated under the lock,
  // is true.
  template <typename P>
  void link_if(OwnedLink* o, unsigned s, P&& pred) noexcept {
    Shard& sh = shards_[s];
    sh.mu.lock();
    if (pred()) {
      o->next = sh.head.next;
      o->prev = &sh.head;
      sh.head.next->prev = o;
      sh.head.next = o;
      ++sh.count;
    }
    sh.mu.unlock();
  }

  // Unlinks o from shard s if it is still linked (a deregistration's pop
  // may have taken it).
  void unlink(OwnedLink* o, unsigned s) noexcept {
    Shard& sh = shards_[s];
    sh.mu.lock();
    if (o->next != nullptr) {
      o->prev->next = o->next;
      o->next->prev = o->prev;
      o->prev = o->next = nullptr;
      --sh.count;
    }
    sh.mu.unlock();
  }

  // Takes one object out of shard s and returns its handle value, or 0 if
  // the shard is empty. T: the object type (a subclass of OwnedLink with a
  // `handle`, set before it was linked).
  template <typename T>
  std::uint64_t pop(unsigned s) noexcept {
    Shard& sh = shards_[s];
    sh.mu.lock();
    OwnedLink* o = sh.head.next;
    std::uint64_t h = 0;
    if (o != &sh.head) {
      h = static_cast<T*>(o)->handle;  // never 0: linked after its handle is published
      sh.head.next = o->next;
      o->next->prev = &sh.head;
      o->prev = o->next = nullptr;
      --sh.count;
    }
    sh.mu.unlock();
    return h;
  }

  // Pops and hands each handle to f until every shard is empty.
  template <typename T, typename F>
  void drain(F&& f) {
    for (unsigned s = 0; s < Shards; ++s)
      for (std::uint64_t h; (h = pop<T>(s)) != 0;) f(h);
  }

  // Objects linked, summed over the shards (each read under its lock: no
  // snapshot across shards). For stats.
  std::uint64_t size() noexcept {
    std::uint64_t n = 0;
    for (Shard& s : shards_) {
      s.mu.lock();
      n += s.count;
      s.mu.unlock();
    }
    return n;
  }

  // True if every shard is empty (for checks at the owner's destruction).
  bool empty() noexcept {
    bool e = true;
    for (Shard& s : shards_) {
      s.mu.lock();
      e = e && s.head.next == &s.head;
      s.mu.unlock();
    }
    return e;
  }

 private:
  struct alignas(64) Shard {
    TinyMutex mu;
    OwnedLink head;          // sentinel of a circular list
    std::uint64_t count = 0;  // objects linked
  };
  Shard shards_[Shards];
};

}  // namespace rtm::detail
