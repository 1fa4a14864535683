// rtm::Instance: the API over the core objects (src/core/).
//
// Fast path (readers: lookups, get-info): hazard-protected map probes and
// route-set snapshots, reference counts taken with CAS; no lock.
// Slow path (writers: add/delete route, next hops, registration): the
// destination's TinyMutex, copy-on-write route sets, retire the old set.
#include <rtm/instance.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>

#include "core/core.h"
#include "core/route_write.h"
#include "core/next_hops.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/enumerations.h"
#include "core/next_hop.h"
#include "core/object.h"
#include "core/route.h"
#include "core/route_lists.h"
#include "core/change_queue.h"
#include "core/deregister.h"
#include "core/dest_table.h"
#include "core/events.h"
#include "core/expiry.h"
#include "core/hold_down.h"
#include "core/infos.h"
#include "core/refs.h"
#include "core/route_select.h"
#include "detail/notify_reg.h"
#include "detail/test_hook.h"
#include "detail/timers.h"

namespace rtm {

using detail::Core;
using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::Hold;
using detail::NextHop;
using detail::NextHopData;
using detail::Object;
using detail::Route;
using detail::RouteData;
using detail::RouteSet;
using detail::HoldSet;
using detail::EnumObj;
using detail::RouteList;
using detail::Table;
using detail::NotifyReg;
using detail::deregister_notification;
using detail::handle_kind;
using detail::ChangeSummary;
using detail::ThreadScope;
using detail::RefBatch;
using detail::lookup_as;
using detail::resolve_caller;
using detail::add_ref;
using detail::take_hold;
using detail::drop_count;
using detail::release_handles;
using detail::release_taken;
using detail::fill_dest_info;
using detail::target_views;
using detail::filetime_now;
using detail::collect_dest_info_handles;


// ---- instance ------------------------------------------------------------------

Instance::Instance(const InstanceOptions& options) {
  if (options.views_supported == 0) throw std::invalid_argument("rtm: no views supported");
  ThreadScope scope;
  const detail::TagLease lease = detail::take_tag();
  try {
    core_ = new Core(options, lease.tag, lease.base);
  } catch (...) {
    detail::give_tag(lease.tag, lease.base);
    throw;
  }
}

Instance::~Instance() {
  ThreadScope scope;
  // No timer fires from here on (a firing in progress is waited for), and
  // deletes below hold nothing down.
  core_->stopping.store(true, std::memory_order_relaxed);
  core_->timers->stop();
  std::vector<Entity*> all;
  {
    std::lock_guard lock(core_->registry_mu);
    core_->tearing_down = true;
    all.swap(core_->entities);
  }
  for (Entity* e : all) {
    e->registered.exchange(false, std::memory_order_seq_cst);  // (D1), see owner_deregistered
    {
      std::lock_guard mlock(e->method_mu);
      e->method_cv.notify_all();
    }
    deregister_impl(*core_, e);
    unref_handle(e);  // the registration
  }
  detail::drop_all_holds(*core_);
  detail::reclaim_all_now();
  core_->destroy_tables();
  detail::reclaim_all_now();
  // The table issues nothing more (every entity is gone, timers stopped).
  detail::give_tag(core_->handles.instance_tag(), core_->handles.end_index());
  core_->unref();
}

std::uint16_t Instance::instance_id() const noexcept { return core_->options.instance_id; }

std::uint8_t Instance::handle_tag() const noexcept { return core_->handles.instance_tag(); }

std::size_t Instance::dest_count(Family family) const {
  Table* t = core_->table_or_null(family);
  return t == nullptr ? 0 : static_cast<std::size_t>(t->dests.load(std::memory_order_relaxed));
}

// ---- entities -------------------------------------------------------------------

errc Instance::register_entity(const EntityInfo& info, const EntityConfig& config,
                               EntityHandle* out, RegnProfile* profile) {
  ThreadScope scope;
  if (out == nullptr) return errc::invalid_parameter;
  if (info.rtm_instance_id != core_->options.instance_id) return errc::invalid_parameter;
  if (family_bits(info.family) == 0) return errc::invalid_parameter;
  if (config.max_next_hops_in_route > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  RegnProfile p;
  p.max_next_hops_in_route = config.max_next_hops_in_route ? config.max_next_hops_in_route : 8;
  p.max_handles_in_enum = config.max_handles_in_enum ? config.max_handles_in_enum : 100;
  p.views_supported = core_->options.views_supported;
  p.number_of_views = static_cast<std::uint32_t>(std::popcount(p.views_supported));

  if (config.methods.size() > kMaxEntityMethods) return errc::invalid_parameter;
  std::vector<EntityMethod> methods;
  try {
    detail::fault_throw();
    methods = config.methods;
  } catch (...) {
    return errc::not_enough_memory;
  }
  // The opaque-pointer slot is taken first and given back on every failure.
  int slot = -1;
  if (config.reserve_opaque_pointer) {
    std::lock_guard lock(core_->registry_mu);
    // A duplicate is reported as such, even with every slot taken (the
    // check is repeated below, where it counts).
    for (Entity* x : core_->entities)
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id)
        return errc::already_exists;
    const std::uint32_t free_slots = ~core_->opaque_slots & ((1u << kMaxOpaquePointers) - 1);
    if (free_slots == 0) return errc::no_system_resources;
    slot = std::countr_zero(free_slots);
    core_->opaque_slots |= 1u << slot;
  }
  auto give_slot = [&] {
    if (slot < 0) return;
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << slot);
  };
  Entity* e = detail::nothrow_new<Entity>(core_, info, p, config.callback, std::move(methods),
                                        slot);
  if (e == nullptr) {
    give_slot();
    return errc::not_enough_memory;
  }
  std::vector<Entity*> others;
  {
    std::unique_lock lock(core_->registry_mu);
    for (Entity* x : core_->entities) {
      if (x->info.family == info.family && x->info.protocol_id == info.protocol_id &&
          x->info.protocol_instance_id == info.protocol_instance_id) {
        unref_handle(e);  // unpublished: revoked and retired here
        lock.unlock();
        give_slot();
        return errc::already_exists;
      }
    }
    core_->handles.allocate(HandleKind::entity, e);  // sets e->handle
    if (e->handle == 0) {
      unref_handle(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
    try {
      detail::fault_throw();
      core_->entities.push_back(e);
      // Memory references for the callbacks (a registered entity is never
      // dead: its registration holds the unit; the check is for form).
      for (Entity* x : core_->entities)
        if (x != e && x->counts.try_add_memory())
          others.push_back(x);
    } catch (...) {
      std::erase(core_->entities, e);
      for (Entity* x : others) unref_memory(x);
      unref_handle(e);
      lock.unlock();
      give_slot();
      return errc::not_enough_memory;
    }
  }
  out->value = e->handle;
  if (profile) *profile = p;
  notify_entities(others, EventType::entity_registered, e);
  return errc::ok;
}

errc Instance::deregister_entity(EntityHandle caller, std::int64_t* still_held) {
  ThreadScope scope;
  Entity* e = nullptr;
  std::vector<Entity*> others;
  bool notify = false;
  {
    Guard g;  // until e is ours (below); no hazard pointer is held across callbacks
    if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
    std::lock_guard lock(core_->registry_mu);
    auto it = std::find(core_->entities.begin(), core_->entities.end(), e);
    if (it == core_->entities.end()) return errc::invalid_handle;  // a racing deregistration
    core_->entities.erase(it);
    e->registered.exchange(false, std::memory_order_seq_cst);  // D1 (call_event_callback), (D1) of owner_deregistered
    notify = !core_->tearing_down;
    try {
      for (Entity* x : core_->entities)  // memory references for the callbacks
        if (x->counts.try_add_memory()) others.push_back(x);
    } catch (...) {
      for (Entity* x : others) unref_memory(x);
      others.clear();
    }
  }
  // From here e is kept alive by its registration reference, which only
  // this call drops.
  {
    // Invocations waiting for a resume give up (invalid_handle).
    std::lock_guard mlock(e->method_mu);
    e->method_cv.notify_all();
  }
  // D2: wait for e's callbacks in flight. Not from inside an event
  // callback (this thread's, of e or of any entity): it could be one of
  // those waited for, or be waited for by a deregistration running inside
  // one of them on another thread. Then callbacks of e running on other
  // threads may still be running, or about to call out (those past C2
  // before D1), when this returns.
  detail::wait_for_callbacks(e);
  const std::int64_t dropped = deregister_impl(*core_, e);
  if (e->opaque_slot >= 0) {  // cleared on every destination by deregister_impl
    std::lock_guard lock(core_->registry_mu);
    core_->opaque_slots &= ~(1u << e->opaque_slot);
  }
  if (notify)
    notify_entities(others, EventType::entity_deregistered, e);
  else
    for (Entity* x : others) unref_memory(x);
  unref_handle(e);  // the registration
  if (still_held) *still_held = dropped;
  return errc::ok;
}

errc Instance::get_registered_entities(EntityHandle caller, std::uint32_t* count,
                                       EntityHandle* handles, EntityInfo* infos) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (count == nullptr || (handles == nullptr && *count > 0)) return errc::invalid_parameter;
  std::lock_guard lock(core_->registry_mu);
  std::uint32_t n = 0;
  for (Entity* x : core_->entities)
    if (x->info.family == e->info.family) ++n;
  if (*count < n) {
    *count = n;
    return errc::insufficient_buffer;
  }
  std::uint32_t i = 0;
  for (Entity* x : core_->entities) {
    if (x->info.family != e->info.family) continue;
    if (errc r = add_ref(e, x); r != errc::ok) {
      // Item by item: a unit a concurrent (double) release took is not ours to drop.
      for (std::uint32_t j = 0; j < i; ++j)
        if (take_hold(*core_, e, handles[j].value, HandleKind::entity) == errc::ok)
          drop_count(*core_, e, handles[j].value);
      return r;
    }
    handles[i].value = x->handle;
    if (infos) infos[i] = x->info;
    ++i;
  }
  *count = i;
  return errc::ok;
}

errc Instance::release_entities(EntityHandle caller, std::span<const EntityHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::entity);
}

