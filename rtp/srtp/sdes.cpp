#include "rtp/srtp/sdes.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <span>

namespace cosip::rtp {
namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 §4, strict: whole 4-character groups, '=' only as the padding of
// the last one, zero bits under the padding. Returns the decoded size, or
// none when the text is not base64 or does not fit `out`; `where` is the
// offending character.
std::optional<std::size_t> base64_decode(std::string_view text, std::span<std::uint8_t> out, std::size_t& where) {
  where = text.size();
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t size = text.size() / 4 * 3 - padding;
  if (size > out.size()) return std::nullopt;
  std::uint32_t bits = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) {
      where = i;
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out[n++] = static_cast<std::uint8_t>(bits >> 16);
      out[n++] = static_cast<std::uint8_t>(bits >> 8);
      out[n++] = static_cast<std::uint8_t>(bits);
      bits = 0;
    }
  }
  if (padding == 2) {  // 2 characters, 12 bits: one byte and 4 zero bits
    if ((bits & 0xf) != 0) return std::nullopt;
    out[n++] = static_cast<std::uint8_t>(bits >> 4);
  } else if (padding == 1) {  // 3 characters, 18 bits: two bytes and 2 zero bits
    if ((bits & 0x3) != 0) return std::nullopt;
    out[n++] = static_cast<std::uint8_t>(bits >> 10);
    out[n++] = static_cast<std::uint8_t>(bits >> 2);
  }
  return n;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    std::uint32_t bits = std::uint32_t{bytes[i]} << 16;
    if (left > 1) bits |= std::uint32_t{bytes[i + 1]} << 8;
    if (left > 2) bits |= bytes[i + 2];
    text += base64_alphabet[(bits >> 18) & 0x3f];
    text += base64_alphabet[(bits >> 12) & 0x3f];
    text += left > 1 ? base64_alphabet[(bits >> 6) & 0x3f] : '=';
    text += left > 2 ? base64_alphabet[bits & 0x3f] : '=';
  }
  return text;
}

SrtpError fail(SrtpErrc code, std::string_view which, std::string text) {
  std::string detail(which);
  detail += ": ";
  detail += text;
  return SrtpError{code, std::move(detail)};
}

}  // namespace

std::string_view to_string(SrtpSuite suite) {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80: return "AES_CM_128_HMAC_SHA1_80";
    case SrtpSuite::aes_cm_128_hmac_sha1_32: return "AES_CM_128_HMAC_SHA1_32";
    case SrtpSuite::aead_aes_128_gcm: return "AEAD_AES_128_GCM";
  }
  return "?";
}

std::optional<SrtpSuite> parse_srtp_suite(std::string_view name) {
  for (SrtpSuite s : {SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32, SrtpSuite::aead_aes_128_gcm})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

std::size_t key_salt_length(SrtpSuite suite) {
  // RFC 4568 §6.2: 128-bit key, 112-bit salt; RFC 7714 §14.2: 128-bit key, 96-bit salt.
  return suite == SrtpSuite::aead_aes_128_gcm ? 28 : 30;
}

SrtpError decode_sdes_key(const SdesKey& key, SrtpMasterKey& out, std::string_view which) {
  out = SrtpMasterKey{};
  const auto suite = parse_srtp_suite(key.suite);
  if (!suite) {
    return fail(SrtpErrc::unknown_suite, which,
                "\"" + std::string(key.suite) +
                    "\" (known: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM)");
  }
  out.suite = *suite;
  // Decoded into a buffer larger than any suite's key so that a long key is
  // reported with its length rather than as bad base64.
  std::array<std::uint8_t, 96> bytes{};
  std::size_t where = 0;
  const auto size = base64_decode(key.key_salt, bytes, where);
  if (!size) {
    if (key.key_salt.size() / 4 * 3 > bytes.size())
      return fail(SrtpErrc::bad_key_length, which, std::to_string(key.key_salt.size()) + " base64 characters, far too long");
    if (where < key.key_salt.size())
      return fail(SrtpErrc::bad_key_encoding, which,
                  "character " + std::to_string(where) + " ('" + key.key_salt[where] + "') is not base64");
    return fail(SrtpErrc::bad_key_encoding, which,
                std::to_string(key.key_salt.size()) + " characters, not whole padded base64 groups");
  }
  const std::size_t need = key_salt_length(*suite);
  if (*size != need) {
    return fail(SrtpErrc::bad_key_length, which,
                std::to_string(*size) + " bytes, " + std::string(to_string(*suite)) + " needs " + std::to_string(need));
  }
  std::copy_n(bytes.begin(), need, out.key_salt.begin());
  if (key.lifetime) {
    if (*key.lifetime == 0 || *key.lifetime > max_key_lifetime)
      return fail(SrtpErrc::bad_lifetime, which, std::to_string(*key.lifetime) + " packets, not 1..2^48");
    out.lifetime = *key.lifetime;
  }
  if (key.mki) {
    if (key.mki_length == 0 || key.mki_length > max_mki_length)
      return fail(SrtpErrc::bad_mki, which, "length " + std::to_string(key.mki_length) + ", not 1..128 bytes");
    if (key.mki_length < 4 && (*key.mki >> (8 * key.mki_length)) != 0)
      return fail(SrtpErrc::bad_mki, which,
                  "value " + std::to_string(*key.mki) + " does not fit in " + std::to_string(key.mki_length) + " bytes");
    // RFC 4568 §6.1: the MKI value as an integer, sent in mki_length bytes (network order).
    std::uint32_t value = *key.mki;
    for (std::size_t i = key.mki_length; i-- > 0 && value != 0; value >>= 8) out.mki[i] = static_cast<std::uint8_t>(value);
    out.mki_length = key.mki_length;
  }
  return {};
}

std::optional<std::string> generate_key_salt(SrtpSuite suite) {
  std::array<std::uint8_t, 30> bytes{};
  const std::size_t n = key_salt_length(suite);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) return std::nullopt;
  std::string text = base64_encode(std::span<const std::uint8_t>(bytes.data(), n));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return text;
}

}  // namespace cosip::rtp
