// detail/reclaim.h — the reclamation seam: the one place that knows cds::gc::HP.
//
// How to use it:
//
//   ThreadScope scope;                 // at every API entry: attaches the thread
//   Guard g;                           // a hazard pointer
//   T* p = g.protect(some_atomic_ptr); // p stays allocated while g holds it
//   ...
//   retire(obj);                       // after unlinking obj: freed by obj->destroy()
//                                      // once no hazard pointer holds it
//
// Guarantees
// - A pointer returned by Guard::protect() is not freed while the guard
//   holds it, provided the object is retired only after it was unlinked from
//   the atomic it was protected through (the usual hazard-pointer contract).
// - retire() may be called from anywhere, including from inside a disposer
//   (Reclaimable::destroy() running inside a hazard-pointer scan). libcds
//   does not allow retiring from inside its scan (the retired array being
//   compacted would lose or corrupt entries), so inside a disposer retire()
//   pushes the object on a lock-free pending stack instead; the next API
//   entry (ThreadScope) or reclaim_pending() hands those to libcds.
// - Threads attach on their first ThreadScope and detach when they exit
//   (a thread_local destructor); a client thread never calls libcds.
// - The HP singleton is created on first use and never destroyed: threads of
//   the client may still be running (and detaching) while static destructors
//   run, and a GC destroyed under them would crash. Retired objects still in
//   a retired array at process exit are reachable from libcds' globals.
//
// Costs: protect() is a store, one seq_cst fence (one locked instruction on
// x86: GCC 12 emits `lock orq $0,(%rsp)`) and a reload; retire() is a fence and an array push,
// and every `retired capacity` retires one scan of all hazards.
//
// ---- The publication protocol ------------------------------------------------
//
// A hazard pointer keeps p alive only if the scan that could free p sees the
// hazard, or else the reader sees that p was unlinked and lets go of it. Each
// side stores, then loads what the other side stores (store buffering):
//
//   reader: publish_hazard (Guard)      reclaimer: unlink, then retire()
//   (P1) hazard slot = p                (R1) unlink p: src = q (a map cell,
//                                            a route set...), or a handle
//                                            slot's value = 0 (HandleTable::free)
//   (P2) seq_cst fence (publish_fence)  (R2) seq_cst fence (retire_fence)
//   (P3) reload src; p if unchanged     (R3) libcds' scan loads every hazard
//                                            slot (relaxed, in inplace_scan)
//
// Why both fences are needed and enough. Suppose the bad outcome: (P3)
// still reads the value before (R1) and (R3) reads the slot's value before
// (P1). Then (P3) is coherence-ordered before (R1), (P2) happens before (P3)
// and (R1) before (R2), so by C++20 [atomics.order]/4.4 (P2) precedes (R2)
// in the single total order S of seq_cst operations. Symmetrically (R3) is
// coherence-ordered before (P1), (R2) happens before (R3) and (P1) before
// (P2), so (R2) precedes (P2) in S. S is a strict total order: contradiction.
// So either the reload sees the unlink (the reader retries or fails) or the
// scan sees the hazard (or a later value of the slot, which only the reader
// writes once it is done with p). With release/acquire alone the outcome is
// allowed, and x86 produces it: tests/litmus_test.cpp.
//
// Where (R2) runs: retire() runs it before handing an object to libcds, and
// reclaim_pending() before handing over the pending stack (whose objects
// were unlinked before they were pushed). Every scan that can free an rtm
// object runs after that fence: in the retiring thread (inside Gc::retire
// when its array fills, in a later retire of a libcds node, Gc::scan,
// detach), or in another thread's help_scan, which takes a detached thread's
// retired array with an acquire CAS pairing with the detach's release store,
// so the fence still happens before its loads ([atomics.order]/4.4 needs
// only "happens before").
//
// What still rests on x86: libcds' own protects, inside its containers (the
// hash map's guards on its nodes: ObjectMap::find, insert, remove),
// and the start of its scan, order store and load only by
// thread_data::sync(), an acq_rel fetch_add on a word of the calling thread.
// In the C++ model that RMW synchronises with no other thread and orders
// nothing across them; on x86 it is a locked instruction and so a full
// barrier. rtm's protects above do not use it. Also libcds' reuse of a
// detached thread record (alloc_thread_data, a relaxed CAS) hands its
// retired entries to the new owner without a happens-before.
//
// Cost, and the way out: each protect is one fence; a Get (say
// RtmGetExactMatchDestination) runs five protects today, rtm's and
// libcds', five locked/fence instructions, which a later issue must cut.
// The known alternative (a note, not code) is an asymmetric fence: a
// compiler-only barrier at (P2) and membarrier(MEMBARRIER_CMD_PRIVATE_-
// EXPEDITED) at (R2), which makes every running thread of the process
// execute a full barrier, giving (P2)'s order to every reader. To be cheap
// it must run once per scan, not per retire, i.e. just before libcds' scan
// (which rtm does not control: Gc::retire scans when the array fills); it
// also needs MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED at start-up and a
// fallback where the kernel lacks it, and libcds' own protects would keep
// their locked fetch_add anyway. Not measured here.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>