errc Instance::get_entity_info(EntityHandle caller, EntityHandle entity, EntityInfo* info) {
  ThreadScope scope;
  Guard g, g2;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info == nullptr) return errc::invalid_parameter;
  Entity* x = lookup_as<Entity>(*core_, entity.value, g2);
  if (x == nullptr) return errc::invalid_handle;
  *info = x->info;
  return errc::ok;
}

errc Instance::get_profile(EntityHandle caller, RegnProfile* profile) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (profile == nullptr) return errc::invalid_parameter;
  *profile = e->profile;
  return errc::ok;
}

errc Instance::outstanding(EntityHandle caller, Outstanding* out) const {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (out == nullptr) return errc::invalid_parameter;
  out->entities = e->held[detail::kind_index(HandleKind::entity)].load(std::memory_order_relaxed);
  out->dests = e->held[detail::kind_index(HandleKind::dest)].load(std::memory_order_relaxed);
  out->routes = e->held[detail::kind_index(HandleKind::route)].load(std::memory_order_relaxed);
  out->next_hops =
      e->held[detail::kind_index(HandleKind::next_hop)].load(std::memory_order_relaxed);
  return errc::ok;
}

// ---- next hops ----------------------------------------------------------------

errc Instance::add_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle,
                            NextHopChangeFlags* changed) {
  ThreadScope scope;
  Guard g, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g, go, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g, gn;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g, gn, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  const std::uint64_t hs[2] = {info.owner.value, info.remote_next_hop.value};
  return release_handles(*core_, e, hs, 2, HandleKind::none);
}

