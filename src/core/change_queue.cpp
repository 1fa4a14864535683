// core/change_queue.cpp — change notification (core/change_queue.h):
// per-registration queues of changed destinations, their producer and
// consumer, and the registrations' slots.
//
// State per destination d and registration slot i (bit b = 1 << i):
//   d->queued  & b — d has an entry in registration i's queue;
//   d->ignored & b — that entry was ignored (ignore_change);
//   d->marked  & b — d is marked for an ONLY_MARKED_DESTS registration.
// A queue entry holds one handle link on d (the consumer hands out d's
// handle, even after d left the map).
//
// Producer (publish_change: a writer, after its change is published in d's
// route set and d's lock is released):
//   P1 ignored.fetch_and(~b)          — a new change un-ignores
//   P2 old = queued.fetch_or(b)       — linearization point of "queued"
//   P3 if !(old & b): take a reference, enqueue d, size.fetch_add(1);
//      signal if size was 0.
// Consumer (take_changed_dests):
//   C1 dequeue d; size.fetch_sub(1)
//   C2 queued.fetch_and(~b)
//   C3 was_ignored = ignored.fetch_and(~b) & b
//   C4 if was_ignored: drop the entry's reference and skip d;
//      else read d's state (after C2) into the info, moving the reference.
//   C5 if the info cannot be filled: re-queue d as a producer would (P2,
//      P3), keeping the entry's reference, or drop it if a producer
//      re-queued d meanwhile.
//
// At most one entry per (d, i): an entry is enqueued only by the producer
// whose P2 turned the bit on, and the bit goes off only at C2, after that
// entry left the queue.
// No lost change: a producer's change is published before its P2 (release
// RMW); if P2 found the bit set, the consumer's later C2 (acq_rel RMW on the
// same word) reads-from a value at or after P2, so its state read at C4
// sees the change. If P2 found the bit clear, the producer enqueues.
// Ignore vs change: ignore_change sets `ignored` only if the entry is
// still queued; a producer clears it at P1 before P2, so a change after the
// ignore is delivered (C3 sees it clear) — at worst a destination is
// delivered once more than needed, never lost, never twice in the queue.
// Memory orders: all the bit RMWs are acq_rel (each both publishes the
// writer's state and must observe the other side's); the queue itself is
// libcds' Michael–Scott queue with its own release/acquire on node links.
//
// Slots. Table::slots_taken has bit i set from the registration that takes
// slot i until that registration is reclaimed:
//   S1 create_registration takes a clear bit (acq_rel CAS);
//   S2 NotifyReg::release_children drains the queue, clears the slot's
//      marks, then clears the bit (release).
// The acquire of S1 reads-from S2's release, so a new registration of the
// slot sees its bits clear in every destination.
#include "core/change_queue.h"

#include <bit>
#include <new>

#include "core/deregister.h"
#include "core/events.h"
#include "core/infos.h"
#include "core/refs.h"
#include "detail/deferred.h"
#include "detail/fault.h"
#include "detail/reclaim.h"
#include "detail/test_hook.h"

namespace rtm::detail {

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
      if (Dest* x = lookup_as<Dest>(*core, h, g)) {
        test_hook("notify_reg.marked_walk", x);
        x->marked.fetch_and(~bit, std::memory_order_acq_rel);
      }
    });
  }
  table->slots_taken.fetch_and(~bit, std::memory_order_release);  // S2
  unref_memory(owner);
}

// Takes registration r out of its table (no new entries after producers
// holding it finish) and drops its registration reference.
void deregister_notification(NotifyReg* r) {
  bool expected = true;
  if (!r->active.compare_exchange_strong(expected, false, std::memory_order_acq_rel)) return;
  r->owner->owned_regs.unlink(r, 0);  // core/owned.h (a no-op if never linked)
  NotifyReg* self = r;
  r->table->regs[r->slot].compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
  unref_handle(r);  // the registration: its handle is refused from here on
}

namespace {

// Takes a free slot of t into *slot (S1). A slot is freed when its
// deregistered registration is reclaimed (its queue drained, its bits
// cleared); when every slot is taken, reclaim once before giving up, so
// that a client that deregisters and registers again is not refused for a
// registration it already gave back.
bool take_slot(Table& t, int* slot) {
  std::uint32_t taken = t.slots_taken.load(std::memory_order_acquire);
  bool reclaimed = false;
  for (;;) {
    if (taken == 0xFFFFFFFFu && !reclaimed) {
      reclaim_all_now();
      reclaimed = true;
      taken = t.slots_taken.load(std::memory_order_acquire);
      continue;
    }
    if (taken == 0xFFFFFFFFu) return false;
    *slot = std::countr_one(taken);
    if (t.slots_taken.compare_exchange_weak(taken, taken | (1u << *slot),
                                            std::memory_order_acq_rel))
      return true;
  }
}

void free_slot(Table& t, int slot) {
  t.slots_taken.fetch_and(~(1u << slot), std::memory_order_release);
}

bool matches(const NotifyReg* r, const ChangeSummary& c) noexcept {
  return ((r->flags & kChangeTypeAll) && (c.all & r->views)) ||
         ((r->flags & kChangeTypeBest) && (c.best & r->views)) ||
         ((r->flags & kChangeTypeForwarding) && (c.fwd & r->views));
}

// Enqueues d (the caller's handle link moves to the entry) after the P2
// that turned r's bit on; on out of memory undoes that P2 and drops the
// link: r misses the change. True if queued.
bool enqueue_entry(NotifyReg* r, Dest* d) {
  bool queued = false;
  try {
    fault_throw();
    queued = r->queue.enqueue(d);
  } catch (...) {
  }
  if (!queued) {
    d->queued.fetch_and(~r->bit, std::memory_order_acq_rel);
    unref_handle(d);
  }
  return queued;
}

}  // namespace

