#include "detail/test_hook.h"

namespace rtm::detail {

std::atomic<TestHookFn> g_test_hook{nullptr};

}  // namespace rtm::detail
