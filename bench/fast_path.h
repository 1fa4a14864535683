// bench/fast_path.h — where the forwarding fast path (issue 15; rtm/forwarding.h)
// plugs into the benchmarks. Every lookup benchmark has two rows that call
// these functions on exactly the addresses the other rows get (the same
// arrays as the DPDK rows): rtm_fast, one Instance::forward4() (IPv4) or forward() (IPv6) per address
// (against rte_lpm's one call per address), and rtm_fast_batch, one
// forward4_batch / forward6_batch per batch of 64 (against rte_fib's bulk
// call).
//
// Each function takes a batch of addresses (n <= kMaxFastBatch) and writes,
// per address, a value that stands for the next-hop answer (1 + the first
// hop's interface index; 0 = no next hop), so the answer is used; it
// returns the number of hits. With n == 1 it makes one forward4() / forward() call.
// rtm_session and rtm_session_batch: the zero-copy reader
// (rtm::ForwardingSession): one session per batch of 64 addresses (a
// forwarding thread's burst), inside it one inline lookup4()/lookup() per
// address, or one lookup4_batch()/lookup6_batch(). Their answer is the
// record's address (the next hops by reference), stored per address, and
// a hit is an answer other than the session's no_route(): as the DPDK rows
// store the next-hop id their lookup answers and count its success bit,
// without reading next-hop data (a DPDK caller reads its own next-hop
// table by that id, an rtm caller the record).
// The results go to a caller-owned buffer of 64 ForwardingResult per
// thread (thread_local: no allocation, no sharing between threads).
#pragma once

#include <rtm/rtm.h>

#include <cstddef>
#include <cstdint>

namespace rtm_bench {

inline constexpr bool kFastPathBuilt = true;
inline constexpr std::size_t kMaxFastBatch = 64;

namespace fast_detail {
inline rtm::ForwardingResult* results() {
  thread_local rtm::ForwardingResult buf[kMaxFastBatch];
  return buf;
}
// Without a branch: a branch on the count (which waits on the lookup's
// cache miss) mispredicts on every other miss-or-hit change and stops the
// next lookups from starting. A result's hops past `count` are zero, so
// hops[0].interface_index is 0 when count is 0.
inline std::uint64_t answer(const rtm::ForwardingResult& r) {
  return std::uint64_t{r.hops[0].interface_index} + std::uint64_t{r.count != 0};
}
// n == 1: one single(addrs[0]) call; else one (table.*batch)() call.
template <class Addr, class Single, class Batch>
std::size_t lookup(rtm::Instance& table, const Addr* addrs, std::size_t n, std::uint64_t* out,
                   Single single, Batch batch) {
  rtm::ForwardingResult* r = results();
  std::size_t hits = 0;
  if (n == 1)
    hits = single(addrs[0], r) == rtm::errc::ok ? 1 : 0;
  else
    (table.*batch)(rtm::kViewIdUnicast, addrs, n, r, &hits);
  for (std::size_t i = 0; i < n; ++i) out[i] = answer(r[i]);
  return hits;
}
}  // namespace fast_detail

// IPv4: addresses in host byte order.
inline std::size_t fast_lookup4(rtm::Instance& table, const std::uint32_t* addrs, std::size_t n,
                                std::uint64_t* out) {
  return fast_detail::lookup(
      table, addrs, n, out,
      [&](std::uint32_t a, rtm::ForwardingResult* r) {
        return table.forward4(rtm::kViewIdUnicast, a, r);  // host order, no NetAddress
      },
      &rtm::Instance::forward4_batch);
}

// IPv6: full-length (/128) addresses.
inline std::size_t fast_lookup6(rtm::Instance& table, const rtm::NetAddress* addrs, std::size_t n,
                                std::uint64_t* out) {
  return fast_detail::lookup(
      table, addrs, n, out,
      [&](const rtm::NetAddress& a, rtm::ForwardingResult* r) {
        return table.forward(rtm::kViewIdUnicast, a, r);
      },
      &rtm::Instance::forward6_batch);
}

// One ForwardingSession over addrs[0..n) (n <= kMaxFastBatch): per address
// one inline lookup (batch false) or one batch lookup (batch true).
namespace fast_detail {
template <class Addr, class Single, class Batch>
std::size_t session_lookup(rtm::Instance& table, const Addr* addrs, std::size_t n, std::uint64_t* out,
                           bool batch, Single single, Batch batch_fn) {
  rtm::ForwardingSession s(table);
  std::size_t hits = 0;
  if (batch) {
    const rtm::ForwardingResult* r[kMaxFastBatch];
    hits = (s.*batch_fn)(addrs, n, r);
    for (std::size_t i = 0; i < n; ++i) out[i] = reinterpret_cast<std::uintptr_t>(r[i]);
  } else {
    const rtm::ForwardingResult* const none = &s.no_route();
    for (std::size_t i = 0; i < n; ++i) {
      const rtm::ForwardingResult* r = &(s.*single)(addrs[i]);
      hits += r != none;
      out[i] = reinterpret_cast<std::uintptr_t>(r);
    }
  }
  return hits;
}
}  // namespace fast_detail

inline std::size_t session_lookup4(rtm::Instance& table, const std::uint32_t* addrs, std::size_t n,
                                   std::uint64_t* out, bool batch) {
  return fast_detail::session_lookup(table, addrs, n, out, batch, &rtm::ForwardingSession::lookup4,
                                     &rtm::ForwardingSession::lookup4_batch);
}
inline std::size_t session_lookup6(rtm::Instance& table, const rtm::NetAddress* addrs, std::size_t n,
                                   std::uint64_t* out, bool batch) {
  return fast_detail::session_lookup(table, addrs, n, out, batch, &rtm::ForwardingSession::lookup,
                                     &rtm::ForwardingSession::lookup6_batch);
}

}  // namespace rtm_bench
