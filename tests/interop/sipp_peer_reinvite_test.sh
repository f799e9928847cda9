#!/usr/bin/env bash
# Interop: re-INVITEs from the peer (RFC 3261 §14.2, RFC 3264 §8). `cosip
# call --audio --codec PCMU` calls SIPp (sip-tester) running
# sipp/uas_peer_reinvite.xml, which answers with PCMU and then re-INVITEs
# cosip three times, 2 s apart: an offer of PCMA only, an offer of G722 only
# (a codec cosip lacks), and no offer; then it hangs up. tshark captures the
# call on loopback. Then it holds the call (PCMA, a=sendonly) and hangs up.
# Asserted:
#   - SIPp's scenario completes: cosip's 200 to the first re-INVITE carries
#     an SDP answer (Content-Type application/sdp) whose m= line lists
#     payload type 8 only; the second gets 488; the 200 to the third offers
#     a session with PCMA in it, which SIPp's ACK answers; the answer to the
#     hold says a=recvonly;
#   - on the wire: cosip's RTP is payload type 0 until the first re-INVITE
#     and payload type 8 from its 200 to the end, through the 488 and the
#     offerless re-INVITE (at least 50 packets in each 2 s stretch), none of
#     another type, and none after the hold's 200 (the peer only sends); cosip's o= session id stays, and its version is one up
#     in the first answer and again in the offer of the third 200 (each
#     changed the session: RFC 3264 §8);
#   - cosip reports the codec it switched to (PCMA/8000/1) and exits 0 on
#     SIPp's BYE; no malformed packet in the capture.
# Then the same scenario against `cosip call` without --audio (signalling
# only, no RTP): SIPp's checks of the answers pass the same way (they
# failed when such a call answered re-INVITEs with a bare 200).
# Usage: sipp_peer_reinvite_test.sh COSIP_BINARY SCENARIO_DIR
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
media_port=$(free_port)
tshark -i lo -f udp -w "$work/call.pcap" >"$work/tshark.log" 2>&1 &
tshark_pid=$!
for _ in $(seq 100); do grep -q "Capture started" "$work/tshark.log" 2>/dev/null && break; sleep 0.1; done
# call_scenario NAME COSIP_OPTION...: SIPp runs the scenario once and
# `cosip call` calls it; $work/NAME.out holds cosip's output, NAME.sipp.err
# and NAME.sipp.log SIPp's; the checks every run shares are made, prefixed
# with NAME.
call_scenario() {
  local name=$1; shift
  timeout 60 sipp -i 127.0.0.1 -p "$sip_port" -mp "$media_port" -m 1 -nostdin -sf "$scenarios/uas_peer_reinvite.xml" \
    -trace_err -error_file "$work/$name.sipp.err" -trace_logs -log_file "$work/$name.sipp.log" >/dev/null 2>&1 &
  sipp_pid=$!
  sleep 0.5
  "$cosip" call "sip:service@127.0.0.1:$sip_port" "$@" --hangup-ms -1 --timeout 30 >"$work/$name.out" 2>&1
  local cosip_rc=$?
  wait "$sipp_pid"
  local sipp_rc=$?
  sipp_pid=
  cat "$work/$name.out"
  [ -f "$work/$name.sipp.log" ] && cat "$work/$name.sipp.log"
  check "$name: cosip call exit 0 (the call ended by SIPp's BYE)" [ "$cosip_rc" = 0 ]
  check "$name: SIPp's scenario completed (PCMA-only answer, 488, offer in the 200, recvonly)" [ "$sipp_rc" = 0 ]
  [ "$sipp_rc" = 0 ] || { head -c 3000 "$work/$name.sipp.err"; echo; }
  check "$name: cosip answered the PCMA offer" grep -q "^re-INVITE: answered$" "$work/$name.out"
  check "$name: cosip refused the G722 offer with 488" grep -q "^re-INVITE: 488" "$work/$name.out"
  check "$name: cosip took the ACK's answer to its offer" grep -q "^re-INVITE: the ACK's answer applied$" "$work/$name.out"
}

call_scenario audio --audio --codec PCMU
sleep 0.5
kill -INT "$tshark_pid" 2>/dev/null; wait "$tshark_pid" 2>/dev/null; tshark_pid=
check "cosip reports the codec it switched to: PCMA/8000/1" grep -q "media: codec PCMA/8000/1;" "$work/audio.out"

