#!/usr/bin/env bash
# P7, the desk's figures side by side in one run: cold start to the sign-in screen (median
# of 10 under Xvfb), memory (Pss summed over the desk and its WebKit processes) after sign-in
# and after filing 100 applications, the .deb's size and the UI bundle's. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
deb="$(bash scripts/deb.sh | tee /dev/stderr | sed -n 's/^deb: //p')"
export ARIZA_DEB="$deb" ARIZA_DESK_BINARY="$CARGO_TARGET_DIR/release/ariza-desk"
export PATH="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}/bin:$PATH"
xvfb-run -a -s "-screen 0 1280x900x24" \
  cargo test -q -p ariza-e2e --test desk_figures -- --ignored --nocapture 2>&1 | grep '^P7'
