// detail/timers.h — one timer queue per instance, for route expiry and
// hold-down.
//
// A binary heap of (deadline, sequence) under a mutex: timers are a slow
// path (one arm per add_route with a finite time to live, one per held
// route), and the heap keeps the per-entry cost O(log n) with no thread
// per route. Each entry carries one memory reference on its object,
// dropped after the entry fires or is discarded, so an object a timer
// names is never freed under it; the entry's epoch lets a refreshed or
// cancelled timer fire as a no-op (the route's epoch moved on).
//
// Firing: with the default clock, one thread (started by the first arm,
// joined by stop()) sleeps on a condition variable until the earliest
// deadline; with an injected clock there is no thread and run_due() fires
// due entries on the caller's thread. Entries are popped under the mutex
// and fired outside it, so a callback may arm timers or call the API.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <rtm/clock.h>

namespace rtm::detail {

class Core;
class Object;

class Timers {
 public:
  enum class Kind : std::uint8_t { route_expiry, hold_down_expiry };
  struct Entry {
    std::uint64_t deadline;
    std::uint64_t seq;
    Object* obj;  // one memory reference
    std::uint32_t epoch;
    Kind kind;
  };

  // Fires one due entry, outside the mutex. The core passes its handler
  // (core/expiry.cpp): timers only store, order and pop entries.
  using Handler = void (*)(Core& core, const Entry& e) noexcept;

  Timers(Core* core, std::shared_ptr<Clock> clock, Handler fire) noexcept;
  ~Timers();  // stop() must have run

  std::uint64_t now() noexcept;
  // Arms a timer; on success the entry owns one memory reference on obj
  // that the caller took. False when out of memory (the caller keeps its
  // reference and drops it).
  bool arm(std::uint64_t deadline, Object* obj, std::uint32_t epoch, Kind kind) noexcept;
  // Fires every entry due now on this thread; returns how many fired.
  std::size_t run_due();
  // Stops the thread (waiting for a firing in progress) and drops every
  // entry's reference. Call in API context, once.
  void stop();

 private:
  void thread_main();
  // Pops the entries due at `now` into `out`. Under mu_.
  void pop_due(std::uint64_t now, std::vector<Entry>& out);

  Core* const core_;
  const Handler fire_;
  const std::shared_ptr<Clock> clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> heap_;
  std::uint64_t seq_ = 0;
  std::thread thread_;
  bool started_ = false;
  bool stopping_ = false;
};

}  // namespace rtm::detail
