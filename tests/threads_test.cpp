// Threads: callers never attach to the reclamation scheme themselves;
// threads that exit without any goodbye leave nothing behind.
#include <thread>
#include <vector>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

TEST_F(RtmTest, ShortLivedThreadsNeedNoSetUpAndLeaveNothingBehind) {
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < 64; ++t) {
    ts.emplace_back([&, t] {
      // Each thread adds and deletes a route and looks one up, then exits.
      rtm::RouteHandle r;
      const std::string p = "10." + std::to_string(t) + ".0.0/16";
      if (add(a_, p.c_str(), 10, 0, &r) != errc::ok) ++failures;
      rtm::DestInfo di;
      if (rtm().get_most_specific_destination(a_, P(("10." + std::to_string(t) + ".1.1").c_str()),
                                              rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                              &di) != errc::ok ||
          rtm().release_dest_info(a_, di) != errc::ok)
        ++failures;
      rtm::RouteChangeFlags f = 0;
      if (rtm().delete_route(a_, r, &f) != errc::ok) ++failures;
      if (rtm().release_routes(a_, {&r, 1}) != errc::ok) ++failures;
    });
    if (ts.size() == 8) {  // at most 8 alive at once; 64 attach/detach cycles
      for (auto& th : ts) th.join();
      ts.clear();
    }
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
  // TearDown checks that every object the exited threads retired is freed.
}
