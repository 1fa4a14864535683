// Object lifetime across teardown, re-entrant callbacks, and callbacks in
// flight during deregistration (issue 12: defects 1, 6 and 12).
#include <gtest/gtest.h>
#include <rtm/rtm.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detail/test_hook.h"
#include "test_hook_util.h"

namespace {

using rtm::errc;

rtm::NetAddress P(const char* text) {
  auto a = rtm::NetAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(rtm::NetAddress{});
}

// 10.<i / 256>.<i % 256>.0/24
rtm::NetAddress nth_prefix(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "10.%d.%d.0/24", (i / 256) % 256, i % 256);
  return P(buf);
}

errc add(rtm::Instance& inst, rtm::EntityHandle e, const rtm::NetAddress& a,
         std::uint32_t ttl = rtm::kInfinite, rtm::RouteHandle* out = nullptr) {
  rtm::RouteInfo ri;
  ri.pref = {0, 10};
  ri.views = rtm::kViewMaskUnicast;
  rtm::RouteChangeFlags f = 0;
  return inst.add_route(e, out, a, ri, ttl, &f);
}

using rtm_test::Gate;

// ---- defect 1: teardown and objects left in a live thread's retired array ------

// A worker deregisters its entity: its change-notification registration is
// retired into the worker's own retired array, which ~Instance's
// reclamation cannot reach while the worker is attached. The instance is
// destroyed, the worker exits, and a later API call finalizes the
// registration, which gives its slot back to its table: the table must
// still be there (before the fix: heap-use-after-free in
// NotifyReg::release_children).
TEST(Lifecycle, RegistrationFinalizedAfterTeardownFindsItsTable) {
  auto inst = std::make_unique<rtm::Instance>();
  Gate deregistered, destroyed;
  std::thread worker([&] {
    rtm::EntityHandle e;
    EXPECT_EQ(inst->register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
    rtm::NotifyHandle n;
    EXPECT_EQ(inst->register_for_change_notification(e, rtm::kViewMaskUnicast,
                                                     rtm::kChangeTypeAll, nullptr, &n),
              errc::ok);
    EXPECT_EQ(inst->deregister_entity(e), errc::ok);
    deregistered.open();
    destroyed.wait();  // stays attached while the instance goes
  });
  deregistered.wait();
  inst.reset();
  destroyed.open();
  worker.join();
  rtm::Instance next;  // API calls finalize what the worker left behind
  rtm::reclaim_all();
}

// Parks the first thread to reach each of two hook points (as HookParker
// does for one).
struct TwoPoints {
  std::mutex mu;
  std::condition_variable cv;
  bool arrived[2] = {false, false};
  bool released[2] = {false, false};
  std::string points[2];
  static TwoPoints*& current() {
    static TwoPoints* p = nullptr;
    return p;
  }
  static void hook(const char* point, const void*) {
    TwoPoints* t = current();
    const int i = point == t->points[0] ? 0 : point == t->points[1] ? 1 : -1;
    if (i < 0) return;
    std::unique_lock l(t->mu);
    if (t->arrived[i]) return;
    t->arrived[i] = true;
    t->cv.notify_all();
    t->cv.wait(l, [&] { return t->released[i]; });
  }
  TwoPoints(std::string p0, std::string p1) : points{std::move(p0), std::move(p1)} {
    current() = this;
    rtm::detail::g_test_hook.store(&TwoPoints::hook, std::memory_order_release);
  }
  ~TwoPoints() {
    release(0);
    release(1);
    rtm::detail::g_test_hook.store(nullptr, std::memory_order_release);
    current() = nullptr;
  }
  void wait(int i) {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return arrived[i]; });
  }
  void release(int i) {
    std::lock_guard l(mu);
    released[i] = true;
    cv.notify_all();
  }
};

