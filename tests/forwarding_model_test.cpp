// tests/forwarding_model_test.cpp — the forwarding fast path against a
// brute-force model: seeded random adds, replacements and deletes of the
// routes of three entities on nested prefixes (IPv4 and IPv6, unicast and
// multicast views), every probe address checked after every write with
// forward(), forward(…, detail) and the family's batch call.
#include <gtest/gtest.h>

#include <rtm/rtm.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

// Addresses of either family as 128-bit values, address bits first (an
// IPv4 address in the top 32 bits).
using u128 = unsigned __int128;

u128 top_mask(unsigned len) { return len == 0 ? 0 : ~u128{0} << (128 - len); }

// Per family: its width, its probe batch call, the base addresses the
// prefixes are cut from and the lengths they are cut at (every IPv4 and
// IPv6 level boundary of the index: /24, /25, and for IPv6 each byte past
// /24), and the next hops' addresses.
struct V4 {
  static constexpr rtm::Family kFamily = rtm::Family::ipv4;
  static constexpr unsigned kBits = 32;
  static std::vector<const char*> bases() {
    // 10.1.2.3 and 10.1.2.200 share a /24 but not a /25; 10.1.3.77 shares
    // their /23, 10.200.0.1 their /8; the two ends of the address space.
    return {"10.1.2.3", "10.1.2.200", "10.1.3.77", "10.200.0.1", "255.255.255.255", "0.0.0.1"};
  }
  static std::vector<unsigned> lengths() {
    return {0, 1, 7, 8, 9, 16, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32};
  }
  static std::string hop_address(int entity, int i) {
    return "192.0.2." + std::to_string(entity * 16 + i + 1);
  }
};
struct V6 {
  static constexpr rtm::Family kFamily = rtm::Family::ipv6;
  static constexpr unsigned kBits = 128;
  static std::vector<const char*> bases() {
    // 2001:d00::1 shares the top 24 bits (one tbl24 entry) with 2001:db8::,
    // not the 4th byte; the 2001:db8:1:2:... pair shares a /64, not a /65.
    return {"2001:db8:1:2::3", "2001:db8:1:2:8000::1", "2001:db8:1:3::4d", "2001:d00::1",
            "2001:db8:ff00::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1"};
  }
  static std::vector<unsigned> lengths() {
    return {0,  1,  16, 23, 24, 25, 31, 32,  33,  40,  47,
            48, 56, 63, 64, 65, 80, 96, 112, 120, 127, 128};
  }
  static std::string hop_address(int entity, int i) {
    return "2001:db8:ffff::" + std::to_string(entity * 16 + i + 1);
  }
};

template <class F>
u128 value_of(const rtm::NetAddress& a) {
  u128 v = 0;
  for (unsigned i = 0; i < F::kBits / 8; ++i) v |= u128{a.bytes()[i]} << (120 - 8 * i);
  return v;
}
template <class F>
rtm::NetAddress net_of(u128 v, unsigned len) {
  std::uint8_t b[16] = {};
  for (unsigned i = 0; i < F::kBits / 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (120 - 8 * i));
  rtm::NetAddress a;
  EXPECT_EQ(rtm::NetAddress::make(F::kFamily, b, len, &a), rtm::errc::ok);
  return a;
}

constexpr int kEntities = 3;
constexpr int kHopsPerEntity = 4;
// Next-hop lists a route picks from (indexes into its entity's hops):
// 0 to 3 hops, the same hops in different orders.
const std::vector<std::vector<int>> kHopLists = {
    {}, {0}, {1}, {2}, {3}, {0, 1}, {1, 0}, {0, 1, 2}, {2, 1, 0}, {1, 3, 0}};
constexpr rtm::ViewSet kBothViews = rtm::kViewMaskUnicast | rtm::kViewMaskMulticast;
constexpr rtm::ViewId kViews[] = {rtm::kViewIdUnicast, rtm::kViewIdMulticast};

