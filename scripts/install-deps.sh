#!/usr/bin/env bash
# Installs the Debian 12 packages cosip builds, tests, fuzzes and benchmarks
# with. Idempotent: apt runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain, and what the scripts run
  g++ meson ninja-build pkg-config cmake ccache python3 openssl procps
  # libraries (ARCHITECTURE.md: dependencies)
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsrtp2-dev libopus-dev
  portaudio19-dev libnice-dev libc-ares-dev libspeexdsp-dev libsndfile1-dev
  doctest-dev libcli11-dev
  # fuzzing (libFuzzer with clang 14)
  clang libclang-rt-14-dev
  # benchmark anchors and instruction counts
  libsofia-sip-ua-dev libre-dev libbenchmark-dev valgrind
  dnsmasq-base  # interop: the resolver test's DNS server (binary only, no service)
  sip-tester    # interop: SIPp calls the responder and answers cosip calls
  # interop: Kamailio as registrar, presence server and MSRP relay
  kamailio kamailio-presence-modules kamailio-sqlite-modules sqlite3
  coturn        # interop: STUN/TURN server of the ICE test (turnserver, no service started)
  tshark        # interop: decodes the ICE test's STUN/TURN capture (no malformed packets)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
