// rtm_replay — replays real BGP updates into rtm and checks the result.
//
// Reads `bgpdump -m` output: RIB dumps as TABLE_DUMP / TABLE_DUMP2 lines
// (TYPE|time|B|peer_ip|peer_as|prefix|as_path|...), update streams as
// BGP4MP lines (BGP4MP|time|A|peer_ip|peer_as|prefix|as_path|... for an
// announcement, BGP4MP|time|W|peer_ip|peer_as|prefix for a withdrawal,
// BGP4MP|time|STATE|peer_ip|peer_as|old|new for a session state change). An
// input that is not such text (an MRT file, e.g. RIPE RIS's
// updates.*.gz) is decoded through `bgpdump -m`. Optionally a prefix table
// (--table PATH, "PREFIX/LEN [ASN]" lines, .xz allowed) is loaded first as
// the routes of one more peer.
//
// One rtm entity per (peer, family); a route's metric is its AS-path length
// (an AS_SET counts one), times 1,024 plus the peer's index so that no two
// peers tie (the model below needs one answer); all routes preference 20.
// An announcement adds or replaces that peer's route, a withdrawal deletes
// it, a session leaving Established (state 6) withdraws all of the peer's
// routes. A FIB thread registers for best-route changes before anything is
// loaded and drains them (GetChangedDests / ReleaseChangedDests) into its
// own copy; lookup threads run longest-prefix matches during the replay.
// At the end the table's best route of every prefix ever seen and the FIB
// copy are checked against an independent model of best routes (per
// prefix: each peer's metric, best = lowest), and every entity must hold 0
// references. Prints the rates and the check; exit status 0 only if there
// are no mismatches and no outstanding references.
//
//   rtm_replay [--table PATH] [--table-metric N] [--lookup-threads N] INPUT...
#include <rtm/rtm.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "prefix_file.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr std::uint32_t kPreference = 20;
constexpr std::uint32_t kMaxPeers = 1024;  // metric = path_length * kMaxPeers + peer

// A prefix as a map key: 16 address bytes, the length, the family.
std::string key_of(const rtm::NetAddress& a) {
  std::string k(reinterpret_cast<const char*>(a.bytes()), 16);
  k.push_back(static_cast<char>(a.length()));
  k.push_back(static_cast<char>(a.family()));
  return k;
}
int fam_of(const rtm::NetAddress& a) { return a.family() == rtm::Family::ipv4 ? 0 : 1; }

struct Event {
  enum Kind : std::uint8_t { announce, withdraw, session_down } kind;
  std::uint32_t peer;
  std::uint32_t metric;
  rtm::NetAddress prefix;
};

// AS-path length: space-separated elements; an AS_SET "{a,b}" is one.
std::uint32_t path_length(const std::string& path) {
  std::uint32_t n = 0;
  bool in = false;
  for (char c : path) {
    if (c == ' ') in = false;
    else if (!in) in = true, ++n;
  }
  return n;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t b = 0;
  for (;;) {
    const std::size_t e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return out;
    b = e + 1;
  }
}

struct Input {
  std::vector<Event> events;
  std::vector<std::string> peers;  // index -> "ip AS"
  std::unordered_map<std::string, std::uint32_t> peer_index;
  std::size_t lines = 0, skipped = 0;

  std::uint32_t peer(const std::string& name) {
    auto [it, fresh] = peer_index.emplace(name, static_cast<std::uint32_t>(peers.size()));
    if (fresh) peers.push_back(name);
    return it->second;
  }

  void parse_line(const std::string& line) {
    ++lines;
    const auto f = split(line, '|');
    if (f.size() < 6) return void(++skipped);
    const bool dump = f[0] == "TABLE_DUMP" || f[0] == "TABLE_DUMP2";
    if (!dump && f[0] != "BGP4MP" && f[0] != "BGP4MP_ET") return void(++skipped);
    const std::uint32_t p = peer(f[3] + " AS" + f[4]);
    if (f[2] == "STATE") {
      if (f.size() >= 7 && f[5] == "6" && f[6] != "6")
        events.push_back({Event::session_down, p, 0, {}});
      return;
    }
    auto pfx = rtm::NetAddress::parse(f[5]);
    if (!pfx) return void(++skipped);
    if (f[2] == "W") {
      events.push_back({Event::withdraw, p, 0, *pfx});
    } else if ((f[2] == "A" || (dump && f[2] == "B")) && f.size() >= 7) {
      events.push_back({Event::announce, p, path_length(f[6]) * kMaxPeers + p, *pfx});
    } else {
      ++skipped;
    }
  }

