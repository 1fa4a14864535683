// bench/dpdk.cpp — see dpdk.h. The only file of the project that includes
// DPDK headers.
#include "dpdk.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#ifdef RTM_BENCH_HAVE_DPDK
#include <pthread.h>
#include <sched.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#endif

namespace rtm_bench::dpdk {

#ifdef RTM_BENCH_HAVE_DPDK
namespace {

rte_lpm* g_lpm4 = nullptr;
rte_fib* g_fib4 = nullptr;
rte_lpm6* g_lpm6 = nullptr;
rte_fib6* g_fib6 = nullptr;
Footprint g_fp;
bool g_started = false;
std::string g_start_error;

std::size_t heap_allocated() {
  rte_malloc_socket_stats s{};
  std::size_t total = 0;
  for (int socket = 0; socket < RTE_MAX_NUMA_NODES; ++socket)
    if (rte_malloc_get_socket_stats(socket, &s) == 0) total += s.heap_allocsz_bytes;
  return total;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// DIR-24-8 style structures have one tbl8 group per distinct first-L bits
// among the prefixes longer than L, for L = 24, 32, ... below the family's
// width: that many groups, with 1/8 headroom.
template <class P>
std::uint32_t tbl8_groups(const std::vector<P>& ps, unsigned width, const std::uint8_t* (*bytes)(const P&)) {
  std::size_t n = 0;
  for (unsigned level = 24; level < width; level += 8) {
    std::set<std::string> seen;
    for (const auto& p : ps)
      if (p.len > level) seen.emplace(reinterpret_cast<const char*>(bytes(p)), level / 8);
    n += seen.size();
  }
  return static_cast<std::uint32_t>(n + n / 8 + 256);
}

const std::uint8_t* bytes4(const Prefix4& p) {
  static thread_local std::uint8_t b[4];
  b[0] = static_cast<std::uint8_t>(p.addr >> 24);
  b[1] = static_cast<std::uint8_t>(p.addr >> 16);
  b[2] = static_cast<std::uint8_t>(p.addr >> 8);
  b[3] = static_cast<std::uint8_t>(p.addr);
  return b;
}
const std::uint8_t* bytes6(const Prefix6& p) { return p.addr; }

// The lookup arrays of an rte_fib DIR24_8 / rte_fib6 TRIE with 4-byte next
// hops and `tbl8` groups: tbl24 (2^24 entries), tbl8 + 1 groups of 256
// entries, and the structure's free-group record (`index_bytes`: dir24_8's
// bitmap, trie's pool of 32-bit indexes).
std::size_t lookup_arrays(std::uint32_t tbl8, std::size_t index_bytes) {
  return (std::size_t{1} << 24) * 4 + (std::size_t{tbl8} + 1) * 256 * 4 + index_bytes;
}

std::string err(const char* what) {
  return std::string(what) + ": " + rte_strerror(rte_errno);
}

}  // namespace

static std::once_flag g_start_once;

static void start_eal() {
  cpu_set_t before;
  CPU_ZERO(&before);
  const bool have_mask = sched_getaffinity(0, sizeof before, &before) == 0;
  // --no-shconf: no runtime directory or multi-process socket, so several
  // benchmark processes may run at once (--in-memory is refused with
  // --no-huge).
  const char* argv[] = {"rtm_bench", "--no-huge", "--no-pci",     "-m",
                        "2048",      "-l",        "0",            "--no-telemetry",
                        "--no-shconf", "--log-level=lib.eal:error"};
  int argc = static_cast<int>(sizeof argv / sizeof argv[0]);
  const int rc = rte_eal_init(argc, const_cast<char**>(argv));
  if (have_mask) sched_setaffinity(0, sizeof before, &before);
  if (rc < 0) {
    g_start_error = "the DPDK EAL did not start (" + err("rte_eal_init") +
                    "; arguments --no-huge --no-pci -m 2048)";
    return;
  }
  g_started = true;
}

bool start(std::string* why) {
  std::call_once(g_start_once, start_eal);
  if (!g_started) *why = g_start_error;
  return g_started;
}

namespace {

// Touches every page of a DIR-24-8 first-level table (2^24 entries of 4
// bytes: one page per 1,024 entries) with lookups, so the first timed
// lookups do not take the page faults of memory the EAL mapped without
// hugepages and never wrote.
// (The sink keeps the compiler from dropping rte_lpm_lookup's inline loads.)
volatile std::uint64_t g_sink;
void prefault4() {
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < (1u << 14); ++i) {
    std::uint32_t nh = 0;
    std::uint64_t nh64 = 0;
    std::uint32_t a = i << 18;
    rte_lpm_lookup(g_lpm4, a, &nh);
    rte_fib_lookup_bulk(g_fib4, &a, &nh64, 1);
    sum += nh + nh64;
  }
  g_sink = sum;
}
void prefault6() {
  for (std::uint32_t i = 0; i < (1u << 14); ++i) {
    std::uint8_t a[1][16] = {};
    a[0][0] = static_cast<std::uint8_t>(i >> 6);
    a[0][1] = static_cast<std::uint8_t>(i << 2);
    std::uint32_t nh = 0;
    std::uint64_t nh64 = 0;
    rte_lpm6_lookup(g_lpm6, a[0], &nh);
    rte_fib6_lookup_bulk(g_fib6, a, &nh64, 1);
    g_sink = g_sink + nh + nh64;
  }
}

// Builds one structure: create(groups) then add every prefix; when an add
// runs out of tbl8 groups (the estimate is a lower bound for some
// structures), frees it and retries with twice the groups, up to 4 times.
template <class T, class Create, class Add, class Free>
T* build(const char* what, std::size_t n, std::uint32_t groups, Create create, Add add, Free free_fn,
         std::size_t* bytes, double* secs, std::string* why, std::uint32_t* groups_used = nullptr) {
  for (int attempt = 0; attempt < 4; ++attempt, groups *= 2) {
    // The heap delta of the whole build is this structure's alone: the
    // structures are built one at a time (load4 and load6 are not called
    // at once).
    const std::size_t h0 = heap_allocated();
    const auto t0 = std::chrono::steady_clock::now();
    T* t = create(groups);
    if (t == nullptr) {
      *why = std::string(what) + ": create with " + std::to_string(groups) + " tbl8 groups: " +
             rte_strerror(rte_errno);
      return nullptr;
    }
    std::size_t i = 0;
    int rc = 0;
    for (; i < n; ++i)
      if ((rc = add(t, i)) != 0) break;
    if (std::getenv("RTM_BENCH_DPDK_VERBOSE") != nullptr)
      std::fprintf(stderr, "dpdk: %s: %zu of %zu prefixes with %u tbl8 groups in %.2f s\n", what, i, n,
                   groups, since(t0));
    if (i == n) {
      why->clear();  // an earlier attempt's reason no longer applies
      *secs = since(t0);
      *bytes = heap_allocated() - h0;
      if (groups_used != nullptr) *groups_used = groups;
      return t;
    }
    free_fn(t);
    *why = std::string(what) + ": add of prefix " + std::to_string(i) + " failed (" +
           rte_strerror(-rc) + ") with " + std::to_string(groups) + " tbl8 groups";
    if (rc != -ENOSPC) return nullptr;
  }
  return nullptr;
}

}  // namespace

bool load4(const std::vector<Prefix4>& ps, std::string* why) {
  if (!start(why)) return false;
  const std::uint32_t groups = tbl8_groups(ps, 32, &bytes4);
  const std::uint32_t rules = static_cast<std::uint32_t>(ps.size() + 16);
  g_lpm4 = build<rte_lpm>(
      "rte_lpm", ps.size(), groups,
      [&](std::uint32_t g) {
        rte_lpm_config c{};
        c.max_rules = rules;
        c.number_tbl8s = g;
        return rte_lpm_create("rtm_bench_lpm4", SOCKET_ID_ANY, &c);
      },
      [&](rte_lpm* t, std::size_t i) {
        return rte_lpm_add(t, ps[i].addr, ps[i].len, static_cast<std::uint32_t>(i + 1));
      },
      rte_lpm_free, &g_fp.lpm4, &g_fp.lpm4_load_s, why);
  if (g_lpm4 == nullptr) return false;
  g_fib4 = build<rte_fib>(
      "rte_fib", ps.size(), groups,
      [&](std::uint32_t g) {
        rte_fib_conf c{};
        c.type = RTE_FIB_DIR24_8;
        c.default_nh = 0;
        c.max_routes = static_cast<int>(rules);
        c.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
        c.dir24_8.num_tbl8 = g;
        return rte_fib_create("rtm_bench_fib4", SOCKET_ID_ANY, &c);
      },
      [&](rte_fib* t, std::size_t i) { return rte_fib_add(t, ps[i].addr, ps[i].len, i + 1); },
      rte_fib_free, &g_fp.fib4, &g_fp.fib4_load_s, why, &g_fp.fib4_tbl8);
  if (g_fib4 == nullptr) return false;
  g_fp.fib4_arrays = lookup_arrays(g_fp.fib4_tbl8, (g_fp.fib4_tbl8 + 63) / 64 * 8);
  prefault4();
  return true;
}

bool load6(const std::vector<Prefix6>& ps, std::string* why) {
  if (!start(why)) return false;
  const std::uint32_t groups = tbl8_groups(ps, 128, &bytes6);
  // rte_lpm6 keeps its rules in a cuckoo hash: room to spare.
  const std::uint32_t rules = static_cast<std::uint32_t>(2 * ps.size() + 1024);
  g_lpm6 = build<rte_lpm6>(
      "rte_lpm6", ps.size(), groups,
      [&](std::uint32_t g) {
        rte_lpm6_config c{};
        c.max_rules = rules;
        c.number_tbl8s = g;
        return rte_lpm6_create("rtm_bench_lpm6", SOCKET_ID_ANY, &c);
      },
      [&](rte_lpm6* t, std::size_t i) {
        return rte_lpm6_add(t, ps[i].addr, ps[i].len, static_cast<std::uint32_t>(i + 1));
      },
      rte_lpm6_free, &g_fp.lpm6, &g_fp.lpm6_load_s, why);
  if (g_lpm6 == nullptr) return false;
  // rte_fib6's TRIE reserves ceil((depth - 24) / 8) groups per prefix up
  // front, shared or not.
  std::uint32_t reserved = 256;
  for (const auto& p : ps)
    if (p.len > 24) reserved += (p.len - 24 + 7) / 8;
  g_fib6 = build<rte_fib6>(
      "rte_fib6", ps.size(), reserved,
      [&](std::uint32_t g) {
        rte_fib6_conf c{};
        c.type = RTE_FIB6_TRIE;
        c.default_nh = 0;
        c.max_routes = static_cast<int>(rules);
        c.trie.nh_sz = RTE_FIB6_TRIE_4B;
        c.trie.num_tbl8 = g;
        return rte_fib6_create("rtm_bench_fib6", SOCKET_ID_ANY, &c);
      },
      [&](rte_fib6* t, std::size_t i) { return rte_fib6_add(t, ps[i].addr, ps[i].len, i + 1); },
      rte_fib6_free, &g_fp.fib6, &g_fp.fib6_load_s, why, &g_fp.fib6_tbl8);
  if (g_fib6 == nullptr) return false;
  g_fp.fib6_arrays = lookup_arrays(g_fp.fib6_tbl8, std::size_t{4} * g_fp.fib6_tbl8);
  prefault6();
  return true;
}

bool have4() { return g_lpm4 != nullptr && g_fib4 != nullptr; }
bool have6() { return g_lpm6 != nullptr && g_fib6 != nullptr; }
Footprint footprint() { return g_fp; }

std::size_t lpm4_lookup(const std::uint32_t* a, std::size_t n, std::uint32_t* out) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < n; ++i) hits += rte_lpm_lookup(g_lpm4, a[i], &out[i]) == 0;
  return hits;
}

