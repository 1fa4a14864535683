// rtm_bench — contention benchmarks: rtm against the lock-based tables a
// router engineer would otherwise write (bench/baselines.h), in one binary
// and one run, on the bundled real table (or --table PATH, e.g. the Tier-1
// full table; --limit N takes N prefixes spread over the table).
//
// Workloads (each rtm vs MutexTable vs SharedMutexTable unless noted):
//   LpmReadMostly   N threads longest-prefix match random addresses inside
//                   table prefixes, while one background writer churns a
//                   second peer's routes (announce / withdraw).
//   ExactHot        N threads exact-match Get + Release on 64 hot prefixes.
//   ExactTable      the same on random prefixes of the whole table.
//   UpdateShared    N writers (one owner each) add / replace / withdraw
//                   routes on 1,024 shared prefixes.
//   UpdateDisjoint  the same, each writer on its own 1,024 prefixes.
//   Drain           rtm only: changed destinations drained per second by one
//                   consumer while one writer churns.
//   Load            full-table load with 1 and 2 writers (and teardown time).
//   Memory          RSS bytes per destination with 1 and with 10 routes.
// Thread counts 1, 2, 4, 8; on a 2-core machine 4 and 8 oversubscribe, which
// is the case where a preempted lock holder stalls a lock-based table.
#include <benchmark/benchmark.h>
#include <rtm/rtm.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <malloc.h>
#include <unistd.h>
#include <vector>

#include "../examples/prefix_file.h"
#include "baselines.h"