#include <cds/gc/hp.h>

#include "detail/tls.h"

namespace rtm::detail {

using Gc = cds::gc::HP;

// Base of everything freed through hazard pointers.
class Reclaimable {
 public:
  virtual ~Reclaimable() = default;
  // Frees the object: drops what it holds, then deletes itself. Called
  // exactly once, when no hazard pointer holds it (possibly inside a scan).
  virtual void destroy() noexcept = 0;
  // True if destroy() uses libcds containers (which retire their own nodes
  // and so must not run inside a scan): such objects are finalized by the
  // next API call instead of inside the disposer.
  virtual bool destroy_needs_api_context() const noexcept { return false; }

 private:
  friend void dispose_trampoline(void*) noexcept;
  friend void retire(Reclaimable*) noexcept;
  friend void reclaim_pending() noexcept;
  friend void reclaim_now(Reclaimable*) noexcept;
  Reclaimable* pending_next_ = nullptr;
};

// Creates the HP singleton if needed (thread-safe).
void ensure_gc() noexcept;

// Attaches the calling thread to the GC (idempotent, cheap after the first
// call) and hands pending retirements to libcds. The outermost scope of a
// thread runs, when it ends, the call-outs deferred by the API call
// (detail/deferred.h): declared first in an API function, it ends after
// every Guard of the call.
class ThreadScope {
 public:
  ThreadScope() noexcept;
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;
};

// ThreadSanitizer cannot see the synchronisation inside libcds.so (it is not
// built with TSan): a hazard pointer cleared by one thread and found clear by
// another thread's scan, which then frees the object, is an acquire/release
// pair TSan never observes. The seam states that pair to TSan explicitly:
// a guard releasing an object, and retire(), annotate a release on the
// object's address; the disposer annotates the matching acquire before
// destroy(). This describes exactly the happens-before the HP algorithm
// provides; it suppresses nothing. Compiled out without TSan.
#if defined(__SANITIZE_THREAD__)
#define RTM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTM_TSAN 1
#endif
#endif
#ifdef RTM_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline void hp_annotate_release(const void* p) noexcept { __tsan_release(const_cast<void*>(p)); }
inline void hp_annotate_acquire(const void* p) noexcept { __tsan_acquire(const_cast<void*>(p)); }
#else
inline void hp_annotate_release(const void*) noexcept {}
inline void hp_annotate_acquire(const void*) noexcept {}
#endif

// GCC warns that TSan does not model fences: it needs no model of these,
// the happens-before they give is stated to it by hp_annotate_* above.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
// (P2): after a hazard is stored, before the source is re-read.
inline void publish_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
// (R2): after an object is unlinked, before any scan that may free it.
inline void retire_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

// (P1)-(P3): publishes src's value through publish(p) (the store into a
// hazard slot) and returns it once a reload after the fence still sees it.
// The acquire reload pairs with the release store that published the
// object, so its contents are visible. Guard::protect runs this;
// tests/litmus_test.cpp runs it against a plain slot.
template <typename T, typename Publish>
T* publish_hazard(const std::atomic<T*>& src, Publish&& publish) noexcept {
  T* p = src.load(std::memory_order_relaxed);
  for (;;) {
    publish(p);                                    // (P1)
    publish_fence();                               // (P2)
    T* now = src.load(std::memory_order_acquire);  // (P3)
    if (now == p) return p;
    p = now;
  }
}

// The calling thread's libcds record (its hazard slots), cached when the
// thread attaches (ThreadScope) and cleared when it detaches. libcds' own
// Gc::Guard finds it through hp::smr::tls(), an exported function of
// libcds.so reading a global-dynamic thread_local (a call and a
// __tls_get_addr each), once when a guard is made and once when it is
// dropped: a quarter of the instructions of a Get + Release. This one is an
// initial-exec TLS word of librtm (detail/tls.h). Only the owning thread
// reads or writes it.
extern __thread cds::gc::hp::thread_data* t_hp_record RTM_TLS_IE;

// One hazard pointer. It stores into its libcds hazard slot directly (a
// release store, hp::guard::set) and orders that store itself (P2), instead
// of Gc::Guard::protect/assign, whose only order is libcds' sync() (above).
// It takes its slot from the calling thread's record like Gc::Guard does
// (hazards_.alloc/free, inline in cds/gc/hp.h), so libcds' scans see it the
// same way; the thread must be attached (every API entry opens a
// ThreadScope before any guard).
class Guard {
 public:
  Guard() noexcept : slot_(attached_record()->hazards_.alloc()) {}
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    annotate_drop();
    t_hp_record->hazards_.free(slot_);  // clears the slot (a release store) and frees it
  }

