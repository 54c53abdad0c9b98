#!/usr/bin/env bash
# Installs what Ariza needs on Debian/Ubuntu, idempotently: only what is missing.
#   scripts/setup.sh          the desk (build tools, WebKitGTK, Node packages)
#   scripts/setup.sh --test   also what the tests need (Xvfb, WebKitWebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(build-essential pkg-config file curl libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev)
if [ "$want_test" = 1 ]; then
  packages+=(xvfb xauth webkit2gtk-driver postgresql python3 python3-venv chromium chromium-driver
    poppler-utils zbar-tools)
fi
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust (cargo) is needed: https://rustup.rs" >&2
  exit 1
fi

# Node packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi

if [ "$want_test" = 1 ]; then
  # PostgreSQL for the portal's tests: a running cluster and a test role that may create and
  # drop the tests' own databases. Tests connect over TCP on 127.0.0.1 with a password.
  cluster="$(pg_lsclusters -h 2>/dev/null | head -n 1)"
  if [ -z "$cluster" ]; then
    ver="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
    as_root pg_createcluster "$ver" main
    cluster="$(pg_lsclusters -h | head -n 1)"
  fi
  read -r pg_ver pg_name pg_port pg_status _ <<<"$cluster"
  if [ "$pg_status" != "online" ]; then
    as_root pg_ctlcluster "$pg_ver" "$pg_name" start
  fi
  as_root su postgres -c "psql -p $pg_port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ariza_test'\"" | grep -q 1 ||
    as_root su postgres -c "psql -p $pg_port -c \"CREATE ROLE ariza_test LOGIN SUPERUSER PASSWORD 'ariza_test'\""

  tools="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}"
  if [ ! -x "$tools/bin/tauri-driver" ]; then
    echo "setup: installing tauri-driver into $tools"
    cargo install tauri-driver --locked --version '^2' --root "$tools"
  fi
fi
