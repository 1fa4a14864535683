// core/change_queue.h — change notification: registrations, their queues
// of changed destinations, the producer that fills them and the consumer
// that empties them. The protocol is argued in core/change_queue.cpp; the
// registration type is core/notify_reg.h.
#pragma once

#include <cstdint>

#include <rtm/instance.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/route_select.h"
#include "core/notify_reg.h"

namespace rtm::detail {

// Creates a registration of e on table t for `views` and `flags` (checked
// by the caller) and publishes its handle into *out. no_system_resources
// when every slot of t is taken, not_enough_memory, invalid_handle if e
// deregistered meanwhile.
errc create_registration(Core& core, Entity* e, Table& t, ViewSet views, NotifyFlags flags,
                         void* context, NotifyHandle* out);

// Queues `d` for every registration of its table whose filter matches `c`
// and signals the registrations whose queue went from empty to non-empty.
// Call after the destination lock is released, with d alive.
void publish_change(Core& core, Dest* d, const ChangeSummary& c);

// Takes up to `cap` destinations from r's queue into infos[0..*n), each
// with changed-destination references for e and changed_by `notify`. On
// an error the destination it met stays queued: the error is returned with
// what was taken before it.
errc take_changed_dests(Core& core, Entity* e, NotifyReg* r, NotifyHandle notify,
                        std::uint32_t cap, DestInfo* infos, std::uint32_t* n);

// True while r's queue holds an entry for d that was not ignored.
bool change_pending(const NotifyReg* r, const Dest* d) noexcept;

// Ignores r's queued entry for d, if there is one: the consumer skips it
// unless d changes again.
void ignore_change(const NotifyReg* r, Dest* d) noexcept;

// Marks or unmarks d for r (an ONLY_MARKED_DESTS registration), and
// whether d is marked.
void mark_dest(const NotifyReg* r, Dest* d, bool mark) noexcept;
bool is_marked(const NotifyReg* r, const Dest* d) noexcept;

}  // namespace rtm::detail
