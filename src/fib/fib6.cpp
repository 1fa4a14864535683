// fib/fib6.cpp — the IPv6 instantiation of DirIndex (fib/fib6.h).
#include "fib/fib6.h"

#include "fib/dir_impl.h"

namespace rtm::fib {
template class DirIndex<Ipv6Traits>;
}  // namespace rtm::fib
