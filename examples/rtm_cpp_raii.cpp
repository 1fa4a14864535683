// rtm_cpp_raii — a routing protocol in the shape of an RTMv2 client, written
// with the C++ RAII owners of rtm/raii.h: no release call appears by hand.
//
// An IGP-like entity adds a next hop and nested routes; a forwarding entity
// registers for best-route changes, drains its queue into its own FIB map,
// and answers a longest-prefix lookup. At the end every entity holds zero
// references. Exit status 0 when every check holds.
#include <rtm/rtm.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rtm_cpp_raii: FAILED: %s\n", what);
    ++failures;
  }
}

rtm::NetAddress addr(const char* text) { return *rtm::NetAddress::parse(text); }

}  // namespace

int main() {
  rtm::Instance rtm;
  rtm::Registration igp, fwd;
  check(rtm::Registration::create(rtm, {0, rtm::Family::ipv4, /*OSPF*/ 13, 1}, {}, &igp) ==
            rtm::errc::ok,
        "register igp");
  check(rtm::Registration::create(rtm, {0, rtm::Family::ipv4, /*static*/ 3, 1}, {}, &fwd) ==
            rtm::errc::ok,
        "register fwd");

  // The forwarding entity wants best-route changes in the unicast view.
  rtm::NotifyHandle notify;
  check(rtm.register_for_change_notification(fwd.handle(), rtm::kViewMaskUnicast,
                                             rtm::kChangeTypeBest, nullptr,
                                             &notify) == rtm::errc::ok,
        "register for changes");

  // A next hop on interface 7, held while routes are added with it.
  rtm::Held<rtm::NextHopHandle> nh(rtm, igp.handle());
  rtm::NextHopInfo nhi;
  nhi.address = addr("198.51.100.1");
  nhi.interface_index = 7;
  rtm::NextHopChangeFlags nh_changed = 0;
  check(rtm.add_next_hop(igp.handle(), nhi, nh.out(), &nh_changed) == rtm::errc::ok,
        "add next hop");

  for (const char* p : {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}) {
    rtm::RouteInfo ri;
    ri.pref = {/*metric*/ 10, /*preference*/ 110};
    ri.next_hops.count = 1;
    ri.next_hops.hops[0] = nh.get();
    rtm::RouteChangeFlags changed = 0;
    check(rtm.add_route(igp.handle(), nullptr, addr(p), ri, rtm::kInfinite, &changed) ==
              rtm::errc::ok,
          "add route");
  }

  // Drain the change queue into a FIB copy: prefix -> preference of best.
  std::map<std::string, std::uint32_t> fib;
  for (;;) {
    rtm::DestInfo batch[2];
    std::uint32_t n = 2;
    const rtm::errc r = rtm.get_changed_dests(fwd.handle(), notify, &n, batch);
    check(r == rtm::errc::ok || r == rtm::errc::no_more_items, "get changed dests");
    for (std::uint32_t i = 0; i < n; ++i) {
      // Each info is pre-referenced; Held gives it back with
      // release_changed_dests (the only release such an info accepts).
      rtm::Held<rtm::DestInfo> d(rtm, fwd.handle(), batch[i]);
      rtm::Held<rtm::RouteInfo> best(rtm, fwd.handle());
      if (d->views[0].route &&
          rtm.get_route_info(fwd.handle(), d->views[0].route, best.out(), nullptr) ==
              rtm::errc::ok)
        fib[d->address.to_string()] = best->pref.preference;
      else
        fib.erase(d->address.to_string());
    }
    if (r != rtm::errc::ok) break;
  }
  check(fib.size() == 3, "three destinations delivered");

  // Longest-prefix match: 10.1.2.77 is covered by /8, /16 and /24.
  {
    rtm::Held<rtm::DestInfo> d(rtm, fwd.handle());
    check(rtm.get_most_specific_destination(fwd.handle(), addr("10.1.2.77"), rtm::kBestProtocol,
                                            rtm::kViewMaskUnicast, d.out()) == rtm::errc::ok,
          "lpm");
    check(d->address == addr("10.1.2.0/24"), "lpm picks the /24");
    std::printf("rtm_cpp_raii: 10.1.2.77 -> %s\n", d->address.to_string().c_str());
  }

  nh.release();
  rtm::Outstanding o_igp, o_fwd;
  rtm.outstanding(igp.handle(), &o_igp);
  rtm.outstanding(fwd.handle(), &o_fwd);
  check(o_igp.total() == 0 && o_fwd.total() == 0, "no references outstanding");
  check(rtm.deregister_from_change_notification(fwd.handle(), notify) == rtm::errc::ok,
        "deregister notification");
  std::int64_t held = -1;
  check(igp.reset(&held) == rtm::errc::ok && held == 0, "deregister igp clean");

  std::printf("rtm_cpp_raii: %s (%zu FIB entries from notifications)\n",
              failures == 0 ? "OK" : "FAILED", fib.size());
  return failures == 0 ? 0 : 1;
}
