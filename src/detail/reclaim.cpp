#include "detail/reclaim.h"

#include <cds/init.h>
#include <cds/threading/model.h>

#include <mutex>

namespace rtm::detail {
namespace {

// Hazard pointers per thread: libcds' split-list lookups use up to 4, the
// API's own paths at most 8 at once; 16 leaves room.
constexpr std::size_t kHazardsPerThread = 16;
constexpr std::size_t kMaxThreads = 256;

std::once_flag g_gc_once;

// Objects retired from inside a disposer, waiting to be handed to libcds.
// Treiber stack with push and pop-all only (no pop of a single node), so it
// has no ABA problem: pop-all exchanges the head with null.
// Orders: push CAS is release (publishes pending_next_), pop-all exchange is
// acquire (pairs with it).
std::atomic<Reclaimable*> g_pending{nullptr};

thread_local bool t_in_disposer = false;

struct ThreadAttachment {
  bool attached = false;
  ~ThreadAttachment() {
    if (attached) {
      // Last chance to hand over what this thread left pending.
      reclaim_pending();
      cds::threading::Manager::detachThread();
    }
  }
};
thread_local ThreadAttachment t_attachment;

void dispose(void* p) {
  bool outer = t_in_disposer;
  t_in_disposer = true;
  static_cast<Reclaimable*>(p)->destroy();
  t_in_disposer = outer;
}

}  // namespace

void ensure_gc() noexcept {
  std::call_once(g_gc_once, [] {
    cds::Initialize();
    // Never destroyed: see reclaim.h.
    new Gc(kHazardsPerThread, kMaxThreads);
  });
}

ThreadScope::ThreadScope() noexcept {
  if (!t_attachment.attached) {
    ensure_gc();
    cds::threading::Manager::attachThread();
    t_attachment.attached = true;
  }
  if (g_pending.load(std::memory_order_relaxed) != nullptr) reclaim_pending();
}

bool in_disposer() noexcept { return t_in_disposer; }

void retire(Reclaimable* p) noexcept {
  if (t_in_disposer) {
    Reclaimable* head = g_pending.load(std::memory_order_relaxed);
    do {
      p->pending_next_ = head;
    } while (!g_pending.compare_exchange_weak(head, p, std::memory_order_release,
                                              std::memory_order_relaxed));
    return;
  }
  Gc::retire(p, &dispose);
}

void reclaim_pending() noexcept {
  if (t_in_disposer) return;
  Reclaimable* p = g_pending.exchange(nullptr, std::memory_order_acquire);
  while (p != nullptr) {
    Reclaimable* next = p->pending_next_;
    Gc::retire(p, &dispose);
    p = next;
  }
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
    if (g_pending.load(std::memory_order_acquire) == nullptr && round >= 3) break;
  }
}

}  // namespace rtm::detail
