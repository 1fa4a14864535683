// fib/epoch.h — the read sections of the forwarding indexes and the grace
// periods that let their writers reuse memory (tbl8 groups, next-hop group
// ids): epoch-based reclamation with per-thread reader slots and an
// asymmetric fence (membarrier).
//
// Readers (wait-free, no locked instruction, no shared line written):
//
//   rtm::fib::ReadSection rs;      // one per call or per batch
//   ... load index entries, read next-hop records ...
//   // everything loaded is valid until rs ends
//
// A thread's first section registers a reader slot (once; allocation-free,
// a slot of a static array). The slot is given back when the thread exits,
// by a pthread key destructor, which runs after the thread's C++
// thread_local destructors (and again if one of those, or a later key
// destructor, opens a section), so a section opened from a thread_local
// destructor does not leak the slot.
//
// Rules for readers:
//  - Sections nest: an inner section finds the thread's slot published
//    and leaves it alone (no count: one load of the thread's own slot),
//    so a ForwardingSession held by a forwarding thread may surround any
//    other rtm call. The index's lookups open none themselves; the caller
//    opens one per call, per batch or per session.
//  - A ReadSection is destroyed on the thread that created it (it names
//    that thread's slot).
//  - No section may be open on an index or group table that is being
//    destroyed: destruction unmaps the memory readers load.
//  - A writer that holds a ReadSection pins its own retirements: nothing it
//    retires becomes reusable before its section ends (a writer running
//    out of groups inside its own section fails rather than waits).
//  - At most kMaxReaderThreads threads may hold a slot at once. One more
//    aborts the process with the message "rtm fib: more than 1024 reader
//    threads" (a configuration limit, not a runtime condition; there is
//    no error return on the read path).
//
// Writers (each owner of reclaimable memory — an index, the next-hop group
// table — under its own writer mutex):
//
//   1. unlink the object (no index entry leads to it any more);
//   2. tag = retire_tag();           keep (object, tag) in a limbo list;
//   3. later: if (tag < safe_epoch()) reuse it; else, when GraceTrigger
//      says so, synchronize() (one grace period: a membarrier and a scan
//      of the slots, never a wait for a reader) and retry.
//
// Owners call prepare() from their constructors, so the one-time
// membarrier registration (a syscall that can take milliseconds) does not
// run inside a reader's first section or a writer's first grace period.
// If the membarrier syscall fails after a successful registration, the
// process aborts with errno printed (the kernel guarantees it does not).
//
// The memory-ordering argument is at the top of fib/epoch.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "detail/tls.h"

#if defined(__SANITIZE_THREAD__)
#define RTM_FIB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTM_FIB_TSAN 1
#endif
#endif

