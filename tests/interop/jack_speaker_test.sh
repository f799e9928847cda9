#!/usr/bin/env bash
# Interop: `--speaker system` plays through PortAudio into a real sound
# server: jackd with its dummy driver (no hardware), started here under its
# own server name. Two cases, each a call to `cosip responder --ring-ms 3000`
# with jack_rec recording PortAudio's output port (cosip:out_0) for 2 s of
# the ringing:
#   ringback: `cosip call --audio --speaker system --ringback` plays its
#     620 Hz ringback from the 180 until the answer;
#   ringtone: `cosip responder --speaker system --ringtone` plays its 440 Hz
#     inbound ringtone from the INVITE until it answers.
# Asserted: the call succeeds, the recording holds sound, and that sound is
# the expected tone (energy share >= 0.9) at the file's level (within 1 dB).
# Usage: jack_speaker_test.sh COSIP_BINARY TOOLS_DIR
set -u
cosip=$1
tools=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
for program in jackd jack_lsp jack_rec; do
  command -v "$program" >/dev/null || { echo "$program is not installed (package jackd2)"; exit 1; }
done
work=$(mktemp -d)
jack_pid=
responder_pid=
cleanup() {
  [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null && wait "$responder_pid" 2>/dev/null
  [ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null && wait "$jack_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# This server for jackd and every client, never one started on demand.
export JACK_DEFAULT_SERVER="cosip-speaker-$$" JACK_NO_START_SERVER=1 JACK_NO_AUDIO_RESERVATION=1
jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -d dummy -r 48000 -p 960 -C 2 -P 2 >"$work/jackd.log" 2>&1 &
jack_pid=$!
for _ in $(seq 100); do jack_lsp 2>/dev/null | grep -q "system:playback_1" && break; sleep 0.1; done
jack_lsp 2>/dev/null | grep -q "system:playback_1" || { echo "jackd did not come up:"; cat "$work/jackd.log"; exit 1; }

python3 "$tools/wav_tone.py" make "$work/ringback.wav" 48000 620 2
python3 "$tools/wav_tone.py" make "$work/ringtone.wav" 8000 440 2
failures=0

# run_case NAME HZ RESPONDER_ARGS -- CALL_ARGS: a call through the ringing,
# recorded from cosip:out_0, which must hold HZ.
run_case() {
  local name=$1 hz=$2; shift 2
  local responder_args=()
  while [ "$1" != "--" ]; do responder_args+=("$1"); shift; done
  shift
  local port; port=$(free_port)
  "$cosip" responder --listen "udp:127.0.0.1:$port" --ring-ms 3000 "${responder_args[@]}" >"$work/$name-responder.log" 2>&1 &
  responder_pid=$!
  for _ in $(seq 50); do grep -q "listening on udp" "$work/$name-responder.log" && break; sleep 0.1; done
  "$cosip" call "sip:service@127.0.0.1:$port" --audio --hangup-ms 300 --timeout 20 "$@" >"$work/$name.out" 2>&1 &
  local call_pid=$!
  # PortAudio's output port once it is there, recorded for 2 s of the ringing.
  for _ in $(seq 100); do jack_lsp 2>/dev/null | grep -q "^cosip:out_0" && break; sleep 0.05; done
  sleep 0.2
  jack_rec -f "$work/$name-recorded.wav" -d 2 -b 16 cosip:out_0 >"$work/$name-jack_rec.log" 2>&1
  wait "$call_pid"
  local call_rc=$?
  kill "$responder_pid"; wait "$responder_pid" 2>/dev/null; responder_pid=
  grep "^media: codec\|^ringing" "$work/$name.out" "$work/$name-responder.log" | sed 's/^[^:]*://'
  if [ "$call_rc" != 0 ]; then
    echo "FAIL $name: cosip call exit $call_rc"; failures=$((failures + 1)); cat "$work/$name.out"; return
  fi
  python3 - "$tools" "$work/$name-recorded.wav" "$hz" "$name" <<'PY' || failures=$((failures + 1))
import math, sys
sys.path.insert(0, sys.argv[1])
import wav_tone
path, hz, name = sys.argv[2], float(sys.argv[3]), sys.argv[4]
rate, samples = wav_tone.read(path)
found = wav_tone.segments(path)
sound = sum(end - begin for begin, end in found)
share = wav_tone.share(path, hz)[0] if found else 0.0
loud = [x for begin, end in found for x in samples[int(begin * rate):int(end * rate)]]
level = 20 * math.log10(math.sqrt(sum(x * x for x in loud) / len(loud)) / 32768) if loud else -math.inf
file_level = 20 * math.log10(16383 / math.sqrt(2) / 32768)
ok = sound >= 1.0 and share >= 0.9 and abs(level - file_level) < 1.0
print(f"{'ok  ' if ok else 'FAIL'} {name}: recorded {len(samples) / rate:.2f} s at {rate} Hz from cosip:out_0: "
      f"{sound:.2f} s of sound, {hz:g} Hz share {share:.3f}, level {level:.2f} dBFS (file {file_level:.2f} dBFS)")
sys.exit(0 if ok else 1)
PY
}

run_case ringback 620 -- --speaker system --ringback "$work/ringback.wav"
run_case ringtone 440 --speaker system --ringtone "$work/ringtone.wav" --
echo "jack speaker checks: $failures failed"
[ "$failures" -eq 0 ]
