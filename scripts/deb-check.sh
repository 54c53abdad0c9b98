#!/usr/bin/env bash
# The Debian package end to end, on this (CI) machine: built offline, installed with dpkg -i,
# the installed desk started under Xvfb on a fresh database and seen running with its window,
# then removed, leaving no binary behind. Needs root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

deb="$(bash scripts/deb.sh | tee /dev/stderr | sed -n 's/^deb: //p')"
as_root dpkg -i "$deb"
trap 'as_root dpkg -r ariza-desk >/dev/null 2>&1 || true' EXIT
test -x /usr/bin/ariza-desk
/usr/bin/ariza --version

home="$(mktemp -d)"
log="$home/desk.log"
HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" ARIZA_DB="$home/ariza.db" \
  xvfb-run -a -s "-screen 0 1280x900x24" timeout 20 /usr/bin/ariza-desk >"$log" 2>&1 &
runner=$!
# Up when its window exists (the log says it started and the database file is made).
for _ in $(seq 1 60); do
  if [ -f "$home/ariza.db" ] && grep -q "Ariza Desk starting" "$home"/logs/* 2>/dev/null; then
    break
  fi
  sleep 0.25
done
sleep 2
if ! kill -0 "$runner" 2>/dev/null; then
  echo "the installed desk did not stay up:" >&2
  cat "$log" >&2
  exit 1
fi
test -f "$home/ariza.db"
echo "installed desk started and is running"
kill "$runner" 2>/dev/null || true
wait "$runner" 2>/dev/null || true

# The installed `ariza update` refuses a package signed by a key the package does not ship,
# even when pointed at that key: a release build never reads ARIZA_RELEASE_KEYS.
test -s /usr/share/ariza-desk/release-keys.pub
cargo build -q -p ariza-release
signer="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}/debug/ariza-release"
forge="$home/forge"
mkdir -p "$forge/tree/DEBIAN"
printf 'Package: ariza-desk\nVersion: 9.9.9\nArchitecture: %s\nMaintainer: x <x@x.invalid>\nDescription: forged\n' \
  "$(dpkg --print-architecture)" >"$forge/tree/DEBIAN/control"
dpkg-deb --build --root-owner-group "$forge/tree" "$forge/ariza-desk_9.9.9.deb" >/dev/null
ARIZA_RELEASE_KEY_PASSWORD=forger "$signer" keygen --dir "$forge" >/dev/null
ARIZA_RELEASE_KEY_PASSWORD=forger "$signer" sign "$forge/ariza-desk_9.9.9.deb" --key "$forge/ariza-release.key" >/dev/null
cli() {
  env DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent ARIZA_LANG=en ARIZA_PASSWORD=admin-pass-1 \
    /usr/bin/ariza --db "$home/cli.db" "$@"
}
cli init --center-code and01 --center-name "Andijon DXM" --region 1703 --district 1703401 \
  --admin admin --admin-name "Bahodir Aliyev" >/dev/null
if ARIZA_RELEASE_KEYS="$forge/ariza-release.pub" cli update --as admin "$forge/ariza-desk_9.9.9.deb" 2>"$forge/refusal"; then
  echo "the installed ariza installed a package signed by an untrusted key" >&2
  exit 1
fi
grep -q "signature is not valid" "$forge/refusal"
test "$(dpkg-query --showformat='${Version}' --show ariza-desk)" != "9.9.9"
echo "installed ariza refused a forged update: $(cat "$forge/refusal")"

as_root dpkg -r ariza-desk
trap - EXIT
if [ -e /usr/bin/ariza-desk ]; then
  echo "removing the package left /usr/bin/ariza-desk" >&2
  exit 1
fi
echo "package removed"
rm -rf "$home"