errc Instance::release_next_hops(EntityHandle caller, std::span<const NextHopHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::next_hop);
}

// ---- routes -------------------------------------------------------------------

errc Instance::add_route(EntityHandle caller, RouteHandle* handle, const NetAddress& dest,
                         const RouteInfo& info, std::uint32_t time_to_live,
                         RouteChangeFlags* change_flags, RouteListHandle list) {
  ThreadScope scope;
  Guard g, gr, gd, gn, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  detail::test_hook("add_route.caller_resolved", e);
  RouteList* into = nullptr;
  if (list) {
    if (errc r = detail::resolve_list(*core_, e, list, gl, &into); r != errc::ok) return r;
  }

  if (change_flags == nullptr) return errc::invalid_parameter;
  if (!valid_address_for(e, dest)) return errc::invalid_parameter;
  if (info.views == 0 || (info.views & ~e->profile.views_supported) != 0)
    return errc::invalid_parameter;
  if (info.next_hops.count > e->profile.max_next_hops_in_route) return errc::invalid_parameter;
  const bool force_new = (*change_flags & kRouteChangeNew) != 0;

  // The route to update, when given by handle.
  Route* target = nullptr;
  if (handle != nullptr && handle->value != 0) {
    target = lookup_as<Route>(*core_, handle->value, gr);
    if (target == nullptr) return errc::invalid_handle;
    if (target->owner != e) return errc::access_denied;
    if (!(target->dest->address == dest)) return errc::invalid_parameter;
  }
  NextHop* neighbour = nullptr;
  if (info.neighbour) {
    neighbour = lookup_as<NextHop>(*core_, info.neighbour.value, gn);
    if (neighbour == nullptr) return errc::invalid_handle;
  }
  detail::test_hook("add_route.neighbour_found", neighbour);

  // Room in the list is reserved before anything is published, so moving
  // the route in afterwards cannot fail; every early return gives it back.
  struct ListReservation {
    Core* core;
    RouteList* list = nullptr;
    ~ListReservation() {
      if (list == nullptr) return;
      std::lock_guard l(core->list_mu);
      --list->reserved;
    }
  } reservation{core_};
  if (into != nullptr) {
    if (errc r = detail::reserve_route_list_slot(*core_, into); r != errc::ok) return r;
    reservation.list = into;
  }

  // The new attribute version: a memory reference on each next hop for the
  // version, and the handle link the route will hold on the hops of its
  // current version (moved to it below, or given back by discard_data).
  RouteData* data = RouteData::create(info.next_hops.count);
  if (data == nullptr) return errc::not_enough_memory;
  data->pref = info.pref;
  data->views = info.views;
  data->flags1 = info.flags1;
  data->flags = info.flags;
  data->entity_specific_info = info.entity_specific_info;
  auto discard_data = [](RouteData* rd) {
    detail::unlink_hops(rd);
    rd->destroy();
  };
  for (std::uint16_t i = 0; i < info.next_hops.count; ++i) {
    Guard gh;
    NextHop* nh = lookup_as<NextHop>(*core_, info.next_hops.hops[i].value, gh);
    // link_child fails once the next hop is revoked (its last reference
    // went after the lookup): the handle was no longer valid.
    if (nh == nullptr || nh->owner != e || !detail::link_child(nh)) {
      data->hop_count = i;  // only the references taken so far
      discard_data(data);
      return nh == nullptr ? errc::invalid_handle : nh->owner != e ? errc::access_denied
                                                                   : errc::invalid_handle;
    }
    data->hops[i] = nh;
  }

  Table& t = core_->table(dest.family());
  Dest* d = target ? target->dest : lock_dest_for_update(*core_, t, dest, gd);
  if (d == nullptr) {
    discard_data(data);
    return errc::not_enough_memory;
  }
  if (target) d->lock.lock();
  std::unique_lock lock(d->lock, std::adopt_lock);

  RouteSet* s = d->routes.load(std::memory_order_relaxed);
  Route* route = target;
  if (route != nullptr && route->state.load(std::memory_order_relaxed) != kRouteStateCreated) {
    discard_data(data);
    return errc::invalid_handle;  // deleted meanwhile
  }
  if (route == nullptr && !force_new) {
    const std::uint64_t nb = neighbour ? neighbour->handle : 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_relaxed)) continue;
      if (r->owner == e && (r->neighbour ? r->neighbour->handle : 0) == nb) {
        route = r;
        break;
      }
    }
  }
  // The caller's reference on the route is taken before anything is
  // published, so that running out of memory for it changes nothing.
  const bool want_ref = handle != nullptr && handle->value == 0;
  detail::BestState before, after;
  best_state(s, &before);
  RouteChangeFlags out = 0;
  ViewSet touched = data->views;
  bool owner_gone = false;
  if (route != nullptr) {
    if (want_ref) {
      // Cannot fail but for memory: the route is in d (its table link).
      if (errc r = add_ref(e, route); r != errc::ok) {
        discard_data(data);
        return r;
      }
    }
    // release: the new version is fully built before a reader's protect()
    // (acquire) can see it.
    RouteData* old = route->data.exchange(data, std::memory_order_acq_rel);
    touched |= old->views;
    detail::unlink_hops(old);  // the route's links move to the new version's hops
    detail::retire(old);
    d->last_changed.store(filetime_now(), std::memory_order_relaxed);
    gr.assign(route);  // alive: the current set holds it (we are under the lock)
  } else {
    // Everything that can fail is done before the route's handle is
    // published (last), and the route is built with the links publishing
    // needs (its table link, the new set's memory reference), so no other
    // entity's reference_handles / dereference_handles on the new handle
    // can bring it to zero.
    RouteSet* next = RouteSet::create(s->size + 1);
    auto fail = [&](errc why) {
      discard_data(data);
      if (next != nullptr) {
        next->size = 0;
        next->destroy();
      }
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return why;
    };
    if (next == nullptr) return fail(errc::not_enough_memory);
    // The route's links on what it names. d: infallible, d is locked and
    // not gone, so in the map (its map link keeps the handle side). The
    // owner: fails once e is revoked (another thread of e completed its
    // deregistration and nothing names e). The neighbour: found under a
    // hazard pointer only; fails once revoked (its last reference went).
    detail::link_child(d);
    if (!detail::link_child(e)) {
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    if (neighbour != nullptr && !detail::link_child(neighbour)) {
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::invalid_handle);
    }
    route = detail::nothrow_new<Route>(core_, d, e, neighbour, data);
    if (route == nullptr) {
      detail::unlink_child(neighbour);
      detail::unlink_child(e);
      detail::unlink_child(d);
      return fail(errc::not_enough_memory);
    }
    gr.assign(route);  // ours until published
    // Unpublished: add_ref's try_add_handle cannot fail (the table link).
    const errc ref = want_ref ? add_ref(e, route) : errc::ok;
    if (ref == errc::ok) core_->handles.allocate(HandleKind::route, route);  // sets ->handle
    if (ref != errc::ok || route->handle == 0) {
      if (ref == errc::ok && want_ref) {  // give the unpublished reference back
        route->holds.find(e->handle)->count.fetch_sub(1, std::memory_order_relaxed);
        e->held[detail::kind_index(HandleKind::route)].fetch_sub(1, std::memory_order_relaxed);
        unref_handle(route);
      }
      route->state.store(kRouteStateDeleted, std::memory_order_relaxed);
      unref_handle(route);  // the table link: revoked; drops the links on d, e, neighbour, hops
      unref_memory(route);  // the set it never entered: retired; drops data
      next->size = 0;
      next->destroy();
      if (!has_live_route(s) && !has_held_route(d)) {
        remove_empty_dest(d);
        unref_handle(d);
      }
      return ref != errc::ok ? ref : errc::not_enough_memory;
    }
    detail::test_hook("add_route.published", route);
    std::uint32_t j = 0;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      // Deleted entries left by an out-of-memory delete are dropped here.
      if (s->routes[i]->zombie.load(std::memory_order_relaxed)) continue;
      // The new set's memory reference; infallible: the current set holds one.
      s->routes[i]->counts.try_add_memory();
      next->routes[j++] = s->routes[i];
    }
    next->routes[j++] = route;  // with the memory reference it was built with
    next->size = j;
    out |= kRouteChangeNew;
    if (!has_live_route(s)) out |= kRouteChangeFirst;
    publish_routes(d, next);
    s = next;
    owner_gone = detail::owner_deregistered(e);  // (A2), see owner_deregistered
  }
  best_state(d->routes.load(std::memory_order_relaxed), &after);
  const ChangeSummary change = summarize(before, after, touched, route, &out);
  route->version.fetch_add(1, std::memory_order_release);
  // Expiry (see Route::expiry_at): each add restarts or, with kInfinite,
  // cancels it. A new entry is armed only when none is pending or the new
  // time is earlier than the pending one.
  if (time_to_live == kInfinite || owner_gone) {
    route->expiry_at = 0;
  } else {
    route->expiry_at = core_->timers->now() + time_to_live;
    if (route->expiry_at == 0) route->expiry_at = 1;  // 0 means never
    if (route->armed_at == 0 || route->expiry_at < route->armed_at)
      detail::arm_route_expiry(*core_, route);
  }
  lock.unlock();
  if (into != nullptr && !owner_gone) {
    detail::move_to_route_list(*core_, into, route);  // consumes the reservation
    reservation.list = nullptr;
  }
  // d is protected (gd, or gr through the route that holds it). If a
  // concurrent delete already took it out and revoked it, publish_change
  // skips it: that deleter published the later change itself.
  publish_change(*core_, d, change);
  if (owner_gone) {
    // The owner deregistered while the route was being linked, and its
    // walk may have missed the route: undo it (deleted, and the caller's
    // reference given back unless the walk already dropped it). Readers
    // may have seen it meanwhile, as a route added and deleted.
    delete_route_obj(*core_, route, nullptr);
    if (want_ref) {
      const std::uint64_t h = route->handle;
      release_handles(*core_, e, &h, 1, HandleKind::route);
    }
    return errc::invalid_handle;
  }
  *change_flags = out;
  if (want_ref) handle->value = route->handle;  // referenced above
  return errc::ok;
}

