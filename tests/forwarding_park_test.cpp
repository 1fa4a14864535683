// tests/forwarding_park_test.cpp — the forwarding fast path never waits
// for a writer: a writer parked at each of its critical sections
// ("forwarding.update": the destination's lock held; "fib.set" /
// "fib.clear": the index's writer mutex held, mid-write) does not stop
// forward(), forward with detail, forward4_batch or forward6_batch on the
// test thread, and each answers the old or the new best route's next
// hops, the new ones once the writer is done.
#include <gtest/gtest.h>

#include <rtm/rtm.h>

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_hook_util.h"
#include "test_util.h"

namespace {

using rtm::errc;
using rtm_test::P;

// An answer: the interfaces of the next hops, in order (the hops of these
// tests have distinct interfaces); nullopt: no route.
using Answer = std::optional<std::vector<std::uint32_t>>;
using Hops = std::vector<std::uint32_t>;
const Answer kNone = std::nullopt;
// What a refused call is recorded as: acceptable nowhere.
const Answer kRefused = Hops{0xFFFFFFFFu};

std::string describe(const Answer& a) {
  if (!a) return "no route";
  std::ostringstream s;
  s << "hops [";
  for (std::size_t i = 0; i < a->size(); ++i) s << (i ? " " : "") << (*a)[i];
  s << "]";
  return s.str();
}

Answer answer_of(const rtm::ForwardingResult& r) {
  Hops h;
  for (std::uint32_t i = 0; i < r.count; ++i) h.push_back(r.hops[i].interface_index);
  return r.count == 0 ? kNone : Answer(h);
}

Answer answer_of(errc e, const rtm::ForwardingResult& r) {
  if (e == errc::not_found) return r.count == 0 ? kNone : kRefused;
  return e == errc::ok ? answer_of(r) : kRefused;
}

// A probe address, the answers acceptable while the writer is parked (the
// first: the answer before the write), and the one answer once it is done.
struct Probe {
  const char* address;
  std::vector<Answer> during;
  Answer after;
};

enum class Phase { before, during, after };

class ForwardingParkTest : public rtm_test::RtmHopsTest {
 protected:
  void SetUp() override {
    RtmHopsTest::SetUp();
    ASSERT_EQ(rtm().register_entity({0, rtm::Family::ipv6, 3, 1}, {}, &w6_), errc::ok);
  }
  // Adds or replaces e's route on `prefix`; *out (if non-null) gets its
  // handle, referenced.
  static void put_route(rtm::Instance& inst, rtm::EntityHandle e, const char* prefix,
                        std::uint32_t pref, std::vector<rtm::NextHopHandle> hops,
                        rtm::RouteHandle* out = nullptr) {
    rtm::RouteInfo ri;
    ri.pref = {0, pref};
    ri.views = rtm::kViewMaskUnicast;
    ri.next_hops.count = static_cast<std::uint16_t>(hops.size());
    for (std::size_t i = 0; i < hops.size(); ++i) ri.next_hops.hops[i] = hops[i];
    rtm::RouteChangeFlags f = 0;
    EXPECT_EQ(inst.add_route(e, out, P(prefix), ri, rtm::kInfinite, &f), errc::ok) << prefix;
  }
  rtm::RouteHandle route(rtm::EntityHandle e, const char* prefix, std::uint32_t pref,
                         std::vector<rtm::NextHopHandle> hops) {
    rtm::RouteHandle h;
    put_route(rtm(), e, prefix, pref, std::move(hops), &h);
    return h;
  }
  // A write that deletes e's route r (the caller still releases r).
  std::function<void()> deleting(rtm::EntityHandle e, rtm::RouteHandle r) {
    return [this, e, r] {
      rtm::RouteChangeFlags f = 0;
      EXPECT_EQ(rtm().delete_route(e, r, &f), errc::ok);
    };
  }

