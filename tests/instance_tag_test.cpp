// Handles of a destroyed instance must not validate in a later instance that
// reuses its tag (issue 12, defect 7), through the C++ API and through the C
// API (which routes a call by the tag in its handle).
#include <gtest/gtest.h>
#include <rtm/rtm.h>
#include <rtmv2/rtmv2.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

std::uint8_t tag_of(std::uint64_t h) { return static_cast<std::uint8_t>(h >> 56); }
std::uint64_t value_of(HANDLE h) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(h));
}
HANDLE handle_of(std::uint64_t v) { return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(v)); }

TEST(InstanceTags, StaleHandleRefusedWhereItsTagIsReused) {
  // A: an instance with one entity, destroyed.
  rtm::EntityHandle old_e;
  std::uint8_t tag = 0;
  {
    rtm::Instance a;
    tag = a.handle_tag();
    ASSERT_EQ(a.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &old_e), rtm::errc::ok);
    ASSERT_EQ(tag_of(old_e.value), tag);
  }

  // Take every free tag: one of the new instances gets A's.
  std::vector<std::unique_ptr<rtm::Instance>> held;
  std::size_t b_at = SIZE_MAX;
  for (;;) {
    try {
      // Small maps: 255 instances at the default 20 MiB each would be 5 GiB.
      rtm::InstanceOptions o;
      o.ipv4_buckets = o.ipv6_buckets = 16;
      held.push_back(std::make_unique<rtm::Instance>(o));
    } catch (const std::length_error&) {
      break;
    }
    if (held.back()->handle_tag() == tag) b_at = held.size() - 1;
  }
  ASSERT_NE(b_at, SIZE_MAX) << "no new instance got tag " << int{tag};
  rtm::Instance& b = *held[b_at];

  // C++ API: B's first entity, registered exactly like A's.
  rtm::EntityHandle new_e;
  ASSERT_EQ(b.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &new_e), rtm::errc::ok);
  EXPECT_NE(new_e.value, old_e.value) << "B issued A's handle value again";
  rtm::EntityInfo info;
  EXPECT_EQ(b.get_entity_info(new_e, old_e, &info), rtm::errc::invalid_handle);
  EXPECT_EQ(b.get_entity_info(old_e, new_e, &info), rtm::errc::invalid_handle);
  EXPECT_EQ(b.deregister_entity(old_e), rtm::errc::invalid_handle);
  EXPECT_EQ(b.deregister_entity(new_e), rtm::errc::ok);

  // C API: make A's tag the only free one, so the instance the C API creates
  // for a new instance id gets it.
  held.erase(held.begin() + static_cast<std::ptrdiff_t>(b_at));
  RTM_ENTITY_INFO ci{};
  ci.RtmInstanceId = 0x7A61;  // used by no other test
  ci.AddressFamily = AF_INET;
  ci.EntityId.EntityProtocolId = 14;
  ci.EntityId.EntityInstanceId = 1;
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE c = nullptr;
  ASSERT_EQ(RtmRegisterEntity(&ci, nullptr, nullptr, FALSE, &profile, &c), NO_ERROR);
  held.clear();
  ASSERT_EQ(tag_of(value_of(c)), tag);
  EXPECT_NE(value_of(c), old_e.value) << "the C API instance issued A's handle value again";
  RTM_ENTITY_INFO out{};
  EXPECT_EQ(RtmGetEntityInfo(c, handle_of(old_e.value), &out), ERROR_INVALID_HANDLE);
  EXPECT_EQ(RtmGetEntityInfo(handle_of(old_e.value), c, &out), ERROR_INVALID_HANDLE);
  EXPECT_EQ(RtmDeregisterEntity(handle_of(old_e.value)), ERROR_INVALID_HANDLE);
  EXPECT_EQ(RtmDeregisterEntity(c), NO_ERROR);
}

}  // namespace