  // Reads `path` as bgpdump -m text, or decodes it with bgpdump -m.
  bool read(const std::string& path) {
    FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "r");
    if (f == nullptr) return std::fprintf(stderr, "rtm_replay: cannot open %s\n", path.c_str()), false;
    char head[16] = {};
    const std::size_t n = std::fread(head, 1, sizeof head - 1, f);
    const std::string h(head, n);
    const bool text = h.rfind("BGP4MP", 0) == 0 || h.rfind("TABLE_DUMP", 0) == 0;
    FILE* in = f;
    std::string pending = h;
    if (!text) {
      if (f != stdin) std::fclose(f);
      if (path == "-") return std::fprintf(stderr, "rtm_replay: stdin is not bgpdump -m text\n"), false;
      const std::string cmd = "bgpdump -m -- '" + path + "' 2>/dev/null";
      in = popen(cmd.c_str(), "r");
      if (in == nullptr) return std::fprintf(stderr, "rtm_replay: cannot run %s\n", cmd.c_str()), false;
      pending.clear();
    }
    char buf[8192];
    std::string line = pending;
    while (std::fgets(buf, sizeof buf, in) != nullptr) {
      line += buf;
      if (line.empty() || line.back() != '\n') continue;
      line.pop_back();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      parse_line(line);
      line.clear();
    }
    if (!line.empty()) parse_line(line);
    if (!text) {
      if (pclose(in) != 0)
        return std::fprintf(stderr, "rtm_replay: bgpdump -m %s failed (is bgpdump installed?)\n",
                            path.c_str()), false;
    } else if (in != stdin) {
      std::fclose(in);
    }
    return true;
  }
};

// The independent model: per prefix, each peer's metric.
struct Model {
  std::unordered_map<std::string, std::map<std::uint32_t, std::uint32_t>> routes;  // key -> peer -> metric
  std::unordered_map<std::string, rtm::NetAddress> prefix;                        // every key ever seen
  std::vector<std::unordered_set<std::string>> by_peer;
  // The best peer of a key, or -1.
  long best(const std::string& k) const {
    const auto it = routes.find(k);
    if (it == routes.end() || it->second.empty()) return -1;
    long b = -1;
    std::uint32_t m = ~0u;
    for (const auto& [p, metric] : it->second)
      if (metric < m) m = metric, b = p;
    return b;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string table_path;
  std::uint32_t table_metric = 4;
  unsigned lookup_threads = 1;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--table" && i + 1 < argc) table_path = argv[++i];
    else if (a == "--table-metric" && i + 1 < argc) table_metric = static_cast<std::uint32_t>(std::stoul(argv[++i]));
    else if (a == "--lookup-threads" && i + 1 < argc) lookup_threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--help" || a == "-h")
      return std::printf("usage: rtm_replay [--table PATH] [--table-metric N] [--lookup-threads N] INPUT...\n"), 0;
    else inputs.push_back(a);
  }
  if (inputs.empty() && table_path.empty()) {
    std::fprintf(stderr, "usage: rtm_replay [--table PATH] [--table-metric N] [--lookup-threads N] INPUT...\n");
    return 2;
  }

  // Read everything first, so the replay's rate is rtm's, not the decoder's.
  Input in;
  std::vector<rtm_examples::PrefixEntry> table;
  std::uint32_t table_peer = ~0u;
  if (!table_path.empty()) {
    table = rtm_examples::read_prefix_file(table_path);
    table_peer = in.peer("table " + table_path);
  }
  for (const auto& f : inputs)
    if (!in.read(f)) return 1;
  if (in.peers.size() >= kMaxPeers) {
    std::fprintf(stderr, "rtm_replay: %zu peers; at most %u\n", in.peers.size(), kMaxPeers - 1);
    return 1;
  }
  std::printf("rtm_replay: %zu input lines (%zu skipped), %zu events, %zu peers%s; %u hardware threads\n",
              in.lines, in.skipped, in.events.size(), in.peers.size(),
              table.empty() ? "" : (", table " + table_path + " (" + std::to_string(table.size()) +
                                    " prefixes) as the first peer").c_str(),
              std::thread::hardware_concurrency());

