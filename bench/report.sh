#!/usr/bin/env bash
# Runs the contention benchmarks and writes the report (ratios of rtm to
# each baseline per workload and thread count, and PNG plots) to
# build/bench-report/.
#
#   bash bench/report.sh                 # the bundled table, full run
#   bash bench/report.sh --quick         # a 50,000-prefix slice, short runs
#   bash bench/report.sh --table=/path/to/tier1-fulltable.txt.xz
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--benchmark_min_time=0.3)
for a in "$@"; do
  case "$a" in
    --quick) args=(--limit=50000 --benchmark_min_time=0.05) ;;
    *) args+=("$a") ;;
  esac
done
bin=build/release/bench/rtm_bench
[[ -x $bin ]] || { cmake --preset release >/dev/null && cmake --build --preset release --target rtm_bench; }
out=build/bench-report
mkdir -p "$out"
"$bin" "${args[@]}" --benchmark_format=console --benchmark_out_format=json \
  --benchmark_out="$out/results.json"
python3 bench/report.py "$out/results.json" "$out"
