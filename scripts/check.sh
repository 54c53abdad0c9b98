#!/usr/bin/env bash
# The fast inner loop, before every commit: formatting, lints, the unit and store tests, the
# locale-key check and the UI's type check and unit tests. No PostgreSQL, no GUI, no fuzzing:
# a few minutes with a warm build cache. It stops at the first failure.
# The whole suite, as CI runs it: bash scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export NO_COLOR=1

step() { printf '\n== %s\n' "$*"; }

# The desk's packages and the UI's node_modules; quick when nothing is missing.
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI type check"
(cd ui && npm run --silent check)

# The desk embeds ui/dist at compile time, so clippy needs one; any build will do for lints.
if [ ! -f ui/dist/index.html ]; then
  step "UI build (ui/dist is missing)"
  (cd ui && npm run --silent build)
fi

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "unit, property and store tests"
# Everything here runs on temporary SQLite files; the PostgreSQL tests live in tests/ (ariza-e2e)
# and run in scripts/test.sh.
cargo test -p ariza-core -p ariza-store -p ariza-sync -p ariza-portal --lib --tests

step "every message key in every locale"
cargo test -p ariza-e2e --test locales

step "UI unit tests (Vitest)"
(cd ui && npm run --silent test)

echo
echo "check: all passed (the whole suite: bash scripts/test.sh)"
