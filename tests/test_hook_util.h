// tests/test_hook_util.h — parking a library thread at a named hook point
// (src/detail/test_hook.h), with condition variables, never sleeps.
//
//   HookParker park("add_route.linked");    // installs the hook
//   std::thread t([&] { inst.add_route(...); });  // will stop at the point
//   park.wait_arrived();                     // t is parked there now
//   ... race it from this thread ...
//   park.release();                          // t goes on
//   t.join();
//
// Only the first thread to reach the point parks (later arrivals and other
// points pass through), so the test's own calls never block on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "detail/test_hook.h"

namespace rtm_test {

// A one-shot gate between a test thread and a library thread (a callback
// or a method the library runs): open() lets every waiter through.
class Gate {
 public:
  void open() {
    std::lock_guard l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return open_; });
  }
  // For a watchdog only (a deadlock cannot be joined): false if the gate
  // stayed shut for `s`. Never synchronisation.
  bool wait_for(std::chrono::seconds s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, s, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class HookParker {
 public:
  explicit HookParker(std::string point) : point_(std::move(point)) {
    instance() = this;
    rtm::detail::g_test_hook.store(&HookParker::hook, std::memory_order_release);
  }
  // Releases a parked thread and waits until it has left the hook: it
  // still reads this object's state after it is woken.
  ~HookParker() {
    std::unique_lock l(mu_);
    released_ = true;
    cv_.notify_all();
    cv_.wait(l, [&] { return !parked_; });
    l.unlock();
    rtm::detail::g_test_hook.store(nullptr, std::memory_order_release);
    instance() = nullptr;
  }
  HookParker(const HookParker&) = delete;
  HookParker& operator=(const HookParker&) = delete;

  // Blocks until a thread is parked at the point; returns the object it passed.
  const void* wait_arrived() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return arrived_; });
    return object_;
  }
  // Lets the parked thread (and any later one) go on.
  void release() {
    std::lock_guard l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool arrived() {
    std::lock_guard l(mu_);
    return arrived_;
  }

 private:
  static HookParker*& instance() {
    static HookParker* p = nullptr;
    return p;
  }
  static void hook(const char* point, const void* object) {
    HookParker* self = instance();
    if (self == nullptr || self->point_ != point) return;
    std::unique_lock l(self->mu_);
    if (self->arrived_) return;  // only the first arrival parks
    self->arrived_ = true;
    self->parked_ = true;
    self->object_ = object;
    self->cv_.notify_all();
    self->cv_.wait(l, [&] { return self->released_; });
    self->parked_ = false;
    self->cv_.notify_all();  // the destructor may wait for this
  }

  const std::string point_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool arrived_ = false;
  bool released_ = false;
  bool parked_ = false;
  const void* object_ = nullptr;
};

}  // namespace rtm_test