namespace rtm::fib {

// The most threads that may hold a reader slot at once (a static array;
// one more aborts, see above).
inline constexpr unsigned kMaxReaderThreads = 1024;

namespace epoch_detail {

struct alignas(64) Slot {
  // 0: idle; otherwise the global epoch the current section began in.
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> used{false};
};

// What every section reads, on a line of its own (nothing else written per
// grace period shares it): the global epoch (starts at 1; 0 is "idle" in a
// slot) and the fence mode, true when readers must use a seq_cst fence
// (membarrier unavailable, or a TSan build), written once before the first
// slot is handed out (and by set_fallback_for_testing).
struct alignas(64) ReaderShared {
  std::atomic<std::uint64_t> epoch{1};
  bool full_fence = true;
};
extern ReaderShared g_reader;

// The calling thread's slot. initial-exec: a direct %fs-relative access,
// no __tls_get_addr call on the read path.
struct ThreadState {
  Slot* slot = nullptr;
};
extern constinit thread_local ThreadState t_state RTM_TLS_IE;

// Registers the calling thread's slot (first section of the thread).
Slot* register_slot() noexcept;

// GCC warns that TSan does not model fences. Under TSan the happens-before
// it needs is the release (R2)/(R4) -> acquire (W5) pairs, which it sees;
// the fence only gives the StoreLoad order of the real execution.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
inline void full_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

}  // namespace epoch_detail

// Opens a read section on the calling thread: (R1)-(R3) of fib/epoch.cpp.
// Returns the slot to pass to leave_section(), or nullptr when a section of
// the thread is open already (a nested section: the outer one's
// publication covers every load of the inner, and only the outer's end
// clears the slot).
inline epoch_detail::Slot* enter_section() noexcept {
  epoch_detail::Slot* s = epoch_detail::t_state.slot;
  if (s == nullptr) [[unlikely]]
    s = epoch_detail::register_slot();
  // Only this thread writes its slot: non-zero means a section is open.
  if (s->epoch.load(std::memory_order_relaxed) != 0) [[unlikely]]
    return nullptr;
  // (R1) acquire: pairs with the release RMWs (W2), (W3) on the epoch.
  const std::uint64_t e = epoch_detail::g_reader.epoch.load(std::memory_order_acquire);
  // (R2) publish the section (release: a plain store on x86).
  s->epoch.store(e, std::memory_order_release);
  // (R3) StoreLoad between (R2) and the section's loads: a compiler
  // barrier here, the writer's membarrier (W4) supplies the hardware
  // fence; a seq_cst fence when membarrier is unavailable or under TSan.
#ifdef RTM_FIB_TSAN
  epoch_detail::full_fence();
#else
  if (epoch_detail::g_reader.full_fence)
    epoch_detail::full_fence();
  else
    std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
  return s;
}

// Ends the section enter_section() opened (nothing for nullptr, a nested
// one). (R4) release: the section's loads happen before a scan (W5) that
// reads 0.
inline void leave_section(epoch_detail::Slot* s) noexcept {
  if (s != nullptr) s->epoch.store(0, std::memory_order_release);
}

// A read section (RAII) over enter_section() / leave_section(). Destroyed
// on the thread that created it (it names that thread's slot).
class ReadSection {
 public:
  ReadSection() noexcept : slot_(enter_section()) {}
  ~ReadSection() { leave_section(slot_); }
  ReadSection(const ReadSection&) = delete;
  ReadSection& operator=(const ReadSection&) = delete;

 private:
  epoch_detail::Slot* slot_;
};

// Writer side. An object unlinked before retire_tag() returned t may be
// reused once safe_epoch() > t.
std::uint64_t retire_tag() noexcept;
// The newest epoch below which every retired object is reusable (monotone).
std::uint64_t safe_epoch() noexcept;
// Runs one grace period (bounded: one membarrier and a scan of the slots;
// serialised with other writers' grace periods by a mutex, never waits for
// a reader) and returns the new safe_epoch().
std::uint64_t synchronize() noexcept;

// Whether grace periods use membarrier (false: readers fence instead).
bool uses_membarrier() noexcept;

// Decides the fence mode and registers for membarrier, once per process
// (idempotent, cheap after the first call). Owners of reclaimable memory
// call it from their constructors; sections and grace periods call it too.
void prepare() noexcept;

// When a writer's limbo list should run a grace period of its own: once
// kBatch more objects were retired than at the last grace period; while
// grace periods free nothing (a reader parked in a section), the batch
// doubles up to kMaxBatch, so a parked reader costs a writer O(log n)
// grace periods over n retirements, not one per retirement.
class GraceTrigger {
 public:
  static constexpr std::size_t kBatch = 64;
  static constexpr std::size_t kMaxBatch = std::size_t{1} << 16;
  bool due(std::size_t limbo) const noexcept { return limbo >= next_; }
  // After a grace period that took the limbo list from `before` to `after`.
  void ran(std::size_t before, std::size_t after) noexcept {
    batch_ = after < before ? kBatch : (batch_ < kMaxBatch ? batch_ * 2 : kMaxBatch);
    next_ = after + batch_;
  }

 private:
  std::size_t batch_ = kBatch;
  std::size_t next_ = kBatch;
};

namespace epoch_detail {
// Tests only. Slots currently held by threads.
unsigned slots_in_use() noexcept;
// Grace periods run so far (the number of (W3) increments).
std::uint64_t grace_periods() noexcept;
// Switches readers and grace periods to the seq_cst fallback (true) or
// back to the mode prepare() chose (false). Call only while no other thread
// is inside a section or a grace period.
void set_fallback_for_testing(bool fallback) noexcept;
}  // namespace epoch_detail

}  // namespace rtm::fib
