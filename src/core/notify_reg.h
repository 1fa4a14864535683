// core/notify_reg.h — a change-notification registration and its queue.
//
// The queue is libcds' Michael–Scott queue under hazard pointers (lock-free,
// multi-producer multi-consumer): producers are the writer threads, the
// consumer any thread that calls get_changed_dests. Each entry is a
// Dest* carrying one handle link on the destination. The protocol
// that keeps a destination in a queue at most once is in core/change_queue.cpp.
#pragma once

#include <atomic>
#include <cstdint>

#include <cds/container/msqueue.h>

#include "core/core.h"
#include "core/dest.h"
#include "core/entity.h"
#include "core/object.h"

namespace rtm::detail {

class NotifyReg final : public Object, public OwnedLink {
 public:
  NotifyReg(Core* core, Entity* owner, Table* table, int slot, ViewSet views, std::uint32_t flags,
            void* context) noexcept;

  Entity* const owner;  // memory reference
  Table* const table;
  const int slot;
  const std::uint32_t bit;  // 1u << slot
  const ViewSet views;
  const std::uint32_t flags;  // change types | kNotifyOnlyMarkedDests
  void* const context;
  std::atomic<bool> active{true};
  cds::container::MSQueue<Gc, Dest*> queue;
  // Entries in the queue; incremented before an enqueue, decremented after
  // a dequeue, so 0 -> 1 tells the producer that must signal the consumer.
  std::atomic<std::int64_t> size{0};

 private:
  bool destroy_needs_api_context() const noexcept override;
  void release_children() noexcept override;
};

// Takes r out of its table and drops its registration reference (once).
void deregister_notification(NotifyReg* r);

}  // namespace rtm::detail