decode=(tshark -r "$work/call.pcap" -d "udp.port==$sip_port,sip" -d "udp.port==$media_port,rtp")
malformed=$("${decode[@]}" -Y _ws.malformed 2>/dev/null | wc -l)
check "no malformed packet in the capture ($malformed)" [ "$malformed" = 0 ]
# SIP both ways: time, direction, method or status, CSeq number, m= line, o= session id and version.
"${decode[@]}" -Y sip -T fields -E occurrence=f -e frame.time_relative -e udp.dstport -e sip.Method \
  -e sip.Status-Code -e sip.CSeq.seq -e sdp.media -e sdp.owner.sessionid -e sdp.owner.version 2>/dev/null >"$work/sip.txt"
"${decode[@]}" -Y rtp -T fields -e frame.time_relative -e udp.srcport -e udp.dstport -e rtp.p_type \
  2>/dev/null >"$work/rtp.txt"
python3 - "$work/sip.txt" "$work/rtp.txt" "$sip_port" "$media_port" <<'PY' || failures=$((failures + 1))
import sys
sip = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
rtp = [line.split("\t") for line in open(sys.argv[2]) if line.strip()]
sip_port, media_port = sys.argv[3], sys.argv[4]
def first(pred):
    return next((r for r in sip if pred(r)), None)
# Rows: time, dstport, method, status, cseq, m=, session id, version.
invite = first(lambda r: r[2] == "INVITE" and r[1] == sip_port)  # cosip's INVITE
reinvite = [first(lambda r, n=n: r[2] == "INVITE" and r[1] != sip_port and r[4] == n) for n in ("1", "2", "3", "4")]
replies = (("1", "200"), ("2", "488"), ("3", "200"), ("4", "200"))
reply = [first(lambda r, n=n, c=c: r[1] == sip_port and r[3] == c and r[4] == n) for n, c in replies]
ok = True
def check(what, cond):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
check("the capture has cosip's INVITE, SIPp's four re-INVITEs and cosip's 200, 488, 200, 200",
      invite is not None and all(reinvite) and all(reply))
if not ok:
    print("\n".join("\t".join(r) for r in sip))
    sys.exit(1)
print(f"cosip's INVITE: m={invite[5]}, o= {invite[6]} {invite[7]}; answer to PCMA: m={reply[0][5]}, o= {reply[0][6]} "
      f"{reply[0][7]}; offer in the 200: m={reply[2][5]}, o= {reply[2][6]} {reply[2][7]}")
check("the answer's m= line lists payload type 8 only", reply[0][5].split()[3:] == ["8"])
check("the 488 carries no SDP", reply[1][5] == "")
check("the offer in the 200 lists payload type 8", "8" in reply[2][5].split()[3:])
check("cosip's o= session id stays", invite[6] == reply[0][6] == reply[2][6])
check("cosip's o= version is one up in the answer (RFC 3264 §8)", int(reply[0][7]) == int(invite[7]) + 1)
# The offer lists all our codecs again, not the answer's PCMA only: a change, one up again.
check("cosip's o= version is one up again in the offer", int(reply[2][7]) == int(reply[0][7]) + 1)
t_reinvite = [float(r[0]) for r in reinvite]
t_reply = [float(r[0]) for r in reply]
sent = [(float(t), int(pt)) for t, src, dst, pt in rtp if dst == media_port]  # cosip -> SIPp
other = sorted({pt for t, pt in sent if pt not in (0, 8)})
before = [pt for t, pt in sent if t < t_reinvite[0]]
after = [pt for t, pt in sent if t_reply[0] < t < t_reinvite[3]]
held = [pt for t, pt in sent if t > t_reply[3]]
def stretch(a, b):
    return sum(1 for t, pt in sent if a < t < b and pt == 8)
print(f"cosip's RTP: {len(before)} packets before the first re-INVITE ({before.count(0)} PCMU), {len(after)} after "
      f"its 200 ({after.count(8)} PCMA); PCMA between the 200 and the 488: {stretch(t_reply[0], t_reply[1])}, "
      f"between the 488 and the third re-INVITE: {stretch(t_reply[1], t_reinvite[2])}, between its 200 and the "
      f"hold: {stretch(t_reply[2], t_reinvite[3])}, after the hold's 200: {len(held)}; other payload types: {other}")
check("cosip's RTP is PCMU (PT 0) before the first re-INVITE", len(before) >= 50 and set(before) == {0})
check("cosip's RTP is PCMA (PT 8) from the answer to the hold", len(after) >= 150 and set(after) == {8})
check("cosip still sends PCMA after the 488 and after the offerless re-INVITE",
      stretch(t_reply[1], t_reinvite[2]) >= 50 and stretch(t_reply[2], t_reinvite[3]) >= 50)
check("cosip sends no RTP once it answered the hold with recvonly", not held)
check("no RTP of another payload type", not other)
sys.exit(0 if ok else 1)
PY
# Signalling only: the same answers, without media.
call_scenario signalling

echo "peer re-INVITE checks: $failures failed"
[ "$failures" -eq 0 ]
