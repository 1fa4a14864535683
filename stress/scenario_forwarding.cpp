// stress/scenario_forwarding.cpp — scenario `forwarding`: the forwarding
// fast path (Instance::forward, forward4_batch, forward6_batch) against
// writers churning nested prefixes, every answer checked against the
// writers' logs.
//
// ---- Setup -------------------------------------------------------------------
//
// Chains of nested prefixes, `--size` chains per family (default 6):
//   IPv4 chain c: (30+c).0.0.0/8 > .1.0.0/16 > .1.1.0/24 > .1.1.128/25
//                 > .1.1.144/28 > .1.1.150/32
//   IPv6 chain c: 20xx::/16 > /24 > /32 > /40 > /48 > /56 > /64 > /128
//                 (xx = 0x10+c, one fixed byte per level)
// Level i of chain c is owned by writer (c + i + family) % W, so nested
// prefixes are written by different writers concurrently (the index's
// cover race, core/forwarding.cpp), and each prefix has one writer: its
// log is authoritative. A writer has an IPv4 and an IPv6 entity and at
// most one route per prefix; it adds it, replaces it (same route, another
// version) or deletes it, one prefix at a time or, every other round, up
// to four at once with add_routes and delete_routes. Version v of prefix p (0..kVersions-1) has
// 1 + v % 3 next hops with interface indexes iface(p, v, j) unique over
// the run, so an answer names the prefix and the version it came from,
// and its hops are compared field by field (a torn or foreign record is a
// mismatch).
//
// ---- The check ----------------------------------------------------------------
//
// One seq_cst counter `clock`. Per prefix p, a log (Log, under its own
// mutex m, never held across a library call):
//   writer, one write of p (state s -> s'):
//     L1  lock m; pending = s'; b = clock.fetch_add(1); unlock
//     L2  add_route / delete_route (no checker lock held)
//     L3  lock m; e = clock.fetch_add(1); append (b, e, s, s'); no pending; unlock
//   reader, one call (single or batch):
//     R1  s0 = clock.load()
//     R2  the lookup
//     R3  s1 = clock.load()
//     R4  for each address, for each prefix covering it: lock its m,
//         copy the entries (and pending) the window [s0, s1] needs, unlock
//
// Argument. The library's rule (rtm/forwarding.h): each address's answer
// is the best route of some moment of the call, where a write's change
// takes effect at one point inside the write's call (the index lags the
// RIB by at most that call: docs/fast_path.md, Consistency). Put every
// write's effect point and every lookup's answer point in one total order
// consistent with happens-before (the contract says such points exist),
// and give each point the clock's value there, c (1 at the start; a tick
// returning x stores x + 1). Then:
//   (a) write w's effect point has b_w < c <= e_w: tick b_w is sequenced
//       before the call and tick e_w after it;
//   (b) a lookup's point has s0 <= c <= s1: R1 is before R2, R3 after.
// So at a lookup point of value v, write w of p has taken effect if
// v > e_w, has not if v <= b_w, and may have either way if b_w < v <= e_w.
// Possible_p(v), the states p may have at value v, is therefore: for the
// latest write w with b_w < v, {after_w} if v > e_w, {before_w, after_w}
// if v <= e_w; with no such write, the state before p's oldest write.
// An answer is acceptable iff there is a v in [s0, s1] such that, with
// each covering prefix in one of its Possible(v) states, the answer is
// the longest present one (its version), or "no route" when all may be
// absent. Possible is constant between the values b+1 and e+1 of the
// logged writes, so the search visits only those breakpoints in [s0, s1]
// and s0 itself. Within one value v, the states of different prefixes are
// chosen independently: that is the only slack, and it is bounded by the
// writes in flight at v (at most one per writer).
//
// Completeness of R4's copy: a write w with b_w < s1 is either logged or
// pending when R4 takes p's mutex. The ticks b_w and e_w are taken inside
// the critical sections L1 and L3. If R4's section comes before L1's,
// then R3 happens before tick b_w (R3 -> unlock -> lock -> tick), so
// s1 <= b_w: w does not matter in the window. If R4's section is between
// L1 and L3, R3 happens before tick e_w, so s1 <= e_w: treating the
// pending write as "may or may not have happened, e = infinity" is exact
// over [s0, s1]. Otherwise w is logged with its b and e.
//
// Each log keeps its last kRing writes. A window that reaches further back
// than the log (a reader descheduled for thousands of writes) cannot be
// decided: such an answer is counted as unchecked, not as a mismatch
// (the run fails if more than 1 in 1000 answers are unchecked).
//
// A mismatch prints the address, the answer, the window and the set of
// acceptable answers over it; any mismatch fails the scenario. At the end,
// with the writers stopped, every level of every chain is looked up once
// more and must give exactly the logged final state (and, with a
// ForwardingDetail, the matched prefix).
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <set>

