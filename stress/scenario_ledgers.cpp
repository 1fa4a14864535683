// ledger_handoff: references that move between threads
// (src/core/ledger_refs.cpp), while one thread adds and deletes the only route of each of
// a few destinations (so objects are folded out of the ledgers under the
// other threads' Gets and releases).
//
// - `shared`: destination infos got on one thread are handed through a
//   mailbox and released on another (cross-thread releases, racing folds).
//   Every such release must succeed; at the end of each round (a quiescent
//   point: the threads are joined; the next round's new threads adopt the
//   old ones' ledgers) `shared`'s outstanding count must equal the handles
//   of the infos still in the mailbox.
// - `duo`: one info at a time, handed to two threads whose releases race:
//   exactly one succeeds, the other is refused (invalid_parameter, or
//   invalid_handle when the object died with the winner's release). `duo`
//   holds one reference per handle then, so the loser has nothing to take.
//   (With several infos of one destination out, a second release may
//   legitimately take another info's unit: references are counts per
//   entity and handle.)
// - `keeper` (a new one per round): keeps what it gets, on every thread,
//   until one thread deregisters it mid-round while the others go on
//   taking references through it (refused from then on): the
//   deregistration must report exactly the references its Gets returned.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "harness.h"

namespace rtm_stress {

namespace {

// Handles an info names (what its release gives back).
std::int64_t handles_in(const rtm::DestInfo& di) {
  std::int64_t n = di.dest.value != 0;
  for (std::uint32_t v = 0; v < di.number_of_views; ++v)
    n += (di.views[v].route.value != 0) + (di.views[v].owner.value != 0) +
         (di.views[v].hold_route.value != 0);
  return n;
}

class Mailbox {
 public:
  void put(const rtm::DestInfo& di) {
    std::lock_guard l(mu_);
    q_.push_back(di);
    handles_ += handles_in(di);
  }
  std::optional<rtm::DestInfo> take(std::mt19937_64& rng) {
    std::lock_guard l(mu_);
    if (q_.empty()) return std::nullopt;
    const std::size_t i = rng() % q_.size();
    rtm::DestInfo di = q_[i];
    q_.erase(q_.begin() + static_cast<std::ptrdiff_t>(i));
    handles_ -= handles_in(di);
    return di;
  }
  std::int64_t handles() {
    std::lock_guard l(mu_);
    return handles_;
  }

