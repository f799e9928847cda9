// Errors of the SRTP layer. Keying errors (set_keys, decode_sdes_key) carry a
// text that names the key and says what is wrong with it; packet operations
// return a bare SrtpErrc, cheap enough for every packet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::rtp {

enum class SrtpErrc : std::uint8_t {
  ok = 0,
  // Keying (SDES, RFC 4568 §6.1).
  unknown_suite,     // a crypto-suite name this library does not implement
  bad_key_encoding,  // key-salt not base64 (RFC 4648 §4, padded)
  bad_key_length,    // key||salt of another length than the suite's
  bad_lifetime,      // zero, or beyond 2^48 packets (RFC 3711 §9.2)
  bad_mki,           // MKI length not 1..128 bytes, or a value that does not fit it
  suite_mismatch,    // our key and the peer's name different suites
  // Packets.
  no_keys,           // protect/unprotect before set_keys
  buffer_too_small,  // no room after the packet for tag, MKI and SRTCP index
  malformed_packet,  // too short, too long, or not RTP version 2
  auth_failure,      // the authentication tag does not verify (RFC 3711 §3.4)
  replay,            // an index seen before or left of the window (RFC 3711 §3.3.2)
  unknown_mki,       // the packet's MKI is not the peer's (RFC 3711 §3.3)
  key_expired,       // the master key reached its lifetime: new keys are needed (RFC 3711 §9.2)
  crypto_failure,    // libsrtp or OpenSSL failed (initialisation, random bytes, cipher)
};

std::string_view to_string(SrtpErrc code);

// A keying error: "bad key length: remote key: 16 bytes, AES_CM_128_HMAC_SHA1_80 needs 30".
struct SrtpError {
  SrtpErrc code = SrtpErrc::ok;
  std::string detail;

  explicit operator bool() const { return code != SrtpErrc::ok; }
  std::string message() const;
};

}  // namespace cosip::rtp
