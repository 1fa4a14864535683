// Concurrent C API lookups (issue 12, defect 10). instance_of (src/c_api/registry.cpp)
// maps a handle's tag to its instance with one acquire load from an array of
// atomics: no lock, so lookups from several threads do not serialise on a
// process-wide mutex. A test cannot show that no lock is taken; this one runs
// RtmGetExactMatchDestination from several threads while another thread
// makes the C API create instances (the registry's writer side), and must be
// clean under TSan.
#include <gtest/gtest.h>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <rtm/rtm.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "c_api/scratch.h"

namespace {

RTM_ENTITY_HANDLE reg(USHORT instance, ULONG proto, RTM_REGN_PROFILE* profile) {
  RTM_ENTITY_INFO info{};
  info.RtmInstanceId = instance;
  info.AddressFamily = AF_INET;
  info.EntityId.EntityProtocolId = proto;
  info.EntityId.EntityInstanceId = 1;
  RTM_ENTITY_HANDLE h = nullptr;
  EXPECT_EQ(RtmRegisterEntity(&info, nullptr, nullptr, FALSE, profile, &h), NO_ERROR);
  return h;
}

RTM_NET_ADDRESS v4(unsigned b0, unsigned len) {
  RTM_NET_ADDRESS a{};
  a.AddressFamily = AF_INET;
  a.NumBits = static_cast<USHORT>(len);
  a.AddrBits[0] = static_cast<UCHAR>(b0);
  return a;
}

// e's route to 10.0.0.0/8 (preference 10, unicast), through `nh` unless it
// is null; its handle, referenced (null if the add failed).
RTM_ROUTE_HANDLE add_route10(RTM_ENTITY_HANDLE e, RTM_NEXTHOP_HANDLE nh) {
  std::vector<unsigned char> ri_buf(RTM_SIZE_OF_ROUTE_INFO(1));
  auto* ri = reinterpret_cast<PRTM_ROUTE_INFO>(ri_buf.data());
  ri->PrefInfo.Preference = 10;
  ri->BelongsToViews = RTM_VIEW_MASK_UCAST;
  if (nh != nullptr) {
    ri->NextHopsList.NumNextHops = 1;
    ri->NextHopsList.NextHops[0] = nh;
  }
  RTM_NET_ADDRESS p10 = v4(10, 8);
  RTM_ROUTE_HANDLE route = nullptr;
  RTM_ROUTE_CHANGE_FLAGS flags = 0;
  EXPECT_EQ(RtmAddRouteToDest(e, &route, &p10, ri, INFINITE, nullptr, 0, nullptr, &flags), NO_ERROR);
  return route;
}

TEST(CApiThreads, ConcurrentExactMatchLookups) {
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE e = reg(0x7A62, 14, &profile);
  ASSERT_NE(e, nullptr);
  const RTM_NET_ADDRESS p10 = v4(10, 8);
  RTM_ROUTE_HANDLE route = add_route10(e, nullptr);
  ASSERT_NE(route, nullptr);
  RTM_ROUTE_CHANGE_FLAGS flags = 0;

  constexpr int kReaders = 3;
  constexpr int kLookups = 5000;
  std::atomic<int> found{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&] {
      std::vector<unsigned char> buf(RTM_SIZE_OF_DEST_INFO(profile.NumberOfViews));
      auto* di = reinterpret_cast<PRTM_DEST_INFO>(buf.data());
      for (int i = 0; i < kLookups; ++i) {
        RTM_NET_ADDRESS a = p10;
        if (RtmGetExactMatchDestination(e, &a, RTM_BEST_PROTOCOL, RTM_VIEW_MASK_UCAST, di) ==
            NO_ERROR) {
          found.fetch_add(1, std::memory_order_relaxed);
          EXPECT_EQ(RtmReleaseDestInfo(e, di), NO_ERROR);
        }
      }
    });
  }
  // The registry's writer: the C API creates two more instances meanwhile.
  RTM_REGN_PROFILE p2;
  RTM_ENTITY_HANDLE x = reg(0x7A63, 14, &p2);
  RTM_ENTITY_HANDLE y = reg(0x7A64, 14, &p2);
  for (auto& r : readers) r.join();
  EXPECT_EQ(found.load(), kReaders * kLookups);

  EXPECT_EQ(RtmDeleteRouteToDest(e, route, &flags), NO_ERROR);
  EXPECT_EQ(RtmReleaseRoutes(e, 1, &route), NO_ERROR);
  EXPECT_EQ(RtmDeregisterEntity(x), NO_ERROR);
  EXPECT_EQ(RtmDeregisterEntity(y), NO_ERROR);
  EXPECT_EQ(RtmDeregisterEntity(e), NO_ERROR);
}

