#!/usr/bin/env bash
# Soak: runs the "daemon killed mid-suite" test (test/daemon/restart.test.ts) N times in a row
# (default 50) and stops at the first failure. Not part of CI: one run takes ~10 s on 2 cores.
#   scripts/soak-restart.sh [N]
# Prints one line per run and a final "passed K of N in a row"; the exit code is 0 only if all passed.
set -u
cd "$(dirname "$0")/.."
n="${1:-50}"
log="$(mktemp -t soak-restart.XXXXXX.log)"
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if node --import tsx --test --test-reporter=spec --test-name-pattern='daemon killed mid-suite' test/daemon/restart.test.ts >"$log" 2>&1; then
    echo "run $i/$n: pass ($(( $(date +%s) - start )) s)"
  else
    echo "run $i/$n: FAIL ($(( $(date +%s) - start )) s) — output:"
    cat "$log"
    echo "passed $((i - 1)) of $n in a row"
    rm -f "$log"
    exit 1
  fi
done
rm -f "$log"
echo "passed $n of $n in a row"
