#include "detail/reclaim.h"

#include "detail/sharded_counter.h"

#include "detail/deferred.h"
#include "detail/ledger.h"

#include <cds/init.h>
#include <cds/threading/model.h>

#include <mutex>
#include <new>

namespace rtm::detail {
namespace {

// Hazard pointers per thread: libcds' hash-map get, emplace and erase use
// up to 3 (a bucket list's clear 4, at teardown only), the API's own paths
// at most 9 at once (the deepest: update_and_unlock_route -> add_route ->
// the forwarding index's cover walk, core/forwarding.cpp), 12 with a
// lookup; 16 leaves room.
constexpr std::size_t kHazardsPerThread = 16;
constexpr std::size_t kMaxThreads = 256;

std::once_flag g_gc_once;
// The HP object lives in static storage and is never destroyed (see reclaim.h).
alignas(Gc) unsigned char g_gc_storage[sizeof(Gc)];

// Objects retired from inside a disposer, waiting to be handed to libcds.
// Treiber stack with push and pop-all only (no pop of a single node), so it
// has no ABA problem: pop-all exchanges the head with null.
// Orders: push CAS is release (publishes pending_next_), pop-all exchange is
// acquire (pairs with it).
std::atomic<Reclaimable*> g_pending{nullptr};
// Objects whose disposal must run in API context (see
// Reclaimable::destroy_needs_api_context): already unreachable and free of
// hazards, waiting for destroy(). Same push / pop-all discipline.
std::atomic<Reclaimable*> g_finalize{nullptr};

void push(std::atomic<Reclaimable*>& stack, Reclaimable* p, Reclaimable** link) noexcept {
  Reclaimable* head = stack.load(std::memory_order_relaxed);
  do {
    *link = head;
  } while (!stack.compare_exchange_weak(head, p, std::memory_order_release,
                                        std::memory_order_relaxed));
}

thread_local bool t_in_disposer RTM_TLS_IE = false;

// Reclaiming at once (ReclaimNowScope, reclaim.h): how many scopes are open
// on this thread; whether its drain loop is running; and the objects
// retired by the destroy() calls of that loop, waiting for it (a plain
// thread-local stack: only this thread pushes and pops).
thread_local unsigned t_now_depth RTM_TLS_IE = 0;
thread_local bool t_in_now RTM_TLS_IE = false;
thread_local Reclaimable* t_now_head RTM_TLS_IE = nullptr;

// Per-thread attachment to the HP GC. The flags are trivially destructible
// thread_locals, so they stay readable after the thread's thread_local
// destructors have run: that is when static destructors run on the main
// thread, and an rtm::Instance with static storage duration is destroyed
// there. Such a late call attaches again and is not detached (the process
// is exiting; libcds frees its thread records with the GC).
thread_local bool t_attached RTM_TLS_IE = false;
thread_local bool t_detacher_gone RTM_TLS_IE = false;

struct ThreadDetacher {
  ~ThreadDetacher() {
    if (t_attached) {
      // Last chance to hand over what this thread left pending.
      reclaim_pending();
      // libcds hands a detached thread record (its hazard slots) to the next
      // thread that attaches, through a CAS inside uninstrumented libcds.so:
      // state that happens-before to TSan (pairs with the acquire in
      // ThreadScope), so the next owner's use of the slots is not reported.
      hp_annotate_release(cds::gc::hp::smr::tls());
      cds::threading::Manager::detachThread();
      t_hp_record = nullptr;
      t_attached = false;
    }
    unbind_ledger();  // its entries stay, for a later thread (detail/ledger.h)
    t_detacher_gone = true;
  }
};
thread_local ThreadDetacher t_detacher RTM_TLS_IE;

// ThreadScopes open on this thread (nested API calls, internal scopes).
thread_local unsigned t_scope_depth RTM_TLS_IE = 0;

}  // namespace

__thread cds::gc::hp::thread_data* t_hp_record RTM_TLS_IE = nullptr;

// Retired (retire()'s entry) and freed (destroy_retired) objects: their
// difference is retired_not_freed().
ShardedCounters<2> g_retire_counts;

namespace {
void destroy_retired(Reclaimable* r) noexcept {
  r->destroy();
  g_retire_counts.add(1, 1);
}
}  // namespace

std::int64_t retired_not_freed() noexcept {
  // Frees summed first: an object freed after that sum was retired before
  // its free, so it is counted in neither or only as retired; the result
  // is never negative (but for relaxed sums racing adders).
  const std::int64_t freed = g_retire_counts.sum(1);
  return g_retire_counts.sum(0) - freed;
}

void dispose_trampoline(void* p) noexcept {
  hp_annotate_acquire(p);  // pairs with the releases in Guard and retire()
  auto* r = static_cast<Reclaimable*>(p);
  if (r->destroy_needs_api_context()) {
    push(g_finalize, r, &r->pending_next_);
    return;
  }
  bool outer = t_in_disposer;
  t_in_disposer = true;
  destroy_retired(r);
  t_in_disposer = outer;
}

namespace {
void dispose(void* p) { dispose_trampoline(p); }
}  // namespace

void ensure_gc() noexcept {
  std::call_once(g_gc_once, [] {
    cds::Initialize();
    // Never destroyed: see reclaim.h.
    new (g_gc_storage) Gc(kHazardsPerThread, kMaxThreads);
  });
}

ThreadScope::ThreadScope() noexcept {
  ++t_scope_depth;
  // Past this thread's thread_local destructors (an API call from a
  // pthread key destructor), libcds' own key destructor may detach the
  // thread behind rtm's back in a later destructor round, releasing the
  // record t_hp_record caches (other threads' scans then skip its hazards
  // and a new thread may be given it). On that path only, ask libcds.
  if (t_detacher_gone && t_attached && !cds::threading::Manager::isThreadAttached()) [[unlikely]]
    t_attached = false;
  if (!t_attached) {
    ensure_gc();
    cds::threading::Manager::attachThread();
    // (R2) for retired entries this thread may inherit: libcds hands a
    // detached thread's record (and its retired array) to the next thread
    // that attaches through a relaxed CAS, so the old owner's (R2) does not
    // happen-before this thread's scans. This fence follows the CAS that
    // read the old owner's release of the record, so by [atomics.order]/4.4
    // the old owner's (R2) precedes it in S, and scans here come after it.
    retire_fence();
    t_hp_record = cds::gc::hp::smr::tls();
    hp_annotate_acquire(t_hp_record);  // see ~ThreadDetacher
    t_attached = true;
    // Construct the detacher (first use), unless this thread is past its
    // thread_local destructors.
    if (!t_detacher_gone) static_cast<void>(&t_detacher);
  }
  if (g_pending.load(std::memory_order_relaxed) != nullptr ||
      g_finalize.load(std::memory_order_relaxed) != nullptr)
    reclaim_pending();
}

ThreadScope::~ThreadScope() {
  if (--t_scope_depth == 0) run_deferred();
}

bool in_disposer() noexcept { return t_in_disposer; }

namespace {

// Whether one of this thread's own hazard slots holds p. The only hazards
// a ReclaimNowScope must respect (see reclaim.h): the caller's guards.
bool held_by_own_hazard(const void* p) noexcept {
  const auto& hz = t_hp_record->hazards_;
  for (const cds::gc::hp::guard* g = hz.begin(); g != hz.end(); ++g)
    if (g->get() == p) return true;
  return false;
}

}  // namespace

// Objects a ReclaimNowScope found held by one of the thread's own guards:
// looked at again on each later reclaim_now (the guard is usually gone by
// the next retire) and when the outermost scope closes. At most
// kNowHeldMax; beyond that, the usual way.
constexpr int kNowHeldMax = 32;
thread_local Reclaimable* t_now_held[kNowHeldMax] RTM_TLS_IE = {};
thread_local int t_now_held_n RTM_TLS_IE = 0;

// Frees p (null: only the held ones now free) and whatever its
// destruction retires, at once (ReclaimNowScope). Outside any disposer:
// destroy() may use libcds containers (so objects that need API context
// need no detour), and a libcds scan that one of them runs calls its
// disposers as usual (t_in_disposer), whose retires go to g_pending, not
// here.
void reclaim_now(Reclaimable* p) noexcept {
  assert(!t_in_now);
  t_in_now = true;
  t_now_head = nullptr;
  // The held objects no guard holds any more go onto the drain stack.
  int kept = 0;
  for (int i = 0; i < t_now_held_n; ++i) {
    Reclaimable* r = t_now_held[i];
    if (held_by_own_hazard(r)) {
      t_now_held[kept++] = r;
    } else {
      r->pending_next_ = t_now_head;
      t_now_head = r;
    }
  }
  t_now_held_n = kept;
  if (p != nullptr) {
    p->pending_next_ = t_now_head;
    t_now_head = p;
  }
  while (Reclaimable* r = t_now_head) {
    t_now_head = r->pending_next_;
    if (held_by_own_hazard(r)) {
      if (t_now_held_n < kNowHeldMax) {
        t_now_held[t_now_held_n++] = r;
      } else {  // the usual way
        retire_fence();  // (R2)
        Gc::retire(r, &dispose);
      }
      continue;
    }
    hp_annotate_acquire(r);
    destroy_retired(r);
  }
  t_in_now = false;
}

ReclaimNowScope::ReclaimNowScope() noexcept { ++t_now_depth; }

ReclaimNowScope::~ReclaimNowScope() {
  if (t_now_depth > 1) {
    --t_now_depth;
    return;
  }
  // The depth stays 1 while the held ones drain: a destroy that opened and
  // closed a scope of its own must not start a drain inside this one.
  assert(!t_in_now);
  reclaim_now(nullptr);
  t_now_depth = 0;
  // Still held by a guard of the caller (one that outlives the scope): the
  // usual way.
  if (t_now_held_n != 0) retire_fence();  // (R2)
  for (int i = 0; i < t_now_held_n; ++i) Gc::retire(t_now_held[i], &dispose);
  t_now_held_n = 0;
}

void retire(Reclaimable* p) noexcept {
  g_retire_counts.add(0, 1);
  hp_annotate_release(p);
  if (t_in_disposer) {
    push(g_pending, p, &p->pending_next_);
    return;
  }
  if (t_in_now) {  // retired by a destroy() of reclaim_now's loop
    p->pending_next_ = t_now_head;
    t_now_head = p;
    return;
  }
  if (t_now_depth != 0) {
    reclaim_now(p);
    return;
  }
  // (R2) of the publication protocol (reclaim.h): the caller unlinked p
  // (R1) before this call; any scan that can free p runs after this fence.
  retire_fence();
  Gc::retire(p, &dispose);
}

void reclaim_pending() noexcept {
  if (t_in_disposer) return;
  // acquire: pairs with the release push, making the objects' state visible.
  Reclaimable* p = g_pending.exchange(nullptr, std::memory_order_acquire);
  // (R2) for the whole stack: each object was unlinked (R1) before its push,
  // which happens before this (release push, acquire exchange).
  if (p != nullptr) retire_fence();
  while (p != nullptr) {
    Reclaimable* next = p->pending_next_;
    Gc::retire(p, &dispose);
    p = next;
  }
  p = g_finalize.exchange(nullptr, std::memory_order_acquire);
  if (p == nullptr) return;
  // These may be of any instance, and other threads may hold hazard
  // pointers on what their destruction retires: that goes the usual way,
  // even inside a ReclaimNowScope.
  const unsigned depth = t_now_depth;
  const bool in_now = t_in_now;
  t_now_depth = 0;
  t_in_now = false;
  while (p != nullptr) {
    Reclaimable* next = p->pending_next_;
    destroy_retired(p);
    p = next;
  }
  t_now_depth = depth;
  t_in_now = in_now;
}

void reclaim_all_now() noexcept {
  ThreadScope scope;
  // Each round may free objects whose destruction retires more (a route
  // set's disposal drops the last reference of a route, ...): a few rounds
  // settle any chain the object graph can form.
  for (int round = 0; round < 16; ++round) {
    reclaim_pending();
    Gc::scan();
    cds::gc::hp::smr::instance().help_scan(cds::gc::hp::smr::tls());
    if (g_pending.load(std::memory_order_acquire) == nullptr &&
        g_finalize.load(std::memory_order_acquire) == nullptr && round >= 3)
      break;
  }
}

}  // namespace rtm::detail
