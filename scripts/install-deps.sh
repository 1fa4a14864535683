#!/usr/bin/env bash
# Installs the Debian packages rtm needs to build, test and benchmark.
# Idempotent: apt-get runs only when a package is missing. Nothing is
# downloaded from anywhere but the Debian archive, nothing is vendored.
# Prints one line (what is installed, where apt's output went).
#
#   bash scripts/install-deps.sh [LOGFILE]    # default build/install-deps.log
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-build/install-deps.log}
mkdir -p "$(dirname "$log")"

packages=(
  cmake g++ make pkg-config xz-utils   # toolchain
  libcds-dev libboost-atomic-dev        # the library's dependencies
  libgtest-dev googletest               # tests
  libbenchmark-dev                      # benchmarks
  gnuplot-nox python3                   # bench/report.sh (table and plots)
  dpdk-dev                              # bench: rte_lpm / rte_fib / rte_lpm6 / rte_fib6 beside rtm
  bgpdump                               # examples/rtm_replay: decodes MRT update streams
  clang-14 libclang-rt-14-dev           # the fuzz preset (libFuzzer)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]} (apt output in $log)"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >>"$log" 2>&1; then
  tail -20 "$log" >&2
  echo "install-deps: apt-get failed; see $log" >&2
  exit 1
fi
