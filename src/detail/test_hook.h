// detail/test_hook.h — named points where a test can park a thread.
//
// A race that needs one thread to stop at an exact point (between a check
// and the step that relies on it) is widened by a hook there, not by a
// sleep: the library calls test_hook("point", obj) at the point, and a test
// that installed a hook function (tests/test_hook_util.h: HookParker) can
// block the calling thread until another thread has done its part.
//
// Cost when no hook is installed: one relaxed load of a global and a
// predicted branch. Hook points sit on slow paths (writers, teardown,
// deregistration), and one on the Get path ("ledger_add.before_lock" in
// core/ledger_refs.cpp's ledger_add and RefBatch::commit, where a fold can
// overtake a Get).
//
// Orders: the hook pointer is stored with release and loaded with acquire,
// so a hook function's own state is visible to the thread that calls it.
// Install and remove hooks only while no other thread of the test calls
// the library (before starting threads, after joining them).
#pragma once

#include <atomic>

namespace rtm::detail {

using TestHookFn = void (*)(const char* point, const void* object);

// The installed hook, or null.
extern std::atomic<TestHookFn> g_test_hook;

inline void test_hook(const char* point, const void* object = nullptr) noexcept {
  if (TestHookFn f = g_test_hook.load(std::memory_order_acquire)) [[unlikely]]
    f(point, object);
}

}  // namespace rtm::detail
