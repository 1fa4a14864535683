// detail/sharded_counter.cpp — the calling thread's counter shard.
#include "detail/sharded_counter.h"

#include "detail/tls.h"

namespace rtm::detail {

namespace {
std::atomic<unsigned> g_next_shard{0};
constinit thread_local unsigned t_shard RTM_TLS_IE = ~0u;
}  // namespace

unsigned counter_shard() noexcept {
  unsigned s = t_shard;
  if (s == ~0u) t_shard = s = g_next_shard.fetch_add(1, std::memory_order_relaxed);
  return s;
}

}  // namespace rtm::detail
