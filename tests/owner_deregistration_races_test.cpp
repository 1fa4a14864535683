// tests/owner_deregistration_races_test.cpp — objects and references of an
// entity created by one of its threads while another thread deregisters it
// (the second reader's reproductions of races in the reference-counting
// redesign, and their variants).
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "api/instance_access.h"
#include "core/core.h"
#include "test_hook_util.h"
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

class OwnerDeregistrationRaces : public RtmTest {
 protected:
  // Runs `call` (a call of entity a) on a thread parked at hook `point`;
  // meanwhile this thread, another thread of a, deregisters a completely
  // and reclaims (what was revoked unprotected is freed), then lets it go on.
  template <typename F>
  void during_deregistration_of_a(const char* point, F call) {
    HookParker park(point);
    std::thread t(call);
    park.wait_arrived();
    EXPECT_EQ(rtm().deregister_entity(a_), errc::ok);
    rtm::reclaim_all();
    park.release();
    t.join();
  }
  // b's references on every entity (keep a's handle valid after it went).
  void hold_entities() {
    n_ = 4;
    ASSERT_EQ(rtm().get_registered_entities(b_, &n_, hs_, nullptr), errc::ok);
  }
  void release_entities() { ASSERT_EQ(rtm().release_entities(b_, {hs_, n_}), errc::ok); }
  // Whether nh's handle is still valid (b's view), once nothing names it.
  bool still_valid(rtm::NextHopHandle nh) {
    rtm::reclaim_all();
    rtm::NextHopInfo out;
    const errc r = rtm().get_next_hop_info(b_, nh, &out);
    if (r == errc::ok) rtm().release_next_hop_info(b_, out);
    return r != errc::invalid_handle;
  }
  static rtm::NextHopInfo hop() {
    rtm::NextHopInfo info;
    info.address = P("192.0.2.1/32");
    info.interface_index = 7;
    return info;
  }

  std::uint32_t n_ = 0;
  rtm::EntityHandle hs_[4];
};

// Two hook points: the creator parks at `park_point` until another thread
// has passed `arrive_point` (with the same object), which never waits.
class HookRendezvous {
 public:
  HookRendezvous(std::string park_point, std::string arrive_point)
      : park_(std::move(park_point)), arrive_(std::move(arrive_point)) {
    self() = this;
    rtm::detail::g_test_hook.store(&HookRendezvous::hook, std::memory_order_release);
  }
  ~HookRendezvous() {
    rtm::detail::g_test_hook.store(nullptr, std::memory_order_release);
    self() = nullptr;
  }
  void wait_parked() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return parked_ != nullptr; });
  }
  bool arrived() {
    std::lock_guard l(mu_);
    return arrived_;
  }

 private:
  static HookRendezvous*& self() {
    static HookRendezvous* p = nullptr;
    return p;
  }
  static void hook(const char* point, const void* object) {
    HookRendezvous* s = self();
    if (s == nullptr) return;
    std::unique_lock l(s->mu_);
    if (s->park_ == point && s->parked_ == nullptr) {
      s->parked_ = object;
      s->cv_.notify_all();
      s->cv_.wait(l, [&] { return s->arrived_; });
    } else if (s->arrive_ == point && s->parked_ == object) {
      s->arrived_ = true;
      s->cv_.notify_all();
    }
  }
  const std::string park_, arrive_;
  std::mutex mu_;
  std::condition_variable cv_;
  const void* parked_ = nullptr;
  bool arrived_ = false;
};

// add_next_hop published the handle before it inserted the next hop into
// the map, holding no lock: a deregistration walk (of the handle table,
// then) that found the handle in that window deleted the next hop (the map
// remove found nothing), and the creator then inserted the dead next hop.
// Now the creator holds the next hop's lock from before the handle is
// published until after its owner check, and the walk (of the owner's
// next hops) finds it once it is inserted and linked: here, parked before
// the owner check, the walk pops it and waits for the lock in its delete;
// the creator, released, finds its owner deregistered and deletes it.
TEST_F(OwnerDeregistrationRaces, NextHopFoundByWalkBeforeItsOwnerCheckLeavesNoDeadEntry) {
  hold_entities();  // keeps a's handle valid (for the key)
  errc added = errc::ok;
  const rtm::NextHopInfo info = hop();
  rtm::NextHopHandle nh{};
  {
    HookRendezvous hooks("add_next_hop.published", "deregister_impl.next_hop");
    std::thread t([&] { added = rtm().add_next_hop(a_, info, &nh, nullptr); });
    hooks.wait_parked();
    // Another thread of the same entity; its walk finds the parked next hop.
    ASSERT_EQ(rtm().deregister_entity(a_), errc::ok);
    t.join();
    EXPECT_TRUE(hooks.arrived());
  }
  rtm::reclaim_all();
  EXPECT_EQ(added, errc::invalid_handle);
  EXPECT_EQ(rtm::detail::InstanceAccess::core(rtm()).next_hops->size(), 0u)
      << "a deleted (revoked, retired) next hop is still in the next-hop map";
  release_entities();
  expect_clean_ = false;
}

