// core/enumerations.cpp — enumeration objects: creation and publication,
// positioning, the sorted snapshot shared by destination and next-hop
// enumerations, and the batches a get takes (core/enumerations.h).
#include "core/enumerations.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/next_hop.h"
#include "core/route.h"
#include "detail/fault.h"
#include "detail/test_hook.h"

namespace rtm::detail {

// Creation: one handle link.
EnumObj::EnumObj(Core* c, Entity* o, Kind k) noexcept
    : Object(c, HandleKind::enumeration, 1), owner(o), kind(k) {}

void EnumObj::release_children() noexcept { unref_memory(owner); }

void delete_enum_obj(EnumObj* en) noexcept {
  {
    std::lock_guard lock(en->mu);
    if (en->deleted) return;  // a racing delete won
    en->deleted = true;
  }
  en->owner->owned_enums.unlink(en, 0);  // core/owned.h (a no-op if never linked)
  unref_handle(en);  // the creation reference: revokes it, freeing the handle
}

namespace {

// Enumeration order: address bytes, then length, then interface index.
struct OrderKey {
  std::uint8_t bytes[16];
  std::uint8_t length;
  std::uint32_t ifindex;  // next hops only
};
int compare_key(const OrderKey& a, const OrderKey& b) noexcept {
  if (int c = std::memcmp(a.bytes, b.bytes, 16); c != 0) return c;
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  if (a.ifindex != b.ifindex) return a.ifindex < b.ifindex ? -1 : 1;
  return 0;
}
OrderKey order_key(const NetAddress& a, std::uint32_t ifindex = 0) noexcept {
  OrderKey k{};
  std::memcpy(k.bytes, a.bytes(), 16);
  k.length = static_cast<std::uint8_t>(a.length());
  k.ifindex = ifindex;
  return k;
}

// Whether an object at `a` (with `ifindex`) is selected by the start.
bool selected(const EnumStart& st, const NetAddress& a, std::uint32_t ifindex = 0,
              bool by_ifindex = false) {
  if (!st.has_address) return true;
  switch (st.mode) {
    case kEnumRange:
      return st.address.covers(a);
    case kEnumNext: {
      const int c = compare_key(order_key(a, ifindex), order_key(st.address, 0));
      return by_ifindex ? c > 0 && !(a == st.address) : c > 0;
    }
    default:
      return compare_key(order_key(a, ifindex), order_key(st.address, 0)) >= 0;
  }
}

// The order key of the live destination or next hop h names, when it is
// of `family` and `st` selects it.
std::optional<OrderKey> snapshot_key(Core& core, std::uint64_t h, Family family,
                                     const EnumStart& st) {
  Guard g;
  if (handle_kind(h) == HandleKind::dest) {
    Dest* d = lookup_as<Dest>(core, h, g);
    if (d == nullptr || d->table->family != family) return std::nullopt;
    if (d->gone.load(std::memory_order_acquire)) return std::nullopt;
    if (!selected(st, d->address)) return std::nullopt;
    return order_key(d->address);
  }
  NextHop* nh = lookup_as<NextHop>(core, h, g);
  if (nh == nullptr || nh->address.family() != family) return std::nullopt;
  if (nh->state.load(std::memory_order_acquire) != kNextHopStateCreated) return std::nullopt;
  if (!selected(st, nh->address, nh->interface_index, true)) return std::nullopt;
  return order_key(nh->address, nh->interface_index);
}

}  // namespace

errc parse_start(const Entity* e, EnumFlags flags, EnumFlags allowed_extra,
                 const NetAddress* address, EnumStart* out) {
  out->mode = flags & 0xFF;
  if ((flags & ~EnumFlags{0xFF} & ~allowed_extra) != 0) return errc::invalid_parameter;
  if (out->mode > kEnumRange) return errc::invalid_parameter;
  if (address != nullptr) {
    if (!valid_address_for(e, *address)) return errc::invalid_parameter;
    out->has_address = true;
    out->address = *address;
  } else if (out->mode != kEnumStart) {
    return errc::invalid_parameter;
  }
  return errc::ok;
}

errc sorted_snapshot(Core& core, HandleKind kind, Family family, const EnumStart& st,
                     std::vector<std::uint64_t>* out) {
  std::vector<std::pair<OrderKey, std::uint64_t>> found;
  try {
    fault_throw();
    core.handles.for_each_handle([&](std::uint64_t h) {
      if (handle_kind(h) != kind) return;
      if (std::optional<OrderKey> k = snapshot_key(core, h, family, st)) found.emplace_back(*k, h);
    });
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return compare_key(a.first, b.first) < 0;
    });
    out->reserve(out->size() + found.size());
  } catch (...) {
    return errc::not_enough_memory;
  }
  for (const auto& f : found) out->push_back(f.second);
  return errc::ok;
}