// ~Instance frees what its route deletes retire at once (no hazard-pointer
// scan) only when no registration of the instance is left anywhere: one
// whose finalization runs late, on a thread that is not calling into the
// instance, walks the destinations under hazard pointers (clearing its
// marks). Here that walk is parked holding a guard on A's destination
// while A is destroyed: the destination must outlive the guard (before the
// fix it was freed at once, and the walk went on in freed memory).
TEST(Lifecycle, TeardownDuringALateRegistrationFinalizationWaitsForItsGuard) {
  auto a = std::make_unique<rtm::Instance>();
  rtm::EntityHandle e;
  ASSERT_EQ(a->register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
  rtm::NotifyHandle n;
  ASSERT_EQ(a->register_for_change_notification(
                e, rtm::kViewMaskUnicast, rtm::kChangeTypeAll | rtm::kNotifyOnlyMarkedDests,
                nullptr, &n),
            errc::ok);
  ASSERT_EQ(add(*a, e, P("10.0.0.0/8")), errc::ok);
  rtm::DestInfo di;
  ASSERT_EQ(a->get_exact_match_destination(e, P("10.0.0.0/8"), rtm::kBestProtocol,
                                           rtm::kViewMaskUnicast, &di),
            errc::ok);
  ASSERT_EQ(a->mark_dest_for_change_notification(e, n, di.dest, true), errc::ok);
  ASSERT_EQ(a->release_dest_info(e, di), errc::ok);
  rtm::RouteInfo ri;
  ri.pref = {2, 2};
  ri.views = rtm::kViewMaskUnicast;
  rtm::RouteChangeFlags f = 0;
  ASSERT_EQ(a->add_route(e, nullptr, P("10.0.0.0/8"), ri, rtm::kInfinite, &f), errc::ok);
  rtm::reclaim_all();

  TwoPoints tp("notify_reg.marked_walk", "add_counted.counted");
  rtm::DestInfo got[1];
  std::thread consumer([&] {  // parks holding a guard on the registration
    std::uint32_t count = 1;
    (void)a->get_changed_dests(e, n, &count, got);
  });
  tp.wait(1);
  std::thread deregisterer([&] {  // its reclaim cannot free it (the consumer's guard)
    EXPECT_EQ(a->deregister_from_change_notification(e, n), errc::ok);
  });
  deregisterer.join();  // gone: its retired array is left for another thread's scan
  tp.release(1);
  consumer.join();
  // No call into A is running now. This thread runs the process-wide
  // reclaim (any API call of another instance would do the same): it
  // finalizes A's registration and parks in its walk.
  std::thread finalizer([] { rtm::reclaim_all(); });
  tp.wait(0);
  const rtm::ObjectCounters before = rtm::object_counters();
  a.reset();
  const rtm::ObjectCounters after = rtm::object_counters();
  const int kd = static_cast<int>(rtm::HandleKind::dest);
  EXPECT_EQ(after.freed[kd] - before.freed[kd], 0)
      << "the destination the finalizer's guard holds was freed";
  tp.release(0);
  finalizer.join();
  rtm::reclaim_all();
}

// ---- defect 6: re-entrant callbacks and hazard pointers ----------------------------

// Entity b's change-notification callback drains its queue and, until
// `depth` callbacks have run, adds another route (through entity a), whose
// change signals b again: a chain of re-entrant API calls `depth` deep.
// Exits the process with 0 if the chain completed.
void change_callback_chain(int depth) {
  rtm::Instance inst;
  rtm::EntityHandle a, b;
  rtm::NotifyHandle n;
  int calls = 0;
  rtm::EntityConfig cb;
  cb.callback = [&](rtm::EntityHandle self, rtm::EventType type, void*, void*) -> std::uint32_t {
    if (type != rtm::EventType::change_notification) return 0;
    ++calls;
    for (;;) {
      rtm::DestInfo infos[4];
      std::uint32_t c = 4;
      const errc r = inst.get_changed_dests(self, n, &c, infos);
      if (c > 0 && inst.release_changed_dests(self, n, {infos, c}) != errc::ok) std::_Exit(3);
      if (r != errc::ok) break;
    }
    if (calls < depth && add(inst, a, nth_prefix(calls)) != errc::ok) std::_Exit(4);
    return 0;
  };
  if (inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &a) != errc::ok) std::_Exit(5);
  if (inst.register_entity({0, rtm::Family::ipv4, 3, 1}, cb, &b) != errc::ok) std::_Exit(6);
  if (inst.register_for_change_notification(b, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                            nullptr, &n) != errc::ok)
    std::_Exit(7);
  if (add(inst, a, P("192.0.2.0/24")) != errc::ok) std::_Exit(8);
  std::_Exit(calls == depth ? 0 : 9);
}

// Before the fix: add_route held five hazard pointers across the client's
// callback; three nested levels exhaust the thread's 16, libcds throws
// not_enough_hazard_ptr inside a noexcept path and the process terminates.
TEST(LifecycleDeathTest, ChangeCallbackChainThreeDeep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(change_callback_chain(3), ::testing::ExitedWithCode(0), "");
}

