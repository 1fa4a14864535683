// Allocation-failure injection (RTM_FAULT_INJECTION builds only).
#ifdef RTM_FAULT_INJECTION
#include <rtm/fault_injection.h>

#include <atomic>

#include "detail/fault.h"

namespace rtm {
namespace {
std::atomic<std::uint64_t> g_count{0};
std::atomic<std::uint64_t> g_fail_at{0};
std::atomic<bool> g_fired{false};
}  // namespace

namespace detail {
bool fault() noexcept {
  const std::uint64_t n = g_count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n != g_fail_at.load(std::memory_order_relaxed)) return false;
  g_fired.store(true, std::memory_order_relaxed);
  return true;
}
}  // namespace detail

namespace fault_injection {
void fail_allocation(std::uint64_t n) noexcept {
  g_fired.store(false, std::memory_order_relaxed);
  g_fail_at.store(n, std::memory_order_relaxed);
  g_count.store(0, std::memory_order_relaxed);
}
std::uint64_t allocations() noexcept { return g_count.load(std::memory_order_relaxed); }
bool fired() noexcept { return g_fired.load(std::memory_order_relaxed); }
bool allocation_fails() noexcept { return detail::fault(); }
}  // namespace fault_injection
}  // namespace rtm
#endif