void live_route_handles(const Dest* d, std::vector<std::uint64_t>* out) {
  fault_throw();
  Guard gs;
  const RouteSet* s = gs.protect(d->routes);
  out->reserve(out->size() + s->size);
  for (std::uint32_t i = 0; i < s->size; ++i)
    if (!s->routes[i]->zombie.load(std::memory_order_acquire))
      out->push_back(s->routes[i]->handle);
}

EnumObj* new_enum(Core& core, Entity* e, EnumObj::Kind kind, errc* err) {
  if (!e->counts.try_add_memory()) {  // the enumeration's reference on its owner
    *err = errc::invalid_handle;
    return nullptr;
  }
  EnumObj* en = nothrow_new<EnumObj>(&core, e, kind);
  if (en == nullptr) {
    unref_memory(e);
    *err = errc::not_enough_memory;
    return nullptr;
  }
  return en;
}

// (A1) publishing the handle, then (A2) the owner's registration
// re-checked: the Dekker pair with the deregistration's walk argued at
// owner_deregistered (src/core/deregister.cpp); whichever side sees the other
// deletes the enumeration (delete_enum_obj is idempotent).
errc publish_enum(Core& core, EnumObj* en, EnumHandle* out) {
  return publish_owned(
      core, en, en->owner, HandleKind::enumeration, "publish_enum.published",
      [](Core&, Object* o) {
        // Under mu, as the delete's flag: one deleted since its handle went
        // out (by a client that guessed it) is not linked.
        auto* x = static_cast<EnumObj*>(o);
        std::lock_guard lock(x->mu);
        if (!x->deleted) x->owner->owned_enums.link(x, 0);
      },
      [](Core&, Object* o) { delete_enum_obj(static_cast<EnumObj*>(o)); }, &out->value);
}

errc resolve_enum(Core& core, Entity* e, EnumHandle h, std::optional<EnumObj::Kind> kind,
                  Guard& g, EnumObj** out) {
  auto* en = static_cast<EnumObj*>(core.handles.lookup(h.value, HandleKind::enumeration, g));
  if (en == nullptr) return errc::invalid_handle;
  if (en->owner != e) return errc::access_denied;
  if (kind && en->kind != *kind) return errc::invalid_handle;
  *out = en;
  return errc::ok;
}

errc open_enum_get(Core& core, Entity* e, EnumHandle h, EnumObj::Kind kind,
                   const std::uint32_t* count, bool have_output, OpenEnum* out) {
  if (count == nullptr || *count == 0 || !have_output) return errc::invalid_parameter;
  if (errc r = resolve_enum(core, e, h, kind, out->guard, &out->en); r != errc::ok) return r;
  out->lock = std::unique_lock(out->en->mu);
  if (out->en->deleted) return errc::invalid_handle;  // deleted since the lookup
  return errc::ok;
}

std::uint32_t batch_cap(const Entity* e, std::uint32_t asked) {
  return std::min(asked, e->profile.max_handles_in_enum);
}

void release_partial(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n) {
  release_taken(core, e, hs, n);
}

}  // namespace rtm::detail