TEST(LifecycleDeathTest, ChangeCallbackChainFiftyDeep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(change_callback_chain(50), ::testing::ExitedWithCode(0), "");
}

// Entity i's callback, told that entity i-1 left, deregisters entity i: a
// chain of deregistrations nested `n` deep inside entity_deregistered
// callbacks.
void deregistration_chain(int n) {
  rtm::Instance inst;
  std::vector<rtm::EntityHandle> es(n);
  std::vector<int> done(n, 0);
  for (int i = 0; i < n; ++i) {
    rtm::EntityConfig cfg;
    cfg.callback = [&, i](rtm::EntityHandle self, rtm::EventType type, void* ctx1,
                          void*) -> std::uint32_t {
      if (type != rtm::EventType::entity_deregistered || i == 0) return 0;
      if (reinterpret_cast<std::uintptr_t>(ctx1) != es[i - 1].value || done[i]) return 0;
      done[i] = 1;
      if (inst.deregister_entity(self) != errc::ok) std::_Exit(3);
      return 0;
    };
    if (inst.register_entity({0, rtm::Family::ipv4, 100u + i, 1}, cfg, &es[i]) != errc::ok)
      std::_Exit(4);
  }
  if (inst.deregister_entity(es[0]) != errc::ok) std::_Exit(5);
  for (int i = 1; i < n; ++i)
    if (!done[i]) {
      std::fprintf(stderr, "entity %d not done\n", i);
      std::_Exit(6);
    }
  std::_Exit(0);
}

// Before the fix: deregister_entity held a hazard pointer on the leaving
// entity while it called the others' callbacks; 20 nested levels exhaust
// the thread's hazard pointers.
TEST(LifecycleDeathTest, DeregistrationChainTwentyDeep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(deregistration_chain(20), ::testing::ExitedWithCode(0), "");
}

// Entity i's method 0 invokes entity i+1's method 0: `n` nested invocations.
void method_chain(int n) {
  rtm::Instance inst;
  std::vector<rtm::EntityHandle> es(n);
  int deepest = -1;
  for (int i = 0; i < n; ++i) {
    rtm::EntityConfig cfg;
    cfg.methods.push_back([&, i](rtm::EntityHandle, rtm::EntityHandle, rtm::MethodCall& c) {
      deepest = i;
      c.status = 0;
      if (i + 1 < n) {
        rtm::MethodCall next;
        next.method_type = 1;
        if (inst.invoke_methods(es[i], es[i + 1], {&next, 1}) != errc::ok) std::_Exit(3);
      }
    });
    if (inst.register_entity({0, rtm::Family::ipv4, 100u + i, 1}, cfg, &es[i]) != errc::ok)
      std::_Exit(4);
  }
  rtm::MethodCall first;
  first.method_type = 1;
  if (inst.invoke_methods(es[0], es[0], {&first, 1}) != errc::ok) std::_Exit(5);
  if (deepest != n - 1) std::fprintf(stderr, "deepest %d\n", deepest);
  std::_Exit(deepest == n - 1 ? 0 : 6);
}

// Before the fix: invoke_methods held two hazard pointers across each method.
TEST(LifecycleDeathTest, MethodChainTwentyDeep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(method_chain(20), ::testing::ExitedWithCode(0), "");
}

// ---- defect 12: deregistration and callbacks in flight ------------------------------

// Observes, through a library hook point, that a deregistration is waiting
// for callbacks in flight.
class WaitObserver {
 public:
  WaitObserver() {
    self() = this;
    rtm::detail::g_test_hook.store(&WaitObserver::hook, std::memory_order_release);
  }
  ~WaitObserver() {
    rtm::detail::g_test_hook.store(nullptr, std::memory_order_release);
    self() = nullptr;
  }
  // Blocks until a deregistration is waiting for callbacks, or `returned`.
  void wait_waiting_or(const std::atomic<bool>& returned) {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return waiting_ || returned.load(); });
  }
  void poke() {
    std::lock_guard l(mu_);
    cv_.notify_all();
  }

 private:
  static WaitObserver*& self() {
    static WaitObserver* p = nullptr;
    return p;
  }
  static void hook(const char* point, const void*) {
    WaitObserver* s = self();
    if (s == nullptr || std::strcmp(point, "deregister_entity.wait_callbacks") != 0) return;
    std::lock_guard l(s->mu_);
    s->waiting_ = true;
    s->cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool waiting_ = false;
};

