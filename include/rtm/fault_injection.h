// rtm/fault_injection.h — allocation-failure injection for tests.
//
// Only in a library built with -DRTM_FAULT_INJECTION=ON (the asan preset):
// every allocation site of the library counts, and the n-th one fails as if
// memory ran out. Used by tests/fault_test.cpp to fail each site of a call
// sequence in turn. Not for production builds: the test functions below do
// not exist without the option.
//
// Thread-safety: the counter is atomic; arm it while no other thread calls
// into the library if the test wants a deterministic site.
#pragma once

#include <cstdint>

namespace rtm::fault_injection {

// Starts counting from zero; the `n`-th allocation from now fails (n >= 1),
// or none with n == 0.
void fail_allocation(std::uint64_t n) noexcept;
// Allocation sites passed since the last fail_allocation().
std::uint64_t allocations() noexcept;
// Whether the armed failure has happened.
bool fired() noexcept;

// For code built into the library over its public API (the C API, src/c_api/):
// one allocation site, counted as the library's own sites are. True when
// this allocation is the armed failure; the caller then fails exactly as if
// memory ran out. Outside the library (RTM_FAULT_INJECTION is a private
// definition of its build) and in builds without the option: always false.
#ifdef RTM_FAULT_INJECTION
bool allocation_fails() noexcept;
#else
constexpr bool allocation_fails() noexcept { return false; }
#endif

}  // namespace rtm::fault_injection