errc Instance::delete_route(EntityHandle caller, RouteHandle handle,
                            RouteChangeFlags* change_flags) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  return delete_route_obj(*core_, r, change_flags);
}

namespace {

// Fills a RouteInfo for route r (protected) with references for e: the
// values of one attribute version, and a reference on each object named.
// not_found if r was revoked meanwhile.
errc fill_route_info(Core& core, Entity* e, Route* r, RouteInfo* info) {
  for (;;) {
    RefBatch batch(core, e);
    errc err = errc::ok;
    Guard gd;
    const RouteData* d = gd.protect(r->data);
    // While r is not revoked it holds handle links on its destination,
    // owner and neighbour, and on the hops of its current version. The
    // version read here may have been replaced since (its hops' links
    // moved on), or r revoked: a failed reference retries, or reports r
    // gone.
    Object* named[3 + kMaxNextHopsPerRoute] = {r->dest, r->owner, r->neighbour};
    std::size_t n = 3;
    for (std::uint16_t i = 0; i < d->hop_count; ++i) named[n++] = d->hops[i];
    for (std::size_t i = 0; i < n && err == errc::ok; ++i)
      if (named[i] != nullptr) batch.add(named[i], &err);  // null: no neighbour
    if (err == errc::not_found) {
      if (r->counts.revoked()) return errc::not_found;
      continue;
    }
    if (err != errc::ok) return err;
    RouteInfo out;
    detail::route_info_of(r, d, &out);
    batch.commit();
    *info = out;
    return errc::ok;
  }
}

void collect_route_info_handles(const RouteInfo& info, std::uint64_t* hs, std::size_t* n) {
  hs[(*n)++] = info.dest.value;
  hs[(*n)++] = info.owner.value;
  hs[(*n)++] = info.neighbour.value;
  const unsigned c = std::min<unsigned>(info.next_hops.count, kMaxNextHopsPerRoute);
  for (unsigned i = 0; i < c; ++i) hs[(*n)++] = info.next_hops.hops[i].value;
}

}  // namespace