// An event callback that parks the first time it gets `type`, until the
// test lets it go; `finished` is set when it returns.
struct ParkedCallback {
  explicit ParkedCallback(rtm::EventType t) : type(t) {}
  rtm::EntityConfig config() {
    rtm::EntityConfig cfg;
    cfg.callback = [this](rtm::EntityHandle, rtm::EventType t, void*, void*) -> std::uint32_t {
      if (t != type || !armed.exchange(false)) return 0;
      entered.open();
      go.wait();
      finished.store(true);
      return 0;
    };
    return cfg;
  }
  // With the callback parked, deregisters `victim` on another thread.
  // Returns whether the callback had finished when deregister_entity
  // returned (before the fix it returned while the callback was parked).
  bool finished_when_deregistered(rtm::Instance& inst, rtm::EntityHandle victim) {
    entered.wait();
    WaitObserver observer;
    std::atomic<bool> returned{false};
    bool finished_at_return = false;
    std::thread d([&] {
      EXPECT_EQ(inst.deregister_entity(victim), errc::ok);
      finished_at_return = finished.load();
      returned.store(true);
      observer.poke();
    });
    // Either the deregistration waits for the callback (fixed) or it has
    // already returned (the defect): only then let the callback finish.
    observer.wait_waiting_or(returned);
    go.open();
    d.join();
    return finished_at_return;
  }

  const rtm::EventType type;
  Gate entered, go;
  std::atomic<bool> armed{true}, finished{false};
};

TEST(Lifecycle, DeregisterWaitsForARunningEntityEventCallback) {
  rtm::Instance inst;
  ParkedCallback cb(rtm::EventType::entity_registered);
  rtm::EntityHandle x, z;
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, cb.config(), &x), errc::ok);
  std::thread t([&] {  // x's callback runs here, told that z arrived
    EXPECT_EQ(inst.register_entity({0, rtm::Family::ipv4, 3, 1}, {}, &z), errc::ok);
  });
  EXPECT_TRUE(cb.finished_when_deregistered(inst, x));
  t.join();
}

TEST(Lifecycle, DeregisterWaitsForARunningChangeNotificationCallback) {
  rtm::Instance inst;
  ParkedCallback cb(rtm::EventType::change_notification);
  rtm::EntityHandle a, x;
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &a), errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 3, 1}, cb.config(), &x), errc::ok);
  rtm::NotifyHandle n;
  ASSERT_EQ(inst.register_for_change_notification(x, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                                  nullptr, &n),
            errc::ok);
  std::thread t([&] { EXPECT_EQ(add(inst, a, P("192.0.2.0/24")), errc::ok); });
  EXPECT_TRUE(cb.finished_when_deregistered(inst, x));
  t.join();
}

TEST(Lifecycle, DeregisterWaitsForARunningRouteExpiryCallback) {
  rtm::Instance inst;  // steady clock: the timer thread fires the expiry
  ParkedCallback cb(rtm::EventType::route_expired);
  rtm::EntityHandle x;
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, cb.config(), &x), errc::ok);
  ASSERT_EQ(add(inst, x, P("192.0.2.0/24"), 1), errc::ok);  // expires in 1 ms
  EXPECT_TRUE(cb.finished_when_deregistered(inst, x));
}

// An entity deregistering itself from inside its own callback does not wait
// for that callback (it would wait for itself): the call returns, and no
// callback of the entity starts afterwards.
TEST(Lifecycle, CallbackDeregisteringItsOwnEntityReturns) {
  rtm::Instance inst;
  errc inner = errc::not_supported;
  int calls_after = 0;
  bool gone = false;
  rtm::EntityConfig cfg;
  cfg.callback = [&](rtm::EntityHandle self, rtm::EventType type, void*, void*) -> std::uint32_t {
    if (gone) ++calls_after;
    if (type != rtm::EventType::entity_registered) return 0;
    gone = true;
    inner = inst.deregister_entity(self);
    return 0;
  };
  rtm::EntityHandle x, z, w;
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, cfg, &x), errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 3, 1}, {}, &z), errc::ok);
  EXPECT_EQ(inner, errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 4, 1}, {}, &w), errc::ok);
  EXPECT_EQ(calls_after, 0);
  rtm::EntityInfo info;
  EXPECT_EQ(inst.get_entity_info(z, x, &info), errc::invalid_handle);
}

}  // namespace
