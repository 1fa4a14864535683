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
// a slot of a static array, given back when the thread exits). Sections do
// not nest: the index's lookups open none themselves, the caller opens one
// per call or per batch (each instruction here costs lookups in flight,
// hence no nesting count). At most kMaxReaderThreads threads may hold a
// slot at once; one more aborts (a configuration limit, not a runtime
// condition).
//
// Writers (each owner of reclaimable memory — an index, the next-hop group
// table — under its own writer mutex):
//
//   1. unlink the object (no index entry leads to it any more);
//   2. tag = retire_tag();           keep (object, tag) in a limbo list;
//   3. later: if (tag < safe_epoch()) reuse it; else, when the limbo list
//      is long enough, synchronize() (one grace period: a membarrier and a
//      scan of the slots, never a wait for a reader) and retry.
//
// The memory-ordering argument is at the top of fib/epoch.cpp.
#pragma once

#include <atomic>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
#define RTM_FIB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTM_FIB_TSAN 1
#endif
#endif

namespace rtm::fib {

inline constexpr unsigned kMaxReaderThreads = 1024;

namespace epoch_detail {

struct alignas(64) Slot {
  // 0: idle; otherwise the global epoch the current section began in.
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> used{false};
};

// The global epoch (starts at 1; 0 is "idle" in a slot).
extern std::atomic<std::uint64_t> g_epoch;
// True when readers must use a seq_cst fence (membarrier unavailable, or
// a TSan build); written once before the first slot is handed out.
extern bool g_reader_full_fence;

// The calling thread's slot. initial-exec: a direct %fs-relative access,
// no __tls_get_addr call on the read path.
struct ThreadState {
  Slot* slot = nullptr;
};
extern constinit thread_local ThreadState t_state __attribute__((tls_model("initial-exec")));

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

// A read section (RAII). Entering: (R1)-(R3) of fib/epoch.cpp; leaving: (R4).
class ReadSection {
 public:
  ReadSection() noexcept {
    epoch_detail::Slot* s = epoch_detail::t_state.slot;
    if (s == nullptr) [[unlikely]]
      s = epoch_detail::register_slot();
    slot_ = s;
    // (R1) acquire: pairs with the release RMWs (W2), (W3) on g_epoch.
    const std::uint64_t e = epoch_detail::g_epoch.load(std::memory_order_acquire);
    // (R2) publish the section (release: a plain store on x86).
    s->epoch.store(e, std::memory_order_release);
    // (R3) StoreLoad between (R2) and the section's loads: a compiler
    // barrier here, the writer's membarrier (W4) supplies the hardware
    // fence; a seq_cst fence when membarrier is unavailable or under TSan.
#ifdef RTM_FIB_TSAN
    epoch_detail::full_fence();
#else
    if (epoch_detail::g_reader_full_fence)
      epoch_detail::full_fence();
    else
      std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
  }
  ~ReadSection() {
    // (R4) release: the section's loads happen before a scan (W5) that reads 0.
    slot_->epoch.store(0, std::memory_order_release);
  }
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

}  // namespace rtm::fib
