// api/references.cpp — reference_handles / dereference_handles (rtm/instance.h).
#include <rtm/instance.h>

#include "api/call.h"
#include "core/core.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/test_hook.h"

namespace rtm {

using detail::Call;
using detail::Entity;
using detail::Guard;
using detail::Object;
using detail::add_ref;
using detail::handle_kind;
using detail::release_handles;
using detail::release_taken;

// ---- reference counting --------------------------------------------------------------

errc Instance::reference_handles(EntityHandle caller, std::span<const AnyHandle> handles) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (handles.empty()) return errc::invalid_parameter;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    Guard go;
    // Only the reference-counted kinds: notification registrations,
    // enumerations and route lists are created and deleted, never
    // referenced (a reference would keep a deleted one usable).
    const HandleKind k = handle_kind(handles[i]);
    const bool counted = k == HandleKind::entity || k == HandleKind::dest ||
                         k == HandleKind::route || k == HandleKind::next_hop;
    Object* o = counted ? core_->handles.lookup(handles[i], HandleKind::none, go) : nullptr;
    detail::test_hook("reference_handles.found", o);
    errc r = o == nullptr ? errc::invalid_handle : add_ref(e, o);
    if (r == errc::not_found) r = errc::invalid_handle;
    if (r != errc::ok) {
      release_taken(*core_, e, handles.data(), i);
      return r;
    }
  }
  return errc::ok;
}

errc Instance::dereference_handles(EntityHandle caller, std::span<const AnyHandle> handles) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  for (AnyHandle h : handles)
    if (h == 0) return errc::invalid_handle;
  return release_handles(*core_, e, handles.data(), handles.size(), HandleKind::none);
}

}  // namespace rtm
