#!/usr/bin/env bash
# Runs every stress scenario for N seconds under ASan and under TSan (the
# asan and tsan presets, built if needed) and prints a table: scenario,
# sanitizer, ops, result. Exits non-zero if any run failed.
#
#   bash stress/run_all.sh            # 60 s per scenario and sanitizer
#   bash stress/run_all.sh 3          # a quick pass
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
threads=${RTM_STRESS_THREADS:-4}
scenarios="hot_dest_churn route_races dest_delete_held notify entity_churn table_replay linearizability enum_churn expiry_race forwarding ledger_handoff"
status=0
rows=()
for preset in asan tsan; do
  cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target rtm_stress >/dev/null || exit 1
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export TSAN_OPTIONS="suppressions=$PWD/cmake/tsan.supp:halt_on_error=1"
  for s in $scenarios; do
    extra=()
    [[ $s == table_replay ]] && extra=(--size 20000)
    out=$(build/$preset/stress/rtm_stress "$s" --duration "$seconds" --threads "$threads" --seed 1 "${extra[@]}" 2>&1)
    rc=$?
    ops=$(sed -n "s/^$s: \([0-9]*\) ops$/\1/p" <<<"$out")
    result=PASS
    if [[ $rc -ne 0 ]]; then
      result=FAIL
      status=1
      printf '%s\n' "$out" | tail -30 >&2
    fi
    rows+=("$(printf '| %-16s | %-4s | %12s | %-4s |' "$s" "$preset" "${ops:-?}" "$result")")
  done
done
echo
echo "stress: ${seconds} s per scenario, ${threads} threads, $(nproc) cores, commit $(git rev-parse --short HEAD)"
echo "| scenario         | san  |          ops | result |"
echo "|------------------|------|-------------:|--------|"
printf '%s\n' "${rows[@]}"
exit $status
