// Change notification: per-registration queues of changed destinations.
//
// State per destination d and registration slot i (bit b = 1 << i):
//   d->queued  & b — d has an entry in registration i's queue;
//   d->ignored & b — that entry was ignored (IgnoreChangedDests);
//   d->marked  & b — d is marked for an ONLY_MARKED_DESTS registration.
// A queue entry holds one handle link on d (the consumer hands out d's
// handle, even after d left the map).
//
// Producer (a writer, after its change is published in d's route set and
// d's lock is released):
//   P1 ignored.fetch_and(~b)          — a new change un-ignores
//   P2 old = queued.fetch_or(b)       — linearization point of "queued"
//   P3 if !(old & b): take a reference, enqueue d, size.fetch_add(1);
//      signal if size was 0.
// Consumer (get_changed_dests):
//   C1 dequeue d; size.fetch_sub(1)
//   C2 queued.fetch_and(~b)
//   C3 was_ignored = ignored.fetch_and(~b) & b
//   C4 if was_ignored: drop the entry's reference and skip d;
//      else read d's state (after C2) into the info, moving the reference.
//
// At most one entry per (d, i): an entry is enqueued only by the producer
// whose P2 turned the bit on, and the bit goes off only at C2, after that
// entry left the queue.
// No lost change: a producer's change is published before its P2 (release
// RMW); if P2 found the bit set, the consumer's later C2 (acq_rel RMW on the
// same word) reads-from a value at or after P2, so its state read at C4
// sees the change. If P2 found the bit clear, the producer enqueues.
// Ignore vs change: IgnoreChangedDests sets `ignored` only if the entry is
// still queued; a producer clears it at P1 before P2, so a change after the
// ignore is delivered (C3 sees it clear) — at worst a destination is
// delivered once more than needed, never lost, never twice in the queue.
// Memory orders: all the bit RMWs are acq_rel (each both publishes the
// writer's state and must observe the other side's); the queue itself is
// libcds' Michael–Scott queue with its own release/acquire on node links.
#include <rtm/instance.h>

#include <bit>
#include <new>
#include <vector>

#include "core/core.h"
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
#include "detail/deferred.h"
#include "detail/notify_reg.h"
#include "detail/test_hook.h"

