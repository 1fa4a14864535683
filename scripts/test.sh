#!/usr/bin/env bash
# The test command (README, CI): installs what is missing, then builds and
# runs every ctest test — unit, notify, C API, bad-input matrix, examples,
# install consumer, benchmark smoke runs and the stress scenarios — in the
# release preset, and again under ASan(+UBSan, LSan; with the
# allocation-failure test) and TSan; then a bounded libFuzzer run (clang).
# Prints a summary; exits non-zero if anything failed.
#
#   bash scripts/test.sh                 # release + asan + tsan
#   RTM_PRESETS="release" bash scripts/test.sh
#   RTM_STRESS_SECONDS=60 bash scripts/test.sh   # longer stress runs
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1

presets=${RTM_PRESETS:-"release asan tsan fuzz"}
stress_seconds=${RTM_STRESS_SECONDS:-3}
declare -A result elapsed
status=0
for p in $presets; do
  start=$SECONDS
  echo "=== preset $p: configure, build, test"
  if cmake --preset "$p" -DRTM_STRESS_SECONDS="$stress_seconds" >/dev/null &&
     cmake --build --preset "$p" &&
     ctest --preset "$p"; then
    result[$p]=PASS
  else
    result[$p]=FAIL
    status=1
  fi
  elapsed[$p]=$((SECONDS - start))
done

echo
echo "=== summary (stress scenarios ${stress_seconds} s each, $(nproc) cores)"
printf '%-10s %-6s %s\n' preset result seconds
for p in $presets; do printf '%-10s %-6s %s\n' "$p" "${result[$p]}" "${elapsed[$p]}"; done
exit $status
