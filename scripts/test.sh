#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, Rust tests (unit, property, store,
# CLI, crash, sync, security), stale UI bindings, UI type check and unit tests, a short fuzz run,
# schemathesis against the portal's OpenAPI document, and the GUI end-to-end test in the real
# desk under Xvfb. Screenshots: test-output/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh --test

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI build (the desk embeds ui/dist)"
(cd ui && npm run --silent build)

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (also regenerates the UI bindings)"
# The portal binary itself is run by tests/tests/portal_binary.rs.
cargo build -q -p ariza-portal
cargo test --workspace 2>&1 | tee -a "$log"

step "UI bindings are up to date"
if git rev-parse --git-dir >/dev/null 2>&1; then
  stale="$(git status --porcelain -- ui/src/bindings)"
  if [ -n "$stale" ]; then
    echo "UI bindings are stale; commit the regenerated files:" >&2
    echo "$stale" >&2
    git --no-pager diff --stat -- ui/src/bindings >&2
    exit 1
  fi
else
  echo "(not a git checkout: skipped)"
fi

step "UI type check and unit tests"
(cd ui && npm run --silent check && NO_COLOR=1 npm run --silent test) 2>&1 | tee -a "$log"

step "fuzz: every cargo-fuzz target, briefly (a longer run: bash scripts/fuzz.sh 3600)"
bash scripts/fuzz.sh "${ARIZA_FUZZ_SECONDS:-20}"

step "schemathesis against the portal's own OpenAPI document"
bash scripts/schemathesis.sh "${ARIZA_ST_EXAMPLES:-60}" 2>&1 | tail -n 25

step "GUI end to end (real desk, WebKitGTK, Xvfb, WebDriver)"
(cd ui && npm run --silent build)
cargo build -p ariza-desk
PATH="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}/bin:$PATH" \
  xvfb-run -a -s "-screen 0 1280x900x24" \
  cargo test -p ariza-e2e --test gui -- --ignored --nocapture --test-threads=1 2>&1 | tee -a "$log"

passed=$( (grep -Eo 'test result: ok\. [0-9]+ passed' "$log" || true) | awk '{s+=$4} END {print s+0}')
ui_passed=$( (grep -Eo 'Tests +[0-9]+ passed' "$log" || true) | awk '{s+=$2} END {print s+0}')
echo
echo "screenshots: $(pwd)/test-output/screenshots"
echo "$((passed + ui_passed)) passed, 0 failed"