errc Instance::get_route_info(EntityHandle caller, RouteHandle handle, RouteInfo* info,
                              NetAddress* dest_address) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info == nullptr && dest_address == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  if (info != nullptr) {
    errc err = fill_route_info(*core_, e, r, info);
    if (err == errc::not_found) return errc::invalid_handle;  // its last reference went meanwhile
    if (err != errc::ok) return err;
  }
  if (dest_address != nullptr) *dest_address = r->dest->address;
  return errc::ok;
}

errc Instance::release_route_info(EntityHandle caller, const RouteInfo& info) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (info.next_hops.count > kMaxNextHopsPerRoute) return errc::invalid_parameter;
  std::uint64_t hs[3 + kMaxNextHopsPerRoute];
  std::size_t n = 0;
  collect_route_info_handles(info, hs, &n);
  return release_handles(*core_, e, hs, n, HandleKind::none);
}

errc Instance::release_routes(EntityHandle caller, std::span<const RouteHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  return release_handles(*core_, e, reinterpret_cast<const std::uint64_t*>(handles.data()),
                         handles.size(), HandleKind::route);
}

errc Instance::is_best_route(EntityHandle caller, RouteHandle handle, ViewSet* best_in_views) {
  ThreadScope scope;
  Guard g, gr, gs;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (best_in_views == nullptr) return errc::invalid_parameter;
  Route* r = lookup_as<Route>(*core_, handle.value, gr);
  if (r == nullptr) return errc::invalid_handle;
  detail::BestState best;
  best_state(gs.protect(r->dest->routes), &best);
  ViewSet out = 0;
  for (int v = 0; v < kMaxViews; ++v)
    if (detail::best_route_in(best, v) == r && (e->profile.views_supported & (1u << v)))
      out |= 1u << v;
  *best_in_views = out;
  return errc::ok;
}

