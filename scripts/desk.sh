#!/usr/bin/env bash
# Quick start: installs what is missing, builds and opens Ariza Desk with its embedded SQLite
# database (in the OS app-data folder, or ARIZA_DB). Extra arguments go to the desk
# (e.g. --db /path/to/ariza.db).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build -p ariza-desk --release
exec "$CARGO_TARGET_DIR/release/ariza-desk" "$@"