// A forwarding session belongs to the thread that opened it
// (rtmv2_ext.h): another thread's close is refused with ERROR_ACCESS_DENIED
// and leaves it open (its lookups still answer on the opening thread),
// and the opening thread closes it. Another thread's open of its own
// session works meanwhile, and its close does not disturb the first.
TEST(CApiThreads, AForwardingSessionClosesOnlyOnItsThread) {
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE e = reg(0x7A63, 14, &profile);
  ASSERT_NE(e, nullptr);
  RTM_NEXTHOP_INFO nhi{};
  nhi.NextHopAddress = v4(192, 32);
  nhi.InterfaceIndex = 7;
  RTM_NEXTHOP_HANDLE nh = nullptr;
  RTM_NEXTHOP_CHANGE_FLAGS nf = 0;
  ASSERT_EQ(RtmAddNextHop(e, &nhi, &nh, &nf), NO_ERROR);
  RTM_ROUTE_HANDLE route = add_route10(e, nh);
  ASSERT_NE(route, nullptr);
  RTM_ROUTE_CHANGE_FLAGS flags = 0;
  const ULONG addr = 10u << 24 | 1;

  RTMX_FORWARDING_SESSION s{};
  ASSERT_EQ(RtmxOpenForwardingSession(e, RTM_VIEW_ID_UCAST, &s), NO_ERROR);
  const RTMX_FORWARDING_RESULT* before = RtmxSessionLookup4(&s, addr);
  ASSERT_EQ(before->NumHops, 1u);
  ASSERT_EQ(before->Hops[0].InterfaceIndex, 7u);
  DWORD other_close = 0, own_open = 0, own_close = 0;
  std::thread t([&] {
    other_close = RtmxCloseForwardingSession(&s);
    RTMX_FORWARDING_SESSION mine{};
    own_open = RtmxOpenForwardingSession(e, RTM_VIEW_ID_UCAST, &mine);
    own_close = RtmxCloseForwardingSession(&mine);
  });
  t.join();
  EXPECT_EQ(other_close, static_cast<DWORD>(ERROR_ACCESS_DENIED));
  EXPECT_EQ(own_open, static_cast<DWORD>(NO_ERROR));
  EXPECT_EQ(own_close, static_cast<DWORD>(NO_ERROR));
  EXPECT_EQ(RtmxSessionLookup4(&s, addr), before) << "the refused close changed the session";
  EXPECT_EQ(RtmxCloseForwardingSession(&s), static_cast<DWORD>(NO_ERROR));
  EXPECT_EQ(RtmxCloseForwardingSession(&s), static_cast<DWORD>(ERROR_INVALID_HANDLE));

  EXPECT_EQ(RtmDeleteRouteToDest(e, route, &flags), NO_ERROR);
  EXPECT_EQ(RtmReleaseRoutes(e, 1, &route), NO_ERROR);
  EXPECT_EQ(RtmReleaseNextHops(e, 1, &nh), NO_ERROR);
  EXPECT_EQ(RtmDeregisterEntity(e), NO_ERROR);
}

// A C++ rtm::ForwardingSession opened inside a C session is nested in it
// (the section is the thread's): the C session's close is refused with
// ERROR_CAN_NOT_COMPLETE while it is open (the C++ close of the outer one
// would abort), and succeeds once it has ended. The other way round, a C
// session nested in a C++ one closes normally.
TEST(CApiThreads, AForwardingSessionNestedAcrossTheApisClosesInOrder) {
  RTM_REGN_PROFILE profile;
  RTM_ENTITY_HANDLE e = reg(0x7A64, 14, &profile);
  ASSERT_NE(e, nullptr);
  rtm::Instance other;  // any instance: the section belongs to the thread
  RTMX_FORWARDING_SESSION s{};
  ASSERT_EQ(RtmxOpenForwardingSession(e, RTM_VIEW_ID_UCAST, &s), NO_ERROR);
  {
    rtm::ForwardingSession inner(other);
    EXPECT_EQ(inner.status(), rtm::errc::ok);
    EXPECT_EQ(RtmxCloseForwardingSession(&s), static_cast<DWORD>(ERROR_CAN_NOT_COMPLETE));
  }
  EXPECT_EQ(RtmxCloseForwardingSession(&s), static_cast<DWORD>(NO_ERROR));
  {
    rtm::ForwardingSession outer(other);
    ASSERT_EQ(RtmxOpenForwardingSession(e, RTM_VIEW_ID_UCAST, &s), NO_ERROR);
    EXPECT_EQ(RtmxCloseForwardingSession(&s), static_cast<DWORD>(NO_ERROR));
  }
  EXPECT_EQ(RtmDeregisterEntity(e), NO_ERROR);
}

}  // namespace

// The per-thread C++ info the C calls of one info convert through
// (c_api/scratch.h): a call nested in another (a change callback inside a
// C call) gets storage of its own, so the outer call's info is not
// overwritten; another thread has its own.
TEST(CApiScratch, ANestedCallGetsItsOwnInfo) {
  rtm::c_api::ScratchDestInfo outer;
  outer->number_of_views = 3;
  outer->dest = rtm::DestHandle{42};
  const rtm::DestInfo* const first = outer.get();
  {
    rtm::c_api::ScratchDestInfo inner;
    EXPECT_NE(inner.get(), outer.get());
    inner->number_of_views = 0;
    inner->dest = rtm::DestHandle{7};
  }
  EXPECT_EQ(outer->number_of_views, 3u);
  EXPECT_EQ(outer->dest.value, 42u);
  const rtm::DestInfo* other = nullptr;
  std::thread([&] {
    rtm::c_api::ScratchDestInfo theirs;
    other = theirs.get();
  }).join();
  EXPECT_NE(other, first);
  EXPECT_NE(other, nullptr);
}

