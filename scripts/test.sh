#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run runs exactly this), on a fresh Debian/Ubuntu
# machine or a warm one: set-up, formatting, lints, Rust tests (unit, property, store, CLI,
# crash, sync, security), stale UI bindings, UI type check and unit tests, a short fuzz run,
# schemathesis against the portal's OpenAPI document, and the GUI end-to-end test in the real
# desk under Xvfb. Screenshots: test-output/screenshots/.
#
# Every step runs even when an earlier one failed, so that the last line counts everything:
# the runners' own counts (cargo test, Vitest, the GUI test), and one pass or fail for each
# step that is a check rather than a runner (fmt, clippy, UI build, bindings, type check, fuzz,
# schemathesis). A runner that fails without reporting a failed test (it did not build, say)
# counts as one failure. The exit status is 1 when anything failed.
# The fast inner loop is scripts/check.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export NO_COLOR=1
out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

passed=0
failed=0
failed_steps=()
step_no=0

step() { printf '\n== %s\n' "$*"; }

# A runner's own counts from its output in $1, as "PASSED FAILED": cargo test's
# "test result: ok. 12 passed; 0 failed; …" lines and Vitest's "Tests  1 failed | 11 passed (12)".
counts_in() {
  local cargo_p cargo_f vitest_p vitest_f
  read -r cargo_p cargo_f < <(
    grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$1" |
      awk '{p += $4; f += $6} END {print p + 0, f + 0}'
  )
  read -r vitest_p vitest_f < <(
    grep -E '^ *Tests +[0-9]' "$1" |
      awk '{
        for (i = 2; i <= NF; i++) {
          if ($i ~ /^passed/) p += $(i - 1)
          if ($i ~ /^failed/) f += $(i - 1)
        }
      } END {print p + 0, f + 0}'
  )
  echo "$((cargo_p + vitest_p)) $((cargo_f + vitest_f))"
}

# The failed tests named in a runner's output in $1: cargo's "test a::b ... FAILED" lines and
# the binary that held them ("Running tests/x.rs (…)"), and Vitest's "FAIL  file > test" lines.
failed_test_names() {
  awk '
    /^ *Running / { binary = $2 }
    /^test .* \.\.\. FAILED$/ { sub(/^test /, ""); sub(/ \.\.\. FAILED$/, ""); print binary ": " $0 }
    /^ *(×|FAIL) / { sub(/^ +/, ""); print }
  ' "$1" | sort -u | head -n 20
}

# run_tests NAME COMMAND…: a runner that reports its own passed and failed counts.
run_tests() {
  local name="$1" out status p f
  shift
  step "$name"
  step_no=$((step_no + 1))
  out="$out_dir/$step_no.log"
  "$@" 2>&1 | tee "$out"
  status="${PIPESTATUS[0]}"
  read -r p f < <(counts_in "$out")
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1 # it failed without naming a failed test: count the step itself
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" -ne 0 ] || [ "$f" -ne 0 ]; then
    failed_steps+=("$name ($f failed)")
    # The names too: a report that keeps only the run's last lines must still say which.
    while IFS= read -r test_name; do
      failed_steps+=("    $test_name")
    done < <(failed_test_names "$out")
  fi
}

# run_check NAME COMMAND…: a step that is one check, passed or failed by its exit status.
run_check() {
  local name="$1"
  shift
  step "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
  fi
}

bindings_are_current() {
  if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "(not a git checkout: skipped)"
    return 0
  fi
  local stale
  stale="$(git status --porcelain -- ui/src/bindings)"
  if [ -n "$stale" ]; then
    echo "UI bindings are stale; commit the regenerated files:" >&2
    echo "$stale" >&2
    git --no-pager diff --stat -- ui/src/bindings >&2
    return 1
  fi
}

workspace_tests() {
  # The portal binary itself is run by tests/tests/portal_binary.rs.
  cargo build -q -p ariza-portal || return 1
  # --no-fail-fast: one failing test binary must not hide the results of the others.
  cargo test --workspace --no-fail-fast
}

schemathesis_tail() {
  bash scripts/schemathesis.sh "${ARIZA_ST_EXAMPLES:-60}" 2>&1 | tail -n 25
  return "${PIPESTATUS[0]}"
}

gui_tests() {
  cargo build -p ariza-desk || return 1
  PATH="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}/bin:$PATH" \
    xvfb-run -a -s "-screen 0 1280x900x24" \
    cargo test -p ariza-e2e --test gui -- --ignored --nocapture --test-threads=1
}

# Set-up runs here and only here (.ci/run does not run it again). Nothing after it can work
# without it, so a failed set-up stops the run.
step "setup"
if ! bash scripts/setup.sh --test; then
  echo "setup failed: nothing was tested" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

run_check "cargo fmt --check" cargo fmt --all -- --check

# Built once: the desk embeds ui/dist at compile time (clippy and the tests build it), and the
# GUI test runs that same build.
run_check "UI build (the desk embeds ui/dist)" bash -c 'cd ui && npm run --silent build'

run_check "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings

run_tests "cargo test (also regenerates the UI bindings)" workspace_tests

run_check "UI bindings are up to date" bindings_are_current

run_check "UI type check" bash -c 'cd ui && npm run --silent check'

run_tests "UI unit tests (Vitest)" bash -c 'cd ui && npm run --silent test'

run_check "fuzz: every cargo-fuzz target, briefly (a longer run: bash scripts/fuzz.sh 3600)" \
  bash scripts/fuzz.sh "${ARIZA_FUZZ_SECONDS:-20}"

run_check "schemathesis against the portal's own OpenAPI document" schemathesis_tail

run_tests "GUI end to end (real desk, WebKitGTK, Xvfb, WebDriver)" gui_tests

run_check "Debian package: built offline, installed with dpkg -i, started under Xvfb, removed" \
  bash scripts/deb-check.sh

echo
echo "screenshots: $(pwd)/test-output/screenshots"
if [ "${#failed_steps[@]}" -gt 0 ]; then
  echo "failed steps:"
  printf '  %s\n' "${failed_steps[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
