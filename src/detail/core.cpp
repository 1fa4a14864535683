#include "detail/core.h"
#include "detail/timers.h"

#include <cstring>
#include <new>

namespace rtm::detail {

std::atomic<std::int64_t> g_allocated[8] = {};
std::atomic<std::int64_t> g_freed[8] = {};

// ---- HoldList -------------------------------------------------------------------

HoldList::~HoldList() {
  Hold* h = head_.load(std::memory_order_relaxed);
  while (h != nullptr) {
    Hold* next = h->next;
    delete h;
    h = next;
  }
}

Hold* HoldList::find(std::uint64_t entity) const noexcept {
  for (Hold* h = head_.load(std::memory_order_acquire); h != nullptr; h = h->next)
    if (h->entity == entity) return h;
  return nullptr;
}

Hold* HoldList::find_or_add(std::uint64_t entity) noexcept {
  Hold* head = head_.load(std::memory_order_acquire);
  for (Hold* h = head; h != nullptr; h = h->next)
    if (h->entity == entity) return h;
  Hold* mine = nothrow_new<Hold>(entity);
  if (mine == nullptr) return nullptr;
  Hold* seen = head;  // records at and below `seen` were searched already
  for (;;) {
    mine->next = head;
    // release: publishes *mine; acquire on failure: we walk the new records.
    if (head_.compare_exchange_weak(head, mine, std::memory_order_acq_rel,
                                    std::memory_order_acquire))
      return mine;
    for (Hold* h = head; h != seen; h = h->next) {
      if (h->entity == entity) {
        delete mine;
        return h;
      }
    }
    seen = head;
  }
}

// ---- objects ----------------------------------------------------------------------

Object::Object(Core* c, HandleKind k, std::uint64_t handle_links,
               std::uint64_t memory_refs) noexcept
    : core(c), kind(k), counts(handle_links, memory_refs) {
  c->ref();
  g_allocated[kind_index(k)].fetch_add(1, std::memory_order_relaxed);
}

void Object::destroy() noexcept {
  release_children();
  Core* c = core;
  const int k = kind_index(kind);
  delete this;
  g_freed[k].fetch_add(1, std::memory_order_relaxed);
  c->unref();
}

// The revoker is the one thread whose CAS made the handle side zero; its
// acquire on that CAS sees every use made under the links just dropped.
// The object stays allocated throughout: the memory unit goes last.
void revoke(Object* o) noexcept {
  if (o->handle != 0) o->core->handles.free(o->handle);
  o->revoke_children();
  unref_memory(o);
}

void unref_handle(Object* o, std::uint64_t n) noexcept {
  if (o != nullptr && o->counts.drop_handle(n)) revoke(o);
}

void unref_memory(Object* o) noexcept {
  if (o != nullptr && o->counts.drop_memory()) retire(o);
}

bool link_child(Object* o) noexcept {
  if (!o->counts.try_add_handle()) return false;
  // Infallible: o's handle side is not revoked (we hold a link on it), so
  // it still holds the memory unit.
  o->counts.try_add_memory();
  return true;
}

void unlink_child(Object* o) noexcept {
  unref_handle(o);  // first: the memory reference keeps o for a revoke this causes
  unref_memory(o);
}

void unlink_hops(const RouteData* d) noexcept {
  for (std::uint16_t i = 0; i < d->hop_count; ++i) unref_handle(d->hops[i]);
}

// Registration: one handle link.
Entity::Entity(Core* c, const EntityInfo& i, const RegnProfile& p, EventCallback cb,
               std::vector<EntityMethod> m, int slot) noexcept
    : Object(c, HandleKind::entity, 1), info(i), profile(p), callback(std::move(cb)),
      methods(std::move(m)), opaque_slot(slot) {}

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

// The table link (handle side) and the memory reference of the first set
// it goes into. The caller has taken both kinds of link on d, o and n, and
// the handle links on rd's hops.
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

RouteSet* RouteSet::create(std::uint32_t n) noexcept {
  const std::size_t cap = n == 0 ? 1 : n;
  void* mem = nothrow_alloc(sizeof(RouteSet) + (cap - 1) * sizeof(Route*));
  if (mem == nullptr) return nullptr;
  RouteSet* s = new (mem) RouteSet();
  s->size = n;
  for (std::size_t i = 0; i < cap; ++i) s->routes[i] = nullptr;
  return s;
}

RouteSet* RouteSet::shared_empty() noexcept {
  static RouteSet empty;
  return &empty;
}

void RouteSet::destroy() noexcept {
  for (std::uint32_t i = 0; i < size; ++i) unref_memory(routes[i]);
  this->~RouteSet();
  ::operator delete(this);
}

// Map membership: one handle link.
Dest::Dest(Core* c, Table* t, const NetAddress& a, RouteSet* empty) noexcept
    : Object(c, HandleKind::dest, 1), table(t), address(a), routes(empty) {}

void Dest::release_children() noexcept {
  // No handle links to drop at the revoke: a current hold entry holds its
  // route, which holds d, so d's current hold set is empty by then.
  RouteSet* s = routes.load(std::memory_order_acquire);
  if (s != nullptr && s != RouteSet::shared_empty()) retire(s);
  if (HoldSet* h = holds.load(std::memory_order_acquire)) retire(h);
  delete[] opaque.load(std::memory_order_acquire);
}

void HoldSet::destroy() noexcept {
  for (std::uint32_t i = 0; i < size; ++i) unref_memory(entries[i].route);
  delete this;
}

EnumObj::EnumObj(Core* c, Entity* o, Kind k) noexcept
    : Object(c, HandleKind::enumeration, 1), owner(o), kind(k) {}

void EnumObj::release_children() noexcept { unref_memory(owner); }

RouteList::RouteList(Core* c, Entity* o) noexcept
    : Object(c, HandleKind::route_list, 1), owner(o) {}

void RouteList::release_children() noexcept { unref_memory(owner); }

// ---- keys ---------------------------------------------------------------------------

namespace {
inline std::uint64_t mix(std::uint64_t x) noexcept {
  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
}  // namespace

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

// ---- core -----------------------------------------------------------------------------

Core::Core(const InstanceOptions& o, std::uint8_t tag, std::uint32_t index_base)
    : options(o), handles(tag, index_base), next_hops(new ObjectMap<NextHopKey, NextHopKeyHash, NextHop>()),
      timers(new Timers(this, o.clock)), ipv4_(new Table(Family::ipv4)),
      ipv6_(new Table(Family::ipv6)) {}

void Core::destroy_tables() noexcept {
  // Maps hold no references of their own beyond the cells, which are empty
  // once every entity is deregistered; destroying them retires their nodes,
  // so this runs in API context (never inside a disposer). The Table
  // objects themselves stay until ~Core: an object finalized later (a
  // registration left in the retired array of a thread that is still
  // attached, finalized by some later API call) still gives its slot back
  // to its table, and every object holds a reference on the Core.
  ipv4_->map.destroy_storage();
  ipv6_->map.destroy_storage();
  ipv4_->lpm4.reset();
  delete next_hops;
  next_hops = nullptr;
}

// Runs wherever the last object goes (possibly inside a disposer): it
// touches no libcds container, those went with destroy_tables.
Core::~Core() {
  delete timers;
  delete ipv4_;
  delete ipv6_;
}

}  // namespace rtm::detail
