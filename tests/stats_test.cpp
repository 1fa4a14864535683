// Instance::stats (rtm/stats.h): the counts per family, per entity and per
// registration follow what the table holds, and the bytes follow the counts.
#include <string>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;
using rtm::MemoryKind;

namespace {

const rtm::EntityStats* entity_of(const rtm::InstanceStats& s, rtm::EntityHandle e) {
  for (const auto& x : s.entities)
    if (x.entity == e) return &x;
  return nullptr;
}

}  // namespace

class StatsTest : public RtmHopsTest {
 protected:
  rtm::InstanceStats now() {
    rtm::InstanceStats s;
    EXPECT_EQ(rtm().stats(&s), errc::ok);
    return s;
  }
};

TEST_F(StatsTest, CountsFollowTheTable) {
  EXPECT_EQ(rtm().stats(nullptr), errc::invalid_parameter);
  rtm::InstanceStats s = now();
  EXPECT_EQ(s.destinations[0] + s.destinations[1], 0u);
  EXPECT_EQ(s.routes[0] + s.routes[1], 0u);
  EXPECT_EQ(s.entities.size(), 3u);
  EXPECT_EQ(s.of(MemoryKind::destinations).bytes, 0u);
  EXPECT_EQ(s.of(MemoryKind::map_buckets).objects, 128u) << "64 buckets a family";
  EXPECT_GT(s.of(MemoryKind::map_buckets).bytes, 0u);

  const rtm::NextHopHandle nh = hop(a_, "192.0.2.1", 1);
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(add(a_, ("10." + std::to_string(i) + ".0.0/16").c_str(), 20), errc::ok);
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(add(b_, ("10." + std::to_string(i) + ".0.0/16").c_str(), 30), errc::ok);
  rtm::RouteHandle kept = add_held(v6_, "2001:db8::/32", 20);
  s = now();
  EXPECT_EQ(s.destinations[0], 40u);
  EXPECT_EQ(s.destinations[1], 1u);
  EXPECT_EQ(s.routes[0], 45u);
  EXPECT_EQ(s.routes[1], 1u);
  EXPECT_EQ(s.next_hops[0], 1u);
  ASSERT_NE(entity_of(s, a_), nullptr);
  EXPECT_EQ(entity_of(s, a_)->routes, 40u);
  EXPECT_EQ(entity_of(s, a_)->next_hops, 1u);
  EXPECT_EQ(entity_of(s, a_)->held.next_hops, 1) << "hop() keeps its reference";
  EXPECT_EQ(entity_of(s, b_)->routes, 5u);
  EXPECT_EQ(entity_of(s, v6_)->routes, 1u);
  EXPECT_EQ(entity_of(s, v6_)->held.routes, 1);
  EXPECT_EQ(entity_of(s, v6_)->family, rtm::Family::ipv6);
  EXPECT_EQ(entity_of(s, b_)->protocol_id, 3u);
  // Bytes follow the counts: per object, the same for 41 as for one.
  const auto& d = s.of(MemoryKind::destinations);
  EXPECT_EQ(d.objects, 41u);
  EXPECT_GT(d.bytes, 0u);
  EXPECT_EQ(d.bytes % 41, 0u);
  EXPECT_EQ(s.of(MemoryKind::routes).objects, 46u);
  EXPECT_EQ(s.of(MemoryKind::map_nodes).objects, 41u);
  EXPECT_GE(s.of(MemoryKind::handle_slots).objects, 41u + 46u + 1u + 3u);
  EXPECT_GT(s.of(MemoryKind::forwarding).bytes, 0u);
  std::uint64_t sum = 0;
  for (const auto& m : s.memory) {
    sum += m.bytes;
    EXPECT_EQ(m.pooled_bytes, 0u) << "no pools yet";
  }
  EXPECT_EQ(s.bytes_in_use(), sum);
  const std::string line = s.summary();
  EXPECT_NE(line.find("40+1 dests"), std::string::npos) << line;
  EXPECT_NE(line.find("45+1 routes"), std::string::npos) << line;
  (void)nh;

  // b's deregistration deletes its routes: counts follow.
  std::int64_t held = -1;
  ASSERT_EQ(rtm().deregister_entity(b_, &held), errc::ok);
  s = now();
  EXPECT_EQ(s.entities.size(), 2u);
  EXPECT_EQ(entity_of(s, b_), nullptr);
  EXPECT_EQ(s.routes[0], 40u);
  EXPECT_EQ(s.destinations[0], 40u);
  release(v6_, kept);
}

TEST_F(StatsTest, QueueDepthsPerRegistration) {
  rtm::NotifyHandle n;
  ASSERT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                                    nullptr, &n),
            errc::ok);
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(add(a_, ("10." + std::to_string(i) + ".0.0/16").c_str(), 20), errc::ok);
  rtm::InstanceStats s = now();
  ASSERT_EQ(s.registrations.size(), 1u);
  EXPECT_EQ(s.registrations[0].notify, n);
  EXPECT_EQ(s.registrations[0].entity, b_);
  EXPECT_EQ(s.registrations[0].family, rtm::Family::ipv4);
  EXPECT_EQ(s.registrations[0].queued, 7);
  rtm::DestInfo infos[8];
  std::uint32_t c = 8;
  EXPECT_EQ(rtm().get_changed_dests(b_, n, &c, infos), errc::no_more_items);
  EXPECT_EQ(c, 7u);
  s = now();
  EXPECT_EQ(s.registrations[0].queued, 0);
  EXPECT_EQ(entity_of(s, b_)->held.dests, 7) << "the infos it holds";
  EXPECT_EQ(rtm().release_changed_dests(b_, n, {infos, c}), errc::ok);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
  s = now();
  EXPECT_TRUE(s.registrations.empty());
}

// Objects retired and not yet freed are counted until a scan frees them.
TEST_F(StatsTest, RetiredObjectsAreCountedUntilFreed) {
  rtm::reclaim_all();
  EXPECT_EQ(now().retired_not_freed, 0);
  for (int i = 0; i < 10; ++i) {
    rtm::RouteHandle h = add_held(a_, "10.0.0.0/8", 20 + i);  // replaces the version each time
    release(a_, h);
  }
  EXPECT_GE(now().retired_not_freed, 0);
  rtm::reclaim_all();
  EXPECT_EQ(now().retired_not_freed, 0);
}