  // Loads `src`, publishes it as hazardous, and reloads until stable.
  template <typename T>
  T* protect(const std::atomic<T*>& src) noexcept {
    annotate_drop();
    cds::gc::hp::guard* slot = slot_;
    T* p = publish_hazard(src, [slot](T* v) { slot->set(v); });
    held_ = p;
    return p;
  }
  // Publishes p without validation: only for a p that is already kept alive
  // by something else for the duration of the publication. (P1) and (P2),
  // as in protect, so the hazard is ordered before whatever later lets the
  // other keeper go.
  template <typename T>
  T* assign(T* p) noexcept {
    annotate_drop();
    held_ = p;
    slot_->set(p);           // (P1)
    publish_fence();         // (P2)
    return p;
  }
  void clear() noexcept {
    annotate_drop();
    slot_->clear();
  }

 private:
  static cds::gc::hp::thread_data* attached_record() noexcept {
    assert(t_hp_record != nullptr && "a Guard on a thread with no ThreadScope");
    return t_hp_record;
  }
  void annotate_drop() noexcept {
    if (held_ != nullptr) hp_annotate_release(held_);
    held_ = nullptr;
  }
  cds::gc::hp::guard* const slot_;
  const void* held_ = nullptr;
};

// Retires p: p->destroy() runs once no hazard pointer holds p.
void retire(Reclaimable* p) noexcept;

// While one is open on a thread, retire() on that thread (outside a
// disposer) frees the object at once, and with it whatever its
// destruction retires, unless one of the thread's own guards holds it
// (that one waits for the guard, or goes the usual way if the guard
// outlives the scope). Objects that reclaim_pending finalizes (any
// instance's: those needing API context) and whatever they retire go the
// usual way even inside a scope. For a teardown only: sound while no other
// thread holds, or can come to hold, a hazard pointer on anything else the
// thread retires in the scope. ~Instance opens one for the route deletes
// of its instance, and only once no registration of it is left anywhere
// (a registration finalized late, on any thread, walks the destinations
// under hazard pointers): api/instance.cpp.
class ReclaimNowScope {
 public:
  ReclaimNowScope() noexcept;
  ~ReclaimNowScope();
  ReclaimNowScope(const ReclaimNowScope&) = delete;
  ReclaimNowScope& operator=(const ReclaimNowScope&) = delete;
};

// True while the calling thread runs a disposer.
bool in_disposer() noexcept;

// Hands the pending stack to libcds and finalizes deferred objects (no-op
// inside a disposer).
void reclaim_pending() noexcept;

// Scans until nothing more can be freed by this thread (pending stack,
// own retired array, retired arrays of exited threads).
void reclaim_all_now() noexcept;

// Objects retired (retire()) and not yet freed, process-wide: waiting for
// a hazard-pointer scan, in a retired array, or for a guard. For stats.
std::int64_t retired_not_freed() noexcept;

}  // namespace rtm::detail
