#!/usr/bin/env bash
# The main job: build cosip in release mode and run it. Until `cosip demo`
# exists (it needs the session layer), this checks a sample INVITE the way a
# receiving UA does and prints its canonical form.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=disabled -Dbench=disabled
ninja -C build-release cosip
echo "--- cosip parse sip apps/samples/invite.sip"
./build-release/apps/cosip parse sip apps/samples/invite.sip
echo "--- cosip parse sip apps/samples/bad-cseq.sip (a UA must reject it)"
if ./build-release/apps/cosip parse sip apps/samples/bad-cseq.sip; then
  echo "unexpected: the malformed sample was accepted" >&2
  exit 1
fi
