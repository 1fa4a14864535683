// detail/fault.h — allocation-failure injection (build option
// RTM_FAULT_INJECTION; see include/rtm/fault_injection.h for the test API).
//
// Every allocation site of the library calls fault() first and treats a
// true answer exactly like a failed allocation (a null from nothrow new, or
// std::bad_alloc where the site allocates through a container that throws).
// Without the option, fault() is a constant false and costs nothing.
#pragma once

#include <new>
#include <utility>

namespace rtm::detail {

#ifdef RTM_FAULT_INJECTION
bool fault() noexcept;
#else
constexpr bool fault() noexcept { return false; }
#endif

// nothrow new that honours fault().
template <typename T, typename... A>
T* nothrow_new(A&&... args) noexcept {
  if (fault()) return nullptr;
  return new (std::nothrow) T(std::forward<A>(args)...);
}

inline void* nothrow_alloc(std::size_t bytes) noexcept {
  if (fault()) return nullptr;
  return ::operator new(bytes, std::nothrow);
}

// For sites that allocate through a throwing container (std::vector,
// libcds nodes): call first, inside the try block that handles bad_alloc.
inline void fault_throw() {
  if (fault()) throw std::bad_alloc();
}

}  // namespace rtm::detail
