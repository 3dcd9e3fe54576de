#!/bin/sh
# Installs edgevpn as a systemd service from this (built) checkout:
#
#   <bindir>/edgevpn                                       launcher: the built CLI on the pinned Node
#   /etc/systemd/system/edgevpn@.service                   the unit, ExecStart = the launcher
#   /etc/systemd/system.conf.d/edgevpn-kairos.env.example  the environment file Kairos writes
#   /etc/modules-load.d/edgevpn.conf                       loads the tun module at boot
#
# then reloads systemd. Usage (as root, after `npx tsc -b`):
#
#   packages/vpn-daemon/scripts/install-systemd.sh [--root DIR] [--bindir DIR] [--no-reload]
#
#   --root DIR     install under DIR (a staging tree; implies --no-reload)
#   --bindir DIR   where the launcher goes (default /usr/local/bin)
#   --no-reload    do not run `systemctl daemon-reload`
#
# Then: write /etc/systemd/system.conf.d/edgevpn-<name>.env (at least EDGEVPNTOKEN) and run
# `systemctl enable --now edgevpn@<name>`.
set -eu

fail () {
  echo "install-systemd.sh: $*" >&2
  exit 1
}

root=''
bindir=/usr/local/bin
reload=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || fail '--root needs a directory'; root=$2; reload=no; shift 2 ;;
    --bindir) [ $# -ge 2 ] || fail '--bindir needs a directory'; bindir=$2; shift 2 ;;
    --no-reload) reload=no; shift ;;
    -h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
case "$bindir" in
  *[!A-Za-z0-9/._-]*) fail "--bindir may only hold letters, digits and / . _ -, got '$bindir'" ;;
  /*) ;;
  *) fail "--bindir must be an absolute path, got '$bindir'" ;;
esac

package=$(cd "$(dirname "$0")/.." && pwd -P)
checkout=$(cd "$package/../.." && pwd -P)
node=$(readlink -f "$checkout/node_modules/.bin/node" 2>/dev/null) || node=''
cli="$package/dist/cli/edgevpn.js"
[ -n "$node" ] && [ -x "$node" ] || fail "no pinned Node at $checkout/node_modules/.bin/node (install the workspace first)"
[ -f "$cli" ] || fail "$cli is missing: build first (npx tsc -b)"
case "$checkout" in
  *"'"*) fail "the checkout path contains a quote: $checkout" ;;
  /home/*|/root/*|/run/user/*) fail "$checkout is hidden from the service by ProtectHome=yes; use a checkout outside /home and /root (e.g. /opt/edgevpn)" ;;
esac

unitdir="$root/etc/systemd/system"
mkdir -p "$root$bindir" "$unitdir" "$root/etc/systemd/system.conf.d" "$root/etc/modules-load.d"

launcher="$root$bindir/edgevpn"
cat > "$launcher.tmp" <<LAUNCHER
#!/bin/sh
# edgevpn, installed by install-systemd.sh from $checkout
exec '$node' '$cli' "\$@"
LAUNCHER
chmod 0755 "$launcher.tmp"
mv "$launcher.tmp" "$launcher"

sed "s#^ExecStart=/usr/local/bin/edgevpn\$#ExecStart=$bindir/edgevpn#" "$package/systemd/edgevpn@.service" > "$unitdir/edgevpn@.service"
chmod 0644 "$unitdir/edgevpn@.service"
install -m 0644 "$package/systemd/edgevpn-kairos.env.example" "$root/etc/systemd/system.conf.d/edgevpn-kairos.env.example"
echo tun > "$root/etc/modules-load.d/edgevpn.conf"

if [ "$reload" = yes ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
echo "installed $launcher and $unitdir/edgevpn@.service"
echo "next: write /etc/systemd/system.conf.d/edgevpn-<name>.env (EDGEVPNTOKEN=...), then: systemctl enable --now edgevpn@<name>"
