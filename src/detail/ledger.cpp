// detail/ledger.cpp — per-thread reference ledgers (detail/ledger.h).
#include "detail/ledger.h"

#include <algorithm>
#include <bit>
#include <new>
#include <thread>

#include "core/object.h"
#include "detail/fault.h"
#include "detail/tiny_mutex.h"

namespace rtm::detail {

namespace {
std::atomic<Ledger*> g_ledgers{nullptr};
// Held while a ledger is pushed and for the whole of a LockAll, so no
// ledger appears while a LockAll holds every lock (a ledger pushed under
// one would let a Get change the state it is validating). Rarely taken:
// its waiters sleep.
TinyMutex g_registry_gate;
}  // namespace

__thread Ledger* t_ledger RTM_TLS_IE = nullptr;

Ledger* ledger_head() noexcept { return g_ledgers.load(std::memory_order_seq_cst); }

void Ledger::lock_slow() noexcept {
  for (unsigned spins = 0;; ++spins) {
    if (lock_.load(std::memory_order_relaxed) == 0 &&
        lock_.exchange(1, std::memory_order_acquire) == 0)
      return;
    if (spins < 64)
      __builtin_ia32_pause();
    else
      std::this_thread::yield();  // the holder may be preempted (more threads than cores)
  }
}

// Keeps zero entries (the next Get of their handle reuses its slot) while
// the table is smaller than kKeepZeros slots: a thread's hot set then
// settles in a table that never rebuilds. Past that, a rebuild drops them.
constexpr std::size_t kKeepZeros = 256;

bool Ledger::rebuild(std::size_t cap, bool keep_zeros) noexcept {
  auto* fresh = static_cast<LedgerEntry*>(nothrow_alloc(cap * sizeof(LedgerEntry)));
  if (fresh == nullptr) return false;
  for (std::size_t i = 0; i < cap; ++i) fresh[i] = LedgerEntry{0, 0, nullptr, 0, nullptr};
  LedgerEntry* old = slots_;
  const std::size_t old_cap = cap_;
  slots_ = fresh;
  cap_ = cap;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(cap));
  used_ = 0;
  for (std::size_t i = 0; i < old_cap; ++i) {
    const LedgerEntry& s = old[i];
    if (s.handle == 0) continue;
    if (s.count == 0 && !keep_zeros) {
      if (s.spare != nullptr) give_spare(s.spare);
      continue;
    }
    std::size_t j = home(s.handle);
    while (slots_[j].handle != 0) j = (j + 1) & (cap_ - 1);
    slots_[j] = s;
    ++used_;
  }
  ::operator delete(old);
  return true;
}

Hold* Ledger::take_spare() noexcept {
  Hold* h = spares_;
  if (h != nullptr) {
    spares_ = h->next;
    h->next = nullptr;
    --nspares_;
  }
  return h;
}

void Ledger::give_spare(Hold* h) noexcept {
  h->next = spares_;
  spares_ = h;
  ++nspares_;
}

void Ledger::reserve(std::size_t n) noexcept {
  // Spares beyond what the table could take (dropped entries give theirs
  // back) go here, outside the lock, never below this section's n.
  while (nspares_ > std::max(cap_, n)) delete take_spare();
  while (nspares_ < n) {
    Hold* h = nothrow_new<Hold>(0);
    if (h == nullptr) return;
    give_spare(h);
  }
}

LedgerEntry* Ledger::find_or_add(std::uint64_t h, std::uint64_t e, void* holder) noexcept {
  if (LedgerEntry* s = find(h, e)) {
    // A zero entry may have outlived its holder and, after 2^20 reuses of
    // both handle slots, match a new pair: the holder is the caller's, and
    // its spare may have gone into the old object at its fold.
    if (s->spare == nullptr && (s->spare = take_spare()) == nullptr) return nullptr;
    s->holder = holder;
    return s;
  }
  // At most 3/4 full (counting zero entries), so probes stay short and
  // every probe sequence ends at an empty slot.
  if (4 * (used_ + 1) > 3 * cap_) {
    bool ok;
    if (cap_ < kKeepZeros) {
      ok = rebuild(std::max<std::size_t>(16, 2 * cap_), true);
    } else {
      std::size_t live = 0;
      for (std::size_t i = 0; i < cap_; ++i) live += slots_[i].handle != 0 && slots_[i].count != 0;
      // Room for twice the live entries (and the one being added), and no
      // smaller than the tables that keep zero entries: shrinking to 16
      // would regrow through every size up to it again.
      ok = rebuild(std::bit_ceil(std::max(kKeepZeros, 2 * (live + 1))), false);
    }
    if (!ok) return nullptr;
  }
  Hold* spare = take_spare();  // after the rebuild: it may give spares back
  if (spare == nullptr) return nullptr;
  std::size_t i = home(h);
  while (slots_[i].handle != 0) i = (i + 1) & (cap_ - 1);
  slots_[i] = LedgerEntry{h, e, holder, 0, spare};
  ++used_;
  return &slots_[i];
}

// Binding. A ledger whose thread exited (owned_ false) is adopted by CAS;
// the acquire pairs with unbind_ledger's release, so the adopter sees the
// table as its last owner left it (the lock orders everything else).
Ledger* bind_ledger() noexcept {
  for (Ledger* l = g_ledgers.load(std::memory_order_acquire); l != nullptr; l = l->next_) {
    bool expected = false;
    if (!l->owned_.load(std::memory_order_relaxed) &&
        l->owned_.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      t_ledger = l;
      return l;
    }
  }
  Ledger* l = nothrow_new<Ledger>();
  if (l == nullptr) return nullptr;
  g_registry_gate.lock();
  l->next_ = g_ledgers.load(std::memory_order_relaxed);
  l->index_ = l->next_ != nullptr ? l->next_->index_ + 1 : 0;
  // seq_cst: core/ledger_refs.cpp — a Get through this ledger reads the
  // object's mode after this push; a fold reads the head after storing it.
  g_ledgers.exchange(l, std::memory_order_seq_cst);
  g_registry_gate.unlock();
  t_ledger = l;
  return l;
}

void unbind_ledger() noexcept {
  if (Ledger* l = t_ledger) {
    t_ledger = nullptr;
    l->owned_.store(false, std::memory_order_release);
  }
}

LockAll::LockAll() noexcept {
  g_registry_gate.lock();  // no ledger is pushed until the destructor
  head_ = ledger_head();
  for (Ledger* l = head_; l != nullptr; l = l->next()) l->lock();
}

LockAll::~LockAll() {
  for (Ledger* l = head_; l != nullptr; l = l->next()) l->unlock();
  g_registry_gate.unlock();
}

}  // namespace rtm::detail
