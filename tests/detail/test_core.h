// tests/detail/test_core.h — a bare detail::Core and plain objects for the
// primitive tests that need core types (the handle table names Objects,
// the timers fire Dests).
//
// Every object holds a reference on its Core (core/object.h), so the core
// is built directly, without an Instance: nothing registers, no handle of
// the core's own table is used. Objects made here are either destroyed by
// their test (destroy(), when nothing else can reach them) or dropped to
// zero on both sides (then retired); ~TestCore stops the timers, destroys
// the tables, drops the core's own reference and reclaims everything.
//
// The only file of tests/detail/ that includes the core's headers.
#pragma once

#include <memory>

#include <rtm/clock.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/object.h"
#include "detail/reclaim.h"
#include "detail/timers.h"

namespace rtm_test {

class TestCore {
 public:
  // `clock` null: the steady clock and a timer thread on the first arm.
  explicit TestCore(std::shared_ptr<rtm::Clock> clock = nullptr) {
    rtm::detail::ThreadScope scope;
    rtm::InstanceOptions o;
    o.clock = std::move(clock);
    core_ = new rtm::detail::Core(o, kTag, 0);
  }
  ~TestCore() {
    rtm::detail::ThreadScope scope;
    if (!timers_stopped_) core_->timers->stop();
    core_->destroy_tables();
    core_->unref();  // deletes the core with its last object
    rtm::detail::reclaim_all_now();
  }
  TestCore(const TestCore&) = delete;
  TestCore& operator=(const TestCore&) = delete;

  rtm::detail::Core* get() const noexcept { return core_; }
  rtm::detail::Core* operator->() const noexcept { return core_; }
  // For a test that stops the timers itself (stop() runs once).
  void timers_stopped() noexcept { timers_stopped_ = true; }

 private:
  // The core's own handle table is never used by these tests.
  static constexpr std::uint8_t kTag = 0xFE;
  rtm::detail::Core* core_;
  bool timers_stopped_ = false;
};

// Destroys a plain object no one else can reach (no retirement needed).
struct DestroyObject {
  void operator()(rtm::detail::Object* o) const noexcept { o->destroy(); }
};
using ObjectPtr = std::unique_ptr<rtm::detail::Object, DestroyObject>;

inline ObjectPtr make_object(rtm::detail::Core* core, rtm::HandleKind kind) {
  return ObjectPtr(new rtm::detail::Object(core, kind, 1));
}

}  // namespace rtm_test
