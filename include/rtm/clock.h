// rtm/clock.h — the time source of an instance's timers (route expiry,
// hold-down), injectable for tests and simulations.
//
// By default an instance reads std::chrono::steady_clock and one timer
// thread per instance (started on the first timer, joined by ~Instance)
// fires expiries. With a clock given in InstanceOptions::clock, no thread
// is started: the embedder (or test) advances its clock and calls
// Instance::run_due_timers(), which fires every timer due at the clock's
// now on the calling thread. That makes timing deterministic: no sleeps.
//
// Thread-safety: now_ms() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace rtm {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since an arbitrary epoch; never decreases.
  virtual std::uint64_t now_ms() noexcept = 0;
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::uint64_t start_ms = 0) noexcept : now_(start_ms) {}
  std::uint64_t now_ms() noexcept override { return now_.load(std::memory_order_acquire); }
  void advance(std::uint64_t ms) noexcept { now_.fetch_add(ms, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> now_;
};

}  // namespace rtm