namespace rtm {

namespace detail {

NotifyReg::NotifyReg(Core* c, Entity* o, Table* t, int s, ViewSet v, std::uint32_t f,
                     void* ctx) noexcept
    : Object(c, HandleKind::notify, 1), owner(o), table(t), slot(s), bit(1u << s), views(v),
      flags(f), context(ctx) {}

bool NotifyReg::destroy_needs_api_context() const noexcept { return true; }

void NotifyReg::release_children() noexcept {
  // API context (destroy_needs_api_context): the queue may retire its nodes.
  // No producer can still hold this registration: it is unreachable and
  // free of hazards, so the drained queue stays empty.
  Dest* d = nullptr;
  while (queue.dequeue(d)) {
    d->queued.fetch_and(~bit, std::memory_order_acq_rel);
    d->ignored.fetch_and(~bit, std::memory_order_acq_rel);
    unref_handle(d);  // the entry's link
  }
  // Clear this slot's marks before the slot can be reused.
  if (flags & kNotifyOnlyMarkedDests) {
    core->handles.for_each_handle([&](std::uint64_t h) {
      if (handle_kind(h) != HandleKind::dest) return;
      Guard g;
      if (Dest* x = lookup_as<Dest>(*core, h, g)) x->marked.fetch_and(~bit, std::memory_order_acq_rel);
    });
  }
  // release: the cleared bits are visible to the next registration that
  // takes the slot (acquire in register_for_change_notification).
  table->slots_taken.fetch_and(~bit, std::memory_order_release);
  unref_memory(owner);
}

namespace {

bool matches(const NotifyReg* r, const ChangeSummary& c) noexcept {
  return ((r->flags & kChangeTypeAll) && (c.all & r->views)) ||
         ((r->flags & kChangeTypeBest) && (c.best & r->views)) ||
         ((r->flags & kChangeTypeForwarding) && (c.fwd & r->views));
}

// Resolves a registration handle of the caller.
errc resolve_reg(Core& core, Entity* e, NotifyHandle h, Guard& g, NotifyReg** out) {
  auto* r = static_cast<NotifyReg*>(core.handles.lookup(h.value, HandleKind::notify, g));
  if (r == nullptr) return errc::invalid_handle;
  if (r->owner != e) return errc::access_denied;
  *out = r;
  return errc::ok;
}

// The caller entity and one of its registrations, each protected by its
// guard. With `active_only`, a deregistered registration is invalid_handle.
errc resolve_caller_reg(Core& core, EntityHandle caller, NotifyHandle h, Guard& ge, Guard& gr,
                        Entity** e, NotifyReg** r, bool active_only) {
  if (errc x = resolve_caller(core, caller, ge, e); x != errc::ok) return x;
  if (errc x = resolve_reg(core, *e, h, gr, r); x != errc::ok) return x;
  if (active_only && !(*r)->active.load(std::memory_order_acquire)) return errc::invalid_handle;
  return errc::ok;
}

}  // namespace

void signal_registration(void* arg) noexcept;

void publish_change(Core& /*core*/, Dest* d, const ChangeSummary& c) {
  if ((c.all | c.best | c.fwd) == 0) return;
  Table& t = *d->table;
  std::uint32_t slots = t.slots_taken.load(std::memory_order_acquire);
  struct Signal {
    NotifyReg* reg;
  };
  Signal signals[kMaxNotifyRegistrations];
  int nsignals = 0;
  while (slots != 0) {
    const int i = std::countr_zero(slots);
    slots &= slots - 1;
    Guard g;
    NotifyReg* r = g.protect(t.regs[i]);
    if (r == nullptr || !matches(r, c)) continue;
    const std::uint32_t b = r->bit;
    if ((r->flags & kNotifyOnlyMarkedDests) && !(d->marked.load(std::memory_order_acquire) & b))
      continue;
    d->ignored.fetch_and(~b, std::memory_order_acq_rel);               // P1
    if (d->queued.fetch_or(b, std::memory_order_acq_rel) & b) continue;  // P2
    // The entry's link. Fails only once d is revoked: out of the map and
    // unreferenced, so the deleter that took it out published the change.
    if (!d->counts.try_add_handle()) {
      d->queued.fetch_and(~b, std::memory_order_acq_rel);
      continue;
    }
    bool queued = false;
    try {
      detail::fault_throw();
      queued = r->queue.enqueue(d);
    } catch (...) {
    }
    if (!queued) {  // out of memory: this registration misses the change
      d->queued.fetch_and(~b, std::memory_order_acq_rel);
      unref_handle(d);
      continue;
    }
    if (r->size.fetch_add(1, std::memory_order_acq_rel) == 0 && r->owner->callback &&
        r->counts.try_add_memory())  // fails only if r is dead: no signal
      signals[nsignals++] = Signal{r};
  }
  // Callbacks run after every queue is updated, with no lock and no hazard
  // pointer held: deferred to the end of the API call (detail/deferred.h),
  // so a callback that calls the API again, to any depth, holds nothing of
  // this call. The pending call owns the reference taken above.
  for (int i = 0; i < nsignals; ++i)
    if (!defer_call(&signal_registration, signals[i].reg)) unref_memory(signals[i].reg);
}

// A deferred change signal (see publish_change): runs r's owner's callback
// unless r was deregistered meanwhile, then drops the signal's reference.
void signal_registration(void* arg) noexcept {
  auto* r = static_cast<NotifyReg*>(arg);
  if (r->active.load(std::memory_order_acquire))
    call_event_callback(r->owner, EventType::change_notification,
                        reinterpret_cast<void*>(static_cast<std::uintptr_t>(r->handle)),
                        r->context);
  unref_memory(r);
}

// Takes registration r out of its table (no new entries after producers
// holding it finish) and drops its registration reference.
void deregister_notification(NotifyReg* r) {
  bool expected = true;
  if (!r->active.compare_exchange_strong(expected, false, std::memory_order_acq_rel)) return;
  NotifyReg* self = r;
  r->table->regs[r->slot].compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
  unref_handle(r);  // the registration: its handle is refused from here on
}

}  // namespace detail

using detail::Dest;
using detail::Entity;
using detail::Guard;
using detail::NotifyReg;
using detail::ThreadScope;

errc Instance::register_for_change_notification(EntityHandle caller, ViewSet target_views,
                                                NotifyFlags flags, void* context,
                                                NotifyHandle* out) {
  ThreadScope scope;
  Guard g;
  Entity* e = nullptr;
  if (errc r = detail::resolve_caller(*core_, caller, g, &e); r != errc::ok) return r;
  ViewSet tv;
  if (out == nullptr || detail::target_views(e, target_views, &tv) != errc::ok)
    return errc::invalid_parameter;
  const NotifyFlags types = kChangeTypeAll | kChangeTypeBest | kChangeTypeForwarding;
  if ((flags & types) == 0 || (flags & ~(types | kNotifyOnlyMarkedDests)) != 0)
    return errc::invalid_parameter;
  detail::Table& t = core_->table(e->info.family);
  // Take a free slot. A slot is freed when its deregistered registration is
  // reclaimed (its queue drained, its bits cleared); when every slot is
  // taken, reclaim once before giving up, so that a client that deregisters
  // and registers again is not refused for a registration it already gave
  // back.
  std::uint32_t taken = t.slots_taken.load(std::memory_order_acquire);
  int slot;
  bool reclaimed = false;
  for (;;) {
    if (taken == 0xFFFFFFFFu && !reclaimed) {
      detail::reclaim_all_now();
      reclaimed = true;
      taken = t.slots_taken.load(std::memory_order_acquire);
      continue;
    }
    if (taken == 0xFFFFFFFFu) return errc::no_system_resources;
    slot = std::countr_one(taken);
    if (t.slots_taken.compare_exchange_weak(taken, taken | (1u << slot),
                                            std::memory_order_acq_rel))
      break;
  }
  if (!e->counts.try_add_memory()) {  // the registration's reference on its owner
    t.slots_taken.fetch_and(~(1u << slot), std::memory_order_release);
    return errc::invalid_handle;
  }
  NotifyReg* r = detail::nothrow_new<NotifyReg>(core_, e, &t, slot, tv, flags, context);
  if (r == nullptr) {
    t.slots_taken.fetch_and(~(1u << slot), std::memory_order_release);
    unref_memory(e);
    return errc::not_enough_memory;
  }
  // Publication against the owner's deregistration (another thread of e
  // that passed its caller check too): (A1) the handle is published, then
  // the slot stored, then (A2) owner_deregistered — the Dekker pair argued
  // at owner_deregistered (src/instance.cpp) — so either A2 sees the
  // deregistration and undoes, or the walk (D2) finds the handle and
  // deregisters r. The handle goes first because a producer that finds r
  // in its slot may signal with r->handle (signal_registration). If the
  // walk deregisters r before the slot store, its CAS of the slot finds
  // nothing; A2 then sees the deregistration (the walk came after D1, and
  // a slot store before A2 succeeding would have been visible to it), and
  // the creator empties the slot itself. The creator's memory reference
  // (infallible: unpublished) keeps r allocated meanwhile and retires it
  // only after it left its slot, so no producer protects it afterwards.
  r->counts.try_add_memory();
  const std::uint64_t h = core_->handles.allocate(HandleKind::notify, r);  // (A1), sets r->handle
  if (h == 0) {
    r->active.store(false, std::memory_order_relaxed);
    unref_handle(r);  // finalized later: frees the slot, drops the owner
    unref_memory(r);
    return errc::not_enough_memory;
  }
  detail::test_hook("register_for_change_notification.published", r);
  // release: the registration is fully built before producers see it.
  t.regs[slot].store(r, std::memory_order_release);
  if (detail::owner_deregistered(e)) detail::deregister_notification(r);  // (A2)
  if (!r->active.load(std::memory_order_acquire)) {  // deregistered meanwhile
    NotifyReg* self = r;
    t.regs[slot].compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
    unref_memory(r);
    return errc::invalid_handle;
  }
  unref_memory(r);
  out->value = h;
  return errc::ok;
}

errc Instance::deregister_from_change_notification(EntityHandle caller, NotifyHandle notify) {
  ThreadScope scope;
  {
    Guard g, gr;
    Entity* e = nullptr;
    NotifyReg* r = nullptr;
    if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, true);
        x != errc::ok)
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
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, true);
      x != errc::ok)
    return x;
  if (count == nullptr || *count == 0 || infos == nullptr) return errc::invalid_parameter;
  const std::uint32_t cap = *count;
  std::uint32_t n = 0;
  errc err = errc::ok;
  while (n < cap) {
    Dest* d = nullptr;
    if (!r->queue.dequeue(d)) break;                                 // C1
    r->size.fetch_sub(1, std::memory_order_acq_rel);
    d->queued.fetch_and(~r->bit, std::memory_order_acq_rel);         // C2
    if (d->ignored.fetch_and(~r->bit, std::memory_order_acq_rel) & r->bit) {  // C3
      detail::unref_handle(d);
      continue;
    }
    // d is alive: we own the entry's reference. The info takes references
    // of its own (counted as changed-destination references), then the
    // entry's goes: the reference moves from the queue into the info.
    Guard gd;
    gd.assign(d);
    err = detail::fill_dest_info(*core_, e, d, kBestProtocol, r->views, &infos[n], true);
    if (err != errc::ok) {
      // Put it back (still holding the entry's reference) for a later call.
      if ((d->queued.fetch_or(r->bit, std::memory_order_acq_rel) & r->bit) == 0) {
        bool ok = false;
        try {
          detail::fault_throw();
          ok = r->queue.enqueue(d);
        } catch (...) {
        }
        if (ok) {
          r->size.fetch_add(1, std::memory_order_acq_rel);
        } else {
          d->queued.fetch_and(~r->bit, std::memory_order_acq_rel);
          detail::unref_handle(d);
        }
      } else {
        detail::unref_handle(d);  // a producer re-queued it meanwhile
      }
      break;
    }
    infos[n].changed_by = notify;
    detail::unref_handle(d);
    ++n;
  }
  *count = n;
  if (err != errc::ok && n == 0) return err;
  return r->size.load(std::memory_order_acquire) == 0 ? errc::no_more_items : errc::ok;
}

