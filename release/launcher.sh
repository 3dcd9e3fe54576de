#!/bin/sh
# @COMMAND@ from an edgevpn release: the release's own Node runs the release's own packages, wherever the
# release folder was installed (this file is reached through a symlink on PATH).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../node/bin/node" "$here/../app/node_modules/@ENTRY@" "$@"
