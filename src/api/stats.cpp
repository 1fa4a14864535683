// api/stats.cpp — Instance::stats() (rtm/stats.h): what an instance holds
// and the bytes it uses, read from counters the write paths keep anyway.
#include <rtm/instance.h>
#include <rtm/stats.h>

#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <new>
#include <vector>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/forwarding.h"
#include "core/next_hop.h"
#include "core/notify_reg.h"
#include "core/refs.h"
#include "core/route.h"
#include "detail/reclaim.h"

namespace rtm {

// The sizes docs/design.md ("Memory per object") lists: a change that
// grows one must update that table (and should have a reason).
static_assert(sizeof(detail::Dest) <= 176);
static_assert(sizeof(detail::Route) <= 192);
static_assert(sizeof(detail::RouteData) <= 56);
static_assert(sizeof(detail::RouteSet) <= 48);
static_assert(detail::HandleTable::slot_bytes() <= 24);

const char* to_string(MemoryKind k) noexcept {
  switch (k) {
    case MemoryKind::destinations: return "destinations";
    case MemoryKind::routes: return "routes";
    case MemoryKind::route_versions: return "route_versions";
    case MemoryKind::route_sets: return "route_sets";
    case MemoryKind::next_hops: return "next_hops";
    case MemoryKind::entities: return "entities";
    case MemoryKind::map_nodes: return "map_nodes";
    case MemoryKind::map_buckets: return "map_buckets";
    case MemoryKind::handle_slots: return "handle_slots";
    case MemoryKind::forwarding: return "forwarding";
    case MemoryKind::count: break;
  }
  return "?";
}

std::uint64_t InstanceStats::bytes_in_use() const noexcept {
  std::uint64_t b = 0;
  for (const MemoryUse& m : memory) b += m.bytes;
  return b;
}

namespace {
std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}
}  // namespace

std::string InstanceStats::summary() const {
  std::int64_t queued = 0;
  for (const RegistrationStats& r : registrations) queued += r.queued;
  char head[256];
  std::snprintf(head, sizeof head,
                "rtm: %" PRIu64 "+%" PRIu64 " dests, %" PRIu64 "+%" PRIu64 " routes, %" PRIu64
                " next hops, %zu entities, %zu regs (%" PRId64 " queued); %s in use (",
                destinations[0], destinations[1], routes[0], routes[1], next_hops[0] + next_hops[1],
                entities.size(), registrations.size(), queued, mib(bytes_in_use()).c_str());
  std::string s = head;
  const MemoryKind shown[] = {MemoryKind::destinations, MemoryKind::routes,
                              MemoryKind::route_versions, MemoryKind::route_sets,
                              MemoryKind::map_nodes, MemoryKind::map_buckets,
                              MemoryKind::handle_slots, MemoryKind::forwarding};
  for (std::size_t i = 0; i < sizeof shown / sizeof shown[0]; ++i) {
    if (i) s += ", ";
    s += to_string(shown[i]);
    s += ' ';
    s += mib(of(shown[i]).bytes);
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, "); %" PRId64 " retired, not yet freed", retired_not_freed);
  return s + tail;
}

