// fib/fib6.h — the IPv6 forwarding index: the DIR-24-8 scheme of
// fib/dir.h with thirteen 8-bit levels below tbl24 (as rte_fib6's TRIE).
// Lookup: one load of tbl24 plus one per 8 bits of the matched prefix
// beyond /24 (a /48 costs three, a /64 five); no per-length probing.
#pragma once

#include <cstdint>

#include "fib/dir.h"

namespace rtm::fib {

struct Ipv6Key {
  std::uint64_t hi = 0;  // bytes 0..7, host order
  std::uint64_t lo = 0;  // bytes 8..15
};

// The key of 16 network-order bytes.
inline Ipv6Key ipv6_key(const std::uint8_t* b) noexcept {
  Ipv6Key k;
  for (int i = 0; i < 8; ++i) k.hi = k.hi << 8 | b[i];
  for (int i = 8; i < 16; ++i) k.lo = k.lo << 8 | b[i];
  return k;
}

struct Ipv6Traits {
  using Key = Ipv6Key;
  static constexpr unsigned kBits = 128;
  static std::uint32_t top24(const Key& k) noexcept { return static_cast<std::uint32_t>(k.hi >> 40); }
  // Byte i of the address, 0 the most significant (i in 0..15).
  static unsigned byte(const Key& k, unsigned i) noexcept {
    return i < 8 ? (k.hi >> (56 - 8 * i)) & 0xFFu : (k.lo >> (56 - 8 * (i - 8))) & 0xFFu;
  }
};

extern template class DirIndex<Ipv6Traits>;

// The default reservation: 2^20 tbl8 groups (1 GiB of address space,
// 1 KiB touched per group in use). The Tier-1 table (160,147 prefixes)
// uses 38,096.
class Fib6 : public DirIndex<Ipv6Traits> {
 public:
  explicit Fib6(std::uint32_t max_tbl8_groups = 1u << 20) : DirIndex(max_tbl8_groups) {}
};

}  // namespace rtm::fib
