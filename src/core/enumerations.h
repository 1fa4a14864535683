// core/enumerations.h — enumeration objects (create_*_enum / get_*_enum).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include <rtm/instance.h>

#include "core/entity.h"
#include "core/object.h"

namespace rtm::detail {

class RouteList;

// An enumeration: a sorted snapshot of handle values and a cursor (see
// Instance::create_dest_enum). Used under its mutex (gets by one client).
class EnumObj final : public Object {
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

// Deletes an enumeration (once: a racing delete is a no-op).
void delete_enum_obj(EnumObj* en) noexcept;

}  // namespace rtm::detail
