// Linearizability of exact-match add / delete / lookup.
//
// Rounds of short histories: 4 threads, each with its own entity, run 5
// random operations on 3 shared prefixes — add (its route), delete (its
// route, when it has one) and exact-match lookup (how many routes the
// destination has, 0 when not found). Each operation takes a ticket from one
// seq_cst counter when it is invoked and when it returns, which orders
// every response before every later invocation. Each history is then
// checked against the sequential model (per prefix, the set of entities
// with a route) by a Wing & Gong search: find an order of the operations
// that respects real time (an operation that returned before another was
// invoked comes first) and in which every lookup returns what the model
// says. A history with no such order is a linearizability violation.
#include <algorithm>
#include <barrier>
#include <unordered_set>

#include "harness.h"

namespace rtm_stress {

namespace {

constexpr int kThreads = 4;
constexpr int kKeys = 3;
constexpr int kOpsPerThread = 5;

enum class Op : std::uint8_t { add, del, lookup };

struct Event {
  int thread;
  Op op;
  int key;
  std::uint64_t inv, res;  // tickets
  std::uint32_t result;    // lookup: routes seen
};

// Model state: bit (key * kThreads + thread) = that thread has a route on key.
using State = std::uint32_t;

bool search(const std::vector<Event>& h, std::uint32_t done, State s,
            std::unordered_set<std::uint64_t>& seen) {
  if (done == (1u << h.size()) - 1) return true;
  const std::uint64_t memo = (std::uint64_t{done} << 32) | s;
  if (!seen.insert(memo).second) return false;
  // The earliest response among pending operations: only operations
  // invoked before it may come next (anything invoked later follows it).
  std::uint64_t min_res = ~std::uint64_t{0};
  for (std::size_t i = 0; i < h.size(); ++i)
    if (!(done & (1u << i))) min_res = std::min(min_res, h[i].res);
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (done & (1u << i)) continue;
    const Event& e = h[i];
    if (e.inv > min_res) continue;
    const State bit = State{1} << (e.key * kThreads + e.thread);
    State next = s;
    if (e.op == Op::add) {
      next |= bit;
    } else if (e.op == Op::del) {
      next &= ~bit;
    } else {
      const State mask = ((State{1} << kThreads) - 1) << (e.key * kThreads);
      if (static_cast<std::uint32_t>(std::popcount(s & mask)) != e.result) continue;
    }
    if (search(h, done | (1u << i), next, seen)) return true;
  }
  return false;
}

}  // namespace

