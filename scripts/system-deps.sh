#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Benchline needs, only those missing.
# Usage: scripts/system-deps.sh [device|browser|server|all]   (default: all)
# "device": libimobiledevice and usbmuxd for the bench; "browser": Chromium, in
# which `npm start` opens the app and the end-to-end tests drive it; "server":
# PostgreSQL, which the server's tests start a throwaway cluster of (the server
# itself needs none: it embeds PGlite by default).
set -euo pipefail

want="${1:-all}"
packages=()
case "$want" in
  device) packages=(libimobiledevice6 libimobiledevice-utils usbmuxd libusb-1.0-0) ;;
  browser) packages=(chromium) ;;
  server) packages=(postgresql) ;;
  all) packages=(libimobiledevice6 libimobiledevice-utils usbmuxd libusb-1.0-0 chromium postgresql) ;;
  *) echo "usage: $0 [device|browser|server|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Benchline needs these packages: ${missing[*]}. Install them with your system's package manager." >&2
  exit 1
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
