// rtm/forwarding.h — the values the forwarding fast path returns
// (Instance::forward, forward4_batch, forward6_batch; C: RtmxForward*), and
// ForwardingSession, the zero-copy reader for forwarding threads.
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

#include <cstddef>
#include <cstdint>

#include <rtm/address.h>
#include <rtm/detail/fib_read.h>
#include <rtm/error.h>
#include <rtm/types.h>

namespace rtm {

class Instance;

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
static_assert(sizeof(ForwardingResult) <= std::size_t{1} << fib_read::kRecordShift,
              "a next-hop record must fit its slot (fib_read::kRecordShift)");

// What a single-address lookup adds when asked (Instance::forward with a
// non-null detail): the matched destination's prefix, and the handle
// values of the destination and of the best route — NOT referenced: usable
// with the rest of the API only after reference_handles() succeeds on them
// (which fails if the object went meanwhile). With detail the answer is
// the same as without (the index's, at one moment during the call: the
// hops and the matched prefix); the handles are those of the prefix's
// destination and its best route in the view, looked up after, when that
// route's next hops are still the answer's; both are 0 when a writer
// changed or removed it in between (the answer stays valid for its
// moment). In degraded mode (forwarding_degraded()) the answer comes from
// the table's search, as get_most_specific_destination's.
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


// ---- ForwardingSession: the zero-copy reader for forwarding threads ----------
//
// What a forwarding thread holds around one burst of packets: one read
// section of the fast path's indexes, opened by the constructor and ended
// by the destructor (the RCU quiescent-state report of a DPDK forwarding
// loop). Its lookups are inline (rtm/detail/fib_read.h): one load of the
// index per address (two or more where a longer prefix is installed below
// a /24) and no copy: they return a reference to the next-hop group's
// record itself, which stays valid and unchanged until the session ends,
// whatever writers do meanwhile.
//
//   rtm::ForwardingSession s(table);            // unicast view
//   if (s.status() != rtm::errc::ok) ...        // use Instance::forward4()
//   for (packet& p : burst) {
//     const rtm::ForwardingResult& r = s.lookup4(p.dst);   // host order
//     if (r.count != 0) send(p, r.hops[0].interface_index);
//   }
//   // s ends here: every reference returned is dead.
//
// Consistency rule: as one batch call lasting the session's lifetime. Each
// answer is the best route of the view at some moment between the
// session's opening and that lookup (a write takes effect for the fast
// path at a moment inside its own call, as for Instance::forward), so a
// session sees every write whose call returned before it opened. Answers
// of two lookups have no common moment. Records are immutable: a write
// that changes a prefix's next hops installs another record and leaves the
// one a session holds as it was.
//
// Rules:
//  - Keep a session short (one burst; microseconds). While any session is
//    open, the indexes' writers cannot reuse the tbl8 groups and next-hop
//    ids they retire after its opening: nobody waits for it, but a session
//    held for long (across a blocking wait, a sleep) lets them pile up, and
//    a writer that runs out of them degrades the fast path for good
//    (forwarding_degraded(), below). Never block inside a session.
//  - Construct and destroy it on one thread (it publishes that thread's
//    reader slot; not across a coroutine's suspension that may resume
//    elsewhere); it cannot be copied or moved. Sessions of one thread
//    nest; the outermost one ends last (the nested ones in any order
//    before it): a nested session is protected by the outermost one's
//    section. Destroying a session on
//    another thread, or the outer one while a nested one is still open,
//    aborts the process (with a message): it would end a section a reader
//    still relies on.
//  - Other rtm calls that do not wait may run inside a session on its
//    thread (their read sections nest); the calls that wait for other
//    threads (deregister_entity, block_methods, ...) must not, as for
//    any blocking. A thread that writes routes inside its own session
//    keeps the memory its writes retire from being reused until the
//    session ends: many writes inside one session can exhaust the
//    indexes' tbl8 groups or next-hop ids and degrade the fast path for
//    good. Write outside sessions.
//  - The instance must outlive the session.
//  - At most 1024 threads at once may have used the fast path (as above).
//
// status(): errc::ok, or
//  - errc::invalid_parameter: `view` has no forwarding index
//    (InstanceOptions::forwarding_views);
//  - errc::not_supported: the fast path is degraded (forwarding_degraded()):
//    the indexes no longer follow every write; use Instance::forward4() /
//    forward(), which answer from the table then.
// A session whose status is not ok answers "no route" (count 0) for every
// address: lookups never read freed or foreign memory, whatever the status.
// If the instance degrades while a session is open, that session's later
// answers may lag the table until it ends; the next session reports it.
class ForwardingSession {
 public:
  // Inline, with the section opened and closed out of line: the session's
  // address never leaves the caller, so its tables stay in registers
  // across the lookups' acquire loads instead of being reloaded per lookup.
  explicit ForwardingSession(const Instance& instance, ViewId view = kViewIdUnicast) noexcept {
    State st;
    open(instance, view, &st);
    v4_ = st.v4;
    v6_ = st.v6;
    records_ = st.records;
    slot_ = st.slot;
    status_ = st.status;
  }
  ~ForwardingSession() { close(slot_); }
  ForwardingSession(const ForwardingSession&) = delete;
  ForwardingSession& operator=(const ForwardingSession&) = delete;

