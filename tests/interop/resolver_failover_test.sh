#!/usr/bin/env bash
# Interop: RFC 3263 server location and failover from the UA, with real
# peers on loopback: dnsmasq serves failover.test with three SRV targets in
# priority order; the first is SIPp answering 503, the second has nobody
# listening (the REGISTER times out after 64*T1, T1 = 20 ms), the third is a
# Kamailio registrar. `cosip register sip:alice@failover.test` must walk
# them in that order (§4.3: next target on 503 and on timeout) and succeed
# at the third.
# Usage: resolver_failover_test.sh COSIP_BINARY PEERS_DIR SCENARIO_DIR
set -u
cosip=$1
peers=$2
scenarios=$3
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_kamailio
require_sipp
dnsmasq=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$dnsmasq" ] || { echo "dnsmasq is not installed (package dnsmasq-base)"; exit 1; }
work=$(mktemp -d)
passed=0
failed=0
kamailio_pid=
sipp_pid=
dns_pid=
cleanup() {
  for p in $sipp_pid $dns_pid $kamailio_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

dns_port=$(free_port)
p503=$(free_port)
psilent=$(free_port)
pregistrar=$(free_port)
start_kamailio "$peers/kamailio/registrar.cfg" "$work" "$pregistrar" || exit 1
sipp -sf "$scenarios/uas_register_503.xml" -i 127.0.0.1 -p "$p503" -m 1 -nostdin >/dev/null 2>&1 &
sipp_pid=$!
sed -e "s|@PORT@|$dns_port|g" -e "s|@RUNDIR@|$work|g" -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
  -e "s|@P503@|$p503|g" -e "s|@PSILENT@|$psilent|g" -e "s|@PREGISTRAR@|$pregistrar|g" \
  "$peers/dnsmasq/failover.conf.in" >"$work/dnsmasq.conf"
"$dnsmasq" -k -C "$work/dnsmasq.conf" >"$work/dnsmasq.log" 2>&1 &
dns_pid=$!
for _ in $(seq 50); do udp_port_bound "$dns_port" && udp_port_bound "$p503" && break; sleep 0.1; done

"$cosip" register sip:alice@failover.test --password alicepw --expires 60 --duration 0.2 \
  --dns "127.0.0.1:$dns_port" --t1-ms 20 --timeout 20 --verbose >"$work/register.out" 2>&1
status=$?

check() {
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
    echo "--- register"; cat "$work/register.out"; echo "--- dnsmasq"; cat "$work/dnsmasq.log"
  fi
}
order_ok() {
  # 503 from the first target, a timeout at the second, then the registrar
  # (401, 200); later requests (unregister) go straight to the registrar.
  local walk
  walk=$(grep -o "recv [0-9]* REGISTER from udp:127.0.0.1:[0-9]*\|failing over to the next target after [0-9]*" \
    "$work/register.out" | sed -e "s/:$p503\$/:P503/" -e "s/:$pregistrar\$/:REGISTRAR/" | tr '\n' '|')
  echo "walk: $walk"
  [ "$walk" = "recv 503 REGISTER from udp:127.0.0.1:P503|failing over to the next target after 503|failing over to the next target after 408|recv 401 REGISTER from udp:127.0.0.1:REGISTRAR|recv 200 REGISTER from udp:127.0.0.1:REGISTRAR|recv 200 REGISTER from udp:127.0.0.1:REGISTRAR|" ]
}
check "SRV targets walked in priority order: 503, timeout, registrar; the registrar kept" order_ok
check "registered at the third target and unregistered" \
  bash -c "[ $status -eq 0 ] && grep -q '^SCRegistrationDidSucceed code=200' '$work/register.out' &&
           grep -q '^SCRegistrationDidEnd code=200' '$work/register.out' &&
           ! grep -q '^SCRegistrationDidFail' '$work/register.out'"

echo "cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
