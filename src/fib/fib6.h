// fib/fib6.h — the IPv6 forwarding index: the DIR-24-8 scheme of
// fib/dir.h with thirteen 8-bit levels below tbl24 (as rte_fib6's TRIE).
// Lookup: one load of tbl24 plus one per 8 bits of the matched prefix
// beyond /24 (a /48 costs three, a /64 five); no per-length probing.
#pragma once

#include <cstdint>

#include <rtm/detail/fib_read.h>

#include "fib/dir.h"

namespace rtm::fib {

using Ipv6Key = rtm::fib_read::Ipv6Key;
using rtm::fib_read::ipv6_key;
using Ipv6Traits = rtm::fib_read::Ipv6Traits;  // the key and its bytes

extern template class DirIndex<Ipv6Traits>;

// The default reservation: 2^20 tbl8 groups (1 GiB of address space,
// 1 KiB touched per group in use). The Tier-1 table (160,147 prefixes)
// uses 38,096.
class Fib6 : public DirIndex<Ipv6Traits> {
 public:
  explicit Fib6(std::uint32_t max_tbl8_groups = 1u << 20) : DirIndex(max_tbl8_groups) {}
};

}  // namespace rtm::fib