  bool ok = true;
  auto check = [&](rtm::errc r, const char* what) {
    if (r == rtm::errc::ok) return true;
    std::fprintf(stderr, "rtm_replay: %s: %s\n", what, rtm::to_string(r));
    ok = false;
    return false;
  };

  rtm::Instance rtm;
  const rtm::Family families[2] = {rtm::Family::ipv4, rtm::Family::ipv6};
  // Entities: the FIB's, one per (peer, family), the lookup threads'.
  rtm::EntityHandle fib_entity[2];
  rtm::NotifyHandle fib_reg[2];
  for (int f = 0; f < 2; ++f) {
    check(rtm.register_entity({0, families[f], 99, 1}, {}, &fib_entity[f]), "register FIB entity");
    check(rtm.register_for_change_notification(fib_entity[f], rtm::kViewMaskUnicast,
                                               rtm::kChangeTypeBest, nullptr, &fib_reg[f]),
          "register for changes");
  }
  std::vector<rtm::EntityHandle> peer_entity[2];
  for (int f = 0; f < 2; ++f)
    for (std::uint32_t p = 0; p < in.peers.size(); ++p) {
      rtm::EntityHandle h;
      check(rtm.register_entity({0, families[f], 14, p + 1}, {}, &h), "register peer");
      peer_entity[f].push_back(h);
    }
  if (!ok) return 1;

