#!/usr/bin/env bash
# Interop: a codec switch by re-INVITE against a real peer. `cosip call
# --audio --codec PCMU --reinvite` calls SIPp (sip-tester) running
# sipp/uas_codec_switch.xml: SIPp answers the INVITE with PCMU and, 2 s
# later, cosip's re-INVITE (which offered PCMU, PCMA and Opus again) with
# PCMA only; it streams a 1000 Hz tone coded as the codec of the moment
# (rtp_stream; an echo of cosip's own packets would carry cosip's SSRC, which
# cosip rightly drops as a loop, RFC 3550 §8.2). tshark captures the call on
# loopback. Asserted:
#   - on the wire, cosip's RTP to SIPp is payload type 0 (PCMU) up to the
#     re-INVITE's 200 and payload type 8 (PCMA) after it: at least 50
#     packets of each, no PCMU packet after the first PCMA one, none of
#     either type else, and the first PCMA one after that 200;
#   - SIPp's PCMA after the switch is decoded by the decoder cosip made for
#     it (`cosip call` reports codec PCMA/8000/1; --expect-tone 1000 fails
#     unless at least a second of what was decoded after the switch, which
#     starts the report's audio afresh, is SIPp's 1000 Hz);
#   - no malformed packet in the capture.
# Usage: sipp_codec_switch_test.sh COSIP_BINARY SCENARIO_DIR
set -u
cosip=$1
scenarios=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_sipp
command -v tshark >/dev/null || { echo "tshark is not installed (package tshark)"; exit 1; }
work=$(mktemp -d)
sipp_pid=
tshark_pid=
cleanup() {
  [ -n "$tshark_pid" ] && kill "$tshark_pid" 2>/dev/null
  [ -n "$sipp_pid" ] && kill "$sipp_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

sip_port=$(free_port)
# SIPp's tone, coded raw as each codec (SIPp skips a WAV header, decodes nothing).
python3 -W ignore - "$work" <<'PY'
import audioop, math, struct, sys
pcm = b"".join(struct.pack("<h", int(16383 * math.sin(2 * math.pi * 1000 * n / 8000))) for n in range(8000))
open(sys.argv[1] + "/tone.pcmu", "wb").write(audioop.lin2ulaw(pcm, 2))
open(sys.argv[1] + "/tone.pcma", "wb").write(audioop.lin2alaw(pcm, 2))
PY
sed -e "s|@PCMU@|$work/tone.pcmu|" -e "s|@PCMA@|$work/tone.pcma|" "$scenarios/uas_codec_switch.xml" >"$work/uas.xml"
tshark -i lo -f udp -w "$work/call.pcap" \
  >"$work/tshark.log" 2>&1 &
tshark_pid=$!
for _ in $(seq 100); do grep -q "Capture started" "$work/tshark.log" 2>/dev/null && break; sleep 0.1; done
timeout 60 sipp -i 127.0.0.1 -p "$sip_port" -m 1 -nostdin -sf "$work/uas.xml" -trace_err -error_file "$work/sipp.err" \
  -trace_logs -log_file "$work/sipp.log" >/dev/null 2>&1 &
sipp_pid=$!
sleep 0.5
"$cosip" call "sip:service@127.0.0.1:$sip_port" --audio --codec PCMU --reinvite --hangup-ms 3000 \
  --tone-hz 440 --expect-tone 1000 --timeout 20 >"$work/cosip.out" 2>&1
cosip_rc=$?
wait "$sipp_pid"
sipp_rc=$?
sipp_pid=
sleep 0.5
kill -INT "$tshark_pid" 2>/dev/null; wait "$tshark_pid" 2>/dev/null; tshark_pid=
cat "$work/cosip.out"
check "cosip call exit 0 (SIPp's 1000 Hz decoded after the switch)" [ "$cosip_rc" = 0 ]
check "SIPp's scenario completed (the re-INVITE offered PCMA)" [ "$sipp_rc" = 0 ]
[ "$sipp_rc" = 0 ] || head -c 3000 "$work/sipp.err"
check "cosip reports the codec it switched to: PCMA/8000/1" grep -q "media: codec PCMA/8000/1;" "$work/cosip.out"

# RTP found through the SDP in the SIP (tshark's conversation setup).
decode=(tshark -r "$work/call.pcap" -d "udp.port==$sip_port,sip")
malformed=$("${decode[@]}" -Y _ws.malformed 2>/dev/null | wc -l)
check "no malformed packet in the capture ($malformed)" [ "$malformed" = 0 ]
# The re-INVITE's 200: CSeq 2 INVITE, from SIPp.
answered=$("${decode[@]}" -Y "sip.Status-Code == 200 && sip.CSeq.seq == 2 && sip.CSeq.method == \"INVITE\"" \
  -T fields -e frame.time_relative 2>/dev/null | head -1)
# cosip's RTP port: the m= line of its INVITE.
cosip_port=$("${decode[@]}" -Y "sip.Method == \"INVITE\" && sip.CSeq.seq == 1" -T fields -e sdp.media.port 2>/dev/null | head -1)
"${decode[@]}" -Y rtp -T fields -e frame.time_relative -e udp.srcport -e udp.dstport -e rtp.p_type 2>/dev/null >"$work/rtp.txt"
python3 - "$work/rtp.txt" "${cosip_port:-0}" "${answered:-}" <<'PY' || failures=$((failures + 1))
import sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
cosip_port, answered = sys.argv[2], float(sys.argv[3]) if sys.argv[3] else None
sent = [(float(t), int(pt)) for t, src, dst, pt in rows if src == cosip_port]      # cosip -> SIPp
received = [(float(t), int(pt)) for t, src, dst, pt in rows if dst == cosip_port]  # SIPp -> cosip
pcmu = [t for t, pt in sent if pt == 0]
pcma = [t for t, pt in sent if pt == 8]
other = [pt for t, pt in sent if pt not in (0, 8)]
received_pcmu = sum(1 for t, pt in received if pt == 0)
received_pcma = sum(1 for t, pt in received if pt == 8)
print(f"cosip's RTP: {len(pcmu)} PCMU (PT 0) packets until {max(pcmu, default=0):.3f} s, {len(pcma)} PCMA (PT 8) "
      f"from {min(pcma, default=0):.3f} s, {len(other)} of other types; re-INVITE answered at "
      f"{answered if answered is not None else 'never'} s; SIPp sent {received_pcmu} PCMU and {received_pcma} PCMA packets")
ok = (answered is not None and len(pcmu) >= 50 and len(pcma) >= 50 and not other and max(pcmu) < min(pcma)
      and min(pcma) >= answered and received_pcmu >= 50 and received_pcma >= 50)
print(("ok  " if ok else "FAIL") + " cosip's payload type 0 before the re-INVITE's answer, 8 after it")
sys.exit(0 if ok else 1)
PY
echo "codec switch checks: $failures failed"
[ "$failures" -eq 0 ]
