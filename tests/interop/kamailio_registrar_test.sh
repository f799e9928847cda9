#!/usr/bin/env bash
# Interop: cosip against a real Kamailio registrar (peers/kamailio/
# registrar.cfg: digest auth, usrloc in memory, Record-Route, 423 below 2 s)
# started here on loopback:
#   register with digest, 423 answered with the Min-Expires, refreshes,
#   unregister; the binding is really gone afterwards (a call gets 404);
#   a wrong password ends in SCRegistrationDidFail 403;
#   a call between two cosip UAs through Kamailio: the callee registered by
#   `cosip responder --register`, the caller's BYE following the Record-Route;
#   a pager MESSAGE delivered the same way, and one to nobody: 404.
# Usage: kamailio_registrar_test.sh COSIP_BINARY KAMAILIO_CONFIG_DIR
set -u
cosip=$1
configs=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_kamailio
work=$(mktemp -d)
passed=0
failed=0
kamailio_pid=
responder_pid=
cleanup() {
  [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null && wait "$responder_pid" 2>/dev/null
  [ -n "$kamailio_pid" ] && kill "$kamailio_pid" 2>/dev/null && wait "$kamailio_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
start_kamailio "$configs/registrar.cfg" "$work" "$port" || exit 1
registrar="127.0.0.1:$port"

# check NAME CONDITION...: one case, passed when the command succeeds.
check() {
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
    for f in "$work"/*.out; do echo "--- $f"; cat "$f"; done
  fi
}

# 1. Register alice for 1 s: Kamailio answers 401, then 423 (Min-Expires 2),
# then 200 with 2 s; the registration refreshes itself and unregisters after 3 s.
"$cosip" register "sip:alice@$registrar" --password alicepw --expires 1 --duration 3 --timeout 20 --verbose \
  >"$work/register.out" 2>&1
status=$?
register_ok() {
  [ "$status" -eq 0 ] || return 1
  grep -q "^SCRegistrationDidSucceed code=200 .*expires=2 contacts=sip:cosip@127.0.0.1:[0-9]*;expires=2" \
    "$work/register.out" || return 1
  # refreshed before the 2 s binding lapsed, at least twice in 3 s
  [ "$(grep -c '^SCRegistrationDidSucceed' "$work/register.out")" -ge 3 ] || return 1
  grep -q '^SCRegistrationWillEnd' "$work/register.out" &&
    grep -q '^SCRegistrationDidEnd code=200' "$work/register.out" &&
    ! grep -q '^SCRegistrationDidFail' "$work/register.out"
}
check "register: digest, 423 Min-Expires, refresh, unregister" register_ok
# The answers came in that order: 401, 423, then 200.
check "register: 401 then 423 then 200, as received" \
  bash -c "grep -o '^recv [0-9]* REGISTER' '$work/register.out' | head -3 | tr '\n' ' ' |
           grep -q '^recv 401 REGISTER recv 423 REGISTER recv 200 REGISTER'"

# 2. After the unregister, alice has no binding: a call to her gets 404.
check "unregistered AOR: a call gets 404" \
  "$cosip" call "sip:alice@$registrar" --expect 404 --timeout 10

# 3. A wrong password: 403 from the registrar, reported as DidFail.
"$cosip" register "sip:alice@$registrar" --password wrong --expires 60 --duration 1 --timeout 20 \
  >"$work/badpw.out" 2>&1
status=$?
check "wrong password: SCRegistrationDidFail 403, exit 1" \
  bash -c "[ $status -eq 1 ] && grep -q '^SCRegistrationDidFail code=403' '$work/badpw.out' &&
           ! grep -q '^SCRegistrationDidSucceed' '$work/badpw.out'"

# 4. bob registers from `cosip responder`; `cosip call` reaches him through
# Kamailio and hangs up; the BYE follows the Record-Route back through it.
bob_port=$(free_port)
"$cosip" responder --listen "udp:127.0.0.1:$bob_port" --register "sip:bob@$registrar" --password bobpw \
  --verbose >"$work/responder.out" 2>&1 &
responder_pid=$!
for _ in $(seq 50); do grep -q '^SCRegistrationDidSucceed' "$work/responder.out" && break; sleep 0.1; done
"$cosip" call "sip:bob@$registrar" --hangup-ms 200 --timeout 10 --verbose >"$work/call.out" 2>&1
status=$?
call_ok() {
  [ "$status" -eq 0 ] &&
    grep -q '^SCRegistrationDidSucceed code=200' "$work/responder.out" &&
    grep -q "recv INVITE from udp:127.0.0.1:$port" "$work/responder.out" &&
    grep -q "recv BYE from udp:127.0.0.1:$port" "$work/responder.out" &&
    grep -q "REQ BYE" "$work/kamailio.log"
}
check "call through Kamailio to a registered cosip UA, BYE along the Record-Route" call_ok

# 5. Pager-mode MESSAGE (RFC 3428) through Kamailio: delivered to bob's
# responder, which reports what it got; to alice (unregistered): 404.
"$cosip" message "sip:bob@$registrar" --from "sip:carol@$registrar" --body "hello bob" --timeout 10 \
  >"$work/message.out" 2>&1
status=$?
message_ok() {
  [ "$status" -eq 0 ] && grep -q '^SCPagerDidDeliverMessage code=200 .*message_id=1' "$work/message.out" &&
    grep -q "^SCPagerGotMessage from=sip:carol@$registrar .*body=\"hello bob\"" "$work/responder.out"
}
check "MESSAGE through Kamailio delivered to the registered UA" message_ok
"$cosip" message "sip:alice@$registrar" --body "anyone?" --timeout 10 >"$work/message.out" 2>&1
status=$?
check "MESSAGE to an unregistered AOR: SCPagerDidNotDeliverMessage 404" \
  bash -c "[ $status -eq 1 ] && grep -q '^SCPagerDidNotDeliverMessage code=404' '$work/message.out'"

echo "cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