errc Instance::stats(InstanceStats* out) const {
  if (out == nullptr) return errc::invalid_parameter;
  detail::ThreadScope scope;  // memory references below are dropped in API context
  detail::Core& core = *core_;
  InstanceStats st;
  // The registered entities, each kept by a memory reference while it is
  // read (it may deregister meanwhile: its figures are then of a moment
  // before).
  std::vector<detail::Entity*> es;
  try {
    st.registrations.reserve(2 * kMaxNotifyRegistrations);
    std::lock_guard lock(core.registry_mu);
    es.reserve(core.entities.size());
    st.entities.reserve(core.entities.size());
  } catch (const std::bad_alloc&) {
    return errc::not_enough_memory;
  }
  {
    // No allocation from here on: every vector has its room.
    std::lock_guard lock(core.registry_mu);
    for (detail::Entity* x : core.entities)
      if (es.size() < es.capacity() && x->counts.try_add_memory()) es.push_back(x);
  }
  for (detail::Entity* e : es) {
    EntityStats s;
    s.entity.value = e->handle;
    s.family = e->info.family;
    s.protocol_id = e->info.protocol_id;
    s.instance_id = e->info.protocol_instance_id;
    s.routes = e->owned_routes.size();
    s.next_hops = e->owned_next_hops.size();
    std::int64_t held[detail::kHandleKindCount] = {};
    detail::ledger_held(e, held);
    s.held.entities = held[detail::kind_index(HandleKind::entity)];
    s.held.dests = held[detail::kind_index(HandleKind::dest)];
    s.held.routes = held[detail::kind_index(HandleKind::route)];
    s.held.next_hops = held[detail::kind_index(HandleKind::next_hop)];
    const int f = s.family == Family::ipv6 ? 1 : 0;
    st.routes[f] += s.routes;
    st.next_hops[f] += s.next_hops;
    st.entities.push_back(s);
    unref_memory(e);
  }
  // Registrations: each read under a hazard pointer (it may go meanwhile).
  for (int f = 0; f < 2; ++f) {
    detail::Table& t = core.table(f ? Family::ipv6 : Family::ipv4);
    st.destinations[f] = static_cast<std::uint64_t>(t.dests.load(std::memory_order_relaxed));
    for (int i = 0; i < kMaxNotifyRegistrations; ++i) {
      detail::Guard g;
      const detail::NotifyReg* r = g.protect(t.regs[i]);
      if (r == nullptr) continue;
      RegistrationStats rs;
      rs.notify.value = r->handle;
      rs.entity.value = r->owner->handle;
      rs.family = t.family;
      rs.slot = static_cast<std::uint32_t>(i);
      rs.queued = r->size.load(std::memory_order_relaxed);
      st.registrations.push_back(rs);
    }
  }
  // Bytes of each kind, from the counts (rtm/stats.h says what is left out).
  const std::uint64_t dests = st.destinations[0] + st.destinations[1];
  const std::uint64_t routes = st.routes[0] + st.routes[1];
  const std::uint64_t hops = st.next_hops[0] + st.next_hops[1];
  auto set = [&](MemoryKind k, std::uint64_t objects, std::uint64_t bytes) {
    st.memory[static_cast<int>(k)] = MemoryUse{objects, bytes, 0};
  };
  set(MemoryKind::destinations, dests, dests * sizeof(detail::Dest));
  set(MemoryKind::routes, routes, routes * sizeof(detail::Route));
  // A version holds room for one next hop inline and 8 bytes per further one.
  set(MemoryKind::route_versions, routes, routes * sizeof(detail::RouteData));
  // A destination's set holds room for one route inline, 8 bytes per further one.
  set(MemoryKind::route_sets, dests,
      dests * sizeof(detail::RouteSet) + (routes > dests ? routes - dests : 0) * sizeof(void*));
  set(MemoryKind::next_hops, hops, hops * sizeof(detail::NextHop));
  set(MemoryKind::entities, es.size(), es.size() * sizeof(detail::Entity));
  using DestMap = decltype(core.table(Family::ipv4).map);
  set(MemoryKind::map_nodes, dests, dests * DestMap::node_bytes());
  const std::uint64_t buckets = core.table(Family::ipv4).map.bucket_count() +
                                core.table(Family::ipv6).map.bucket_count();
  set(MemoryKind::map_buckets, buckets,
      core.table(Family::ipv4).map.bucket_bytes() + core.table(Family::ipv6).map.bucket_bytes());
  const std::uint64_t slots = core.handles.slots_handed_out();
  set(MemoryKind::handle_slots, slots, slots * detail::HandleTable::slot_bytes());
  ForwardingStats fs;
  detail::forwarding_stats(core, &fs);
  set(MemoryKind::forwarding, fs.nh_groups, fs.total_bytes());
  st.retired_not_freed = detail::retired_not_freed();
  st.hold_records = detail::hold_records_live();
  *out = std::move(st);
  return errc::ok;
}

}  // namespace rtm
