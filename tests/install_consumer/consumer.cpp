// An outside C++ program using the installed rtm::rtm target.
#include <rtm/rtm.h>

#include <cstdio>

int main() {
  rtm::Instance rtm;
  rtm::Registration me;
  if (rtm::Registration::create(rtm, {0, rtm::Family::ipv4, 8, 1}, {}, &me) != rtm::errc::ok)
    return 1;
  rtm::RouteInfo ri;
  rtm::RouteChangeFlags ch = 0;
  if (rtm.add_route(me.handle(), nullptr, *rtm::NetAddress::parse("192.0.2.0/24"), ri,
                    rtm::kInfinite, &ch) != rtm::errc::ok)
    return 2;
  rtm::Held<rtm::DestInfo> d(rtm, me.handle());
  if (rtm.get_most_specific_destination(me.handle(), *rtm::NetAddress::parse("192.0.2.1"),
                                        rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                        d.out()) != rtm::errc::ok)
    return 3;
  std::printf("consumer_cxx: OK (%s)\n", d->address.to_string().c_str());
  return 0;
}
