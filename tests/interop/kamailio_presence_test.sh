#!/usr/bin/env bash
# Interop: cosip against Kamailio's presence server (peers/kamailio/
# presence.cfg: presence + presence_xml on SQLite) started here on loopback.
# `cosip subscribe` watches carol's presence while `cosip publish` publishes
# a PIDF document, replaces it (SIP-If-Match) and removes it:
#   SUBSCRIBE answered 200 (SCSubscriptionDidSucceed), NOTIFYs carry the
#   first and then the second document (SCSubscriptionGotNotify), the
#   publication's SIP-ETag changes with the modification, the removal gets
#   200; unsubscribing gets the final NOTIFY "terminated" and
#   SCSubscriptionDidEnd.
# Usage: kamailio_presence_test.sh COSIP_BINARY KAMAILIO_CONFIG_DIR
set -u
cosip=$1
configs=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
require_kamailio
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (package sqlite3)"; exit 1; }
work=$(mktemp -d)
passed=0
failed=0
kamailio_pid=
subscriber_pid=
cleanup() {
  for p in $subscriber_pid $kamailio_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

"$configs/presence-mkdb.sh" "$work" >/dev/null || { echo "cannot make the presence database"; exit 1; }
port=$(free_port)
start_kamailio "$configs/presence.cfg" "$work" "$port" || exit 1
server="127.0.0.1:$port"

for note in first second; do
  cat >"$work/$note.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:carol@127.0.0.1">
  <tuple id="t1"><status><basic>open</basic></status><note>$note note</note></tuple>
</presence>
XML
done

"$cosip" subscribe "sip:carol@$server" --from sip:dave@127.0.0.1 --duration 4 --timeout 20 \
  >"$work/subscribe.out" 2>&1 &
subscriber_pid=$!
for _ in $(seq 50); do grep -q '^SCSubscriptionDidSucceed' "$work/subscribe.out" && break; sleep 0.1; done
"$cosip" publish "sip:carol@$server" --body-file "$work/first.xml" --body-file "$work/second.xml" --interval 1 \
  --timeout 20 >"$work/publish.out" 2>&1
publish_status=$?
wait "$subscriber_pid"
subscribe_status=$?
subscriber_pid=

check() {
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
    for f in "$work"/*.out; do echo "--- $f"; cat "$f"; done
  fi
}

publish_ok() {
  [ "$publish_status" -eq 0 ] || return 1
  local etags
  etags=$(grep '^SCPublicationDidSucceed code=200' "$work/publish.out" | sed 's/.* etag=//' | sort -u | wc -l)
  [ "$etags" -eq 2 ] && grep -q '^SCPublicationWillEnd' "$work/publish.out" &&
    grep -q '^SCPublicationDidEnd code=200' "$work/publish.out"
}
check "PUBLISH, modify with SIP-If-Match (new SIP-ETag), remove" publish_ok

check "SUBSCRIBE to presence: 200, SCSubscriptionDidSucceed" \
  grep -q '^SCSubscriptionDidSucceed code=200' "$work/subscribe.out"

notify_ok() {
  # The first document, then the second, each in a NOTIFY of application/pidf+xml.
  grep '^SCSubscriptionGotNotify state=active' "$work/subscribe.out" |
    grep 'content_type="application/pidf+xml"' | grep -o 'first note\|second note' | uniq | tr '\n' ' ' |
    grep -q '^first note second note $'
}
check "NOTIFYs carry the published document, then its replacement" notify_ok

check "unsubscribe: final NOTIFY terminated, SCSubscriptionDidEnd, exit 0" \
  bash -c "[ $subscribe_status -eq 0 ] && grep -q '^SCSubscriptionWillEnd' '$work/subscribe.out' &&
           grep -q '^SCSubscriptionGotNotify state=terminated' '$work/subscribe.out' &&
           grep -q '^SCSubscriptionDidEnd' '$work/subscribe.out'"

echo "cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
