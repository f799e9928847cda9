#!/usr/bin/env bash
# Interop: `cosip call` calls SIPp (sip-tester) scenarios acting as the
# callee, both started here on loopback. Each case runs the scenario for a
# few calls and requires both sides to succeed on every call:
#   basic call over UDP and TCP, 486 and 603 rejections, CANCEL before the
#   answer (487 ACKed), a re-INVITE, a BYE from the callee, 401 and 407
#   digest challenges (SIPp checks the 401's credentials, a wrong password
#   must fail; the 407 retry must carry Proxy-Authorization), a reliable 180
#   (RFC 3262: SIPp checks Supported: 100rel and the PRACK's RAck) over UDP
#   and TCP, a session timer (RFC 4028): 422 with Min-SE, then the
#   INVITE again with the larger interval, and the basic call through 20 %
#   loss in SIPp (-lost 20), completed by retransmissions.
# Usage: sipp_caller_test.sh COSIP_BINARY SCENARIO_DIR
# CASES="NAME ..." in the environment runs only the cases named (e.g. to
# repeat one case).
set -u
cosip=$1
scenarios=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_sipp
work=$(mktemp -d)
passed=0
failed=0
sipp_pid=
trap '[ -n "$sipp_pid" ] && kill "$sipp_pid" 2>/dev/null; rm -rf "$work"' EXIT

# run_case NAME CALLS "SIPP ARGS" COSIP_CALL_ARGS...
# A case passes when every `cosip call` exits 0 (or, with EXPECT_FAIL=1,
# exits non-zero) and SIPp finishes its calls without error. Each call gives
# up after CALL_TIMEOUT seconds (default 20).
run_case() {
  local name=$1 count=$2 sipp_args=$3; shift 3
  if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $name "* ]]; then return; fi
  local port; port=$(free_port)
  # shellcheck disable=SC2086
  timeout 120 sipp -i 127.0.0.1 -p "$port" -m "$count" -nostdin $sipp_args \
    -trace_err -error_file "$work/$name.err" >/dev/null 2>&1 &
  sipp_pid=$!
  sleep 0.5
  local ok=0 transport=udp
  for arg in "$@"; do [ "$arg" = tcp ] && transport=tcp; done
  for _ in $(seq "$count"); do
    if "$cosip" call "sip:service@127.0.0.1:$port" --timeout "${CALL_TIMEOUT:-20}" "$@" >"$work/$name.out" 2>&1; then
      [ "${EXPECT_FAIL:-0}" = 1 ] || ok=$((ok + 1))
    else
      [ "${EXPECT_FAIL:-0}" = 1 ] && ok=$((ok + 1))
    fi
  done
  wait "$sipp_pid"
  local sipp_rc=$?
  sipp_pid=
  if [ "$ok" = "$count" ] && { [ "$sipp_rc" -eq 0 ] || [ "${EXPECT_FAIL:-0}" = 1 ]; }; then
    passed=$((passed + 1)); echo "ok   $name: $ok/$count calls"
  else
    failed=$((failed + 1)); echo "FAIL $name: $ok/$count calls as expected, sipp exit $sipp_rc ($transport)"
    cat "$work/$name.out"; head -c 3000 "$work/$name.err" 2>/dev/null; echo
  fi
}

scenario() { # scenario file with @KEY@ placeholders replaced: NAME KEY=VALUE...
  local out="$work/$1-$RANDOM.xml" file="$scenarios/$1.xml"; shift
  cp "$file" "$out"
  for kv in "$@"; do sed -i "s/@${kv%%=*}@/${kv#*=}/g" "$out"; done
  echo "$out"
}

run_case basic-udp 5 "-sn uas"
run_case basic-tcp 5 "-sn uas -t t1" --transport tcp
run_case basic-udp-scenario 3 "-sf $scenarios/uas_basic.xml"
run_case reject-486 3 "-sf $(scenario uas_reject CODE=486)" --expect 486
run_case reject-603 3 "-sf $(scenario uas_reject CODE=603)" --expect 603
run_case cancel-before-answer 3 "-sf $scenarios/uas_cancelled.xml" --cancel-after-ms 100 --expect 487
run_case reinvite 3 "-sf $scenarios/uas_reinvite.xml" --reinvite
run_case bye-from-callee 3 "-sf $scenarios/uas_bye.xml" --hangup-ms -1
run_case digest-401 3 "-sf $(scenario uas_auth USER=alice PASSWORD=secret)" --user alice --password secret
EXPECT_FAIL=1 run_case digest-401-wrong-password 1 "-sf $(scenario uas_auth USER=alice PASSWORD=secret)" \
  --user alice --password wrong
run_case digest-407 3 "-sf $(scenario uas_proxy_auth USER=alice)" --user alice --password secret
run_case reliable-180-udp 3 "-sf $scenarios/uas_100rel.xml" --100rel
run_case reliable-180-tcp 3 "-sf $scenarios/uas_100rel.xml -t t1" --100rel --transport tcp
run_case session-timer-422 3 "-sf $scenarios/uas_session_timer.xml" --session-expires 90
# SIPp drops 20 % of what it sends and receives; its built-in uas aborts on
# some retransmission orders (see uas_lossy.xml), this scenario takes them
# all. A BYE may need most of Timer F (32 s) to be answered: 40 s a call.
CALL_TIMEOUT=40 run_case lossy-udp 20 "-sf $scenarios/uas_lossy.xml -lost 20"

echo "interop cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
