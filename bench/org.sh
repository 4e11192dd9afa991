#!/usr/bin/env bash
# Organization-scale collection (issue 3). bench/org/org_test.go collects a
# simulated organization (kumo; ~100 KMS keys and 20 trails per account) with
# every built-in collector through the real SDK:
#   - BenchmarkOrganization: 10 and 50 accounts x 2 regions in one run, with no
#     added latency and with 50 ms added to every call; reports wall time and
#     API calls of each and the 50/10 ratios (targets: calls close to linear;
#     with 50 ms latency, wall(50) < 3 x wall(10)).
#   - BenchmarkOrganization200x4: 200 accounts x 4 regions; reports peak Go
#     heap and peak process RSS (target < 500 MiB).
# Each benchmark runs in its own process, so peak RSS is its own. Medians over
# COUNT runs. LOCKER_TMP (e.g. /dev/shm) puts the locker on another disk; by
# default it is on the test's temporary directory. Run from the project root:
#
#     bash bench/org.sh          # writes bench/org.txt
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3}
out=bench/org.txt

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { awk -v unit="$1" '{for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1)}' | median; }

scale() { # $1: latency sub-benchmark name
  go test ./bench/org -run '^$' -bench "^BenchmarkOrganization\$/latency=$1\$" -benchtime 1x -count "$COUNT" -timeout 60m 2>/dev/null | grep '^BenchmarkOrganization'
}
zero=$(scale 0s)
lat=$(scale 50ms)
big=$(go test ./bench/org -run '^$' -bench '^BenchmarkOrganization200x4$' -benchtime 1x -count 1 -timeout 60m 2>/dev/null | grep '^BenchmarkOrganization200x4')

{
  echo "# bench/org.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(go env GOVERSION), load average $(cut -d' ' -f1-3 /proc/loadavg), medians of $COUNT runs"
  echo "case                      wall10_s  wall50_s  wall_ratio  calls10  calls50  call_ratio  peak_heap50_MiB"
  for name in zero lat; do
    data=${!name}
    label=$([ "$name" = zero ] && echo "no added latency" || echo "50 ms per call")
    printf "%-24s  %8s  %8s  %10s  %7s  %7s  %10s  %15s\n" "$label" \
      "$(echo "$data" | field wall10-s)" "$(echo "$data" | field wall50-s)" "$(echo "$data" | field wall-ratio-50/10)" \
      "$(echo "$data" | field calls10)" "$(echo "$data" | field calls50)" "$(echo "$data" | field call-ratio-50/10)" \
      "$(echo "$data" | field peak-heap50-MiB)"
  done
  echo
  echo "200 accounts x 4 regions: wall $(echo "$big" | field wall-s) s, $(echo "$big" | field api-calls) API calls, $(echo "$big" | field snapshots) snapshots, peak Go heap $(echo "$big" | field peak-heap-MiB) MiB, peak process RSS (emulator included) $(echo "$big" | field peak-rss-MiB) MiB (target < 500 MiB)"
} | tee "$out"
