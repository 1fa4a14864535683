// rtm_stress — randomized, timed stress scenarios with checked invariants.
//
//   rtm_stress SCENARIO|all [--duration S] [--threads N] [--seed X] [--size K]
//                           [--data DIR]
//
// Prints what each scenario did and every check it made; exits non-zero if
// any invariant was violated. Scenarios: see kScenarios below and
// stress/README.md.
#include <cstring>

#include "harness.h"

namespace {

struct Scenario {
  const char* name;
  bool (*run)(const rtm_stress::Options&, rtm_stress::Report&);
  const char* what;
};

const Scenario kScenarios[] = {
    {"hot_dest_churn", rtm_stress::hot_dest_churn,
     "get/release, reference/dereference on a few hot destinations vs add/delete"},
    {"route_races", rtm_stress::route_races,
     "add/delete on nested prefixes vs exact and longest-prefix lookups"},
    {"dest_delete_held", rtm_stress::dest_delete_held,
     "destinations deleted while other threads hold their handles"},
    {"notify", rtm_stress::notify,
     "writers vs draining registrations, registrations created and deleted"},
    {"entity_churn", rtm_stress::entity_churn,
     "entities deregistering with handles out while others use their routes"},
    {"table_replay", rtm_stress::table_replay,
     "the real table replayed by two peers with lookups, checked against a model"},
    {"linearizability", rtm_stress::linearizability,
     "exact-match add/delete/lookup histories (4 threads) checked by Wing & Gong search"},
    {"enum_churn", rtm_stress::enum_churn,
     "full destination and route enumerations while destinations are created and deleted"},
    {"expiry_race", rtm_stress::expiry_race,
     "route expiry on a manual clock racing refreshes, cancels and explicit deletes"},
    {"ledger_handoff", rtm_stress::ledger_handoff,
     "references got on one thread and released on others, racing releases, folds and "
     "deregistrations with references on every thread"},
    {"forwarding", rtm_stress::forwarding,
     "forward / forward4_batch / forward6_batch vs writers churning nested prefixes, checked "
     "against the writers' logs"},
};

int usage() {
  std::fprintf(stderr,
               "usage: rtm_stress SCENARIO|all [--duration S] [--threads N] [--seed X] "
               "[--size K] [--data DIR]\nscenarios:\n");
  for (const auto& s : kScenarios) std::fprintf(stderr, "  %-18s %s\n", s.name, s.what);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  rtm_stress::Options o;
  o.data_dir = RTM_STRESS_DATA_DIR;
  const std::string which = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--duration") o.seconds = std::stod(v);
    else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(v));
    else if (a == "--seed") o.seed = std::stoull(v);
    else if (a == "--size") o.size = std::stoull(v);
    else if (a == "--data") o.data_dir = v;
    else return usage();
  }
  bool all_ok = true, any = false;
  for (const auto& s : kScenarios) {
    if (which != "all" && which != s.name) continue;
    any = true;
    std::printf("== %s (duration %.1f s, %u threads, seed %llu)\n", s.name, o.seconds, o.threads,
                static_cast<unsigned long long>(o.seed));
    rtm_stress::Report rep;
    const bool ok = s.run(o, rep);
    rep.print(s.name);
    std::printf("%s: %s\n", s.name, ok ? "PASS" : "FAIL");
    all_ok &= ok;
  }
  if (!any) return usage();
  return all_ok ? 0 : 1;
}
