// rtm/forwarding.h — the values the forwarding fast path returns
// (Instance::forward, forward4_batch, forward6_batch; C: RtmxForward*).
//
// The fast path answers "which next hops serve this address?" from an
// index the instance's writers keep exact (one per family and forwarding
// view, see InstanceOptions::forwarding_views). It takes no reference,
// no lock and allocates nothing; what it returns is a copy, valid after
// the call whatever writers do.
//
// Consistency rule: each address's answer is the best route (any
// protocol) of the view at some moment during the call, its next hops as
// they were then, where a write (add_route, delete_route, and what deletes
// routes: deregistration, flushes) takes effect for the fast path at a
// moment inside its own call. So a lookup sees every write whose call
// returned before the lookup began, and every change a change notification
// reported; a write still in progress may be seen or not — even when a
// get_* call of the full API already showed it (the full API sees a write
// a little earlier inside the same call). A batch has no common moment:
// each address has its own. "Best route" is what
// get_most_specific_destination reports as the best route of the view:
// held-down routes do not forward. The answer is the route's next hops
// whatever its forwarding flags (discard, blackhole, ...): a router that
// installs such routes keeps them out of the forwarding views.
//
// Cost and limits: no lock, no reference, no allocation, no retry; one
// epoch read section per call or batch (fib/epoch.h). At most 1024
// threads may have used the fast path and still be running at once (one
// reader slot each; the 1025th aborts the process with a message).
// Degraded mode: if the index ever fails to follow a write (out of index
// memory reserved at construction, or out of memory for a new next-hop
// group), the instance answers every later lookup from the full table
// instead (exact, slow, not wait-free; forward may then return
// not_enough_memory); forwarding_degraded() tells.
#pragma once

#include <cstdint>

#include <rtm/address.h>
#include <rtm/types.h>

namespace rtm {

// One next hop as forwarding needs it: the next hop's address (network
// order; an IPv4 address in the first 4 bytes, the rest zero) and
// interface. 24 bytes, no padding with indeterminate values.
struct ForwardingHop {
  std::uint8_t address[16];
  std::uint16_t family;  // a Family value
  std::uint16_t reserved;
  std::uint32_t interface_index;

  // The address as a full-length NetAddress.
  NetAddress net_address() const noexcept {
    NetAddress a;
    (void)NetAddress::make(static_cast<Family>(family), address,
                           family_bits(static_cast<Family>(family)), &a);
    return a;
  }
};
static_assert(sizeof(ForwardingHop) == 24);

// The answer for one address: `count` next hops of the best route, in the
// route's order (0: no route in the view, or a route without next hops;
// the call's result tells which). Entries past `count` are not written by
// the lookup.
struct ForwardingResult {
  std::uint32_t count;
  ForwardingHop hops[kMaxNextHopsPerRoute];
};

// What a single-address lookup adds when asked (Instance::forward with a
// non-null detail): the matched destination's prefix, and the handle
// values of the destination and of the best route — NOT referenced: usable
// with the rest of the API only after reference_handles() succeeds on them
// (which fails if the object went meanwhile). With detail the answer comes
// from the full table (as get_most_specific_destination: a destination
// covering the address with a route in the view, every longer one without
// at some moment during the call), and the hops are read from one version
// of the route.
struct ForwardingDetail {
  NetAddress prefix;
  DestHandle dest;    // 0 when no route
  RouteHandle route;  // 0 when no route
};

// ---- memory of the fast path (Instance::forwarding_stats) --------------------
//
// What the fast path's indexes and next-hop records hold, summed over the
// forwarding views; [0] IPv4, [1] IPv6. Bytes are RESIDENT bytes: the pages
// of the reserved regions the kernel has committed (mincore), so they
// include pages of tbl8 groups and records freed since (they stay committed
// for reuse) and, where transparent huge pages apply, the whole 2 MiB page
// around a touched entry. Counts are what is linked at the call. Each
// figure is read on its own while writers may run: no snapshot. Not
// included: the per-destination group ids (4 bytes a view in each
// destination, counted with the table).
struct ForwardingStats {
  std::uint32_t views = 0;             // forwarding views with an index
  std::uint32_t degraded = 0;          // 1: an index write failed; lookups answer from the RIB
  std::uint64_t tbl8_groups[2] = {};   // tbl8 groups linked (256 entries, 1 KiB each)
  std::uint64_t tbl24_bytes[2] = {};   // resident bytes of the tbl24 regions (64 MiB reserved each)
  std::uint64_t tbl8_bytes[2] = {};    // resident bytes of the tbl8 regions
  std::uint64_t list_bytes[2] = {};    // resident bytes of the writers' free and limbo lists
  std::uint64_t nh_groups = 0;         // live next-hop groups (shared by both families)
  // The records region, reference counts and id lists (resident) and the
  // intern table (heap, estimated from its size).
  std::uint64_t nh_bytes = 0;

  // One family's index bytes (tbl24 + tbl8 + lists); f: 0 IPv4, 1 IPv6.
  std::uint64_t index_bytes(int f) const noexcept { return tbl24_bytes[f] + tbl8_bytes[f] + list_bytes[f]; }
  // Everything: both families' indexes and the next-hop groups.
  std::uint64_t total_bytes() const noexcept { return index_bytes(0) + index_bytes(1) + nh_bytes; }
};

}  // namespace rtm