std::size_t fib4_lookup_bulk(const std::uint32_t* a, std::size_t n) {
  std::uint64_t nh[64];
  std::size_t hits = 0;
  for (std::size_t off = 0; off < n; off += 64) {
    const int k = static_cast<int>(std::min<std::size_t>(64, n - off));
    rte_fib_lookup_bulk(g_fib4, const_cast<std::uint32_t*>(a + off), nh, k);
    for (int i = 0; i < k; ++i) hits += nh[i] != 0;
  }
  return hits;
}

std::size_t lpm6_lookup(const std::uint8_t (*a)[16], std::size_t n, std::uint32_t* out) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < n; ++i) hits += rte_lpm6_lookup(g_lpm6, a[i], &out[i]) == 0;
  return hits;
}

std::size_t fib6_lookup_bulk(const std::uint8_t (*a)[16], std::size_t n) {
  std::uint64_t nh[64];
  std::size_t hits = 0;
  for (std::size_t off = 0; off < n; off += 64) {
    const int k = static_cast<int>(std::min<std::size_t>(64, n - off));
    rte_fib6_lookup_bulk(g_fib6, const_cast<std::uint8_t(*)[16]>(a + off), nh, k);
    for (int i = 0; i < k; ++i) hits += nh[i] != 0;
  }
  return hits;
}

