#!/usr/bin/env bash
# Interop: RTP and SRTP with baresip 1.0.0 (Debian), started here on loopback
# with the recipe configs of peers/baresip (uas: auto-answer; uas-srtp: the
# account demands SRTP, mediaenc=srtp-mand). `cosip call --audio` calls it:
#   - cosip sends a 440 Hz tone as PCMU; baresip's sndfile module records
#     what it decoded (dump-*-dec.wav), which must hold the tone;
#   - baresip plays a 1000 Hz tone from a WAV file; cosip decodes it and
#     fails unless the tone is there (--expect-tone);
#   - cosip sends the RFC 4733 digits 159, which baresip must log as
#     received; baresip sends 42 (ctrl_tcp `sndcode`), which cosip must
#     report (--expect-dtmf);
#   - tshark captures the call on loopback and decodes it (RTP and RTCP
#     found through the SIP's SDP): RTP, RTCP and RFC 4733 events present,
#     no malformed packet.
# Cases: plain RTP, SRTP mandatory on both sides, and a cosip that offers
# no SRTP to the SRTP-mandatory account (refused: 488). Then the same call
# with ICE (`cosip call --ice`, baresip's ice module: medianat=ice), plain
# and with SRTP: both sides run connectivity checks (baresip 1.0.0 is a full
# agent; tshark counts its Binding requests) and the audio and digits go
# over the pair ICE selected. baresip leaves loopback out of its candidates,
# so both gather on the machine's other IPv4 interface: the test needs one.
# Usage: baresip_rtp_test.sh COSIP_BINARY PEERS_DIR TOOLS_DIR
set -u
cosip=$1
peers=$2
tools=$3
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
command -v baresip >/dev/null || { echo "baresip is not installed (package baresip)"; exit 1; }
command -v tshark >/dev/null || { echo "tshark is not installed (package tshark)"; exit 1; }
work=$(mktemp -d)
passed=0
failed=0
baresip_pid=
ctrl_pid=
tshark_pid=
dummy_added=
cleanup() {
  [ -n "$dummy_added" ] && ip link del cosip-ice0 2>/dev/null
  [ -n "$tshark_pid" ] && kill "$tshark_pid" 2>/dev/null
  [ -n "$ctrl_pid" ] && kill "$ctrl_pid" 2>/dev/null
  [ -n "$baresip_pid" ] && kill "$baresip_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

python3 "$tools/wav_tone.py" make "$work/tone1000.wav" 8000 1000 30

# start_baresip RECIPE DIR: baresip with RECIPE's config on free ports;
# sets sip_port, ctrl_port, rtp_first (its 20 RTP ports), baresip_pid.
start_baresip() {
  local recipe=$1 dir=$2
  mkdir -p "$dir/cfg" "$dir/rec"
  sip_port=$(free_port 2)  # SIP, and SIP over TLS on the next port
  ctrl_port=$(free_port)
  rtp_first=$(( ( $(free_port) / 2 ) * 2 ))
  sed -e "s|@AUDIO_WAV@|$work/tone1000.wav|" -e "s|@RECORD_DIR@|$dir/rec|" \
      -e "s|^sip_listen.*|sip_listen\t\t127.0.0.1:$sip_port|" \
      -e "s|^ctrl_tcp_listen.*|ctrl_tcp_listen\t\t127.0.0.1:$ctrl_port|" \
      -e "s|^rtp_ports.*|rtp_ports\t\t$rtp_first-$((rtp_first + 19))|" \
      "$peers/$recipe/config" >"$dir/cfg/config"
  sed -e "s|127.0.0.1:[0-9]*|127.0.0.1:$sip_port|" "$peers/$recipe/accounts" >"$dir/cfg/accounts"
  baresip -f "$dir/cfg" >"$dir/baresip.log" 2>&1 &
  baresip_pid=$!
  for _ in $(seq 50); do
    udp_port_bound "$sip_port" && return 0
    sleep 0.1
  done
  echo "baresip did not start:"; tail -20 "$dir/baresip.log"; return 1
}

stop_baresip() {
  [ -n "$ctrl_pid" ] && { kill "$ctrl_pid" 2>/dev/null; wait "$ctrl_pid" 2>/dev/null; }
  ctrl_pid=
  kill "$baresip_pid" 2>/dev/null
  wait "$baresip_pid" 2>/dev/null
  baresip_pid=
}

check() { # NAME CONDITION-DESCRIPTION RESULT(0/1)
  if [ "$3" = 0 ]; then passed=$((passed + 1)); echo "ok   $1: $2"
  else failed=$((failed + 1)); echo "FAIL $1: $2"; fi
}

# call_case NAME RECIPE SRTP [COSIP-OPTION...]
call_case() {
  local name=$1 recipe=$2 srtp=$3 dir="$work/$1"
  shift 3
  start_baresip "$recipe" "$dir" || { check "$name" "baresip started" 1; return; }
  python3 "$tools/baresip_ctrl.py" "$ctrl_port" CALL_ESTABLISHED sndcode 42 --timeout 20 >"$dir/ctrl.log" 2>&1 &
  ctrl_pid=$!
  for _ in $(seq 50); do grep -q connected "$dir/ctrl.log" 2>/dev/null && break; sleep 0.1; done
  # Only this call: its SIP and baresip's RTP ports (the far end of every
  # media packet); other tests may be sending RTP on loopback meanwhile.
  tshark -i lo -f "udp port $sip_port or udp portrange $rtp_first-$((rtp_first + 19))" -w "$dir/call.pcap" \
    >"$dir/tshark.log" 2>&1 &
  tshark_pid=$!
  for _ in $(seq 100); do grep -q "Capture started" "$dir/tshark.log" 2>/dev/null && break; sleep 0.1; done
  "$cosip" call "sip:uas@127.0.0.1:$sip_port" --audio --srtp "$srtp" "$@" --tone-hz 440 --dtmf 159 \
    --hangup-ms 4000 --expect-tone 1000 --expect-dtmf 42 --timeout 20 >"$dir/cosip.out" 2>&1
  local rc=$?
  sleep 0.5
  kill -INT "$tshark_pid" 2>/dev/null; wait "$tshark_pid" 2>/dev/null; tshark_pid=
  stop_baresip
  check "$name" "cosip call exit 0 (1000 Hz tone and digits 42 received)" "$rc"
  [ "$rc" = 0 ] || { cat "$dir/cosip.out"; tail -30 "$dir/baresip.log"; }
  local dec
  dec=$(ls "$dir"/rec/dump-*-dec.wav 2>/dev/null | head -1)
  local share=0
  [ -n "$dec" ] && share=$(python3 "$tools/wav_tone.py" share "$dec" 440 | cut -d' ' -f1)
  python3 -c "import sys; sys.exit(0 if float('$share') > 0.5 else 1)"
  check "$name" "baresip decoded cosip's 440 Hz tone (energy share $share)" $?
  local digits
  digits=$(grep -o "received event: '[0-9*#A-D]' (end=1)" "$dir/baresip.log" | cut -d"'" -f2 | tr -d '\n')
  [ "$digits" = 159 ]
  check "$name" "baresip received the digits 159 (got '$digits')" $?
  # RTP is found by tshark's heuristic: SDP-based decoding misses a
  # direction when ICE moved the media off the m= line's address. The
  # heuristics go first: a random port may be one that Wireshark gives to
  # another protocol (seen in coturn-ice: an agent on 37008 read as TZSP).
  local decode=(tshark -r "$dir/call.pcap" -o udp.try_heuristic_first:TRUE -d "udp.port==$sip_port,sip"
    --enable-heuristic rtp_udp)
  local baresip_ports="udp.%s >= $rtp_first && udp.%s <= $((rtp_first + 19))"
  local malformed rtp rtp_in rtcp events
  # Under SRTP tshark reads the ciphertext as RTP payloads and RTCP reports,
  # so a malformed verdict on an (S)RTP or (S)RTCP frame says nothing of our
  # framing (the same headers are checked strictly in the plain cases); seen
  # once: 10 such frames in an ice-srtp call. Everything else must be clean.
  local malformed_filter=_ws.malformed
  [ "$srtp" = mandatory ] && malformed_filter="_ws.malformed && !rtp && !rtcp"
  malformed=$("${decode[@]}" -Y "$malformed_filter" 2>/dev/null | wc -l)
  "${decode[@]}" -Y _ws.malformed -T fields -e frame.number -e frame.protocols -e _ws.col.Info 2>/dev/null | head -5
  # shellcheck disable=SC2059
  rtp=$("${decode[@]}" -Y "rtp && !rtpevent && $(printf "$baresip_ports" dstport dstport)" 2>/dev/null | wc -l)
  # shellcheck disable=SC2059
  rtp_in=$("${decode[@]}" -Y "rtp && !rtpevent && $(printf "$baresip_ports" srcport srcport)" 2>/dev/null | wc -l)
  rtcp=$("${decode[@]}" -Y rtcp.version 2>/dev/null | wc -l)  # RTCP and SRTCP
  events=$("${decode[@]}" -Y rtpevent 2>/dev/null | wc -l)
  # Under SRTP the events' payload is encrypted: tshark cannot see them.
  local want_events=12
  [ "$srtp" = mandatory ] && want_events=0
  # 4 s of 20 ms packets each way, less the digits' time.
  [ "$malformed" = 0 ] && [ "$rtp" -gt 150 ] && [ "$rtp_in" -gt 150 ] && [ "$rtcp" -ge 1 ] && [ "$events" -ge "$want_events" ]
  check "$name" "tshark: $rtp RTP to baresip, $rtp_in from it, $rtcp RTCP, $events RFC 4733 packets, $malformed malformed" $?
  if [ "$srtp" = mandatory ]; then
    grep -q "RTP/SAVP" "$dir/cosip.out" 2>/dev/null || grep -q "SRTP AES_CM_128_HMAC_SHA1" "$dir/cosip.out"
    check "$name" "the call used SRTP" $?
  fi
}

call_case plain uas off
call_case srtp-mandatory uas-srtp mandatory

# Opus (RFC 7587) both ways, played out through cosip's jitter buffer, and
# the call recorded: the WAV must hold both tones, cosip's 440 Hz and
# baresip's 1000 Hz.
call_case opus uas off --codec opus --record "$work/opus/call.wav"
grep -q "codec opus/48000/2" "$work/opus/cosip.out"
check opus "the call used Opus: $(grep -o 'codec [^;]*' "$work/opus/cosip.out" | head -1)" $?
rec440=$(python3 "$tools/wav_tone.py" share "$work/opus/call.wav" 440 2>/dev/null | cut -d' ' -f1)
rec1000=$(python3 "$tools/wav_tone.py" share "$work/opus/call.wav" 1000 2>/dev/null | cut -d' ' -f1)
python3 -c "import sys; sys.exit(0 if float('${rec440:-0}') > 0.2 and float('${rec1000:-0}') > 0.2 else 1)"
check opus "the recording holds both directions (440 Hz share $rec440, 1000 Hz share $rec1000)" $?

# A cosip without SRTP calling the SRTP-mandatory account: baresip refuses
# the offer (488) and cosip reports the failed call.
# Ringback and speaker: baresip's account answers by hand (answermode=
# manual), so it sends 180 and the test accepts 2 s later. cosip plays a
# 425 Hz ringback WAV on its speaker (a WAV file here) from the 180 until
# the answer, then what its jitter buffer plays: baresip's 1000 Hz.
dir="$work/ringback"
python3 "$tools/wav_tone.py" make "$work/ring425.wav" 8000 425 1
if start_baresip uas-ring "$dir"; then
  python3 "$tools/baresip_ctrl.py" "$ctrl_port" CALL_INCOMING accept --delay 2 --timeout 20 >"$dir/ctrl.log" 2>&1 &
  ctrl_pid=$!
  for _ in $(seq 50); do grep -q connected "$dir/ctrl.log" 2>/dev/null && break; sleep 0.1; done
  "$cosip" call "sip:uas@127.0.0.1:$sip_port" --audio --speaker "wav:$dir/speaker.wav" --ringback "$work/ring425.wav" \
    --hangup-ms 3000 --expect-tone 1000 --timeout 20 >"$dir/cosip.out" 2>&1
  rc=$?
  stop_baresip
  check ringback "cosip call exit 0 (answered after 180, 1000 Hz tone received)" "$rc"
  [ "$rc" = 0 ] || { cat "$dir/cosip.out"; tail -20 "$dir/baresip.log"; }
  ringback_frames=$(grep -o '[0-9]* of ringback' "$dir/cosip.out" | cut -d' ' -f1)
  [ "${ringback_frames:-0}" -ge 72000 ] && [ "${ringback_frames:-0}" -le 192000 ]
  check ringback "ringback played from the 180 to the answer: ${ringback_frames:-0} frames at 48 kHz (1.5 to 4 s expected)" $?
  ring=$(python3 "$tools/wav_tone.py" share "$dir/speaker.wav" 425 0.2 1.4 2>/dev/null | cut -d' ' -f1)
  call=$(python3 "$tools/wav_tone.py" share "$dir/speaker.wav" 1000 3.5 5 2>/dev/null | cut -d' ' -f1)
  ring_late=$(python3 "$tools/wav_tone.py" share "$dir/speaker.wav" 425 3.5 5 2>/dev/null | cut -d' ' -f1)
  python3 -c "import sys; sys.exit(0 if float('${ring:-0}') > 0.9 and float('${call:-0}') > 0.9 and float('${ring_late:-1}') < 0.05 else 1)"
  check ringback "speaker: 425 Hz share $ring while ringing, then 1000 Hz share $call and 425 Hz share $ring_late" $?
fi

dir="$work/refused"
if start_baresip uas-srtp "$dir"; then
  "$cosip" call "sip:uas@127.0.0.1:$sip_port" --audio --srtp off --expect 488 --timeout 10 >"$dir/cosip.out" 2>&1
  rc=$?
  stop_baresip
  check refused "plain RTP offered to an SRTP-mandatory account gets 488" "$rc"
  [ "$rc" = 0 ] || cat "$dir/cosip.out"
fi

# ice_case NAME RECIPE SRTP: call_case with --ice; its capture also holds
# the STUN checks.
ice_case() {
  local name=$1 dir="$work/$1" pcap="$work/$1/call.pcap"
  call_case "$@" --ice
  grep -q "media: ICE pair host" "$dir/cosip.out"
  check "$name" "cosip: $(grep -o 'ICE pair.*' "$dir/cosip.out" | head -1)" $?
  grep -q "connectivity check is complete" "$dir/baresip.log" && grep -q "mnat 'ice' connected" "$dir/baresip.log"
  check "$name" "baresip: ICE checks complete, media over the pair" $?
  # Binding requests (RFC 8445 §7.2.2) each way: from baresip's ports (a full
  # agent checks too; a lite one would only answer) and to them.
  local from to
  from=$(tshark -r "$pcap" -Y "stun.type == 0x0001 && udp.srcport >= $rtp_first && udp.srcport <= $((rtp_first + 19))" 2>/dev/null | wc -l)
  to=$(tshark -r "$pcap" -Y "stun.type == 0x0001 && udp.dstport >= $rtp_first && udp.dstport <= $((rtp_first + 19))" 2>/dev/null | wc -l)
  [ "$from" -gt 0 ] && [ "$to" -gt 0 ]
  check "$name" "Binding requests: $to from cosip, $from from baresip" $?
}

# baresip leaves loopback out of its ICE candidates, so the ICE calls need
# another IPv4 address on this machine. One with only loopback (a bare CI
# container) gets an interface with a TEST-NET-2 address for the test's
# duration (a dummy one, or a veth pair where the dummy driver is missing);
# if even that cannot be made, the ICE cases fail.
if ! ip -4 -o addr show scope global 2>/dev/null | grep -q inet; then
  if ip link add cosip-ice0 type dummy 2>/dev/null ||
     ip link add cosip-ice0 type veth peer name cosip-ice1 2>/dev/null; then
    dummy_added=1
    ip addr add 198.51.100.1/24 dev cosip-ice0
    ip link set cosip-ice1 up 2>/dev/null
    ip link set cosip-ice0 up
  fi
fi

ice_case ice uas-ice off
ice_case ice-srtp uas-ice-srtp mandatory

echo "cases: $passed passed, $failed failed"
[ "$failed" = 0 ]