// add_next_hop finding an existing next hop took the caller's reference
// after releasing the next hop's lock; a delete by key in between made it
// fail with not_found, which add_next_hop never documents. The reference
// is now taken under the lock: the add linearizes before the delete and
// hands out a reference on the next hop it updated (deleted right after).
TEST_F(OwnerDeregistrationRaces, AddNextHopRacingDeleteByKeyIsNotNotFound) {
  const rtm::NextHopInfo info = hop();
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
  ASSERT_EQ(added, errc::ok) << "add_next_hop answered " << static_cast<int>(added);
  rtm::NextHopInfo out;
  ASSERT_EQ(rtm().get_next_hop_info(a_, nh, &out), errc::ok);
  EXPECT_EQ(out.state, rtm::kNextHopStateDeleted);
  rtm().release_next_hop_info(a_, out);
  EXPECT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
}

// register_for_change_notification published the registration's handle,
// then stored it in its table slot and read r->handle, unprotected and
// without re-checking its owner: a deregistration walk in between
// deregistered and freed it, and the creator stored the freed registration
// in the slot (every producer then used it).
TEST_F(OwnerDeregistrationRaces, NotificationRegistrationFoundByWalkBeforeItsSlotStore) {
  hold_entities();
  errc reg = errc::ok;
  rtm::NotifyHandle nh{};
  during_deregistration_of_a("register_for_change_notification.published", [&] {
    reg = rtm().register_for_change_notification(a_, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                                 nullptr, &nh);
  });
  EXPECT_EQ(reg, errc::invalid_handle);
  // A change on the table: producers walk the registration slots.
  EXPECT_EQ(add(b_, "10.0.0.0/8", 10), errc::ok);
  rtm::reclaim_all();
  release_entities();
  expect_clean_ = false;
}

// The same for an enumeration: the walk deletes it after its handle is
// published; the creator read its handle from the freed object.
TEST_F(OwnerDeregistrationRaces, EnumerationFoundByWalkRightAfterItsPublication) {
  hold_entities();
  errc made = errc::ok;
  rtm::EnumHandle en{};
  during_deregistration_of_a("publish_enum.published",
                             [&] { made = rtm().create_next_hop_enum(a_, 0, nullptr, &en); });
  EXPECT_EQ(made, errc::invalid_handle);
  release_entities();
  expect_clean_ = false;
}

// And for a route list.
TEST_F(OwnerDeregistrationRaces, RouteListFoundByWalkRightAfterItsPublication) {
  hold_entities();
  errc made = errc::ok;
  rtm::RouteListHandle l{};
  during_deregistration_of_a("create_route_list.published",
                             [&] { made = rtm().create_route_list(a_, &l); });
  EXPECT_EQ(made, errc::invalid_handle);
  release_entities();
  expect_clean_ = false;
}

// A call of an entity that passed resolve_caller before its deregistration
// (another thread's) and takes a reference after the deregistration's walk
// 3 (which drops the references the entity holds) recorded a reference
// nothing would ever drop: the object's handle stayed valid for good.
// add_ref now re-checks the registration after counting and gives the
// reference back (here through add_next_hop's found path, whose reference
// is now taken under the next hop's lock, before the walk).
TEST_F(OwnerDeregistrationRaces, ReferenceTakenByAddNextHopDuringOwnerDeregistrationIsNotLeaked) {
  const rtm::NextHopInfo info = hop();
  rtm::NextHopHandle nh{};
  ASSERT_EQ(rtm().add_next_hop(a_, info, &nh, nullptr), errc::ok);
  const rtm::AnyHandle any = nh.value;
  ASSERT_EQ(rtm().reference_handles(b_, {&any, 1}), errc::ok);  // keeps it unrevoked
  ASSERT_EQ(rtm().release_next_hops(a_, {&nh, 1}), errc::ok);
  errc added = errc::ok;
  rtm::NextHopHandle again{};
  // The deregistration deletes nh and drops a's references.
  during_deregistration_of_a("add_next_hop.found",
                             [&] { added = rtm().add_next_hop(a_, info, &again, nullptr); });
  ASSERT_EQ(rtm().dereference_handles(b_, {&any, 1}), errc::ok);  // b's goes: nothing names nh
  EXPECT_FALSE(still_valid(nh))
      << "add_next_hop answered " << static_cast<int>(added)
      << "; a reference of the deregistered entity keeps the deleted next hop's handle valid";
  expect_clean_ = false;
}

