#!/usr/bin/env bash
# Builds the Debian package of Ariza Desk offline: the release desk and the `ariza` CLI, the
# menu entry and the icon, laid out under /usr and packed by dpkg-deb (what `cargo tauri
# build` would do for the deb target, without fetching the Tauri CLI). Prints the package's
# path and size.
#   scripts/deb.sh [OUT_DIR]      (default: $CARGO_TARGET_DIR/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ariza-target}"
out="${1:-$CARGO_TARGET_DIR/deb}"

(cd ui && npm run --silent build >/dev/null)
cargo build --release -q -p ariza-desk -p ariza-cli

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
arch="$(dpkg --print-architecture)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

install -Dm755 "$CARGO_TARGET_DIR/release/ariza-desk" "$root/usr/bin/ariza-desk"
install -Dm755 "$CARGO_TARGET_DIR/release/ariza" "$root/usr/bin/ariza"
# The release keys this desk trusts for updates: only root can change them once installed.
install -Dm644 "${ARIZA_RELEASE_KEYS_FILE:-packaging/release-keys.pub}" "$root/usr/share/ariza-desk/release-keys.pub"
install -Dm644 icons/128x128.png "$root/usr/share/icons/hicolor/128x128/apps/ariza-desk.png"
install -Dm644 icons/32x32.png "$root/usr/share/icons/hicolor/32x32/apps/ariza-desk.png"
install -d "$root/usr/share/applications" "$root/DEBIAN"
cat >"$root/usr/share/applications/ariza-desk.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Ariza Desk
Comment=Offline-first desk for public service centers
Exec=ariza-desk
Icon=ariza-desk
Categories=Office;
Terminal=false
StartupWMClass=ariza-desk
DESKTOP
size_kb="$(du -sk "$root/usr" | cut -f1)"
cat >"$root/DEBIAN/control" <<CONTROL
Package: ariza-desk
Version: $version
Architecture: $arch
Maintainer: Ariza <it@ariza.uz>
Installed-Size: $size_kb
Depends: libwebkit2gtk-4.1-0, libgtk-3-0, libsoup-3.0-0, libayatana-appindicator3-1 | libappindicator3-1
Recommends: dbus-user-session, gnome-keyring, pkexec | policykit-1
Section: misc
Priority: optional
Homepage: https://ariza.uz
Description: Offline-first desk for public service centers
 Ariza Desk records in-person applications in an encrypted local database and
 delivers them exactly once to the central portal whenever a link exists.
 Includes the ariza command for district IT staff.
CONTROL

mkdir -p "$out"
deb="$out/ariza-desk_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group -Zxz -z9 "$root" "$deb" >/dev/null
bytes="$(stat -c %s "$deb")"
echo "deb: $deb"
echo "deb size: $bytes bytes ($(awk "BEGIN { printf \"%.1f\", $bytes / 1048576 }") MiB); desk binary $(stat -c %s "$CARGO_TARGET_DIR/release/ariza-desk") bytes"