#include "harness.h"

namespace rtm_stress {

namespace {

constexpr int kVersions = 4;
constexpr std::uint64_t kRing = 1024;
constexpr std::uint64_t kInfinity = std::numeric_limits<std::uint64_t>::max();
constexpr int kMaxChain = 8;   // prefixes per chain (IPv6)
constexpr std::size_t kMaxBatch = 100;  // crosses the batch chunks (64 IPv4, 16 IPv6)

using State = std::int8_t;  // -1: no route; else the version installed
constexpr State kAbsent = -1;
using Mask = std::uint8_t;  // bit 0: absent; bit 1 + v: version v
constexpr Mask kUnknown = 0xFF;
inline Mask bit(State s) { return static_cast<Mask>(1u << (s + 1)); }

struct Entry {
  std::uint64_t b, e;  // the write's ticks (e = kInfinity: pending)
  State before, after;
};

// The log of one prefix (see the top of the file: L1-L3, R4).
struct Log {
  std::mutex m;
  std::array<Entry, kRing> ring{};
  std::uint64_t n = 0;        // writes logged so far (entry k is ring[k % kRing])
  std::uint64_t floor_e = 0;  // e of the newest entry dropped from the ring
  bool pending = false;
  std::uint64_t pending_b = 0;
  State pending_after = kAbsent;
  State cur = kAbsent;        // state after the last logged write (written in L3)
};

// What R4 copies from one log: the entries the window needs, newest first.
struct Snap {
  std::vector<Entry> entries;
  // The copy reaches a write that ended before s0, or the prefix's first
  // write: the oldest copied entry's `before` holds below it. Otherwise
  // (the log dropped older writes) only for values above floor_e.
  bool oldest_is_first = true;
  std::uint64_t floor_e = 0;
};

struct Hop {
  rtm::NetAddress address;
  std::uint32_t iface;
};

struct Prefix {
  rtm::NetAddress p;
  int chain, level;
  unsigned writer;
  std::array<std::vector<Hop>, kVersions> hops;      // the hops of each version
  std::array<rtm::NextHopList, kVersions> lists{};   // their handles (the writer's)
};

std::uint32_t iface_of(std::size_t pid, int v, unsigned j) {
  return 1 + static_cast<std::uint32_t>((pid * kVersions + static_cast<std::size_t>(v)) * 4 + j);
}

struct Query {
  rtm::NetAddress a;
  rtm::Family family;  // the table it is looked up in
  int chain;           // -1: outside every chain (no route)
};

struct World {
  std::vector<Prefix> prefixes;
  std::vector<std::unique_ptr<Log>> logs;
  // chains[f][c]: prefix ids of chain c, shortest first (f: 0 IPv4, 1 IPv6).
  std::vector<std::vector<std::size_t>> chains[2];
  int chain_count = 0;
  std::atomic<std::uint64_t> clock{1};
};

std::string state_name(const World& w, std::size_t pid, State s) {
  return w.prefixes[pid].p.to_string() + (s == kAbsent ? " absent" : " v" + std::to_string(s));
}

std::string short_name(State s) { return s == kAbsent ? "-" : "v" + std::to_string(s); }

// Possible_p(v) from a snapshot (top of the file), or kUnknown.
Mask possible(const Snap& s, std::uint64_t v) {
  for (const Entry& e : s.entries)
    if (e.b < v) return v <= e.e ? static_cast<Mask>(bit(e.before) | bit(e.after)) : bit(e.after);
  if (s.entries.empty()) return bit(kAbsent);
  if (s.oldest_is_first || v > s.floor_e) return bit(s.entries.back().before);
  return kUnknown;
}

// R4 for one prefix.
void snapshot(Log& log, std::uint64_t s0, Snap* out) {
  out->entries.clear();
  std::lock_guard<std::mutex> l(log.m);
  if (log.pending) out->entries.push_back({log.pending_b, kInfinity, log.cur, log.pending_after});
  const std::uint64_t oldest = log.n > kRing ? log.n - kRing : 0;
  bool complete = false;
  for (std::uint64_t k = log.n; k-- > oldest;) {
    const Entry& e = log.ring[k % kRing];
    out->entries.push_back(e);
    if (e.e < s0) {
      complete = true;
      break;
    }
  }
  out->oldest_is_first = complete || oldest == 0;
  out->floor_e = log.floor_e;
}

// An answer decoded: the prefix and version its hops belong to.
struct Answer {
  bool route = false;  // false: no route (count 0)
  std::size_t pid = 0;
  State version = kAbsent;
  bool garbage = false;  // hops of no (prefix, version), or torn
};

Answer decode(const World& w, const rtm::ForwardingResult& r) {
  Answer a;
  if (r.count == 0) return a;
  a.route = true;
  const std::uint32_t x = r.hops[0].interface_index - 1;
  const std::size_t pid = (x / 4) / kVersions;
  const int v = static_cast<int>((x / 4) % kVersions);
  if (r.hops[0].interface_index == 0 || x % 4 != 0 || pid >= w.prefixes.size()) {
    a.garbage = true;
    return a;
  }
  const auto& want = w.prefixes[pid].hops[v];
  if (r.count != want.size()) a.garbage = true;
  for (std::size_t j = 0; !a.garbage && j < want.size(); ++j) {
    const rtm::ForwardingHop& h = r.hops[j];
    if (h.interface_index != want[j].iface ||
        h.family != static_cast<std::uint16_t>(want[j].address.family()) ||
        !(h.net_address() == want[j].address))
      a.garbage = true;
  }
  a.pid = pid;
  a.version = static_cast<State>(v);
  return a;
}

std::string answer_name(const World& w, const Answer& a, const rtm::ForwardingResult& r) {
  if (!a.route) return "no route";
  if (a.garbage) {
    std::string s = "hops of no known version:";
    for (std::uint32_t j = 0; j < r.count && j < rtm::kMaxNextHopsPerRoute; ++j)
      s += " (" + r.hops[j].net_address().to_string() + " if " +
           std::to_string(r.hops[j].interface_index) + ")";
    return s;
  }
  return state_name(w, a.pid, a.version);
}

// The calls checked, as named in reports.
const char* const kCalls[4] = {"forward", "forward (detail)", "forward4_batch", "forward6_batch"};

// Per reader thread: the checker's scratch and counters.
struct Checker {
  World& w;
  Report& rep;
  std::array<Snap, kMaxChain> snaps;
  std::vector<std::uint64_t> points;
  std::uint64_t checked = 0, routed = 0, unrouted = 0, unchecked = 0, mismatches = 0;
  std::array<std::uint64_t, 4> by_call{};  // mismatches of each call (kCalls)
  std::uint64_t raced = 0;  // answers whose window overlapped a write of a covering prefix

