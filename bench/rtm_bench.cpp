// rtm_bench — rtm against what a router engineer would otherwise use, in one
// binary and one run, on exactly the same addresses: the lock-based tables
// they would write in an afternoon (bench/baselines.h: one std::mutex or one
// std::shared_mutex around unordered_maps of shared_ptr destinations) and
// DPDK's forwarding tables (rte_lpm, rte_fib DIR24_8 bulk, rte_lpm6,
// rte_fib6 TRIE bulk; bench/dpdk.h). Default table: the bundled
// RouteViews/DB-IP table (both families); --table PATH for another one (the
// Tier-1 full table: ../shared/data/tier1-fulltable.txt.xz); --limit N takes
// N prefixes per family spread over the table (the --quick smoke pass).
//
// Benchmark names are AREA:WORKLOAD:IMPL (bench/report.py groups by them):
//   lookup:{v4,v6}.{random,inside}.{quiet,churn}  longest-prefix match of
//       batches of 64 addresses, uniformly random (IPv4: the whole space,
//       misses included; IPv6: 2000::/3) or random inside table prefixes,
//       1-8 threads, with or without one writer churning a second peer's
//       routes (paced at --churn_rate updates/s, default 150k; its achieved
//       rate is the writer_updates_per_s counter). Impls: rtm (get_most_specific_destination +
//       release_dest_info, the full RTMv2 call), rtm_fast (the forwarding
//       fast path, one Instance::forward per address), rtm_fast_batch (one
//       forward4_batch / forward6_batch per batch; both bench/fast_path.h),
//       mutex, shared_mutex, rte_lpm / rte_lpm6 (one call per address),
//       rte_fib / rte_fib6 (one bulk call per batch; quiet only). Every
//       route has one next hop (the loader's; the churn writer's own), so
//       the fast path copies a hop per answer and a best-route change
//       rewrites index entries.
//   exact:{hot,hot_shared_entity,table,c_api_hot}  exact-match Get + Release
//       on 64 hot prefixes (one entity per thread; all threads one entity;
//       the C API) and on random prefixes of the whole table.
//   update:{shared,disjoint}  N writers add / replace / withdraw routes on
//       1,024 shared prefixes or 1,024 of their own each.
//   load:{full.1w,full.2w}  the whole table (v4 + v6, one route each) into
//       a fresh table by 1 or 2 writers in batches of 256 (add_routes; the
//       baselines lock once a batch), and its teardown (counter).
//   load:deregister_empty  deregistering an entity with no routes while the
//       whole table is loaded.
//   drain:{full_load,churn}  changed destinations drained by one consumer
//       from a queue filled by a full-table load / while a writer churns.
//   walk:full  a full-table destination enumeration while a writer churns.
// Memory and the route server run each in a process of their own
// (--process=MODE, one JSON line on stdout; bench/report.sh runs them):
//   mem:rtm, mem:mutex   RSS and heap per destination, 1 route; mem:rtm
//       also the fast path's own memory (Instance::forwarding_stats);
//   mem:dpdk   RSS of DPDK's tables (report.sh does not run it: DPDK's
//       bytes per structure come from the EAL heap statistics taken around
//       each structure's load in the main run, exact in any process);
//   rs:1, rs:2   10 peers x the IPv4 table loaded by 1 / 2 writers; rs:1
//       also measures RSS per route and flushes (deregisters) the best peer
//       while 2 threads look up, and deregisters an entity with no routes.
#include <benchmark/benchmark.h>
#include <rtm/rtm.h>
#include <rtmv2/rtmv2.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "../examples/prefix_file.h"
#include "baselines.h"
#include "dpdk.h"
#include "fast_path.h"

namespace {

using rtm_bench::BInfo;
using rtm_bench::BRoute;
using rtm_bench::U128;
using Clock = std::chrono::steady_clock;

std::vector<std::string> g_tables = {RTM_BENCH_DATA_DIR "/routeviews-ipv4.txt.xz",
                                     RTM_BENCH_DATA_DIR "/routeviews-ipv6.txt.xz"};
std::size_t g_limit = 0;
// Updates per second of the lookup rows' churn writer (--churn_rate=N; 0:
// as fast as it can). F4's workload is a writer churning at >= 100k
// updates/s; the default paces it at 150k/s, every implementation alike.
double g_churn_rate = 150e3;
bool g_no_dpdk = false;

constexpr std::size_t kBatch = 64;        // addresses per lookup iteration
constexpr std::size_t kAddrs = 1 << 20;   // lookup addresses per (family, kind)

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint32_t v4(const rtm::NetAddress& a) {
  const std::uint8_t* b = a.bytes();
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}
U128 v6(const rtm::NetAddress& a) {
  U128 k = 0;
  for (int i = 0; i < 16; ++i) k = k << 8 | a.bytes()[i];
  return k;
}

// The table of one run: every distinct prefix of each family, in file
// order, sliced to --limit per family.
struct Table {
  std::vector<rtm::NetAddress> p[2];  // [0] IPv4, [1] IPv6
};

Table read_table() {
  Table t;
  for (const auto& f : g_tables) {
    std::vector<rtm::NetAddress> all[2];
    for (const auto& e : rtm_examples::read_prefix_file(f))
      all[e.prefix.family() == rtm::Family::ipv4 ? 0 : 1].push_back(e.prefix);
    for (int fam = 0; fam < 2; ++fam) {
      // Distinct prefixes (a prefix listed twice is one destination).
      std::vector<rtm::NetAddress> sorted = all[fam];
      std::sort(sorted.begin(), sorted.end(), [](const rtm::NetAddress& x, const rtm::NetAddress& y) {
        const int c = std::memcmp(x.bytes(), y.bytes(), 16);
        return c != 0 ? c < 0 : x.length() < y.length();
      });
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      t.p[fam].insert(t.p[fam].end(), sorted.begin(), sorted.end());
    }
  }
  for (auto& v : t.p) {
    // Shuffle once (fixed seed) so a load is not in address order, then slice.
    std::mt19937_64 rng(1234);
    std::shuffle(v.begin(), v.end(), rng);
    if (g_limit != 0 && v.size() > g_limit) v.resize(g_limit);
  }
  return t;
}

// A random address inside prefix p.
rtm::NetAddress inside(const rtm::NetAddress& p, std::mt19937_64& rng) {
  return rtm_examples::random_address_in(p, rng);
}

// Lookup addresses of one (family, kind), in every form the tables take.
struct Addrs {
  std::vector<rtm::NetAddress> net;
  std::vector<std::uint32_t> a4;           // IPv4, host order
  std::vector<std::array<std::uint8_t, 16>> b6;
  std::vector<U128> k6;
};

Addrs make_addrs(const std::vector<rtm::NetAddress>& ps, int fam, bool random, std::uint64_t seed) {
  Addrs a;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < kAddrs; ++i) {
    rtm::NetAddress x;
    if (!random) {
      x = inside(ps[rng() % ps.size()], rng);
    } else if (fam == 0) {
      x = rtm::NetAddress::ipv4(static_cast<std::uint32_t>(rng()), 32);
    } else {
      std::uint8_t b[16];
      const std::uint64_t hi = rng(), lo = rng();
      for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(hi >> (56 - 8 * k));
      for (int k = 0; k < 8; ++k) b[8 + k] = static_cast<std::uint8_t>(lo >> (56 - 8 * k));
      b[0] = static_cast<std::uint8_t>(0x20 | (b[0] & 0x1F));  // 2000::/3
      rtm::NetAddress::make(rtm::Family::ipv6, b, 128, &x);
    }
    a.net.push_back(x);
    if (fam == 0) {
      a.a4.push_back(v4(x));
    } else {
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), x.bytes(), 16);
      a.b6.push_back(b);
      a.k6.push_back(v6(x));
    }
  }
  return a;
}

// The table in the form DPDK's tables take.
void dpdk_prefixes(const Table& t, std::vector<rtm_bench::dpdk::Prefix4>* p4,
                   std::vector<rtm_bench::dpdk::Prefix6>* p6) {
  for (const auto& p : t.p[0]) p4->push_back({v4(p), static_cast<std::uint8_t>(p.length())});
  for (const auto& p : t.p[1]) {
    rtm_bench::dpdk::Prefix6 x;
    std::memcpy(x.addr, p.bytes(), 16);
    x.len = static_cast<std::uint8_t>(p.length());
    p6->push_back(x);
  }
}

