# Shared helpers of the interop test scripts (sourced, not run).

# A port free for both UDP and TCP on 127.0.0.1.
# A port on 127.0.0.1 free for both UDP and TCP. A UDP port the system
# picks may be taken for TCP (another test's connection): then try another;
# once, the bare attempt printed nothing and a SIPp case ran without a port.
# A port on 127.0.0.1 free for both UDP and TCP; with N, the first of N
# such ports in a row (baresip binds SIP over TLS to its SIP port + 1).
free_port() {
  python3 -c 'import socket, sys
count = int(sys.argv[1])
def free(port):
    held = []
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind); held.append(s); s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for s in held: s.close()
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    first = s.getsockname()[1]; s.close()
    if first + count <= 65536 and all(free(first + i) for i in range(count)):
        print(first)
        break
else:
    raise SystemExit("no port free for both UDP and TCP")' "${1:-1}"
}

require_sipp() {
  command -v sipp >/dev/null || { echo "sipp is not installed (package sip-tester)"; exit 1; }
}

# A UDP port on 127.0.0.1 that something is bound to (bind fails).
udp_port_bound() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(0)
sys.exit(1)' "$1"
}

require_kamailio() {
  command -v kamailio >/dev/null || { echo "kamailio is not installed (package kamailio)"; exit 1; }
}

# start_kamailio TEMPLATE RUNDIR PORT: Kamailio with TEMPLATE's @PORT@ and
# @RUNDIR@ replaced, logging to RUNDIR/kamailio.log; sets kamailio_pid and
# returns once its UDP port is bound.
start_kamailio() {
  local template=$1 rundir=$2 port=$3
  sed -e "s|@PORT@|$port|g" -e "s|@RUNDIR@|$rundir|g" "$template" >"$rundir/kamailio.cfg"
  kamailio -f "$rundir/kamailio.cfg" -DD -E -m 32 -M 8 -P "$rundir/kamailio.pid" -Y "$rundir" \
    >"$rundir/kamailio.log" 2>&1 &
  kamailio_pid=$!
  for _ in $(seq 100); do
    udp_port_bound "$port" && return 0
    kill -0 "$kamailio_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "kamailio did not start:"; tail -20 "$rundir/kamailio.log"; return 1
}
