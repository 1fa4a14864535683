// api/route_lists.cpp — the Instance methods of "route lists"
// (include/rtm/instance.h): argument checks, then core/route_lists.h (the
// membership protocol) and core/enumerations.h (list enumerations).
#include <rtm/instance.h>

#include <mutex>

#include "api/call.h"
#include "core/enumerations.h"
#include "core/route_lists.h"

namespace rtm {

using detail::Call;
using detail::EnumObj;
using detail::Entity;
using detail::Guard;
using detail::Route;
using detail::RouteList;

errc Instance::create_route_list(EntityHandle caller, RouteListHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  if (out == nullptr) return errc::invalid_parameter;
  return detail::create_route_list_obj(*core_, c.entity(), out);
}

errc Instance::insert_in_route_list(EntityHandle caller, RouteListHandle list,
                                    std::span<const RouteHandle> routes) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gl;
  if (routes.empty() || routes.data() == nullptr) return errc::invalid_parameter;
  RouteList* l = nullptr;  // null: out of any list
  if (list) {
    if (errc r = detail::resolve_list(*core_, c.entity(), list, gl, &l); r != errc::ok) return r;
  }
  return detail::insert_routes(*core_, c.entity(), l, routes);
}

errc Instance::create_route_list_enum(EntityHandle caller, RouteListHandle list,
                                      EnumHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  Guard gl;
  if (out == nullptr) return errc::invalid_parameter;
  RouteList* l = nullptr;
  if (errc r = detail::resolve_list(*core_, e, list, gl, &l); r != errc::ok) return r;
  errc err = errc::ok;
  EnumObj* en = detail::new_enum(*core_, e, EnumObj::Kind::list_routes, &err);
  if (en == nullptr) return err;
  en->list = l;
  en->list_handle = l->handle;
  if (errc r = detail::list_route_handles(*core_, l, &en->pending); r != errc::ok) {
    detail::unref_handle(en);
    return r;
  }
  return detail::publish_enum(*core_, en, out);
}

errc Instance::get_list_enum_routes(EntityHandle caller, EnumHandle h, std::uint32_t* count,
                                    RouteHandle* routes) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  detail::OpenEnum oe;
  if (errc r = detail::open_enum_get(*core_, e, h, EnumObj::Kind::list_routes, count,
                                     routes != nullptr, &oe);
      r != errc::ok)
    return r;
  EnumObj* en = oe.en;
  // Still in this list (oe protects the enumeration itself, not the list).
  return detail::get_batch<Route>(*core_, e, en->pending, en->pending_cursor, count, routes,
                                  [&](Route* r) {
                                    return detail::in_route_list(*core_, r, en->list,
                                                                 en->list_handle);
                                  });
}

errc Instance::delete_route_list(EntityHandle caller, RouteListHandle list) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gl;
  RouteList* l = nullptr;
  if (errc r = detail::resolve_list(*core_, c.entity(), list, gl, &l); r != errc::ok) return r;
  detail::delete_route_list_obj(*core_, l);
  return errc::ok;
}

}  // namespace rtm
