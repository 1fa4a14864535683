// rtm_demo — a small router on the real table.
//
// Two BGP-like peers and a static entity load the bundled RouteViews/DB-IP
// table (IPv4 and IPv6) with different preferences; then, for --seconds,
// one peer churns (withdraws and re-announces prefixes) while lookup
// threads run longest-prefix matches on random addresses drawn from the
// table. A forwarding thread registers for best-route changes and drains
// them (GetChangedDests / ReleaseChangedDests) into its own FIB copy, from
// the first route loaded to the last update; at the end the FIB copy must
// equal the table's best routes, prefix by prefix. It prints a one-screen
// summary and checks that no handle is left outstanding.
//
//   rtm_demo data/routeviews-ipv4.txt.xz data/routeviews-ipv6.txt.xz [--seconds S] [--lookup-threads N] [--limit N]
#include <rtm/rtm.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "prefix_file.h"

namespace {

using Clock = std::chrono::steady_clock;
using rtm_examples::PrefixEntry;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Peer {
  rtm::EntityHandle h;
  std::uint32_t preference;
};

bool check(rtm::errc r, const char* what) {
  if (r == rtm::errc::ok) return true;
  std::fprintf(stderr, "rtm_demo: %s failed: %s\n", what, rtm::to_string(r));
  return false;
}

// A random address inside a random table prefix.
rtm::NetAddress random_address(const std::vector<PrefixEntry>& t, std::mt19937_64& rng) {
  return rtm_examples::random_address_in(t[rng() % t.size()].prefix, rng);
}

// The forwarding plane's copy of the table: prefix -> best route handle
// (the route handle stands in for the forwarding entry built from it).
struct Fib {
  std::unordered_map<std::string, std::uint64_t> routes;
  static std::string key(const rtm::NetAddress& a) {
    std::string k(reinterpret_cast<const char*>(a.bytes()), 16);
    k.push_back(static_cast<char>(a.length()));
    k.push_back(static_cast<char>(a.family()));
    return k;
  }
};

// Wakes the forwarding thread when a change queue goes from empty to
// non-empty (the RTMv2 change-notification callback is a signal only).
struct Doorbell {
  std::mutex m;
  std::condition_variable cv;
  bool rung = false;
  void ring() {
    {
      std::lock_guard<std::mutex> l(m);
      rung = true;
    }
    cv.notify_one();
  }
  void wait_briefly() {
    std::unique_lock<std::mutex> l(m);
    cv.wait_for(l, std::chrono::milliseconds(10), [&] { return rung; });
    rung = false;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  double seconds = 5;
  unsigned lookup_threads = 2;
  std::size_t limit = 0;  // 0: the whole table; else the first `limit` prefixes per family
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::stod(argv[++i]);
    else if (a == "--lookup-threads" && i + 1 < argc)
      lookup_threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--limit" && i + 1 < argc)
      limit = std::stoul(argv[++i]);
    else
      files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: rtm_demo TABLE4 [TABLE6] [--seconds S] [--lookup-threads N] [--limit N]\n");
    return 2;
  }
  std::vector<PrefixEntry> table[2];
  for (const auto& f : files) {
    for (auto& e : rtm_examples::read_prefix_file(f))
      table[e.prefix.family() == rtm::Family::ipv4 ? 0 : 1].push_back(e);
  }
  std::size_t duplicates = 0;
  for (auto& t : table) {
    if (limit != 0 && t.size() > limit) t.resize(limit);
    // A prefix listed twice is one destination: keep the first line.
    std::sort(t.begin(), t.end(), [](const PrefixEntry& x, const PrefixEntry& y) {
      return std::lexicographical_compare(x.prefix.bytes(), x.prefix.bytes() + 16, y.prefix.bytes(),
                                          y.prefix.bytes() + 16) ||
             (std::equal(x.prefix.bytes(), x.prefix.bytes() + 16, y.prefix.bytes()) &&
              x.prefix.length() < y.prefix.length());
    });
    const auto end = std::unique(t.begin(), t.end(), [](const PrefixEntry& x, const PrefixEntry& y) {
      return x.prefix == y.prefix;
    });
    duplicates += static_cast<std::size_t>(t.end() - end);
    t.erase(end, t.end());
  }
  std::printf("rtm_demo: %zu IPv4 and %zu IPv6 distinct prefixes read (%zu duplicate lines); "
              "%u hardware threads\n",
              table[0].size(), table[1].size(), duplicates, std::thread::hardware_concurrency());