// One route of the model.
struct MRoute {
  rtm::PrefInfo pref;
  rtm::ViewSet views = 0;
  int hop_list = 0;
  rtm::RouteHandle handle;
};

// A prefix of the universe the generator writes to, with its routes (at
// most one per entity: the routes carry no neighbour).
struct MPrefix {
  u128 value = 0;
  unsigned len = 0;
  rtm::NetAddress net;
  std::array<std::optional<MRoute>, kEntities> routes;
  std::vector<std::size_t> probes;  // the probes at, inside and just outside it
};

// What a lookup should answer: the matched prefix and the entity whose
// route is best there, or nothing.
struct Expected {
  int prefix = -1;
  int entity = -1;
};

struct Probe {
  u128 value = 0;
  std::vector<int> covering;  // universe prefixes covering it, longest first
};

class ForwardingModelTest : public rtm_test::RtmTest {
 protected:
  // An instance indexing both views, with three entities of each family
  // (a_, b_, v6_ among them, so RtmTest's end-of-test checks apply).
  void SetUp() override {
    rtm::InstanceOptions o;
    o.forwarding_views = kBothViews;
    rtm_ = std::make_unique<rtm::Instance>(o);
    const std::uint32_t protocols[kEntities] = {14, 3, 8};
    rtm::EntityHandle* named4[kEntities] = {&a_, &b_, &c4_};
    rtm::EntityHandle* named6[kEntities] = {&v6_, &b6_, &c6_};
    for (int i = 0; i < kEntities; ++i) {
      ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv4, protocols[i], 1}, {}, named4[i]),
                rtm::errc::ok);
      ASSERT_EQ(rtm_->register_entity({0, rtm::Family::ipv6, protocols[i], 1}, {}, named6[i]),
                rtm::errc::ok);
    }
  }
  void TearDown() override {
    for (auto& [e, h] : held_hops_) EXPECT_EQ(rtm().release_next_hops(e, {&h, 1}), rtm::errc::ok);
    RtmTest::TearDown();
  }

  template <class F>
  void run(std::uint64_t seed, int ops);

  rtm::EntityHandle c4_, b6_, c6_;
  std::vector<std::pair<rtm::EntityHandle, rtm::NextHopHandle>> held_hops_;
};

// The whole test for family F: builds the universe and its probes, runs
// `ops` random writes with a full check after each, then deletes every
// route and checks that nothing answers.
template <class F>
class ModelRun {
  using errc = rtm::errc;

 public:
  ModelRun(rtm::Instance& inst, std::array<rtm::EntityHandle, kEntities> entities,
           std::vector<std::pair<rtm::EntityHandle, rtm::NextHopHandle>>& held, std::uint64_t seed)
      : inst_(inst), entities_(entities), rng_(seed) {
    make_hops(held);
    make_universe();
    make_probes();
  }

  // The writes; false (with a failure recorded) at the first mismatch.
  bool run(int ops) {
    for (int op = 0; op < ops; ++op) {
      const int p = pick_prefix(op == ops / 3 || op == 2 * ops / 3);
      const int e = static_cast<int>(rng_() % kEntities);
      const bool exists = universe_[p].routes[e].has_value();
      std::string what;
      if (exists && rng_() % 5 < 2) {
        what = "delete";
        if (!erase(p, e)) return false;
      } else {
        what = exists ? "replace" : "add";
        if (!write(p, e)) return false;
      }
      const ::testing::AssertionResult r = check_all(p);
      if (!r) {
        ADD_FAILURE() << "after op " << op << " (" << what << " of entity " << e << "'s route on "
                      << universe_[p].net.to_string() << "): " << r.message();
        return false;
      }
    }
    return true;
  }