  // Checks the answer `r` for query q looked up within clock window
  // [s0, s1] (R4 and the acceptability test at the top of the file).
  void check(int call, const Query& q, const rtm::ForwardingResult& r, std::uint64_t s0,
             std::uint64_t s1) {
    ++checked;
    const Answer ans = decode(w, r);
    (ans.route ? routed : unrouted) += 1;
    // The prefixes covering q.a, shortest first.
    std::size_t cover[kMaxChain];
    int k = 0;
    if (q.chain >= 0)
      for (std::size_t pid : w.chains[q.family == rtm::Family::ipv6][q.chain])
        if (w.prefixes[pid].p.covers(q.a)) cover[k++] = pid;
    for (int i = 0; i < k; ++i) snapshot(*w.logs[cover[i]], s0, &snaps[i]);
    points.clear();
    points.push_back(s0);
    bool overlapped = false;
    for (int i = 0; i < k; ++i) {
      if (!snaps[i].oldest_is_first && snaps[i].floor_e + 1 > s0 && snaps[i].floor_e + 1 <= s1)
        points.push_back(snaps[i].floor_e + 1);
      for (const Entry& e : snaps[i].entries) {
        overlapped |= e.b < s1 && e.e >= s0;
        for (std::uint64_t p : {e.b + 1, e.e == kInfinity ? kInfinity : e.e + 1})
          if (p > s0 && p <= s1) points.push_back(p);
      }
    }
    raced += overlapped;
    bool accepted = false, undecided = false;
    std::set<std::string> acceptable;  // built only for a mismatch report
    for (int pass = 0; pass < 2 && !accepted; ++pass) {
      if (pass == 1 && undecided) break;  // not a mismatch: unchecked
      for (std::uint64_t v : points) {
        Mask m[kMaxChain];
        bool unknown = false;
        for (int i = 0; i < k; ++i) unknown |= (m[i] = possible(snaps[i], v)) == kUnknown;
        if (unknown) {
          undecided = true;
          continue;
        }
        // The answers of value v: from the longest prefix down, each
        // present version, while every longer one may be absent.
        bool all_absent = true;
        for (int i = k - 1; i >= 0 && all_absent; --i) {
          for (State s = 0; s < kVersions; ++s) {
            if ((m[i] & bit(s)) == 0) continue;
            if (pass == 0 && ans.route && !ans.garbage && ans.pid == cover[i] && ans.version == s)
              accepted = true;
            if (pass == 1) acceptable.insert(state_name(w, cover[i], s));
          }
          all_absent = (m[i] & bit(kAbsent)) != 0;
        }
        if (all_absent) {
          if (pass == 0 && !ans.route) accepted = true;
          if (pass == 1) acceptable.insert("no route");
        }
      }
    }
    if (accepted) return;
    if (undecided) {
      ++unchecked;
      return;
    }
    ++mismatches;
    ++by_call[static_cast<std::size_t>(call)];
    std::string set;
    for (const auto& s : acceptable) set += (set.empty() ? "" : ", ") + s;
    // The logged writes the window saw, per covering prefix.
    std::string logs;
    for (int i = 0; i < k; ++i) {
      logs += "\n          " + w.prefixes[cover[i]].p.to_string() + ":";
      for (const Entry& e : snaps[i].entries) {
        logs += " [" + std::to_string(e.b) + ",";
        logs += e.e == kInfinity ? std::string("...") : std::to_string(e.e);
        logs += "] " + short_name(e.before) + "->" + short_name(e.after);
      }
    }
    rep.violation(std::string(kCalls[call]) + " of " + q.a.to_string() + " answered " +
                  answer_name(w, ans, r) + " in clock window [" + std::to_string(s0) + ", " +
                  std::to_string(s1) + "]; acceptable: {" + set + "}; writes (newest first):" +
                  logs);
  }
};

rtm::NetAddress v4_net(std::uint32_t a, unsigned len) { return rtm::NetAddress::ipv4(a, len); }

rtm::NetAddress v6_net(const std::uint8_t* bytes, unsigned len) {
  return rtm::NetAddress::make_masked(rtm::Family::ipv6, bytes, len);
}

void build_world(World& w, int chains, unsigned writers) {
  w.chain_count = chains;
  for (int f = 0; f < 2; ++f) w.chains[f].resize(static_cast<std::size_t>(chains));
  auto add = [&](const rtm::NetAddress& p, int f, int c, int level) {
    Prefix x;
    x.p = p;
    x.chain = c;
    x.level = level;
    x.writer = static_cast<unsigned>(c + level + f) % writers;
    w.chains[f][static_cast<std::size_t>(c)].push_back(w.prefixes.size());
    w.prefixes.push_back(std::move(x));
    w.logs.push_back(std::make_unique<Log>());
  };
  for (int c = 0; c < chains; ++c) {
    const std::uint32_t top = static_cast<std::uint32_t>(30 + c) << 24;
    const std::pair<std::uint32_t, unsigned> v4[] = {
        {top, 8}, {top | 0x10000, 16}, {top | 0x10100, 24}, {top | 0x10180, 25},
        {top | 0x10190, 28}, {top | 0x10196, 32}};
    int level = 0;
    for (const auto& [a, len] : v4) add(v4_net(a, len), 0, c, level++);
    std::uint8_t b[16] = {0x20, static_cast<std::uint8_t>(0x10 + c), 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
                          0x11, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    level = 0;
    for (unsigned len : {16u, 24u, 32u, 40u, 48u, 56u, 64u, 128u}) add(v6_net(b, len), 1, c, level++);
  }
  for (std::size_t pid = 0; pid < w.prefixes.size(); ++pid) {
    Prefix& x = w.prefixes[pid];
    for (int v = 0; v < kVersions; ++v)
      for (unsigned j = 0; j < 1 + static_cast<unsigned>(v) % 3; ++j) {
        const std::uint32_t iface = iface_of(pid, v, j);
        if (x.p.family() == rtm::Family::ipv4) {
          x.hops[v].push_back({v4_net((198u << 24) | (18u << 16) | iface, 32), iface});
        } else {
          std::uint8_t nb[16] = {0xfd, 0x00};
          for (int i = 0; i < 4; ++i) nb[15 - i] = static_cast<std::uint8_t>(iface >> (8 * i));
          x.hops[v].push_back({v6_net(nb, 128), iface});
        }
      }
  }
}

// A random address for a reader: under one level of one chain (most often
// outside the next longer prefix), or, 1 time in 16, outside every chain.
Query random_query(const World& w, rtm::Family f, std::mt19937_64& rng) {
  Query q;
  q.family = f;
  const int fi = f == rtm::Family::ipv6;
  std::uint8_t b[16];
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  if (rng() % 16 == 0) {
    q.chain = -1;
    if (f == rtm::Family::ipv4) {
      b[0] = static_cast<std::uint8_t>(30 + w.chain_count);
      q.a = rtm::NetAddress::make_masked(f, b, 32);
    } else {
      b[0] = 0x20;
      b[1] = static_cast<std::uint8_t>(0x10 + w.chain_count);
      q.a = v6_net(b, 128);
    }
    return q;
  }
  q.chain = static_cast<int>(rng() % static_cast<std::uint64_t>(w.chain_count));
  const auto& chain = w.chains[fi][static_cast<std::size_t>(q.chain)];
  const std::size_t level = rng() % chain.size();
  const rtm::NetAddress& p = w.prefixes[chain[level]].p;
  const unsigned width = rtm::family_bits(f);
  for (int attempt = 0; attempt < 4; ++attempt) {
    // p's bits, then random bits.
    for (unsigned i = 0; i < width / 8; ++i) {
      const unsigned keep = p.length() >= 8 * (i + 1) ? 8 : p.length() > 8 * i ? p.length() - 8 * i : 0;
      const std::uint8_t mask = static_cast<std::uint8_t>(keep == 0 ? 0 : 0xFF00u >> keep);
      b[i] = static_cast<std::uint8_t>((p.bytes()[i] & mask) | (b[i] & ~mask));
    }
    q.a = rtm::NetAddress::make_masked(f, b, width);
    if (level + 1 == chain.size() || !w.prefixes[chain[level + 1]].p.covers(q.a)) break;
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  }
  return q;
}

}  // namespace

bool forwarding(const Options& o, Report& rep) {
  Objects objects;
  std::unique_ptr<rtm::Instance> inst = std::make_unique<rtm::Instance>();
  std::vector<rtm::EntityHandle> entities;
  const unsigned writers = std::max(2u, o.threads / 2);
  const unsigned readers = std::max(1u, o.threads > writers ? o.threads - writers : 1u);
  World w;
  build_world(w, static_cast<int>(std::min<std::size_t>(o.size ? o.size : 6, 200)), writers);

  // Per writer: an entity per family, and the next hops of its prefixes.
  std::vector<std::array<rtm::EntityHandle, 2>> me(writers);
  for (unsigned t = 0; t < writers; ++t)
    for (int f = 0; f < 2; ++f) {
      const rtm::Family fam = f ? rtm::Family::ipv6 : rtm::Family::ipv4;
      expect(rep, inst->register_entity({0, fam, 200 + t, 1}, {}, &me[t][f]), rtm::errc::ok,
             "register_entity");
      entities.push_back(me[t][f]);
    }
  for (Prefix& x : w.prefixes) {
    const rtm::EntityHandle e = me[x.writer][x.p.family() == rtm::Family::ipv6];
    for (int v = 0; v < kVersions; ++v)
      for (const Hop& h : x.hops[v]) {
        rtm::NextHopInfo ni;
        ni.address = h.address;
        ni.interface_index = h.iface;
        rtm::NextHopHandle nh;
        rtm::NextHopChangeFlags ch = 0;
        expect(rep, inst->add_next_hop(e, ni, &nh, &ch), rtm::errc::ok, "add_next_hop");
        x.lists[v].hops[x.lists[v].count++] = nh;
      }
  }
  // The route handle of each present route (its writer's reference).
  std::vector<rtm::RouteHandle> routes(w.prefixes.size());
  std::atomic<std::uint64_t> adds{0}, replaces{0}, deletes{0}, bulk_writes{0};
  std::atomic<std::uint64_t> calls[3] = {{0}, {0}, {0}};  // single, forward4_batch, forward6_batch
  std::atomic<std::uint64_t> by_call[4] = {{0}, {0}, {0}, {0}};
  std::atomic<std::uint64_t> checked{0}, routed{0}, unrouted{0}, unchecked{0}, mismatches{0},
      raced{0};

  run_threads(writers + readers, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    rtm::Instance& rtm = *inst;
    if (t < writers) {
      std::vector<std::size_t> mine;
      for (std::size_t pid = 0; pid < w.prefixes.size(); ++pid)
        if (w.prefixes[pid].writer == t) mine.push_back(pid);
      std::uint64_t na = 0, nr = 0, nd = 0;
      // One round writes one prefix with add_route / delete_route, or (every
      // other round) up to kBulk distinct prefixes with one add_routes and
      // one delete_routes. Each write of a bulk round is logged as its own
      // write whose L2 is the round's two calls (its effect point is inside
      // one of them: b before both, e after both).
      constexpr std::size_t kBulk = 4;
      std::vector<std::size_t> pids;
      std::vector<State> befores, afters;
      std::vector<std::uint64_t> bs;
      std::vector<rtm::RouteAddItem> add_items;
      std::vector<std::size_t> add_pids;
      std::vector<rtm::RouteDeleteItem> del_items;
      std::vector<std::size_t> del_pids;
      std::uint64_t bulk_rounds = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const bool bulk = rng() % 2 == 0;
        pids.clear();
        const std::size_t want = bulk ? 1 + rng() % kBulk : 1;
        for (std::size_t tries = 0; pids.size() < want && tries < 4 * kBulk; ++tries) {
          const std::size_t pid = mine[rng() % mine.size()];
          if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
        }
        befores.assign(pids.size(), kAbsent);
        afters.assign(pids.size(), kAbsent);
        bs.assign(pids.size(), 0);
        for (std::size_t i = 0; i < pids.size(); ++i) {
          Log& log = *w.logs[pids[i]];
          befores[i] = log.cur;  // only this thread writes it
          afters[i] = befores[i] != kAbsent && rng() % 3 == 0
                          ? kAbsent
                          : static_cast<State>(rng() % kVersions);  // may equal before
          std::lock_guard<std::mutex> l(log.m);  // L1
          log.pending = true;
          log.pending_after = afters[i];
          bs[i] = w.clock.fetch_add(1);
          log.pending_b = bs[i];
        }
        // L2. Adds: routes[pid] null: a new route (referenced into
        // routes[pid]); else an update of that route.
        add_items.clear();
        add_pids.clear();
        del_items.clear();
        del_pids.clear();
        for (std::size_t i = 0; i < pids.size(); ++i) {
          const std::size_t pid = pids[i];
          const Prefix& x = w.prefixes[pid];
          if (afters[i] == kAbsent) {
            rtm::RouteDeleteItem d;
            d.route = routes[pid];
            del_items.push_back(d);
            del_pids.push_back(pid);
            ++nd;
          } else {
            rtm::RouteAddItem a;
            a.dest = x.p;
            a.info.next_hops = x.lists[afters[i]];
            a.handle = &routes[pid];
            add_items.push_back(a);
            add_pids.push_back(pid);
            ++(befores[i] == kAbsent ? na : nr);
          }
        }
        // A bulk round's prefixes may be of both families: one call per
        // family's entity (the call's caller is one entity).
        for (int fam = 0; fam < 2; ++fam) {
          const rtm::EntityHandle e = me[t][fam];
          const rtm::Family f = fam ? rtm::Family::ipv6 : rtm::Family::ipv4;
          if (!bulk) {
            for (std::size_t i = 0; i < add_items.size(); ++i) {
              if (add_items[i].dest.family() != f) continue;
              rtm::RouteChangeFlags ch = 0;
              expect(rep, rtm.add_route(e, add_items[i].handle, add_items[i].dest,
                                        add_items[i].info, rtm::kInfinite, &ch),
                     rtm::errc::ok, "add_route");
            }
            for (std::size_t i = 0; i < del_items.size(); ++i) {
              if (w.prefixes[del_pids[i]].p.family() != f) continue;
              rtm::RouteChangeFlags ch = 0;
              expect(rep, rtm.delete_route(e, del_items[i].route, &ch), rtm::errc::ok,
                     "delete_route");
            }
            continue;
          }
          std::vector<rtm::RouteAddItem> fa;
          std::vector<rtm::RouteDeleteItem> fd;
          for (const auto& a : add_items)
            if (a.dest.family() == f) fa.push_back(a);
          for (std::size_t i = 0; i < del_items.size(); ++i)
            if (w.prefixes[del_pids[i]].p.family() == f) fd.push_back(del_items[i]);
          if (!fa.empty()) {
            expect(rep, rtm.add_routes(e, fa), rtm::errc::ok, "add_routes");
            for (const auto& a : fa) expect(rep, a.result, rtm::errc::ok, "add_routes item");
          }
          if (!fd.empty()) {
            expect(rep, rtm.delete_routes(e, fd), rtm::errc::ok, "delete_routes");
            for (const auto& d : fd) expect(rep, d.result, rtm::errc::ok, "delete_routes item");
          }
        }
        for (std::size_t i = 0; i < del_pids.size(); ++i) {
          const rtm::EntityHandle e = me[t][w.prefixes[del_pids[i]].p.family() == rtm::Family::ipv6];
          expect(rep, rtm.release_routes(e, {&routes[del_pids[i]], 1}), rtm::errc::ok,
                 "release_routes");
          routes[del_pids[i]] = {};
        }
        for (std::size_t i = 0; i < pids.size(); ++i) {  // L3
          Log& log = *w.logs[pids[i]];
          std::lock_guard<std::mutex> l(log.m);
          const std::uint64_t end = w.clock.fetch_add(1);
          Entry& slot = log.ring[log.n % kRing];
          if (log.n >= kRing) log.floor_e = slot.e;
          slot = Entry{bs[i], end, befores[i], afters[i]};
          ++log.n;
          log.cur = afters[i];
          log.pending = false;
        }
        bulk_rounds += bulk;
      }
      bulk_writes += bulk_rounds;
      adds += na;
      replaces += nr;
      deletes += nd;
      rep.ops += na + nr + nd;
      return;
    }
    // Readers: R1-R4 around one call of a random kind.
    Checker ck{w, rep, {}, {}};
    std::vector<Query> qs(kMaxBatch);
    std::vector<std::uint32_t> a4(kMaxBatch);
    std::vector<rtm::NetAddress> a6(kMaxBatch);
    std::vector<rtm::ForwardingResult> out(kMaxBatch);
    std::uint64_t n[3] = {0, 0, 0};
    while (!stop.load(std::memory_order_relaxed)) {
      const int kind = static_cast<int>(rng() % 3);
      ++n[kind];
      if (kind == 0) {  // forward, sometimes with detail (answered from the table)
        const Query q = random_query(w, rng() % 2 ? rtm::Family::ipv6 : rtm::Family::ipv4, rng);
        const bool with_detail = rng() % 8 == 0;
        rtm::ForwardingDetail detail;
        const std::uint64_t s0 = w.clock.load();  // R1
        const rtm::errc r =
            rtm.forward(rtm::kViewIdUnicast, q.a, &out[0], with_detail ? &detail : nullptr);
        const std::uint64_t s1 = w.clock.load();  // R3
        if (r != (out[0].count > 0 ? rtm::errc::ok : rtm::errc::not_found))
          rep.violation("forward of " + q.a.to_string() + " returned " + rtm::to_string(r) +
                        " with " + std::to_string(out[0].count) + " hops");
        ck.check(with_detail ? 1 : 0, q, out[0], s0, s1);
        if (with_detail) {
          const Answer ans = decode(w, out[0]);
          // Both handles, or (the index's answer when the table search
          // missed every cover, rtm/forwarding.h) neither.
          const bool handles = detail.dest.value != 0 && detail.route.value != 0;
          const bool fallback = detail.dest.value == 0 && detail.route.value == 0;
          const bool ok = ans.route ? !ans.garbage && detail.prefix == w.prefixes[ans.pid].p &&
                                          (handles || fallback)
                                    : fallback;
          if (!ok)
            rep.violation("forward detail of " + q.a.to_string() + " names " +
                          detail.prefix.to_string() + " for answer " +
                          answer_name(w, ans, out[0]));
        }
        continue;
      }
      const std::size_t m = 1 + rng() % kMaxBatch;
      const rtm::Family f = kind == 1 ? rtm::Family::ipv4 : rtm::Family::ipv6;
      for (std::size_t i = 0; i < m; ++i) {
        qs[i] = random_query(w, f, rng);
        if (kind == 1) {
          const std::uint8_t* x = qs[i].a.bytes();
          a4[i] = static_cast<std::uint32_t>(x[0]) << 24 | static_cast<std::uint32_t>(x[1]) << 16 |
                  static_cast<std::uint32_t>(x[2]) << 8 | x[3];
        } else if (rng() % 32 == 0) {
          // Another family's entry: answered "no route".
          qs[i] = random_query(w, rtm::Family::ipv4, rng);
          qs[i].chain = -1;
          a6[i] = qs[i].a;
        } else {
          a6[i] = qs[i].a;
        }
      }
      std::size_t hits = ~std::size_t{0};
      const std::uint64_t s0 = w.clock.load();  // R1
      const rtm::errc r = kind == 1
                              ? rtm.forward4_batch(rtm::kViewIdUnicast, a4.data(), m, out.data(), &hits)
                              : rtm.forward6_batch(rtm::kViewIdUnicast, a6.data(), m, out.data(), &hits);
      const std::uint64_t s1 = w.clock.load();  // R3
      const char* name = kCalls[kind + 1];
      expect(rep, r, rtm::errc::ok, name);
      std::size_t with_route = 0;
      for (std::size_t i = 0; i < m; ++i) {
        with_route += out[i].count > 0;
        ck.check(kind + 1, qs[i], out[i], s0, s1);
      }
      if (hits != with_route)
        rep.violation(std::string(name) + " reported " + std::to_string(hits) + " hits for " +
                      std::to_string(with_route) + " answers with a route");
    }
    for (int k = 0; k < 3; ++k) calls[k] += n[k];
    checked += ck.checked;
    routed += ck.routed;
    unrouted += ck.unrouted;
    unchecked += ck.unchecked;
    mismatches += ck.mismatches;
    for (int c = 0; c < 4; ++c) by_call[c] += ck.by_call[static_cast<std::size_t>(c)];
    raced += ck.raced;
    rep.ops += n[0] + n[1] + n[2];
  });

