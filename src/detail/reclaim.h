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

 private:
  friend void retire(Reclaimable*) noexcept;
  friend void reclaim_pending() noexcept;
  Reclaimable* pending_next_ = nullptr;
};

// Creates the HP singleton if needed (thread-safe).
void ensure_gc() noexcept;

// Attaches the calling thread to the GC (idempotent, cheap after the first
// call) and hands pending retirements to libcds.
class ThreadScope {
 public:
  ThreadScope() noexcept;
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;
};

// One hazard pointer.
class Guard {
 public:
  Guard() = default;
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Loads `src`, publishes it as hazardous, and reloads until stable.
  template <typename T>
  T* protect(const std::atomic<T*>& src) noexcept {
    return g_.protect(src);
  }
  // Publishes p without validation: only for a p that is already kept alive
  // by something else for the duration of the publication.
  template <typename T>
  T* assign(T* p) noexcept {
    return g_.assign(p);
  }
  void clear() noexcept { g_.clear(); }

 private:
  Gc::Guard g_;
};

// Retires p: p->destroy() runs once no hazard pointer holds p.
void retire(Reclaimable* p) noexcept;

// True while the calling thread runs a disposer.
bool in_disposer() noexcept;

// Hands the pending stack to libcds (no-op inside a disposer).
void reclaim_pending() noexcept;

// Scans until nothing more can be freed by this thread (pending stack,
// own retired array, retired arrays of exited threads).
void reclaim_all_now() noexcept;

}  // namespace rtm::detail