// The same through add_ref itself: reference_handles of a on b's next hop,
// parked after the lookup; a deregisters completely; the reference counted
// afterwards is given back (invalid_handle), so once b deletes and
// releases the next hop its handle is invalid.
TEST_F(OwnerDeregistrationRaces, ReferenceCountedAfterOwnerWalkIsGivenBack) {
  rtm::NextHopHandle nh{};
  ASSERT_EQ(rtm().add_next_hop(b_, hop(), &nh, nullptr), errc::ok);
  const rtm::AnyHandle any = nh.value;
  errc referenced = errc::ok;
  during_deregistration_of_a("reference_handles.found",
                             [&] { referenced = rtm().reference_handles(a_, {&any, 1}); });
  EXPECT_EQ(referenced, errc::invalid_handle);
  ASSERT_EQ(rtm().delete_next_hop(b_, nh, nullptr), errc::ok);
  ASSERT_EQ(rtm().release_next_hops(b_, {&nh, 1}), errc::ok);
  EXPECT_FALSE(still_valid(nh))
      << "a reference of the deregistered entity keeps the deleted next hop's handle valid";
  expect_clean_ = false;
}

// ---- deregistration in O(what the entity owns) ---------------------------------------

// A hook that counts the deregistration's walks of the whole handle table.
class TableWalkCounter {
 public:
  TableWalkCounter() {
    count() = 0;
    rtm::detail::g_test_hook.store(&TableWalkCounter::hook, std::memory_order_release);
  }
  ~TableWalkCounter() { rtm::detail::g_test_hook.store(nullptr, std::memory_order_release); }
  int walks() const { return count().load(); }

 private:
  static std::atomic<int>& count() {
    static std::atomic<int> n{0};
    return n;
  }
  static void hook(const char* point, const void*) {
    const std::string_view p(point);
    if (p == "deregister_impl.opaque_walk" || p == "deregister_impl.hold_walk") count().fetch_add(1);
  }
};

// An entity's routes (added by three of its threads, so in three shards),
// next hop, enumeration, route list and notification registration are all
// deleted by its deregistration, which walks no table to find them.
TEST_F(OwnerDeregistrationRaces, DeregistrationFindsWhatTheEntityOwnsWithoutWalkingTheTable) {
  rtm::EntityHandle c{};
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 40, 1}, {}, &c), errc::ok);
  ASSERT_EQ(add(b_, "10.0.0.0/8", 5), errc::ok);  // b's: stays
  const char* prefixes[3][2] = {{"10.1.0.0/16", "10.2.0.0/16"},
                                {"10.3.0.0/16", "10.4.0.0/16"},
                                {"10.0.0.0/8", "10.5.0.0/16"}};
  for (auto& ps : prefixes) {
    std::thread t([&] {
      for (const char* p : ps) EXPECT_EQ(add(c, p, 20), errc::ok) << p;
    });
    t.join();
  }
  rtm::NextHopInfo info = hop();
  ASSERT_EQ(rtm().add_next_hop(c, info, nullptr, nullptr), errc::ok);
  rtm::EnumHandle en{};
  ASSERT_EQ(rtm().create_next_hop_enum(c, 0, nullptr, &en), errc::ok);
  rtm::RouteListHandle list{};
  ASSERT_EQ(rtm().create_route_list(c, &list), errc::ok);
  rtm::NotifyHandle reg{};
  ASSERT_EQ(rtm().register_for_change_notification(c, rtm::kViewMaskUnicast,
                                                   rtm::kChangeTypeAll, nullptr, &reg),
            errc::ok);
  ASSERT_EQ(rtm().dest_count(rtm::Family::ipv4), 6u);
  const CounterSnapshot before;
  TableWalkCounter walks;
  std::int64_t held = -1;
  ASSERT_EQ(rtm().deregister_entity(c, &held), errc::ok);
  EXPECT_EQ(held, 0);
  EXPECT_EQ(walks.walks(), 0) << "the deregistration walked the handle table";
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 1u) << "a route of the entity survived it";
  rtm::reclaim_all();
  EXPECT_EQ(before.live_delta(rtm::HandleKind::route), -6);
  EXPECT_EQ(before.live_delta(rtm::HandleKind::next_hop), -1);
  EXPECT_EQ(before.live_delta(rtm::HandleKind::enumeration), -1);
  EXPECT_EQ(before.live_delta(rtm::HandleKind::route_list), -1);
  EXPECT_EQ(before.live_delta(rtm::HandleKind::notify), -1);
}

