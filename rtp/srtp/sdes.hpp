// SDES keying for SRTP (RFC 4568): the crypto suites cosip implements, the
// key-params of an a=crypto line decoded into a master key, and fresh keys
// for our own offers and answers. Pure but for the random bytes of
// generate_key_salt (OpenSSL's RAND_bytes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rtp/srtp/error.hpp"

namespace cosip::rtp {

// RFC 4568 §6.2, and RFC 7714 §14.1 for AEAD_AES_128_GCM (§14.2: 128-bit
// key, 96-bit salt, 16-byte tag).
enum class SrtpSuite : std::uint8_t { aes_cm_128_hmac_sha1_80, aes_cm_128_hmac_sha1_32, aead_aes_128_gcm };

std::string_view to_string(SrtpSuite suite);  // the SDP name, "AES_CM_128_HMAC_SHA1_80"
std::optional<SrtpSuite> parse_srtp_suite(std::string_view name);  // exact, as SDP spells it
std::size_t key_salt_length(SrtpSuite suite);  // master key || master salt, bytes

// One key of an a=crypto line as sdp::decode_crypto gives it: the line's
// suite and one "inline:" key-param (RFC 4568 §6.1, §9.1).
struct SdesKey {
  std::string_view suite;
  std::string_view key_salt;              // base64 of master key || master salt
  std::optional<std::uint64_t> lifetime;  // packets; none: the suite's maximum
  std::optional<std::uint32_t> mki;
  std::uint8_t mki_length = 0;            // bytes, when mki is set

  SdesKey() = default;
  SdesKey(std::string_view s, std::string_view key) : suite(s), key_salt(key) {}
};

// RFC 3711 §9.2: at most 2^48 SRTP packets under one master key.
inline constexpr std::uint64_t max_key_lifetime = std::uint64_t{1} << 48;
inline constexpr std::size_t max_mki_length = 128;  // RFC 4568 §9.1: 1*3DIGIT, libsrtp's bound

// A decoded master key.
struct SrtpMasterKey {
  SrtpSuite suite = SrtpSuite::aes_cm_128_hmac_sha1_80;
  std::array<std::uint8_t, 30> key_salt{};  // the first key_salt_length(suite) bytes
  std::uint64_t lifetime = max_key_lifetime;
  std::array<std::uint8_t, max_mki_length> mki{};  // big-endian MKI value, mki_length bytes
  std::uint8_t mki_length = 0;                     // 0: no MKI in packets
};

// Checks and decodes a key; `which` ("local key", "remote key") starts the
// error's text.
SrtpError decode_sdes_key(const SdesKey& key, SrtpMasterKey& out, std::string_view which = "key");

// A fresh random key||salt for `suite`, base64 (RFC 4568 §6.1: keys MUST be
// random); none when OpenSSL's generator fails.
std::optional<std::string> generate_key_salt(SrtpSuite suite);

}  // namespace cosip::rtp
