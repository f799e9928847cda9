#!/usr/bin/env bash
# Interop: SIPp (sip-tester) calls `cosip responder`, both started here on
# loopback. Each case runs one SIPp client scenario against a fresh
# responder and requires every call to succeed:
#   basic call over UDP and TCP, the same through 20 % packet loss (-lost 20),
#   486 and 603 rejections (ACKed), CANCEL before the answer (200 + 487),
#   a re-INVITE, a BYE from the callee, a reliable 180 (RFC 3262: PRACK with
#   the RSeq it names, 200 to the PRACK, then 200 to the INVITE) over UDP and
#   TCP, the same responder answering a caller without 100rel, and malformed
#   requests answered with 400 while the responder keeps serving.
# Usage: sipp_responder_test.sh COSIP_BINARY SCENARIO_DIR
set -u
cosip=$1
scenarios=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_sipp
work=$(mktemp -d)
passed=0
failed=0
responder_pid=

cleanup() {
  [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null && wait "$responder_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_responder() {
  port=$(free_port)
  "$cosip" responder --listen "udp:127.0.0.1:$port" --listen "tcp:127.0.0.1:$port" "$@" >"$work/responder.log" 2>&1 &
  responder_pid=$!
  for _ in $(seq 50); do
    grep -q "listening on tcp" "$work/responder.log" && return 0
    sleep 0.1
  done
  echo "responder did not start:"; cat "$work/responder.log"; return 1
}

stop_responder() {
  kill "$responder_pid" 2>/dev/null
  wait "$responder_pid" 2>/dev/null
  responder_pid=
}

# successful_calls CSV -> "successful failed"
calls() {
  python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
print(last[h.index("SuccessfulCall(C)")], last[h.index("FailedCall(C)")])
PY
}

# run_case NAME CALLS RESPONDER_ARGS -- SIPP_ARGS
run_case() {
  local name=$1 count=$2; shift 2
  local responder_args=()
  while [ "$1" != "--" ]; do responder_args+=("$1"); shift; done
  shift
  if ! start_responder "${responder_args[@]}"; then
    failed=$((failed + 1)); echo "FAIL $name: responder"; return
  fi
  local csv="$work/$name.csv"
  timeout 120 sipp "127.0.0.1:$port" -i 127.0.0.1 -p "$(free_port)" -m "$count" -r 10 -nostdin \
    -trace_stat -stf "$csv" -trace_err -error_file "$work/$name.err" "$@" >/dev/null 2>&1
  local rc=$?
  stop_responder
  read -r ok bad < <(calls "$csv" 2>/dev/null || echo "0 0")
  if [ "$rc" -eq 0 ] && [ "$ok" = "$count" ] && [ "$bad" = "0" ]; then
    passed=$((passed + 1)); echo "ok   $name: $ok/$count calls"
  else
    failed=$((failed + 1)); echo "FAIL $name: sipp exit $rc, $ok successful, $bad failed of $count"
    head -c 3000 "$work/$name.err" 2>/dev/null; echo; tail -20 "$work/responder.log"
  fi
}

scenario() { # a scenario file with @CODE@ replaced
  sed "s/@CODE@/$2/g" "$scenarios/$1.xml" > "$work/$1-$2.xml"; echo "$work/$1-$2.xml"
}

run_case basic-udp 20 -- -sn uac
run_case basic-tcp 20 -- -sn uac -t t1
run_case basic-udp-lost-20 20 -- -sn uac -lost 20
run_case reject-486 10 --code 486 -- -sf "$(scenario uac_reject 486)"
run_case reject-603 10 --code 603 -- -sf "$(scenario uac_reject 603)"
run_case cancel-before-answer 10 --ring-ms 5000 -- -sf "$scenarios/uac_cancel.xml"
run_case reinvite 10 -- -sf "$scenarios/uac_reinvite.xml"
run_case bye-from-callee 10 --hangup-ms 50 -- -sf "$scenarios/uac_remote_bye.xml"
run_case reliable-180-udp 10 --100rel -- -sf "$scenarios/uac_100rel.xml"
run_case reliable-180-tcp 10 --100rel -- -sf "$scenarios/uac_100rel.xml" -t t1
run_case 100rel-responder-plain-caller 10 --100rel -- -sn uac

# Malformed requests: each invalid RFC 4475 request with a usable Via gets a
# 400 (505 for an unknown version); afterwards OPTIONS still gets 200.
if start_responder; then
  if python3 - "$port" "$scenarios/../../data/sip/rfc4475" <<'PY'
import pathlib, socket, sys
port, folder = int(sys.argv[1]), pathlib.Path(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.bind(("127.0.0.1", 0))
bad = 0
for name in ["badinv01", "quotbal", "ltgtruri", "lwsruri", "lwsstart", "trws", "escruri", "regbadct",
             "badaspec", "baddn", "badvers", "mismatch01", "insuf", "multi01", "mcl01", "scalar02", "ncl"]:
    data = (folder / f"{name}.invalid.sip").read_bytes()
    s.sendto(data, ("127.0.0.1", port))
    try:
        reply = s.recv(65535).decode(errors="replace")
    except socket.timeout:
        reply = ""
    expected = "SIP/2.0 505" if name == "badvers" else "SIP/2.0 400"
    # multi01/insuf/mismatch01 keep their Via: all of them must be answered.
    ok = reply.startswith(expected)
    print(f"  {name}: {reply.splitlines()[0] if reply else 'no answer'}{'' if ok else '  <- expected ' + expected}")
    bad += not ok
options = (b"OPTIONS sip:responder@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-alive\r\n"
           b"Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:responder@127.0.0.1>\r\n"
           b"Call-ID: alive@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % s.getsockname()[1])
s.sendto(options, ("127.0.0.1", port))
alive = s.recv(65535).decode(errors="replace").startswith("SIP/2.0 200")
print(f"  OPTIONS afterwards: {'200' if alive else 'no 200'}")
sys.exit(0 if bad == 0 and alive else 1)
PY
  then passed=$((passed + 1)); echo "ok   malformed-requests"
  else failed=$((failed + 1)); echo "FAIL malformed-requests"; fi
  stop_responder
else
  failed=$((failed + 1))
fi

echo "interop cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
