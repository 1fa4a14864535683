// api/forwarding.cpp — the forwarding fast path (rtm/instance.h, section
// "forwarding fast path"; rtm/forwarding.h). No Call: the fast path acts
// for no entity and attaches nothing (core/forwarding.cpp).
#include <rtm/instance.h>

#include "core/core.h"
#include "core/forwarding.h"

namespace rtm {

errc Instance::forward(ViewId view, const NetAddress& address, ForwardingResult* out,
                       ForwardingDetail* detail) const noexcept {
  return detail::forward_one(*core_, view, address, out, detail);
}

errc Instance::forward4(ViewId view, std::uint32_t address, ForwardingResult* out) const noexcept {
  return detail::forward4_one(*core_, view, address, out);
}

errc Instance::forward4_batch(ViewId view, const std::uint32_t* addrs, std::size_t n,
                              ForwardingResult* out, std::size_t* hits) const noexcept {
  return detail::forward4_batch(*core_, view, addrs, n, out, hits);
}

errc Instance::forward6_batch(ViewId view, const NetAddress* addrs, std::size_t n,
                              ForwardingResult* out, std::size_t* hits) const noexcept {
  return detail::forward6_batch(*core_, view, addrs, n, out, hits);
}

bool Instance::forwarding_degraded() const noexcept {
  return core_->forwarding.degraded.load(std::memory_order_relaxed);
}

errc Instance::forwarding_stats(ForwardingStats* out) const noexcept {
  if (out == nullptr) return errc::invalid_parameter;
  detail::forwarding_stats(*core_, out);
  return errc::ok;
}

}  // namespace rtm
