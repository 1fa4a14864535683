// api/forwarding.cpp — the forwarding fast path (rtm/instance.h, section
// "forwarding fast path"; rtm/forwarding.h). No Call: the fast path acts
// for no entity and attaches nothing (core/forwarding.cpp).
#include <rtm/instance.h>

#include "api/instance_access.h"
#include "core/core.h"
#include "core/forwarding.h"
#include "detail/tls.h"
#include "fib/epoch.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

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
// What a session without an index reads: record 0 (offset 0), empty; a
// whole slot, so the base is a records region like any other.
const fib::RecordSlot kNoRecords{};

// Sessions of this thread opened while a section of it was open already
// (nested: they publish nothing of their own). The outermost session's end
// clears the thread's slot, so it must come after theirs: close() checks.
// initial-exec, as epoch_detail::t_state: no __tls_get_addr per session.
constinit thread_local unsigned t_nested_sessions RTM_TLS_IE = 0;

// A session's slot word: the thread's slot, its low bit set for a nested
// session (Slot is 64-byte aligned). Naming the slot in both cases lets
// close() check the thread.
constexpr std::uintptr_t kNested = 1;
static_assert(alignof(fib::epoch_detail::Slot) > kNested);

[[noreturn]] void misuse(const char* what) noexcept {
  std::fprintf(stderr, "rtm: %s\n", what);
  std::abort();
}
}  // namespace

// The section is entered first, so every load a lookup makes is inside it;
// the tables' addresses never change while the instance lives. The
// degraded flag is read relaxed, as by forward4(): a session that misses a
// degradation in progress is one whose failing write was still running
// when it opened (rtm/forwarding.h, consistency rule).
void ForwardingSession::open(const Instance& instance, ViewId view, State* st) noexcept {
  st->v4 = st->v6 = fib_read::Tables{};  // no index: every key reads kZeroSlot
  st->records = reinterpret_cast<const unsigned char*>(&kNoRecords);
  fib::epoch_detail::Slot* s = fib::enter_section();
  if (s != nullptr) {
    st->slot = s;
  } else {  // nested: enter_section() registered the slot before finding it open
    ++t_nested_sessions;
    st->slot = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(fib::epoch_detail::t_state.slot) |
                                       kNested);
  }
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
  st->records = reinterpret_cast<const unsigned char*>(f.groups.records());
}

unsigned detail::nested_forwarding_sessions() noexcept { return t_nested_sessions; }

// Misuse that would end another thread's section, or this thread's while a
// session inside it still reads, aborts: a destructor has no error to
// return, and going on would let writers reuse memory a reader still reads
// (the rules in rtm/forwarding.h).
void ForwardingSession::close(void* slot_word) noexcept {
  const auto w = reinterpret_cast<std::uintptr_t>(slot_word);
  auto* s = reinterpret_cast<fib::epoch_detail::Slot*>(w & ~kNested);
  if (s != fib::epoch_detail::t_state.slot) [[unlikely]]
    misuse("a ForwardingSession was destroyed on another thread than the one that opened it");
  if (w & kNested) {
    --t_nested_sessions;
    return;
  }
  if (t_nested_sessions != 0) [[unlikely]]
    misuse("a ForwardingSession ended while a session opened inside it on the same thread was still open");
  fib::leave_section(s);
}

}  // namespace rtm
