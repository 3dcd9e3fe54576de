#!/usr/bin/env bash
# Builds Go edgevpn, the reference peer of the interop tests, once, from the Go module proxy, into a
# cache outside the checkout; prints the binary's path. Without Go it prints nothing and exits 0 (the
# tests that need it skip with the reason).
#
# v0.35.4 is the version to test against; where the proxy refuses it, v0.35.3. Their go.mod replaces
# go-libp2p-pubsub by a fork (gossip over relayed connections); where the proxy refuses the fork, the
# upstream v0.16.0 it forks is used, which differs only on relayed connections. BUILD-INFO beside the
# binary says what was built.
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgevpn-test/go"
binary="$cache/edgevpn"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-go-edgevpn: no Go toolchain; the Go interop tests will skip" >&2; exit 0; }

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod
dir=''
for version in v0.35.4 v0.35.3; do
  dir=$(go mod download -json "github.com/mudler/edgevpn@$version" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Dir", ""))' || true)
  [ -n "$dir" ] && break
  echo "build-go-edgevpn: the module proxy refuses github.com/mudler/edgevpn@$version" >&2
done
[ -n "$dir" ] || { echo "build-go-edgevpn: no Go edgevpn version could be downloaded; the Go interop tests will skip" >&2; exit 0; }

cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
# the web UI is embedded from a folder the module zip leaves out
mkdir -p "$work/src/api/react-ui/dist"
echo '<!doctype html>' > "$work/src/api/react-ui/dist/index.html"
cd "$work/src"
pubsub=$(go mod edit -json | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin).get("Replace") or [] if x["Old"]["Path"]=="github.com/libp2p/go-libp2p-pubsub"]; print(r[0]["New"]["Path"]+"@"+r[0]["New"]["Version"] if r else "")')
note="github.com/mudler/edgevpn@$version"
if [ -n "$pubsub" ] && ! go mod download "$pubsub" >/dev/null 2>&1; then
  echo "build-go-edgevpn: the module proxy refuses $pubsub; building with upstream go-libp2p-pubsub v0.16.0" >&2
  go mod edit -dropreplace github.com/libp2p/go-libp2p-pubsub
  go get github.com/libp2p/go-libp2p-pubsub@v0.16.0 >/dev/null 2>&1
  note="$note with github.com/libp2p/go-libp2p-pubsub@v0.16.0 instead of $pubsub"
fi
echo "build-go-edgevpn: building $note" >&2
CGO_ENABLED=0 go build -o "$work/edgevpn" . >&2
mkdir -p "$cache"
echo "$note" > "$cache/BUILD-INFO"
mv "$work/edgevpn" "$binary"
echo "$binary"
