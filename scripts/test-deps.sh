#!/usr/bin/env bash
# Installs the Debian tools that the tests drive (ip, dig, ...) when they are missing.
# Without root or apt-get it only reports what is missing; the tests that need them skip.
set -euo pipefail

# command -> Debian package
declare -A wanted=(
  [ip]=iproute2
  [dig]=dnsutils
  [ping]=iputils-ping
  [chromium]=chromium
  [iptables]=iptables
)

missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${missing[*]} (need root and apt-get to install them); tests that use them will skip" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