  // Deletes every route, checking after each delete when `check` (a run
  // that failed only cleans up); at the end no probe has an answer.
  bool clear(bool check) {
    for (std::size_t p = 0; p < universe_.size(); ++p)
      for (int e = 0; e < kEntities; ++e) {
        if (!universe_[p].routes[e]) continue;
        if (!erase(static_cast<int>(p), e)) return false;
        if (!check) continue;
        if (const ::testing::AssertionResult r = check_all(static_cast<int>(p)); !r) {
          ADD_FAILURE() << "deleting every route, after " << universe_[p].net.to_string()
                        << "'s of entity " << e << ": " << r.message();
          return false;
        }
      }
    if (!check) return true;
    if (const ::testing::AssertionResult r = check_all(-1); !r) {
      ADD_FAILURE() << "with every route deleted: " << r.message();
      return false;
    }
    return true;
  }

  std::size_t universe_size() const { return universe_.size(); }
  std::size_t probe_count() const { return probes_.size(); }
  int writes() const { return writes_; }

 private:
  // kHopsPerEntity next hops per entity, distinct except that hop 3 of
  // entities 0 and 1 have the same address and interface (the same hops
  // of two entities' routes are one next-hop group in the index).
  void make_hops(std::vector<std::pair<rtm::EntityHandle, rtm::NextHopHandle>>& held) {
    for (int e = 0; e < kEntities; ++e)
      for (int i = 0; i < kHopsPerEntity; ++i) {
        const bool shared = i == 3 && e < 2;
        rtm::NextHopInfo ni;
        ni.address = rtm_test::P(F::hop_address(shared ? 0 : e, i).c_str());
        ni.interface_index = static_cast<std::uint32_t>(shared ? 100 : e * 10 + i + 1);
        rtm::NextHopChangeFlags f = 0;
        ASSERT_EQ(inst_.add_next_hop(entities_[e], ni, &hops_[e][i], &f), rtm::errc::ok);
        held.push_back({entities_[e], hops_[e][i]});
        hop_info_[e][i] = ni;
      }
  }

  // Each base cut at about half the lengths (seeded), /0 always.
  void make_universe() {
    std::set<std::pair<unsigned, u128>> seen;
    for (const char* b : F::bases()) {
      const u128 base = value_of<F>(rtm_test::P(b));
      for (const unsigned len : F::lengths()) {
        if (len != 0 && rng_() % 2 == 0) continue;
        const u128 v = base & top_mask(len);
        if (!seen.insert({len, v}).second) continue;
        MPrefix m;
        m.value = v;
        m.len = len;
        m.net = net_of<F>(v, len);
        (len < kWide ? wide_ : narrow_).push_back(static_cast<int>(universe_.size()));
        universe_.push_back(m);
      }
    }
  }

