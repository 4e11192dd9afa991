#!/usr/bin/env bash
# Report rendering speed and peak memory (issue 5). Targets:
#   PDF  with 10,000 failing resources:  under 10 s and 500 MiB
#   XLSX with 100,000 finding rows:      under 10 s, and peak memory flat
#        (within 25%) between 10,000 and 100,000 rows (streaming)
# Each case runs in its own process (bench/reportbench) RUNS times; the
# figures are the medians of wall time and of the process's peak resident
# set size (getrusage ru_maxrss, the kernel's own high-water mark: Go heap,
# runtime and buffers included). Findings are generated on the fly, so the
# memory is the renderer's. Run from the project root:
#
#     bash bench/reports.sh          # writes bench/reports.txt
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
out=bench/reports.txt
bin=$(mktemp -d)/reportbench
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./bench/reportbench

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure NAME FORMAT FAILING PASSING: prints "NAME seconds rss"
measure() {
  local name=$1 format=$2 failing=$3 passing=$4 secs=() rss=()
  for _ in $(seq "$RUNS"); do
    line=$("$bin" -format "$format" -failing "$failing" -passing "$passing" -out "$(dirname "$bin")/out.$format")
    secs+=("$(echo "$line" | sed -E 's/.*"seconds":([0-9.e+-]+).*/\1/')")
    rss+=("$(echo "$line" | sed -E 's/.*"max_rss_mib":([0-9.e+-]+).*/\1/')")
  done
  printf '%s %s %s\n' "$name" "$(printf '%s\n' "${secs[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)"
}

{
  echo "# bench/reports.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(go version | cut -d' ' -f3), medians of $RUNS runs"
  printf '%-34s %10s %14s\n' case seconds peak_rss_MiB
  pdf=$(measure pdf-10k-failing pdf 10000 0)
  x10=$(measure xlsx-10k-rows xlsx 1000 9000)
  x100=$(measure xlsx-100k-rows xlsx 10000 90000)
  for l in "$pdf" "$x10" "$x100"; do
    set -- $l
    printf '%-34s %10.2f %14.1f\n' "$1" "$2" "$3"
  done
  r10=$(echo "$x10" | cut -d' ' -f3); r100=$(echo "$x100" | cut -d' ' -f3)
  awk -v a="$r10" -v b="$r100" 'BEGIN { printf "xlsx peak memory 100k/10k rows: %.2f (target <= 1.25)\n", b/a }'
} | tee "$out"
