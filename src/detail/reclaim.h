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
// Costs: protect() is a store, a full fence and a reload; retire() is an
// array push, and every `retired capacity` retires one scan of all hazards.
#pragma once

#include <atomic>
#include <cstddef>

#include <cds/gc/hp.h>

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

// One hazard pointer.
class Guard {
 public:
  Guard() = default;
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() { annotate_drop(); }

  // Loads `src`, publishes it as hazardous, and reloads until stable.
  template <typename T>
  T* protect(const std::atomic<T*>& src) noexcept {
    annotate_drop();
    T* p = g_.protect(src);
    held_ = p;
    return p;
  }
  // Publishes p without validation: only for a p that is already kept alive
  // by something else for the duration of the publication.
  template <typename T>
  T* assign(T* p) noexcept {
    annotate_drop();
    held_ = p;
    return g_.assign(p);
  }
  void clear() noexcept {
    annotate_drop();
    g_.clear();
  }

 private:
  void annotate_drop() noexcept {
    if (held_ != nullptr) hp_annotate_release(held_);
    held_ = nullptr;
  }
  Gc::Guard g_;
  const void* held_ = nullptr;
};

// Retires p: p->destroy() runs once no hazard pointer holds p.
void retire(Reclaimable* p) noexcept;

// True while the calling thread runs a disposer.
bool in_disposer() noexcept;

// Hands the pending stack to libcds and finalizes deferred objects (no-op
// inside a disposer).
void reclaim_pending() noexcept;

// Scans until nothing more can be freed by this thread (pending stack,
// own retired array, retired arrays of exited threads).
void reclaim_all_now() noexcept;

}  // namespace rtm::detail
