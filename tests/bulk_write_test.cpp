// Bulk writes (Instance::add_routes / delete_routes): each item gets what
// its single-route call returns, a failed item changes nothing and does not
// stop the rest, the call's own errors reach every item, and the table ends
// as the same sequence of single calls leaves it.
#include <map>
#include <string>

#include "test_util.h"

using namespace rtm_test;
using rtm::errc;

namespace {

rtm::RouteAddItem item(const char* prefix, std::uint32_t preference,
                       rtm::RouteHandle* handle = nullptr, bool force_new = false) {
  rtm::RouteAddItem it;
  it.dest = P(prefix);
  it.info.pref = {0, preference};
  it.handle = handle;
  it.force_new = force_new;
  return it;
}

}  // namespace

class BulkWriteTest : public RtmHopsTest {
 protected:
  // prefix -> the preference of its best route in the unicast view, for
  // each destination the tests below write that exists.
  std::map<std::string, std::uint32_t> table(rtm::Instance& t, rtm::EntityHandle e) {
    std::map<std::string, std::uint32_t> out;
    for (const char* text : {"10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "192.0.2.0/24"}) {
      rtm::DestInfo di;
      if (t.get_exact_match_destination(e, P(text), rtm::kBestProtocol, rtm::kViewMaskUnicast,
                                        &di) != errc::ok)
        continue;
      rtm::RouteInfo ri;
      EXPECT_EQ(t.get_route_info(e, di.views[0].route, &ri, nullptr), errc::ok);
      out[text] = ri.pref.preference;
      EXPECT_EQ(t.release_route_info(e, ri), errc::ok);
      EXPECT_EQ(t.release_dest_info(e, di), errc::ok);
    }
    return out;
  }
};

// The same items through add_route one by one and through one add_routes
// on a second instance: the same results, flags and table.
TEST_F(BulkWriteTest, AddRoutesDoesWhatTheSingleCallsDo) {
  rtm::Instance other(small_maps(16));
  rtm::EntityHandle oa;
  ASSERT_EQ(other.register_entity({0, rtm::Family::ipv4, 14, 1}, {}, &oa), errc::ok);
  const rtm::NextHopHandle stale{0x7777};  // no such next hop
  std::vector<rtm::RouteAddItem> items = {
      item("10.0.0.0/8", 20),
      item("10.0.0.0/8", 10),                         // the same route, updated: best changes
      item("10.1.0.0/16", 30),
      item("10.1.0.0/16", 40, nullptr, true),  // a second route, forced
      item("2001:db8::/32", 20),                      // another family: refused
      item("10.2.0.0/16", 20),
      item("192.0.2.0/24", 5),
  };
  items[5].info.neighbour = stale;  // refused: invalid handle
  items[6].info.views = 0;          // refused: no view
  std::vector<rtm::RouteAddItem> single = items;

  // One by one on the first instance.
  for (auto& it : single) {
    it.change_flags = it.force_new ? rtm::kRouteChangeNew : 0;
    it.result = rtm().add_route(a_, it.handle, it.dest, it.info, it.time_to_live, &it.change_flags);
  }
  // In one call on the second.
  EXPECT_EQ(other.add_routes(oa, items), errc::invalid_parameter) << "the first failure";
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].result, single[i].result) << "item " << i;
    if (single[i].result == errc::ok) {
      EXPECT_EQ(items[i].change_flags, single[i].change_flags) << i;
    }
  }
  EXPECT_EQ(items[0].change_flags,
            rtm::kRouteChangeFirst | rtm::kRouteChangeNew | rtm::kRouteChangeBest);
  EXPECT_EQ(items[1].change_flags, rtm::kRouteChangeBest);
  EXPECT_EQ(items[3].change_flags, rtm::kRouteChangeNew);
  EXPECT_EQ(items[4].result, errc::invalid_parameter);
  EXPECT_EQ(items[5].result, errc::invalid_handle);
  EXPECT_EQ(items[6].result, errc::invalid_parameter);
  EXPECT_EQ(items[6].change_flags, 0u) << "a failed item reports no change";
  EXPECT_EQ(table(other, oa), table(rtm(), a_));
  EXPECT_EQ(table(other, oa),
            (std::map<std::string, std::uint32_t>{{"10.0.0.0/8", 10}, {"10.1.0.0/16", 30}}));
  EXPECT_EQ(other.dest_count(rtm::Family::ipv4), 2u) << "no failed item left a destination";
  // The same array again: its outputs (kRouteChangeNew in change_flags)
  // are not inputs, so only the forced item makes a new route.
  EXPECT_EQ(other.add_routes(oa, items), errc::invalid_parameter);
  rtm::DestInfo di;
  ASSERT_EQ(other.get_exact_match_destination(oa, P("10.0.0.0/8"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  EXPECT_EQ(di.views[0].num_routes, 1u) << "updated, not duplicated";
  EXPECT_EQ(other.release_dest_info(oa, di), errc::ok);
  ASSERT_EQ(other.get_exact_match_destination(oa, P("10.1.0.0/16"), rtm::kBestProtocol,
                                              rtm::kViewMaskUnicast, &di),
            errc::ok);
  EXPECT_EQ(di.views[0].num_routes, 3u) << "the forced item made one more";
  EXPECT_EQ(other.release_dest_info(oa, di), errc::ok);

  // Clean up both: the routes are a's (first instance) and oa's.
  for (rtm::Instance* t : {&rtm(), &other}) {
    const rtm::EntityHandle e = t == &other ? oa : a_;
    std::int64_t held = 0;
    ASSERT_EQ(t->deregister_entity(e, &held), errc::ok);
    EXPECT_EQ(held, 0);
  }
}

// Handles out, updates by handle, and the items after a failure.
TEST_F(BulkWriteTest, HandlesAreReferencedPerItemAndUpdatesGoByHandle) {
  rtm::RouteHandle h[3];
  std::vector<rtm::RouteAddItem> items = {item("10.0.0.0/8", 20, &h[0]),
                                          item("10.1.0.0/16", 20, &h[1]),
                                          item("10.2.0.0/16", 20, &h[2])};
  ASSERT_EQ(rtm().add_routes(a_, items), errc::ok);
  for (const auto& it : items) EXPECT_EQ(it.result, errc::ok);
  EXPECT_EQ(outstanding(a_).routes, 3);
  // Update the first by handle, refuse an update of b's route by a, then
  // update the third: the failure in the middle stops nothing.
  rtm::RouteHandle hb = add_held(b_, "10.1.0.0/16", 50);
  rtm::RouteHandle by_a = hb;
  std::vector<rtm::RouteAddItem> upd = {item("10.0.0.0/8", 7, &h[0]),
                                        item("10.1.0.0/16", 7, &by_a),
                                        item("10.2.0.0/16", 7, &h[2])};
  EXPECT_EQ(rtm().add_routes(a_, upd), errc::access_denied);
  EXPECT_EQ(upd[0].result, errc::ok);
  EXPECT_EQ(upd[1].result, errc::access_denied);
  EXPECT_EQ(upd[2].result, errc::ok);
  EXPECT_EQ(outstanding(a_).routes, 3) << "updates take no reference";
  for (int i : {0, 2}) {
    rtm::RouteInfo ri;
    ASSERT_EQ(rtm().get_route_info(a_, h[i], &ri, nullptr), errc::ok);
    EXPECT_EQ(ri.pref.preference, 7u);
    EXPECT_EQ(rtm().release_route_info(a_, ri), errc::ok);
  }
  for (rtm::RouteHandle x : h) remove(a_, x);
  remove(b_, hb);
}

// A caller that is not registered, or a list that is not the caller's:
// nothing is done and every item carries the error.
TEST_F(BulkWriteTest, TheCallsOwnErrorsReachEveryItem) {
  std::vector<rtm::RouteAddItem> items = {item("10.0.0.0/8", 20), item("10.1.0.0/16", 20)};
  EXPECT_EQ(rtm().add_routes(rtm::EntityHandle{0x1234}, items), errc::invalid_handle);
  for (const auto& it : items) EXPECT_EQ(it.result, errc::invalid_handle);
  rtm::RouteListHandle bl;
  ASSERT_EQ(rtm().create_route_list(b_, &bl), errc::ok);
  EXPECT_EQ(rtm().add_routes(a_, items, bl), errc::access_denied) << "b's list, used by a";
  for (const auto& it : items) EXPECT_EQ(it.result, errc::access_denied);
  EXPECT_EQ(rtm().delete_route_list(b_, bl), errc::ok);
  rtm::RouteListHandle al;
  ASSERT_EQ(rtm().create_route_list(a_, &al), errc::ok);
  ASSERT_EQ(rtm().delete_route_list(a_, al), errc::ok);
  EXPECT_EQ(rtm().add_routes(a_, items, al), errc::invalid_handle) << "a deleted list";
  for (const auto& it : items) EXPECT_EQ(it.result, errc::invalid_handle);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);

  std::vector<rtm::RouteDeleteItem> dels(2);
  EXPECT_EQ(rtm().delete_routes(rtm::EntityHandle{0x1234}, dels), errc::invalid_handle);
  for (const auto& it : dels) EXPECT_EQ(it.result, errc::invalid_handle);
  EXPECT_EQ(rtm().add_routes(a_, {}), errc::ok) << "nothing to do";
  EXPECT_EQ(rtm().delete_routes(a_, {}), errc::ok);
}

// Routes added in bulk into a list are in the list.
TEST_F(BulkWriteTest, AddRoutesMovesEachRouteIntoTheList) {
  rtm::RouteListHandle l;
  ASSERT_EQ(rtm().create_route_list(a_, &l), errc::ok);
  std::vector<rtm::RouteAddItem> items = {item("10.0.0.0/8", 20), item("10.1.0.0/16", 20)};
  ASSERT_EQ(rtm().add_routes(a_, items, l), errc::ok);
  rtm::EnumHandle en;
  ASSERT_EQ(rtm().create_route_list_enum(a_, l, &en), errc::ok);
  rtm::RouteHandle got[4];
  std::uint32_t n = 4;
  EXPECT_EQ(rtm().get_list_enum_routes(a_, en, &n, got), errc::no_more_items);
  EXPECT_EQ(n, 2u);
  for (std::uint32_t i = 0; i < n; ++i) remove(a_, got[i]);  // each enumerated handle is referenced
  EXPECT_EQ(rtm().delete_enum(a_, en), errc::ok);
  EXPECT_EQ(rtm().delete_route_list(a_, l), errc::ok);
}

// delete_routes: per-item flags; a route deleted twice in one call, and
// another entity's route, fail alone.
TEST_F(BulkWriteTest, DeleteRoutesReportsEachItem) {
  rtm::RouteHandle r1 = add_held(a_, "10.0.0.0/8", 20);
  rtm::RouteHandle r2 = add_held(a_, "10.1.0.0/16", 20);
  rtm::RouteHandle r3 = add_held(a_, "10.1.0.0/16", 30, 0);  // the same identity: r2 updated
  EXPECT_EQ(r2, r3);
  release(a_, r3);
  rtm::RouteHandle rb = add_held(b_, "10.1.0.0/16", 40);
  std::vector<rtm::RouteDeleteItem> dels(4);
  dels[0].route = r1;
  dels[1].route = rb;  // b's
  dels[2].route = r1;  // again
  dels[3].route = r2;
  EXPECT_EQ(rtm().delete_routes(a_, dels), errc::access_denied);
  EXPECT_EQ(dels[0].result, errc::ok);
  EXPECT_EQ(dels[0].change_flags, rtm::kRouteChangeBest) << "the last route of 10/8";
  EXPECT_EQ(dels[1].result, errc::access_denied);
  EXPECT_EQ(dels[2].result, errc::invalid_handle) << "deleted by the first item";
  EXPECT_EQ(dels[3].result, errc::ok);
  EXPECT_EQ(dels[3].change_flags, rtm::kRouteChangeBest) << "b's route is best now";
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 1u);
  release(a_, r1);
  release(a_, r2);
  remove(b_, rb);
}

