// api/call.h — the entry of every Instance method that acts for a caller.
//
// Every API call does the same three things before its own work: attaches
// the thread to the reclamation domain for the length of the call
// (ThreadScope), protects the calling entity's object with a hazard pointer
// and checks that the entity is registered. `Call` does all three, in that
// order, so no method writes them out again:
//
//   Call c(*core_, caller);
//   if (!c.ok()) return c.status();
//   ... c.entity(), c.core() ...
//
// Members are constructed in declaration order and destroyed in reverse: the
// guard is dropped before the thread scope ends, which is what libcds needs
// (a guard outlives no attachment). Deferred change callbacks run at the end
// of the outermost ThreadScope, after the guard is gone.
#pragma once

#include "rtm/error.h"
#include "rtm/types.h"
#include "core/core.h"
#include "core/entity.h"
#include "core/refs.h"
#include "detail/reclaim.h"

namespace rtm::detail {

class Call {
 public:
  Call(Core& core, EntityHandle caller) noexcept
      : core_(core), status_(resolve_caller(core, caller, guard_, &entity_)) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  bool ok() const noexcept { return status_ == errc::ok; }
  // invalid_handle when the caller is not a registered entity of this instance.
  errc status() const noexcept { return status_; }
  // The calling entity, protected for the whole call; null unless ok().
  Entity* entity() const noexcept { return entity_; }
  Core& core() const noexcept { return core_; }

 private:
  ThreadScope scope_;  // first: the guard below needs the attachment
  Guard guard_;
  Core& core_;
  Entity* entity_ = nullptr;
  errc status_;
};

}  // namespace rtm::detail
