// core/dest.cpp — destinations, route sets, hold-down sets and keys (core/dest.h).
#include "core/dest.h"

#include <cassert>
#include <cstring>
#include <new>

#include "core/key_hash.h"
#include "detail/fault.h"

namespace rtm::detail {

RouteSet* RouteSet::create(std::uint32_t n) noexcept {
  const std::size_t cap = n == 0 ? 1 : n;
  void* mem = nothrow_alloc(sizeof(RouteSet) + (cap - 1) * sizeof(Route*));
  if (mem == nullptr) return nullptr;
  RouteSet* s = new (mem) RouteSet();
  s->size = n;
  for (std::size_t i = 0; i < cap; ++i) s->routes[i] = nullptr;
  return s;
}

// Never destroyed: an Instance with static storage duration may be torn
// down after the function-local statics (tests/static_instance_test.cpp).
RouteSet* RouteSet::shared_empty() noexcept {
  alignas(RouteSet) static unsigned char storage[sizeof(RouteSet)];
  static RouteSet* const empty = new (storage) RouteSet();
  return empty;
}

// acq_rel: the unit that reaches zero sees what the other holder did
// before dropping its unit (the writer's fields were written before the
// retirement that led to either drop). A loop, not a recursion: a reader
// that stayed long in an old set may release a long chain at once.
void RouteSet::destroy() noexcept {
  for (RouteSet* s = this; s != nullptr;) {
    if (s->hold.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (s->holds_routes)
      for (std::uint32_t i = 0; i < s->size; ++i) unref_memory(s->routes[i]);
    for (Route* r = s->doomed; r != nullptr;) {
      Route* next = r->doomed_next;  // before the drop, which may free r
      unref_memory(r);
      r = next;
    }
    RouteSet* succ = s->successor;
    s->~RouteSet();
    ::operator delete(s);
    s = succ;
  }
}

void RouteSet::doom(Route* r) noexcept {
  r->doomed_next = doomed;
  doomed = r;
}

// Map membership: one handle link.
Dest::Dest(Core* c, Table* t, const NetAddress& a, RouteSet* empty) noexcept
    : Object(c, HandleKind::dest, 1), routes(empty), address(a), table(t) {}

void Dest::release_children() noexcept {
  // No handle links to drop at the revoke: a current hold entry holds its
  // route, which holds d, so d's current hold set is empty by then.
  RouteSet* s = routes.load(std::memory_order_acquire);
  if (s != nullptr && s != RouteSet::shared_empty()) {
    // Its last set lists nothing: a route it listed would still hold its
    // membership reference (the set is not destroyed), so its memory
    // reference on d, and d would not be here.
    assert(s->size == 0);
    retire(s);
  }
  if (HoldDownSet* h = hold_down.load(std::memory_order_acquire)) retire(h);
  delete[] opaque.load(std::memory_order_acquire);
}

void HoldDownSet::destroy() noexcept {
  for (std::uint32_t i = 0; i < size; ++i) unref_memory(entries[i].route);
  delete this;
}

bool operator<(const DestKey& a, const DestKey& b) noexcept {
  if (a.length != b.length) return a.length < b.length;
  return std::memcmp(a.bytes, b.bytes, sizeof a.bytes) < 0;
}

std::size_t DestKeyHash::operator()(const DestKey& k) const noexcept {
  return mix(load64(k.bytes) ^ mix(load64(k.bytes + 8) + k.length));
}

DestKey dest_key(const NetAddress& a) noexcept {
  DestKey k;
  k.length = static_cast<std::uint8_t>(a.length());
  std::memcpy(k.bytes, a.bytes(), sizeof k.bytes);
  return k;
}

}  // namespace rtm::detail