 private:
  std::mutex mu_;
  std::deque<rtm::DestInfo> q_;
  std::int64_t handles_ = 0;
};

// The one outstanding info of `duo` and its two release tickets.
struct Duo {
  std::mutex mu;
  std::optional<rtm::DestInfo> info;
  int tickets = 0;  // releases not yet started
  int done = 0;     // releases finished
  int wins = 0;
};

}  // namespace

bool ledger_handoff(const Options& o, Report& rep) {
  Objects objects;
  auto inst = std::make_unique<rtm::Instance>();
  auto add_entity = [&](std::uint32_t protocol) {
    rtm::EntityHandle h;
    expect(rep, inst->register_entity({0, rtm::Family::ipv4, protocol, 1}, {}, &h), rtm::errc::ok,
           "register_entity");
    return h;
  };
  const rtm::EntityHandle writer = add_entity(200), shared = add_entity(201),
                          duo = add_entity(202);
  const std::vector<rtm::EntityHandle> entities = {writer, shared, duo};
  std::vector<rtm::NetAddress> prefixes;
  for (int i = 0; i < (o.size ? static_cast<int>(o.size) : 8); ++i)
    prefixes.push_back(prefix("192.168." + std::to_string(i) + ".0/24"));
  const unsigned threads = std::max(3u, o.threads);
  constexpr int kRounds = 6;
  Mailbox mail;
  Duo d2;
  std::atomic<std::uint64_t> handed{0}, raced{0};
  std::vector<std::optional<rtm::RouteHandle>> routes(prefixes.size());
  // One of duo's two releases has returned r (under d2.mu).
  auto race_result = [&](Duo& d, rtm::errc r) {
    if (r == rtm::errc::ok)
      ++d.wins;
    else if (r != rtm::errc::invalid_parameter && r != rtm::errc::invalid_handle)
      expect(rep, r, rtm::errc::invalid_parameter, "the losing release of duo's info");
    if (++d.done < 2) return;
    if (d.wins != 1)
      rep.violation(std::to_string(d.wins) + " of two racing releases of one reference succeeded");
    ++raced;
    d.info.reset();
  };

  std::mt19937_64 rng_end(o.seed);
  for (int round = 0; round < kRounds; ++round) {
    const rtm::EntityHandle keeper = add_entity(300 + static_cast<std::uint32_t>(round));
    std::atomic<std::int64_t> kept{0}, still_held{-1};
    run_threads(threads, o.seconds / kRounds, [&](unsigned t, const std::atomic<bool>& stop) {
      std::mt19937_64 rng(o.seed * 7919 + static_cast<std::uint64_t>(round) * 131 + t);
      rtm::Instance& rtm = *inst;
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        ++n;
        const std::size_t p = rng() % prefixes.size();
        if (t == 0) {  // the writer: each destination's only route comes and goes
          rtm::RouteChangeFlags ch = 0;
          if (routes[p]) {
            expect(rep, rtm.delete_route(writer, *routes[p], &ch), rtm::errc::ok, "delete_route");
            expect(rep, rtm.release_routes(writer, {&*routes[p], 1}), rtm::errc::ok,
                   "release_routes");
            routes[p].reset();
          } else {
            rtm::RouteInfo ri;
            rtm::RouteHandle h;
            if (expect(rep, rtm.add_route(writer, &h, prefixes[p], ri, rtm::kInfinite, &ch),
                       rtm::errc::ok, "add_route"))
              routes[p] = h;
          }
          continue;
        }
        if (t == 1 && n == 20000) {  // the keeper goes, mid-round
          std::int64_t h = -1;
          expect(rep, rtm.deregister_entity(keeper, &h), rtm::errc::ok, "deregister_entity");
          still_held = h;
          continue;
        }
        const unsigned op = rng() % 10;
        if (op < 4) {  // get, hand off
          rtm::DestInfo di;
          const rtm::errc r = rtm.get_exact_match_destination(shared, prefixes[p],
                                                              rtm::kBestProtocol,
                                                              rtm::kViewMaskAny, &di);
          if (r == rtm::errc::not_found) continue;
          if (!expect(rep, r, rtm::errc::ok, "get_exact_match_destination")) continue;
          mail.put(di);
          ++handed;
        } else if (op < 8) {  // release what another thread got
          if (auto di = mail.take(rng))
            expect(rep, rtm.release_dest_info(shared, *di), rtm::errc::ok,
                   "release_dest_info of a handed-off info");
        } else if (op == 8) {  // duo: get one if none is out, else race to release it
          std::unique_lock l(d2.mu);
          if (!d2.info) {
            rtm::DestInfo di;
            if (rtm.get_exact_match_destination(duo, prefixes[p], rtm::kBestProtocol,
                                                rtm::kViewMaskAny, &di) == rtm::errc::ok) {
              d2.info = di;
              d2.tickets = 2;
              d2.done = 0;
              d2.wins = 0;
            }
            continue;
          }
          if (d2.tickets == 0) continue;  // both releases are out
          --d2.tickets;
          const rtm::DestInfo di = *d2.info;
          l.unlock();  // the two releases run concurrently
          const rtm::errc r = rtm.release_dest_info(duo, di);
          l.lock();
          race_result(d2, r);
        } else {  // the keeper keeps what it gets, on every thread
          rtm::DestInfo di;
          const rtm::errc r = rtm.get_exact_match_destination(keeper, prefixes[p],
                                                              rtm::kBestProtocol,
                                                              rtm::kViewMaskAny, &di);
          if (r == rtm::errc::ok)
            kept += handles_in(di);
          else if (r != rtm::errc::not_found && r != rtm::errc::invalid_handle)
            expect(rep, r, rtm::errc::ok, "get_exact_match_destination by the keeper");
        }
      }
      rep.ops += n;
    });
    // Quiescent: `shared` holds exactly what the mailbox holds.
    rtm::Outstanding out;
    expect(rep, inst->outstanding(shared, &out), rtm::errc::ok, "outstanding");
    if (out.total() != mail.handles())
      rep.violation("round " + std::to_string(round) + ": outstanding " +
                    std::to_string(out.total()) + " (" + std::to_string(out.dests) +
                    " destinations, " + std::to_string(out.routes) + " routes, " +
                    std::to_string(out.entities) + " entities), the mailbox holds " +
                    std::to_string(mail.handles()));
    if (still_held.load() < 0) {  // a short round: deregister it now
      std::int64_t h = -1;
      expect(rep, inst->deregister_entity(keeper, &h), rtm::errc::ok, "deregister_entity");
      still_held = h;
    }
    if (still_held.load() != kept.load())
      rep.violation("round " + std::to_string(round) + ": the keeper's deregistration found " +
                    std::to_string(still_held.load()) + " references, it kept " +
                    std::to_string(kept.load()));
  }
  {
    std::unique_lock l(d2.mu);
    while (d2.info && d2.tickets > 0) {
      --d2.tickets;
      race_result(d2, inst->release_dest_info(duo, *d2.info));
    }
  }
  while (auto di = mail.take(rng_end))
    expect(rep, inst->release_dest_info(shared, *di), rtm::errc::ok, "release_dest_info");
  for (auto& r : routes) {
    if (!r) continue;
    rtm::RouteChangeFlags ch = 0;
    expect(rep, inst->delete_route(writer, *r, &ch), rtm::errc::ok, "delete_route");
    expect(rep, inst->release_routes(writer, {&*r, 1}), rtm::errc::ok, "release_routes");
  }
  rep.check(handed > 0 && raced > 0, std::to_string(handed.load()) +
                                         " infos handed between threads and released, " +
                                         std::to_string(raced.load()) +
                                         " pairs of racing releases of one reference");
  finish_instance(rep, inst, entities, objects);
  return rep.ok();
}

}  // namespace rtm_stress
