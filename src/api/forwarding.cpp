// api/forwarding.cpp — the forwarding fast path (rtm/instance.h, section
// "forwarding fast path"; rtm/forwarding.h). No Call: the fast path acts
// for no entity and attaches nothing (core/forwarding.cpp).
#include <rtm/instance.h>

#include "api/instance_access.h"
#include "core/core.h"
#include "core/forwarding.h"
#include "fib/epoch.h"

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

namespace {
// What a session without an index reads: record 0, empty.
const ForwardingResult kNoRecords[1] = {};
}  // namespace

// The section is entered first, so every load a lookup makes is inside it;
// the tables' addresses never change while the instance lives. The
// degraded flag is read relaxed, as by forward4(): a session that misses a
// degradation in progress is one whose failing write was still running
// when it opened (rtm/forwarding.h, consistency rule).
void ForwardingSession::open(const Instance& instance, ViewId view, State* st) noexcept {
  st->v4 = st->v6 = fib_read::Tables{};  // no index: every key reads kZeroSlot
  st->records = kNoRecords;
  st->slot = fib::enter_section();
  st->status = errc::ok;
  const detail::Forwarding& f = detail::InstanceAccess::core(const_cast<Instance&>(instance)).forwarding;
  const int slot = f.slot_of(view);
  if (slot < 0) {
    st->status = errc::invalid_parameter;
    return;
  }
  if (f.degraded.load(std::memory_order_relaxed)) {
    st->status = errc::not_supported;
    return;
  }
  st->v4 = f.v4[slot]->read_tables();
  st->v6 = f.v6[slot]->read_tables();
  st->records = f.groups.records();
}

void ForwardingSession::close(void* slot) noexcept {
  fib::leave_section(static_cast<fib::epoch_detail::Slot*>(slot));
}

}  // namespace rtm
