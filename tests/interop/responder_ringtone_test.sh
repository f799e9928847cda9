#!/usr/bin/env bash
# Interop: SIPp (sip-tester) calls `cosip responder --ring-ms 1500` whose
# speaker is a WAV file, with a default inbound ringtone (620 Hz, 48 kHz)
# and one for sip:alice@example.com (440 Hz, 8 kHz: resampled). Three calls
# in turn: alice (From "Alice" <sip:alice@EXAMPLE.com;transport=udp>, found
# as the same address of record, RFC 3261 §10.3), bob (the default), alice
# again cancelling 800 ms after the 180. The speaker file must hold exactly
# three stretches of sound, where the responder says it rang: 440 Hz, 620 Hz,
# 440 Hz, each the tone alone (energy share >= 0.9, the other tone < 0.1),
# the first two about as long as the ring (the answer stops them), the last
# ending at the CANCEL; silence before, between and after.
# Usage: responder_ringtone_test.sh COSIP_BINARY SCENARIO_DIR TOOLS_DIR
set -u
cosip=$1
scenarios=$2
tools=$3
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_sipp
work=$(mktemp -d)
responder_pid=
cleanup() {
  [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null && wait "$responder_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() { # check DESCRIPTION COMMAND...: one line, counted when it fails
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

python3 "$tools/wav_tone.py" make "$work/alice.wav" 8000 440 3
python3 "$tools/wav_tone.py" make "$work/default.wav" 48000 620 3
port=$(free_port)
"$cosip" responder --listen "udp:127.0.0.1:$port" --ring-ms 1500 --speaker "wav:$work/speaker.wav" \
  --ringtone "$work/default.wav" --ringtone-for "sip:alice@example.com=$work/alice.wav" >"$work/responder.log" 2>&1 &
responder_pid=$!
for _ in $(seq 50); do grep -q "listening on udp" "$work/responder.log" && break; sleep 0.1; done

call() { # call SCENARIO CALLER [CANCEL_MS]
  sed -e "s|@CALLER@|$2|g" -e "s|@CANCEL_MS@|${3:-0}|g" "$scenarios/$1.xml" >"$work/$1.xml"
  timeout 30 sipp "127.0.0.1:$port" -i 127.0.0.1 -p "$(free_port)" -m 1 -nostdin -sf "$work/$1.xml" \
    -trace_err -error_file "$work/$1.err" >/dev/null 2>&1
}
sleep 0.5
check "alice's call answered after ringing" call uac_ringing '"Alice" <sip:alice@EXAMPLE.com;transport=udp>'
sleep 0.5
check "bob's call answered after ringing" call uac_ringing '<sip:bob@example.com>'
sleep 0.5
check "alice's call cancelled while ringing" call uac_ringing_cancel '<sip:alice@example.com>' 800
sleep 0.5
kill "$responder_pid"; wait "$responder_pid" 2>/dev/null; responder_pid=
echo "responder said:"; grep "ringing" "$work/responder.log"

python3 - "$tools" "$work/speaker.wav" "$work/responder.log" <<'PY' || failures=$((failures + 1))
import re, sys
sys.path.insert(0, sys.argv[1])
import wav_tone
speaker, log = sys.argv[2], open(sys.argv[3]).read()
# The responder's own account: file played and when, when and why it stopped.
started = [(m[1], float(m[2])) for m in re.finditer(r"ringing: (\S+) for \S+ from speaker time ([\d.]+) s", log)]
stopped = [(m[1], float(m[2])) for m in re.finditer(r"ringing: stopped \((\w+)\) at speaker time ([\d.]+) s", log)]
found = wav_tone.segments(speaker)
expected = [("alice.wav", 440, 620, "answered", 1.5), ("default.wav", 620, 440, "answered", 1.5),
            ("alice.wav", 440, 620, "cancelled", 0.8)]
bad = 0
if not (len(found) == len(started) == len(stopped) == 3):
    print(f"FAIL {len(found)} stretches of sound on the speaker, {len(started)} ringtones started, "
          f"{len(stopped)} stopped; 3 expected: {found}")
    sys.exit(1)
for (begin, end), (file, start), (why, stop), (want_file, hz, other, want_why, ring) in zip(found, started, stopped, expected):
    tone = wav_tone.share(speaker, hz, begin, end)[0]
    wrong = wav_tone.share(speaker, other, begin, end)[0]
    # The WAV's sound where the responder says it rang (a 20 ms frame either
    # way); as long as the ring (the answer's timer, or the CANCEL 0.8 s
    # after the 180) within 0.25 s.
    ok = (file.endswith(want_file) and why == want_why and tone >= 0.9 and wrong < 0.1
          and abs(begin - start) <= 0.021 and abs(end - stop) <= 0.021 and abs((end - begin) - ring) <= 0.25)
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {want_file} ({why}): sound {begin:.3f}-{end:.3f} s ({end - begin:.3f} s), "
          f"responder {start:.3f}-{stop:.3f} s; {hz} Hz share {tone:.3f}, {other} Hz share {wrong:.3f}")
sys.exit(1 if bad else 0)
PY
echo "ringtone checks: $failures failed"
[ "$failures" -eq 0 ]