  // The FIB thread: drains best-route changes into its copy (key -> owner).
  std::unordered_map<std::string, std::uint64_t> fib;
  std::atomic<bool> fib_stop{false};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<bool> fib_ok{true};
  auto drain = [&]() -> std::uint64_t {
    std::uint64_t n = 0;
    rtm::DestInfo batch[64];
    for (int f = 0; f < 2; ++f)
      for (;;) {
        std::uint32_t c = 64;
        const rtm::errc r = rtm.get_changed_dests(fib_entity[f], fib_reg[f], &c, batch);
        if (r != rtm::errc::ok && r != rtm::errc::no_more_items) fib_ok = false;
        for (std::uint32_t i = 0; i < c; ++i) {
          if (batch[i].views[0].route) fib[key_of(batch[i].address)] = batch[i].views[0].owner.value;
          else fib.erase(key_of(batch[i].address));
        }
        if (c > 0 && rtm.release_changed_dests(fib_entity[f], fib_reg[f], {batch, c}) != rtm::errc::ok)
          fib_ok = false;
        n += c;
        if (r != rtm::errc::ok || c == 0) break;
      }
    delivered += n;
    return n;
  };
  std::thread fib_thread([&] {
    while (!fib_stop.load(std::memory_order_acquire))
      if (drain() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  });

  Model model;
  model.by_peer.resize(in.peers.size());
  std::uint64_t rtm_errors = 0;
  auto announce = [&](std::uint32_t peer, const rtm::NetAddress& p, std::uint32_t metric) {
    rtm::RouteInfo ri;
    ri.pref = {metric, kPreference};
    rtm::RouteChangeFlags ch = 0;
    if (rtm.add_route(peer_entity[fam_of(p)][peer], nullptr, p, ri, rtm::kInfinite, &ch) != rtm::errc::ok)
      ++rtm_errors;
    const std::string k = key_of(p);
    model.routes[k][peer] = metric;
    model.prefix.emplace(k, p);
    model.by_peer[peer].insert(k);
  };
  std::uint64_t unknown_withdrawals = 0;
  auto withdraw = [&](std::uint32_t peer, const rtm::NetAddress& p) {
    const rtm::EntityHandle e = peer_entity[fam_of(p)][peer];
    const std::string k = key_of(p);
    model.prefix.emplace(k, p);
    auto it = model.routes.find(k);
    const bool known = it != model.routes.end() && it->second.erase(peer) > 0;
    model.by_peer[peer].erase(k);
    rtm::RouteInfo crit;
    crit.owner = e;
    rtm::RouteHandle r;
    const rtm::errc got = rtm.get_exact_match_route(e, p, rtm::kMatchOwner, &crit, 0,
                                                    rtm::kViewMaskAny, &r, false);
    if (got != rtm::errc::ok) {
      if (known || got != rtm::errc::not_found) ++rtm_errors;
      ++unknown_withdrawals;
      return;
    }
    rtm::RouteChangeFlags ch = 0;
    if (rtm.delete_route(e, r, &ch) != rtm::errc::ok) ++rtm_errors;
    if (rtm.release_routes(e, {&r, 1}) != rtm::errc::ok) ++rtm_errors;
  };

  // 1. The table as the first peer.
  const auto t_load = Clock::now();
  for (const auto& e : table) announce(table_peer, e.prefix, table_metric * kMaxPeers + table_peer);
  const double load_s = since(t_load);

  // 2. The replay, with lookup threads running longest-prefix matches on
  // addresses inside the prefixes seen so far (the table's, or the stream's).
  std::vector<rtm::NetAddress> lookup_addrs;
  {
    std::mt19937_64 rng(9);
    std::vector<rtm::NetAddress> ps;
    for (const auto& e : table) ps.push_back(e.prefix);
    for (const auto& ev : in.events)
      if (ev.kind == Event::announce) ps.push_back(ev.prefix);
    for (std::size_t i = 0; i < (1u << 16) && !ps.empty(); ++i) {
      lookup_addrs.push_back(rtm_examples::random_address_in(ps[rng() % ps.size()], rng));
    }
  }
  std::atomic<bool> lookups_stop{false};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<bool> lookups_ok{true};
  std::vector<rtm::EntityHandle> lookup_entity[2];
  std::vector<std::thread> lookers;
  for (unsigned t = 0; t < lookup_threads && !lookup_addrs.empty(); ++t) {
    for (int f = 0; f < 2; ++f) {
      rtm::EntityHandle h;
      check(rtm.register_entity({0, families[f], 100, t + 1}, {}, &h), "register lookup entity");
      lookup_entity[f].push_back(h);
    }
    lookers.emplace_back([&, t] {
      std::uint64_t n = 0;
      std::size_t i = t * 7919;
      while (!lookups_stop.load(std::memory_order_relaxed)) {
        const rtm::NetAddress& a = lookup_addrs[i++ % lookup_addrs.size()];
        const rtm::EntityHandle me = lookup_entity[fam_of(a)][t];
        rtm::DestInfo di;
        const rtm::errc r = rtm.get_most_specific_destination(me, a, rtm::kBestProtocol,
                                                              rtm::kViewMaskUnicast, &di);
        if (r == rtm::errc::ok) {
          if (!di.address.covers(a)) lookups_ok = false;
          if (rtm.release_dest_info(me, di) != rtm::errc::ok) lookups_ok = false;
        } else if (r != rtm::errc::not_found) {
          lookups_ok = false;
        }
        ++n;
      }
      lookups += n;
    });
  }
  const std::uint64_t delivered_before = delivered.load();
  std::uint64_t n_announce = 0, n_withdraw = 0, n_down = 0, n_flushed = 0;
  const auto t_replay = Clock::now();
  for (const auto& ev : in.events) {
    if (ev.peer == table_peer) continue;
    switch (ev.kind) {
      case Event::announce:
        announce(ev.peer, ev.prefix, ev.metric);
        ++n_announce;
        break;
      case Event::withdraw:
        withdraw(ev.peer, ev.prefix);
        ++n_withdraw;
        break;
      case Event::session_down: {
        ++n_down;
        const std::vector<std::string> keys(model.by_peer[ev.peer].begin(), model.by_peer[ev.peer].end());
        for (const auto& k : keys) withdraw(ev.peer, model.prefix.at(k));
        n_flushed += keys.size();
        break;
      }
    }
  }
  const double replay_s = since(t_replay);
  lookups_stop = true;
  for (auto& t : lookers) t.join();
  const double lookup_s = since(t_replay);
  // Changes delivered while the replay ran (the FIB thread keeps draining).
  const std::uint64_t changes_replay = delivered.load() - delivered_before;
  fib_stop.store(true, std::memory_order_release);
  fib_thread.join();
  drain();
  ok &= fib_ok.load() && lookups_ok.load();

  // 3. The checks: the table and the FIB copy against the model.
  std::size_t table_mismatches = 0, fib_mismatches = 0, best_routes = 0;
  for (const auto& [k, p] : model.prefix) {
    const long want = model.best(k);
    const int f = fam_of(p);
    const std::uint64_t want_owner = want < 0 ? 0 : peer_entity[f][static_cast<std::size_t>(want)].value;
    best_routes += want >= 0;
    std::uint64_t have = 0;
    rtm::DestInfo di;
    if (rtm.get_exact_match_destination(fib_entity[f], p, rtm::kBestProtocol, rtm::kViewMaskUnicast, &di) ==
        rtm::errc::ok) {
      if (di.views[0].route) have = di.views[0].owner.value;
      check(rtm.release_dest_info(fib_entity[f], di), "release dest info");
    }
    table_mismatches += have != want_owner;
    const auto it = fib.find(k);
    fib_mismatches += (it == fib.end() ? 0 : it->second) != want_owner;
  }
  fib_mismatches += fib.size() > best_routes ? fib.size() - best_routes : 0;
  std::int64_t outstanding = 0;
  auto count = [&](rtm::EntityHandle h) {
    rtm::Outstanding o;
    if (rtm.outstanding(h, &o) == rtm::errc::ok) outstanding += o.total();
  };
  for (int f = 0; f < 2; ++f) {
    count(fib_entity[f]);
    for (auto h : peer_entity[f]) count(h);
    for (auto h : lookup_entity[f]) count(h);
  }

  const std::uint64_t updates = n_announce + n_withdraw;
  std::printf("\n  table load           %zu routes in %.2f s: %.0f routes/s\n", table.size(), load_s,
              load_s > 0 ? static_cast<double>(table.size()) / load_s : 0.0);
  std::printf("  replay               %llu updates (%llu announcements, %llu withdrawals, %llu of them "
              "of routes not held; %llu session resets flushing %llu routes) in %.2f s: %.0f updates/s\n",
              static_cast<unsigned long long>(updates), static_cast<unsigned long long>(n_announce),
              static_cast<unsigned long long>(n_withdraw),
              static_cast<unsigned long long>(unknown_withdrawals),
              static_cast<unsigned long long>(n_down), static_cast<unsigned long long>(n_flushed),
              replay_s, replay_s > 0 ? static_cast<double>(updates) / replay_s : 0.0);
  std::printf("  best-route changes   %llu delivered to the FIB thread during the replay: %.0f changes/s "
              "(%llu in all, the table load's included)\n",
              static_cast<unsigned long long>(changes_replay),
              replay_s > 0 ? static_cast<double>(changes_replay) / replay_s : 0.0,
              static_cast<unsigned long long>(delivered.load()));
  std::printf("  lookups              %.0f LPM/s during the replay (%u threads)\n",
              lookup_s > 0 ? static_cast<double>(lookups.load()) / lookup_s : 0.0, lookup_threads);
  std::printf("  check                %zu prefixes, %zu with a best route: %zu table mismatches, "
              "%zu FIB-copy mismatches against the model; %llu rtm call errors\n",
              model.prefix.size(), best_routes, table_mismatches, fib_mismatches,
              static_cast<unsigned long long>(rtm_errors));
  std::printf("  outstanding refs     %lld\n", static_cast<long long>(outstanding));
  ok &= table_mismatches == 0 && fib_mismatches == 0 && outstanding == 0 && rtm_errors == 0;

  const auto t_down = Clock::now();
  for (int f = 0; f < 2; ++f) {
    check(rtm.deregister_from_change_notification(fib_entity[f], fib_reg[f]), "deregister from changes");
    for (auto h : lookup_entity[f]) check(rtm.deregister_entity(h), "deregister lookup entity");
    for (auto h : peer_entity[f]) {
      std::int64_t held = -1;
      check(rtm.deregister_entity(h, &held), "deregister peer");
      ok &= held == 0;
    }
    check(rtm.deregister_entity(fib_entity[f]), "deregister FIB entity");
  }
  std::printf("  teardown             %zu peer entities deregistered in %.2f s\n",
              2 * in.peers.size(), since(t_down));
  std::printf("\nrtm_replay: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
