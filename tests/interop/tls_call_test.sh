#!/usr/bin/env bash
# Interop: calls over TLS between `cosip call` and `cosip responder`, with a
# test CA made here by the openssl command: the server's certificate names
# 127.0.0.1 (IP SAN): the call completes; a certificate for another name,
# from the same CA, is refused by the caller (RFC 5922 §7, RFC 6125): the
# INVITE never reaches the responder; no CA given: the system store does
# not know the test CA and the call fails too.
# Usage: tls_call_test.sh COSIP_BINARY
set -u
cosip=$1
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
command -v openssl >/dev/null || { echo "openssl is not installed"; exit 1; }
work=$(mktemp -d)
passed=0
failed=0
responder_pid=
cleanup() {
  [ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null && wait "$responder_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A CA, and two server certificates it signs: one for 127.0.0.1, one for
# sip.wrong.test.
pki() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cosip test CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" 2>/dev/null || return 1
  local name san
  for name in good wrong; do
    if [ $name = good ]; then san="IP:127.0.0.1"; else san="DNS:sip.wrong.test"; fi
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$work/$name.key" -out "$work/$name.csr" \
      2>/dev/null || return 1
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$work/$name.ext"
    openssl x509 -req -in "$work/$name.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
      -days 2 -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null || return 1
  done
}
pki || { echo "could not make the test PKI"; exit 1; }

start_responder() { # CERT_NAME
  port=$(free_port)
  "$cosip" responder --listen "tls:127.0.0.1:$port" --tls-cert "$work/$1.pem" --tls-key "$work/$1.key" \
    --verbose >"$work/responder.out" 2>&1 &
  responder_pid=$!
  for _ in $(seq 50); do grep -q "listening on tls" "$work/responder.out" && return 0; sleep 0.1; done
  echo "responder did not start"; cat "$work/responder.out"; return 1
}
stop_responder() { kill "$responder_pid" 2>/dev/null; wait "$responder_pid" 2>/dev/null; responder_pid=; }

check() {
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
    echo "--- call"; cat "$work/call.out"; echo "--- responder"; cat "$work/responder.out"
  fi
}

start_responder good || exit 1
"$cosip" call "sip:service@127.0.0.1:$port;transport=tls" --transport tls --tls-ca "$work/ca.pem" \
  --hangup-ms 100 --timeout 10 --verbose >"$work/call.out" 2>&1
status=$?
check "TLS call verified against the test CA: INVITE, 200, ACK, BYE" \
  bash -c "[ $status -eq 0 ] && grep -q 'recv INVITE from tls:127.0.0.1' '$work/responder.out' &&
           grep -q 'recv BYE from tls:127.0.0.1' '$work/responder.out' && grep -q '^BYE: 200' '$work/call.out'"

"$cosip" call "sip:service@127.0.0.1:$port;transport=tls" --transport tls --hangup-ms 100 --timeout 10 \
  --verbose >"$work/call.out" 2>&1
status=$?
check "TLS call without the test CA (system store): refused" \
  bash -c "[ $status -ne 0 ] && grep -q 'certificate verify failed' '$work/call.out'"
stop_responder

start_responder wrong || exit 1
"$cosip" call "sip:service@127.0.0.1:$port;transport=tls" --transport tls --tls-ca "$work/ca.pem" \
  --hangup-ms 100 --timeout 10 --verbose >"$work/call.out" 2>&1
status=$?
check "a certificate for another name (sip.wrong.test) is refused; no INVITE reaches the server" \
  bash -c "[ $status -ne 0 ] && grep -q 'certificate verify failed' '$work/call.out' &&
           ! grep -q 'recv INVITE' '$work/responder.out'"
stop_responder

echo "cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
