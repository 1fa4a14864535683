#include "detail/timers.h"

#include <algorithm>
#include <chrono>

#include "core/object.h"
#include "detail/fault.h"
#include "detail/reclaim.h"

namespace rtm::detail {

namespace {
// Min-heap on (deadline, seq): std heap functions build max-heaps, so the
// comparison is "later than".
bool later(const Timers::Entry& a, const Timers::Entry& b) noexcept {
  return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
}
std::uint64_t steady_ms() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
}  // namespace

Timers::Timers(Core* core, std::shared_ptr<Clock> clock, Handler fire) noexcept
    : core_(core), fire_(fire), clock_(std::move(clock)) {}

Timers::~Timers() = default;

std::uint64_t Timers::now() noexcept { return clock_ ? clock_->now_ms() : steady_ms(); }

bool Timers::arm(std::uint64_t deadline, Object* obj, std::uint32_t epoch, Kind kind) noexcept {
  std::unique_lock lock(mu_);
  if (stopping_) return false;
  if (!clock_ && !started_) {  // the thread first: a failure then changes nothing
    try {
      fault_throw();
      thread_ = std::thread([this] { thread_main(); });
      started_ = true;
    } catch (...) {
      return false;
    }
  }
  try {
    fault_throw();
    heap_.push_back(Entry{deadline, seq_++, obj, epoch, kind});
  } catch (...) {
    return false;
  }
  std::push_heap(heap_.begin(), heap_.end(), later);
  // The new entry may be the earliest: the thread re-reads the deadline.
  if (heap_.front().seq == seq_ - 1) cv_.notify_one();
  return true;
}

void Timers::pop_due(std::uint64_t now, std::vector<Entry>& out) {
  while (!heap_.empty() && heap_.front().deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    out.push_back(heap_.back());
    heap_.pop_back();
  }
}

std::size_t Timers::run_due() {
  std::vector<Entry> due;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return 0;
    try {
      fault_throw();
      due.reserve(heap_.size());
    } catch (...) {
      return 0;  // out of memory: the entries stay and fire on a later call
    }
    pop_due(now(), due);
  }
  for (const Entry& e : due) {
    fire_(*core_, e);
    unref_memory(e.obj);
  }
  return due.size();
}

void Timers::thread_main() {
  // The thread attaches to the reclamation domain on its first scope and
  // stays attached until it exits. Each batch of firings is one outermost
  // scope, like an API call: call-outs deferred by the firings (and by the
  // callbacks' own API calls) run when it ends (detail/deferred.h).
  std::unique_lock lock(mu_);
  std::vector<Entry> due;
  while (!stopping_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const std::uint64_t t = now();
    if (heap_.front().deadline > t) {
      cv_.wait_for(lock, std::chrono::milliseconds(heap_.front().deadline - t));
      continue;
    }
    due.clear();
    try {
      due.reserve(heap_.size());
    } catch (...) {
      cv_.wait_for(lock, std::chrono::milliseconds(10));  // out of memory: retry later
      continue;
    }
    pop_due(t, due);
    lock.unlock();
    {
      ThreadScope scope;
      for (const Entry& e : due) {
        fire_(*core_, e);
        unref_memory(e.obj);
      }
      reclaim_pending();
    }
    lock.lock();
  }
}

void Timers::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Entry> rest;
  {
    std::lock_guard lock(mu_);
    rest.swap(heap_);
  }
  for (const Entry& e : rest) unref_memory(e.obj);
}

}  // namespace rtm::detail
