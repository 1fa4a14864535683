// c_api/methods.h — C entity methods (RTM_ENTITY_EXPORT_METHOD) as
// rtm::EntityMethod, and back.
#pragma once

#include <rtmv2/rtmv2.h>

#include <rtm/info.h>

namespace rtm::c_api {

// The C method `fn` as an EntityMethod. Invoked through RtmInvokeMethod
// (c_api/methods.cpp), which passes the caller's RTM_ENTITY_METHOD_INPUT as
// MethodCall::input and its own cursor over the caller's output buffer as
// MethodCall::output; a C method is not for a C++ caller's invoke_methods.
EntityMethod to_entity_method(RTM_ENTITY_EXPORT_METHOD fn);
// The C function of a method made by to_entity_method; null for a method
// of a C++ entity (it has no C pointer).
RTM_ENTITY_EXPORT_METHOD to_c_method(const EntityMethod& m) noexcept;

}  // namespace rtm::c_api
