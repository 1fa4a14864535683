// fib/epoch.cpp — reader slots, the global epoch and grace periods for the
// forwarding indexes (fib/epoch.h).
//
// ---- The protocol ----------------------------------------------------------
//
// Reader (enter_section / leave_section, fib/epoch.h), per section:
//   (R0) if slot.epoch.load(relaxed) != 0: nested, nothing below runs
//        (neither R1-R3 at entry nor R4 at the end)
//   (R1) e = g_epoch.load(acquire)
//   (R2) slot.epoch.store(e, release)
//   (R3) compiler barrier (membarrier mode) | seq_cst fence (fallback, TSan)
//        ... loads of index entries and next-hop records (acquire) ...
//   (R4) slot.epoch.store(0, release)
//
// Writer, for each object O it reuses (a tbl8 group, a next-hop group id):
//   (W1) unlink O: release-store every entry that led to O with a value
//        that does not (under the owner's writer mutex);
//   (W2) t = g_epoch.fetch_add(0, acq_rel)        -- retire_tag(): O's tag
//        (g_epoch is g_reader.epoch, fib/epoch.h)
//   ...  O waits in the owner's limbo list ...
// Grace period (synchronize(), under g_gp_mutex):
//   (W3) n = g_epoch.fetch_add(1, acq_rel) + 1
//   (W4) membarrier(PRIVATE_EXPEDITED) | seq_cst fence (fallback)
//   (W5) scan every slot: v = slot.epoch.load(acquire);
//        safe = min(n, min over v != 0 of v); g_safe = max(g_safe, safe)
//   O is reused only when t < g_safe.
//
// ---- Why no reader can hold O when it is reused ------------------------------
//
// Take O with tag t and a grace period G (W3 writes n, W5 computes safe > t,
// so t < n: the W2 that returned t precedes G's W3 in g_epoch's
// modification order, both being RMWs). Take any reader section S that
// loads an entry leading to O; we show G's scan makes safe <= t, so O is
// not reused on G's word (and no later grace period is different: each
// computes its own safe by the same rule, and g_safe only takes maxima).
//
// (a) W1 happens before G's W4 and W5. W1 is sequenced before W2; W2 is a
//     release RMW and G's W3 is an acquire RMW later in g_epoch's
//     modification order, so W3 reads a value in W2's release sequence
//     (every modification of g_epoch is an RMW): W2 synchronizes with W3.
//     [C++ model alone.]
// (b) If S's R1 read a value v >= t + 1, it read from an RMW after W2 in
//     modification order, hence from W2's release sequence: W2
//     synchronizes with R1 (acquire), so W1 happens before S's loads, which
//     therefore see W1 or a later store and never reach O. [C++ model alone.]
//     So S must have read v <= t in R1 and stored v <= t in R2.
// (c) G's scan reads S's slot. Three cases.
//     - It reads v (S's R2): then safe <= v <= t. Done.
//     - It reads a value stored after R2 — S's R4 (0) or a later section's
//       R2: then S has ended; both are release stores sequenced after S's
//       loads, read by W5 (acquire), so S's loads happen before the reuse.
//       (R2 must be release for this: since C++20 a later relaxed store of
//       the same thread is not in R4's release sequence.)
//     - It reads a value stored before R2 (0 or an older section's v'),
//       or W5 does not read the slot at all because the g_slot_high it
//       loaded was stale (the slot was handed out after it). [This is the
//       case that rests on membarrier or, in the fallback, on the seq_cst
//       fences.]
//       membarrier: membarrier(PRIVATE_EXPEDITED) returns only after every
//       running thread of the process has executed a full memory barrier
//       (or is not running, which implies one at the context switch) at
//       some point B during the call. If R2 preceded B in S's thread, the
//       barrier at B and the writer's own barrier at the syscall's return
//       make R2 visible to W5 (and the slot's registration, sequenced
//       before R2, visible to W5's load of g_slot_high), contradicting this
//       case. So R2, hence R3 and S's loads, follow B; W1 precedes the
//       call, so S's loads see W1 and never reach O.
//       Fallback ((R3) and (W4) seq_cst fences). C++20 [atomics.order]/4.4
//       (as src/detail/reclaim.h uses it): if A is coherence-ordered
//       before B (both on one atomic object), a seq_cst fence X happens
//       before A and B happens before a seq_cst fence Y, then X precedes Y
//       in the single total order T of seq_cst operations. Applied twice:
//       1. W4 precedes R3 in T. Either W5's load of the slot read a value
//          older than R2 (so it is coherence-ordered before R2; W4 is
//          sequenced before it, R2 before R3), or W5 did not load the slot
//          because its load of g_slot_high read a value <= i (stale): the
//          registration of slot i, sequenced before R2, raised g_slot_high
//          past i with its CAS or loaded a value past i that another
//          registration stored, and in both cases W5's load is
//          coherence-ordered before that CAS or load ([atomics.order]/3);
//          W4 is sequenced before W5, the registration before R3. Either
//          way 4.4 gives W4 before R3.
//       2. No load of S (sequenced after R3) reads a value older than W1.
//          If one did, it would be coherence-ordered before W1; R3 happens
//          before it and W1 happens before W4 (by (a) and program order),
//          so 4.4 would put R3 before W4 in T, contradicting 1 (T is a
//          strict total order).
//       So S's loads see W1 or later and never reach O. [C++ model alone.]
//     The old value v' in the last case is never mistaken for safety: if it
//     was an older section's epoch, that section ended before S began and
//     its own loads are covered by the second case.
// Nested sections (R0). Only the thread itself writes its slot, so R0 reads
// its own last store (sequenced before): non-zero exactly when an outer
// section of the thread is open. The inner section's loads are then
// sequenced after the outer's R1-R3 and before its R4, so they are loads
// of the outer section S above, and the argument covers them as it stands.
// The inner section's end stores nothing, so it never ends S early.
//
// So every section that could hold O forces safe <= t in every grace period
// until it ends, and no reader touches O after its reuse. No reader waits:
// R1-R4 are plain loads and stores; a writer never waits for a reader
// either (W5 reads each slot once).
//
// Cost on the read path (x86-64): R0 one load of the thread's own line,
// R1 one load of a line written only by
// grace periods (g_reader: the epoch and the fence mode, nothing else), R2
// one store to the thread's own line, R3 nothing, R4 one store. No locked
// instruction, no fence.
//
// Slots. A slot is taken with a CAS on `used` and given back by the
// owning thread's pthread key destructor (release stores of 0 to epoch,
// then false to used; the thread is outside any section then). A scan may
// read a slot while it changes hands: 0 or a section's epoch, both covered
// above.
#include "fib/epoch.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <mutex>

