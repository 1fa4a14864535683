// detail/ledger.h — per-thread reference ledgers: where the references the
// library hands out on live objects are counted, so a Get and a Release
// write only memory of the calling thread (docs/design.md, "Reference
// counts"; the protocol that uses them is in core/ledger_refs.cpp, releases in
// core/refs.cpp).
//
// A ledger is a small open-addressing table of entries
//   (object handle, entity handle) -> count
// behind a test-and-set lock. Its owner thread takes the lock for every
// operation (one uncontended locked instruction, on a line no other core
// writes in the common case); remote visitors — a fold moving an object's
// entries into the object when it leaves the table, a deregistration
// sweeping an entity's entries, a release of a reference got on another
// thread, a refusal's validated snapshot — take it briefly. Everything in
// the table is plain memory read and written under the lock.
//
// Ledgers belong to a process-wide registry, not to threads: a thread binds
// one on first use (adopting one a finished thread left, or a new one) and
// unbinds it at exit; the entries stay, because the references they count
// are the entities', not the thread's. Ledgers are never freed.
//
// Guarantees and costs
// - lock(): one exchange; a waiter spins, then yields. An owner waits only
//   for a remote section on its own ledger: a fold's (the object's entries,
//   one per entity holding it), a sweep's (a scan of the table), or a
//   LockAll's (held across the handles of one release or one count, and
//   across the time LockAll waits for every other ledger's lock).
// - Entries whose count is 0 stay (the next Get of that handle reuses its
//   slot) while the table is small (under 256 slots: 10 KB, plus a spare
//   hold record per entry); a rebuild of a larger one drops them. Nothing
//   but the owner inserts or rebuilds, so a visitor's pointers into the
//   table stay valid while it holds the lock.
// - Lock order: a thread holds at most one ledger lock, except LockAll,
//   which takes the registry gate and then every ledger's lock in registry
//   order (the list from its head, which only grows at the head, so every
//   LockAll takes them in the same order). Nothing that holds one ledger
//   lock waits for any other lock; LockAll waits only for ledger locks,
//   whose holders wait for nothing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "detail/tls.h"

namespace rtm::detail {

struct Hold;  // core/object.h

struct LedgerEntry {
  std::uint64_t handle;  // 0: empty slot
  std::uint64_t entity;  // the holder's entity handle
  void* holder;          // the holder (an Entity*), alive while count > 0
  std::int64_t count;
  // A hold record for (handle, entity), made by the owner before the entry
  // could count anything: a fold that finds the holder without a record on
  // the object pushes this one (and clears it here), so a fold never
  // allocates and a Get of a linked object makes no record on it. Every
  // entry find_or_add returns has one.
  Hold* spare;
};

class Ledger {
 public:
  Ledger() = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  void lock() noexcept {
    if (lock_.exchange(1, std::memory_order_acquire) == 0) [[likely]]
      return;
    lock_slow();
  }
  void unlock() noexcept { lock_.store(0, std::memory_order_release); }

  // Under the lock. The entry of (h, e), or null.
  LedgerEntry* find(std::uint64_t h, std::uint64_t e) noexcept {
    if (cap_ == 0) return nullptr;
    for (std::size_t i = home(h);; i = (i + 1) & (cap_ - 1)) {
      LedgerEntry& s = slots_[i];
      if (s.handle == 0) return nullptr;
      if (s.handle == h && s.entity == e) return &s;
    }
  }
  // Under the lock, by the owner only. The entry of (h, e), created with
  // count 0 if absent, with a spare hold record; null if the table could
  // not grow or no spare is left (reserve() found no memory for enough).
  LedgerEntry* find_or_add(std::uint64_t h, std::uint64_t e, void* holder) noexcept;
  // By the owner only, with or without the lock: keeps at least n spare
  // hold records for find_or_add (fewer if memory runs out). Allocates only
  // when the pool is short; dropped entries give their spares back to it.
  void reserve(std::size_t n) noexcept;
  // Under the lock. Calls f(entry) for each entry of handle h (any entity).
  template <typename F>
  void for_handle(std::uint64_t h, F&& f) noexcept {
    if (cap_ == 0) return;
    for (std::size_t i = home(h);; i = (i + 1) & (cap_ - 1)) {
      LedgerEntry& s = slots_[i];
      if (s.handle == 0) return;
      if (s.handle == h) f(s);
    }
  }
  // Under the lock. Calls f(entry) for every entry.
  template <typename F>
  void for_each(F&& f) noexcept {
    for (std::size_t i = 0; i < cap_; ++i)
      if (slots_[i].handle != 0) f(slots_[i]);
  }

  Ledger* next() const noexcept { return next_; }
  // This ledger's bit in an object's ledger mask: its own for the first 63
  // ledgers, one shared by the rest.
  std::uint64_t bit() const noexcept { return std::uint64_t{1} << (index_ < 63 ? index_ : 63); }

 private:
  friend Ledger* bind_ledger() noexcept;
  friend void unbind_ledger() noexcept;
  friend struct LedgerRegistry;

  std::size_t home(std::uint64_t h) const noexcept {
    // Fibonacci hashing of the whole handle (slot index, generation, kind,
    // tag): consecutive slot indices spread over the table.
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  bool rebuild(std::size_t cap, bool keep_zeros) noexcept;
  void lock_slow() noexcept;

  alignas(64) std::atomic<std::uint32_t> lock_{0};
  std::atomic<bool> owned_{true};
  Ledger* next_ = nullptr;  // immutable once the ledger is in the registry
  unsigned index_ = 0;      // its position from the registry's tail (immutable)
  LedgerEntry* slots_ = nullptr;
  std::size_t cap_ = 0;   // 0 or a power of two
  std::size_t used_ = 0;  // slots with a handle, counted 0 or not
  unsigned shift_ = 64;
  // Spare hold records for new entries (owner only), linked by Hold::next;
  // reserve() trims the pool to the table's capacity.
  Hold* spares_ = nullptr;
  std::size_t nspares_ = 0;
  Hold* take_spare() noexcept;
  void give_spare(Hold* h) noexcept;
};

// The registry's newest ledger (seq_cst: see core/ledger_refs.cpp, F3); walk
// with Ledger::next().
Ledger* ledger_head() noexcept;

// This thread's ledger, bound on first use; null without memory for one.
extern __thread Ledger* t_ledger RTM_TLS_IE;
Ledger* bind_ledger() noexcept;
inline Ledger* my_ledger() noexcept {
  Ledger* l = t_ledger;
  return l != nullptr ? l : bind_ledger();
}
// At thread exit (reclaim.cpp's ThreadDetacher): gives the ledger back to
// the registry for a later thread, entries and all.
void unbind_ledger() noexcept;

// Every ledger's lock, in registry order, with no ledger added meanwhile:
// while held, no ledger entry changes.
class LockAll {
 public:
  LockAll() noexcept;
  ~LockAll();
  LockAll(const LockAll&) = delete;
  LockAll& operator=(const LockAll&) = delete;
  Ledger* head() const noexcept { return head_; }

 private:
  Ledger* head_;
};

}  // namespace rtm::detail
