// tests/fib/fib_test_util.h — a family-generic view of the forwarding
// indexes for the tests: addresses as 128-bit values (prefix bits first),
// a brute-force longest-match model, random nested prefixes.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "fib/fib4.h"
#include "fib/fib6.h"

namespace rtm_fib_test {

using u128 = unsigned __int128;

// Per family: the index type, its width and the key of a value whose top
// kBits bits are the address.
struct V4 {
  using Index = rtm::fib::Fib4;
  static constexpr unsigned kBits = 32;
  static Index::Key key(u128 a) { return static_cast<std::uint32_t>(a >> 96); }
  static Index make() { return Index(1u << 12); }
};
struct V6 {
  using Index = rtm::fib::Fib6;
  static constexpr unsigned kBits = 128;
  static Index::Key key(u128 a) {
    return rtm::fib::Ipv6Key{static_cast<std::uint64_t>(a >> 64), static_cast<std::uint64_t>(a)};
  }
  static Index make() { return Index(1u << 14); }
};

inline u128 mask(unsigned len) { return len == 0 ? 0 : ~u128{0} << (128 - len); }
inline bool covers(u128 p, unsigned len, u128 a) { return ((p ^ a) & mask(len)) == 0; }
inline u128 rand128(std::mt19937_64& rng) { return u128{rng()} << 64 | rng(); }

// The installed prefixes and their groups.
class Model {
 public:
  using Key = std::pair<unsigned, u128>;  // (len, masked prefix)
  std::map<Key, std::uint32_t> prefixes;

  std::uint32_t lookup(u128 a) const {
    unsigned best = 0;
    std::uint32_t g = 0;
    bool found = false;
    for (const auto& [k, v] : prefixes)
      if (covers(k.second, k.first, a) && (!found || k.first > best)) {
        best = k.first;
        g = v;
        found = true;
      }
    return g;
  }
  // The longest installed prefix strictly covering (p, len).
  rtm::fib::Cover cover(u128 p, unsigned len) const {
    rtm::fib::Cover c;
    bool found = false;
    for (const auto& [k, v] : prefixes)
      if (k.first < len && covers(k.second, k.first, p) && (!found || k.first > c.len)) {
        c = {k.first, v};
        found = true;
      }
    return c;
  }
};

// Random nested prefixes of a family: a few base addresses, lengths from a
// list that crosses every level boundary, so prefixes nest and share groups.
template <class F>
class PrefixGen {
 public:
  explicit PrefixGen(std::uint64_t seed, bool short_prefixes = true) : rng(seed), short_(short_prefixes) {
    for (int i = 0; i < 4; ++i) bases_.push_back(rand128(rng));
    if constexpr (F::kBits == 32)
      lens_ = {16, 20, 23, 24, 25, 26, 28, 30, 31, 32};
    else
      lens_ = {16, 23, 24, 25, 32, 40, 47, 48, 56, 64, 65, 96, 120, 127, 128};
  }
  // One prefix in 256 is /0 or /8: a write of those rewrites 2^24 or 2^16
  // tbl24 entries (correct but slow, so rare).
  std::pair<u128, unsigned> next() {
    const std::uint64_t r = rng();
    const unsigned len = short_ && r % 256 == 0 ? ((r >> 8) % 2 ? 8 : 0) : lens_[(r >> 8) % lens_.size()];
    u128 a = bases_[rng() % bases_.size()];
    // Perturb a few bits near the end of the prefix, so siblings occur.
    if (len > 0) a ^= (u128{rng() % 4}) << (128 - len);
    return {a & mask(len) & mask(F::kBits), len};
  }
  // A random address of the family inside (p, len).
  u128 inside(u128 p, unsigned len) { return (p & mask(len)) | (rand128(rng) & ~mask(len) & mask(F::kBits)); }
  u128 any() { return rand128(rng) & mask(F::kBits); }
  u128 near() { auto [p, l] = next(); return inside(p, l); }

  std::mt19937_64 rng;

 private:
  std::vector<u128> bases_;
  std::vector<unsigned> lens_;
  bool short_;
};

}  // namespace rtm_fib_test
