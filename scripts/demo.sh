#!/usr/bin/env bash
# The main job: build cosip in release mode and show it working. Until
# `cosip demo` exists (it needs the session layer), this checks a sample
# INVITE the way a receiving UA does, rejects a broken one, then places a call
# from `cosip call` to `cosip responder` on loopback: INVITE, 180, 200, ACK,
# a re-INVITE, BYE.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=disabled -Dbench=disabled
ninja -C build-release apps/cosip
cosip=./build-release/apps/cosip

echo "--- cosip parse sip apps/samples/invite.sip"
$cosip parse sip apps/samples/invite.sip
echo "--- cosip parse sip apps/samples/bad-cseq.sip (a UA must reject it)"
if $cosip parse sip apps/samples/bad-cseq.sip; then
  echo "unexpected: the malformed sample was accepted" >&2
  exit 1
fi

port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "--- cosip responder on udp:127.0.0.1:$port, and a call to it"
$cosip responder --listen "udp:127.0.0.1:$port" --verbose > responder.log 2>&1 &
responder=$!
trap 'kill $responder 2>/dev/null; rm -f responder.log' EXIT
sleep 0.5
$cosip call "sip:demo@127.0.0.1:$port" --reinvite --verbose
echo "--- what the responder saw"
cat responder.log
