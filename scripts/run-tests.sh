#!/usr/bin/env bash
# `npm test`: every test file, in two vitest processes side by side. The second lane holds the
# files that mostly wait on their own namespaces and clocks: the soak (test/soak, EDGEVPN_SOAK_MINUTES
# minutes, default 10), the 30-daemon mesh test, and the Go token rotation test (six 30 s OTP
# rotations); run beside the rest of the suite, their minutes do not add to the wall time.
# Arguments run vitest on just those files.
set -uo pipefail

if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi

waiting_lane=(test/soak/ test/interop/go-token-rotation.spec.ts)
lane_log=$(mktemp -t edgevpn-lane2-XXXXXX.log)
npx vitest run --no-file-parallelism "${waiting_lane[@]}" >"$lane_log" 2>&1 &
lane_pid=$!
# the second lane leaves with the suite when the suite is interrupted
trap 'kill -INT "$lane_pid" 2>/dev/null; wait "$lane_pid"; rm -f "$lane_log"' INT TERM

npx vitest run --exclude 'test/soak/**' --exclude 'test/interop/go-token-rotation.spec.ts'
suite=$?

echo "== second lane: ${waiting_lane[*]} (started with the suite; waiting for it to finish) =="
wait "$lane_pid"
lane=$?
cat "$lane_log"
rm -f "$lane_log"

if [ "$suite" -ne 0 ] || [ "$lane" -ne 0 ]; then
  echo "npm test: failed (suite exit $suite, second lane exit $lane)" >&2
  exit 1
fi