  rep.check(adds > 0 && replaces > 0 && deletes > 0 && bulk_writes > 0,
            "writers added " + std::to_string(adds.load()) + ", replaced " +
                std::to_string(replaces.load()) + " and deleted " + std::to_string(deletes.load()) +
                " routes on " + std::to_string(w.prefixes.size()) + " nested prefixes (" +
                std::to_string(writers) + " writers; " + std::to_string(bulk_writes.load()) +
                " rounds by add_routes / delete_routes)");
  rep.check(calls[0] > 0 && calls[1] > 0 && calls[2] > 0 && routed > 0 && unrouted > 0,
            "calls: forward " + std::to_string(calls[0].load()) + ", forward4_batch " +
                std::to_string(calls[1].load()) + ", forward6_batch " +
                std::to_string(calls[2].load()) + " (" + std::to_string(readers) +
                " readers); answers " + std::to_string(routed.load()) + " with a route, " +
                std::to_string(unrouted.load()) + " without");
  std::string per_call;
  for (int c = 0; c < 4; ++c)
    per_call += std::string(c ? ", " : "") + kCalls[c] + " " + std::to_string(by_call[c].load());
  rep.check(mismatches == 0, std::to_string(checked.load()) +
                                 " answers checked against the writers' logs (" +
                                 std::to_string(raced.load()) +
                                 " overlapped a write of a covering prefix): " +
                                 std::to_string(mismatches.load()) + " mismatches (" + per_call +
                                 ")");
  rep.check(unchecked * 1000 <= checked,
            std::to_string(unchecked.load()) + " answers undecidable (window older than a log)");

