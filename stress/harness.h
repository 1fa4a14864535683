// stress/harness.h — the small framework every stress scenario uses.
//
// A scenario gets Options (duration, threads, seed, size), runs its threads
// until the deadline, and records what it did (ops) and every invariant it
// checked (Report::check). Invariants common to all scenarios — no entity
// holds a reference at the end, and once the instance is gone every object
// allocated was freed exactly once — are checked by finish_instance().
// Anything unexpected during the run (an error code that cannot happen in
// that scenario, an info inconsistent with every state of the table) is
// counted as a violation through Report::violation and fails the run.
#pragma once

#include <rtm/rtm.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace rtm_stress {

struct Options {
  double seconds = 3;
  unsigned threads = 4;
  std::uint64_t seed = 1;
  std::size_t size = 0;   // scenario's size knob (0: its default)
  std::string data_dir;   // where routeviews-ipv4.txt.xz lives (table scenario)
};

class Report {
 public:
  std::atomic<std::uint64_t> ops{0};

  // Records an end-of-run invariant.
  void check(bool ok, const std::string& what) {
    std::lock_guard<std::mutex> l(m_);
    checks_.push_back((ok ? "  ok    " : "  FAIL  ") + what);
    if (!ok) ++failures_;
  }
  // Records an invariant violated during the run (first few are printed).
  void violation(const std::string& what) {
    std::lock_guard<std::mutex> l(m_);
    if (violations_++ < 10) checks_.push_back("  FAIL  during run: " + what);
  }
  bool ok() const { return failures_ == 0 && violations_ == 0; }
  void print(const char* name) const {
    std::printf("%s: %llu ops\n", name, static_cast<unsigned long long>(ops.load()));
    for (const auto& c : checks_) std::printf("%s\n", c.c_str());
    if (violations_ > 0) std::printf("  FAIL  %llu violations during the run\n",
                                     static_cast<unsigned long long>(violations_));
    else std::printf("  ok    no violation during the run\n");
  }

 private:
  std::mutex m_;
  std::vector<std::string> checks_;
  int failures_ = 0;
  std::uint64_t violations_ = 0;
};

// Expects r == want; records a violation naming `what` otherwise.
inline bool expect(Report& rep, rtm::errc r, rtm::errc want, const char* what) {
  if (r == want) return true;
  rep.violation(std::string(what) + " returned " + rtm::to_string(r) + ", expected " +
                rtm::to_string(want));
  return false;
}

// Runs `body(index, stop)` on n threads until the deadline, then joins.
inline void run_threads(unsigned n, double seconds,
                        const std::function<void(unsigned, const std::atomic<bool>&)>& body) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  ts.reserve(n);
  for (unsigned i = 0; i < n; ++i) ts.emplace_back([&, i] { body(i, stop); });
  // The deadline is the run's length, not a synchronisation: threads stop at
  // the flag, and every check runs after join().
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : ts) t.join();
}

// Snapshot of the object counters taken before a scenario builds its instance.
struct Objects {
  rtm::ObjectCounters before = rtm::object_counters();
};

// The common end of every scenario: every entity in `entities` holds no
// reference; deregistration reports none; then the instance is destroyed and
// every object allocated since `objects` was taken is freed exactly once.
inline void finish_instance(Report& rep, std::unique_ptr<rtm::Instance>& inst,
                            const std::vector<rtm::EntityHandle>& entities,
                            const Objects& objects) {
  std::int64_t outstanding = 0, still_held = 0;
  for (auto e : entities) {
    rtm::Outstanding o;
    if (inst->outstanding(e, &o) == rtm::errc::ok) outstanding += o.total();
    std::int64_t h = 0;
    if (inst->deregister_entity(e, &h) == rtm::errc::ok) still_held += h;
  }
  rep.check(outstanding == 0, "outstanding handle count of every entity is 0 (saw " +
                                  std::to_string(outstanding) + ")");
  rep.check(still_held == 0, "deregistration found no reference still held (saw " +
                                 std::to_string(still_held) + ")");
  inst.reset();
  rtm::reclaim_all();
  const rtm::ObjectCounters after = rtm::object_counters();
  static const char* const kNames[8] = {"-", "entities", "destinations", "routes", "next hops",
                                        "registrations", "enumerations", "route lists"};
  for (int k = 1; k < 8; ++k) {
    const auto alloc = after.allocated[k] - objects.before.allocated[k];
    const auto freed = after.freed[k] - objects.before.freed[k];
    if (alloc == 0 && freed == 0) continue;
    rep.check(alloc == freed, std::string(kNames[k]) + ": " + std::to_string(alloc) +
                                  " allocated, " + std::to_string(freed) +
                                  " freed (each exactly once)");
  }
}

inline rtm::NetAddress prefix(const std::string& text) { return *rtm::NetAddress::parse(text); }

// Scenarios.
bool hot_dest_churn(const Options&, Report&);
bool route_races(const Options&, Report&);
bool dest_delete_held(const Options&, Report&);
bool notify(const Options&, Report&);
bool entity_churn(const Options&, Report&);
bool table_replay(const Options&, Report&);
bool linearizability(const Options&, Report&);
bool enum_churn(const Options&, Report&);
bool expiry_race(const Options&, Report&);
bool forwarding(const Options&, Report&);
bool ledger_handoff(const Options&, Report&);

}  // namespace rtm_stress
