// tests/rev2_test.cpp — second reader's reproductions of races in the
// reference-counting redesign (582bff5, 08ad5bc, 174f65d).
#include <thread>

#include "detail/core.h"
#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

// add_next_hop publishes the handle (allocate) before it inserts the next
// hop into the map, holding no lock. A deregistration of the same entity
// whose walk (D2) finds the handle in that window deletes the next hop:
// the map remove finds nothing, the map link is dropped, the next hop is
// revoked and retired. The creator then inserts the dead next hop, its
// (A2) re-check finds the owner gone, and its delete_next_hop_obj sees the
// state already deleted and returns without removing it: the map keeps a
// pointer to freed memory.
TEST_F(RtmTest, Rev2NextHopPublishedBeforeInsertRacingDeregistrationLeavesNoDeadEntry) {
  std::uint32_t n = 4;
  rtm::EntityHandle hs[4];
  // b holds a reference on a, so a's handle stays valid (not needed for the
  // race, but keeps the owner readable for the key).
  ASSERT_EQ(rtm().get_registered_entities(b_, &n, hs, nullptr), errc::ok);
  errc added = errc::ok;
  rtm::NextHopInfo info;
  info.address = P("192.0.2.1/32");
  info.interface_index = 7;
  rtm::NextHopHandle nh{};
  {
    HookParker park("add_next_hop.published");
    std::thread t([&] { added = rtm().add_next_hop(a_, info, &nh, nullptr); });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);  // another thread of the same entity
    park.release();
    t.join();
  }
  rtm::reclaim_all();
  EXPECT_EQ(added, errc::invalid_handle);
  // Nothing of a's may stay in the next-hop map.
  EXPECT_EQ(rtm().core().next_hops->size(), 0u)
      << "a deleted (revoked, retired) next hop is still in the next-hop map";
  ASSERT_EQ(rtm().release_entities(b_, {hs, n}), errc::ok);
  expect_clean_ = false;
}

}  // namespace

namespace {

// add_next_hop finding an existing next hop updates it under its lock,
// unlocks, then takes the caller's reference with add_ref, whose
// try_add_handle fails if the next hop was deleted (by key, by a thread
// holding no reference) in between: add_next_hop then returns not_found,
// which it never documents; the add should have created the next hop anew
// (it linearizes after the delete).
TEST_F(RtmTest, Rev2AddNextHopRacingDeleteByKeyIsNotNotFound) {
  rtm::NextHopInfo info;
  info.address = P("192.0.2.1/32");
  info.interface_index = 7;
  ASSERT_EQ(rtm().add_next_hop(a_, info, nullptr, nullptr), errc::ok);  // no reference kept
  errc added = errc::ok;
  rtm::NextHopHandle nh{};
  {
    HookParker park("add_next_hop.found");
    std::thread t([&] { added = rtm().add_next_hop(a_, info, &nh, nullptr); });
    park.wait_arrived();
    ASSERT_EQ(rtm().delete_next_hop(a_, {}, &info), errc::ok);  // its last link goes
    park.release();
    t.join();
  }
  EXPECT_EQ(added, errc::ok) << "add_next_hop answered " << static_cast<int>(added);
  if (added == errc::ok) {
    EXPECT_EQ(rtm().delete_next_hop(a_, nh, nullptr), errc::ok);
    EXPECT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
  }
}

}  // namespace

namespace {

// register_for_change_notification publishes the registration's handle
// (allocate) and only then stores it in its table slot and reads r->handle,
// with no guard on r and no re-check of the owner's registration. A
// deregistration of the same entity whose walk finds the handle in that
// window deregisters r (revoked: its handle side and memory unit go, and
// it is retired); the creator then stores the freed registration in the
// slot (every producer protects and uses it) and reads r->handle.
TEST_F(RtmTest, Rev2NotificationRegistrationRacingOwnerDeregistration) {
  std::uint32_t n = 4;
  rtm::EntityHandle hs[4];
  ASSERT_EQ(rtm().get_registered_entities(b_, &n, hs, nullptr), errc::ok);
  errc reg = errc::ok;
  rtm::NotifyHandle nh{};
  {
    HookParker park("register_for_change_notification.published");
    std::thread t([&] {
      reg = rtm().register_for_change_notification(a_, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &nh);
    });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);  // another thread of the same entity
    rtm::reclaim_all();  // the revoked registration is freed now
    park.release();
    t.join();
  }
  EXPECT_EQ(reg, errc::invalid_handle);
  // A change on the table: producers walk the registration slots.
  EXPECT_EQ(add(b_, "10.0.0.0/8", 10), errc::ok);
  rtm::reclaim_all();
  ASSERT_EQ(rtm().release_entities(b_, {hs, n}), errc::ok);
  expect_clean_ = false;
}

}  // namespace

namespace {

// A call of an entity that passed resolve_caller before its deregistration
// (another thread's) and takes a reference after the deregistration's last
// walk (dropping the references it holds) has passed: the reference is
// recorded for an entity that is gone, nothing ever drops it, and the
// object's handle stays valid for good (here: a deleted next hop that b
// referenced and released).
TEST_F(RtmTest, Rev2ReferenceTakenAfterOwnerDeregistrationWalkIsNotLeaked) {
  rtm::NextHopInfo info;
  info.address = P("192.0.2.1/32");
  info.interface_index = 7;
  rtm::NextHopHandle nh{};
  ASSERT_EQ(rtm().add_next_hop(a_, info, &nh, nullptr), errc::ok);
  const rtm::AnyHandle any = nh.value;
  ASSERT_EQ(rtm().reference_handles(b_, {&any, 1}), errc::ok);  // keeps it unrevoked
  ASSERT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
  errc added = errc::ok;
  rtm::NextHopHandle again{};
  {
    HookParker park("add_next_hop.found");
    std::thread t([&] { added = rtm().add_next_hop(a_, info, &again, nullptr); });
    park.wait_arrived();
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);  // deletes nh, drops a's references
    park.release();
    t.join();
  }
  ASSERT_EQ(rtm().dereference_handles(b_, {&any, 1}), errc::ok);  // b's goes: nothing names nh
  rtm::reclaim_all();
  rtm::NextHopInfo out;
  const errc r = rtm().get_next_hop_info(b_, nh, &out);
  if (r == errc::ok) rtm().release_next_hop_info(b_, out);
  EXPECT_EQ(r, errc::invalid_handle)
      << "add_next_hop answered " << static_cast<int>(added)
      << "; a reference of the deregistered entity keeps the deleted next hop's handle valid";
  expect_clean_ = false;
}

}  // namespace
