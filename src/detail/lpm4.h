// detail/lpm4.h — a DIR-24-8 index over a table's IPv4 destinations: the
// fast path of longest-prefix match.
//
// Readers (lock-free, wait-free): lookup(addr) reads one entry of tbl24
// (indexed by the top 24 bits) and, for prefixes longer than /24, one entry
// of a 256-entry tbl8 group: two dependent loads. An entry names the most
// specific destination covering that address range by its handle slot index
// and the low bits of the slot's generation; the caller resolves it through
// the handle table (hazard pointer + re-check) and validates it (see
// longest_match in core/dest_table.cpp), falling back to the per-length search
// whenever the entry is stale. The index is a hint that is almost always
// right, never a source of truth.
//
// Writers are serialised by `mu` (destination creation and deletion only;
// route updates on an existing destination never touch the index). Each
// writer holds the destination's lock while it updates the index, so the
// index insert of a destination always precedes its index removal.
//
// Memory orders: entries are written with release stores and read with
// acquire loads; a tbl8 group is filled completely before the release store
// that links it from tbl24, so a reader that follows the link sees the
// filled group. An entry is replaced by its new value directly (never
// cleared first), so a reader sees either the old or the new destination.
//
// Cost: tbl24 is 2^24 4-byte entries (64 MiB of address space, touched
// only where prefixes are) plus a writer-side depth byte per entry; groups
// are 1,280 bytes each, allocated for /25../32 prefixes and never freed
// before the table.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace rtm::detail {

class Lpm4Index {
 public:
  // What an entry can name: a handle slot index below 2^25 and the low 6
  // bits of its generation.
  static constexpr std::uint32_t kMaxSlot = (1u << 25) - 2;
  static constexpr unsigned kGenBits = 6;
  struct Ref {
    std::uint32_t slot = 0;
    std::uint32_t gen = 0;  // low kGenBits of the slot generation
    bool none = true;
  };

  Lpm4Index() = default;
  ~Lpm4Index();
  Lpm4Index(const Lpm4Index&) = delete;
  Lpm4Index& operator=(const Lpm4Index&) = delete;

  // Reader: the destination the index names for `addr` (host order). With
  // *usable false, the index cannot answer (disabled after an allocation
  // failure, or a slot beyond kMaxSlot): use the slow path.
  Ref lookup(std::uint32_t addr, bool* usable) const noexcept;

  // Writers, under `mu`. insert() makes `dest` (prefix addr/len) the answer
  // wherever it is the most specific; remove() hands the entries that name
  // `dest` back to `covering`, the most specific destination covering the
  // prefix with a shorter length (none if there is none).
  void insert(std::uint32_t addr, unsigned len, Ref dest) noexcept;
  void remove(std::uint32_t addr, unsigned len, Ref dest, Ref covering,
              unsigned covering_len) noexcept;

  std::mutex mu;

 private:
  static constexpr std::uint32_t kExt = 0x80000000u;
  static std::uint32_t encode(Ref r) noexcept;
  bool ensure_tbl24() noexcept;
  // The group for tbl24 index i (creating it, filled with i's entry), or -1.
  std::int64_t group_for(std::uint32_t i) noexcept;

  std::atomic<std::atomic<std::uint32_t>*> tbl24_{nullptr};
  std::uint8_t* depth24_ = nullptr;  // writers only
  // Groups: segments of kGroupsPerSegment groups, allocated on demand.
  static constexpr std::uint32_t kGroupsPerSegment = 256;
  static constexpr std::uint32_t kSegments = 65536;  // up to 2^24 groups
  struct Group {
    std::atomic<std::uint32_t> e[256];
    std::uint8_t depth[256];
  };
  std::atomic<Group*> segments_[kSegments] = {};
  std::uint32_t groups_ = 0;  // writers only
  std::atomic<bool> disabled_{false};
  Group* group(std::uint32_t g) const noexcept;
  template <typename F>
  void for_range(std::uint32_t addr, unsigned len, F&& f) noexcept;
};

}  // namespace rtm::detail