// ---- destinations ----------------------------------------------------------------

errc Instance::get_dest_info(EntityHandle caller, DestHandle dest, std::uint32_t protocol,
                             ViewSet views, DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  errc r = fill_dest_info(*core_, e, d, protocol, tv, info);
  return r == errc::not_found ? errc::invalid_handle : r;
}

errc Instance::release_dest_info(EntityHandle caller, const DestInfo& info) {
  return release_dests(caller, std::span<const DestInfo>(&info, 1));
}

errc Instance::release_dests(EntityHandle caller, std::span<const DestInfo> infos) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (infos.empty()) return errc::ok;  // a release of 0 items succeeds
  std::vector<std::uint64_t> hs;
  try {
    detail::fault_throw();
    hs.resize(infos.size() * (1 + 3 * kMaxViews));
  } catch (...) {
    return errc::not_enough_memory;
  }
  std::size_t n = 0;
  for (const DestInfo& i : infos) {
    // Infos from get_changed_dests go back only through release_changed_dests.
    if (i.number_of_views > kMaxViews || i.changed_by || detail::is_changed_info(i))
      return errc::invalid_parameter;
    collect_dest_info_handles(i, hs.data(), &n);
  }
  return release_handles(*core_, e, hs.data(), n, HandleKind::none);
}

