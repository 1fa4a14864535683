// core/enumerations.h — enumeration objects: creation and publication, the
// positioning flags, the one sorted snapshot, and the batches a get takes.
//
// An enumeration (EnumObj) is a sorted snapshot of handle values taken at
// its creation and a cursor over it; each get references the next objects
// that are still alive and still pass the filters. Gets by one client are
// serialized by the enumeration's mutex. Implemented in core/enumerations.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/object.h"
#include "core/refs.h"
#include "detail/reclaim.h"

namespace rtm::detail {

class RouteList;

// An enumeration: a sorted snapshot of handle values and a cursor (see
// Instance::create_dest_enum). Used under its mutex (gets by one client).
class EnumObj final : public Object, public OwnedLink {
 public:
  enum class Kind { dests, routes, next_hops, list_routes };
  EnumObj(Core* core, Entity* owner, Kind kind) noexcept;

  Entity* const owner;  // memory reference
  const Kind kind;
  std::mutex mu;
  ViewSet views = 0;
  EnumFlags flags = 0;
  std::uint32_t protocol = 0;
  MatchFlags match = 0;
  RouteInfo criteria;
  std::uint32_t interface_index = 0;
  RouteList* list = nullptr;  // list_routes: the list (by handle check)
  std::uint64_t list_handle = 0;
  std::vector<std::uint64_t> items;    // dests, routes or next hops, in order
  std::size_t cursor = 0;
  std::vector<std::uint64_t> pending;  // routes of the destination being walked
  std::size_t pending_cursor = 0;
  bool deleted = false;

 private:
  void release_children() noexcept override;
};

// Deletes enumeration en (idempotent): its handle is revoked.
void delete_enum_obj(EnumObj* en) noexcept;

// The positioning part of enumeration flags.
struct EnumStart {
  EnumFlags mode = kEnumStart;
  bool has_address = false;
  NetAddress address;
};

// Parses the positioning of `flags` (low byte) and its address; the other
// bits may only be `allowed_extra`. invalid_parameter otherwise.
errc parse_start(const Entity* e, EnumFlags flags, EnumFlags allowed_extra,
                 const NetAddress* address, EnumStart* out);

// The live destinations (kind dest) or next hops (kind next_hop) of
// `family` selected by `st`, as handle values in enumeration order: address
// bytes, then length, then (next hops) interface index. not_enough_memory
// leaves *out as it was.
errc sorted_snapshot(Core& core, HandleKind kind, Family family, const EnumStart& st,
                     std::vector<std::uint64_t>* out);

// The handles of d's live routes now, appended to *out (throws bad_alloc).
void live_route_handles(const Dest* d, std::vector<std::uint64_t>* out);

// Creates an enumeration of e with a reference on e; null with *err set.
EnumObj* new_enum(Core& core, Entity* e, EnumObj::Kind kind, errc* err);

// Publishes a built enumeration: its handle, or out of memory, or
// invalid_handle if its owner deregistered meanwhile (the enumeration is
// gone then).
errc publish_enum(Core& core, EnumObj* en, EnumHandle* out);

// The caller's enumeration named by h (of `kind`, when given), protected by g.
errc resolve_enum(Core& core, Entity* e, EnumHandle h, std::optional<EnumObj::Kind> kind,
                  Guard& g, EnumObj** out);

// An enumeration opened by a get: protected, under its mutex, not deleted.
struct OpenEnum {
  Guard guard;
  EnumObj* en = nullptr;
  std::unique_lock<std::mutex> lock;
};

// The start of every enumeration get, after the caller's check: its
// arguments (a count > 0 and an output array), then e's enumeration of
// `kind`, then (under its mutex) that it was not deleted since the lookup,
// in that order of errors.
errc open_enum_get(Core& core, Entity* e, EnumHandle h, EnumObj::Kind kind,
                   const std::uint32_t* count, bool have_output, OpenEnum* out);

// How many objects one get of e may return when `asked` for.
std::uint32_t batch_cap(const Entity* e, std::uint32_t asked);

// Gives back handles a get referenced before it failed.
void release_partial(Core& core, Entity* e, const std::uint64_t* hs, std::size_t n);

// Takes the handles items[cursor..] into out[n..cap): each that still
// names a live T for which `accept` holds gets a reference for e; one
// freed after the checks is skipped like one deleted before them. Returns
// the first other error (the caller releases out[0..n) and rewinds).
template <typename T, typename H, typename Accept>
errc take_batch(Core& core, Entity* e, const std::vector<std::uint64_t>& items,
                std::size_t& cursor, std::uint32_t cap, H* out, std::uint32_t& n,
                Accept accept) {
  while (n < cap && cursor < items.size()) {
    Guard g;
    T* o = lookup_as<T>(core, items[cursor++], g);
    if (o == nullptr || !accept(o)) continue;
    const errc err = add_ref(e, o);
    if (err == errc::not_found) continue;
    if (err != errc::ok) return err;
    out[n++].value = o->handle;
  }
  return errc::ok;
}

// A get over one list of handles (items from cursor): takes a batch of
// at most *count into out, all or nothing (on an error the references are
// given back and the cursor rewound); *count is what was taken, and
// no_more_items says the list is done.
template <typename T, typename H, typename Accept>
errc get_batch(Core& core, Entity* e, const std::vector<std::uint64_t>& items,
               std::size_t& cursor, std::uint32_t* count, H* out, Accept accept) {
  static_assert(sizeof(H) == sizeof(std::uint64_t));
  const std::size_t start = cursor;
  std::uint32_t n = 0;
  if (errc err = take_batch<T>(core, e, items, cursor, batch_cap(e, *count), out, n, accept);
      err != errc::ok) {
    release_partial(core, e, reinterpret_cast<const std::uint64_t*>(out), n);
    cursor = start;
    return err;
  }
  *count = n;
  return cursor >= items.size() ? errc::no_more_items : errc::ok;
}

}  // namespace rtm::detail
