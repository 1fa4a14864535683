// core/object.cpp — objects, their hold records and links (core/object.h).
#include "core/object.h"

#include <cstdio>
#include <cstdlib>
#include <new>

#include "core/core.h"
#include "detail/fault.h"

namespace rtm::detail {

ShardedCounters<2 * kHandleKindCount + 1> g_object_counts;

// ---- HoldList -------------------------------------------------------------------

HoldList::~HoldList() {
  Hold* h = head_.load(std::memory_order_relaxed);
  while (h != nullptr) {
    Hold* next = h->next;
    delete h;
    h = next;
  }
}

Hold* HoldList::find(std::uint64_t entity) const noexcept {
  // seq_cst: (H2) of the add_ref / walk 3 argument (core/refs.cpp).
  for (Hold* h = head_.load(std::memory_order_seq_cst); h != nullptr; h = h->next)
    if (h->entity == entity) return h;
  return nullptr;
}

Hold* HoldList::find_or_add(std::uint64_t entity) noexcept {
  if (Hold* h = find(entity)) return h;
  Hold* mine = nothrow_new<Hold>(entity);
  if (mine == nullptr) return nullptr;
  Hold* h = adopt(mine);
  if (h != mine) delete mine;
  return h;
}

Hold* HoldList::adopt(Hold* mine) noexcept {
  Hold* head = head_.load(std::memory_order_acquire);
  Hold* seen = nullptr;  // records from `seen` on were searched already
  for (;;) {
    for (Hold* h = head; h != seen; h = h->next)
      if (h->entity == mine->entity) return h;
    seen = head;
    mine->next = head;
    // Publishes *mine (release), and on failure we walk the new records
    // (acquire); seq_cst for (H1) of the add_ref / walk 3 argument
    // (core/refs.cpp).
    if (head_.compare_exchange_weak(head, mine, std::memory_order_seq_cst,
                                    std::memory_order_acquire))
      return mine;
  }
}

// ---- objects ----------------------------------------------------------------------

Object::Object(Core* c, HandleKind k, std::uint64_t handle_links,
               std::uint64_t memory_refs) noexcept
    : counts(handle_links, memory_refs),
      core(c),
      kind(k),
      ref_mode(uses_ledgers(k) ? kLinked : kCounted) {
  c->ref();
  g_object_counts.add(kAllocatedIndex + kind_index(k), 1);
}

void Object::destroy() noexcept {
  release_children();
  Core* c = core;
  const int k = kind_index(kind);
  delete this;
  g_object_counts.add(kFreedIndex + k, 1);
  c->unref();
}

// The revoker is the one thread whose CAS made the handle side zero; its
// acquire on that CAS sees every use made under the links just dropped.
// The object stays allocated throughout: the memory unit goes last.
void revoke(Object* o) noexcept {
  // A linked object's ledger references are folded before its last link
  // goes (unlink_primary); revoked with some still in ledgers, their
  // handles would be refused while held.
  // Checked in the debug and sanitizer (fault-injection) builds.
#if !defined(NDEBUG) || defined(RTM_FAULT_INJECTION)
  if (o->ref_mode.load(std::memory_order_relaxed) == kLinked &&
      o->ledger_mask.load(std::memory_order_relaxed) != 0) {
    std::fprintf(stderr, "rtm: object of kind %d revoked with ledger references unfolded\n",
                 kind_index(o->kind));
    std::abort();
  }
#endif
  if (o->handle != 0) o->core->handles.free(o->handle);
  o->revoke_children();
  unref_memory(o);
}

void unref_handle(Object* o, std::uint64_t n) noexcept {
  if (o != nullptr && o->counts.drop_handle(n)) revoke(o);
}

void unref_memory(Object* o) noexcept {
  if (o != nullptr && o->counts.drop_memory()) retire(o);
}

bool link_child(Object* o) noexcept {
  if (!o->counts.try_add_handle()) return false;
  // Infallible: o's handle side is not revoked (we hold a link on it), so
  // it still holds the memory unit.
  o->counts.try_add_memory();
  return true;
}

void unlink_child(Object* o) noexcept {
  unref_handle(o);  // first: the memory reference keeps o for a revoke this causes
  unref_memory(o);
}

void unlink_hops(const RouteData* d) noexcept {
  for (std::uint16_t i = 0; i < d->hop_count; ++i) unref_handle(d->hops[i]);
}

}  // namespace rtm::detail
