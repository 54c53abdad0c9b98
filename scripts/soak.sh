#!/usr/bin/env bash
# The long soak of the exactly-once guarantee: the fault-proxy test with many more rounds, over
# several seeds. Usage: scripts/soak.sh [ROUNDS] [RUNS]   (defaults: 5000 rounds, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
bash scripts/setup.sh --test
rounds="${1:-5000}"
runs="${2:-5}"
for run in $(seq 1 "$runs"); do
  echo "== soak run $run of $runs: $rounds rounds"
  ARIZA_FAULT_ROUNDS="$rounds" cargo test -q -p ariza-e2e --test sync exactly_once -- --nocapture
done
