// fib/dir_impl.h — the writer side of DirIndex (fib/dir.h): allocation,
// the nested-prefix writes, collapse and tbl8 reclamation. Included only by
// the files that instantiate the template (fib/fib4.cpp, fib/fib6.cpp).
//
// Writer invariants (all under mu_):
//  (I1) every leaf entry holds (len, group) of the longest installed prefix
//       covering its range, or (0, kNoGroup);
//  (I2) a group linked below level L-1 has 256 entries that are not all one
//       leaf of depth <= level_bits(L-1) (else it is collapsed), except
//       transiently inside one set()/clear().
//
// Orders (the reader side is DirIndex::lookup, (D2)):
//  (D1) every store of an entry readers can reach is a release store, and
//       it is the only change a reader can see for its range: a new group
//       is filled completely (relaxed stores: unreachable) before the
//       release store that links it; a leaf is replaced by its new leaf
//       directly, never cleared first; a collapse stores the group's common
//       leaf into the parent before the group is retired.
//  (D3) a retired group is not written again until a grace period allows
//       (retire_tag() after the unlinking store (D1), fib/epoch.cpp (W1)-(W5)).
#pragma once

#include <sys/mman.h>

#include <new>

#include "detail/test_hook.h"
#include "fib/dir.h"

namespace rtm::fib {

namespace dir_detail {
void* reserve_region(std::size_t bytes);
}  // namespace dir_detail

template <class T>
DirIndex<T>::DirIndex(std::uint32_t max_tbl8_groups)
    : max_groups_(max_tbl8_groups < (1u << 24) ? max_tbl8_groups : (1u << 24)) {
  tbl24_ = static_cast<Slot*>(dir_detail::reserve_region(sizeof(Slot) * kTbl24Entries));
  try {
    tbl8_ = static_cast<Slot*>(
        dir_detail::reserve_region(sizeof(Slot) * 256 * static_cast<std::size_t>(max_groups_ ? max_groups_ : 1)));
  } catch (...) {
    munmap(tbl24_, sizeof(Slot) * kTbl24Entries);
    throw;
  }
  try {
    free_.reserve(max_groups_);
    limbo_.reserve(max_groups_);
  } catch (...) {
    munmap(tbl24_, sizeof(Slot) * kTbl24Entries);
    munmap(tbl8_, sizeof(Slot) * 256 * static_cast<std::size_t>(max_groups_ ? max_groups_ : 1));
    throw;
  }
  prepare();
}

template <class T>
DirIndex<T>::~DirIndex() {
  munmap(tbl24_, sizeof(Slot) * kTbl24Entries);
  munmap(tbl8_, sizeof(Slot) * 256 * static_cast<std::size_t>(max_groups_ ? max_groups_ : 1));
}

template <class T>
void DirIndex<T>::drain_limbo(std::uint64_t safe) noexcept {
  std::size_t i = 0;
  while (i < limbo_.size() && limbo_[i].second < safe) free_.push_back(limbo_[i++].first);
  limbo_.erase(limbo_.begin(), limbo_.begin() + static_cast<std::ptrdiff_t>(i));
}

// Makes n groups available in free_ (fresh or reclaimed); false if it cannot.
template <class T>
bool DirIndex<T>::reserve(std::size_t n) noexcept {
  if (free_.size() < n) drain_limbo(safe_epoch());
  while (free_.size() < n && next_fresh_ < max_groups_) free_.push_back(next_fresh_++);
  if (free_.size() < n && !limbo_.empty()) drain_limbo(synchronize());
  return free_.size() >= n;
}

template <class T>
std::uint32_t DirIndex<T>::take_group() noexcept {
  const std::uint32_t g = free_.back();
  free_.pop_back();
  ++in_use_;
  return g;
}

template <class T>
void DirIndex<T>::retire_group(std::uint32_t g) noexcept {
  --in_use_;
  limbo_.emplace_back(g, retire_tag());  // after the unlinking store (D1); reserved
  if (trigger_.due(limbo_.size())) {
    const std::size_t before = limbo_.size();
    drain_limbo(synchronize());
    trigger_.ran(before, limbo_.size());
  }
}

// If the group linked from *parent (a group of level child_level) is one
// leaf of depth <= the parent's bits, stores that leaf in *parent and
// retires the group. Returns whether it did.
template <class T>
bool DirIndex<T>::collapse_into(Slot* parent, unsigned child_level) noexcept {
  const Entry pe = parent->load(std::memory_order_relaxed);
  const std::uint32_t g = pe & kPayload;
  Slot* s = group_at(g);
  const Entry first = s[0].load(std::memory_order_relaxed);
  if (is_ext(first) || depth(first) > level_bits(child_level - 1)) return false;
  for (unsigned i = 1; i < 256; ++i)
    if (s[i].load(std::memory_order_relaxed) != first) return false;
  parent->store(first, std::memory_order_release);  // (D1): g's common value
  retire_group(g);
  return true;
}

// Applies a write of prefix length len to one entry at `level`: set
// (clearing false) replaces leaves of depth <= len by value; clear replaces
// leaves of depth == len by value. Extended entries are descended, and
// their groups collapsed where the write made them uniform.
template <class T>
void DirIndex<T>::write_entry(Slot* p, unsigned level, unsigned len, Entry value, bool clearing) noexcept {
  const Entry e = p->load(std::memory_order_relaxed);
  if (is_ext(e)) {
    write_range(group_at(e & kPayload), level + 1, len, value, clearing);
    collapse_into(p, level + 1);
  } else if (clearing ? depth(e) == len : depth(e) <= len) {
    if (e != value) p->store(value, std::memory_order_release);  // (D1)
  }
}

template <class T>
void DirIndex<T>::write_range(Slot* s, unsigned level, unsigned len, Entry value, bool clearing) noexcept {
  for (unsigned i = 0; i < 256; ++i) write_entry(&s[i], level, len, value, clearing);
}

template <class T>
bool DirIndex<T>::set(Key k, unsigned len, GroupId group) {
  if (len > kBits || group == kNoGroup || group >= kMaxGroupIds) return false;
  std::lock_guard lock(mu_);
  // The level whose entries the prefix spans: the first with level_bits >= len.
  const unsigned L = len <= 24 ? 0 : (len - 24 + 7) / 8;
  // Groups to create on the path above L.
  std::size_t need = 0;
  {
    Slot* tab = tbl24_;
    std::size_t idx = T::top24(k);
    for (unsigned lv = 0; lv < L; ++lv) {
      const Entry e = tab[idx].load(std::memory_order_relaxed);
      if (!is_ext(e)) {
        need = L - lv;
        break;
      }
      tab = group_at(e & kPayload);
      idx = T::byte(k, 3 + lv);
    }
  }
  if (need != 0 && !reserve(need)) return false;

  // Walk down, extending leaves into groups where needed.
  Slot* tab = tbl24_;
  std::size_t idx = T::top24(k);
  for (unsigned lv = 0; lv < L; ++lv) {
    Slot* p = &tab[idx];
    Entry e = p->load(std::memory_order_relaxed);
    if (!is_ext(e)) {
      const std::uint32_t g = take_group();
      Slot* s = group_at(g);
      for (unsigned i = 0; i < 256; ++i) s[i].store(e, std::memory_order_relaxed);
      p->store(ext(g), std::memory_order_release);  // (D1): filled before linked
      e = ext(g);
    }
    tab = group_at(e & kPayload);
    idx = T::byte(k, 3 + lv);
  }
  detail::test_hook("fib.set", this);

  // The range of entries the prefix spans at level L.
  const unsigned span = level_bits(L) - len;  // log2 of the entry count
  const std::size_t first = idx & ~((std::size_t{1} << span) - 1);
  const Entry value = leaf(len, group);
  for (std::size_t i = first; i < first + (std::size_t{1} << span); ++i)
    write_entry(&tab[i], L, len, value, false);
  // No group on the path can have become uniform: the range written holds
  // leaves of depth len > level_bits(L - 1) now, or kept deeper ones.
  return true;
}

template <class T>
bool DirIndex<T>::clear(Key k, unsigned len, Cover cover) {
  std::lock_guard lock(mu_);
  return clear_locked(k, len, cover);
}

template <class T>
bool DirIndex<T>::clear_locked(Key k, unsigned len, Cover cover) noexcept {
  if (len > kBits || cover.group >= kMaxGroupIds || (cover.group != kNoGroup && cover.len >= len))
    return false;
  const unsigned L = len <= 24 ? 0 : (len - 24 + 7) / 8;
  Slot* path[kLevels];
  Slot* tab = tbl24_;
  std::size_t idx = T::top24(k);
  for (unsigned lv = 0; lv < L; ++lv) {
    Slot* p = &tab[idx];
    const Entry e = p->load(std::memory_order_relaxed);
    // A leaf above L has depth <= level_bits(lv) < len: k/len is not there.
    if (!is_ext(e)) return true;
    path[lv] = p;
    tab = group_at(e & kPayload);
    idx = T::byte(k, 3 + lv);
  }
  detail::test_hook("fib.clear", this);

  const unsigned span = level_bits(L) - len;
  const std::size_t first = idx & ~((std::size_t{1} << span) - 1);
  const Entry value = leaf(cover.group == kNoGroup ? 0 : cover.len, cover.group);
  for (std::size_t i = first; i < first + (std::size_t{1} << span); ++i)
    write_entry(&tab[i], L, len, value, true);
  for (unsigned lv = L; lv-- > 0;)
    if (!collapse_into(path[lv], lv + 1)) break;
  return true;
}

template <class T>
void DirIndex<T>::reclaim() {
  std::lock_guard lock(mu_);
  if (!limbo_.empty()) drain_limbo(synchronize());
}

template <class T>
std::size_t DirIndex<T>::tbl8_in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

template <class T>
std::size_t DirIndex<T>::tbl8_limbo() const {
  std::lock_guard lock(mu_);
  return limbo_.size();
}

// ---- memory (Instance::forwarding_stats) ---------------------------------------

template <class T>
typename DirIndex<T>::Memory DirIndex<T>::memory() const {
  Memory m;
  // The regions never move: no lock (writers go on meanwhile).
  m.tbl24 = resident_in(tbl24_, sizeof(Slot) * kTbl24Entries);
  m.tbl8 = resident_in(tbl8_, sizeof(Slot) * 256 * static_cast<std::size_t>(max_groups_ ? max_groups_ : 1));
  std::lock_guard lock(mu_);
  // Reserved for max_groups_ entries: the whole capacity is mapped.
  m.lists = resident_in(free_.data(), free_.capacity() * sizeof(free_[0])) +
            resident_in(limbo_.data(), limbo_.capacity() * sizeof(limbo_[0]));
  return m;
}

}  // namespace rtm::fib
