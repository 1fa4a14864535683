// core/route.cpp — routes and their attribute versions (core/route.h).
#include "core/route.h"

#include <new>

#include "core/dest.h"
#include "detail/fault.h"

namespace rtm::detail {

RouteData* RouteData::create(std::uint16_t hop_count) noexcept {
  const std::size_t n = hop_count == 0 ? 1 : hop_count;
  void* mem = nothrow_alloc(sizeof(RouteData) + (n - 1) * sizeof(NextHop*));
  if (mem == nullptr) return nullptr;
  RouteData* d = new (mem) RouteData();
  d->hop_count = hop_count;
  for (std::size_t i = 0; i < n; ++i) d->hops[i] = nullptr;
  return d;
}

void RouteData::destroy() noexcept {
  for (std::uint16_t i = 0; i < hop_count; ++i) unref_memory(hops[i]);
  this->~RouteData();
  ::operator delete(this);
}

// The table link (handle side) and its membership reference (the memory
// reference its sets share: core/dest.h). The caller has taken both kinds
// of link on d, o and n, and the handle links on rd's hops.
Route::Route(Core* c, Dest* d, Entity* o, NextHop* n, RouteData* rd) noexcept
    : Object(c, HandleKind::route, 1, 1), dest(d), owner(o), neighbour(n), data(rd) {}

void Route::revoke_children() noexcept {
  // The last version: no update runs once the route left its destination
  // (add_route checks the state under the lock that delete holds).
  unlink_hops(data.load(std::memory_order_acquire));
  unref_handle(neighbour);
  unref_handle(owner);
  unref_handle(dest);
}

void Route::release_children() noexcept {
  // A reader may still hold a hazard on the data it protected through this
  // route, so the data goes through retirement too.
  if (RouteData* d = data.load(std::memory_order_acquire)) retire(d);
  ::operator delete(c_block.load(std::memory_order_acquire));  // the C block, if any
  unref_memory(neighbour);
  unref_memory(owner);
  unref_memory(dest);
}

}  // namespace rtm::detail