  // Every probe through forward(), forward with detail, and one batch per
  // family holding all of the family's probes, against the answers
  // acceptable in `phase`.
  void check(const std::vector<Probe>& probes, Phase phase) {
    std::vector<std::uint32_t> v4;
    std::vector<rtm::NetAddress> v6;
    std::vector<const Probe*> of4, of6;
    for (const Probe& p : probes) {
      const rtm::NetAddress a = P(p.address);
      rtm::ForwardingResult r;
      const Answer single = answer_of(rtm().forward(rtm::kViewIdUnicast, a, &r), r);
      rtm::ForwardingDetail d;
      const Answer detailed = answer_of(rtm().forward(rtm::kViewIdUnicast, a, &r, &d), r);
      expect_acceptable(p, phase, single, "forward");
      expect_acceptable(p, phase, detailed, "forward with detail");
      if (a.family() == rtm::Family::ipv4) {
        const std::uint8_t* b = a.bytes();
        v4.push_back(std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 |
                     std::uint32_t{b[2]} << 8 | b[3]);
        of4.push_back(&p);
      } else {
        v6.push_back(a);
        of6.push_back(&p);
      }
    }
    std::vector<rtm::ForwardingResult> out(probes.size());
    std::size_t hits = 0;
    ASSERT_EQ(rtm().forward4_batch(rtm::kViewIdUnicast, v4.data(), v4.size(), out.data(), &hits),
              errc::ok);
    check_batch(of4, out, hits, phase, "forward4_batch");
    ASSERT_EQ(rtm().forward6_batch(rtm::kViewIdUnicast, v6.data(), v6.size(), out.data(), &hits),
              errc::ok);
    check_batch(of6, out, hits, phase, "forward6_batch");
  }
  void check_batch(const std::vector<const Probe*>& of,
                   const std::vector<rtm::ForwardingResult>& out, std::size_t hits, Phase phase,
                   const char* call) {
    std::size_t with_route = 0;
    for (std::size_t i = 0; i < of.size(); ++i) {
      const Answer got = answer_of(out[i]);
      with_route += got.has_value();
      expect_acceptable(*of[i], phase, got, call);
    }
    EXPECT_EQ(hits, with_route) << call;
  }
  static void expect_acceptable(const Probe& p, Phase phase, const Answer& got, const char* call) {
    if (phase == Phase::during) {
      bool found = false;
      for (const Answer& ok : p.during) found = found || ok == got;
      EXPECT_TRUE(found) << call << "(" << p.address << ") answered " << describe(got)
                         << " while the writer was parked";
      return;
    }
    const Answer& want = phase == Phase::before ? p.during.front() : p.after;
    EXPECT_TRUE(got == want) << call << "(" << p.address << ") answered " << describe(got)
                             << (phase == Phase::before ? " before" : " after")
                             << " the write, expected " << describe(want);
  }

  // Runs `write` on a thread that parks at `point`; from this thread,
  // while it is parked: `meanwhile` (if any), then every probe against its
  // `during` answers. Then releases it, and checks `after`.
  void parked_write(const char* point, const std::function<void()>& write,
                    const std::vector<Probe>& probes, const std::function<void()>& meanwhile = {}) {
    check(probes, Phase::before);
    rtm_test::HookParker park(point);
    std::thread writer(write);
    EXPECT_NE(park.wait_arrived(), nullptr) << point;
    if (meanwhile) meanwhile();
    check(probes, Phase::during);
    park.release();
    writer.join();
    check(probes, Phase::after);
  }

  // A clear parked with its cover read and the index mutex held, while
  // `cover_write` (a write of a covering prefix) runs on a second thread:
  // it reaches the index only after the clear, and must win. `probes` are
  // checked against `after` once both are done (core/forwarding.cpp, "Why
  // nested writers converge", first case).
  void clear_then_cover_write(const std::function<void()>& clear,
                              const std::function<void()>& cover_write,
                              const std::vector<Probe>& probes) {
    check(probes, Phase::before);
    rtm_test::HookParker park("fib.clear");
    std::thread clearer(clear);
    park.wait_arrived();
    std::thread coverer(cover_write);  // passes the hook: only the first arrival parks
    park.release();
    clearer.join();
    coverer.join();
    check(probes, Phase::after);
  }

