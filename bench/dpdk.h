// bench/dpdk.h — DPDK's forwarding tables (rte_lpm, rte_fib DIR24_8,
// rte_lpm6, rte_fib6 TRIE) behind a plain interface, so the benchmarks put
// them beside rtm in the same binary and run, on the same addresses.
// bench/dpdk.cpp is the only file that includes DPDK headers (compiled with
// `pkg-config libdpdk` flags); without libdpdk at configure time it is
// replaced by stubs that say so (RTM_BENCH_HAVE_DPDK undefined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rtm_bench::dpdk {

// One prefix of a family: IPv4 in host order in `a4`, IPv6 as 16 bytes.
struct Prefix4 {
  std::uint32_t addr;
  std::uint8_t len;
};
struct Prefix6 {
  std::uint8_t addr[16];
  std::uint8_t len;
};

// Starts the EAL once (`--no-huge --no-pci -m 2048`, no worker lcores) and
// puts the calling thread's CPU affinity back as it was (the EAL pins it to
// lcore 0, which would put every benchmark thread on one core). Returns
// false with the reason in *why when DPDK is not built in or the EAL does
// not start; callers report that and go on without DPDK rows.
bool start(std::string* why);

// The tables, built by load4 / load6 from the same prefixes rtm gets; next
// hop i + 1 for prefix i (0 is never a next hop). Each load returns false
// with a reason if a table cannot be created or a prefix does not fit.
// Call them one after the other (not at once): each structure's size is
// the EAL heap's growth while it is built.
bool load4(const std::vector<Prefix4>& prefixes, std::string* why);
bool load6(const std::vector<Prefix6>& prefixes, std::string* why);
bool have4();
bool have6();

// Bytes the EAL heap holds for each structure (rte_malloc statistics,
// measured around its creation and load: everything the structure
// allocates, rte_fib's RIB included), and how long each load took.
// fib*_tbl8: the tbl8 groups rte_fib / rte_fib6 were created with (the
// attempt that held the table). fib*_arrays: of fib*, the lookup arrays
// alone, computed from that configuration as dir24_8.c and trie.c allocate
// them (2^24 tbl24 entries + (tbl8 + 1) groups of 256 entries, 4-byte next
// hops, plus the free-group bitmap / pool); the rest is the RIB (rte_rib
// nodes for max_routes) and bookkeeping.
struct Footprint {
  std::size_t lpm4 = 0, fib4 = 0, lpm6 = 0, fib6 = 0;
  double lpm4_load_s = 0, fib4_load_s = 0, lpm6_load_s = 0, fib6_load_s = 0;
  std::uint32_t fib4_tbl8 = 0, fib6_tbl8 = 0;
  std::size_t fib4_arrays = 0, fib6_arrays = 0;
};
Footprint footprint();

// Lookups of n addresses; each returns the number that found a route.
// lpm*: one rte_lpm_lookup / rte_lpm6_lookup per address (the inline
// single-address call), its next-hop id stored in out[i] (the answer is
// used, as every rtm row stores its answer; n <= 64); fib*: one
// rte_fib_lookup_bulk / rte_fib6_lookup_bulk for the whole batch (its
// output array is the answer).
std::size_t lpm4_lookup(const std::uint32_t* addrs, std::size_t n, std::uint32_t* out);
std::size_t fib4_lookup_bulk(const std::uint32_t* addrs, std::size_t n);
std::size_t lpm6_lookup(const std::uint8_t (*addrs)[16], std::size_t n, std::uint32_t* out);
std::size_t fib6_lookup_bulk(const std::uint8_t (*addrs)[16], std::size_t n);

// The next hop each structure answers for one address (0: no route); for
// the consistency check of the loaded tables against each other.
std::uint64_t lpm4_answer(std::uint32_t addr);
std::uint64_t fib4_answer(std::uint32_t addr);

}  // namespace rtm_bench::dpdk
