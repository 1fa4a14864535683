#!/usr/bin/env bash
# Runs the benchmarks and writes the report to build/bench-report/
# (report.md, also printed; results.json, procs.jsonl, console.txt; one PNG
# plot of throughput against threads per workload).
#
#   bash bench/report.sh                  # the bundled table, full run
#   bash bench/report.sh --quick          # smoke pass on a 50,000-prefix slice, no goal verdicts
#   bash bench/report.sh --table=../shared/data/tier1-fulltable.txt.xz   # the Tier-1 table
#   bash bench/report.sh --quick --brief  # what scripts/demo.sh runs: prints only the short table
#
# Other arguments go to rtm_bench (e.g. --benchmark_filter=lookup). The
# memory figures and the route server each run in a process of their own
# (rtm_bench --process=MODE): freed memory is reused, so a delta taken after
# another workload would lie.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
quick=0
brief=0   # --brief: print only the short table (the demo's); report.md is complete either way
min_time=0.15   # per repetition
reps=3          # repetitions per benchmark, randomly interleaved (report.py takes the median)
table_args=()
bench_args=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1; min_time=0.05; reps=1; table_args+=(--limit=50000) ;;
    --table=*) table_args+=("$a") ;;
    --brief) brief=1 ;;
    *) bench_args+=("$a") ;;
  esac
done
out=build/bench-report
mkdir -p "$out"
log="$out/build.log"
echo "report: building rtm_bench (release preset; output in $log)"
{ cmake --preset release && cmake --build --preset release --target rtm_bench; } >"$log" 2>&1 ||
  { tail -20 "$log"; echo "report: build failed, see $log" >&2; exit 1; }
bin=build/release/bench/rtm_bench

echo "report: running rtm_bench (console output in $out/console.txt)"
"$bin" "${table_args[@]}" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" \
  --benchmark_enable_random_interleaving="$( ((reps > 1)) && echo true || echo false)" "${bench_args[@]}" \
  --benchmark_out_format=json --benchmark_out="$out/results.json" >"$out/console.txt" 2>&1 ||
  { tail -20 "$out/console.txt"; echo "report: rtm_bench failed" >&2; exit 1; }

: >"$out/procs.jsonl"
for mode in mem:rtm mem:mutex rs:1 rs:2; do
  echo "report: rtm_bench --process=$mode (a process of its own)"
  "$bin" "${table_args[@]}" --process="$mode" >>"$out/procs.jsonl" 2>>"$out/console.txt" ||
    echo "{\"process\": \"$mode\", \"error\": \"exit status $?\"}" >>"$out/procs.jsonl"
done

wall=$(( $(date +%s) - start ))
report_args=(--wall="$wall")
((quick)) && report_args+=(--quick)
((brief)) && report_args+=(--brief)
python3 bench/report.py "${report_args[@]}" "$out/results.json" "$out/procs.jsonl" bench/goals "$out"