std::uint64_t lpm4_answer(std::uint32_t addr) {
  std::uint32_t nh = 0;
  return rte_lpm_lookup(g_lpm4, addr, &nh) == 0 ? nh : 0;
}
std::uint64_t fib4_answer(std::uint32_t addr) {
  std::uint64_t nh = 0;
  rte_fib_lookup_bulk(g_fib4, &addr, &nh, 1);
  return nh;
}

#else  // no libdpdk at configure time

namespace {
const char* kWhy = "DPDK not built in (pkg-config found no libdpdk at configure time; "
                   "scripts/install-deps.sh installs dpdk-dev)";
}
bool start(std::string* why) { return *why = kWhy, false; }
bool load4(const std::vector<Prefix4>&, std::string* why) { return *why = kWhy, false; }
bool load6(const std::vector<Prefix6>&, std::string* why) { return *why = kWhy, false; }
bool have4() { return false; }
bool have6() { return false; }
Footprint footprint() { return {}; }
std::size_t lpm4_lookup(const std::uint32_t*, std::size_t, std::uint32_t*) { return 0; }
std::size_t fib4_lookup_bulk(const std::uint32_t*, std::size_t) { return 0; }
std::size_t lpm6_lookup(const std::uint8_t (*)[16], std::size_t, std::uint32_t*) { return 0; }
std::size_t fib6_lookup_bulk(const std::uint8_t (*)[16], std::size_t) { return 0; }
std::uint64_t lpm4_answer(std::uint32_t) { return 0; }
std::uint64_t fib4_answer(std::uint32_t) { return 0; }

#endif

}  // namespace rtm_bench::dpdk
