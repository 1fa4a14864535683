// api/next_hops.cpp — Instance methods of the next-hops section of rtm/instance.h.
#include <rtm/instance.h>

#include <mutex>
#include <thread>

#include "api/call.h"
#include "core/core.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/infos.h"
#include "core/next_hops.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/test_hook.h"

namespace rtm {

using detail::Call;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::RefBatch;
using detail::Table;
using detail::add_ref;
using detail::lookup_as;
using detail::release_handles;

// ---- next hops ----------------------------------------------------------------

errc Instance::add_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle,
                            NextHopChangeFlags* changed) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gn;
  if (!valid_address_for(e, info.address)) return errc::invalid_parameter;
  if (changed) *changed = 0;
  if (handle != nullptr && handle->value != 0) {  // update by handle
    NextHop* nh = lookup_as<NextHop>(*core_, handle->value, gn);
    if (nh == nullptr) return errc::invalid_handle;
    if (nh->owner != e) return errc::access_denied;
    return detail::update_next_hop(nh, info);
  }
  return detail::add_next_hop_obj(*core_, e, info, handle != nullptr ? &handle->value : nullptr,
                                  changed);
}

errc Instance::find_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard go, gn;
  if (handle == nullptr || !valid_address_for(e, info.address)) return errc::invalid_parameter;
  Entity* owner = e;
  if (info.owner) {
    owner = lookup_as<Entity>(*core_, info.owner.value, go);
    if (owner == nullptr) return errc::invalid_handle;
  }
  NextHop* nh = core_->next_hops->find(next_hop_key(owner, info.address, info.interface_index), gn);
  if (nh == nullptr) return errc::not_found;
  if (errc r = add_ref(e, nh); r != errc::ok) return r == errc::not_found ? errc::not_found : r;
  handle->value = nh->handle;
  return errc::ok;
}

errc Instance::delete_next_hop(EntityHandle caller, NextHopHandle handle, const NextHopInfo* key) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gn;
  NextHop* nh = nullptr;
  if (handle) {
    nh = lookup_as<NextHop>(*core_, handle.value, gn);
    if (nh == nullptr) return errc::invalid_handle;
  } else {
    if (key == nullptr || !valid_address_for(e, key->address)) return errc::invalid_parameter;
    nh = core_->next_hops->find(next_hop_key(e, key->address, key->interface_index), gn);
    if (nh == nullptr) return errc::not_found;
  }
  if (nh->owner != e) return errc::access_denied;
  return delete_next_hop_obj(*core_, nh);
}

errc Instance::get_next_hop_info(EntityHandle caller, NextHopHandle handle, NextHopInfo* info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  Guard gn, gd;
  if (info == nullptr) return errc::invalid_parameter;
  NextHop* nh = lookup_as<NextHop>(*core_, handle.value, gn);
  if (nh == nullptr) return errc::invalid_handle;
  for (;;) {  // lock-free: each retry follows a fold (or revocation) of what it referenced
    NextHopInfo out;
    detail::peek_next_hop_info(nh, &out);
    RefBatch batch(*core_, e);
    errc err = errc::ok;
    // nh holds a handle link on its owner until nh is revoked (its last
    // reference went after the lookup: then the handle is gone).
    out.owner.value = batch.add(nh->owner, &err);
    if (err == errc::not_found) return errc::invalid_handle;
    if (err != errc::ok) return err;
    if (nh->interface_index == 0) {
      Table& t = core_->table(nh->address.family());
      if (Dest* d = longest_match(*core_, t, nh->address, static_cast<int>(nh->address.length()),
                                  kViewMaskAll, gd)) {
        out.remote_next_hop.value = batch.add(d, &err);
        if (err == errc::not_found) err = errc::ok;  // died meanwhile: no remote dest
        if (err != errc::ok) return err;
      }
    }
    // A reference taken at commit fails if its object left its table
    // since: build the answer again (the owner's failure means nh is gone).
    if (err = batch.commit(); err == errc::not_found) {
      if (nh->counts.revoked()) return errc::invalid_handle;
      continue;
    }
    if (err != errc::ok) return err;
    out.address = nh->address;
    *info = out;
    return errc::ok;
  }
}

errc Instance::release_next_hop_info(EntityHandle caller, const NextHopInfo& info) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  const std::uint64_t hs[2] = {info.owner.value, info.remote_next_hop.value};
  return release_handles(*core_, e, hs, 2, HandleKind::none);
}

errc Instance::release_next_hops(EntityHandle caller, std::span<const NextHopHandle> handles) {
  Call c(*core_, caller);
  if (!c.ok()) return c.status();
  Entity* const e = c.entity();
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::next_hop);
}

}  // namespace rtm