rtm::Family family_of(int fam) { return fam == 0 ? rtm::Family::ipv4 : rtm::Family::ipv6; }

// The table, lookup addresses, one rtm instance, one table of each
// baseline per family and DPDK's tables, all loaded with it (one route per
// prefix, owner 1).
struct World {
  Table table;
  std::vector<rtm::NetAddress>& prefixes = table.p[0];  // IPv4 (exact / update workloads)
  Addrs addrs[2][2];                                     // [family][0 random, 1 inside]
  rtm::Instance rtm;
  rtm::EntityHandle loader[2];
  rtm::EntityHandle peer[2];                  // the churn writer's entity
  rtm::NextHopHandle loader_hop[2], peer_hop[2];  // one next hop each (interface 1, 2)
  std::vector<rtm::EntityHandle> threads[2];  // one per benchmark thread
  rtm_bench::MutexTable mutex_table;
  rtm_bench::SharedMutexTable shared_table;
  rtm_bench::MutexTable6 mutex_table6;
  rtm_bench::SharedMutexTable6 shared_table6;
  std::string dpdk_why[2];  // empty: that family's DPDK tables are loaded

  World() : table(read_table()) {
    // DPDK's tables load on a thread of their own meanwhile (rte_lpm's add
    // scans every rule of the prefix's length, so its load of a full table
    // takes minutes); the benchmarks start when both are done.
    std::thread dpdk_loader([this] { load_dpdk(); });
    for (int fam = 0; fam < 2; ++fam)
      for (int kind = 0; kind < 2; ++kind)
        if (!table.p[fam].empty())
          addrs[fam][kind] = make_addrs(table.p[fam], fam, kind == 0, 42 + 2 * fam + kind);
    for (int fam = 0; fam < 2; ++fam) {
      const rtm::Family f = family_of(fam);
      rtm.register_entity({0, f, 14, 1}, {}, &loader[fam]);
      rtm.register_entity({0, f, 14, 2}, {}, &peer[fam]);
      loader_hop[fam] = add_hop(loader[fam], fam, 1);
      peer_hop[fam] = add_hop(peer[fam], fam, 2);
      for (std::uint32_t t = 0; t < 64; ++t) {
        rtm::EntityHandle h;
        rtm.register_entity({0, f, 100, t + 1}, {}, &h);
        threads[fam].push_back(h);
      }
      for (const auto& p : table.p[fam]) {
        rtm::RouteInfo ri;
        ri.pref = {10, 20};
        ri.next_hops.count = 1;
        ri.next_hops.hops[0] = loader_hop[fam];
        rtm::RouteChangeFlags ch = 0;
        rtm.add_route(loader[fam], nullptr, p, ri, rtm::kInfinite, &ch);
        if (fam == 0) {
          mutex_table.add(v4(p), p.length(), BRoute{1, 20, 10});
          shared_table.add(v4(p), p.length(), BRoute{1, 20, 10});
        } else {
          mutex_table6.add(v6(p), p.length(), BRoute{1, 20, 10});
          shared_table6.add(v6(p), p.length(), BRoute{1, 20, 10});
        }
      }
    }
    dpdk_loader.join();
    check_fast_path();
  }

  // A next hop of entity e (192.0.2.k or 2001:db8::k on interface k),
  // referenced for the World's life.
  rtm::NextHopHandle add_hop(rtm::EntityHandle e, int fam, std::uint32_t k) {
    rtm::NextHopInfo ni;
    const std::uint8_t b4[4] = {192, 0, 2, static_cast<std::uint8_t>(k)};
    const std::uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 static_cast<std::uint8_t>(k)};
    rtm::NetAddress::make(family_of(fam), fam == 0 ? b4 : b6, fam == 0 ? 32 : 128, &ni.address);
    ni.interface_index = k;
    rtm::NextHopHandle h;
    rtm::NextHopChangeFlags ch = 0;
    rtm.add_next_hop(e, ni, &h, &ch);
    return h;
  }

  // The fast path against the other answers on the lookup addresses (the
  // first 4,096 of each family and kind): forward() and the batch call hit
  // exactly where get_most_specific_destination and DPDK's tables (when
  // loaded) hit, answer the loader's next hop, and for IPv4 the prefix
  // rte_lpm matched is the one the full API matched. The result goes to
  // the report's header (context "fast_path_check").
  std::string fast_check;
  void check_fast_path() {
    constexpr std::size_t kCheck = 4096;
    std::size_t checked = 0, bad = 0;
    std::string first;
    for (int fam = 0; fam < 2; ++fam)
      for (int kind = 0; kind < 2; ++kind) {
        const Addrs& a = addrs[fam][kind];
        if (a.net.empty()) continue;
        const bool dpdk = dpdk_why[fam].empty();
        for (std::size_t base = 0; base < kCheck; base += rtm_bench::kMaxFastBatch) {
          std::uint64_t one[1], batch[rtm_bench::kMaxFastBatch];
          const std::size_t n = rtm_bench::kMaxFastBatch;
          if (fam == 0) rtm_bench::fast_lookup4(rtm, &a.a4[base], n, batch);
          else rtm_bench::fast_lookup6(rtm, &a.net[base], n, batch);
          for (std::size_t i = base; i < base + n; ++i) {
            const bool hit1 = fam == 0 ? rtm_bench::fast_lookup4(rtm, &a.a4[i], 1, one) == 1
                                       : rtm_bench::fast_lookup6(rtm, &a.net[i], 1, one) == 1;
            rtm::DestInfo di;
            const bool full = rtm.get_most_specific_destination(threads[fam][0], a.net[i], rtm::kBestProtocol,
                                                                rtm::kViewMaskUnicast, &di) == rtm::errc::ok;
            unsigned full_len = 0;
            if (full) {
              full_len = di.address.length();
              rtm.release_dest_info(threads[fam][0], di);
            }
            bool ok = hit1 == full && (one[0] == (hit1 ? 2u : 0u)) && batch[i - base] == one[0];
            if (dpdk) {
              if (fam == 0) {
                const std::uint64_t nh = rtm_bench::dpdk::lpm4_answer(a.a4[i]);
                ok = ok && (nh != 0) == full && rtm_bench::dpdk::fib4_answer(a.a4[i]) == nh &&
                     (nh == 0 || table.p[0][nh - 1].length() == full_len);
              } else {
                const auto* b = reinterpret_cast<const std::uint8_t(*)[16]>(a.b6[i].data());
                std::uint32_t nh6 = 0;
                ok = ok && (rtm_bench::dpdk::lpm6_lookup(b, 1, &nh6) == 1) == full &&
                     (rtm_bench::dpdk::fib6_lookup_bulk(b, 1) == 1) == full;
              }
            }
            ++checked;
            if (!ok && bad++ == 0)
              first = std::string(fam == 0 ? "v4" : "v6") + (kind == 0 ? ".random" : ".inside") +
                      " address " + std::to_string(i);
          }
        }
      }
    fast_check = bad == 0 ? "agrees with get_most_specific_destination" +
                                std::string(dpdk_why[0].empty() && dpdk_why[1].empty() ? " and DPDK's tables" : "") +
                                " on " + std::to_string(checked) + " lookup addresses"
                          : "DISAGREES on " + std::to_string(bad) + " of " + std::to_string(checked) +
                                " lookup addresses (first: " + first + ")";
    // A degraded fast path answers from the RIB: its rows would not
    // measure the indexes.
    rtm::ForwardingStats st;
    if (rtm.forwarding_stats(&st) == rtm::errc::ok && st.degraded != 0)
      fast_check += "; DEGRADED (an index write failed: lookups answer from the RIB)";
    if (bad != 0 || st.degraded != 0) std::fprintf(stderr, "rtm_bench: the fast path %s\n", fast_check.c_str());
  }

  void load_dpdk() {
    if (g_no_dpdk) {
      dpdk_why[0] = dpdk_why[1] = "DPDK rows skipped (--no-dpdk)";
      return;
    }
    std::vector<rtm_bench::dpdk::Prefix4> p4;
    std::vector<rtm_bench::dpdk::Prefix6> p6;
    dpdk_prefixes(table, &p4, &p6);
    // IPv6 first (seconds), then IPv4 (rte_lpm's load is the long one).
    if (rtm_bench::dpdk::load6(p6, &dpdk_why[1]) || dpdk_why[1].find("EAL") == std::string::npos)
      rtm_bench::dpdk::load4(p4, &dpdk_why[0]);
    else
      dpdk_why[0] = dpdk_why[1];
  }
};

