#!/usr/bin/env bash
# Schemathesis (from PyPI) against the portal's own OpenAPI document: a real portal on a fresh
# PostgreSQL database, an operator account signed in once for the authenticated routes (its
# bearer token sent with every request; signing out is left out, see schemathesis.toml), every check
# (`--checks all`), positive and negative generation (`--mode all`). The device routes are
# sent through a signing proxy (tests/src/bin/signing_proxy.rs) enrolled as a real device, so
# they are tested signed, beyond their 401. Settings: scripts/schemathesis.toml. Fails on any
# finding.
# The "coverage" and "stateful" phases are left out: the coverage phase stops in Hypothesis's
# lambda introspection with this Python (3.11.7), and no route links to another.
#   bash scripts/schemathesis.sh [MAX_EXAMPLES]      (default 60 per operation)
# Needs PostgreSQL (scripts/setup.sh --test); builds the portal and the proxy first.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-60}"
tools="${ARIZA_TOOLS:-$HOME/.cache/ariza-tools}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
venv="$tools/venv"
version="4.32.5"
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi

portal_bin="$target/debug/ariza-portal"
proxy_bin="$target/debug/signing-proxy"
# Two builds: `--bin` would apply to both packages and leave the portal binary stale.
cargo build -q -p ariza-portal --bin ariza-portal
cargo build -q -p ariza-e2e --bin signing-proxy
admin="${ARIZA_TEST_PG:-postgres://ariza_test:ariza_test@127.0.0.1:5432/postgres}"
db="ariza_st_$$"
base="${admin%/*}"
psql -q "$admin" -c "CREATE DATABASE $db"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"
proxy_port="$(free_port)"
# The proxy's device signs every generated request: a per-device rate that never gets in the way.
# Every request reaches the portal from the proxy's one address: per-address limits that do not either.
export ARIZA_PORTAL_DATABASE_URL="$base/$db" ARIZA_PORTAL_LISTEN="127.0.0.1:$port"
export ARIZA_PORTAL_RATE_PER_MINUTE=1000000 ARIZA_PORTAL_RATE_BURST=100000
export ARIZA_PORTAL_ADDRESS_RATE_PER_MINUTE=1000000 ARIZA_PORTAL_ADDRESS_RATE_BURST=100000
export ARIZA_PORTAL_SIGN_IN_RATE_PER_MINUTE=1000000 ARIZA_PORTAL_SIGN_IN_RATE_BURST=100000
export ARIZA_PORTAL_PASSWORD="st-operator-pass"
"$portal_bin" center add --code STH01 --name "Schemathesis" --region 1726 --district 1726294 >/dev/null
"$portal_bin" user add stop --name "Schemathesis operator" --role operator >/dev/null
enroll_code="$("$portal_bin" enroll-code --center STH01)"
"$portal_bin" serve 2>/dev/null &
server=$!
proxy=""
cleanup() {
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
  sleep 0.1
done
token="$(curl -fs "http://127.0.0.1:$port/api/v1/session" -H 'content-type: application/json' \
  -d "{\"username\": \"stop\", \"password\": \"$ARIZA_PORTAL_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
"$proxy_bin" "http://127.0.0.1:$port" "127.0.0.1:$proxy_port" "$enroll_code" >/dev/null &
proxy=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$proxy_port/api/v1/health" >/dev/null && break
  sleep 0.1
done
# The tus chunks' media type (scripts/schemathesis_hooks.py).
PYTHONPATH="$PWD/scripts" SCHEMATHESIS_HOOKS=schemathesis_hooks \
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run \
  "http://127.0.0.1:$proxy_port/api/openapi.json" \
  --checks all \
  --mode all \
  --header "Authorization: Bearer $token" \
  --max-examples "$examples" \
  --phases examples,fuzzing \
  --seed "${ARIZA_ST_SEED:-20261122}" \
  --workers 2 \
  --no-color
