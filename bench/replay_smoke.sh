#!/usr/bin/env bash
# Smoke test of examples/rtm_replay (ctest label bench): generates a few
# hundred bgpdump -m lines itself (a TABLE_DUMP2 RIB of 3 peers, then
# BGP4MP announcements, replacements, withdrawals of held and unknown
# routes, a session leaving Established, IPv4 and IPv6) and a small prefix
# table, replays them and checks the tool's verdict: no mismatch against its
# model, no outstanding reference. Needs no data from outside the test.
#
#   bash bench/replay_smoke.sh PATH/TO/rtm_replay WORKDIR
set -euo pipefail
bin=$1
dir=$2
mkdir -p "$dir"
awk 'BEGIN {
  seed = 12345
  srand(seed)
  peers[0] = "192.0.2.1|64501"; peers[1] = "192.0.2.2|64502"; peers[2] = "2001:db8::3|64503"
  for (i = 0; i < 60; i++) {
    pfx[i] = sprintf("10.%d.%d.0/24", int(i / 16), (i % 16) * 16)
    pfx[60 + i] = sprintf("2001:db8:%x::/48", i + 1)
  }
  n = 120
  # RIB dump: every peer announces half the prefixes.
  for (p = 0; p < 3; p++)
    for (i = p; i < n; i += 2)
      printf "TABLE_DUMP2|1267286400|B|%s|%s|64%d 65%d 3356|IGP|192.0.2.%d|0|0||NAG||\n", peers[p], pfx[i], p, i, p + 1
  # Updates: announcements with random path lengths, withdrawals (some of
  # routes the peer never announced).
  for (k = 0; k < 200; k++) {
    p = int(rand() * 3); i = int(rand() * n)
    if (rand() < 0.3) {
      printf "BGP4MP|%d|W|%s|%s\n", 1267286401 + k, peers[p], pfx[i]
    } else {
      path = "64" p
      len = 1 + int(rand() * 5)
      for (j = 0; j < len; j++) path = path " " (65000 + int(rand() * 500))
      if (rand() < 0.1) path = path " {65001,65002}"
      printf "BGP4MP|%d|A|%s|%s|%s|IGP|192.0.2.%d|0|0||NAG||\n", 1267286401 + k, peers[p], pfx[i], path, p + 1
    }
    if (k == 120) printf "BGP4MP|%d|STATE|%s|6|1\n", 1267286401 + k, peers[1]
  }
}' >"$dir/updates.txt"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "10.%d.0.0/16 64999\n", i % 8 + 0 * i }' | sort -u >"$dir/table.txt"
echo "replay_smoke: $(wc -l <"$dir/updates.txt") generated lines"
out=$("$bin" --table "$dir/table.txt" --lookup-threads 1 "$dir/updates.txt")
echo "$out"
grep -q " 0 table mismatches, 0 FIB-copy mismatches" <<<"$out"
grep -q "outstanding refs     0$" <<<"$out"
grep -q "session resets" <<<"$out"
grep -q "^rtm_replay: OK$" <<<"$out"