  rtm::EntityHandle w6_;  // a second IPv6 entity (protocol 3)
};

// ---- "forwarding.update": the writer holds the destination's lock --------------------

TEST_F(ForwardingParkTest, ReplacedHopsWhileTheDestinationLockIsHeld) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto h3 = hop(a_, "192.0.2.3", 3), h4 = hop(a_, "192.0.2.4", 4);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r28 = route(a_, "10.1.2.0/28", 10, {h2});
  rtm::RouteHandle other;
  parked_write(
      "forwarding.update", [&] { put_route(rtm(), a_, "10.1.2.0/28", 10, {h3, h4}); },
      {{"10.1.2.0", {Hops{2}, Hops{3, 4}}, Hops{3, 4}},
       {"10.1.2.15", {Hops{2}, Hops{3, 4}}, Hops{3, 4}},
       {"10.1.2.16", {Hops{1}}, Hops{1}},
       {"11.0.0.1", {kNone}, kNone},
       {"172.16.0.1", {kNone, Hops{1}}, Hops{1}}},
      // Another destination's write does not wait for the parked one
      // (its own "forwarding.update" passes: only the first arrival parks).
      [&] {
        put_route(rtm(), a_, "172.16.0.0/12", 10, {h1}, &other);
        rtm::ForwardingResult r;
        EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, P("172.16.0.1"), &r), errc::ok);
        EXPECT_TRUE(answer_of(r) == Hops{1});
      });
  remove(a_, other);
  remove(a_, r28);
  remove(a_, r8);
}

// A cover's writer parked between its W3 (the cover's new group g stored)
// and its W4 (core/forwarding.cpp): a delete under it, meanwhile, clears
// its range from cover_of, which reads g, so its leaves name g before g's
// own writer has touched the index. A reader of those leaves gets g's
// record, whole (W3 is a release store and cover_of an acquire load, so
// the record's write happens before the leaves that name it). TSan cannot
// show the edge here (the park itself orders the two writers); the test
// shows the reachable state and the record it hands out.
TEST_F(ForwardingParkTest, AClearUnderAParkedCoverNamesTheCoversNewRecord) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto h3 = hop(a_, "192.0.2.3", 3), h4 = hop(a_, "192.0.2.4", 4);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r25 = route(a_, "10.1.2.0/25", 10, {h2});
  parked_write(
      "forwarding.update", [&] { put_route(rtm(), a_, "10.0.0.0/8", 10, {h3, h4}); },
      {{"10.1.2.3", {Hops{2}, Hops{3, 4}}, Hops{3, 4}},
       {"10.1.2.200", {Hops{1}, Hops{3, 4}}, Hops{3, 4}},  // detail: the table's new route
       {"10.9.0.1", {Hops{1}, Hops{3, 4}}, Hops{3, 4}}},
      [&] {
        rtm::RouteChangeFlags f = 0;
        EXPECT_EQ(rtm().delete_route(a_, r25, &f), errc::ok);
        rtm::ForwardingResult r;
        ASSERT_EQ(rtm().forward(rtm::kViewIdUnicast, P("10.1.2.3"), &r), errc::ok);
        EXPECT_TRUE(answer_of(r) == Hops({3, 4})) << describe(answer_of(r));
        rtm::ForwardingSession s(rtm());
        ASSERT_EQ(s.status(), errc::ok);
        const rtm::ForwardingResult& rec = s.lookup4(0x0A010203u);
        EXPECT_TRUE(answer_of(rec) == Hops({3, 4})) << describe(answer_of(rec));
        // The rest of the /8 is the parked writer's to change: still h1.
        EXPECT_TRUE(answer_of(s.lookup4(0x0A090001u)) == Hops{1});
      });
  release(a_, r25);
  remove(a_, r8);
}

