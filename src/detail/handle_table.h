// detail/handle_table.h — handles as (instance tag, kind, generation, index),
// validated against a slot table without locks.
//
// Encoding of a 64-bit handle value:
//   bits  0..31  slot index
//   bits 32..51  slot generation (20 bits; bumped each time the slot is freed)
//   bits 52..55  HandleKind (never 0, so a live handle is never 0)
//   bits 56..63  instance tag (which Instance issued it)
//
// Index ranges: instance tags are reused once an instance is gone, so each
// table issues indices from its `base` on, the first index that no earlier
// table with the same tag issued (take_tag / give_tag in core/core.cpp keep
// that per tag). A handle of a destroyed instance therefore names an index
// below the base of every later table with its tag and never validates
// there. Slot `index - base` holds index: the range costs no memory.
//
// State per slot: `handle` — the value currently valid for the slot (0 when
// free) — and `object`, the pointer it names. Slots live in segments that
// are allocated on demand and never freed before the table, so reading a
// slot named by any 32-bit index is always safe (an index outside the
// allocated segments is rejected before any read).
//
// Publication (allocate): the object's `handle` field and slot.object are
// written before the release store of slot.handle, so whoever validates the
// handle (acquire load of slot.handle) sees both.
//
// lookup(h): if slot.handle == h, protect slot.object with a hazard pointer
// (detail/reclaim.h: (P1) store, (P2) fence, (P3) reload), then re-check
// slot.handle == h. free() clears slot.handle — that is (R1) of the
// protocol in reclaim.h — before the object is retired, and retire() runs
// the fence (R2) before any scan can free it. The re-check is sequenced
// after (P2), so it plays the role of (P3) for slot.handle: if it still sees
// h, the scan that would free the object sees the hazard. A stale handle
// (generation moved on), a forged one (no such slot or wrong value), a wrong
// kind, another instance's tag, or an index below the base all fail.
// Generations wrap after 2^20 reuses of one slot; a handle kept that long
// after its release could then alias a new object of the same kind: this is
// the one misuse not detected.
//
// Free slots: a Treiber stack threaded through slot.next_free, its head a
// 64-bit word {ABA tag:32, slot+1:32} so a pop that raced a pop+push of the
// same slot fails its CAS. Fresh slots come from a bump counter.
#pragma once

#include <atomic>
#include <cstdint>

#include <rtm/types.h>

#include "detail/reclaim.h"

namespace rtm::detail {

class Object;

constexpr HandleKind handle_kind(std::uint64_t h) noexcept {
  return static_cast<HandleKind>((h >> 52) & 0xF);
}
constexpr std::uint8_t handle_instance_tag(std::uint64_t h) noexcept {
  return static_cast<std::uint8_t>(h >> 56);
}

class HandleTable {
 public:
  // Issues indices base, base + 1, ... up to 0xFFFFFFFE.
  HandleTable(std::uint8_t instance_tag, std::uint32_t base) noexcept
      : tag_(instance_tag), base_(base), limit_(0xFFFFFFFFu - base) {}
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // A new handle naming `obj`, also stored in obj->handle before the handle
  // becomes valid (callers must not write obj->handle themselves); 0 (and
  // obj->handle left 0) when out of memory or indices.
  std::uint64_t allocate(HandleKind kind, Object* obj) noexcept;

  // The object named by h if h is currently valid and of kind `kind`
  // (HandleKind::none accepts any kind), protected by `guard`; else null.
  Object* lookup(std::uint64_t h, HandleKind kind, Guard& guard) const noexcept;

  // Invalidates h and recycles its slot. Call before retiring the object.
  void free(std::uint64_t h) noexcept;

  // The slot number of a handle this table issued (its index - base): below
  // 2^32 - base, dense from 0.
  std::uint32_t slot_of(std::uint64_t h) const noexcept {
    return static_cast<std::uint32_t>(h) - base_;
  }

  // The first index this table never issued: the base of the next table with
  // its tag. Call once the table issues no more handles.
  std::uint32_t end_index() const noexcept {
    return base_ + next_unused_.load(std::memory_order_acquire);
  }

  // Calls f(handle) for every handle valid at some point during the walk.
  template <typename F>
  void for_each_handle(F&& f) const {
    const std::uint32_t n = next_unused_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Slot* s = slot(i);
      if (s == nullptr) continue;
      const std::uint64_t h = s->handle.load(std::memory_order_acquire);
      if (h != 0) f(h);
    }
  }

  std::uint8_t instance_tag() const noexcept { return tag_; }

  // For stats: slots handed out so far (live handles and recycled free
  // slots; a slot is never freed) and the bytes of one.
  std::uint64_t slots_handed_out() const noexcept {
    return next_unused_.load(std::memory_order_relaxed);
  }
  static constexpr std::size_t slot_bytes() noexcept { return sizeof(Slot); }

 private:
  struct Slot {
    std::atomic<std::uint64_t> handle{0};
    std::atomic<Object*> object{nullptr};
    std::atomic<std::uint32_t> next_free{0};
    std::uint32_t generation = 0;  // owned by whoever holds the slot
  };
  static constexpr unsigned kFirstSegmentBits = 10;
  static constexpr unsigned kSegments = 32 - kFirstSegmentBits + 1;

  Slot* slot(std::uint32_t index) const noexcept;
  Slot* slot_or_grow(std::uint32_t index) noexcept;

  const std::uint8_t tag_;
  const std::uint32_t base_;   // first index issued
  const std::uint32_t limit_;  // slots available: base_ + limit_ - 1 <= 0xFFFFFFFE
  mutable std::atomic<Slot*> segments_[kSegments] = {};
  std::atomic<std::uint64_t> free_head_{0};
  std::atomic<std::uint32_t> next_unused_{0};  // slots handed out so far
};

}  // namespace rtm::detail
