#include "detail/lpm4.h"

#include "detail/fault.h"

#include <cstdlib>
#include <new>

namespace rtm::detail {

Lpm4Index::~Lpm4Index() {
  std::free(tbl24_.load(std::memory_order_relaxed));
  std::free(depth24_);
  for (auto& s : segments_) delete[] s.load(std::memory_order_relaxed);
}

std::uint32_t Lpm4Index::encode(Ref r) noexcept {
  return r.none ? 0u : ((r.slot + 1) << kGenBits) | (r.gen & ((1u << kGenBits) - 1));
}

Lpm4Index::Group* Lpm4Index::group(std::uint32_t g) const noexcept {
  // acquire: pairs with the release store that published the segment.
  Group* seg = segments_[g / kGroupsPerSegment].load(std::memory_order_acquire);
  return seg == nullptr ? nullptr : seg + g % kGroupsPerSegment;
}

Lpm4Index::Ref Lpm4Index::lookup(std::uint32_t addr, bool* usable) const noexcept {
  Ref r;
  if (disabled_.load(std::memory_order_acquire)) {
    *usable = false;
    return r;
  }
  *usable = true;
  // acquire: pairs with the release store publishing the (zeroed) table.
  const std::atomic<std::uint32_t>* t = tbl24_.load(std::memory_order_acquire);
  if (t == nullptr) return r;
  // acquire: pairs with the writer's release store of the entry (and, for a
  // group link, with the group's filling before it).
  std::uint32_t e = t[addr >> 8].load(std::memory_order_acquire);
  if (e & kExt) {
    const Group* g = group(e & ~kExt);
    if (g == nullptr) {  // cannot happen: the link is stored after the group
      *usable = false;
      return r;
    }
    e = g->e[addr & 0xFF].load(std::memory_order_acquire);
  }
  if (e == 0) return r;
  r.none = false;
  r.slot = (e >> kGenBits) - 1;
  r.gen = e & ((1u << kGenBits) - 1);
  return r;
}

bool Lpm4Index::ensure_tbl24() noexcept {
  if (tbl24_.load(std::memory_order_relaxed) != nullptr) return true;
  // calloc: zero pages, mapped lazily; only ranges with prefixes get touched.
  auto* t = fault() ? nullptr
                    : static_cast<std::atomic<std::uint32_t>*>(std::calloc(
                          std::size_t{1} << 24, sizeof(std::atomic<std::uint32_t>)));
  depth24_ = static_cast<std::uint8_t*>(std::calloc(std::size_t{1} << 24, 1));
  if (t == nullptr || depth24_ == nullptr) {
    std::free(t);
    std::free(depth24_);
    depth24_ = nullptr;
    return false;
  }
  tbl24_.store(t, std::memory_order_release);
  return true;
}

std::int64_t Lpm4Index::group_for(std::uint32_t i) noexcept {
  std::atomic<std::uint32_t>* t = tbl24_.load(std::memory_order_relaxed);
  const std::uint32_t cur = t[i].load(std::memory_order_relaxed);
  if (cur & kExt) return cur & ~kExt;
  const std::uint32_t g = groups_;
  if (g >= kSegments * kGroupsPerSegment) return -1;
  std::atomic<Group*>& seg = segments_[g / kGroupsPerSegment];
  if (seg.load(std::memory_order_relaxed) == nullptr) {
    Group* fresh = fault() ? nullptr : new (std::nothrow) Group[kGroupsPerSegment];
    if (fresh == nullptr) return -1;
    seg.store(fresh, std::memory_order_release);
  }
  Group* grp = seg.load(std::memory_order_relaxed) + g % kGroupsPerSegment;
  for (int j = 0; j < 256; ++j) {
    grp->e[j].store(cur, std::memory_order_relaxed);
    grp->depth[j] = depth24_[i];
  }
  ++groups_;
  // release: the filled group happens-before any reader that follows the link.
  t[i].store(kExt | g, std::memory_order_release);
  return g;
}

// Calls f(entry, depth) for every index entry covering the range of
// addr/len: tbl24 entries (and all 256 entries of each group linked from
// them) for len <= 24, the range inside the group for longer prefixes (none
// if the group does not exist).
template <typename F>
void Lpm4Index::for_range(std::uint32_t addr, unsigned len, F&& f) noexcept {
  std::atomic<std::uint32_t>* t = tbl24_.load(std::memory_order_relaxed);
  if (len <= 24) {
    const std::uint32_t first = len == 0 ? 0 : (addr >> 8) & ~((1u << (24 - len)) - 1);
    const std::uint32_t n = 1u << (24 - len);
    for (std::uint32_t i = first; i < first + n; ++i) {
      const std::uint32_t cur = t[i].load(std::memory_order_relaxed);
      if (cur & kExt) {
        Group* g = group(cur & ~kExt);
        for (int j = 0; j < 256; ++j) f(g->e[j], g->depth[j]);
      } else {
        f(t[i], depth24_[i]);
      }
    }
    return;
  }
  const std::uint32_t cur = t[addr >> 8].load(std::memory_order_relaxed);
  if (!(cur & kExt)) return;
  Group* g = group(cur & ~kExt);
  const std::uint32_t first = addr & 0xFF & ~((1u << (32 - len)) - 1);
  const std::uint32_t n = 1u << (32 - len);
  for (std::uint32_t j = first; j < first + n; ++j) f(g->e[j], g->depth[j]);
}

void Lpm4Index::insert(std::uint32_t addr, unsigned len, Ref dest) noexcept {
  if (disabled_.load(std::memory_order_relaxed)) return;
  if (dest.slot > kMaxSlot || !ensure_tbl24() || (len > 24 && group_for(addr >> 8) < 0)) {
    disabled_.store(true, std::memory_order_release);  // readers take the slow path
    return;
  }
  const std::uint32_t v = encode(dest);
  // dest becomes the answer wherever no longer prefix is.
  for_range(addr, len, [&](std::atomic<std::uint32_t>& e, std::uint8_t& d) {
    if (d <= len) {
      e.store(v, std::memory_order_release);
      d = static_cast<std::uint8_t>(len);
    }
  });
}

void Lpm4Index::remove(std::uint32_t addr, unsigned len, Ref dest, Ref covering,
                       unsigned covering_len) noexcept {
  if (disabled_.load(std::memory_order_relaxed)) return;
  if (tbl24_.load(std::memory_order_relaxed) == nullptr) return;
  const std::uint32_t old = encode(dest);
  const std::uint32_t v = encode(covering);
  const auto depth = static_cast<std::uint8_t>(covering.none ? 0 : covering_len);
  // Only entries that name `dest` change: they are exactly the addresses
  // for which dest was the most specific prefix.
  for_range(addr, len, [&](std::atomic<std::uint32_t>& e, std::uint8_t& d) {
    if (e.load(std::memory_order_relaxed) == old) {
      e.store(v, std::memory_order_release);
      d = depth;
    }
  });
}

}  // namespace rtm::detail
