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
  kamailio-tls-modules  # interop: tls.so, the MSRP relay's msrps: listener
  coturn        # interop: STUN/TURN server of the ICE test (turnserver, no service started)
  tshark        # interop: decodes the ICE test's STUN/TURN capture (no malformed packets)
  baresip-core  # interop: the RTP/SRTP/ICE peer (its ice module: a full ICE agent)
  iproute2      # interop: a dummy interface for the ICE calls on a loopback-only machine
  jackd2        # interop: jackd's dummy driver is the PortAudio test's sound server (with jack_lsp, jack_connect)
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# libsrtp2 is built as a Meson subproject against OpenSSL (subprojects/
# libsrtp2.wrap): Debian's binary package uses NSS, about five times slower
# per packet. The source is Debian's own, fetched with apt so that its hashes
# are checked against the signed archive index; Meson takes the upstream
# tarball from subprojects/packagecache/ and checks the wrap's source_hash.
srtp_orig=libsrtp2_2.5.0.orig.tar.gz
cache="$(cd "$(dirname "$0")/.." && pwd)/subprojects/packagecache"
if [ ! -f "$cache/$srtp_orig" ]; then
  if ! grep -rqsE '^[[:space:]]*(deb-src[[:space:]].*[[:space:]]bookworm([[:space:]]|$)|Types:.*deb-src)' \
      /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "adding a deb-src entry for bookworm"
    $SUDO tee /etc/apt/sources.list.d/cosip-deb-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  apt-cache showsrc libsrtp2 2>/dev/null | grep -q '^Package:' || $SUDO apt-get update -qq
  mkdir -p "$cache"
  # As root apt cannot hand the download to its _apt user in this directory.
  sandbox=()
  [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
  (cd "$cache" && apt-get source --download-only -qq "${sandbox[@]}" libsrtp2)
  if [ ! -f "$cache/$srtp_orig" ]; then
    echo "install-deps: apt-get source libsrtp2 did not give $srtp_orig (is bookworm's libsrtp2 still 2.5.0?)" >&2
    exit 1
  fi
fi