errc Instance::get_exact_match_destination(EntityHandle caller, const NetAddress& address,
                                           std::uint32_t protocol, ViewSet views,
                                           DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  Dest* d = t.map.find(detail::dest_key(address), gd);
  if (d == nullptr || !detail::has_route_or_hold_in(d, tv)) return errc::not_found;
  return fill_dest_info(*core_, e, d, protocol, tv, info);
}

errc Instance::get_most_specific_destination(EntityHandle caller, const NetAddress& address,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  ThreadScope scope;
  Guard g, gd;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  for (int attempt = 0; attempt < 8; ++attempt) {
    Dest* d = longest_match(*core_, t, address, static_cast<int>(address.length()), tv, gd);
    if (d == nullptr) return errc::not_found;
    errc r = fill_dest_info(*core_, e, d, protocol, tv, info);
    if (r != errc::not_found) return r;  // not_found: it died under us; search again
  }
  return errc::not_found;
}

errc Instance::get_less_specific_destination(EntityHandle caller, DestHandle dest,
                                             std::uint32_t protocol, ViewSet views,
                                             DestInfo* info) {
  ThreadScope scope;
  Guard g, gd, gl;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (info == nullptr || target_views(e, views, &tv) != errc::ok) return errc::invalid_parameter;
  Dest* d = lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (d->address.family() != e->info.family) return errc::invalid_parameter;
  const NetAddress a = d->address;
  Table& t = core_->table(a.family());
  for (int attempt = 0; attempt < 8; ++attempt) {
    Dest* l = longest_match(*core_, t, a, static_cast<int>(a.length()) - 1, tv, gl);
    if (l == nullptr) return errc::not_found;
    errc r = fill_dest_info(*core_, e, l, protocol, tv, info);
    if (r != errc::not_found) return r;
  }
  return errc::not_found;
}

