#!/usr/bin/env bash
# The main job: build cosip in release mode and show it working. Until
# `cosip demo` exists (it needs the session layer), this checks a sample
# INVITE the way a receiving UA does, rejects a broken one, then places a call
# from `cosip call` to `cosip responder` on loopback: INVITE, 180, 200, ACK,
# a re-INVITE, BYE. Last, an Opus audio call to baresip with SRTP: a tone
# each way, played out through cosip's jitter buffer, measured and recorded
# to WAV, and DTMF digits each way.
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
work=$(mktemp -d)
baresip_pid=
trap 'kill $responder $baresip_pid 2>/dev/null; rm -f responder.log; rm -rf "$work"' EXIT
sleep 0.5
$cosip call "sip:demo@127.0.0.1:$port" --reinvite --verbose
echo "--- what the responder saw"
cat responder.log

echo "--- an Opus call over SRTP to baresip: cosip sends 440 Hz and digits 159, baresip 1000 Hz"
peers=tests/interop/peers/baresip
free_port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sip_port=$(free_port)
ctrl_port=$(free_port)
python3 tests/interop/tools/wav_tone.py make "$work/tone.wav" 8000 1000 30
mkdir -p "$work/cfg" "$work/rec"
sed -e "s|@AUDIO_WAV@|$work/tone.wav|" -e "s|@RECORD_DIR@|$work/rec|" \
    -e "s|^sip_listen.*|sip_listen\t\t127.0.0.1:$sip_port|" \
    -e "s|^ctrl_tcp_listen.*|ctrl_tcp_listen\t\t127.0.0.1:$ctrl_port|" "$peers/uas-srtp/config" >"$work/cfg/config"
sed -e "s|127.0.0.1:[0-9]*|127.0.0.1:$sip_port|" "$peers/uas-srtp/accounts" >"$work/cfg/accounts"
baresip -f "$work/cfg" >"$work/baresip.log" 2>&1 &
baresip_pid=$!
python3 tests/interop/tools/baresip_ctrl.py "$ctrl_port" CALL_ESTABLISHED sndcode 42 --timeout 15 >/dev/null 2>&1 &
sleep 1
$cosip call "sip:uas@127.0.0.1:$sip_port" --audio --codec opus --srtp mandatory --dtmf 159 --hangup-ms 4000 \
  --record "$work/call.wav" --expect-tone 1000 --expect-dtmf 42
echo "--- the recording (both directions mixed): 440 Hz share $(python3 tests/interop/tools/wav_tone.py share "$work/call.wav" 440 | cut -d' ' -f1), 1000 Hz share $(python3 tests/interop/tools/wav_tone.py share "$work/call.wav" 1000 | cut -d' ' -f1)"
echo "--- what baresip heard: $(python3 tests/interop/tools/wav_tone.py share "$(ls "$work"/rec/*-dec.wav | head -1)" 440 | cut -d' ' -f1) of its decoded audio at 440 Hz; digits $(grep -o "received event: '.' (end=1)" "$work/baresip.log" | cut -d"'" -f2 | tr -d '\n')"