// forward with detail answers from the index at one moment, then looks up
// the handles (rtm/forwarding.h, ForwardingDetail). A reader parked
// between the two while its only covering route goes: the answer is still
// the index's (ok, the route's hops and prefix, which held at the read),
// with no handles (the route is gone). Answering from the table's search
// instead let stress "forwarding" see answers of no single moment. IPv4
// and IPv6; an unparked call answers with both handles.
TEST_F(ForwardingParkTest, DetailAnswersTheIndexAndDropsHandlesARemovalOutdated) {
  const auto h1 = hop(a_, "192.0.2.1", 1);
  const auto g1 = hop(v6_, "2001:db8:ffff::1", 7);
  for (const bool v6 : {false, true}) {
    const rtm::EntityHandle e = v6 ? v6_ : a_;
    const char* prefix = v6 ? "2001:db8::/32" : "10.0.0.0/8";
    const rtm::NetAddress addr = P(v6 ? "2001:db8:1::5" : "10.1.2.3");
    const std::uint32_t ifindex = v6 ? 7 : 1;
    const auto r = route(e, prefix, 10, {v6 ? g1 : h1});
    rtm::ForwardingResult out;
    rtm::ForwardingDetail d;
    ASSERT_EQ(rtm().forward(rtm::kViewIdUnicast, addr, &out, &d), errc::ok);
    EXPECT_NE(d.dest.value, 0u);
    EXPECT_EQ(d.route, r);

    errc got = errc::invalid_handle;
    {
      rtm_test::HookParker park("forwarding.detail_index_read");
      std::thread reader([&] { got = rtm().forward(rtm::kViewIdUnicast, addr, &out, &d); });
      ASSERT_NE(park.wait_arrived(), nullptr);
      remove(e, r);  // deleted and released: the table has no cover now
      park.release();
      reader.join();
    }
    EXPECT_EQ(got, errc::ok) << "the index had a route at the moment of its read";
    EXPECT_TRUE(answer_of(out) == Hops{ifindex}) << describe(answer_of(out));
    EXPECT_EQ(d.prefix, P(prefix));
    EXPECT_EQ(d.dest.value, 0u);
    EXPECT_EQ(d.route.value, 0u);
    // Afterwards: no route, with or without detail.
    EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, addr, &out, &d), errc::not_found);
    EXPECT_EQ(rtm().forward(rtm::kViewIdUnicast, addr, &out), errc::not_found);
  }
}

TEST_F(ForwardingParkTest, DeletedBestRouteWhileTheDestinationLockIsHeld) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h5 = hop(b_, "192.0.2.5", 5);
  const auto ra = route(a_, "10.0.0.0/8", 10, {h1});
  const auto rb = route(b_, "10.0.0.0/8", 5, {h5});
  parked_write(
      "forwarding.update", deleting(b_, rb),
      {{"10.0.0.0", {Hops{5}, Hops{1}}, Hops{1}},
       {"10.255.255.255", {Hops{5}, Hops{1}}, Hops{1}},
       {"9.255.255.255", {kNone}, kNone}});
  release(b_, rb);
  remove(a_, ra);
}

TEST_F(ForwardingParkTest, Ipv6BetterRouteWhileTheDestinationLockIsHeld) {
  const auto g1 = hop(v6_, "2001:db8:ffff::1", 1), g2 = hop(v6_, "2001:db8:ffff::2", 2);
  const auto g7 = hop(w6_, "2001:db8:ffff::7", 7), g8 = hop(w6_, "2001:db8:ffff::8", 8);
  const auto g9 = hop(w6_, "2001:db8:ffff::9", 9);
  const auto r32 = route(v6_, "2001:db8::/32", 10, {g1});
  const auto r64 = route(v6_, "2001:db8:1:2::/64", 10, {g2});
  rtm::RouteHandle better;
  parked_write(
      "forwarding.update",
      [&] { put_route(rtm(), w6_, "2001:db8:1:2::/64", 5, {g9, g7, g8}, &better); },
      {{"2001:db8:1:2::", {Hops{2}, Hops{9, 7, 8}}, Hops{9, 7, 8}},
       {"2001:db8:1:2:ffff:ffff:ffff:ffff", {Hops{2}, Hops{9, 7, 8}}, Hops{9, 7, 8}},
       {"2001:db8:1:3::", {Hops{1}}, Hops{1}},
       {"2001:db9::", {kNone}, kNone},
       {"10.1.2.3", {kNone}, kNone}});
  remove(w6_, better);
  remove(v6_, r64);
  remove(v6_, r32);
}

