// Scenario 8: the real table (data/routeviews-ipv4.txt.xz) loaded by two
// BGP-like peers, then replayed with random withdrawals and re-announcements
// while lookup threads run longest-prefix matches on addresses inside the
// table's prefixes. Each peer keeps a model of what it announced; at the end
// the table must equal the models, prefix by prefix.
#include <algorithm>

#include "../examples/prefix_file.h"
#include "harness.h"

namespace rtm_stress {

bool table_replay(const Options& o, Report& rep) {
  std::vector<rtm_examples::PrefixEntry> table;
  try {
    table = rtm_examples::read_prefix_file(o.data_dir + "/routeviews-ipv4.txt.xz");
  } catch (const std::exception& e) {
    rep.check(false, std::string("read the table: ") + e.what());
    return false;
  }
  const std::size_t n = std::min(table.size(), o.size ? o.size : std::size_t{50000});
  // Spread the sample over the whole table.
  std::vector<rtm::NetAddress> prefixes;
  for (std::size_t i = 0; i < n; ++i) prefixes.push_back(table[i * table.size() / n].prefix);
  std::sort(prefixes.begin(), prefixes.end(), [](const rtm::NetAddress& a, const rtm::NetAddress& b) {
    return std::lexicographical_compare(a.bytes(), a.bytes() + 4, b.bytes(), b.bytes() + 4) ||
           (std::equal(a.bytes(), a.bytes() + 4, b.bytes()) && a.length() < b.length());
  });
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());

  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  rtm::Instance& rtm = *inst;
  constexpr unsigned kPeers = 2;
  rtm::EntityHandle peers[kPeers];
  std::vector<rtm::EntityHandle> entities;
  for (unsigned p = 0; p < kPeers; ++p) {
    rtm.register_entity({0, rtm::Family::ipv4, 14, p + 1}, {}, &peers[p]);
    entities.push_back(peers[p]);
  }
  // model[p][i]: the route handle peer p holds for prefix i (null: none).
  std::vector<std::vector<rtm::RouteHandle>> model(kPeers, std::vector<rtm::RouteHandle>(prefixes.size()));
  for (unsigned p = 0; p < kPeers; ++p)
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
      rtm::RouteInfo ri;
      ri.pref = {static_cast<std::uint32_t>(i % 7), 20 + p};
      rtm::RouteChangeFlags ch = 0;
      expect(rep, rtm.add_route(peers[p], &model[p][i], prefixes[i], ri, rtm::kInfinite, &ch),
             rtm::errc::ok, "load add_route");
    }
  const unsigned threads = std::max(kPeers + 1, o.threads);
  std::vector<rtm::EntityHandle> lookers(threads);
  for (unsigned t = kPeers; t < threads; ++t) {
    rtm.register_entity({0, rtm::Family::ipv4, 700 + t, 1}, {}, &lookers[t]);
    entities.push_back(lookers[t]);
  }
  std::atomic<std::uint64_t> updates{0}, lookups{0};

  run_threads(threads, o.seconds, [&](unsigned t, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(o.seed * 1000 + t);
    std::uint64_t ops = 0;
    if (t < kPeers) {
      auto& mine = model[t];
      while (!stop.load(std::memory_order_relaxed)) {
        const std::size_t i = rng() % prefixes.size();
        rtm::RouteChangeFlags ch = 0;
        if (mine[i]) {  // withdraw, or re-announce with another metric
          if (rng() % 2 == 0) {
            expect(rep, rtm.delete_route(peers[t], mine[i], &ch), rtm::errc::ok, "withdraw");
            expect(rep, rtm.release_routes(peers[t], {&mine[i], 1}), rtm::errc::ok, "release");
            mine[i] = {};
          } else {
            rtm::RouteInfo ri;
            ri.pref = {static_cast<std::uint32_t>(rng() % 100), 20 + t};
            rtm::RouteHandle h = mine[i];
            expect(rep, rtm.add_route(peers[t], &h, prefixes[i], ri, rtm::kInfinite, &ch),
                   rtm::errc::ok, "update by handle");
          }
        } else {
          rtm::RouteInfo ri;
          ri.pref = {static_cast<std::uint32_t>(rng() % 100), 20 + t};
          expect(rep, rtm.add_route(peers[t], &mine[i], prefixes[i], ri, rtm::kInfinite, &ch),
                 rtm::errc::ok, "announce");
        }
        ++ops;
      }
      updates += ops;
    } else {
      while (!stop.load(std::memory_order_relaxed)) {
        const rtm::NetAddress& p = prefixes[rng() % prefixes.size()];
        std::uint8_t b[16];
        std::copy(p.bytes(), p.bytes() + 16, b);
        for (unsigned k = p.length(); k < 32; ++k)
          if (rng() & 1) b[k / 8] |= static_cast<std::uint8_t>(0x80 >> (k % 8));
        rtm::NetAddress a;
        rtm::NetAddress::make(rtm::Family::ipv4, b, 32, &a);
        rtm::DestInfo di;
        const rtm::errc r = rtm.get_most_specific_destination(lookers[t], a, rtm::kBestProtocol,
                                                              rtm::kViewMaskUnicast, &di);
        ++ops;
        if (r == rtm::errc::not_found) continue;
        if (!expect(rep, r, rtm::errc::ok, "get_most_specific_destination")) continue;
        if (!di.address.covers(a)) rep.violation("LPM returned a prefix that does not cover");
        expect(rep, rtm.release_dest_info(lookers[t], di), rtm::errc::ok, "release_dest_info");
      }
      lookups += ops;
    }
    rep.ops += ops;
  });

  std::size_t mismatches = 0, routes = 0;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    std::uint32_t want = 0;
    for (unsigned p = 0; p < kPeers; ++p) want += model[p][i] ? 1 : 0;
    routes += want;
    rtm::DestInfo di;
    const rtm::errc r = rtm.get_exact_match_destination(peers[0], prefixes[i], rtm::kBestProtocol,
                                                        rtm::kViewMaskUnicast, &di);
    const std::uint32_t got = r == rtm::errc::ok ? di.views[0].num_routes : 0;
    if (r == rtm::errc::ok) rtm.release_dest_info(peers[0], di);
    if (got != want || (r == rtm::errc::ok) != (want > 0)) ++mismatches;
  }
  rep.check(mismatches == 0, std::to_string(prefixes.size()) + " real prefixes, " +
                                 std::to_string(updates.load()) + " updates, " +
                                 std::to_string(lookups.load()) +
                                 " lookups: table equals the peers' models (" +
                                 std::to_string(routes) + " routes, " +
                                 std::to_string(mismatches) + " mismatches)");
  for (unsigned p = 0; p < kPeers; ++p)
    for (auto& h : model[p])
      if (h) rtm.release_routes(peers[p], {&h, 1});
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

}  // namespace rtm_stress
