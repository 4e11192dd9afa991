#!/usr/bin/env bash
# Bundle verification throughput against sha256sum (issue 6).
#
# Builds a 1 GiB bundle (2,048 signed 512 KiB snapshots, stored entries) and,
# in each iteration, times `sha256sum` over the zip and then the verifier over
# the same zip. The figure is the median ratio sha256sum time / verify time;
# the target is at least 0.7. Run from the project root:
#
#     bash bench/bundle-verify.sh            # writes bench/bundle-verify.txt
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/bundle-verify.txt
{
  echo "# bench/bundle-verify.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(sha256sum --version | head -1)"
  go test -run '^$' -bench 'Verify1GiB' -benchtime 5x ./reports/bundle/ | grep -E '^(Benchmark|cpu|goos)'
} | tee "$out"