  // Per prefix: its first and last address, the addresses just outside
  // (where they exist), one random address inside.
  void make_probes() {
    const u128 unit = u128{1} << (128 - F::kBits);
    const u128 family = top_mask(F::kBits);
    std::vector<u128> values;
    for (const MPrefix& m : universe_) {
      const u128 first = m.value;
      const u128 last = m.value | (~top_mask(m.len) & family);
      const u128 inside = first | ((u128{rng_()} << 64 | rng_()) & ~top_mask(m.len) & family);
      values.insert(values.end(), {first, last, inside});
      if (first != 0) values.push_back(first - unit);
      if (last != family) values.push_back(last + unit);
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (const u128 v : values) {
      Probe pr;
      pr.value = v;
      for (std::size_t p = 0; p < universe_.size(); ++p)
        if (((universe_[p].value ^ v) & top_mask(universe_[p].len)) == 0)
          pr.covering.push_back(static_cast<int>(p));
      std::sort(pr.covering.begin(), pr.covering.end(),
                [&](int x, int y) { return universe_[x].len > universe_[y].len; });
      probes_.push_back(pr);
    }
    for (std::size_t i = 0; i < probes_.size(); ++i)
      for (std::size_t p = 0; p < universe_.size(); ++p) {
        const MPrefix& m = universe_[p];
        const u128 first = m.value, last = m.value | (~top_mask(m.len) & family);
        const u128 v = probes_[i].value;
        if ((v >= first && v <= last) || v + unit == first || v == last + unit)
          universe_[p].probes.push_back(i);
      }
    for (const Probe& pr : probes_) {
      batch4_.push_back(static_cast<std::uint32_t>(pr.value >> 96));
      batch6_.push_back(net_of<F>(pr.value, F::kBits));
    }
    out_.resize(probes_.size());
  }

  // A prefix to write: one of the wide ones when `wide` (the run asks at
  // two fixed points), else one of the others. Writing a prefix shorter
  // than kWide rewrites 2^(24 - len) tbl24 entries per index (a /0: 16M,
  // some 50 ms in release), which at random picks was most of the time.
  static constexpr unsigned kWide = 5;
  int pick_prefix(bool wide) {
    const std::vector<int>& from = wide && !wide_.empty() ? wide_ : narrow_;
    return from[rng_() % from.size()];
  }

  // A preference no other route of prefix p has (best_of breaks exact ties
  // by set order, which the model does not follow).
  rtm::PrefInfo fresh_pref(int p, int entity) {
    for (;;) {
      const rtm::PrefInfo pref{static_cast<std::uint32_t>(rng_() % 4),
                               static_cast<std::uint32_t>(1 + rng_() % 12)};
      bool taken = false;
      for (int e = 0; e < kEntities; ++e)
        if (e != entity && universe_[p].routes[e] &&
            rtm::compare_pref(universe_[p].routes[e]->pref, pref) == 0)
          taken = true;
      if (!taken) return pref;
    }
  }

  // Adds entity e's route on prefix p, or replaces it.
  bool write(int p, int e) {
    MRoute r;
    r.pref = fresh_pref(p, e);
    const unsigned pick = rng_() % 20;
    r.views = pick < 9 ? rtm::kViewMaskUnicast : pick < 13 ? rtm::kViewMaskMulticast : kBothViews;
    // A wide prefix in one view only: one index rewritten (pick_prefix).
    if (universe_[p].len < kWide && r.views == kBothViews) r.views = rtm::kViewMaskUnicast;
    r.hop_list = static_cast<int>(rng_() % kHopLists.size());
    rtm::RouteInfo ri;
    ri.pref = r.pref;
    ri.views = r.views;
    const std::vector<int>& list = kHopLists[r.hop_list];
    ri.next_hops.count = static_cast<std::uint16_t>(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) ri.next_hops.hops[i] = hops_[e][list[i]];
    rtm::RouteChangeFlags f = 0;
    const errc res =
        inst_.add_route(entities_[e], &r.handle, universe_[p].net, ri, rtm::kInfinite, &f);
    EXPECT_EQ(res, rtm::errc::ok) << universe_[p].net.to_string();
    if (res != rtm::errc::ok) return false;
    ++writes_;
    std::optional<MRoute>& slot = universe_[p].routes[e];
    if (slot) {  // a replacement: the same route, one more reference
      EXPECT_EQ(r.handle, slot->handle) << "add_route replaced another route";
      EXPECT_EQ(inst_.release_routes(entities_[e], {&r.handle, 1}), rtm::errc::ok);
      r.handle = slot->handle;
    }
    slot = r;
    return true;
  }

  bool erase(int p, int e) {
    std::optional<MRoute>& slot = universe_[p].routes[e];
    rtm::RouteChangeFlags f = 0;
    const errc res = inst_.delete_route(entities_[e], slot->handle, &f);
    EXPECT_EQ(res, rtm::errc::ok) << universe_[p].net.to_string();
    EXPECT_EQ(inst_.release_routes(entities_[e], {&slot->handle, 1}), rtm::errc::ok);
    slot.reset();
    ++writes_;
    return res == rtm::errc::ok;
  }

  Expected expected(const Probe& pr, rtm::ViewId v) const {
    const rtm::ViewSet bit = rtm::ViewSet{1} << v;
    for (const int p : pr.covering) {
      Expected x;
      for (int e = 0; e < kEntities; ++e) {
        const std::optional<MRoute>& r = universe_[p].routes[e];
        if (!r || (r->views & bit) == 0) continue;
        if (x.entity < 0 || rtm::compare_pref(r->pref, universe_[p].routes[x.entity]->pref) < 0)
          x.entity = e;
      }
      if (x.entity >= 0) {
        x.prefix = p;
        return x;
      }
    }
    return Expected{};
  }

  // Whether `got` holds exactly the next hops of x's route.
  ::testing::AssertionResult same_hops(const rtm::ForwardingResult& got, const Expected& x) const {
    if (x.entity < 0) {
      if (got.count == 0) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << got.count << " hops where no route is";
    }
    const MRoute& r = *universe_[x.prefix].routes[x.entity];
    const std::vector<int>& list = kHopLists[r.hop_list];
    if (got.count != list.size())
      return ::testing::AssertionFailure()
             << got.count << " hops, expected " << list.size() << " (entity " << x.entity
             << "'s route on " << universe_[x.prefix].net.to_string() << ")";
    for (std::size_t i = 0; i < list.size(); ++i) {
      const rtm::NextHopInfo& want = hop_info_[x.entity][list[i]];
      const rtm::ForwardingHop& h = got.hops[i];
      std::uint8_t bytes[16] = {};
      std::memcpy(bytes, want.address.bytes(), F::kBits / 8);
      if (h.family != static_cast<std::uint16_t>(F::kFamily) || h.reserved != 0 ||
          h.interface_index != want.interface_index || std::memcmp(h.address, bytes, 16) != 0)
        return ::testing::AssertionFailure()
               << "hop " << i << " is " << h.net_address().to_string() << " if "
               << h.interface_index << ", expected " << want.address.to_string() << " if "
               << want.interface_index << " (entity " << x.entity << "'s route on "
               << universe_[x.prefix].net.to_string() << ")";
    }
    return ::testing::AssertionSuccess();
  }

  // Every probe, both views, single and batched; and forward with detail
  // for the probes of prefix `written` (the one just written; -1: every
  // probe, at full length), once with
  // the probe at full length and once at the prefix's length where the
  // probe is the prefix's first address (forward ignores the length).
  ::testing::AssertionResult check_all(int written) {
    for (const rtm::ViewId v : kViews) {
      std::vector<Expected> want(probes_.size());
      std::size_t want_hits = 0;
      for (std::size_t i = 0; i < probes_.size(); ++i) {
        want[i] = expected(probes_[i], v);
        want_hits += want[i].entity >= 0;
      }
      for (std::size_t i = 0; i < probes_.size(); ++i) {
        rtm::ForwardingResult got;
        const errc res = inst_.forward(v, batch6_[i], &got);
        const errc want_res = want[i].entity >= 0 ? rtm::errc::ok : rtm::errc::not_found;
        ::testing::AssertionResult same = same_hops(got, want[i]);
        if (res != want_res || !same)
          return ::testing::AssertionFailure()
                 << "forward(view " << v << ", " << batch6_[i].to_string() << ") = "
                 << static_cast<int>(res) << ", expected " << static_cast<int>(want_res) << "; "
                 << same.message();
      }
      for (rtm::ForwardingResult& o : out_) std::memset(&o, 0xA5, sizeof o);
      std::size_t hits = ~std::size_t{0};
      const std::size_t n = probes_.size();
      rtm::ForwardingResult* const out = out_.data();
      const errc res = F::kBits == 32 ? inst_.forward4_batch(v, batch4_.data(), n, out, &hits)
                                      : inst_.forward6_batch(v, batch6_.data(), n, out, &hits);
      if (res != rtm::errc::ok)
        return ::testing::AssertionFailure() << "batch refused: " << static_cast<int>(res);
      if (hits != want_hits)
        return ::testing::AssertionFailure()
               << "batch hits " << hits << ", expected " << want_hits << " (view " << v << ")";
      for (std::size_t i = 0; i < probes_.size(); ++i)
        if (::testing::AssertionResult same = same_hops(out_[i], want[i]); !same)
          return ::testing::AssertionFailure()
                 << "batch entry " << i << " (" << batch6_[i].to_string() << ", view " << v
                 << "): " << same.message();
      std::vector<std::size_t> all;
      if (written < 0)
        for (std::size_t i = 0; i < probes_.size(); ++i) all.push_back(i);
      for (const std::size_t i : written < 0 ? all : universe_[written].probes) {
        const bool at_first = written >= 0 && probes_[i].value == universe_[written].value;
        for (const bool short_form : {false, true}) {
          if (short_form && !at_first) continue;
          const rtm::NetAddress a = short_form ? universe_[written].net : batch6_[i];
          rtm::ForwardingResult got;
          rtm::ForwardingDetail d;
          const errc r = inst_.forward(v, a, &got, &d);
          const Expected& x = want[i];
          ::testing::AssertionResult same = same_hops(got, x);
          bool ok = (r == (x.entity >= 0 ? rtm::errc::ok : rtm::errc::not_found)) && same;
          if (x.entity >= 0)
            ok = ok && d.prefix == universe_[x.prefix].net &&
                 d.route == universe_[x.prefix].routes[x.entity]->handle && d.dest.value != 0;
          else
            ok = ok && d.route.value == 0 && d.dest.value == 0;
          if (!ok)
            return ::testing::AssertionFailure()
                   << "forward with detail (view " << v << ", " << a.to_string() << ") = "
                   << static_cast<int>(r) << ", prefix " << d.prefix.to_string() << ", route "
                   << d.route.value << "; expected "
                   << (x.entity >= 0 ? universe_[x.prefix].net.to_string() : std::string("none"))
                   << " and route "
                   << (x.entity >= 0 ? universe_[x.prefix].routes[x.entity]->handle.value : 0)
                   << "; " << same.message();
        }
      }
    }
    return ::testing::AssertionSuccess();
  }

  rtm::Instance& inst_;
  std::array<rtm::EntityHandle, kEntities> entities_;
  std::mt19937_64 rng_;
  rtm::NextHopHandle hops_[kEntities][kHopsPerEntity];
  rtm::NextHopInfo hop_info_[kEntities][kHopsPerEntity];
  std::vector<MPrefix> universe_;
  std::vector<int> wide_, narrow_;  // universe_ indexes by length (pick_prefix)
  std::vector<Probe> probes_;
  std::vector<std::uint32_t> batch4_;   // the probes, host order (IPv4)
  std::vector<rtm::NetAddress> batch6_;  // the probes at full length
  std::vector<rtm::ForwardingResult> out_;
  int writes_ = 0;
};

template <class F>
void ForwardingModelTest::run(std::uint64_t seed, int ops) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::array<rtm::EntityHandle, kEntities> entities =
      F::kBits == 32 ? std::array{a_, b_, c4_} : std::array{v6_, b6_, c6_};
  ModelRun<F> m(rtm(), entities, held_hops_, seed);
  if (HasFatalFailure()) return;
  RecordProperty("prefixes", static_cast<int>(m.universe_size()));
  RecordProperty("probes", static_cast<int>(m.probe_count()));
  const bool ran = m.run(ops);
  // Whatever happened, the routes go (the fixture checks references).
  m.clear(ran);
  RecordProperty("writes", m.writes());
}

TEST_F(ForwardingModelTest, Ipv4AnswersAsTheModelThroughRandomWrites) { run<V4>(20261202, 2500); }

TEST_F(ForwardingModelTest, Ipv6AnswersAsTheModelThroughRandomWrites) { run<V6>(6060842, 2500); }

}  // namespace
