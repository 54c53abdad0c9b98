#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 20: the short run CI does).
# A longer run, e.g. an hour per target:  bash scripts/fuzz.sh 3600
# Crashes are kept in fuzz/artifacts/<target>/ and reproduce with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
tools="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  echo "fuzz: installing cargo-fuzz into $tools"
  cargo install cargo-fuzz --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"
# libFuzzer's instrumentation needs nightly flags; the one stable toolchain allows them with
# RUSTC_BOOTSTRAP (documented escape hatch, used only for this build).
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}/fuzz"
for target in wire_decoding validators; do
  mkdir -p "fuzz/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  out="$(mktemp)"
  if ! cargo fuzz run "$target" --fuzz-dir fuzz -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$out" 2>&1; then
    tail -n 60 "$out"
    echo "fuzz: $target found a crash (input kept in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  grep -E "^Done [0-9]+ runs" "$out" || true
  rm -f "$out"
done
echo "fuzz: no crashes"
