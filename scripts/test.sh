#!/usr/bin/env bash
# Builds cosip and runs every test: the doctest suites, the interop tests
# against real peers, the fuzz-corpus replays, and a short libFuzzer run of
# each fuzz target (COSIP_FUZZ_SECONDS, default 60; 0 skips it). Ends on one
# line "N passed, N failed" over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build

status=0
meson test -C build --print-errorlogs --num-processes "$(nproc)" || status=$?
# Cases where a test reports them (doctest, or an interop script's
# "cases: N passed, N failed"), else the test itself.
summary=$(python3 - build/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "")
    m = (re.search(r"test cases:\s*\d+ \|\s*(\d+) passed \|\s*(\d+) failed", out)
         or re.search(r"cases: (\d+) passed, (\d+) failed", out))
    if m:
        passed += int(m.group(1)); failed += int(m.group(2))
    elif t["result"] == "OK":
        passed += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed")
PY
)
if [ "$status" -ne 0 ]; then
  echo "$summary"
  exit "$status"
fi

seconds="${COSIP_FUZZ_SECONDS:-60}"
if [ "$seconds" -gt 0 ]; then
  ./scripts/fuzz.sh "$seconds"
fi
echo "$summary"
