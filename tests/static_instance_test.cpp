// An rtm::Instance with static storage duration: used from main and from
// other threads, destroyed by the static destructors after main returns,
// when the main thread's thread_locals are already gone. Must not crash
// (the library re-attaches the exiting thread to its reclamation) and must
// leave nothing for LeakSanitizer to report.
#include <rtm/rtm.h>

#include <cstdio>
#include <thread>

namespace {
rtm::Instance g_table;
}

int main() {
  rtm::EntityHandle e;
  if (g_table.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &e) != rtm::errc::ok) return 1;
  std::thread t([&] {
    rtm::RouteInfo ri;
    rtm::RouteChangeFlags ch = 0;
    for (int i = 0; i < 100; ++i)
      g_table.add_route(e, nullptr, rtm::NetAddress::ipv4(0x0A000000u | (i << 8), 24), ri,
                        rtm::kInfinite, &ch);
  });
  t.join();
  rtm::DestInfo di;
  if (g_table.get_most_specific_destination(e, *rtm::NetAddress::parse("10.0.5.1"),
                                            rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                            &di) != rtm::errc::ok)
    return 2;
  g_table.release_dest_info(e, di);
  std::printf("static_instance_test: OK (destroyed after main returns)\n");
  return 0;  // routes and the entity are left for ~Instance at exit
}
