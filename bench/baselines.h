// bench/baselines.h — the route tables a router engineer would otherwise
// write, measured in the same binary and run as rtm:
//   (a) one std::mutex around per-length std::unordered_maps of
//       std::shared_ptr destinations (exact match = one map, longest-prefix
//       match = probe the lengths present, longest first);
//   (b) the same under a std::shared_mutex (readers shared).
// A destination holds its routes (owner, preference, metric); a Get hands
// out a shared_ptr (the reference) and the best route, a Release drops the
// shared_ptr. One table per family: Addr is std::uint32_t (IPv4) or
// rtm_bench::U128 (IPv6, the address as one 128-bit integer, bit 127 the
// first address bit).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace rtm_bench {

__extension__ typedef unsigned __int128 U128;

// Hashes of the two key widths. std::hash<std::uint32_t> is the identity,
// which suits libstdc++'s prime bucket counts; the 128-bit key folds its
// halves with a multiplicative mix (std::hash has no __int128 in ISO mode).
struct AddrHash {
  std::size_t operator()(std::uint32_t a) const noexcept { return a; }
  std::size_t operator()(U128 a) const noexcept {
    const std::uint64_t h = static_cast<std::uint64_t>(a >> 64) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h ^ static_cast<std::uint64_t>(a) ^ (h >> 29));
  }
};

struct BRoute {
  std::uint32_t owner;
  std::uint32_t preference;
  std::uint32_t metric;
};

template <class Addr>
struct BDestT {
  Addr addr;
  std::uint8_t length;
  std::vector<BRoute> routes;
  BRoute best() const {
    BRoute b{0, ~0u, ~0u};
    for (const auto& r : routes)
      if (r.preference < b.preference || (r.preference == b.preference && r.metric < b.metric))
        b = r;
    return b;
  }
};

// What a lookup hands out: the destination (kept alive by the shared_ptr
// until released) and its best route.
template <class Addr>
struct BInfoT {
  std::shared_ptr<BDestT<Addr>> dest;
  BRoute best;
};
using BDest = BDestT<std::uint32_t>;
using BInfo = BInfoT<std::uint32_t>;
using BInfo6 = BInfoT<U128>;

template <class Mutex, bool kSharedReads, class Addr = std::uint32_t>
class LockedTable {
 public:
  static constexpr int kBits = static_cast<int>(sizeof(Addr) * 8);
  using BDest = BDestT<Addr>;
  using BInfo = BInfoT<Addr>;
  bool get_exact(Addr addr, unsigned len, BInfo* out) {
    ReadLock l(m_);
    return find_locked(addr, len, out);
  }
  bool get_lpm(Addr addr, BInfo* out) {
    ReadLock l(m_);
    for (int len = kBits; len >= 0; --len) {
      if (count_[len] == 0) continue;
      if (find_locked(mask(addr, len), static_cast<unsigned>(len), out)) return true;
    }
    return false;
  }
  // Adds or replaces `owner`'s route; returns true if the destination was created.
  bool add(Addr addr, unsigned len, BRoute r) {
    std::lock_guard<Mutex> l(m_);
    return add_locked(addr, len, r);
  }
  // A loader's batch: add() for n routes under one lock acquisition (the
  // counterpart of rtm's add_routes).
  struct Add {
    Addr addr;
    unsigned len;
    BRoute r;
  };
  void add_batch(const Add* adds, std::size_t n) {
    std::lock_guard<Mutex> l(m_);
    for (std::size_t i = 0; i < n; ++i) add_locked(adds[i].addr, adds[i].len, adds[i].r);
  }
  bool remove(Addr addr, unsigned len, std::uint32_t owner) {
    std::lock_guard<Mutex> l(m_);
    auto it = maps_[len].find(addr);
    if (it == maps_[len].end()) return false;
    if (it->second.use_count() > 1) it->second = std::make_shared<BDest>(*it->second);
    auto& rs = it->second->routes;
    for (std::size_t i = 0; i < rs.size(); ++i)
      if (rs[i].owner == owner) {
        rs.erase(rs.begin() + static_cast<std::ptrdiff_t>(i));
        if (rs.empty()) {
          maps_[len].erase(it);
          --count_[len];
        }
        return true;
      }
    return false;
  }
  // What a lock-based table does for an enumeration: copy every
  // destination (a reference each) under the read lock, then sort the copy
  // by address outside it. Writers wait for the whole copy.
  void snapshot(std::vector<BInfo>* out) {
    out->clear();
    {
      ReadLock l(m_);
      out->reserve(size());
      for (const auto& m : maps_)
        for (const auto& [addr, d] : m) out->push_back(BInfo{d, d->best()});
    }
    std::sort(out->begin(), out->end(), [](const BInfo& a, const BInfo& b) {
      return a.dest->addr != b.dest->addr ? a.dest->addr < b.dest->addr
                                          : a.dest->length < b.dest->length;
    });
  }
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& m : maps_) n += m.size();
    return n;
  }

 private:
  bool add_locked(Addr addr, unsigned len, BRoute r) {
    auto& slot = maps_[len][addr];
    if (!slot) {
      slot = std::make_shared<BDest>(BDest{addr, static_cast<std::uint8_t>(len), {}});
      ++count_[len];
    } else if (slot.use_count() > 1) {
      // A reader holds it: copy on write, so readers never see a torn vector.
      slot = std::make_shared<BDest>(*slot);
    }
    for (auto& x : slot->routes)
      if (x.owner == r.owner) {
        x = r;
        return false;
      }
    slot->routes.push_back(r);
    return slot->routes.size() == 1;
  }
  struct ReadLock {
    explicit ReadLock(Mutex& m) : m_(m) {
      if constexpr (kSharedReads) m_.lock_shared(); else m_.lock();
    }
    ~ReadLock() {
      if constexpr (kSharedReads) m_.unlock_shared(); else m_.unlock();
    }
    Mutex& m_;
  };
  static Addr mask(Addr a, int len) {
    return len == 0 ? Addr{0} : static_cast<Addr>(a & (~Addr{0} << (kBits - len)));
  }
  bool find_locked(Addr addr, unsigned len, BInfo* out) {
    auto it = maps_[len].find(addr);
    if (it == maps_[len].end()) return false;
    out->dest = it->second;  // the reference
    out->best = it->second->best();
    return true;
  }
  Mutex m_;
  std::array<std::unordered_map<Addr, std::shared_ptr<BDest>, AddrHash>, kBits + 1> maps_;
  std::array<std::size_t, kBits + 1> count_{};
};

using MutexTable = LockedTable<std::mutex, false>;
using SharedMutexTable = LockedTable<std::shared_mutex, true>;
using MutexTable6 = LockedTable<std::mutex, false, U128>;
using SharedMutexTable6 = LockedTable<std::shared_mutex, true, U128>;

}  // namespace rtm_bench
