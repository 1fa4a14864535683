#include "detail/handle_table.h"

#include "core/object.h"
#include "detail/fault.h"

#include <bit>
#include <new>

namespace rtm::detail {
namespace {

// Segment s holds indices [2^(s+10) - 2^10, 2^(s+11) - 2^10): sizes double.
inline void locate(std::uint32_t index, unsigned* seg, std::uint64_t* offset) noexcept {
  const std::uint64_t biased = std::uint64_t{index} + (1u << 10);
  const unsigned top = 63 - std::countl_zero(biased);
  *seg = top - 10;
  *offset = biased - (std::uint64_t{1} << top);
}
inline std::uint64_t segment_size(unsigned seg) noexcept { return std::uint64_t{1} << (seg + 10); }

constexpr std::uint64_t kIndexMask = 0xFFFFFFFFull;
constexpr std::uint32_t kGenMask = 0xFFFFF;

}  // namespace

HandleTable::~HandleTable() {
  for (auto& s : segments_) delete[] s.load(std::memory_order_relaxed);
}

HandleTable::Slot* HandleTable::slot(std::uint32_t index) const noexcept {
  unsigned seg;
  std::uint64_t off;
  locate(index, &seg, &off);
  if (seg >= kSegments) return nullptr;
  // acquire: pairs with the release CAS that published the segment.
  Slot* base = segments_[seg].load(std::memory_order_acquire);
  return base == nullptr ? nullptr : base + off;
}

HandleTable::Slot* HandleTable::slot_or_grow(std::uint32_t index) noexcept {
  unsigned seg;
  std::uint64_t off;
  locate(index, &seg, &off);
  if (seg >= kSegments) return nullptr;
  Slot* base = segments_[seg].load(std::memory_order_acquire);
  if (base == nullptr) {
    Slot* fresh = fault() ? nullptr : new (std::nothrow) Slot[segment_size(seg)];
    if (fresh == nullptr) return nullptr;
    if (segments_[seg].compare_exchange_strong(base, fresh, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      base = fresh;
    } else {
      delete[] fresh;  // another thread published the segment first
    }
  }
  return base + off;
}

std::uint64_t HandleTable::allocate(HandleKind kind, Object* obj) noexcept {
  std::uint32_t slot_no = 0;
  Slot* s = nullptr;
  // Pop a recycled slot. acquire on the head load pairs with the release
  // CAS of free(), so next_free of the popped slot is visible.
  std::uint64_t head = free_head_.load(std::memory_order_acquire);
  while ((head & kIndexMask) != 0) {
    const std::uint32_t top = static_cast<std::uint32_t>(head & kIndexMask) - 1;
    Slot* ts = slot(top);
    // A slot on the free list was allocated, so its segment exists (and
    // segments are never freed before the table).
    if (ts == nullptr) __builtin_unreachable();
    const std::uint64_t next_word =
        ((head >> 32) + 1) << 32 | ts->next_free.load(std::memory_order_relaxed);
    if (free_head_.compare_exchange_weak(head, next_word, std::memory_order_acquire,
                                         std::memory_order_acquire)) {
      slot_no = top;
      s = ts;
      break;
    }
  }
  if (s == nullptr) {
    slot_no = next_unused_.load(std::memory_order_relaxed);
    do {
      if (slot_no >= limit_) return 0;
    } while (!next_unused_.compare_exchange_weak(slot_no, slot_no + 1, std::memory_order_relaxed));
    s = slot_or_grow(slot_no);
    if (s == nullptr) return 0;  // the slot is lost; only on allocation failure
  }
  const std::uint64_t h = std::uint64_t{tag_} << 56 |
                          std::uint64_t{static_cast<std::uint8_t>(kind) & 0xFu} << 52 |
                          std::uint64_t{s->generation & kGenMask} << 32 | (base_ + slot_no);
  // Written before the publication below: readers that validate h read
  // obj->handle (kill(), hold records) without any other synchronisation.
  obj->handle = h;
  // release: a reader that still validated an older handle of this slot
  // and reads obj here then also sees free()'s CAS of that handle to 0, so
  // its re-check fails (a relaxed store would let it return obj for the
  // stale handle: another object, maybe of another kind).
  s->object.store(obj, std::memory_order_release);
  // release: the object's construction, obj->handle and slot.object
  // happen-before any lookup that sees h.
  s->handle.store(h, std::memory_order_release);
  return h;
}

Object* HandleTable::lookup(std::uint64_t h, HandleKind kind, Guard& guard) const noexcept {
  if (h == 0 || handle_instance_tag(h) != tag_) return nullptr;
  if (kind != HandleKind::none && handle_kind(h) != kind) return nullptr;
  const std::uint32_t index = static_cast<std::uint32_t>(h & kIndexMask);
  if (index < base_) return nullptr;  // issued by an earlier table with this tag
  const Slot* s = slot(index - base_);
  if (s == nullptr) return nullptr;
  if (s->handle.load(std::memory_order_acquire) != h) return nullptr;
  Object* p = guard.protect(s->object);  // (P1)-(P2)-(P3) of detail/reclaim.h
  // The re-check, sequenced after the fence (P2) inside protect: the (P3)
  // of slot.handle against free()'s (R1) (see the header). Its own order
  // adds nothing; acquire as for the first load.
  if (p == nullptr || s->handle.load(std::memory_order_acquire) != h) {
    guard.clear();
    return nullptr;
  }
  return p;
}

void HandleTable::free(std::uint64_t h) noexcept {
  // 0 is no handle: a free slot's word is 0 too, so the CAS below would
  // "free" a free slot and push it on the free list a second time.
  if (h == 0) return;
  const std::uint32_t index = static_cast<std::uint32_t>(h & kIndexMask);
  if (index < base_) return;
  const std::uint32_t slot_no = index - base_;
  Slot* s = slot(slot_no);
  if (s == nullptr) return;
  std::uint64_t expect = h;
  // (R1) of detail/reclaim.h: sequenced before the retire() whose fence (R2)
  // precedes any scan that frees the object (see the header).
  if (!s->handle.compare_exchange_strong(expect, 0, std::memory_order_seq_cst)) return;
  s->object.store(nullptr, std::memory_order_seq_cst);
  s->generation = (s->generation + 1) & kGenMask;
  std::uint64_t head = free_head_.load(std::memory_order_relaxed);
  for (;;) {
    s->next_free.store(static_cast<std::uint32_t>(head & kIndexMask), std::memory_order_relaxed);
    const std::uint64_t next_word = ((head >> 32) + 1) << 32 | (std::uint64_t{slot_no} + 1);
    // release: publishes next_free and generation to the popper.
    if (free_head_.compare_exchange_weak(head, next_word, std::memory_order_release,
                                         std::memory_order_relaxed))
      break;
  }
}

}  // namespace rtm::detail