errc Instance::release_changed_dests(EntityHandle caller, NotifyHandle notify,
                                     std::span<const DestInfo> infos) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller(*core_, caller, g, &e); x != errc::ok) return x;
  // Infos outlive their registration: after deregistration (invalid_handle
  // here) they are still released; the hold records validate each reference.
  const errc reg = detail::resolve_reg(*core_, e, notify, gr, &r);
  if (reg != errc::ok && !(reg == errc::invalid_handle && notify)) return reg;
  // A release of 0 items succeeds and does nothing; with no info to vouch
  // for it, the registration itself must resolve.
  if (infos.empty()) return reg;
  std::vector<std::uint64_t> hs;
  try {
    detail::fault_throw();
    hs.resize(infos.size() * (1 + 3 * kMaxViews));
  } catch (...) {
    return errc::not_enough_memory;
  }
  std::size_t n = 0;
  for (const DestInfo& i : infos) {
    if (i.changed_by != notify || !detail::is_changed_info(i) || i.number_of_views > kMaxViews)
      return errc::invalid_parameter;
    detail::collect_dest_info_handles(i, hs.data(), &n);
  }
  if (errc x = detail::release_handles(*core_, e, hs.data(), n, HandleKind::none, true);
      x != errc::ok)
    return x;
  return errc::ok;
}