World& world() {
  static World w;
  return w;
}

// ---- exact match, update, walk: rtm and the two baselines (IPv4) -------------

struct RtmImpl {
  static constexpr const char* name = "rtm";
  rtm::Instance& t = world().rtm;
  rtm::EntityHandle me;
  explicit RtmImpl(int thread) : me(world().threads[0][static_cast<std::size_t>(thread)]) {}
  RtmImpl(int, rtm::EntityHandle e) : me(e) {}
  bool exact(const rtm::NetAddress& p) {
    rtm::DestInfo di;
    if (t.get_exact_match_destination(me, p, rtm::kBestProtocol, rtm::kViewMaskUnicast, &di) !=
        rtm::errc::ok)
      return false;
    benchmark::DoNotOptimize(di.views[0].route);
    t.release_dest_info(me, di);
    return true;
  }
  // Returns the change flags (kRouteChangeBest: the best route changed).
  rtm::RouteChangeFlags add(rtm::EntityHandle owner, const rtm::NetAddress& p, std::uint32_t metric,
                            rtm::NextHopHandle hop = {}) {
    rtm::RouteInfo ri;
    ri.pref = {metric, 20};
    if (hop.value != 0) {
      ri.next_hops.count = 1;
      ri.next_hops.hops[0] = hop;
    }
    rtm::RouteChangeFlags ch = 0;
    t.add_route(owner, nullptr, p, ri, rtm::kInfinite, &ch);
    return ch;
  }
  // A full-table enumeration in batches of the profile's maximum (100),
  // each batch released; returns the destinations seen.
  std::size_t walk() {
    rtm::EnumHandle e;
    if (t.create_dest_enum(me, rtm::kViewMaskUnicast, rtm::kEnumStart, nullptr,
                           rtm::kBestProtocol, &e) != rtm::errc::ok)
      return 0;
    std::vector<rtm::DestInfo> batch(100);
    std::size_t n = 0;
    for (;;) {
      std::uint32_t c = static_cast<std::uint32_t>(batch.size());
      const rtm::errc r = t.get_enum_dests(me, e, &c, batch.data());
      if (c > 0) {
        benchmark::DoNotOptimize(batch[c - 1].views[0].route);
        t.release_dests(me, {batch.data(), c});
      }
      n += c;
      if (r != rtm::errc::ok) break;
    }
    t.delete_enum(me, e);
    return n;
  }
  rtm::RouteChangeFlags withdraw(rtm::EntityHandle owner, const rtm::NetAddress& p) {
    rtm::RouteInfo crit;
    crit.owner = owner;
    rtm::RouteHandle r;
    if (t.get_exact_match_route(owner, p, rtm::kMatchOwner, &crit, 0, rtm::kViewMaskAny, &r,
                                false) != rtm::errc::ok)
      return 0;
    rtm::RouteChangeFlags ch = 0;
    t.delete_route(owner, r, &ch);
    t.release_routes(owner, {&r, 1});
    return ch;
  }
};

// A baseline owner id for an entity handle (never 1, the loader's).
std::uint32_t owner_id(rtm::EntityHandle h) {
  return static_cast<std::uint32_t>(h.value) | 0x80000000u;
}

template <class Table>
struct LockedImpl {
  Table& t;
  explicit LockedImpl(Table& table) : t(table) {}
  bool exact(const rtm::NetAddress& p) {
    BInfo i;
    if (!t.get_exact(v4(p), p.length(), &i)) return false;
    benchmark::DoNotOptimize(i.best);
    return true;
  }
  void add(rtm::EntityHandle owner, const rtm::NetAddress& p, std::uint32_t metric) {
    t.add(v4(p), p.length(), BRoute{owner_id(owner), 20, metric});
  }
  void withdraw(rtm::EntityHandle owner, const rtm::NetAddress& p) {
    t.remove(v4(p), p.length(), owner_id(owner));
  }
  std::size_t walk() {
    std::vector<BInfo> all;
    t.snapshot(&all);
    if (!all.empty()) benchmark::DoNotOptimize(all.back().best);
    return all.size();  // ~BInfo releases every reference
  }
};
struct MutexImpl : LockedImpl<rtm_bench::MutexTable> {
  static constexpr const char* name = "mutex";
  explicit MutexImpl(int) : LockedImpl(world().mutex_table) {}
};
struct SharedMutexImpl : LockedImpl<rtm_bench::SharedMutexTable> {
  static constexpr const char* name = "shared_mutex";
  explicit SharedMutexImpl(int) : LockedImpl(world().shared_table) {}
};

// ---- the churn writer ---------------------------------------------------------

// Which table a lookup row reads, and so which one its churn writer writes.
enum class Impl { rtm, rtm_fast, rtm_fast_batch, rtm_session, rtm_session_batch, mutex, shared_mutex, lpm, fib };
bool is_fast(Impl i) {
  return i == Impl::rtm_fast || i == Impl::rtm_fast_batch || i == Impl::rtm_session || i == Impl::rtm_session_batch;
}
const char* impl_name(Impl i, int fam) {
  switch (i) {
    case Impl::rtm: return "rtm";
    case Impl::rtm_fast: return "rtm_fast";
    case Impl::rtm_fast_batch: return "rtm_fast_batch";
    case Impl::rtm_session: return "rtm_session";
    case Impl::rtm_session_batch: return "rtm_session_batch";
    case Impl::mutex: return "mutex";
    case Impl::shared_mutex: return "shared_mutex";
    case Impl::lpm: return fam == 0 ? "rte_lpm" : "rte_lpm6";
    case Impl::fib: return fam == 0 ? "rte_fib" : "rte_fib6";
  }
  return "?";
}

// One background writer churning a second peer's routes on random table
// prefixes of one family (a BGP-like update stream: announce with a random
// metric, or withdraw) while a benchmark runs. Reports updates per second.
// For the fast-path rows every announcement beats the loader's route
// (metric below its 10), so an update changes the best route (and
// rewrites the prefix's index entries) unless the peer's route was already
// in that state: about half the updates; best_changes_per_s counts them
// (rtm rows only: kRouteChangeBest).
class Churn {
 public:
  // `rate`: updates per second, 0 for as fast as it can. Paced, it sleeps
  // whenever it is ahead of rate x elapsed and catches up after a
  // preemption, so its mean rate is `rate` whenever the CPU allows it.
  Churn(Impl impl, int fam, double rate = 0)
      : impl_(impl), fam_(fam), rate_(rate), t0_(Clock::now()), thread_([this] { run(); }) {}
  ~Churn() { stop(); }
  // Stops the writer; returns its updates per second.
  double stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    return static_cast<double>(updates_) / std::max(1e-9, secs_);
  }
  double best_changes_per_s() {
    stop();
    return static_cast<double>(best_changes_) / std::max(1e-9, secs_);
  }

 private:
  void run() {
    World& w = world();
    const auto& ps = w.table.p[fam_];
    const rtm::EntityHandle peer = w.peer[fam_];
    const rtm::NextHopHandle hop = w.peer_hop[fam_];
    const bool fast = is_fast(impl_);
    std::mt19937_64 rng(7);
    std::uint64_t n = 0, best = 0;
    RtmImpl r(0, peer);
    while (!stop_.load(std::memory_order_relaxed)) {
      if (rate_ > 0 && static_cast<double>(n) >= rate_ * since(t0_)) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        continue;
      }
      const auto& p = ps[rng() % ps.size()];
      const bool announce = rng() % 2;
      const std::uint32_t metric = static_cast<std::uint32_t>(rng() % (fast ? 10 : 100));
      switch (impl_) {
        case Impl::rtm:
        case Impl::rtm_fast:
        case Impl::rtm_fast_batch:
        case Impl::rtm_session:
        case Impl::rtm_session_batch: {
          const rtm::RouteChangeFlags ch = announce ? r.add(peer, p, metric, hop) : r.withdraw(peer, p);
          best += (ch & rtm::kRouteChangeBest) != 0;
          break;
        }
        case Impl::mutex:
          if (fam_ == 0) announce ? (void)w.mutex_table.add(v4(p), p.length(), {owner_id(peer), 20, metric})
                                  : (void)w.mutex_table.remove(v4(p), p.length(), owner_id(peer));
          else announce ? (void)w.mutex_table6.add(v6(p), p.length(), {owner_id(peer), 20, metric})
                        : (void)w.mutex_table6.remove(v6(p), p.length(), owner_id(peer));
          break;
        case Impl::shared_mutex:
          if (fam_ == 0) announce ? (void)w.shared_table.add(v4(p), p.length(), {owner_id(peer), 20, metric})
                                  : (void)w.shared_table.remove(v4(p), p.length(), owner_id(peer));
          else announce ? (void)w.shared_table6.add(v6(p), p.length(), {owner_id(peer), 20, metric})
                        : (void)w.shared_table6.remove(v6(p), p.length(), owner_id(peer));
          break;
        default:
          break;
      }
      ++n;
    }
    secs_ = since(t0_);
    updates_ = n;
    best_changes_ = best;
  }
  Impl impl_;
  int fam_;
  double rate_;
  Clock::time_point t0_;
  std::atomic<bool> stop_{false};
  std::uint64_t updates_ = 0, best_changes_ = 0;
  double secs_ = 0;
  std::thread thread_;
};

