// api/instance_access.h — the core behind an rtm::Instance, for the
// library's own code that is not an Instance member (the C pointer blocks,
// c_api/c_blocks.cpp) and for white-box tests.
//
// rtm::Instance keeps its core private and names this struct its friend;
// the public header shows nothing of the core but the name. Only internal
// code includes this header.
#pragma once

#include <rtm/instance.h>

namespace rtm::detail {

struct InstanceAccess {
  static Core& core(Instance& inst) noexcept { return *inst.core_; }
};

}  // namespace rtm::detail
