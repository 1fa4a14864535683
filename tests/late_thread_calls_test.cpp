// API calls from pthread key destructors, after the calling thread's
// thread_local destructors ran (the library detached it) and in later
// destructor rounds, after libcds' own key destructor detached it again
// behind the library's back. Each call must run attached to the
// reclamation (the library re-attaches: its cached hazard-pointer record
// would otherwise be one libcds already released, whose hazards no scan
// honours), and must answer correctly.
#include <cds/threading/model.h>
#include <pthread.h>
#include <rtm/rtm.h>

#include <cstdio>
#include <thread>

namespace {
rtm::Instance* g_table;
rtm::EntityHandle g_entity;
rtm::DestHandle g_dest;
pthread_key_t g_key;
int g_rounds = 0, g_bad = 0;

void on_key(void* value) {
  const long round = reinterpret_cast<long>(value);
  rtm::DestInfo di;
  const rtm::errc r = g_table->get_dest_info(g_entity, g_dest, rtm::kBestProtocol,
                                             rtm::kViewMaskUnicast, &di);
  // The call returned: its scope attached the thread if it had to, and
  // this thread stays attached until the next detach.
  const bool attached = cds::threading::Manager::isThreadAttached();
  if (r != rtm::errc::ok || !attached ||
      g_table->release_dest_info(g_entity, di) != rtm::errc::ok) {
    std::fprintf(stderr, "round %ld: get_dest_info %d, attached %d\n", round,
                 static_cast<int>(r), attached ? 1 : 0);
    ++g_bad;
  }
  ++g_rounds;
  if (round < 3) pthread_setspecific(g_key, reinterpret_cast<void*>(round + 1));
}
}  // namespace

int main() {
  rtm::Instance table;
  g_table = &table;
  if (table.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &g_entity) != rtm::errc::ok) return 1;
  rtm::RouteChangeFlags ch = 0;
  const rtm::NetAddress p = *rtm::NetAddress::parse("10.0.0.0/8");
  if (table.add_route(g_entity, nullptr, p, {}, rtm::kInfinite, &ch) != rtm::errc::ok) return 2;
  rtm::DestInfo held;
  if (table.get_exact_match_destination(g_entity, p, rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                        &held) != rtm::errc::ok)
    return 3;
  g_dest = held.dest;
  // Created after libcds' key (the calls above attached this thread), so
  // in each destructor round ours runs after libcds' has.
  if (pthread_key_create(&g_key, on_key) != 0) return 4;
  std::thread t([&] {
    rtm::DestInfo di;  // an API call first: the thread gets its detacher
    if (table.get_dest_info(g_entity, g_dest, rtm::kBestProtocol, rtm::kViewMaskUnicast, &di) ==
        rtm::errc::ok)
      table.release_dest_info(g_entity, di);
    pthread_setspecific(g_key, reinterpret_cast<void*>(1));
  });
  t.join();
  pthread_key_delete(g_key);
  if (table.release_dest_info(g_entity, held) != rtm::errc::ok) return 5;
  std::int64_t still = -1;
  if (table.deregister_entity(g_entity, &still) != rtm::errc::ok || still != 0) return 6;
  if (g_rounds != 3 || g_bad != 0) {
    std::fprintf(stderr, "late_thread_calls_test: %d rounds, %d bad\n", g_rounds, g_bad);
    return 7;
  }
  std::printf("late_thread_calls_test: OK (3 destructor rounds)\n");
  return 0;
}