  // Quiescent: every level of every chain answers its logged final state.
  std::size_t final_bad = 0, final_checked = 0;
  for (int f = 0; f < 2; ++f)
    for (const auto& chain : w.chains[f])
      for (std::size_t level = 0; level < chain.size(); ++level) {
        const Prefix& x = w.prefixes[chain[level]];
        // An address in this level's prefix and outside the next one: the
        // next prefix with its last bit flipped (the last level: itself).
        std::uint8_t b[16];
        if (level + 1 < chain.size()) {
          const rtm::NetAddress& next = w.prefixes[chain[level + 1]].p;
          std::memcpy(b, next.bytes(), sizeof b);
          const unsigned flip = next.length() - 1;
          b[flip / 8] ^= static_cast<std::uint8_t>(0x80u >> (flip % 8));
        } else {
          std::memcpy(b, x.p.bytes(), sizeof b);
        }
        const rtm::NetAddress a =
            rtm::NetAddress::make_masked(x.p.family(), b, rtm::family_bits(x.p.family()));
        Answer want;
        for (std::size_t i = level + 1; i-- > 0;) {
          const State s = w.logs[chain[i]]->cur;
          if (s == kAbsent) continue;
          want.route = true;
          want.pid = chain[i];
          want.version = s;
          break;
        }
        for (bool with_detail : {false, true}) {
          ++final_checked;
          rtm::ForwardingResult r;
          rtm::ForwardingDetail d;
          inst->forward(rtm::kViewIdUnicast, a, &r, with_detail ? &d : nullptr);
          const Answer got = decode(w, r);
          bool ok = got.route == want.route &&
                    (!want.route || (!got.garbage && got.pid == want.pid && got.version == want.version));
          if (with_detail && want.route) ok = ok && d.prefix == w.prefixes[want.pid].p;
          if (!ok) {
            ++final_bad;
            rep.violation("at rest, forward of " + a.to_string() + " answered " +
                          answer_name(w, got, r) + ", the logs say " +
                          (want.route ? state_name(w, want.pid, want.version) : "no route"));
          }
        }
      }
  rep.check(final_bad == 0, "at rest, " + std::to_string(final_checked) +
                                " lookups (every level, with and without detail) give the logged "
                                "final state: " + std::to_string(final_bad) + " differ");

  for (unsigned t = 0; t < writers; ++t) {
    for (std::size_t pid = 0; pid < w.prefixes.size(); ++pid)
      if (w.prefixes[pid].writer == t && routes[pid].value != 0)
        expect(rep, inst->release_routes(me[t][w.prefixes[pid].p.family() == rtm::Family::ipv6],
                                         {&routes[pid], 1}),
               rtm::errc::ok, "release_routes");
    std::vector<rtm::NextHopHandle> v4, v6;
    for (std::size_t pid = 0; pid < w.prefixes.size(); ++pid) {
      const Prefix& x = w.prefixes[pid];
      if (x.writer != t) continue;
      auto& into = x.p.family() == rtm::Family::ipv6 ? v6 : v4;
      for (int v = 0; v < kVersions; ++v)
        into.insert(into.end(), x.lists[v].hops.begin(), x.lists[v].hops.begin() + x.lists[v].count);
    }
    expect(rep, inst->release_next_hops(me[t][0], v4), rtm::errc::ok, "release_next_hops");
    expect(rep, inst->release_next_hops(me[t][1], v6), rtm::errc::ok, "release_next_hops");
  }
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

}  // namespace rtm_stress
