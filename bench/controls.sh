#!/usr/bin/env bash
# Evaluation speed and memory (issue 4). Targets: evaluating 100,000 resources
# across every built-in check at >= 50,000 resource evaluations per second per
# core, with memory under 1 GiB. BenchmarkEvaluate100k (controls/bench_test.go)
# evaluates all 36 built-in checks over a 66-account organization (~100,000
# check x resource results). Evaluation runs on one goroutine; results/cpu-s
# divides by the process's CPU time (user + system, GC included), so it is the
# per-core rate whatever else loads the machine. The figures are medians over
# COUNT runs. Run from the project root:
#
#     bash bench/controls.sh          # writes bench/controls.txt
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
out=bench/controls.txt
raw=$(go test ./controls -run '^$' -bench Evaluate100k -benchtime 3x -count "$COUNT" 2>/dev/null | grep '^BenchmarkEvaluate100k')

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { echo "$raw" | awk -v unit="$1" '{for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1)}' | median; }

results=$(field results/op)
wall=$(field results/s)
cpu=$(field results/cpu-s)
ms=$(echo "$raw" | awk '{print $3/1e6}' | median)
heap=$(field peak-heap-MiB)
ev=$(field evidence-MiB)
{
  echo "# bench/controls.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(go env GOVERSION), load $(cut -d' ' -f1 /proc/loadavg), medians of $COUNT runs x 3 evaluations"
  echo "case                     results  ms/eval  results/s  results/cpu-s  peak-heap-MiB  evidence-MiB"
  printf "evaluate-66-accounts  %10s  %7.0f  %9.0f  %13.0f  %13.1f  %12.1f\n" "$results" "$ms" "$wall" "$cpu" "$heap" "$ev"
  echo "per core: $cpu results/s (target >= 50000); peak heap $heap MiB (target < 1024)"
} | tee "$out"
