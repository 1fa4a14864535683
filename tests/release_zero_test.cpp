// A release of zero items succeeds and does nothing (issue 12, defect 9):
// the drain loop `n = cap; Get(&n, buf); ...; Release(n, buf)` releases 0
// items when the Get returned none. The caller handle (and, for changed
// destinations, the notify handle) is still validated; the array may be
// null; nothing is counted. Gets with a capacity keep refusing 0.
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <vector>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

class ReleaseZeroTest : public RtmTest {
 protected:
  // Gives every entity something held, so that "counts untouched" means more
  // than 0 == 0.
  void SetUp() override {
    RtmTest::SetUp();
    route_ = add_held(a_, "10.0.0.0/8", 10);
    rtm::NextHopInfo i;
    i.address = P("192.0.2.1");
    i.interface_index = 1;
    rtm::NextHopChangeFlags ch = 0;
    ASSERT_EQ(rtm().add_next_hop(a_, i, &hop_, &ch), errc::ok);
    ASSERT_EQ(rtm().register_for_change_notification(a_, rtm::kViewMaskUnicast,
                                                     rtm::kChangeTypeAll, nullptr, &notify_),
              errc::ok);
    ASSERT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast,
                                                     rtm::kChangeTypeAll, nullptr, &b_notify_),
              errc::ok);
  }
  void TearDown() override {
    EXPECT_EQ(rtm().release_next_hops(a_, {&hop_, 1}), errc::ok);
    remove(a_, route_);
    RtmTest::TearDown();
  }
  struct Counts {
    rtm::Outstanding a, b;
    bool operator==(const Counts& o) const {
      return a.total() == o.a.total() && a.routes == o.a.routes && a.next_hops == o.a.next_hops &&
             a.dests == o.a.dests && a.entities == o.a.entities && b.total() == o.b.total();
    }
  };
  Counts counts() { return {outstanding(a_), outstanding(b_)}; }
  // release(a_) of 0 items succeeds, release(junk) is refused, no count moves.
  template <typename F>
  void expect_noop(F release) {
    const Counts before = counts();
    EXPECT_EQ(release(a_), errc::ok);
    EXPECT_EQ(release(junk_), errc::invalid_handle) << "the caller is still checked";
    EXPECT_TRUE(before == counts());
  }
  const rtm::EntityHandle junk_{0x1234};

  rtm::RouteHandle route_;
  rtm::NextHopHandle hop_;
  rtm::NotifyHandle notify_, b_notify_;
};

TEST_F(ReleaseZeroTest, ReleaseRoutesOfZero) {
  expect_noop([&](rtm::EntityHandle e) { return rtm().release_routes(e, {}); });
  const Counts before = counts();
  EXPECT_EQ(rtm().release_routes(a_, {static_cast<const rtm::RouteHandle*>(nullptr), 0}), errc::ok);
  EXPECT_TRUE(before == counts());
}

TEST_F(ReleaseZeroTest, ReleaseNextHopsOfZero) {
  expect_noop([&](rtm::EntityHandle e) { return rtm().release_next_hops(e, {}); });
}

TEST_F(ReleaseZeroTest, ReleaseEntitiesOfZero) {
  expect_noop([&](rtm::EntityHandle e) { return rtm().release_entities(e, {}); });
}

TEST_F(ReleaseZeroTest, ReleaseDestsOfZero) {
  expect_noop([&](rtm::EntityHandle e) { return rtm().release_dests(e, {}); });
}

TEST_F(ReleaseZeroTest, DereferenceHandlesOfZero) {
  expect_noop([&](rtm::EntityHandle e) { return rtm().dereference_handles(e, {}); });
}

TEST_F(ReleaseZeroTest, ReleaseChangedDestsOfZeroStillChecksTheRegistration) {
  const Counts before = counts();
  EXPECT_EQ(rtm().release_changed_dests(a_, notify_, {}), errc::ok);
  EXPECT_EQ(rtm().release_changed_dests(junk_, notify_, {}), errc::invalid_handle);
  EXPECT_EQ(rtm().release_changed_dests(a_, {}, {}), errc::invalid_handle) << "null registration";
  EXPECT_EQ(rtm().release_changed_dests(a_, b_notify_, {}), errc::access_denied)
      << "another entity's registration";
  EXPECT_EQ(rtm().release_changed_dests(a_, rtm::NotifyHandle{route_.value}, {}),
            errc::invalid_handle)
      << "not a registration";
  EXPECT_TRUE(before == counts());
}

// The loop every client writes: drain until no_more_items, releasing what
// each call returned — including the 0 of an empty queue.
TEST_F(ReleaseZeroTest, DrainLoopReleasesTheEmptyBatch) {
  std::uint32_t n = 4;
  std::vector<rtm::DestInfo> buf(4);
  ASSERT_EQ(rtm().get_changed_dests(b_, b_notify_, &n, buf.data()), errc::no_more_items);
  ASSERT_EQ(n, 0u);
  EXPECT_EQ(rtm().release_changed_dests(b_, b_notify_, {buf.data(), n}), errc::ok);
  n = 0;
  EXPECT_EQ(rtm().get_changed_dests(b_, b_notify_, &n, buf.data()), errc::invalid_parameter)
      << "a Get with capacity 0 is still refused";
}

// ---- the C API ---------------------------------------------------------------

class ReleaseZeroCTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [proto, h] : {std::pair{1u, &a_}, std::pair{2u, &b_}}) {
      RTM_ENTITY_INFO i{};
      i.RtmInstanceId = 41;
      i.AddressFamily = AF_INET;
      i.EntityId.EntityProtocolId = proto;
      i.EntityId.EntityInstanceId = 1;
      RTM_REGN_PROFILE p;
      ASSERT_EQ(RtmRegisterEntity(&i, nullptr, nullptr, FALSE, &p, h), NO_ERROR);
    }
    RTM_NET_ADDRESS a{};
    a.AddressFamily = AF_INET;
    a.NumBits = 8;
    a.AddrBits[0] = 10;
    RTM_ROUTE_INFO ri{};
    ri.BelongsToViews = RTM_VIEW_MASK_UCAST;
    ri.PrefInfo.Preference = 10;
    RTM_ROUTE_CHANGE_FLAGS cf = 0;
    ASSERT_EQ(RtmAddRouteToDest(a_, &route_, &a, &ri, INFINITE, nullptr, 0, nullptr, &cf), NO_ERROR);
    ASSERT_EQ(RtmRegisterForChangeNotification(a_, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_ALL,
                                               nullptr, &notify_),
              NO_ERROR);
    ASSERT_EQ(RtmRegisterForChangeNotification(b_, RTM_VIEW_MASK_UCAST, RTM_CHANGE_TYPE_ALL,
                                               nullptr, &b_notify_),
              NO_ERROR);
  }
  void TearDown() override {
    RTM_ROUTE_CHANGE_FLAGS cf = 0;
    EXPECT_EQ(RtmDeleteRouteToDest(a_, route_, &cf), NO_ERROR);
    EXPECT_EQ(RtmReleaseRoutes(a_, 1, &route_), NO_ERROR);
    EXPECT_EQ(RtmDeregisterEntity(b_), NO_ERROR);
    EXPECT_EQ(RtmDeregisterEntity(a_), NO_ERROR);
  }
  ULONG held(RTM_ENTITY_HANDLE e) {
    ULONG n = 0;
    EXPECT_EQ(RtmxGetHeldReferences(e, &n), NO_ERROR);
    return n;
  }
  // release(a_) of 0 items with a NULL array succeeds, release(junk) is
  // refused, no count moves.
  template <typename F>
  void expect_noop(F release) {
    const ULONG before = held(a_);
    EXPECT_EQ(release(a_), static_cast<DWORD>(NO_ERROR));
    EXPECT_EQ(release(junk_), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(held(a_), before);
  }
  RTM_ENTITY_HANDLE a_ = nullptr, b_ = nullptr;
  RTM_ROUTE_HANDLE route_ = nullptr;
  RTM_NOTIFY_HANDLE notify_ = nullptr, b_notify_ = nullptr;
  HANDLE junk_ = reinterpret_cast<HANDLE>(std::uintptr_t{0x1234});
};

TEST_F(ReleaseZeroCTest, RtmReleaseRoutesOfZero) {
  expect_noop([](HANDLE e) { return RtmReleaseRoutes(e, 0, nullptr); });
}

TEST_F(ReleaseZeroCTest, RtmReleaseNextHopsOfZero) {
  expect_noop([](HANDLE e) { return RtmReleaseNextHops(e, 0, nullptr); });
}

TEST_F(ReleaseZeroCTest, RtmReleaseEntitiesOfZero) {
  expect_noop([](HANDLE e) { return RtmReleaseEntities(e, 0, nullptr); });
}

TEST_F(ReleaseZeroCTest, RtmReleaseDestsOfZero) {
  expect_noop([](HANDLE e) { return RtmReleaseDests(e, 0, nullptr); });
}

TEST_F(ReleaseZeroCTest, RtmDereferenceHandlesOfZero) {
  expect_noop([](HANDLE e) { return RtmDereferenceHandles(e, 0, nullptr); });
}

TEST_F(ReleaseZeroCTest, RtmReleaseChangedDestsOfZero) {
  const ULONG before = held(a_), before_b = held(b_);
  EXPECT_EQ(RtmReleaseChangedDests(a_, notify_, 0, nullptr), NO_ERROR);
  EXPECT_EQ(RtmReleaseChangedDests(junk_, notify_, 0, nullptr), ERROR_INVALID_HANDLE);
  EXPECT_EQ(RtmReleaseChangedDests(a_, nullptr, 0, nullptr), ERROR_INVALID_HANDLE);
  EXPECT_EQ(RtmReleaseChangedDests(a_, b_notify_, 0, nullptr), ERROR_ACCESS_DENIED);
  EXPECT_EQ(held(a_), before);
  EXPECT_EQ(held(b_), before_b);
}

TEST_F(ReleaseZeroCTest, TheDrainLoopOfAnEmptyQueue) {
  std::vector<unsigned char> buf(RTM_SIZE_OF_DEST_INFO(2) * 4);
  auto* infos = reinterpret_cast<PRTM_DEST_INFO>(buf.data());
  UINT n = 4;
  ASSERT_EQ(RtmGetChangedDests(b_, b_notify_, &n, infos), ERROR_NO_MORE_ITEMS);
  ASSERT_EQ(n, 0u);
  EXPECT_EQ(RtmReleaseChangedDests(b_, b_notify_, n, infos), NO_ERROR);
  n = 0;
  EXPECT_EQ(RtmGetChangedDests(b_, b_notify_, &n, infos), ERROR_INVALID_PARAMETER)
      << "a Get with capacity 0 is still refused";
}

}  // namespace
