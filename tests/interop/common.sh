# Shared helpers of the interop test scripts (sourced, not run).

# A port free for both UDP and TCP on 127.0.0.1.
free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
t = socket.socket(); t.bind(("127.0.0.1", s.getsockname()[1])); print(s.getsockname()[1])'
}

require_sipp() {
  command -v sipp >/dev/null || { echo "sipp is not installed (package sip-tester)"; exit 1; }
}