  errc status() const noexcept { return status_; }

  // The record every address without a route answers (count 0): a lookup
  // whose answer is this very object found no route; any other answer is
  // a route's, possibly one without next hops (count 0 too, as forward4()
  // answers ok with no hops). Lets a forwarding loop tell a miss without
  // reading the record.
  const ForwardingResult& no_route() const noexcept { return record(0); }

  // The next hops of `address` (IPv4, host order): count 0 when no route.
  const ForwardingResult& lookup4(std::uint32_t address) const noexcept {
    return record(fib_read::lookup_leaf<fib_read::Ipv4Traits>(v4_, address) & fib_read::kPayload);
  }
  // The next hops of a full-length IPv6 address given as 16 bytes (network order).
  const ForwardingResult& lookup6(const std::uint8_t* address16) const noexcept {
    return record(fib_read::lookup_leaf<fib_read::Ipv6Traits>(v6_, fib_read::ipv6_key(address16)) &
                  fib_read::kPayload);
  }
  // Either family; `address` is used at full length (its length is
  // ignored). Another family answers "no route".
  const ForwardingResult& lookup(const NetAddress& address) const noexcept {
    if (address.family() == Family::ipv4) return lookup4(load_be32(address.bytes()));
    if (address.family() == Family::ipv6) return lookup6(address.bytes());
    return record(0);
  }

  // out[i] = &the next hops of addrs[i] (IPv4, host order), for i < n:
  // the loads of 16 addresses overlap (as rte_fib's bulk lookup). Returns
  // the number of addresses with a route.
  std::size_t lookup4_batch(const std::uint32_t* addrs, std::size_t n,
                            const ForwardingResult** out) const noexcept {
    std::size_t found = 0;
    fib_read::lookup_batch<fib_read::Ipv4Traits>(v4_, addrs, n, [&](std::size_t i, std::uint32_t g) {
      out[i] = &record(g);
      found += g != 0;
    });
    return found;
  }
  // The same for full-length IPv6 addresses (another family: "no route").
  std::size_t lookup6_batch(const NetAddress* addrs, std::size_t n,
                            const ForwardingResult** out) const noexcept {
    constexpr std::size_t kChunk = 16;
    fib_read::Ipv6Key keys[kChunk];
    const fib_read::Tables t = v6_;
    std::size_t found = 0;
    for (std::size_t base = 0; base < n; base += kChunk) {
      const std::size_t m = n - base < kChunk ? n - base : kChunk;
      for (std::size_t i = 0; i < m; ++i) {
        const NetAddress& a = addrs[base + i];
        keys[i] = a.family() == Family::ipv6 ? fib_read::ipv6_key(a.bytes()) : fib_read::Ipv6Key{};
      }
      fib_read::lookup_batch<fib_read::Ipv6Traits>(t, keys, m, [&](std::size_t i, std::uint32_t g) {
        g = addrs[base + i].family() == Family::ipv6 ? g : 0;
        out[base + i] = &record(g);
        found += g != 0;
      });
    }
    return found;
  }

 private:
  struct State {
    fib_read::Tables v4, v6;
    const unsigned char* records;  // the records region (fib_read::kRecordShift slots)
    void* slot;
    errc status;
  };
  static void open(const Instance& instance, ViewId view, State* st) noexcept;
  static void close(void* slot) noexcept;
  static std::uint32_t load_be32(const std::uint8_t* b) noexcept {
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  }

  fib_read::Tables v4_;
  fib_read::Tables v6_;
  // The record of group g: at byte g << kRecordShift of the records region
  // (one 512-byte slot each: a shift, not a multiply by 388).
  const ForwardingResult& record(std::uint32_t g) const noexcept {
    return *reinterpret_cast<const ForwardingResult*>(records_ + (std::size_t{g} << fib_read::kRecordShift));
  }

  const unsigned char* records_;  // the records region, by group id; group 0 is empty
  void* slot_;                       // the thread's reader slot; low bit set: nested (published nothing)
  errc status_;
};

}  // namespace rtm
