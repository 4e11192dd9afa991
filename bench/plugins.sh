#!/usr/bin/env bash
# Plugin overhead (issue 7). Target: collecting 10,000 small snapshots
# through a plugin takes at most 3x as long as with the same collector built
# in. BenchmarkPluginOverhead (plugins/bench_test.go) times one Collect call
# of each, alternately, in the same process run (the plugin is a real
# subprocess: the test binary in its plugin mode) and reports their ratio.
# The figures are the medians over COUNT runs. Run from the project root:
#
#     bash bench/plugins.sh          # writes bench/plugins.txt
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
out=bench/plugins.txt
raw=$(go test ./plugins -run '^$' -bench PluginOverhead -benchtime 10x -count "$COUNT" 2>/dev/null | grep '^BenchmarkPluginOverhead')

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { echo "$raw" | awk -v unit="$1" '{for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1)}' | median; }

builtin=$(field builtin-ms/op)
plugin=$(field plugin-ms/op)
ratio=$(field plugin/builtin)
{
  echo "# bench/plugins.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(go env GOVERSION), medians of $COUNT runs x 10 collections"
  echo "case                                  built-in_ms  plugin_ms  ratio"
  printf "collect-10000-small-snapshots        %11s  %9s  %5s\n" "$builtin" "$plugin" "$ratio"
  echo "plugin/built-in: $ratio (target <= 3)"
} | tee "$out"