// A registration learns of every destination a bulk add changed.
TEST_F(BulkWriteTest, EveryDestinationOfABatchIsNotified) {
  rtm::NotifyHandle n;
  ASSERT_EQ(rtm().register_for_change_notification(b_, rtm::kViewMaskUnicast, rtm::kChangeTypeAll,
                                                    nullptr, &n),
            errc::ok);
  std::vector<rtm::RouteAddItem> items;
  for (int i = 0; i < 300; ++i) {
    const std::string p = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
    items.push_back(item(p.c_str(), 20));
  }
  ASSERT_EQ(rtm().add_routes(a_, items), errc::ok);
  std::uint32_t seen = 0;
  for (;;) {
    rtm::DestInfo infos[64];
    std::uint32_t c = 64;
    const errc r = rtm().get_changed_dests(b_, n, &c, infos);
    ASSERT_TRUE(r == errc::ok || r == errc::no_more_items);
    seen += c;
    if (c > 0) {
      EXPECT_EQ(rtm().release_changed_dests(b_, n, {infos, c}), errc::ok);
    }
    if (r == errc::no_more_items) break;
  }
  EXPECT_EQ(seen, 300u);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 300u);
  // Withdraw them in one call: the table is empty again.
  std::vector<rtm::RouteDeleteItem> dels;
  for (const auto& it : items) {
    rtm::DestInfo di;
    ASSERT_EQ(rtm().get_exact_match_destination(a_, it.dest, rtm::kBestProtocol,
                                                rtm::kViewMaskUnicast, &di),
              errc::ok);
    rtm::RouteDeleteItem d;
    d.route = di.views[0].route;
    ASSERT_EQ(rtm().reference_handles(a_, {&d.route.value, 1}), errc::ok);  // kept past the release
    EXPECT_EQ(rtm().release_dest_info(a_, di), errc::ok);
    dels.push_back(d);
  }
  ASSERT_EQ(rtm().delete_routes(a_, dels), errc::ok);
  EXPECT_EQ(rtm().dest_count(rtm::Family::ipv4), 0u);
  for (const auto& d : dels) release(a_, d.route);
  EXPECT_EQ(rtm().deregister_from_change_notification(b_, n), errc::ok);
}
