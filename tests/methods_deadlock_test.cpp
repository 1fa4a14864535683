// A second reader's reproduction: deregister_entity's wait for callbacks in
// flight (D2) is skipped only inside event callbacks, not inside entity
// methods; block_methods waits for running methods. A method of X that
// deregisters X waits for X's running callback, which waits in
// block_methods(X) for that method: deadlock. Both calls are allowed by
// include/rtm/info.h ("a method may call the API (but not block its own
// entity's methods)"; callbacks have no such restriction).
#include <gtest/gtest.h>
#include <rtm/rtm.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "test_hook_util.h"
#include "detail/reclaim.h"

namespace {

using rtm::errc;

using rtm_test::Gate;

TEST(MethodsDeadlock, MethodDeregisteringItsEntityVsCallbackBlockingItsMethods) {
  rtm::Instance inst;
  Gate cb_entered, cb_go;
  std::atomic<bool> armed{true};
  errc block_result = errc::not_supported;
  rtm::EntityHandle a, x;
  rtm::EntityConfig cfg;
  cfg.callback = [&](rtm::EntityHandle self, rtm::EventType t, void*, void*) -> std::uint32_t {
    if (t != rtm::EventType::change_notification || !armed.exchange(false)) return 0;
    cb_entered.open();
    cb_go.wait();
    block_result = inst.block_methods(self, rtm::kBlockMethods);  // waits for the method
    return 0;
  };
  errc dereg_result = errc::not_supported;
  Gate* in_method_p = nullptr;
  Gate* method_go_p = nullptr;
  cfg.methods.push_back([&](rtm::EntityHandle, rtm::EntityHandle callee, rtm::MethodCall&) {
    in_method_p->open();
    method_go_p->wait();
    dereg_result = inst.deregister_entity(callee);  // waits for the callback
  });
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &a), errc::ok);
  ASSERT_EQ(inst.register_entity({0, rtm::Family::ipv4, 3, 1}, cfg, &x), errc::ok);
  rtm::NotifyHandle n;
  ASSERT_EQ(inst.register_for_change_notification(x, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                                  nullptr, &n),
            errc::ok);
  Gate all_done, in_method, method_go;
  in_method_p = &in_method;
  method_go_p = &method_go;
  std::atomic<int> done{0};
  // A: a's invocation of x's method (methods_active(x) = 1), which then
  // deregisters x.
  std::thread th_a([&] {
    rtm::MethodCall c;
    c.method_type = 1;
    EXPECT_EQ(inst.invoke_methods(a, x, std::span<rtm::MethodCall>(&c, 1)), errc::ok);
    if (++done == 2) all_done.open();
  });
  in_method.wait();
  // B: a route change; x's change callback runs on B (deferred, end of
  // call) and blocks x's methods: it waits for A's method.
  std::thread b([&] {
    rtm::RouteInfo ri;
    ri.pref = {0, 10};
    ri.views = rtm::kViewMaskUnicast;
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(inst.add_route(a, nullptr, *rtm::NetAddress::parse("192.0.2.0/24"), ri,
                             rtm::kInfinite, &f),
              errc::ok);
    if (++done == 2) all_done.open();
  });
  cb_entered.wait();
  {
    rtm_test::HookParker park("block_methods.wait");
    cb_go.open();
    park.wait_arrived();  // B is about to wait for methods_active(x) == 0
  }                       // released: B waits
  method_go.open();       // A: deregister_entity(x) waits for B's callback
  if (!all_done.wait_for(std::chrono::seconds(20))) {
    std::fprintf(stderr,
                 "DEADLOCK: deregister_entity (in x's method) waits for x's callback; the "
                 "callback waits in block_methods(x) for that method\n");
    std::fflush(stderr);
    std::_Exit(1);
  }
  th_a.join();
  b.join();
  EXPECT_EQ(dereg_result, errc::ok);
  (void)block_result;
}

}  // namespace

