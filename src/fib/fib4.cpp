// fib/fib4.cpp — the IPv4 instantiation of DirIndex (fib/fib4.h).
#include "fib/fib4.h"

#include "fib/dir_impl.h"

namespace rtm::fib {
template class DirIndex<Ipv4Traits>;
}  // namespace rtm::fib