namespace rtm::fib {
namespace epoch_detail {

ReaderShared g_reader;
constinit thread_local ThreadState t_state RTM_TLS_IE;

namespace {

Slot g_slots[kMaxReaderThreads];
// Lines written by grace periods or registrations, none shared with
// g_reader: one past the highest slot ever handed out (scans stop there),
// the safe epoch, the grace-period count (tests).
alignas(64) std::atomic<unsigned> g_slot_high{0};
alignas(64) std::atomic<std::uint64_t> g_safe{1};
std::atomic<std::uint64_t> g_grace_periods{0};
std::mutex g_gp_mutex;
bool g_membarrier = false;       // the mode prepare() chose
bool g_use_membarrier = false;   // the mode in force (differs only in tests)
pthread_key_t g_slot_key;

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0u, 0); }

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "rtm fib: %s: %s\n", what, std::strerror(err));
  std::abort();
}

// Gives the exiting thread's slot back. A pthread key destructor runs
// after the thread's C++ thread_local destructors, so a section opened by
// one of those is covered; if a later destructor opens a section again,
// register_slot sets the key again and glibc runs this once more
// (PTHREAD_DESTRUCTOR_ITERATIONS).
void release_slot(void* p) {
  Slot* slot = static_cast<Slot*>(p);
  slot->epoch.store(0, std::memory_order_release);
  slot->used.store(false, std::memory_order_release);
  t_state.slot = nullptr;
}