// ---- "fib.set": the writer holds the index mutex, its path built, no entry written ----

TEST_F(ForwardingParkTest, NewPrefixBelowA24WhileTheIndexIsMidSet) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h5 = hop(b_, "192.0.2.5", 5);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  rtm::RouteHandle r25;
  parked_write(
      "fib.set", [&] { put_route(rtm(), b_, "10.1.2.0/25", 5, {h5}, &r25); },
      {{"10.1.2.0", {Hops{1}, Hops{5}}, Hops{5}},
       {"10.1.2.127", {Hops{1}, Hops{5}}, Hops{5}},
       {"10.1.2.128", {Hops{1}}, Hops{1}},
       {"10.1.1.255", {Hops{1}}, Hops{1}},
       {"2001:db8::1", {kNone}, kNone}});
  remove(b_, r25);
  remove(a_, r8);
}

TEST_F(ForwardingParkTest, Ipv6LongPrefixWhileTheIndexIsMidSet) {
  const auto g1 = hop(v6_, "2001:db8:ffff::1", 1), g2 = hop(v6_, "2001:db8:ffff::2", 2);
  const auto r32 = route(v6_, "2001:db8::/32", 10, {g1});
  rtm::RouteHandle r64;
  parked_write(
      "fib.set", [&] { put_route(rtm(), v6_, "2001:db8:1:2::/64", 10, {g2, g1}, &r64); },
      {{"2001:db8:1:2::", {Hops{1}, Hops{2, 1}}, Hops{2, 1}},
       {"2001:db8:1:2:ffff:ffff:ffff:ffff", {Hops{1}, Hops{2, 1}}, Hops{2, 1}},
       {"2001:db8:1:1:ffff:ffff:ffff:ffff", {Hops{1}}, Hops{1}},
       {"2001:db8:1:3::", {Hops{1}}, Hops{1}},
       {"2001:db9::", {kNone}, kNone}});
  remove(v6_, r64);
  remove(v6_, r32);
}

// ---- "fib.clear": the writer holds the index mutex, no entry written yet --------------

TEST_F(ForwardingParkTest, DeleteUnderACoverWhileTheIndexIsMidClear) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h5 = hop(b_, "192.0.2.5", 5);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r25 = route(b_, "10.1.2.0/25", 5, {h5});
  parked_write(
      "fib.clear", deleting(b_, r25),
      {{"10.1.2.0", {Hops{5}, Hops{1}}, Hops{1}},
       {"10.1.2.127", {Hops{5}, Hops{1}}, Hops{1}},
       {"10.1.2.128", {Hops{1}}, Hops{1}}});
  release(b_, r25);
  remove(a_, r8);
}

TEST_F(ForwardingParkTest, DeleteWithoutCoverKeepsLongerPrefixesWhileTheIndexIsMidClear) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r28 = route(a_, "10.1.2.0/28", 10, {h2});
  parked_write(
      "fib.clear", deleting(a_, r8),
      {{"10.0.0.0", {Hops{1}, kNone}, kNone},
       {"10.255.255.255", {Hops{1}, kNone}, kNone},
       {"10.1.2.16", {Hops{1}, kNone}, kNone},
       {"10.1.2.0", {Hops{2}}, Hops{2}},
       {"10.1.2.15", {Hops{2}}, Hops{2}}});
  release(a_, r8);
  remove(a_, r28);
}