errc Instance::get_exact_match_route(EntityHandle caller, const NetAddress& address,
                                     MatchFlags flags, RouteInfo* criteria,
                                     std::uint32_t interface_index, ViewSet views,
                                     RouteHandle* route, bool fill_info) {
  ThreadScope scope;
  Guard g, gd, gs, gx, gr;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (route == nullptr || !valid_address_for(e, address) ||
      target_views(e, views, &tv) != errc::ok)
    return errc::invalid_parameter;
  if ((flags & ~kMatchInterface & kMatchFull) != 0 && criteria == nullptr)
    return errc::invalid_parameter;
  if ((flags & kMatchNextHop) && criteria->next_hops.count == 0) return errc::invalid_parameter;
  Table& t = core_->table(address.family());
  Dest* d = t.map.find(detail::dest_key(address), gd);
  if (d == nullptr) return errc::not_found;
  for (;;) {  // lock-free: each retry follows a route's revocation
    const RouteSet* s = gs.protect(d->routes);
    Route* best = nullptr;
    PrefInfo best_pref;
    for (std::uint32_t i = 0; i < s->size; ++i) {
      Route* r = s->routes[i];
      if (r->zombie.load(std::memory_order_acquire)) continue;
      const RouteData* rd = gx.protect(r->data);
      if ((rd->views & tv) == 0) continue;
      if (!detail::route_matches(r, rd, flags, criteria, interface_index)) continue;
      if (best == nullptr || compare_pref(rd->pref, best_pref) < 0) {
        best = r;
        best_pref = rd->pref;
      }
    }
    if (best == nullptr) return errc::not_found;
    gr.assign(best);  // alive: s holds it, and gs still protects s
    // The route's reference first: it fails if the route was revoked
    // after s was taken (deleted and released), and the search starts
    // again from the current set; once held, the route's links keep what
    // its info names.
    errc err = add_ref(e, best);
    if (err == errc::not_found) continue;
    if (err != errc::ok) return err;
    RouteInfo filled;
    if (fill_info && criteria != nullptr) {
      err = fill_route_info(*core_, e, best, &filled);
      if (err != errc::ok) {
        const std::uint64_t h = best->handle;
        release_handles(*core_, e, &h, 1, HandleKind::route);
        return err;
      }
    }
    route->value = best->handle;
    if (fill_info && criteria != nullptr) *criteria = filled;
    return errc::ok;
  }
}

// ---- reference counting --------------------------------------------------------------

errc Instance::reference_handles(EntityHandle caller, std::span<const AnyHandle> handles) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
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
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  if (handles.empty()) return errc::ok;  // a release of 0 items succeeds
  for (AnyHandle h : handles)
    if (h == 0) return errc::invalid_handle;
  return release_handles(*core_, e, handles.data(), handles.size(), HandleKind::none);
}

// ---- process-wide ---------------------------------------------------------------------

ObjectCounters object_counters() noexcept {
  ObjectCounters c;
  for (int i = 0; i < 8; ++i) {
    c.allocated[i] = detail::g_allocated[i].load(std::memory_order_relaxed);
    c.freed[i] = detail::g_freed[i].load(std::memory_order_relaxed);
  }
  return c;
}

void reclaim_all() { detail::reclaim_all_now(); }

}  // namespace rtm
