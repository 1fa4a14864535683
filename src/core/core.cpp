// core/core.cpp — the core of an instance (core/core.h), its instance tags and the clock of last_changed.
#include "core/core.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>

#include "core/expiry.h"
#include "detail/timers.h"

namespace rtm::detail {

// ---- core -----------------------------------------------------------------------------

Core::Core(const InstanceOptions& o, std::uint8_t tag, std::uint32_t index_base)
    : options(o),
      forwarding(o.forwarding_views & o.views_supported),
      handles(tag, index_base),
      next_hops(std::make_unique<ObjectMap<NextHopKey, NextHopKeyHash, NextHop>>(kNextHopBuckets)),
      timers(std::make_unique<Timers>(this, o.clock, &fire_timer)),
      ipv4_(std::make_unique<Table>(Family::ipv4, o.ipv4_buckets)),
      ipv6_(std::make_unique<Table>(Family::ipv6, o.ipv6_buckets)) {}

void Core::destroy_tables() noexcept {
  // Maps hold no references of their own beyond the cells, which are empty
  // once every entity is deregistered; destroying them retires their nodes,
  // so this runs in API context (never inside a disposer). The Table
  // objects themselves stay until ~Core: an object finalized later (a
  // registration left in the retired array of a thread that is still
  // attached, finalized by some later API call) still gives its slot back
  // to its table, and every object holds a reference on the Core.
  ipv4_->map.destroy_storage();
  ipv6_->map.destroy_storage();
  next_hops.reset();
}

// Runs wherever the last object goes (possibly inside a disposer): it
// touches no libcds container, those went with destroy_tables.
Core::~Core() = default;

// ---- instance tags ------------------------------------------------------------

// Tags are reused once their instance is gone; its handles must not validate
// in the next instance with the tag. Per tag, g_tag_base is the first handle
// index no instance with that tag issued: the next HandleTable of the tag
// starts there (detail/handle_table.h), and give_tag moves it past what the
// departing table issued. A tag with fewer than kMinTagIndices indices left
// is retired (never handed out again), so every instance has at least that
// many. 255 reuses of 2^32 - 2^28 indices each before tags run out.
constexpr std::uint32_t kMinTagIndices = 1u << 28;

std::mutex g_tags_mu;
bool g_tag_used[256] = {};
std::uint32_t g_tag_base[256] = {};
unsigned g_next_tag = 1;

TagLease take_tag() {
  std::lock_guard lock(g_tags_mu);
  for (unsigned i = 0; i < 256; ++i) {
    const unsigned t = (g_next_tag + i) & 0xFF;
    if (!g_tag_used[t] && 0xFFFFFFFFu - g_tag_base[t] >= kMinTagIndices) {
      g_tag_used[t] = true;
      g_next_tag = t + 1;
      return TagLease{static_cast<std::uint8_t>(t), g_tag_base[t]};
    }
  }
  throw std::length_error("rtm: no instance tag left (256 live instances, or tags retired)");
}

// `end`: the first index the tag's table never issued (HandleTable::end_index).
void give_tag(std::uint8_t t, std::uint32_t end) {
  std::lock_guard lock(g_tags_mu);
  g_tag_base[t] = std::max(g_tag_base[t], end);
  g_tag_used[t] = false;
}

std::uint64_t filetime_now() noexcept {
  using namespace std::chrono;
  const auto ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  return static_cast<std::uint64_t>(ns / 100) + 116444736000000000ull;
}

}  // namespace rtm::detail
