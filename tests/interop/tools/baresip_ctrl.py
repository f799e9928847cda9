#!/usr/bin/env python3
"""Drives baresip through its ctrl_tcp module (netstrings of JSON).

  baresip_ctrl.py PORT EVENT COMMAND [PARAMS] [--timeout S] [--delay S]

Connects to 127.0.0.1:PORT (retrying while baresip starts), prints
{"connected": PORT}, waits for an
event of type EVENT (e.g. CALL_ESTABLISHED), waits 0.5 s (or --delay), sends COMMAND with
PARAMS (e.g. sndcode 42), then prints every event and response, one JSON per
line, until baresip closes the socket or the timeout passes. Exit 1 when
EVENT never came.
"""
import json
import socket
import sys
import time


def netstrings(sock):
    buffer = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return
        buffer += chunk
        while b":" in buffer:
            length, rest = buffer.split(b":", 1)
            size = int(length)
            if len(rest) < size + 1:
                break
            yield json.loads(rest[:size])
            buffer = rest[size + 1:]


def main():
    port, event, command = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    params = sys.argv[4] if len(sys.argv) > 4 and not sys.argv[4].startswith("--") else ""
    timeout = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 30
    delay = float(sys.argv[sys.argv.index("--delay") + 1]) if "--delay" in sys.argv else 0.5
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"baresip ctrl_tcp on port {port} never answered")
            time.sleep(0.1)
    print(json.dumps({"connected": port}), flush=True)
    sock.settimeout(max(deadline - time.monotonic(), 1))
    seen = False
    try:
        for message in netstrings(sock):
            print(json.dumps(message), flush=True)
            if not seen and message.get("event") and message.get("type") == event:
                seen = True
                time.sleep(delay)
                body = json.dumps({"command": command, "params": params, "token": "cosip"}).encode()
                sock.sendall(str(len(body)).encode() + b":" + body + b",")
    except (socket.timeout, ConnectionResetError):
        pass
    sys.exit(0 if seen else 1)


if __name__ == "__main__":
    main()
