#!/usr/bin/env bash
# Builds the Kairos role harness (test/interop/kairos-harness/main.go) inside a copy of
# provider-kairos v2.16.4, whose role code is internal to that module, into a cache outside the
# checkout; prints the binary's path. Where Go or the provider-kairos source is missing it prints
# nothing and exits 0 (the tests that need it skip with the reason).
#
# The source comes from the Go module proxy, or, where the proxy refuses the module (it does today),
# from $PROVIDER_KAIROS_SRC or $cache/provider-kairos-v2.16.4 (a checkout of tag v2.16.4). Its
# kube-vip v1.2.3 is refused by the proxy too; v1.2.2 (same Config type) replaces it then.
# BUILD-INFO beside the binary says what was built.
set -euo pipefail

version=v2.16.4
cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgevpn-test/kairos"
binary="$cache/evtharness"
harness="$(cd "$(dirname "$0")/.." && pwd)/test/interop/kairos-harness/main.go"
stamp="$version $(sha256sum "$harness" | cut -c1-16)"
if [ -x "$binary" ] && [ "$(cat "$cache/STAMP" 2>/dev/null)" = "$stamp" ]; then
  echo "$binary"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-kairos-harness: no Go toolchain; the Kairos role tests will skip" >&2; exit 0; }

export GOFLAGS=-mod=mod
src=$(go mod download -json "github.com/kairos-io/provider-kairos/v2@$version" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Dir", ""))' || true)
if [ -z "$src" ]; then
  for candidate in "${PROVIDER_KAIROS_SRC:-}" "$cache/provider-kairos-$version"; do
    if [ -n "$candidate" ] && [ -f "$candidate/internal/role/auto.go" ]; then src=$candidate; break; fi
  done
fi
if [ -z "$src" ]; then
  echo "build-kairos-harness: the Go module proxy refuses github.com/kairos-io/provider-kairos/v2@$version and no checkout of it is at \$PROVIDER_KAIROS_SRC or $cache/provider-kairos-$version; the Kairos role tests will skip" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
mkdir -p "$work/src/internal/evtharness"
cp "$harness" "$work/src/internal/evtharness/main.go"
cd "$work/src"
note="github.com/kairos-io/provider-kairos/v2@$version from $src"
kubevip=$(go mod edit -json | python3 -c 'import json,sys; r=[x["Version"] for x in json.load(sys.stdin)["Require"] if x["Path"]=="github.com/kube-vip/kube-vip"]; print(r[0] if r else "")')
if [ -n "$kubevip" ] && ! go mod download "github.com/kube-vip/kube-vip@$kubevip" >/dev/null 2>&1; then
  echo "build-kairos-harness: the module proxy refuses github.com/kube-vip/kube-vip@$kubevip; using v1.2.2" >&2
  go mod edit -replace "github.com/kube-vip/kube-vip=github.com/kube-vip/kube-vip@v1.2.2"
  note="$note, kube-vip v1.2.2 instead of $kubevip"
fi
echo "build-kairos-harness: building $note" >&2
CGO_ENABLED=0 go build -o "$work/evtharness" ./internal/evtharness >&2
mkdir -p "$cache"
echo "$note" > "$cache/BUILD-INFO"
mv "$work/evtharness" "$binary"
echo "$stamp" > "$cache/STAMP"
echo "$binary"