errc Instance::ignore_changed_dests(EntityHandle caller, NotifyHandle notify,
                                    std::span<const DestHandle> dests) {
  ThreadScope scope;
  Guard g, gr;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, false);
      x != errc::ok)
    return x;
  if (dests.empty()) return errc::invalid_parameter;
  for (DestHandle h : dests) {
    Guard gd;
    if (detail::lookup_as<Dest>(*core_, h.value, gd) == nullptr) return errc::invalid_handle;
  }
  for (DestHandle h : dests) {
    Guard gd;
    Dest* d = detail::lookup_as<Dest>(*core_, h.value, gd);
    if (d == nullptr) continue;
    // Only a queued entry can be ignored; a producer clears the bit again
    // before re-queuing (P1), so a later change is delivered.
    if (d->queued.load(std::memory_order_acquire) & r->bit)
      d->ignored.fetch_or(r->bit, std::memory_order_acq_rel);
  }
  return errc::ok;
}

errc Instance::get_change_status(EntityHandle caller, NotifyHandle notify, DestHandle dest,
                                 bool* pending) {
  ThreadScope scope;
  Guard g, gr, gd;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, false);
      x != errc::ok)
    return x;
  if (pending == nullptr) return errc::invalid_parameter;
  Dest* d = detail::lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  const std::uint32_t b = r->bit;
  *pending = (d->queued.load(std::memory_order_acquire) & b) &&
             !(d->ignored.load(std::memory_order_acquire) & b);
  return errc::ok;
}

errc Instance::mark_dest_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                                 DestHandle dest, bool mark) {
  ThreadScope scope;
  Guard g, gr, gd;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, true);
      x != errc::ok)
    return x;
  if (!(r->flags & kNotifyOnlyMarkedDests)) return errc::invalid_parameter;
  Dest* d = detail::lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  if (mark)
    d->marked.fetch_or(r->bit, std::memory_order_acq_rel);
  else
    d->marked.fetch_and(~r->bit, std::memory_order_acq_rel);
  return errc::ok;
}

errc Instance::is_marked_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                                 DestHandle dest, bool* marked) {
  ThreadScope scope;
  Guard g, gr, gd;
  Entity* e = nullptr;
  NotifyReg* r = nullptr;
  if (errc x = detail::resolve_caller_reg(*core_, caller, notify, g, gr, &e, &r, false);
      x != errc::ok)
    return x;
  if (marked == nullptr) return errc::invalid_parameter;
  Dest* d = detail::lookup_as<Dest>(*core_, dest.value, gd);
  if (d == nullptr) return errc::invalid_handle;
  *marked = (d->marked.load(std::memory_order_acquire) & r->bit) != 0;
  return errc::ok;
}

}  // namespace rtm