  bool ok = true;
  std::size_t routes_loaded = 0;
  double load_seconds = 0;
  std::uint64_t updates = 0, lookups = 0, lookup_hits = 0;
  double churn_seconds = 0;
  {
    rtm::Instance rtm;
    // The forwarding entity of each family, registered for best-route
    // changes before anything is loaded.
    Doorbell bell;
    std::atomic<std::uint64_t> signals{0};
    rtm::EntityConfig fib_config;
    fib_config.callback = [&](rtm::EntityHandle, rtm::EventType t, void*, void*) -> std::uint32_t {
      if (t == rtm::EventType::change_notification) {
        signals.fetch_add(1, std::memory_order_relaxed);
        bell.ring();
      }
      return 0;
    };
    rtm::EntityHandle fib_entity[2];
    rtm::NotifyHandle fib_reg[2];
    const rtm::Family families[2] = {rtm::Family::ipv4, rtm::Family::ipv6};
    for (int f = 0; f < 2; ++f) {
      ok &= check(rtm.register_entity({0, families[f], /*forwarding*/ 99, 1}, fib_config,
                                      &fib_entity[f]),
                  "register forwarding entity");
      ok &= check(rtm.register_for_change_notification(fib_entity[f], rtm::kViewMaskUnicast,
                                                       rtm::kChangeTypeBest, nullptr,
                                                       &fib_reg[f]),
                  "register for changes");
    }
    Fib fib;
    std::atomic<bool> fib_stop{false};
    std::atomic<bool> fib_ok{true};
    std::uint64_t delivered = 0;
    // Drains both queues once, to the end. Returns the number delivered.
    auto drain = [&]() -> std::uint64_t {
      std::uint64_t n = 0;
      rtm::DestInfo batch[64];
      for (int f = 0; f < 2; ++f) {
        for (;;) {
          std::uint32_t c = 64;
          const rtm::errc r = rtm.get_changed_dests(fib_entity[f], fib_reg[f], &c, batch);
          if (r != rtm::errc::ok && r != rtm::errc::no_more_items) fib_ok = false;
          for (std::uint32_t i = 0; i < c; ++i) {
            if (batch[i].views[0].route)
              fib.routes[Fib::key(batch[i].address)] = batch[i].views[0].route.value;
            else
              fib.routes.erase(Fib::key(batch[i].address));
          }
          if (c > 0 &&
              rtm.release_changed_dests(fib_entity[f], fib_reg[f], {batch, c}) != rtm::errc::ok)
            fib_ok = false;
          n += c;
          if (r != rtm::errc::ok) break;
        }
      }
      return n;
    };
    std::thread forwarding([&] {
      while (!fib_stop.load(std::memory_order_acquire)) {
        const std::uint64_t n = drain();
        delivered += n;
        if (n == 0) bell.wait_briefly();
      }
    });
    Peer peers[2][3];
    for (int f = 0; f < 2; ++f) {
      // Two BGP peers (protocol 14) and a static entity (protocol 3).
      ok &= check(rtm.register_entity({0, families[f], 14, 1}, {}, &peers[f][0].h), "register peer A");
      ok &= check(rtm.register_entity({0, families[f], 14, 2}, {}, &peers[f][1].h), "register peer B");
      ok &= check(rtm.register_entity({0, families[f], 3, 1}, {}, &peers[f][2].h), "register static");
      peers[f][0].preference = 20;
      peers[f][1].preference = 20;
      peers[f][2].preference = 1;
    }
    if (!ok) {
      fib_stop = true;
      forwarding.join();
      return 1;
    }

    // Load: each protocol thread replays the table with its own preference.
    auto t0 = Clock::now();
    std::vector<std::thread> loaders;
    std::atomic<std::size_t> loaded{0};
    std::atomic<bool> load_ok{true};
    for (int p = 0; p < 3; ++p) {
      loaders.emplace_back([&, p] {
        std::size_t n = 0;
        for (int f = 0; f < 2; ++f) {
          const auto& t = table[f];
          for (std::size_t i = 0; i < t.size(); ++i) {
            if (p == 2 && i % 100 != 0) continue;  // static covers 1% of the table
            rtm::RouteInfo ri;
            ri.pref = {t[i].origin_asn % 100 + static_cast<std::uint32_t>(p), peers[f][p].preference};
            rtm::RouteChangeFlags ch = 0;
            if (rtm.add_route(peers[f][p].h, nullptr, t[i].prefix, ri, rtm::kInfinite, &ch) !=
                rtm::errc::ok)
              load_ok = false;
            ++n;
          }
        }
        loaded += n;
      });
    }
    for (auto& t : loaders) t.join();
    load_seconds = seconds_since(t0);
    routes_loaded = loaded;
    ok &= load_ok;

    // Churn and lookups.
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> n_updates{0}, n_lookups{0}, n_hits{0};
    std::atomic<bool> run_ok{true};
    std::vector<std::thread> ts;
    ts.emplace_back([&] {  // peer B: withdraw and re-announce
      std::mt19937_64 rng(1);
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const int f = (rng() % 4 == 0) ? 1 : 0;
        const auto& e = table[f][rng() % table[f].size()];
        rtm::RouteInfo ri;
        ri.pref = {static_cast<std::uint32_t>(rng() % 100), 20};
        rtm::RouteChangeFlags ch = 0;
        rtm::RouteHandle rh;
        if (rtm.add_route(peers[f][1].h, &rh, e.prefix, ri, rtm::kInfinite, &ch) != rtm::errc::ok)
          run_ok = false;
        if (rng() % 2 == 0) rtm.delete_route(peers[f][1].h, rh, &ch);
        if (rtm.release_routes(peers[f][1].h, {&rh, 1}) != rtm::errc::ok) run_ok = false;
        n += 2;
      }
      n_updates += n;
    });
    for (unsigned i = 0; i < lookup_threads; ++i) {
      ts.emplace_back([&, i] {
        std::mt19937_64 rng(100 + i);
        std::uint64_t n = 0, hits = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          const int f = (rng() % 4 == 0) ? 1 : 0;
          const rtm::NetAddress a = random_address(table[f], rng);
          rtm::DestInfo di;
          rtm::errc r = rtm.get_most_specific_destination(peers[f][0].h, a, rtm::kBestProtocol,
                                                          rtm::kViewMaskUnicast, &di);
          if (r == rtm::errc::ok) {
            ++hits;
            if (!di.address.covers(a) || !di.views[0].route) run_ok = false;
            if (rtm.release_dest_info(peers[f][0].h, di) != rtm::errc::ok) run_ok = false;
          } else if (r != rtm::errc::not_found) {
            run_ok = false;
          }
          ++n;
        }
        n_lookups += n;
        n_hits += hits;
      });
    }
    auto t1 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : ts) t.join();
    churn_seconds = seconds_since(t1);
    ok &= run_ok;
    // Writers are done: the forwarding thread drains what is left, then the
    // FIB copy must equal the table's best routes.
    fib_stop.store(true, std::memory_order_release);
    forwarding.join();
    delivered += drain();
    ok &= fib_ok;
    std::size_t fib_mismatches = 0, table_best = 0;
    for (int f = 0; f < 2; ++f)
      for (const auto& e : table[f]) {
        rtm::DestInfo di;
        std::uint64_t best = 0;
        if (rtm.get_exact_match_destination(fib_entity[f], e.prefix, rtm::kBestProtocol,
                                            rtm::kViewMaskUnicast, &di) == rtm::errc::ok) {
          best = di.views[0].route.value;
          rtm.release_dest_info(fib_entity[f], di);
        }
        const auto it = fib.routes.find(Fib::key(e.prefix));
        const std::uint64_t copy = it == fib.routes.end() ? 0 : it->second;
        table_best += best != 0;
        fib_mismatches += best != copy;
      }
    ok &= fib_mismatches == 0;
    updates = n_updates;
    lookups = n_lookups;
    lookup_hits = n_hits;

    std::int64_t outstanding = 0;
    for (auto& fam : peers)
      for (auto& p : fam) {
        rtm::Outstanding o;
        rtm.outstanding(p.h, &o);
        outstanding += o.total();
      }
    std::printf("\n  machine              %u hardware threads (every figure below is from it)\n",
                std::thread::hardware_concurrency());
    std::printf("  routes loaded        %zu (3 entities x 2 families) in %.2f s: %.2f M routes/s\n",
                routes_loaded, load_seconds, routes_loaded / load_seconds / 1e6);
    std::printf("  destinations         %zu IPv4, %zu IPv6\n", rtm.dest_count(rtm::Family::ipv4),
                rtm.dest_count(rtm::Family::ipv6));
    rtm::InstanceStats stats;
    if (rtm.stats(&stats) == rtm::errc::ok)
      std::printf("  stats                %s\n", stats.summary().c_str());
    std::printf("  churn                %.0f updates/s (1 writer)\n", updates / churn_seconds);
    std::printf("  lookups              %.2f M LPM/s (%u threads, %.1f%% hits)\n",
                lookups / churn_seconds / 1e6, lookup_threads,
                lookups ? 100.0 * lookup_hits / lookups : 0.0);
    std::printf("  changes delivered    %llu changed destinations to the FIB thread (%llu signals)\n",
                static_cast<unsigned long long>(delivered),
                static_cast<unsigned long long>(signals.load()));
    std::printf("  FIB copy             %zu entries; %zu best routes in the table; %zu mismatches\n",
                fib.routes.size(), table_best, fib_mismatches);
    std::printf("  outstanding handles  %lld\n", static_cast<long long>(outstanding));
    ok &= outstanding == 0;
    for (int f = 0; f < 2; ++f) {
      rtm::Outstanding o;
      rtm.outstanding(fib_entity[f], &o);
      ok &= o.total() == 0;
      ok &= check(rtm.deregister_from_change_notification(fib_entity[f], fib_reg[f]),
                  "deregister from changes");
      ok &= check(rtm.deregister_entity(fib_entity[f]), "deregister forwarding entity");
    }
    auto t2 = Clock::now();
    for (auto& fam : peers)
      for (auto& p : fam) {
        std::int64_t held = -1;
        ok &= check(rtm.deregister_entity(p.h, &held), "deregister");
        ok &= held == 0;
      }
    std::printf("  teardown             %.2f s\n", seconds_since(t2));
  }
  std::printf("\nrtm_demo: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
