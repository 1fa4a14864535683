// rtm/fault_injection.h — allocation-failure injection for tests.
//
// Only in a library built with -DRTM_FAULT_INJECTION=ON (the asan preset):
// every allocation site of the library counts, and the n-th one fails as if
// memory ran out. Used by tests/fault_test.cpp to fail each site of a call
// sequence in turn. Not for production builds: the functions below do not
// exist without the option.
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

}  // namespace rtm::fault_injection
