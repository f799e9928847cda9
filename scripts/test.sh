#!/usr/bin/env bash
# Builds cosip and runs every test: the doctest suites, the fuzz-corpus
# replays, and a short libFuzzer run of each fuzz target (COSIP_FUZZ_SECONDS,
# default 60; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build
meson test -C build --print-errorlogs --num-processes "$(nproc)"

seconds="${COSIP_FUZZ_SECONDS:-60}"
if [ "$seconds" -gt 0 ]; then
  ./scripts/fuzz.sh "$seconds"
fi
