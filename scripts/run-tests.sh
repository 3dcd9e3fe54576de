#!/usr/bin/env bash
# `npm test`: every test file. The soak (test/soak, EDGEVPN_SOAK_MINUTES minutes, default 10) mostly
# waits on its own namespaces, so it runs in a second vitest process beside the rest of the suite
# instead of adding its minutes to the wall time; the 30-daemon mesh test shares that lane, one
# file after the other. Arguments run vitest on just those files.
set -uo pipefail

if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi

soak_log=$(mktemp -t edgevpn-soak-XXXXXX.log)
npx vitest run --no-file-parallelism test/soak/ >"$soak_log" 2>&1 &
soak_pid=$!
# the soak leaves with the suite when the suite is interrupted
trap 'kill -INT "$soak_pid" 2>/dev/null; wait "$soak_pid"; rm -f "$soak_log"' INT TERM

npx vitest run --exclude 'test/soak/**'
suite=$?

echo "== soak (started with the suite; waiting for it to finish) =="
wait "$soak_pid"
soak=$?
cat "$soak_log"
rm -f "$soak_log"

if [ "$suite" -ne 0 ] || [ "$soak" -ne 0 ]; then
  echo "npm test: failed (suite exit $suite, soak exit $soak)" >&2
  exit 1
fi