// ---- lookups --------------------------------------------------------------------

// Looks up addrs[off, off + kBatch) with one implementation; returns hits.
std::size_t lookup_batch(Impl impl, int fam, const Addrs& a, std::size_t off, rtm::EntityHandle me) {
  World& w = world();
  std::size_t hits = 0;
  switch (impl) {
    case Impl::rtm:
      for (std::size_t i = off; i < off + kBatch; ++i) {
        rtm::DestInfo di;
        if (w.rtm.get_most_specific_destination(me, a.net[i], rtm::kBestProtocol,
                                                rtm::kViewMaskUnicast, &di) == rtm::errc::ok) {
          benchmark::DoNotOptimize(di.views[0].route);
          w.rtm.release_dest_info(me, di);
          ++hits;
        }
      }
      break;
    case Impl::rtm_fast: {  // one forward() per address
      std::uint64_t out[kBatch];
      for (std::size_t i = 0; i < kBatch; ++i)
        hits += fam == 0 ? rtm_bench::fast_lookup4(w.rtm, &a.a4[off + i], 1, &out[i])
                         : rtm_bench::fast_lookup6(w.rtm, &a.net[off + i], 1, &out[i]);
      benchmark::DoNotOptimize(out);
      break;
    }
    case Impl::rtm_fast_batch: {  // one batch call
      std::uint64_t out[kBatch];
      hits = fam == 0 ? rtm_bench::fast_lookup4(w.rtm, &a.a4[off], kBatch, out)
                      : rtm_bench::fast_lookup6(w.rtm, &a.net[off], kBatch, out);
      benchmark::DoNotOptimize(out);
      break;
    }
    case Impl::rtm_session:  // one session, one inline lookup per address
    case Impl::rtm_session_batch: {  // one session, one batch lookup
      std::uint64_t out[kBatch];
      const bool batch = impl == Impl::rtm_session_batch;
      hits = fam == 0 ? rtm_bench::session_lookup4(w.rtm, &a.a4[off], kBatch, out, batch)
                      : rtm_bench::session_lookup6(w.rtm, &a.net[off], kBatch, out, batch);
      benchmark::DoNotOptimize(out);
      break;
    }
    case Impl::mutex:
    case Impl::shared_mutex:
      for (std::size_t i = off; i < off + kBatch; ++i) {
        if (fam == 0) {
          BInfo bi;
          hits += impl == Impl::mutex ? w.mutex_table.get_lpm(a.a4[i], &bi)
                                      : w.shared_table.get_lpm(a.a4[i], &bi);
          benchmark::DoNotOptimize(bi.best);
        } else {
          rtm_bench::BInfo6 bi;
          hits += impl == Impl::mutex ? w.mutex_table6.get_lpm(a.k6[i], &bi)
                                      : w.shared_table6.get_lpm(a.k6[i], &bi);
          benchmark::DoNotOptimize(bi.best);
        }
      }
      break;
    case Impl::lpm: {  // the next-hop ids stored, as the rtm rows store their answers
      std::uint32_t out[kBatch];
      hits = fam == 0 ? rtm_bench::dpdk::lpm4_lookup(&a.a4[off], kBatch, out)
                      : rtm_bench::dpdk::lpm6_lookup(
                            reinterpret_cast<const std::uint8_t(*)[16]>(a.b6[off].data()), kBatch, out);
      benchmark::DoNotOptimize(out);
      break;
    }
    case Impl::fib:
      hits = fam == 0 ? rtm_bench::dpdk::fib4_lookup_bulk(&a.a4[off], kBatch)
                      : rtm_bench::dpdk::fib6_lookup_bulk(
                            reinterpret_cast<const std::uint8_t(*)[16]>(a.b6[off].data()), kBatch);
      break;
  }
  return hits;
}

void Lookup(benchmark::State& state, Impl impl, int fam, int kind, bool churn) {
  World& w = world();
  if (is_fast(impl) && !rtm_bench::kFastPathBuilt) {
    state.SkipWithError("not built yet (the forwarding fast path; bench/fast_path.h)");
    return;
  }
  if ((impl == Impl::lpm || impl == Impl::fib) && !w.dpdk_why[fam].empty()) {
    state.SkipWithError(w.dpdk_why[fam].c_str());
    return;
  }
  if (w.table.p[fam].empty()) {
    state.SkipWithError("the table has no prefixes of this family");
    return;
  }
  const Addrs& a = w.addrs[fam][kind];
  std::unique_ptr<Churn> writer;
  if (churn && state.thread_index() == 0) writer = std::make_unique<Churn>(impl, fam, g_churn_rate);
  const rtm::EntityHandle me = w.threads[fam][static_cast<std::size_t>(state.thread_index())];
  std::size_t off = (static_cast<std::size_t>(state.thread_index()) * 7919 * kBatch) % kAddrs;
  std::uint64_t hits = 0;
  for (auto _ : state) {
    hits += lookup_batch(impl, fam, a, off, me);
    off = (off + kBatch) % kAddrs;
  }
  const auto n = static_cast<std::int64_t>(state.iterations() * kBatch);
  state.SetItemsProcessed(n);
  state.counters["hit_ratio"] = benchmark::Counter(
      static_cast<double>(hits) / static_cast<double>(std::max<std::int64_t>(1, n)),
      benchmark::Counter::kAvgThreads);
  if (writer) {
    state.counters["writer_updates_per_s"] = writer->stop();
    if (impl == Impl::rtm || is_fast(impl))
      state.counters["writer_best_changes_per_s"] = writer->best_changes_per_s();
  }
}

// ---- exact match and updates (IPv4) -----------------------------------------------

