// fib/nh_groups.cpp — interning, reference counts and id reuse of next-hop
// groups (fib/nh_groups.h).
//
// Orders: a record is written (plain stores) before acquire() returns its
// id; the id reaches readers only through an index entry's release store
// (fib/dir.h, (D1)), which the reader loads with acquire, so the reader
// sees the whole record. That store is the acquiring writer's own, or
// another writer's that read the id from the destination's fib_group with
// acquire (core/forwarding.cpp, cover_of), after a release store of it.
// A record is rewritten only when its id is reused, which waits for a
// grace period after the release that retired it (fib/epoch.cpp,
// (W1)-(W5)): the caller unlinked every entry naming the
// id before that release, so no reader that can still see the old record
// overlaps the rewrite.
#include "fib/nh_groups.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "detail/fault.h"
#include "detail/test_hook.h"
#include "fib/epoch.h"

namespace rtm::fib {

NhGroups::NhGroups(std::uint32_t max_groups)
    : max_groups_(max_groups < kMaxGroupIds ? max_groups : kMaxGroupIds) {
  region_bytes_ = static_cast<std::size_t>(max_groups_) * sizeof(RecordSlot);
  void* p = mmap(nullptr, region_bytes_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  records_ = static_cast<RecordSlot*>(p);
  try {
    // Every id is in at most one of free_ and limbo_, so neither outgrows
    // max_groups_: push_back and emplace_back below never reallocate.
    refs_.reserve(max_groups_ + 1);
    free_.reserve(max_groups_);
    limbo_.reserve(max_groups_);
  } catch (...) {
    munmap(records_, region_bytes_);
    throw;
  }
  refs_.assign(1, 0);  // id 0 is kNoGroup
  prepare();
}

NhGroups::~NhGroups() { munmap(records_, region_bytes_); }

std::uint64_t NhGroups::hash(const NextHopSet& s) noexcept {
  // FNV-1a over the count and the used hops (unused bytes are zero by
  // construction of the records compared, see acquire()).
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(&s.count, sizeof s.count);
  mix(s.hops, s.count * sizeof(NextHop));
  return h;
}

bool NhGroups::same(const NextHopSet& a, const NextHopSet& b) noexcept {
  return a.count == b.count && std::memcmp(a.hops, b.hops, a.count * sizeof(NextHop)) == 0;
}

void NhGroups::drain_limbo(std::uint64_t safe) noexcept {
  std::size_t i = 0;
  while (i < limbo_.size() && limbo_[i].second < safe) free_.push_back(limbo_[i++].first);
  limbo_.erase(limbo_.begin(), limbo_.begin() + static_cast<std::ptrdiff_t>(i));
}

GroupId NhGroups::take_id() noexcept {
  if (free_.empty()) drain_limbo(safe_epoch());
  if (free_.empty() && next_fresh_ < max_groups_) {
    refs_.push_back(0);
    return next_fresh_++;
  }
  if (free_.empty() && !limbo_.empty()) drain_limbo(synchronize());
  if (free_.empty()) return kNoGroup;
  const GroupId id = free_.back();
  free_.pop_back();
  return id;
}

GroupId NhGroups::acquire(const NextHopSet& hops_in) {
  NextHopSet s{};  // canonical: bytes beyond count zero
  s.count = hops_in.count < kMaxNextHopsPerRoute ? hops_in.count : kMaxNextHopsPerRoute;
  std::memcpy(s.hops, hops_in.hops, s.count * sizeof(NextHop));
  const std::uint64_t h = hash(s);
  std::lock_guard lock(mu_);
  detail::test_hook("fib.groups.acquire", this);
  auto [b, e] = by_hash_.equal_range(h);
  for (auto it = b; it != e; ++it)
    if (same(records_[it->second].r, s)) {
      ++refs_[it->second];
      return it->second;
    }
  // The only allocation: the intern node, first, so that a failure leaves
  // the table as it was (no id taken).
  detail::fault_throw();
  const auto node = by_hash_.emplace(h, kNoGroup);
  const GroupId id = take_id();
  if (id == kNoGroup) {
    by_hash_.erase(node);
    return kNoGroup;
  }
  node->second = id;
  records_[id].r = s;  // published by the index entry that names it
  refs_[id] = 1;
  ++live_;
  return id;
}

bool NhGroups::ref(GroupId id) {
  std::lock_guard lock(mu_);
  if (!is_live(id)) return false;
  ++refs_[id];
  return true;
}

bool NhGroups::release(GroupId id) {
  if (id == kNoGroup) return true;
  std::lock_guard lock(mu_);
  if (!is_live(id)) return false;
  if (--refs_[id] != 0) return true;
  const std::uint64_t h = hash(records_[id].r);
  auto [b, e] = by_hash_.equal_range(h);
  for (auto it = b; it != e; ++it)
    if (it->second == id) {
      by_hash_.erase(it);
      break;
    }
  --live_;
  // The caller unlinked every entry naming id (W1) before this call.
  limbo_.emplace_back(id, retire_tag());  // reserved: no allocation
  if (trigger_.due(limbo_.size())) {
    const std::size_t before = limbo_.size();
    drain_limbo(synchronize());
    trigger_.ran(before, limbo_.size());
  }
  return true;
}

std::uint32_t NhGroups::refs(GroupId id) const {
  std::lock_guard lock(mu_);
  return id < refs_.size() ? refs_[id] : 0;
}

std::size_t NhGroups::live() const {
  std::lock_guard lock(mu_);
  return live_;
}

std::size_t NhGroups::limbo() const {
  std::lock_guard lock(mu_);
  return limbo_.size();
}

void NhGroups::reclaim() {
  std::lock_guard lock(mu_);
  if (!limbo_.empty()) drain_limbo(synchronize());
}

// ---- memory (Instance::forwarding_stats) ---------------------------------------

std::size_t resident_in(const void* p, std::size_t n) noexcept {
  if (p == nullptr || n == 0) return 0;
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(p) + n;
  unsigned char vec[4096];  // one byte per page, 16 MiB of 4 KiB pages a call
  std::size_t pages = 0;
  while (a < end) {
    const std::uintptr_t span = std::min<std::uintptr_t>(end - a, page * sizeof vec);
    const std::size_t k = static_cast<std::size_t>((span + page - 1) / page);
    if (mincore(reinterpret_cast<void*>(a), static_cast<std::size_t>(span), vec) == 0)
      for (std::size_t i = 0; i < k; ++i) pages += vec[i] & 1u;
    a += k * page;
  }
  return pages * static_cast<std::size_t>(page);
}

std::size_t NhGroups::resident_bytes() const {
  const std::size_t records = resident_in(records_, region_bytes_);  // never moves: no lock
  std::lock_guard lock(mu_);
  // The vectors were reserved for max_groups_ entries: their whole
  // capacity is mapped, committed as it is written.
  return records + resident_in(refs_.data(), refs_.capacity() * sizeof(std::uint32_t)) +
         resident_in(free_.data(), free_.capacity() * sizeof(GroupId)) +
         resident_in(limbo_.data(), limbo_.capacity() * sizeof(limbo_[0])) +
         by_hash_.size() * (2 * sizeof(void*) + sizeof(std::pair<std::uint64_t, GroupId>)) +
         by_hash_.bucket_count() * sizeof(void*);
}

}  // namespace rtm::fib
