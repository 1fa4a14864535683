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
using detail::Core;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NextHop;
using detail::Object;
using detail::Route;
using detail::RouteData;
using detail::RouteList;
using detail::RouteSet;
using detail::Table;
using detail::ThreadScope;
using detail::RefBatch;
using detail::lookup_as;
using detail::add_ref;
using detail::take_hold;
using detail::drop_count;
using detail::release_handles;
using detail::release_taken;
using detail::fill_dest_info;
using detail::target_views;
using detail::filetime_now;
using detail::collect_dest_info_handles;
using detail::handle_kind;
using detail::ChangeSummary;
using detail::collect_route_info_handles;
using detail::fill_route_info;

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
    std::lock_guard lock(nh->lock);
    if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted)
      return errc::invalid_handle;
    return write_next_hop(nh, info);
  }
  const detail::NextHopKey key = next_hop_key(e, info.address, info.interface_index);
  for (;;) {
    if (NextHop* nh = core_->next_hops->find(key, gn)) {
      {
        std::lock_guard lock(nh->lock);
        if (nh->state.load(std::memory_order_relaxed) == kNextHopStateDeleted) {
          gn.clear();
          std::this_thread::yield();
          continue;
        }
        // The caller's reference, taken while the state is created: the map
        // link keeps the handle side, so a delete by key (which waits for the
        // lock, and so linearizes after this add) cannot make it fail; only
        // memory or the owner's deregistration can.
        if (handle != nullptr) {
          if (errc err = add_ref(e, nh); err != errc::ok) return err;
        }
        if (errc err = write_next_hop(nh, info); err != errc::ok) {
          if (handle != nullptr) detail::give_back_ref(e, nh);
          return err;
        }
      }
      detail::test_hook("add_next_hop.found", nh);
      if (handle != nullptr) handle->value = nh->handle;
      return errc::ok;
    }
    // The next hop's link on its owner. Fails once e is revoked: another
    // thread of e completed its deregistration and nothing names e.
    if (!detail::link_child(e)) return errc::invalid_handle;
    NextHop* nh = detail::nothrow_new<NextHop>(core_, e, info.address, info.interface_index);
    if (nh == nullptr) {
      detail::unlink_child(e);
      return errc::not_enough_memory;
    }
    gn.assign(nh);  // ours until published; protected before anyone can drop it
    // Everything that can fail but publishing is done first (unpublished:
    // nothing else can reach nh). The caller's reference too, as add_route
    // does: add_ref's try_add_handle cannot fail (the map link).
    errc err = write_next_hop(nh, info);
    if (err == errc::ok && handle != nullptr) err = add_ref(e, nh);
    if (err != errc::ok) {
      unref_handle(nh);  // unpublished: its revoke and destroy drop the owner links
      return err;
    }
    // nh->lock from before the handle is published (A1) until after the map
    // insert and its re-check (A2): a deregistration walk that finds the
    // handle meanwhile waits in delete_next_hop_obj, then finds nh either
    // in the map (and removes it) or deleted (see owner_deregistered).
    std::unique_lock lock(nh->lock);
    const std::uint64_t h = core_->handles.allocate(HandleKind::next_hop, nh);  // (A1)
    detail::test_hook("add_next_hop.published", nh);
    bool inserted = false;
    bool oom = h == 0;
    if (!oom) {
      try {
        inserted = core_->next_hops->insert(key, nh);
      } catch (...) {
        oom = true;
      }
    }
    if (!inserted) {
      // Deleted before the lock goes, so a walk waiting for it does not
      // drop the map link a second time.
      nh->state.store(kNextHopStateDeleted, std::memory_order_release);
      lock.unlock();
      if (handle != nullptr) detail::give_back_ref(e, nh);  // unless the walk took it
      unref_handle(nh);  // its map link: revoked (frees the handle), then retired
      if (oom) return errc::not_enough_memory;
      continue;  // another thread of this entity created it first
    }
    // (A2) for next hops: if e deregistered meanwhile and its walk missed
    // the handle, undo (see owner_deregistered).
    if (detail::owner_deregistered(e)) {
      delete_next_hop_locked(*core_, nh);
      lock.unlock();
      if (handle != nullptr) detail::give_back_ref(e, nh);  // unless the walk took it
      return errc::invalid_handle;
    }
    lock.unlock();
    if (changed) *changed = kNextHopChangeNew;
    if (handle != nullptr) handle->value = h;
    return errc::ok;
  }
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
  out.address = nh->address;
  batch.commit();
  *info = out;
  return errc::ok;
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
