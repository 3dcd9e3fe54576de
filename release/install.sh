#!/bin/sh
# Installs this edgevpn release: the folder goes to <prefix>/lib/edgevpn (replacing an older release
# there) and <prefix>/bin/edgevpn and edgevpn-role-agent point into it, so `edgevpn` is on PATH for a
# plain systemd unit (`ExecStart=edgevpn`, as Kairos writes it). No Node, compiler or checkout needed.
#
#   ./install.sh [--prefix DIR] [--root DIR]
#
#   --prefix DIR   where to install (default /usr/local)
#   --root DIR     install into DIR as the root of another system (an image being built)
set -eu

fail () {
  echo "install.sh: $*" >&2
  exit 1
}

prefix=/usr/local
root=''
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail '--prefix needs a directory'; prefix=$2; shift 2 ;;
    --root) [ $# -ge 2 ] || fail '--root needs a directory'; root=$2; shift 2 ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
case "$prefix" in
  /*) ;;
  *) fail "--prefix must be an absolute path, got '$prefix'" ;;
esac

release=$(cd "$(dirname "$0")" && pwd -P)
[ -x "$release/node/bin/node" ] && [ -d "$release/app/node_modules" ] || fail "$release is not a whole release folder (node/ or app/ is missing); unpack the tarball again"
arch=$(cat "$release/ARCH")
# the release's Node must run here (natively, or through qemu-user for another CPU)
"$release/node/bin/node" -e 0 2>/dev/null || [ -n "$root" ] || fail "this release is for linux-$arch and does not run on this $(uname -m) machine; download the release for its CPU"

target="$root$prefix/lib/edgevpn"
mkdir -p "$root$prefix/lib" "$root$prefix/bin"
rm -rf "$target.new"
cp -R "$release" "$target.new"
rm -rf "$target.old"
[ ! -e "$target" ] || mv "$target" "$target.old"
mv "$target.new" "$target"
rm -rf "$target.old"
for command in edgevpn edgevpn-role-agent; do
  ln -sf "../lib/edgevpn/bin/$command" "$root$prefix/bin/$command"
done
echo "installed edgevpn $(cat "$target/VERSION") (linux-$arch) in $target; $prefix/bin/edgevpn is on PATH"
