// c_api/c_blocks.cpp — the C pointer blocks (c_api/c_blocks.h): their
// layout, creation, refresh under the client lock, and what an owner's
// edits commit.
//
// A block is the C view of one route or next hop: the object's version it
// was filled at, then the C info. Protocol (both sides here; the client
// locks in src/api/client_locks.cpp call B3-B5):
//
//   B1 create (route_pointer / next_hop_pointer, no lock): allocate, fill
//      privately (B2), publish with a CAS of c_block from null (acq_rel).
//      The loser frees its own and takes the winner's (acquire on failure),
//      so every reader of c_block (acquire loads) sees a filled block.
//   B2 fill: read the object's version (acquire) before its attributes: a
//      change after that read leaves the block stale again, never
//      fresh-looking with old contents.
//   B3 lock_with_c_block: take the client lock; if the block is stale,
//      rewrite it (B2) — at once when locking exclusively; a shared locker
//      only as the sole holder, upgrading in place (waiting for other
//      holders could wait for itself: a thread holding the lock shared
//      twice) and downgrading after (release: the rewrite happens-before
//      the next holder's reads). Otherwise the view stays as the holders
//      see it.
//   B4 refresh_c_block after an exclusive unlock without a commit (the
//      owner's uncommitted edits are discarded) and after a commit, both
//      with the lock still held exclusively.
//   B5 route_pointer_edits reads the block the owner edited in place while
//      holding the route exclusively.
//
// So a block is rewritten only under its object's client lock held
// exclusively (B3, B4) or before anyone can see it (B1): a client that
// reads it under the lock, as RTMv2 requires, never sees a write in
// progress, and ClientLock's acquire/release orders the rewrite before
// its reads.
//
// Lifetime: a block is freed with its object (Route / NextHop
// release_children in the core), after the last reference to the object
// is gone; a client uses the pointer only while it holds the handle.
// Blocks are plain ::operator new allocations of trivially destructible
// types, so the core frees them with ::operator delete and never calls
// back here.
#include "c_api/c_blocks.h"

#include <cstring>
#include <new>
#include <type_traits>

#include "api/call.h"
#include "api/instance_access.h"
#include "c_api/convert.h"
#include "core/infos.h"
#include "core/next_hop.h"
#include "core/refs.h"
#include "core/route.h"
#include "detail/fault.h"

namespace rtm {
namespace {

using detail::Core;
using detail::Guard;
using detail::NextHop;
using detail::Route;

struct RouteBlock {
  std::uint64_t version;
  union {
    RTM_ROUTE_INFO info;
    unsigned char bytes[RTM_SIZE_OF_ROUTE_INFO(kMaxNextHopsPerRoute)];
  };
};
struct NextHopBlock {
  std::uint32_t version;
  RTM_NEXTHOP_INFO info;
};
static_assert(std::is_trivially_destructible_v<RouteBlock> &&
              std::is_trivially_destructible_v<NextHopBlock>);

RouteBlock* block_of(const Route* r) noexcept {
  return static_cast<RouteBlock*>(r->c_block.load(std::memory_order_acquire));
}
NextHopBlock* block_of(const NextHop* n) noexcept {
  return static_cast<NextHopBlock*>(n->c_block.load(std::memory_order_acquire));
}

// B2.
void fill(Route* r, RouteBlock* b) noexcept {
  b->version = r->version.load(std::memory_order_acquire);
  RouteInfo info;
  detail::peek_route_info(r, &info);
  c_api::to_c_route_info(info, &b->info);
}
void fill(NextHop* n, NextHopBlock* b) noexcept {
  NextHopInfo info;
  b->version = detail::peek_next_hop_info(n, &info);  // the version as read before
  c_api::to_c_next_hop_info(info, &b->info);
}

template <typename Obj>
bool stale(const Obj* o) noexcept {
  const auto* b = block_of(o);
  return b != nullptr && b->version != o->version.load(std::memory_order_acquire);
}

// B1: o's block (o protected by the caller), created if absent; null on
// out of memory.
template <typename Obj>
auto* block_or_create(Obj* o) noexcept {
  using Block = std::remove_pointer_t<decltype(block_of(o))>;
  void* cur = o->c_block.load(std::memory_order_acquire);
  if (cur != nullptr) return static_cast<Block*>(cur);
  void* mem = detail::nothrow_alloc(sizeof(Block));
  if (mem == nullptr) return static_cast<Block*>(nullptr);
  auto* mine = static_cast<Block*>(mem);
  std::memset(static_cast<void*>(mine), 0, sizeof(Block));
  fill(o, mine);
  if (o->c_block.compare_exchange_strong(cur, mem, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
    return mine;
  ::operator delete(mem);
  return static_cast<Block*>(cur);
}

// The object `h` names, for a registered caller; protected by g while the
// call `c` lasts.
template <typename Obj>
errc resolve(const detail::Call& c, std::uint64_t h, Guard& g, Obj** out) noexcept {
  if (!c.ok()) return c.status();
  Obj* o = detail::lookup_as<Obj>(c.core(), h, g);
  if (o == nullptr) return errc::invalid_handle;
  *out = o;
  return errc::ok;
}

template <typename Obj, typename Info>
errc pointer(Instance& inst, EntityHandle caller, std::uint64_t h, Info** out) noexcept {
  detail::Call c(detail::InstanceAccess::core(inst), caller);
  Guard g;
  Obj* o = nullptr;
  if (errc r = resolve(c, h, g, &o); r != errc::ok) return r;
  auto* b = block_or_create(o);
  if (b == nullptr) return errc::not_enough_memory;
  *out = &b->info;
  return errc::ok;
}

// B3.
template <typename Obj>
void lock_with_block(Obj* o, bool exclusive) noexcept {
  o->client_lock.lock(exclusive);
  if (!stale(o)) return;
  if (exclusive) {
    fill(o, block_of(o));
    return;
  }
  if (o->client_lock.try_upgrade()) {
    fill(o, block_of(o));
    o->client_lock.downgrade();
  }
}

}  // namespace

namespace c_api {

errc route_pointer(Instance& inst, EntityHandle caller, RouteHandle route,
                   RTM_ROUTE_INFO** out) noexcept {
  return pointer<Route>(inst, caller, route.value, out);
}

errc next_hop_pointer(Instance& inst, EntityHandle caller, NextHopHandle next_hop,
                      RTM_NEXTHOP_INFO** out) noexcept {
  return pointer<NextHop>(inst, caller, next_hop.value, out);
}

// B5.
errc route_pointer_edits(Instance& inst, EntityHandle caller, RouteHandle route,
                         RouteInfo* out) noexcept {
  detail::Call c(detail::InstanceAccess::core(inst), caller);
  Guard g;
  Route* r = nullptr;
  if (errc res = resolve(c, route.value, g, &r); res != errc::ok) return res;
  const RouteBlock* b = block_of(r);
  if (b == nullptr) {
    detail::peek_route_info(r, out);  // no pointer was ever taken: the route as it is
    return errc::ok;
  }
  return to_route_info(&b->info, out) ? errc::ok : errc::invalid_parameter;
}

}  // namespace c_api

namespace detail {

void lock_with_c_block(Route* r, bool exclusive) noexcept { lock_with_block(r, exclusive); }
void lock_with_c_block(NextHop* n, bool exclusive) noexcept { lock_with_block(n, exclusive); }

// B4.
void refresh_c_block(Route* r) noexcept {
  if (RouteBlock* b = block_of(r)) fill(r, b);
}

}  // namespace detail
}  // namespace rtm
