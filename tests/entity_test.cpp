// Entities: registration, profile, events, listing, deregistration.
#include <atomic>
#include <vector>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

TEST_F(RtmTest, DuplicateRegistrationIsRefused) {
  rtm::EntityHandle dup;
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &dup), errc::already_exists);
  EXPECT_FALSE(dup);
  // Same protocol, other instance id, or other family: distinct identities.
  rtm::EntityHandle other;
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 14, 2}, {}, &other), errc::ok);
  EXPECT_EQ(rtm().deregister_entity(other), errc::ok);
}

TEST_F(RtmTest, RegistrationValidatesItsArguments) {
  rtm::EntityHandle h;
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, {}, nullptr),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().register_entity({0, static_cast<rtm::Family>(5), 99, 1}, {}, &h),
            errc::invalid_parameter);
  EXPECT_EQ(rtm().register_entity({7, rtm::Family::ipv4, 99, 1}, {}, &h), errc::invalid_parameter)
      << "rtm_instance_id must be the instance's";
  rtm::EntityConfig cfg;
  cfg.max_next_hops_in_route = rtm::kMaxNextHopsPerRoute + 1;
  EXPECT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, cfg, &h), errc::invalid_parameter);
}

TEST_F(RtmTest, ProfileReportsDefaultsAndRequestedLimits) {
  rtm::RegnProfile p;
  ASSERT_EQ(rtm().get_profile(a_, &p), errc::ok);
  EXPECT_EQ(p.max_next_hops_in_route, 8u);
  EXPECT_EQ(p.max_handles_in_enum, 100u);
  EXPECT_EQ(p.views_supported, rtm::kViewMaskUnicast | rtm::kViewMaskMulticast);
  EXPECT_EQ(p.number_of_views, 2u);

  rtm::EntityConfig cfg;
  cfg.max_next_hops_in_route = 3;
  cfg.max_handles_in_enum = 10;
  rtm::EntityHandle h;
  rtm::RegnProfile q;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 99, 1}, cfg, &h, &q), errc::ok);
  EXPECT_EQ(q.max_next_hops_in_route, 3u);
  EXPECT_EQ(q.max_handles_in_enum, 10u);
  EXPECT_EQ(rtm().get_profile(h, nullptr), errc::invalid_parameter);
  EXPECT_EQ(rtm().deregister_entity(h), errc::ok);
}

TEST_F(RtmTest, OtherEntitiesOfTheInstanceGetRegisterAndDeregisterEvents) {
  std::vector<std::pair<rtm::EventType, std::uint64_t>> seen;
  rtm::EntityConfig cfg;
  cfg.callback = [&](rtm::EntityHandle, rtm::EventType t, void* c1, void*) -> std::uint32_t {
    seen.emplace_back(t, reinterpret_cast<std::uintptr_t>(c1));
    return 0;
  };
  rtm::EntityHandle watcher, newcomer, v6other;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 50, 1}, cfg, &watcher), errc::ok);
  EXPECT_TRUE(seen.empty()) << "no event about itself";
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 51, 1}, {}, &newcomer), errc::ok);
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv6, 51, 1}, {}, &v6other), errc::ok);
  ASSERT_EQ(rtm().deregister_entity(newcomer), errc::ok);
  ASSERT_EQ(seen.size(), 3u) << "an IPv6 entity is an entity of the instance too";
  EXPECT_EQ(seen[0].first, rtm::EventType::entity_registered);
  EXPECT_EQ(seen[0].second, newcomer.value);
  EXPECT_EQ(seen[1].first, rtm::EventType::entity_registered);
  EXPECT_EQ(seen[1].second, v6other.value);
  EXPECT_EQ(seen[2].first, rtm::EventType::entity_deregistered);
  EXPECT_EQ(seen[2].second, newcomer.value);
  EXPECT_EQ(rtm().deregister_entity(v6other), errc::ok);
  EXPECT_EQ(rtm().deregister_entity(watcher), errc::ok);
}

TEST_F(RtmTest, GetRegisteredEntitiesReferencesEachHandle) {
  std::uint32_t n = 0;
  EXPECT_EQ(rtm().get_registered_entities(a_, &n, nullptr, nullptr), errc::insufficient_buffer);
  EXPECT_EQ(n, 2u) << "the two IPv4 entities";
  EXPECT_EQ(outstanding(a_).entities, 0) << "nothing referenced on insufficient_buffer";
  rtm::EntityHandle hs[4];
  rtm::EntityInfo infos[4];
  n = 4;
  ASSERT_EQ(rtm().get_registered_entities(a_, &n, hs, infos), errc::ok);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(outstanding(a_).entities, 2);
  std::vector<std::uint32_t> protos = {infos[0].protocol_id, infos[1].protocol_id};
  std::sort(protos.begin(), protos.end());
  EXPECT_EQ(protos, (std::vector<std::uint32_t>{3, 14}));
  EXPECT_EQ(rtm().release_entities(a_, {hs, n}), errc::ok);
  EXPECT_EQ(outstanding(a_).entities, 0);
  EXPECT_EQ(rtm().release_entities(a_, {hs, n}), errc::invalid_parameter) << "double release";
}

TEST_F(RtmTest, GetEntityInfoOfAnotherEntity) {
  rtm::EntityInfo info;
  ASSERT_EQ(rtm().get_entity_info(a_, b_, &info), errc::ok);
  EXPECT_EQ(info.protocol_id, 3u);
  EXPECT_EQ(info.family, rtm::Family::ipv4);
  EXPECT_EQ(rtm().get_entity_info(a_, b_, nullptr), errc::invalid_parameter);
  EXPECT_EQ(rtm().get_entity_info(a_, rtm::EntityHandle{12345}, &info), errc::invalid_handle);
}

TEST_F(RtmTest, DeregistrationDeletesTheEntitysRoutesAndReportsHeldReferences) {
  rtm::EntityHandle e;
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 77, 1}, {}, &e), errc::ok);
  ASSERT_EQ(add(e, "10.0.0.0/8", 5), errc::ok);
  rtm::RouteHandle held = add_held(e, "10.1.0.0/16", 5);
  (void)held;
  ASSERT_EQ(add(a_, "10.1.0.0/16", 9), errc::ok);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 2u);
  std::int64_t still = -1;
  ASSERT_EQ(rtm().deregister_entity(e, &still), errc::ok);
  EXPECT_EQ(still, 1) << "the one route handle it kept";
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 1u) << "10/8 went with its only route";
  rtm::DestInfo di;
  ASSERT_EQ(rtm().get_exact_match_destination(a_, P("10.1.0.0/16"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, &di),
            errc::ok);
  EXPECT_EQ(di.views[0].num_routes, 1u);
  EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
  // The handle is dead for every call now.
  EXPECT_EQ(rtm().deregister_entity(e), errc::invalid_handle);
  rtm::Outstanding o;
  EXPECT_EQ(rtm().outstanding(e, &o), errc::invalid_handle);
}

TEST_F(RtmTest, AnotherInstancesEntityHandleIsInvalidHere) {
  rtm::Instance other(rtm::InstanceOptions{.instance_id = 1, .views_supported = 3, .clock = {}});
  rtm::EntityHandle e;
  ASSERT_EQ(other.register_entity({1, rtm::Family::ipv4, 14, 1}, {}, &e), errc::ok);
  rtm::RegnProfile p;
  EXPECT_EQ(rtm().get_profile(e, &p), errc::invalid_handle);
  EXPECT_EQ(rtm().deregister_entity(e), errc::invalid_handle);
  EXPECT_EQ(other.deregister_entity(e), errc::ok);
}