// Publication against the owner's deregistration (another thread of e
// that passed its caller check too): (A1) the handle is published, then
// the slot stored, then (A1') r linked into its owner's registrations
// (unless deregistered already), then (A2) owner_deregistered — the Dekker
// pair argued at owner_deregistered (src/core/deregister.cpp) — so either
// A2 sees the deregistration and undoes, or the walk (D2) pops r and
// deregisters it. The handle goes first because a producer that finds r
// in its slot may signal with r->handle (signal_registration). If
// something deregisters r (a release of a guessed handle) before the slot
// store, its CAS of the slot finds nothing, r is not linked, and the
// creator, seeing r inactive, empties the slot itself. The creator's memory reference
// (infallible: unpublished) keeps r allocated meanwhile and retires it
// only after it left its slot, so no producer protects it afterwards.
errc create_registration(Core& core, Entity* e, Table& t, ViewSet views, NotifyFlags flags,
                         void* context, NotifyHandle* out) {
  int slot = 0;
  if (!take_slot(t, &slot)) return errc::no_system_resources;  // S1
  if (!e->counts.try_add_memory()) {  // the registration's reference on its owner
    free_slot(t, slot);
    return errc::invalid_handle;
  }
  NotifyReg* r = nothrow_new<NotifyReg>(&core, e, &t, slot, views, flags, context);
  if (r == nullptr) {
    free_slot(t, slot);
    unref_memory(e);
    return errc::not_enough_memory;
  }
  r->counts.try_add_memory();
  const std::uint64_t h = core.handles.allocate(HandleKind::notify, r);  // (A1), sets r->handle
  if (h == 0) {
    r->active.store(false, std::memory_order_relaxed);
    unref_handle(r);  // finalized later: frees the slot, drops the owner
    unref_memory(r);
    return errc::not_enough_memory;
  }
  test_hook("register_for_change_notification.published", r);
  // release: the registration is fully built before producers see it.
  t.regs[slot].store(r, std::memory_order_release);
  e->owned_regs.link_if(r, 0, [r] {  // (A1'), core/owned.h
    // Unless deregistered since its handle went out (by a client that
    // guessed it): its unlink, after the flag, then comes before or after
    // this section under the same lock, and after it this load reads false.
    return r->active.load(std::memory_order_acquire);
  });
  if (owner_deregistered(e)) deregister_notification(r);  // (A2)
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
    if (!enqueue_entry(r, d)) continue;  // P3; out of memory: r misses the change
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

errc take_changed_dests(Core& core, Entity* e, NotifyReg* r, NotifyHandle notify,
                        std::uint32_t cap, DestInfo* infos, std::uint32_t* count) {
  std::uint32_t n = 0;
  errc err = errc::ok;
  while (n < cap) {
    Dest* d = nullptr;
    if (!r->queue.dequeue(d)) break;                                 // C1
    r->size.fetch_sub(1, std::memory_order_acq_rel);
    d->queued.fetch_and(~r->bit, std::memory_order_acq_rel);         // C2
    if (d->ignored.fetch_and(~r->bit, std::memory_order_acq_rel) & r->bit) {  // C3
      unref_handle(d);                                               // C4
      continue;
    }
    // d is alive: we own the entry's reference. The info takes references
    // of its own (counted as changed-destination references), then the
    // entry's goes: the reference moves from the queue into the info.
    Guard gd;
    gd.assign(d);
    err = fill_dest_info(core, e, d, kBestProtocol, r->views, &infos[n], true);  // C4
    if (err != errc::ok) {
      // C5: put it back (still holding the entry's reference) for a later call.
      if ((d->queued.fetch_or(r->bit, std::memory_order_acq_rel) & r->bit) == 0) {
        if (enqueue_entry(r, d)) r->size.fetch_add(1, std::memory_order_acq_rel);
      } else {
        unref_handle(d);  // a producer re-queued it meanwhile
      }
      break;
    }
    infos[n].changed_by = notify;
    unref_handle(d);
    ++n;
  }
  *count = n;
  return err;
}

bool change_pending(const NotifyReg* r, const Dest* d) noexcept {
  const std::uint32_t b = r->bit;
  return (d->queued.load(std::memory_order_acquire) & b) &&
         !(d->ignored.load(std::memory_order_acquire) & b);
}

void ignore_change(const NotifyReg* r, Dest* d) noexcept {
  // Only a queued entry can be ignored; a producer clears the bit again
  // before re-queuing (P1), so a later change is delivered.
  if (d->queued.load(std::memory_order_acquire) & r->bit)
    d->ignored.fetch_or(r->bit, std::memory_order_acq_rel);
}

void mark_dest(const NotifyReg* r, Dest* d, bool mark) noexcept {
  if (mark)
    d->marked.fetch_or(r->bit, std::memory_order_acq_rel);
  else
    d->marked.fetch_and(~r->bit, std::memory_order_acq_rel);
}

bool is_marked(const NotifyReg* r, const Dest* d) noexcept {
  return (d->marked.load(std::memory_order_acquire) & r->bit) != 0;
}

}  // namespace rtm::detail
