#!/usr/bin/env bash
# The main job: installs what is missing, builds the release preset and runs
# the demo router on the bundled real table (564,580 IPv4 + 167,903 IPv6
# prefixes), then the short benchmark (bench/report.sh --quick: a smoke pass
# on a slice, rtm beside the baselines and DPDK). Package installation and
# build output go to build/demo.log (one line each here); the demo's summary
# is printed last, after the short benchmark's table.
# Extra arguments go to rtm_demo (e.g. --seconds 10 --lookup-threads 4).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
log=build/demo.log
: >"$log"
start=$(date +%s)
bash scripts/install-deps.sh "$log"
echo "demo: building rtm_demo, rtm_bench and rtm_replay (release preset; output in $log)"
if ! { cmake --preset release && cmake --build --preset release --target rtm_demo rtm_bench rtm_replay; } >>"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "demo: build failed; see $log" >&2
  exit 1
fi
echo "demo: running the demo router on the bundled table (output in build/demo-output.txt)"
status=0
./build/release/examples/rtm_demo data/routeviews-ipv4.txt.xz data/routeviews-ipv6.txt.xz "$@" \
  >build/demo-output.txt 2>&1 || status=$?
echo "demo: the short benchmark (bash bench/report.sh --quick --brief; full report in build/bench-report/report.md)"
bash bench/report.sh --quick --brief 2>&1 | grep -v '^report: ' || echo "demo: the short benchmark failed (see build/bench-report/console.txt)"
echo
echo "== rtm demo: summary ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); demo.sh took $(( $(date +%s) - start )) s) =="
cat build/demo-output.txt
exit "$status"