namespace {

using rtm_bench::BInfo;
using rtm_bench::BRoute;
using Clock = std::chrono::steady_clock;

std::string g_table_path = RTM_BENCH_DATA_DIR "/routeviews-ipv4.txt.xz";
std::size_t g_limit = 0;

std::uint32_t v4(const rtm::NetAddress& a) {
  const std::uint8_t* b = a.bytes();
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

// The table, random lookup addresses, and one rtm instance and one table of
// each baseline loaded with it (one route per prefix, owner 1).
struct World {
  std::vector<rtm::NetAddress> prefixes;
  std::vector<rtm::NetAddress> addresses;  // random, each inside a table prefix
  rtm::Instance rtm;
  rtm::EntityHandle loader;
  rtm::EntityHandle peer;                  // the background writer's entity
  std::vector<rtm::EntityHandle> threads;  // one per benchmark thread
  rtm_bench::MutexTable mutex_table;
  rtm_bench::SharedMutexTable shared_table;

  World() {
    for (const auto& e : rtm_examples::read_prefix_file(g_table_path))
      if (e.prefix.family() == rtm::Family::ipv4) prefixes.push_back(e.prefix);
    if (g_limit != 0 && prefixes.size() > g_limit) {
      std::vector<rtm::NetAddress> spread;
      for (std::size_t i = 0; i < g_limit; ++i) spread.push_back(prefixes[i * prefixes.size() / g_limit]);
      prefixes.swap(spread);
    }
    std::mt19937_64 rng(42);
    for (int i = 0; i < (1 << 20); ++i) {
      const rtm::NetAddress& p = prefixes[rng() % prefixes.size()];
      std::uint32_t a = v4(p);
      if (p.length() < 32) a |= static_cast<std::uint32_t>(rng()) & (0xFFFFFFFFu >> p.length());
      addresses.push_back(rtm::NetAddress::ipv4(a, 32));
    }
    rtm.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &loader);
    rtm.register_entity({0, rtm::Family::ipv4, 14, 2}, {}, &peer);
    for (std::uint32_t t = 0; t < 64; ++t) {
      rtm::EntityHandle h;
      rtm.register_entity({0, rtm::Family::ipv4, 100, t + 1}, {}, &h);
      threads.push_back(h);
    }
    for (const auto& p : prefixes) {
      rtm::RouteInfo ri;
      ri.pref = {10, 20};
      rtm::RouteChangeFlags ch = 0;
      rtm.add_route(loader, nullptr, p, ri, rtm::kInfinite, &ch);
      mutex_table.add(v4(p), p.length(), BRoute{1, 20, 10});
      shared_table.add(v4(p), p.length(), BRoute{1, 20, 10});
    }
  }
};

World& world() {
  static World w;
  return w;
}

// ---- the three implementations behind one interface --------------------------

struct RtmImpl {
  static constexpr const char* name = "rtm";
  rtm::Instance& t = world().rtm;
  rtm::EntityHandle me;
  explicit RtmImpl(int thread) : me(world().threads[static_cast<std::size_t>(thread)]) {}
  bool lpm(const rtm::NetAddress& a) {
    rtm::DestInfo di;
    if (t.get_most_specific_destination(me, a, rtm::kBestProtocol, rtm::kViewMaskUnicast, &di) !=
        rtm::errc::ok)
      return false;
    benchmark::DoNotOptimize(di.views[0].route);
    t.release_dest_info(me, di);
    return true;
  }
  bool exact(const rtm::NetAddress& p) {
    rtm::DestInfo di;
    if (t.get_exact_match_destination(me, p, rtm::kBestProtocol, rtm::kViewMaskUnicast, &di) !=
        rtm::errc::ok)
      return false;
    benchmark::DoNotOptimize(di.views[0].route);
    t.release_dest_info(me, di);
    return true;
  }
  void add(rtm::EntityHandle owner, const rtm::NetAddress& p, std::uint32_t metric) {
    rtm::RouteInfo ri;
    ri.pref = {metric, 20};
    rtm::RouteChangeFlags ch = 0;
    t.add_route(owner, nullptr, p, ri, rtm::kInfinite, &ch);
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
  void withdraw(rtm::EntityHandle owner, const rtm::NetAddress& p) {
    rtm::RouteInfo crit;
    crit.owner = owner;
    rtm::RouteHandle r;
    if (t.get_exact_match_route(owner, p, rtm::kMatchOwner, &crit, 0, rtm::kViewMaskAny, &r,
                                false) != rtm::errc::ok)
      return;
    rtm::RouteChangeFlags ch = 0;
    t.delete_route(owner, r, &ch);
    t.release_routes(owner, {&r, 1});
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
  bool lpm(const rtm::NetAddress& a) {
    BInfo i;
    if (!t.get_lpm(v4(a), &i)) return false;
    benchmark::DoNotOptimize(i.best);
    return true;  // ~BInfo releases the reference
  }
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

// One background writer churning peer routes on random table prefixes
// (a BGP-like update stream) while a benchmark runs.
template <class Impl>
class BackgroundWriter {
 public:
  BackgroundWriter() : thread_([this] { run(); }) {}
  ~BackgroundWriter() { stop(); }
  // Stops the writer; returns how many updates it made.
  std::uint64_t stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    return updates_.load();
  }
  std::uint64_t updates() const { return updates_.load(); }

 private:
  void run() {
    Impl impl(63);
    World& w = world();
    std::mt19937_64 rng(7);
    std::uint64_t n = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const auto& p = w.prefixes[rng() % w.prefixes.size()];
      if (rng() % 2) impl.add(w.peer, p, static_cast<std::uint32_t>(rng() % 100));
      else impl.withdraw(w.peer, p);
      ++n;
    }
    updates_ = n;
  }
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> updates_{0};
  std::thread thread_;
};

template <class Impl>
void LpmReadMostly(benchmark::State& state) {
  World& w = world();
  std::unique_ptr<BackgroundWriter<Impl>> writer;
  if (state.thread_index() == 0) writer = std::make_unique<BackgroundWriter<Impl>>();
  Impl impl(state.thread_index());
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  std::uint64_t hits = 0;
  for (auto _ : state) {
    hits += impl.lpm(w.addresses[i++ & (w.addresses.size() - 1)]);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["hit_ratio"] = benchmark::Counter(
      static_cast<double>(hits) / static_cast<double>(std::max<std::int64_t>(1, state.iterations())),
      benchmark::Counter::kAvgThreads);
}

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
  const rtm::EntityHandle me = w.threads[static_cast<std::size_t>(state.thread_index())];
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

// Changed destinations drained per second by one consumer while one writer
// churns (rtm only: the baselines have no change notification).
void Drain(benchmark::State& state) {
  World& w = world();
  rtm::EntityHandle consumer = w.threads[0];
  rtm::NotifyHandle n;
  w.rtm.register_for_change_notification(consumer, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                         nullptr, &n);
  std::vector<rtm::DestInfo> batch(64);
  std::uint64_t drained = 0;
  {
    BackgroundWriter<RtmImpl> writer;
    for (auto _ : state) {
      std::uint32_t c = static_cast<std::uint32_t>(batch.size());
      w.rtm.get_changed_dests(consumer, n, &c, batch.data());
      if (c > 0) w.rtm.release_changed_dests(consumer, n, {batch.data(), c});
      drained += c;
    }
  }
  w.rtm.deregister_from_change_notification(consumer, n);
  state.SetItemsProcessed(static_cast<std::int64_t>(drained));
  state.counters["dests_per_batch"] =
      static_cast<double>(drained) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

// A full-table walk (every destination with its best route, in address
// order) while one writer churns: rtm's enumeration against a sorted copy
// taken under the baselines' read lock. Counters: destinations walked per
// second, and the writer's updates per second meanwhile (what the walk
// costs the writer).
template <class Impl>
void Walk(benchmark::State& state) {
  Impl impl(state.thread_index());
  std::size_t walked = 0;
  std::uint64_t updates = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    BackgroundWriter<Impl> writer;
    for (auto _ : state) walked += impl.walk();
    updates = writer.stop();
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.SetItemsProcessed(static_cast<std::int64_t>(walked));
  state.counters["writer_updates_per_s"] = static_cast<double>(updates) / secs;
}

// Full-table load with state.range(0) writers into a fresh table, then
// teardown (reported as a counter).
template <class Impl>
void Load(benchmark::State& state) {
  World& w = world();
  const int writers = static_cast<int>(state.range(0));
  for (auto _ : state) {
    double load_s = 0, teardown_s = 0;
    if constexpr (std::is_same_v<Impl, RtmImpl>) {
      auto t = std::make_unique<rtm::Instance>();
      std::vector<rtm::EntityHandle> es(static_cast<std::size_t>(writers));
      for (int k = 0; k < writers; ++k)
        t->register_entity({0, rtm::Family::ipv4, 14, static_cast<std::uint32_t>(k + 1)}, {},
                           &es[static_cast<std::size_t>(k)]);
      const auto t0 = Clock::now();
      std::vector<std::thread> ts;
      for (int k = 0; k < writers; ++k)
        ts.emplace_back([&, k] {
          for (std::size_t i = static_cast<std::size_t>(k); i < w.prefixes.size();
               i += static_cast<std::size_t>(writers)) {
            rtm::RouteInfo ri;
            ri.pref = {10, 20};
            rtm::RouteChangeFlags ch = 0;
            t->add_route(es[static_cast<std::size_t>(k)], nullptr, w.prefixes[i], ri,
                         rtm::kInfinite, &ch);
          }
        });
      for (auto& th : ts) th.join();
      load_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const auto t1 = Clock::now();
      t.reset();
      teardown_s = std::chrono::duration<double>(Clock::now() - t1).count();
    } else {
      using Table = std::remove_reference_t<decltype(Impl(0).t)>;
      auto t = std::make_unique<Table>();
      const auto t0 = Clock::now();
      std::vector<std::thread> ts;
      for (int k = 0; k < writers; ++k)
        ts.emplace_back([&, k] {
          for (std::size_t i = static_cast<std::size_t>(k); i < w.prefixes.size();
               i += static_cast<std::size_t>(writers))
            t->add(v4(w.prefixes[i]), w.prefixes[i].length(),
                   BRoute{static_cast<std::uint32_t>(k + 1), 20, 10});
        });
      for (auto& th : ts) th.join();
      load_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const auto t1 = Clock::now();
      t.reset();
      teardown_s = std::chrono::duration<double>(Clock::now() - t1).count();
    }
    state.SetIterationTime(load_s);
    state.counters["teardown_s"] = teardown_s;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() *
                                                    static_cast<std::int64_t>(w.prefixes.size())));
}

// Bytes the heap has handed out and not taken back (glibc).
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

// Memory per destination for a table of the first 200,000 prefixes with
// state.range(0) routes each (that many peers, different metrics): heap
// bytes in use (exact) and RSS growth (what the issue asks for, but blurred
// by memory the allocator kept from earlier benchmarks).
template <class Impl>
void Memory(benchmark::State& state) {
  World& w = world();
  const int routes = static_cast<int>(state.range(0));
  const std::size_t n = std::min<std::size_t>(w.prefixes.size(), 200000);
  for (auto _ : state) {
    const std::int64_t before = rss_bytes(), heap_before = heap_bytes();
    std::int64_t after = before, heap_after = heap_before;
    if constexpr (std::is_same_v<Impl, RtmImpl>) {
      auto t = std::make_unique<rtm::Instance>();
      std::vector<rtm::EntityHandle> es(static_cast<std::size_t>(routes));
      for (int k = 0; k < routes; ++k)
        t->register_entity({0, rtm::Family::ipv4, 14, static_cast<std::uint32_t>(k + 1)}, {},
                           &es[static_cast<std::size_t>(k)]);
      for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < routes; ++k) {
          rtm::RouteInfo ri;
          ri.pref = {static_cast<std::uint32_t>(k), 20};
          rtm::RouteChangeFlags ch = 0;
          t->add_route(es[static_cast<std::size_t>(k)], nullptr, w.prefixes[i], ri,
                       rtm::kInfinite, &ch);
        }
      after = rss_bytes();
      heap_after = heap_bytes();
    } else {
      using Table = std::remove_reference_t<decltype(Impl(0).t)>;
      auto t = std::make_unique<Table>();
      for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < routes; ++k)
          t->add(v4(w.prefixes[i]), w.prefixes[i].length(),
                 BRoute{static_cast<std::uint32_t>(k + 1), 20, static_cast<std::uint32_t>(k)});
      after = rss_bytes();
      heap_after = heap_bytes();
    }
    state.counters["bytes_per_dest"] =
        static_cast<double>(heap_after - heap_before) / static_cast<double>(n);
    state.counters["rss_per_dest"] = static_cast<double>(after - before) / static_cast<double>(n);
  }
}

#define RTM_BENCH_THREADS ->Threads(1)->Threads(2)->Threads(4)->Threads(8)->UseRealTime()
#define RTM_BENCH_ALL(fn)                                               \
  BENCHMARK_TEMPLATE(fn, RtmImpl) RTM_BENCH_THREADS;                    \
  BENCHMARK_TEMPLATE(fn, MutexImpl) RTM_BENCH_THREADS;                  \
  BENCHMARK_TEMPLATE(fn, SharedMutexImpl) RTM_BENCH_THREADS;

RTM_BENCH_ALL(LpmReadMostly)
RTM_BENCH_ALL(ExactHot)
RTM_BENCH_ALL(ExactTable)
BENCHMARK_TEMPLATE(Update, RtmImpl, true) RTM_BENCH_THREADS;
BENCHMARK_TEMPLATE(Update, MutexImpl, true) RTM_BENCH_THREADS;
BENCHMARK_TEMPLATE(Update, SharedMutexImpl, true) RTM_BENCH_THREADS;
BENCHMARK_TEMPLATE(Update, RtmImpl, false) RTM_BENCH_THREADS;
BENCHMARK_TEMPLATE(Update, MutexImpl, false) RTM_BENCH_THREADS;
BENCHMARK_TEMPLATE(Update, SharedMutexImpl, false) RTM_BENCH_THREADS;
BENCHMARK(Drain)->UseRealTime();
BENCHMARK_TEMPLATE(Walk, RtmImpl)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(Walk, MutexImpl)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(Walk, SharedMutexImpl)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(Load, RtmImpl)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime();
BENCHMARK_TEMPLATE(Load, MutexImpl)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime();
BENCHMARK_TEMPLATE(Load, SharedMutexImpl)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime();
BENCHMARK_TEMPLATE(Memory, RtmImpl)->Arg(1)->Arg(10)->Iterations(1);
BENCHMARK_TEMPLATE(Memory, MutexImpl)->Arg(1)->Arg(10)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  // Our flags first (--table=PATH, --limit=N); the rest goes to Google Benchmark.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--table=", 8) == 0) g_table_path = argv[i] + 8;
    else if (std::strncmp(argv[i], "--limit=", 8) == 0) g_limit = std::stoul(argv[i] + 8);
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  std::printf("rtm_bench: table %s%s, %u hardware threads; DPDK rte_lpm/rte_fib: not built "
              "(libdpdk not found at configure time)\n",
              g_table_path.c_str(), g_limit ? (" (limit " + std::to_string(g_limit) + ")").c_str() : "",
              std::thread::hardware_concurrency());
  world();  // load before timing starts
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