// Decides the fence mode once, before any slot is handed out or any grace
// period runs (both call it first; call_once orders the write of
// g_reader.full_fence before their later reads).
void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const int err = pthread_key_create(&g_slot_key, release_slot); err != 0)
      die("pthread_key_create", err);
#ifndef RTM_FIB_TSAN
    // TSan cannot see the barrier membarrier implies; it gets the fence.
    if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0) g_membarrier = true;
#endif
    g_use_membarrier = g_membarrier;
    g_reader.full_fence = !g_membarrier;
  });
}

}  // namespace

Slot* register_slot() noexcept {
  init_once();
  for (unsigned i = 0; i < kMaxReaderThreads; ++i) {
    bool expected = false;
    if (g_slots[i].used.load(std::memory_order_relaxed) ||
        !g_slots[i].used.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
      continue;
    unsigned high = g_slot_high.load(std::memory_order_relaxed);
    while (high < i + 1 &&
           !g_slot_high.compare_exchange_weak(high, i + 1, std::memory_order_acq_rel)) {
    }
    // The slot is visible to scans before it can hold a section's epoch:
    // a scan that misses the slot is in the third case of (c), same as a
    // scan that reads its old 0.
    if (const int err = pthread_setspecific(g_slot_key, &g_slots[i]); err != 0)
      die("pthread_setspecific", err);
    t_state.slot = &g_slots[i];
    return t_state.slot;
  }
  std::fprintf(stderr, "rtm fib: more than %u reader threads\n", kMaxReaderThreads);
  std::abort();
}

unsigned slots_in_use() noexcept {
  unsigned n = 0;
  for (const Slot& s : g_slots) n += s.used.load(std::memory_order_acquire) ? 1 : 0;
  return n;
}

std::uint64_t grace_periods() noexcept { return g_grace_periods.load(std::memory_order_relaxed); }

void set_fallback_for_testing(bool fallback) noexcept {
  init_once();
  std::lock_guard lock(g_gp_mutex);
  g_use_membarrier = fallback ? false : g_membarrier;
  g_reader.full_fence = !g_use_membarrier;
}

}  // namespace epoch_detail

using namespace epoch_detail;

void prepare() noexcept { init_once(); }

std::uint64_t retire_tag() noexcept {
  // (W2) an RMW, so that it heads a release sequence every later RMW of
  // g_epoch continues ((a) and (b) above).
  return g_reader.epoch.fetch_add(0, std::memory_order_acq_rel);
}

std::uint64_t safe_epoch() noexcept { return g_safe.load(std::memory_order_acquire); }

std::uint64_t synchronize() noexcept {
  init_once();
  std::lock_guard lock(g_gp_mutex);
  g_grace_periods.fetch_add(1, std::memory_order_relaxed);
  // (W3)
  const std::uint64_t n = g_reader.epoch.fetch_add(1, std::memory_order_acq_rel) + 1;
  // (W4)
  if (g_use_membarrier) {
    // Registered in init_once; the kernel documents no failure after that.
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) die("membarrier(PRIVATE_EXPEDITED)", errno);
  } else {
    full_fence();
  }
  // (W5)
  std::uint64_t safe = n;
  const unsigned high = g_slot_high.load(std::memory_order_acquire);
  for (unsigned i = 0; i < high; ++i) {
    const std::uint64_t v = g_slots[i].epoch.load(std::memory_order_acquire);
    if (v != 0) safe = std::min(safe, v);
  }
  std::uint64_t old = g_safe.load(std::memory_order_relaxed);
  while (old < safe && !g_safe.compare_exchange_weak(old, safe, std::memory_order_acq_rel)) {
  }
  return std::max(old, safe);
}

bool uses_membarrier() noexcept {
  init_once();
  return g_use_membarrier;
}

}  // namespace rtm::fib