template <class Impl>
void ExactHot(benchmark::State& state) {
  World& w = world();
  Impl impl(state.thread_index());
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    // 64 hot prefixes spread over the table.
    benchmark::DoNotOptimize(impl.exact(w.prefixes[(i++ & 63) * (w.prefixes.size() / 64)]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The same with every thread calling as one entity (X4).
void ExactHotSharedEntity(benchmark::State& state) {
  World& w = world();
  RtmImpl impl(state.thread_index(), w.threads[0][0]);
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state)
    benchmark::DoNotOptimize(impl.exact(w.prefixes[(i++ & 63) * (w.prefixes.size() / 64)]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The C API on its own instance (RtmInstanceId 1) loaded with the same IPv4
// table: RtmGetExactMatchDestination + RtmReleaseDestInfo on the 64 hot
// prefixes, one entity per thread (C1).
struct CWorld {
  std::vector<RTM_ENTITY_HANDLE> threads;
  std::vector<RTM_NET_ADDRESS> hot;
  RTM_REGN_PROFILE profile{};
  bool ok = true;
  static RTM_NET_ADDRESS c_address(const rtm::NetAddress& p) {
    RTM_NET_ADDRESS a;
    RTM_IPV4_SET_ADDR_AND_LEN(&a, htonl(v4(p)), p.length());
    return a;
  }
  CWorld() {
    World& w = world();
    RTM_ENTITY_INFO info{};
    info.RtmInstanceId = 1;
    info.AddressFamily = AF_INET;
    info.EntityId.EntityProtocolId = 14;
    info.EntityId.EntityInstanceId = 1;
    RTM_ENTITY_HANDLE loader = nullptr;
    ok &= RtmRegisterEntity(&info, nullptr, nullptr, FALSE, &profile, &loader) == NO_ERROR;
    std::vector<unsigned char> buf(RTM_SIZE_OF_ROUTE_INFO(profile.MaxNextHopsInRoute));
    auto* ri = reinterpret_cast<RTM_ROUTE_INFO*>(buf.data());
    for (const auto& p : w.prefixes) {
      std::memset(buf.data(), 0, buf.size());
      ri->PrefInfo.Preference = 20;
      ri->PrefInfo.Metric = 10;
      ri->BelongsToViews = RTM_VIEW_MASK_UCAST;
      RTM_NET_ADDRESS a = c_address(p);
      RTM_ROUTE_CHANGE_FLAGS ch = 0;
      ok &= RtmAddRouteToDest(loader, nullptr, &a, ri, INFINITE, nullptr, 0, nullptr, &ch) ==
            NO_ERROR;
    }
    for (std::uint32_t t = 0; t < 64; ++t) {
      info.EntityId.EntityProtocolId = 100;
      info.EntityId.EntityInstanceId = t + 1;
      RTM_ENTITY_HANDLE h = nullptr;
      ok &= RtmRegisterEntity(&info, nullptr, nullptr, FALSE, &profile, &h) == NO_ERROR;
      threads.push_back(h);
    }
    for (std::size_t i = 0; i < 64; ++i)
      hot.push_back(c_address(w.prefixes[i * (w.prefixes.size() / 64)]));
  }
};

void ExactHotCApi(benchmark::State& state) {
  static CWorld cw;
  if (!cw.ok) {
    state.SkipWithError("the C API instance did not load");
    return;
  }
  RTM_ENTITY_HANDLE me = cw.threads[static_cast<std::size_t>(state.thread_index())];
  std::vector<unsigned char> buf(RTM_SIZE_OF_DEST_INFO(cw.profile.NumberOfViews));
  auto* di = reinterpret_cast<RTM_DEST_INFO*>(buf.data());
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    if (RtmGetExactMatchDestination(me, &cw.hot[i++ & 63], RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST,
                                    di) == NO_ERROR) {
      benchmark::DoNotOptimize(di->ViewInfo[0].Route);
      RtmReleaseDestInfo(me, di);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Impl>
void ExactTable(benchmark::State& state) {
  World& w = world();
  Impl impl(state.thread_index());
  std::mt19937_64 rng(static_cast<std::uint64_t>(state.thread_index()) + 1);
  for (auto _ : state) benchmark::DoNotOptimize(impl.exact(w.prefixes[rng() % w.prefixes.size()]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Impl, bool kShared>
void Update(benchmark::State& state) {
  World& w = world();
  Impl impl(state.thread_index());
  const rtm::EntityHandle me = w.threads[0][static_cast<std::size_t>(state.thread_index())];
  std::mt19937_64 rng(static_cast<std::uint64_t>(state.thread_index()) + 11);
  const std::size_t base = kShared ? 0 : static_cast<std::size_t>(state.thread_index()) * 1024;
  for (auto _ : state) {
    const auto& p = w.prefixes[(base + rng() % 1024) % w.prefixes.size()];
    if (rng() % 3 == 0) impl.withdraw(me, p);
    else impl.add(me, p, static_cast<std::uint32_t>(rng() % 100));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  // Leave the table as it was: withdraw this thread's routes.
  for (std::size_t k = 0; k < 1024; ++k) impl.withdraw(me, w.prefixes[(base + k) % w.prefixes.size()]);
}

// ---- drain, walk ------------------------------------------------------------------

// Changed destinations drained by one consumer, 64 per GetChangedDests,
// until the queue is empty. Returns how many.
std::uint64_t drain_all(rtm::Instance& t, rtm::EntityHandle consumer, rtm::NotifyHandle n) {
  std::vector<rtm::DestInfo> batch(64);
  std::uint64_t drained = 0;
  for (;;) {
    std::uint32_t c = static_cast<std::uint32_t>(batch.size());
    const rtm::errc r = t.get_changed_dests(consumer, n, &c, batch.data());
    if (c > 0) t.release_changed_dests(consumer, n, {batch.data(), c});
    drained += c;
    if (r != rtm::errc::ok || c == 0) break;
  }
  return drained;
}

// A queue filled by a full-table load (v4 + v6, one route each), then
// drained by one consumer (Q1). Time: the drain only.
void DrainFullLoad(benchmark::State& state) {
  World& w = world();
  for (auto _ : state) {
    auto t = std::make_unique<rtm::Instance>();
    rtm::EntityHandle consumer[2], loader[2];
    rtm::NotifyHandle n[2];
    for (int fam = 0; fam < 2; ++fam) {
      t->register_entity({0, family_of(fam), 99, 1}, {}, &consumer[fam]);
      t->register_for_change_notification(consumer[fam], rtm::kViewMaskUnicast,
                                          rtm::kChangeTypeBest, nullptr, &n[fam]);
      t->register_entity({0, family_of(fam), 14, 1}, {}, &loader[fam]);
      for (const auto& p : w.table.p[fam]) {
        rtm::RouteInfo ri;
        ri.pref = {10, 20};
        rtm::RouteChangeFlags ch = 0;
        t->add_route(loader[fam], nullptr, p, ri, rtm::kInfinite, &ch);
      }
    }
    const auto t0 = Clock::now();
    std::uint64_t drained = 0;
    for (int fam = 0; fam < 2; ++fam) drained += drain_all(*t, consumer[fam], n[fam]);
    state.SetIterationTime(since(t0));
    state.counters["drained"] = static_cast<double>(drained);
    state.SetItemsProcessed(static_cast<std::int64_t>(drained));
    for (int fam = 0; fam < 2; ++fam) t->deregister_from_change_notification(consumer[fam], n[fam]);
  }
}

// Changed destinations drained per second by one consumer while one writer
// churns (bounded by the writer's rate; rtm only: the baselines have no
// change notification).
void DrainChurn(benchmark::State& state) {
  World& w = world();
  rtm::EntityHandle consumer = w.threads[0][0];
  rtm::NotifyHandle n;
  w.rtm.register_for_change_notification(consumer, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                         nullptr, &n);
  std::vector<rtm::DestInfo> batch(64);
  std::uint64_t drained = 0;
  {
    Churn writer(Impl::rtm, 0);
    for (auto _ : state) {
      std::uint32_t c = static_cast<std::uint32_t>(batch.size());
      w.rtm.get_changed_dests(consumer, n, &c, batch.data());
      if (c > 0) w.rtm.release_changed_dests(consumer, n, {batch.data(), c});
      drained += c;
    }
  }
  w.rtm.deregister_from_change_notification(consumer, n);
  state.SetItemsProcessed(static_cast<std::int64_t>(drained));
}

// A full-table walk (every destination with its best route, in address
// order) while one writer churns: rtm's enumeration against a sorted copy
// taken under the baselines' read lock. Counter: the writer's updates per
// second meanwhile (what the walk costs the writer).
template <class Impl>
void Walk(benchmark::State& state) {
  Impl impl(state.thread_index());
  std::size_t walked = 0;
  double updates_per_s = 0;
  {
    Churn writer(std::is_same_v<Impl, RtmImpl> ? ::Impl::rtm
                 : std::is_same_v<Impl, MutexImpl> ? ::Impl::mutex
                                                   : ::Impl::shared_mutex,
                 0);
    for (auto _ : state) walked += impl.walk();
    updates_per_s = writer.stop();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(walked));
  state.counters["writer_updates_per_s"] = updates_per_s;
}

// ---- load -----------------------------------------------------------------------

// The whole table (v4 + v6, one route per prefix) into a fresh table by
// `writers` threads (prefixes dealt round-robin), in batches of
// kLoadBatch routes (rtm's add_routes; the baselines' add_batch, one lock
// acquisition a batch), then its teardown.
// Returns {load seconds (-1 if a route failed), teardown seconds}.
constexpr std::size_t kLoadBatch = 256;

template <class Impl>
std::pair<double, double> load_once(int writers) {
  World& w = world();
  double load_s = 0, teardown_s = 0;
  if constexpr (std::is_same_v<Impl, RtmImpl>) {
    auto t = std::make_unique<rtm::Instance>();
    std::vector<rtm::EntityHandle> es(static_cast<std::size_t>(2 * writers));
    for (int k = 0; k < writers; ++k)
      for (int fam = 0; fam < 2; ++fam)
        t->register_entity({0, family_of(fam), 14, static_cast<std::uint32_t>(k + 1)}, {},
                           &es[static_cast<std::size_t>(2 * k + fam)]);
    std::atomic<bool> failed{false};
    const auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int k = 0; k < writers; ++k)
      ts.emplace_back([&, k] {
        std::vector<rtm::RouteAddItem> batch(kLoadBatch);
        for (int fam = 0; fam < 2; ++fam) {
          const auto& ps = w.table.p[fam];
          std::size_t n = 0;
          auto flush = [&] {
            if (t->add_routes(es[static_cast<std::size_t>(2 * k + fam)], std::span(batch.data(), n)) !=
                rtm::errc::ok)
              failed.store(true, std::memory_order_relaxed);
            n = 0;
          };
          for (std::size_t i = static_cast<std::size_t>(k); i < ps.size();
               i += static_cast<std::size_t>(writers)) {
            rtm::RouteAddItem& it = batch[n++];
            it.dest = ps[i];
            it.info.pref = {10, 20};
            if (n == kLoadBatch) flush();
          }
          if (n != 0) flush();
        }
      });
    for (auto& th : ts) th.join();
    load_s = failed.load() ? -1.0 : since(t0);  // -1: Load() reports the failure
    const auto t1 = Clock::now();
    t.reset();
    teardown_s = since(t1);
  } else {
    using T4 = std::conditional_t<std::is_same_v<Impl, MutexImpl>, rtm_bench::MutexTable,
                                  rtm_bench::SharedMutexTable>;
    using T6 = std::conditional_t<std::is_same_v<Impl, MutexImpl>, rtm_bench::MutexTable6,
                                  rtm_bench::SharedMutexTable6>;
    auto t4 = std::make_unique<T4>();
    auto t6 = std::make_unique<T6>();
    const auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int k = 0; k < writers; ++k)
      ts.emplace_back([&, k] {
        const BRoute r{static_cast<std::uint32_t>(k + 1), 20, 10};
        auto load = [&](auto& table, const auto& ps, auto key) {
          std::vector<typename std::remove_reference_t<decltype(table)>::Add> batch;
          batch.reserve(kLoadBatch);
          for (std::size_t i = static_cast<std::size_t>(k); i < ps.size();
               i += static_cast<std::size_t>(writers)) {
            batch.push_back({key(ps[i]), ps[i].length(), r});
            if (batch.size() == kLoadBatch) {
              table.add_batch(batch.data(), batch.size());
              batch.clear();
            }
          }
          table.add_batch(batch.data(), batch.size());
        };
        load(*t4, w.table.p[0], [](const rtm::NetAddress& a) { return v4(a); });
        load(*t6, w.table.p[1], [](const rtm::NetAddress& a) { return v6(a); });
      });
    for (auto& th : ts) th.join();
    load_s = since(t0);
    const auto t1 = Clock::now();
    t4.reset();
    t6.reset();
    teardown_s = since(t1);
  }
  return {load_s, teardown_s};
}

template <class Impl>
void Load(benchmark::State& state) {
  World& w = world();
  const std::size_t routes = w.table.p[0].size() + w.table.p[1].size();
  for (auto _ : state) {
    const auto [load_s, teardown_s] = load_once<Impl>(static_cast<int>(state.range(0)));
    if (load_s < 0) {
      state.SkipWithError("an add_routes item failed");
      return;
    }
    state.SetIterationTime(load_s);
    state.counters["teardown_s"] = teardown_s;
    state.counters["teardown_routes_per_s"] = static_cast<double>(routes) / std::max(1e-9, teardown_s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(routes));
}

// DPDK's load of the same table (rte_fib + rte_fib6, or rte_lpm +
// rte_lpm6), timed when the World built them; one writer (DPDK tables
// take one writer).
void LoadDpdk(benchmark::State& state, bool fib) {
  World& w = world();
  if (!w.dpdk_why[0].empty() || !w.dpdk_why[1].empty()) {
    state.SkipWithError((w.dpdk_why[0].empty() ? w.dpdk_why[1] : w.dpdk_why[0]).c_str());
    return;
  }
  const auto fp = rtm_bench::dpdk::footprint();
  for (auto _ : state)
    state.SetIterationTime(fib ? fp.fib4_load_s + fp.fib6_load_s : fp.lpm4_load_s + fp.lpm6_load_s);
  const double s4 = fib ? fp.fib4_load_s : fp.lpm4_load_s, s6 = fib ? fp.fib6_load_s : fp.lpm6_load_s;
  state.counters["v4_routes_per_s"] = static_cast<double>(w.table.p[0].size()) / std::max(1e-9, s4);
  state.counters["v6_routes_per_s"] = static_cast<double>(w.table.p[1].size()) / std::max(1e-9, s6);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(w.table.p[0].size() + w.table.p[1].size()));
}

// Registering and deregistering an entity that has no routes while the
// whole table is loaded (D2). Time: the deregistration only.
void DeregisterEmpty(benchmark::State& state) {
  World& w = world();
  std::uint32_t id = 1000;
  for (auto _ : state) {
    rtm::EntityHandle h;
    w.rtm.register_entity({0, rtm::Family::ipv4, 200, ++id}, {}, &h);
    const auto t0 = Clock::now();
    w.rtm.deregister_entity(h);
    state.SetIterationTime(since(t0));
  }
  state.counters["destinations"] = static_cast<double>(w.rtm.dest_count(rtm::Family::ipv4) +
                                                       w.rtm.dest_count(rtm::Family::ipv6));
}

// ---- processes of their own: memory and the route server ----------------------------

std::int64_t heap_bytes() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

std::int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// RSS and heap per destination of the whole table with one route each.
int process_memory(const std::string& which) {
  const Table table = read_table();
  const std::size_t dests = table.p[0].size() + table.p[1].size();
  malloc_trim(0);  // give back what reading the table freed, so RSS grows only with the table
  const std::int64_t rss0 = rss_bytes(), heap0 = heap_bytes();
  std::string extra;
  if (which == "rtm") {
    auto* t = new rtm::Instance();  // not freed: the figure is taken with it alive
    for (int fam = 0; fam < 2; ++fam) {
      rtm::EntityHandle e;
      t->register_entity({0, family_of(fam), 14, 1}, {}, &e);
      for (const auto& p : table.p[fam]) {
        rtm::RouteInfo ri;
        ri.pref = {10, 20};
        rtm::RouteChangeFlags ch = 0;
        t->add_route(e, nullptr, p, ri, rtm::kInfinite, &ch);
      }
    }
    // The fast path's own share (F7): resident bytes of its indexes.
    rtm::ForwardingStats st;
    t->forwarding_stats(&st);
    char b[768];
    std::snprintf(b, sizeof b,
                  ", \"fwd_views\": %u, \"fwd_degraded\": %u, \"fwd_tbl8_groups_v4\": %llu, "
                  "\"fwd_tbl8_groups_v6\": %llu, \"fwd_tbl24_bytes_v4\": %llu, \"fwd_tbl24_bytes_v6\": %llu, "
                  "\"fwd_tbl8_bytes_v4\": %llu, \"fwd_tbl8_bytes_v6\": %llu, \"fwd_list_bytes_v4\": %llu, "
                  "\"fwd_list_bytes_v6\": %llu, \"fwd_nh_groups\": %llu, \"fwd_nh_bytes\": %llu, "
                  "\"fwd_bytes_v4\": %llu, \"fwd_bytes_v6\": %llu, \"fwd_bytes\": %llu, "
                  "\"v4\": %zu, \"v6\": %zu",
                  st.views, st.degraded, static_cast<unsigned long long>(st.tbl8_groups[0]),
                  static_cast<unsigned long long>(st.tbl8_groups[1]),
                  static_cast<unsigned long long>(st.tbl24_bytes[0]),
                  static_cast<unsigned long long>(st.tbl24_bytes[1]),
                  static_cast<unsigned long long>(st.tbl8_bytes[0]),
                  static_cast<unsigned long long>(st.tbl8_bytes[1]),
                  static_cast<unsigned long long>(st.list_bytes[0]),
                  static_cast<unsigned long long>(st.list_bytes[1]),
                  static_cast<unsigned long long>(st.nh_groups), static_cast<unsigned long long>(st.nh_bytes),
                  static_cast<unsigned long long>(st.index_bytes(0)),
                  static_cast<unsigned long long>(st.index_bytes(1)),
                  static_cast<unsigned long long>(st.total_bytes()), table.p[0].size(), table.p[1].size());
    extra = b;
    // The instance's own account of its memory (rtm/stats.h), beside RSS.
    rtm::InstanceStats is;
    if (t->stats(&is) == rtm::errc::ok) {
      extra += ", \"stats_bytes_in_use\": " + std::to_string(is.bytes_in_use()) +
               ", \"stats_retired_not_freed\": " + std::to_string(is.retired_not_freed) +
               ", \"stats_hold_records\": " + std::to_string(is.hold_records);
      for (int k = 0; k < rtm::kMemoryKinds; ++k)
        extra += std::string(", \"stats_") + rtm::to_string(static_cast<rtm::MemoryKind>(k)) +
                 "_bytes\": " + std::to_string(is.memory[k].bytes);
      std::fprintf(stderr, "%s\n", is.summary().c_str());
    }
  } else if (which == "mutex" || which == "shared_mutex") {
    auto* t4 = new rtm_bench::SharedMutexTable();  // same layout as the mutex one
    auto* t6 = new rtm_bench::SharedMutexTable6();
    for (const auto& p : table.p[0]) t4->add(v4(p), p.length(), BRoute{1, 20, 10});
    for (const auto& p : table.p[1]) t6->add(v6(p), p.length(), BRoute{1, 20, 10});
  } else if (which == "dpdk") {
    std::string why;
    std::vector<rtm_bench::dpdk::Prefix4> p4;
    std::vector<rtm_bench::dpdk::Prefix6> p6;
    dpdk_prefixes(table, &p4, &p6);
    if (!rtm_bench::dpdk::load4(p4, &why) || !rtm_bench::dpdk::load6(p6, &why)) {
      std::printf("{\"process\": \"mem:dpdk\", \"error\": \"%s\"}\n", why.c_str());
      return 0;
    }
    const auto fp = rtm_bench::dpdk::footprint();
    char b[512];
    std::snprintf(b, sizeof b,
                  ", \"lpm4_bytes\": %zu, \"fib4_bytes\": %zu, \"lpm6_bytes\": %zu, "
                  "\"fib6_bytes\": %zu, \"v4\": %zu, \"v6\": %zu",
                  fp.lpm4, fp.fib4, fp.lpm6, fp.fib6, table.p[0].size(), table.p[1].size());
    extra = b;
  } else {
    std::fprintf(stderr, "rtm_bench: unknown --process=mem:%s\n", which.c_str());
    return 2;
  }
  const std::int64_t rss1 = rss_bytes(), heap1 = heap_bytes();
  std::printf("{\"process\": \"mem:%s\", \"dests\": %zu, \"rss_per_dest\": %.1f, "
              "\"heap_per_dest\": %.1f%s}\n",
              which.c_str(), dests, static_cast<double>(rss1 - rss0) / static_cast<double>(dests),
              static_cast<double>(heap1 - heap0) / static_cast<double>(dests), extra.c_str());
  std::fflush(stdout);
  _exit(0);  // the figure is taken; skip the teardown
}

// Route server: 10 peers each announce the whole IPv4 table, peer k with
// metric 10 + k (peer 0 best). Loaded by `writers` threads, peers dealt
// round-robin to them. With one writer: RSS after the first peer and after
// all ten (per route and per destination), then peer 0 (the best, so every
// destination's best route changes) is flushed by deregistering it while 2
// threads run longest-prefix matches; then an entity with no routes is
// deregistered on the 9-peer table.
int process_route_server(int writers) {
  const Table table = read_table();
  const auto& ps = table.p[0];
  constexpr int kPeers = 10;
  malloc_trim(0);  // as in process_memory
  const std::int64_t rss0 = rss_bytes();
  auto* t = new rtm::Instance();  // not freed: the process exits after the figures
  rtm::EntityHandle peers[kPeers];
  for (int k = 0; k < kPeers; ++k)
    t->register_entity({0, rtm::Family::ipv4, 14, static_cast<std::uint32_t>(k + 1)}, {}, &peers[k]);
  auto load_peer = [&](int k) {
    for (const auto& p : ps) {
      rtm::RouteInfo ri;
      ri.pref = {static_cast<std::uint32_t>(10 + k), 20};
      rtm::RouteChangeFlags ch = 0;
      t->add_route(peers[k], nullptr, p, ri, rtm::kInfinite, &ch);
    }
  };
  std::int64_t rss_first = 0;
  const auto t0 = Clock::now();
  double first_s = 0;
  if (writers == 1) {
    load_peer(0);
    first_s = since(t0);
    rss_first = rss_bytes();
    for (int k = 1; k < kPeers; ++k) load_peer(k);
  } else {
    std::vector<std::thread> ts;
    for (int w = 0; w < writers; ++w)
      ts.emplace_back([&, w] {
        for (int k = w; k < kPeers; k += writers) load_peer(k);
      });
    for (auto& th : ts) th.join();
  }
  const double load_s = since(t0);
  const std::int64_t rss_all = rss_bytes();
  const double routes = static_cast<double>(ps.size()) * kPeers;
  rtm::InstanceStats is;  // the instance's own account, beside RSS (stderr: the report keeps stdout)
  if (t->stats(&is) == rtm::errc::ok) std::fprintf(stderr, "rs:%d %s\n", writers, is.summary().c_str());
  std::printf("{\"process\": \"rs:%d\", \"peers\": %d, \"dests\": %zu, \"routes\": %.0f, "
              "\"load_s\": %.3f, \"routes_per_s\": %.1f",
              writers, kPeers, ps.size(), routes, load_s, routes / load_s);
  if (writers == 1) {
    const double n = static_cast<double>(ps.size());
    std::printf(", \"first_peer_routes_per_s\": %.1f, \"rss_per_route\": %.1f, "
                "\"rss_per_dest\": %.1f, \"rss_per_dest_first_peer\": %.1f, "
                "\"rss_per_additional_route\": %.1f",
                n / first_s, static_cast<double>(rss_all - rss0) / routes,
                static_cast<double>(rss_all - rss0) / n, static_cast<double>(rss_first - rss0) / n,
                static_cast<double>(rss_all - rss_first) / (n * (kPeers - 1)));
    // Lookup threads before and during the flush.
    std::vector<rtm::NetAddress> addrs;
    std::mt19937_64 rng(5);
    for (std::size_t i = 0; i < (1u << 18); ++i) addrs.push_back(inside(ps[rng() % ps.size()], rng));
    std::atomic<int> phase{0};  // 0 before, 1 flushing, 2 stop
    std::atomic<std::uint64_t> counts[2][2] = {};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
      rtm::EntityHandle me;
      t->register_entity({0, rtm::Family::ipv4, 100, static_cast<std::uint32_t>(r + 1)}, {}, &me);
      readers.emplace_back([&, r, me] {
        std::size_t i = static_cast<std::size_t>(r) * 7919;
        std::uint64_t n2[2] = {0, 0};
        for (;;) {
          const int ph = phase.load(std::memory_order_relaxed);
          if (ph == 2) break;
          rtm::DestInfo di;
          if (t->get_most_specific_destination(me, addrs[i++ & (addrs.size() - 1)],
                                               rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                               &di) == rtm::errc::ok)
            t->release_dest_info(me, di);
          ++n2[ph];
        }
        counts[r][0] = n2[0];
        counts[r][1] = n2[1];
      });
    }
    const auto b0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double before_s = since(b0);
    const auto f0 = Clock::now();
    phase = 1;
    std::int64_t held = -1;
    t->deregister_entity(peers[0], &held);
    const double flush_s = since(f0);
    phase = 2;
    for (auto& th : readers) th.join();
    const double before = static_cast<double>(counts[0][0] + counts[1][0]) / before_s;
    const double during = static_cast<double>(counts[0][1] + counts[1][1]) / flush_s;
    rtm::EntityHandle empty;
    t->register_entity({0, rtm::Family::ipv4, 200, 1}, {}, &empty);
    const auto d0 = Clock::now();
    t->deregister_entity(empty);
    const double empty_s = since(d0);
    std::printf(", \"flush_s\": %.3f, \"flush_routes_per_s\": %.1f, \"flush_held\": %lld, "
                "\"lookups_before_per_s\": %.1f, \"lookups_during_per_s\": %.1f, "
                "\"lookup_threads\": 2, \"deregister_empty_s\": %.6f",
                flush_s, static_cast<double>(ps.size()) / flush_s, static_cast<long long>(held),
                before, during, empty_s);
  }
  std::printf("}\n");
  std::fflush(stdout);
  _exit(0);  // the figures are taken; the teardown of 9M routes is not measured here
}

// ---- registration -----------------------------------------------------------------

void register_all() {
  auto threads = [](benchmark::internal::Benchmark* b) {
    b->Threads(1)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();
  };
  const char* fams[2] = {"v4", "v6"};
  const char* kinds[2] = {"random", "inside"};
  for (int fam = 0; fam < 2; ++fam)
    for (int kind = 0; kind < 2; ++kind)
      for (int churn = 0; churn < 2; ++churn)
        for (Impl impl : {Impl::rtm, Impl::rtm_fast, Impl::rtm_fast_batch, Impl::rtm_session,
                          Impl::rtm_session_batch, Impl::mutex,
                          Impl::shared_mutex, Impl::lpm, Impl::fib}) {
          // DPDK's tables take no concurrent writer: quiet rows only.
          if (churn && (impl == Impl::lpm || impl == Impl::fib)) continue;
          const std::string name = std::string("lookup:") + fams[fam] + "." + kinds[kind] + "." +
                                   (churn ? "churn" : "quiet") + ":" + impl_name(impl, fam);
          threads(benchmark::RegisterBenchmark(name.c_str(), Lookup, impl, fam, kind, churn != 0));
        }
  threads(benchmark::RegisterBenchmark("exact:hot:rtm", ExactHot<RtmImpl>));
  threads(benchmark::RegisterBenchmark("exact:hot:mutex", ExactHot<MutexImpl>));
  threads(benchmark::RegisterBenchmark("exact:hot:shared_mutex", ExactHot<SharedMutexImpl>));
  threads(benchmark::RegisterBenchmark("exact:hot_shared_entity:rtm", ExactHotSharedEntity));
  benchmark::RegisterBenchmark("exact:c_api_hot:rtm_c", ExactHotCApi)->Threads(1)->Threads(2)->UseRealTime();
  threads(benchmark::RegisterBenchmark("exact:table:rtm", ExactTable<RtmImpl>));
  threads(benchmark::RegisterBenchmark("exact:table:mutex", ExactTable<MutexImpl>));
  threads(benchmark::RegisterBenchmark("exact:table:shared_mutex", ExactTable<SharedMutexImpl>));
  threads(benchmark::RegisterBenchmark("update:shared:rtm", Update<RtmImpl, true>));
  threads(benchmark::RegisterBenchmark("update:shared:mutex", Update<MutexImpl, true>));
  threads(benchmark::RegisterBenchmark("update:shared:shared_mutex", Update<SharedMutexImpl, true>));
  threads(benchmark::RegisterBenchmark("update:disjoint:rtm", Update<RtmImpl, false>));
  threads(benchmark::RegisterBenchmark("update:disjoint:mutex", Update<MutexImpl, false>));
  threads(benchmark::RegisterBenchmark("update:disjoint:shared_mutex", Update<SharedMutexImpl, false>));
  // One-shot workloads (a whole-table load, a flush, a walk) run once
  // whatever --benchmark_repetitions says: report.sh repeats the timed
  // loops only.
  for (int w : {1, 2}) {
    const std::string wl = "load:full." + std::to_string(w) + "w:";
    benchmark::RegisterBenchmark((wl + "rtm").c_str(), Load<RtmImpl>)->Arg(w)->Iterations(1)->Repetitions(1)->UseManualTime();
    benchmark::RegisterBenchmark((wl + "mutex").c_str(), Load<MutexImpl>)->Arg(w)->Iterations(1)->Repetitions(1)->UseManualTime();
    benchmark::RegisterBenchmark((wl + "shared_mutex").c_str(), Load<SharedMutexImpl>)->Arg(w)->Iterations(1)->Repetitions(1)->UseManualTime();
  }
  benchmark::RegisterBenchmark("load:full.1w:rte_fib", LoadDpdk, true)->Iterations(1)->Repetitions(1)->UseManualTime();
  benchmark::RegisterBenchmark("load:full.1w:rte_lpm", LoadDpdk, false)->Iterations(1)->Repetitions(1)->UseManualTime();
  benchmark::RegisterBenchmark("load:deregister_empty:rtm", DeregisterEmpty)->Iterations(5)->Repetitions(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("drain:full_load:rtm", DrainFullLoad)->Iterations(1)->Repetitions(1)->UseManualTime();
  benchmark::RegisterBenchmark("drain:churn:rtm", DrainChurn)->UseRealTime();
  benchmark::RegisterBenchmark("walk:full:rtm", Walk<RtmImpl>)->Repetitions(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("walk:full:mutex", Walk<MutexImpl>)->Repetitions(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("walk:full:shared_mutex", Walk<SharedMutexImpl>)->Repetitions(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags first (--table=PATH, --limit=N, --no-dpdk, --churn_rate=N,
  // --process=MODE);
  // the rest goes to Google Benchmark.
  std::vector<char*> rest;
  std::string process;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--table=", 8) == 0) g_tables = {argv[i] + 8};
    else if (std::strncmp(argv[i], "--limit=", 8) == 0) g_limit = std::stoul(argv[i] + 8);
    else if (std::strcmp(argv[i], "--no-dpdk") == 0) g_no_dpdk = true;
    else if (std::strncmp(argv[i], "--churn_rate=", 13) == 0) g_churn_rate = std::stod(argv[i] + 13);
    else if (std::strncmp(argv[i], "--process=", 10) == 0) process = argv[i] + 10;
    else rest.push_back(argv[i]);
  }
  if (process.rfind("mem:", 0) == 0) return process_memory(process.substr(4));
  if (process == "rs:1" || process == "rs:2") return process_route_server(process[3] - '0');
  if (!process.empty()) {
    std::fprintf(stderr, "rtm_bench: unknown --process=%s (mem:rtm, mem:mutex, mem:dpdk, rs:1, rs:2)\n",
                 process.c_str());
    return 2;
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  register_all();
  World& w = world();  // load before timing starts
  std::string tables;
  for (const auto& t : g_tables) tables += (tables.empty() ? "" : " + ") + t;
  std::string dpdk = w.dpdk_why[0].empty() && w.dpdk_why[1].empty()
                         ? "rte_lpm, rte_fib, rte_lpm6, rte_fib6 loaded (EAL --no-huge --no-pci -m 2048)"
                         : "v4: " + (w.dpdk_why[0].empty() ? std::string("loaded") : w.dpdk_why[0]) +
                               "; v6: " + (w.dpdk_why[1].empty() ? std::string("loaded") : w.dpdk_why[1]);
  benchmark::AddCustomContext("table", tables);
  benchmark::AddCustomContext("v4_prefixes", std::to_string(w.table.p[0].size()));
  benchmark::AddCustomContext("v6_prefixes", std::to_string(w.table.p[1].size()));
  benchmark::AddCustomContext("limit", std::to_string(g_limit));
  benchmark::AddCustomContext("dpdk", dpdk);
  const auto fp = rtm_bench::dpdk::footprint();
  benchmark::AddCustomContext("dpdk_bytes",
                              "lpm4=" + std::to_string(fp.lpm4) + " fib4=" + std::to_string(fp.fib4) +
                                  " lpm6=" + std::to_string(fp.lpm6) + " fib6=" + std::to_string(fp.fib6));
  benchmark::AddCustomContext("dpdk_fib_arrays",
                              "fib4=" + std::to_string(fp.fib4_arrays) + " fib6=" + std::to_string(fp.fib6_arrays) +
                                  " fib4_tbl8=" + std::to_string(fp.fib4_tbl8) +
                                  " fib6_tbl8=" + std::to_string(fp.fib6_tbl8));
  benchmark::AddCustomContext("dpdk_load_s",
                              "lpm4=" + std::to_string(fp.lpm4_load_s) + " fib4=" + std::to_string(fp.fib4_load_s) +
                                  " lpm6=" + std::to_string(fp.lpm6_load_s) + " fib6=" + std::to_string(fp.fib6_load_s));
  benchmark::AddCustomContext("fast_path", rtm_bench::kFastPathBuilt ? "built; " + w.fast_check : "not built yet");
  std::printf("rtm_bench: table %s (%zu IPv4 + %zu IPv6 prefixes%s), %u hardware threads; DPDK: %s\n",
              tables.c_str(), w.table.p[0].size(), w.table.p[1].size(),
              g_limit ? (", limit " + std::to_string(g_limit) + " per family").c_str() : "",
              std::thread::hardware_concurrency(), dpdk.c_str());
  std::fflush(stdout);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // The results are written; skip destroying the World (a full table's
  // teardown takes a minute and is measured by load:full.* already).
  std::fflush(nullptr);
  _exit(0);
}
