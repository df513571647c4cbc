#!/usr/bin/env bash
# Runs the whole suite (unit, then integration against real etcd and HAProxy) and ends with the
# plain "N passed, N failed" line that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
log=.tmp/test.log
node_modules/.bin/bun test --timeout 120000 test/unit test/integration 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$passed" = 0 ] && [ "$status" = 0 ]; then status=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
