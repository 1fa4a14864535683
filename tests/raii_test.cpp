// rtm/raii.h: Registration and Held<T> release with the right call.
#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

TEST_F(RtmTest, HeldReleasesEachKindWithItsOwnCall) {
  rtm::RouteHandle r = add_held(a_, "10.0.0.0/8", 10);
  {
    rtm::Held<rtm::DestInfo> d(rtm(), b_);
    ASSERT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                                rtm::kViewMaskAny, d.out()),
              errc::ok);
    rtm::Held<rtm::RouteInfo> ri(rtm(), b_);
    ASSERT_EQ(rtm().get_route_info(b_, d->views[0].route, ri.out(), nullptr), errc::ok);
    rtm::Held<rtm::DestHandle> keep(rtm(), b_);
    const rtm::AnyHandle v = d->dest.value;
    ASSERT_EQ(rtm().reference_handles(b_, {&v, 1}), errc::ok);
    *keep.out() = d->dest;
    EXPECT_GT(outstanding(b_).total(), 0);
  }
  EXPECT_EQ(outstanding(b_).total(), 0);
  rtm::Held<rtm::RouteHandle> hr(rtm(), a_, r);
  EXPECT_EQ(hr.release(), errc::ok);
  EXPECT_EQ(hr.release(), errc::ok) << "idempotent";
  EXPECT_EQ(outstanding(a_).routes, 0);
  rtm::RouteChangeFlags f = 0;
  EXPECT_EQ(rtm().delete_route(a_, r, &f), errc::ok) << "the route is in the table still";
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
}

TEST_F(RtmTest, HeldAfterAFailedGetReleasesNothing) {
  rtm::Held<rtm::DestInfo> d(rtm(), b_);
  EXPECT_EQ(rtm().get_exact_match_destination(b_, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskAny, d.out()),
            errc::not_found);
  EXPECT_EQ(d.release(), errc::ok);
}

TEST_F(RtmTest, RegistrationDeregistersOnScopeExit) {
  rtm::EntityHandle h;
  {
    rtm::Registration r;
    ASSERT_EQ(rtm::Registration::create(rtm(), {0, rtm::Family::ipv4, 80, 1}, {}, &r), errc::ok);
    h = r.handle();
    rtm::Registration moved = std::move(r);
    EXPECT_FALSE(r);
    EXPECT_TRUE(moved);
  }
  rtm::RegnProfile p;
  EXPECT_EQ(rtm().get_profile(h, &p), errc::invalid_handle);
}
