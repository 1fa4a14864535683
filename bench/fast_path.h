// bench/fast_path.h — where the forwarding fast path (issue 15) plugs into
// the benchmarks. Every lookup benchmark has an rtm_fast row that calls
// these two functions on exactly the addresses the other rows get; while
// kFastPathBuilt is false those rows are reported as "not built yet".
//
// To plug the fast path in: set kFastPathBuilt to true and make the two
// functions call it. Each takes a batch of addresses (n <= 64) and writes,
// per address, a value that stands for the next-hop answer (0 = no route),
// so the compiler cannot drop the lookup; it returns the number of hits.
// The single-address benchmarks call it with n == 1.
#pragma once

#include <rtm/rtm.h>

#include <cstddef>
#include <cstdint>

namespace rtm_bench {

inline constexpr bool kFastPathBuilt = false;

// IPv4: addresses in host byte order.
inline std::size_t fast_lookup4(rtm::Instance& table, rtm::EntityHandle caller,
                                const std::uint32_t* addrs, std::size_t n, std::uint64_t* out) {
  (void)table, (void)caller, (void)addrs;
  for (std::size_t i = 0; i < n; ++i) out[i] = 0;
  return 0;
}

// IPv6: full-length (/128) addresses.
inline std::size_t fast_lookup6(rtm::Instance& table, rtm::EntityHandle caller,
                                const rtm::NetAddress* addrs, std::size_t n, std::uint64_t* out) {
  (void)table, (void)caller, (void)addrs;
  for (std::size_t i = 0; i < n; ++i) out[i] = 0;
  return 0;
}

}  // namespace rtm_bench
