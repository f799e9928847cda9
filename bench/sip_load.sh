#!/usr/bin/env bash
# SIP load: SIPp's UAC (always -buff_size 8388608) places calls at rising
# rates against `cosip responder` and, in the same run, against SIPp's own
# UAS; each server gets one core (taskset), SIPp's UAC the other, and both
# servers the same UDP socket buffers (SIPp -buff_size, cosip --udp-buffer;
# the kernel caps both at net.core.rmem_max). Reports the
# highest rate each held with zero failed calls and the ratio; as calls
# that SIPp had to retransmit for still count as held, also the highest
# rate of a step with no retransmission either (the server kept up: noise
# from other work on the machine can add retransmissions to a step, never
# take them away, so one clean step shows the rate was held). Then the
# responder's memory across a 60 s run at a steady rate, and its memory per
# established dialog (calls held open after their INVITE transactions ended).
# Usage: bench/sip_load.sh [COSIP_BINARY] [--quick]
# COSIP_BINARY defaults to a release build in build-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
cosip=${1:-build-bench/apps/cosip}
quick=${2:-}
if [ ! -x "$cosip" ]; then
  [ -f build-bench/build.ninja ] || meson setup build-bench --buildtype=release -Dtests=disabled >/dev/null
  ninja -C build-bench apps/cosip >/dev/null
fi
command -v sipp >/dev/null || { echo "sipp is not installed (package sip-tester)"; exit 1; }
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

rates=(1000 2000 4000 6000 8000 10000 12000 14000 16000 18000 20000 22000 24000 26000 28000 30000 32000 34000 36000
       38000 40000)
buffer=8388608
seconds=5
[ "$quick" = "--quick" ] && { rates=(500 1000); seconds=2; }
port=25060

start_server() { # KIND
  if [ "$1" = cosip ]; then
    taskset -c 1 "$cosip" responder --listen "udp:127.0.0.1:$port" --udp-buffer "$buffer" >"$work/server.log" 2>&1 &
    server_pid=$!
  else
    taskset -c 1 sipp -sn uas -i 127.0.0.1 -p "$port" -buff_size "$buffer" -nostdin -bg >"$work/server.log" 2>&1 || true
    sleep 0.5
    server_pid=$(pgrep -n -f "sipp -sn uas -i 127.0.0.1 -p $port")
  fi
  sleep 0.5
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; sleep 0.5; }

# load RATE -> "successful failed retransmissions elapsed"
load() {
  local rate=$1 count=$(( $1 * seconds ))
  rm -f "$work/uac.csv"
  taskset -c 0 timeout $((seconds + 60)) sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) \
    -r "$rate" -m "$count" -buff_size "$buffer" -nostdin -trace_stat -stf "$work/uac.csv" -fd 1 \
    >/dev/null 2>&1 || true
  python3 - "$work/uac.csv" "$count" <<'PY'
import csv, sys
try:
    rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
    h, last = rows[0], rows[-1]
    print(*(last[h.index(k)] for k in ("SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)", "ElapsedTime(C)")))
except Exception:
    print(0, sys.argv[2], 0, "-")
PY
}

declare -A best kept_up
for kind in sipp cosip; do
  best[$kind]=0
  kept_up[$kind]=0
  start_server "$kind"
  for rate in "${rates[@]}"; do
    read -r ok bad retransmitted elapsed < <(load "$rate")
    printf '%-6s %6d calls/s: %7d ok %6d failed %8d retransmissions, done in %s\n' \
      "$kind" "$rate" "$ok" "$bad" "$retransmitted" "$elapsed"
    if [ "$bad" = 0 ] && [ "$ok" = $((rate * seconds)) ]; then best[$kind]=$rate; else break; fi
    [ "$retransmitted" = 0 ] && kept_up[$kind]=$rate
  done
  stop_server
  port=$((port + 10))
done
ratio() { python3 -c "print(f'{$2 / max($1, 1):.2f}')"; }
echo
printf 'highest rate with zero failed calls: SIPp UAS %d calls/s, cosip responder %d calls/s, ratio %s\n' \
  "${best[sipp]}" "${best[cosip]}" "$(ratio "${best[sipp]}" "${best[cosip]}")"
printf 'highest rate of a step with no retransmission either: SIPp UAS %d calls/s, cosip responder %d calls/s, ratio %s\n' \
  "${kept_up[sipp]}" "${kept_up[cosip]}" "$(ratio "${kept_up[sipp]}" "${kept_up[cosip]}")"

# Memory: RSS of the responder every 5 s while SIPp calls at half its best rate for 60 s.
steady=$(( best[cosip] / 2 )); [ "$steady" -lt 100 ] && steady=100
duration=60; [ "$quick" = "--quick" ] && duration=10
start_server cosip
taskset -c 0 timeout $((duration + 60)) sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) \
  -r "$steady" -m $((steady * duration)) -buff_size "$buffer" -nostdin >/dev/null 2>&1 &
uac=$!
samples=()
for _ in $(seq $((duration / 5))); do
  sleep 5
  samples+=("$(ps -o rss= -p "$server_pid" | tr -d ' ')")
done
wait "$uac" || true
echo "responder RSS (KiB) every 5 s at $steady calls/s: ${samples[*]}"
stop_server
port=$((port + 10))

# Memory per established dialog: N calls held open 70 s; RSS once their
# INVITE server transactions (Timer L = 32 s) are gone, minus the idle RSS.
held=5000; [ "$quick" = "--quick" ] && held=500
start_server cosip
idle=$(ps -o rss= -p "$server_pid" | tr -d ' ')
taskset -c 0 timeout 200 sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) -r 1000 -m "$held" \
  -d 70000 -buff_size "$buffer" -nostdin >/dev/null 2>&1 &
uac=$!
sleep $(( held / 1000 + 40 ))
loaded=$(ps -o rss= -p "$server_pid" | tr -d ' ')
kill "$uac" 2>/dev/null || true
stop_server
python3 -c "print(f'memory per established dialog: {(${loaded} - ${idle}) * 1024 / ${held}:.0f} bytes ({${held}} dialogs, RSS {${idle}} -> {${loaded}} KiB)')"