TEST_F(ForwardingParkTest, Ipv6DeleteUnderACoverWhileTheIndexIsMidClear) {
  const auto g1 = hop(v6_, "2001:db8:ffff::1", 1), g2 = hop(v6_, "2001:db8:ffff::2", 2);
  const auto g3 = hop(v6_, "2001:db8:ffff::3", 3);
  const auto r32 = route(v6_, "2001:db8::/32", 10, {g1});
  const auto r65 = route(v6_, "2001:db8:1:2:8000::/65", 10, {g2, g3});
  parked_write(
      "fib.clear", deleting(v6_, r65),
      {{"2001:db8:1:2:8000::", {Hops{2, 3}, Hops{1}}, Hops{1}},
       {"2001:db8:1:2:ffff:ffff:ffff:ffff", {Hops{2, 3}, Hops{1}}, Hops{1}},
       {"2001:db8:1:2:7fff:ffff:ffff:ffff", {Hops{1}}, Hops{1}},
       {"2001:db9::", {kNone}, kNone}});
  release(v6_, r65);
  remove(v6_, r32);
}

// ---- nested writers: a cover written after a parked clear read it --------------------

TEST_F(ForwardingParkTest, ACoverReplacedAfterAClearReadItWins) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto h3 = hop(a_, "192.0.2.3", 3);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r25 = route(a_, "10.1.2.0/25", 10, {h2});
  clear_then_cover_write(
      deleting(a_, r25),
      [&] { put_route(rtm(), a_, "10.0.0.0/8", 10, {h3}); },
      {{"10.1.2.0", {Hops{2}}, Hops{3}},
       {"10.1.2.127", {Hops{2}}, Hops{3}},
       {"10.1.2.128", {Hops{1}}, Hops{3}}});
  release(a_, r25);
  remove(a_, r8);
}

TEST_F(ForwardingParkTest, ACoverDeletedAfterAClearReadItGivesWayToItsOwnCover) {
  const auto h1 = hop(a_, "192.0.2.1", 1), h2 = hop(a_, "192.0.2.2", 2);
  const auto h3 = hop(a_, "192.0.2.3", 3);
  const auto r8 = route(a_, "10.0.0.0/8", 10, {h1});
  const auto r16 = route(a_, "10.1.0.0/16", 10, {h3});
  const auto r25 = route(a_, "10.1.2.0/25", 10, {h2});
  clear_then_cover_write(
      deleting(a_, r25), deleting(a_, r16),
      {{"10.1.2.0", {Hops{2}}, Hops{1}},
       {"10.1.2.128", {Hops{3}}, Hops{1}},
       {"10.2.0.0", {Hops{1}}, Hops{1}}});
  release(a_, r25);
  release(a_, r16);
  remove(a_, r8);
}

TEST_F(ForwardingParkTest, ACoverAddedBetweenAfterAClearReadItsCoverWins) {
  const auto g1 = hop(v6_, "2001:db8:ffff::1", 1), g2 = hop(v6_, "2001:db8:ffff::2", 2);
  const auto g3 = hop(v6_, "2001:db8:ffff::3", 3);
  const auto r32 = route(v6_, "2001:db8::/32", 10, {g1});
  const auto r80 = route(v6_, "2001:db8:1:2::/80", 10, {g2});
  rtm::RouteHandle r48;
  clear_then_cover_write(
      deleting(v6_, r80),
      [&] { put_route(rtm(), v6_, "2001:db8:1::/48", 10, {g3}, &r48); },
      {{"2001:db8:1:2::", {Hops{2}}, Hops{3}},
       {"2001:db8:1:2:0:ffff:ffff:ffff", {Hops{2}}, Hops{3}},
       {"2001:db8:1:2:1::", {Hops{1}}, Hops{3}},
       {"2001:db8:2::", {Hops{1}}, Hops{1}}});
  release(v6_, r80);
  remove(v6_, r48);
  remove(v6_, r32);
}

}  // namespace
