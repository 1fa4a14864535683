// fib/fib4.h — the IPv4 forwarding index: DIR-24-8 (fib/dir.h) over
// host-order 32-bit addresses. Lookup: one load of tbl24, a second of a
// tbl8 group for addresses under a prefix longer than /24.
#pragma once

#include <cstdint>

#include <rtm/detail/fib_read.h>

#include "fib/dir.h"

namespace rtm::fib {

using Ipv4Traits = rtm::fib_read::Ipv4Traits;  // the key and its bytes

extern template class DirIndex<Ipv4Traits>;

// The default reservation: 2^18 tbl8 groups (256 MiB of address space,
// 1 KiB touched per group in use). The Tier-1 table (901,899 prefixes)
// uses 451.
class Fib4 : public DirIndex<Ipv4Traits> {
 public:
  explicit Fib4(std::uint32_t max_tbl8_groups = 1u << 18) : DirIndex(max_tbl8_groups) {}
};

}  // namespace rtm::fib