bool linearizability(const Options& o, Report& rep) {
  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  rtm::Instance& rtm = *inst;
  std::vector<rtm::EntityHandle> me(kThreads);
  for (int t = 0; t < kThreads; ++t)
    rtm.register_entity({0, rtm::Family::ipv4, 800 + static_cast<std::uint32_t>(t), 1}, {}, &me[t]);
  const rtm::NetAddress keys[kKeys] = {prefix("10.9.0.0/16"), prefix("10.9.1.0/24"),
                                       prefix("10.9.1.128/25")};
  std::atomic<std::uint64_t> clock{0};
  std::vector<Event> events(kThreads * kOpsPerThread);
  // held[t][k]: thread t's route on key k (valid across rounds).
  rtm::RouteHandle held[kThreads][kKeys] = {};
  State state = 0;  // the model state at the start of a round
  std::atomic<bool> stop{false};
  std::uint64_t histories = 0, violations = 0, ops = 0;

  // Each round: every thread runs its operations, then thread 0 checks
  // the history (the others wait at the barrier).
  std::barrier sync(kThreads);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(o.seed * 1000 + static_cast<std::uint64_t>(t));
      for (;;) {
        sync.arrive_and_wait();  // round starts
        if (stop.load()) return;
        for (int i = 0; i < kOpsPerThread; ++i) {
          Event& e = events[static_cast<std::size_t>(t * kOpsPerThread + i)];
          e.thread = t;
          e.key = static_cast<int>(rng() % kKeys);
          const int pick = static_cast<int>(rng() % 3);
          e.op = pick == 0 ? Op::add : pick == 1 && held[t][e.key] ? Op::del : Op::lookup;
          e.result = 0;
          e.inv = clock.fetch_add(1, std::memory_order_seq_cst);
          rtm::RouteChangeFlags ch = 0;
          if (e.op == Op::add) {
            rtm::RouteInfo ri;
            ri.pref = {static_cast<std::uint32_t>(rng() % 4), 1};
            rtm::RouteHandle h;
            expect(rep, rtm.add_route(me[t], &h, keys[e.key], ri, rtm::kInfinite, &ch),
                   rtm::errc::ok, "add_route");
            if (held[t][e.key]) rtm.release_routes(me[t], {&h, 1});  // an update: same route
            else held[t][e.key] = h;
          } else if (e.op == Op::del) {
            expect(rep, rtm.delete_route(me[t], held[t][e.key], &ch), rtm::errc::ok, "delete_route");
            rtm.release_routes(me[t], {&held[t][e.key], 1});
            held[t][e.key] = {};
          } else {
            rtm::DestInfo di;
            const rtm::errc r = rtm.get_exact_match_destination(
                me[t], keys[e.key], rtm::kBestProtocol, rtm::kViewMaskUnicast, &di);
            if (r == rtm::errc::ok) {
              e.result = di.views[0].num_routes;
              rtm.release_dest_info(me[t], di);
            } else if (r != rtm::errc::not_found) {
              expect(rep, r, rtm::errc::ok, "get_exact_match_destination");
            }
          }
          e.res = clock.fetch_add(1, std::memory_order_seq_cst);
        }
        sync.arrive_and_wait();  // round done
        if (t == 0) {
          std::unordered_set<std::uint64_t> seen;
          if (!search(events, 0, state, seen)) {
            ++violations;
            rep.violation("a history with no linearization (round " + std::to_string(histories) + ")");
            if (violations <= 3) {  // show it: thread, op, key, [inv, res], result
              std::printf("history (start state %#x):\n", state);
              std::vector<Event> sorted = events;
              std::sort(sorted.begin(), sorted.end(),
                        [](const Event& x, const Event& y) { return x.inv < y.inv; });
              for (const Event& ev : sorted)
                std::printf("  t%d %-6s key %d [%llu, %llu]%s%u\n", ev.thread,
                            ev.op == Op::add ? "add" : ev.op == Op::del ? "delete" : "lookup",
                            ev.key, static_cast<unsigned long long>(ev.inv),
                            static_cast<unsigned long long>(ev.res),
                            ev.op == Op::lookup ? " -> " : "", ev.op == Op::lookup ? ev.result : 0u);
            }
          }
          // The next round starts from this round's final state: each
          // thread's own adds and deletes are sequential, so it is known.
          state = 0;
          for (int tt = 0; tt < kThreads; ++tt)
            for (int k = 0; k < kKeys; ++k)
              if (held[tt][k]) state |= State{1} << (k * kThreads + tt);
          ++histories;
          ops += events.size();
          if (std::chrono::steady_clock::now() >= end && histories >= 1000) stop.store(true);
        }
        sync.arrive_and_wait();  // check done
      }
    });
  }
  for (auto& th : ts) th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int k = 0; k < kKeys; ++k)
      if (held[t][k]) {
        rtm::RouteChangeFlags ch = 0;
        rtm.delete_route(me[t], held[t][k], &ch);
        rtm.release_routes(me[t], {&held[t][k], 1});
      }
  rep.ops += ops;
  rep.check(histories >= 1000 && violations == 0,
            std::to_string(histories) + " histories of " +
                std::to_string(kThreads * kOpsPerThread) +
                " operations checked against the sequential model (Wing & Gong): " +
                std::to_string(violations) + " not linearizable");
  finish_instance(rep, inst, me, objects);
  return rep.ok();
}

}  // namespace rtm_stress