// Whether route r's handle is still valid (b's view), once nothing names it.
bool route_valid(rtm::Instance& inst, rtm::EntityHandle b, rtm::RouteHandle r) {
  rtm::reclaim_all();
  rtm::RouteInfo out;
  const errc got = inst.get_route_info(b, r, &out, nullptr);
  if (got == errc::ok) inst.release_route_info(b, out);
  return got != errc::invalid_handle;
}

// Walk 3 (the hold records) is skipped for an entity that holds no
// reference counted on an object (held[] all zero, (G)). A reference
// counted just before the deregistration, its registration check passed
// (parked right after), counted itself in held[] first, so the walk runs
// and drops it.
TEST_F(OwnerDeregistrationRaces, ACountedReferenceTakenRightBeforeItsOwnersDeregistrationIsDropped) {
  // b's route, deleted while b still references it: a reference on it is
  // counted on the route (a's hold record), not in a ledger.
  rtm::RouteHandle r = add_held(b_, "10.1.0.0/16", 10);
  ASSERT_EQ(rtm().delete_route(b_, r, nullptr), errc::ok);
  const rtm::AnyHandle any = r.value;
  errc referenced = errc::invalid_parameter;
  std::int64_t held = -1;
  {
    HookParker park("add_counted.counted");
    std::thread t([&] { referenced = rtm().reference_handles(a_, {&any, 1}); });
    park.wait_arrived();
    EXPECT_EQ(rtm().deregister_entity(a_, &held), errc::ok);
    park.release();
    t.join();
  }
  EXPECT_EQ(referenced, errc::ok);
  EXPECT_EQ(held, 1) << "the deregistration did not drop a's counted reference";
  release(b_, r);
  EXPECT_FALSE(route_valid(rtm(), b_, r))
      << "a reference of the deregistered entity keeps the deleted route's handle valid";
  expect_clean_ = false;
}

// The creator's references on the route and next hop it added are
// counted on the objects: while it keeps them its deregistration walks the
// hold records (and drops them); once it released them (held[] back to
// zero) it walks no table.
TEST_F(OwnerDeregistrationRaces, HandlesOfAddedObjectsCostAWalkOnlyWhileKept) {
  rtm::EntityHandle c{};
  ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv4, 40, 1}, {}, &c), errc::ok);
  for (rtm::EntityHandle e : {a_, c}) {
    rtm::NextHopHandle nh{};
    ASSERT_EQ(rtm().add_next_hop(e, hop(), &nh, nullptr), errc::ok);
    rtm::RouteHandle r = add_held(e, e == a_ ? "10.3.0.0/16" : "10.4.0.0/16", 10);
    const bool keep = e == a_;
    if (!keep) {
      release(e, r);
      ASSERT_EQ(rtm().release_next_hops(e, {&nh, 1}), errc::ok);
    }
    const CounterSnapshot before;
    TableWalkCounter walks;
    std::int64_t held = -1;
    ASSERT_EQ(rtm().deregister_entity(e, &held), errc::ok);
    EXPECT_EQ(walks.walks(), keep ? 1 : 0) << (keep ? "kept" : "released");
    EXPECT_EQ(held, keep ? 2 : 0);
    rtm::reclaim_all();
    EXPECT_EQ(before.live_delta(rtm::HandleKind::route), -1);
    EXPECT_EQ(before.live_delta(rtm::HandleKind::next_hop), -1);
  }
}

// A fold moves a reference from a ledger into a hold record (the route
// leaves its destination) and sets the holder's flag: its deregistration
// then walks the hold records and drops it.
TEST_F(OwnerDeregistrationRaces, AReferenceFoldedIntoAHoldRecordIsDroppedByItsHoldersDeregistration) {
  rtm::RouteHandle r = add_held(b_, "10.2.0.0/16", 10);
  const rtm::AnyHandle any = r.value;
  ASSERT_EQ(rtm().reference_handles(a_, {&any, 1}), errc::ok);  // in this thread's ledger
  ASSERT_EQ(rtm().delete_route(b_, r, nullptr), errc::ok);       // folded into a's record
  TableWalkCounter walks;
  std::int64_t held = -1;
  ASSERT_EQ(rtm().deregister_entity(a_, &held), errc::ok);
  EXPECT_EQ(walks.walks(), 1);
  EXPECT_EQ(held, 1) << "the deregistration did not drop a's folded reference";
  release(b_, r);
  EXPECT_FALSE(route_valid(rtm(), b_, r))
      << "a reference of the deregistered entity keeps the deleted route's handle valid";
  expect_clean_ = false;
}

}  // namespace
