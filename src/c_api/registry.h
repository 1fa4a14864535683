// c_api/registry.h — the C API's instances: created by the first
// RtmRegisterEntity of an instance id, found again from any handle.
//
// RTMv2 names an instance by RTM_ENTITY_INFO::RtmInstanceId and creates it
// implicitly. Here the first RtmRegisterEntity for an id creates an
// rtm::Instance that lives until the process exits (an instance destroyed
// while another thread still used one of its stale handles could not be
// made safe). A handle's instance is found from the tag in its top byte
// (Instance::handle_tag()). The protocol is in c_api/registry.cpp.
#pragma once

#include <rtmv2/rtmv2.h>

#include <rtm/instance.h>

#include <cstdint>

namespace rtm::c_api {

// The instance with this id, created on the first call (never destroyed);
// null if it cannot be created (out of memory).
Instance* instance_for_id(std::uint16_t id);

// The instance whose tag `h` carries, or null (a null handle, or a tag no
// C API instance holds). Lock-free: one acquire load. The instance still
// validates h itself: a handle of an earlier instance with the same tag
// does not validate in this one.
Instance* instance_of(HANDLE h) noexcept;

}  // namespace rtm::c_api

// The prologue of every entry point that acts for a caller: resolves the
// caller's instance into `inst` (the C++ call then validates the handle
// itself), or returns ERROR_INVALID_HANDLE.
#define RTM_CALLER(inst, reg)                                   \
  ::rtm::Instance* inst = ::rtm::c_api::instance_of(reg);       \
  if (inst == nullptr) return ERROR_INVALID_HANDLE
