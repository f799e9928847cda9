#!/usr/bin/env bash
# Instructions per call of `cosip responder` under callgrind, the stable
# figure behind the load bench (bench/sip_load.sh): wall-clock rates on a
# shared machine are noisy, instruction counts are not.
#
# Flow: for N and 2N calls, a fresh responder runs under callgrind while
# SIPp's UAC places the calls at a modest rate; the responder then stays up
# past Timer L (32 s) so the transactions' end is counted too, and is
# stopped with SIGTERM. (Ir(2N) - Ir(N)) / N cancels start-up, a slow
# warm-up of 100 calls and shutdown.
# The per-function split of the 2N run is left in $CALLGRIND_OUT
# (default build-bench/callgrind.out.responder) for callgrind_annotate.
#
# usage: bench/callgrind_responder.sh [COSIP_BINARY] [N] [RATE]
#   COSIP_BINARY  default build-bench/apps/cosip (a release build)
#   N             calls of the shorter run (default 2000)
#   RATE          calls per second (default 200: callgrind keeps up, so no
#                 SIPp retransmission inflates the count)
set -euo pipefail
cd "$(dirname "$0")/.."
cosip=${1:-build-bench/apps/cosip}
n=${2:-2000}
rate=${3:-200}
[[ -x $cosip ]] || { echo "callgrind_responder.sh: no executable at $cosip" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind_responder.sh: valgrind not found" >&2; exit 1; }
command -v sipp >/dev/null || { echo "callgrind_responder.sh: sipp not found" >&2; exit 1; }

profile=${CALLGRIND_OUT:-build-bench/callgrind.out.responder}
mkdir -p "$(dirname "$profile")"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=25160

# run CALLS OUT -> total instructions; checks that every call succeeded
run() {
  local calls=$1 out=$2
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$cosip" responder --listen "udp:127.0.0.1:$port" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
  # Warm-up at a slow rate: valgrind translates the code on first use, and
  # SIPp would retransmit meanwhile.
  sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) -r 20 -m 100 -nostdin >/dev/null 2>&1 || true
  sipp -sn uac "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) -r "$rate" -m "$calls" \
    -nostdin -trace_stat -stf "$work/uac.csv" >/dev/null 2>&1 || true
  sleep 40  # Timer L / J and the 2xx retransmission state expire
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
  python3 - "$work/uac.csv" "$calls" <<'PY' >&2
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
ok, bad, retrans = (last[h.index(k)] for k in ("SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)"))
print(f"  {sys.argv[2]} calls: {ok} ok, {bad} failed, {retrans} retransmissions")
PY
  awk '/^totals:/ { print $2; found = 1 } END { exit !found }' "$out"
}

short=$(run "$n" "$work/short.out")
long=$(run $((2 * n)) "$profile")
echo "instructions per call: $(( (long - short) / n ))  (Ir($((2 * n))) = $long, Ir($n) = $short)"
