#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS (default 600) with ASan and UBSan,
# starting from the seed corpus in fuzz/corpus/<target> (new inputs go to
# build-fuzz/corpus/<target>, never into the repo). Fails on any crash, leak
# or UB report; prints the number of executions of each target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"

if [ ! -f build-fuzz/build.ninja ]; then
  CXX=clang++ CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled -Dbench=disabled
fi
ninja -C build-fuzz

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for exe in build-fuzz/fuzz/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  target=${exe##*/fuzz_}
  work=build-fuzz/corpus/$target
  mkdir -p "$work"
  echo "--- fuzzing $target for ${seconds}s"
  rc=0
  "$exe" "$work" "fuzz/corpus/$target" -dict="fuzz/$target.dict" -max_total_time="$seconds" \
    -max_len=8192 -print_final_stats=1 -artifact_prefix=build-fuzz/ >"build-fuzz/$target.log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|==[0-9]+==ERROR|runtime error|SUMMARY' \
    "build-fuzz/$target.log" || true
  if [ "$rc" -ne 0 ] || grep -qE '==[0-9]+==ERROR|runtime error' "build-fuzz/$target.log"; then
    echo "fuzz target $target failed (exit $rc); see build-fuzz/$target.log" >&2
    tail -40 "build-fuzz/$target.log" >&2
    exit 1
  fi
done
