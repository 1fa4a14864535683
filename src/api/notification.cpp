// api/notification.cpp — the Instance methods of "change notification"
// (include/rtm/instance.h): argument checks, then the registrations and
// queues of core/change_queue.h.
#include <rtm/instance.h>

#include "api/call.h"
#include "core/change_queue.h"
#include "core/dest.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/notify_reg.h"
#include "detail/reclaim.h"

namespace rtm {

using detail::Call;
using detail::Core;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NotifyReg;
using detail::lookup_as;

namespace {

// Resolves a registration handle of the caller.
errc resolve_reg(Core& core, Entity* e, NotifyHandle h, Guard& g, NotifyReg** out) {
  auto* r = static_cast<NotifyReg*>(core.handles.lookup(h.value, HandleKind::notify, g));
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  *out = r;
  return errc::ok;
}

// One of the caller's registrations, protected by g. With `active_only`, a
// deregistered registration is invalid_handle.
errc resolve_active_reg(Core& core, Entity* e, NotifyHandle h, Guard& g, NotifyReg** r,
                        bool active_only) {
  if (errc x = resolve_reg(core, e, h, g, r); x != errc::ok) return x;
  if (active_only && !(*r)->active.load(std::memory_order_acquire)) return errc::invalid_handle;
  return errc::ok;
}

// The checks of get_change_status and is_marked_for_change_notification,
// in their order, then *out = query(registration, destination).
errc query_reg_dest(Core& core, EntityHandle caller, NotifyHandle notify, DestHandle dest,
                    bool* out, bool (*query)(const NotifyReg*, const Dest*) noexcept) {
  Call c(core, caller);
  if (!c.ok()) return c.status();
  Guard gr, gd;
  NotifyReg* r = nullptr;
  if (errc x = resolve_active_reg(core, c.entity(), notify, gr, &r, false); x != errc::ok)
    return x;
  if (out == nullptr) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(core, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  *out = query(r, d);
  return errc::ok;
}

}  // namespace

errc Instance::register_for_change_notification(EntityHandle caller, ViewSet target_views,
                                                NotifyFlags flags, void* context,
                                                NotifyHandle* out) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* e = c.entity();
  ViewSet tv;
  if (out == nullptr || detail::target_views(e, target_views, &tv) != errc::ok)
    return errc::invalid_parameter;
  const NotifyFlags types = kChangeTypeAll | kChangeTypeBest | kChangeTypeForwarding;
  if ((flags & types) == 0 || (flags & ~(types | kNotifyOnlyMarkedDests)) != 0)
    return errc::invalid_parameter;
  return detail::create_registration(*core_, e, core_->table(e->info.family), tv, flags, context,
                                     out);
}

errc Instance::deregister_from_change_notification(EntityHandle caller, NotifyHandle notify) {
  detail::ThreadScope scope;
  {
    Call c(*core_, caller);
    if (!c.ok()) return c.status();
    Guard gr;
    NotifyReg* r = nullptr;
    if (errc x = resolve_active_reg(*core_, c.entity(), notify, gr, &r, true); x != errc::ok)
      return x;
    detail::deregister_notification(r);
  }
  // With our guards dropped, free the registration now if no producer is
  // publishing to it (its slot becomes free for the next registration);
  // otherwise it goes with a later scan. Deregistration is control plane:
  // the scan's cost is paid here, not on the data path.
  detail::reclaim_all_now();
  return errc::ok;
}

errc Instance::get_changed_dests(EntityHandle caller, NotifyHandle notify, std::uint32_t* count,
                                 DestInfo* infos) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr;
  NotifyReg* r = nullptr;
  if (errc x = resolve_active_reg(*core_, c.entity(), notify, gr, &r, true); x != errc::ok)
    return x;
  if (count == nullptr || *count == 0 || infos == nullptr) return errc::invalid_parameter;
  std::uint32_t n = 0;
  const errc err = detail::take_changed_dests(*core_, c.entity(), r, notify, *count, infos, &n);
  *count = n;
  if (err != errc::ok && n == 0) return err;
  return r->size.load(std::memory_order_acquire) == 0 ? errc::no_more_items : errc::ok;
}

errc Instance::release_changed_dests(EntityHandle caller, NotifyHandle notify,
                                     std::span<const DestInfo> infos) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr;
  NotifyReg* r = nullptr;
  // Infos outlive their registration: after deregistration (invalid_handle
  // here) they are still released; the hold records validate each reference.
  const errc reg = resolve_reg(*core_, c.entity(), notify, gr, &r);
  if (reg != errc::ok && !(reg == errc::invalid_handle && notify)) return reg;
  // A release of 0 items succeeds and does nothing; with no info to vouch
  // for it, the registration itself must resolve.
  if (infos.empty()) return reg;
  return detail::release_dest_infos(*core_, c.entity(), infos, true, notify);
}

errc Instance::ignore_changed_dests(EntityHandle caller, NotifyHandle notify,
                                    std::span<const DestHandle> dests) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr;
  NotifyReg* r = nullptr;
  if (errc x = resolve_active_reg(*core_, c.entity(), notify, gr, &r, false); x != errc::ok)
    return x;
  if (dests.empty()) return errc::invalid_parameter;
  for (DestHandle h : dests) {
    Guard gd;
    if (lookup_as<Dest>(*core_, h.value, gd) == nullptr) return errc::invalid_handle;
  }
  for (DestHandle h : dests) {
    Guard gd;
    if (Dest* d = lookup_as<Dest>(*core_, h.value, gd)) detail::ignore_change(r, d);
  }
  return errc::ok;
}

errc Instance::get_change_status(EntityHandle caller, NotifyHandle notify, DestHandle dest,
                                 bool* pending) {
  return query_reg_dest(*core_, caller, notify, dest, pending, detail::change_pending);
}

errc Instance::mark_dest_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                                 DestHandle dest, bool mark) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Guard gr, gd;
  NotifyReg* r = nullptr;
  if (errc x = resolve_active_reg(*core_, c.entity(), notify, gr, &r, true); x != errc::ok)
    return x;
  if (!(r->flags & kNotifyOnlyMarkedDests)) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  detail::mark_dest(r, d, mark);
  return errc::ok;
}

errc Instance::is_marked_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                                 DestHandle dest, bool* marked) {
  return query_reg_dest(*core_, caller, notify, dest, marked, detail::is_marked);
}

}  // namespace rtm
