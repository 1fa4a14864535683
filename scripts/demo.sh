#!/usr/bin/env bash
# The main job: installs what is missing, builds the release preset and runs
# the demo router on the bundled real table (564,580 IPv4 + 167,903 IPv6
# prefixes), then the contention benchmark's short run with its report.
# Extra arguments go to rtm_demo (e.g. --seconds 10 --lookup-threads 4).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
./build/release/examples/rtm_demo data/routeviews-ipv4.txt.xz data/routeviews-ipv6.txt.xz "$@"
if [[ -x build/release/bench/rtm_bench && -f bench/report.sh ]]; then
  bash bench/report.sh --quick
fi
