// Digest hashes (RFC 7616 §3.4), the quoted-string helpers, and the server
// side: challenges, parsing and verifying credentials (RFC 3261 §22.4).
#include "sip/auth/digest.hpp"

#include <array>
#include <charconv>
#include <initializer_list>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sip/auth/digest_detail.hpp"
#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {

namespace detail {

std::string param_text(const Param& p) {
  if (!p.quoted) return std::string(p.value);
  std::string out;
  out.reserve(p.value.size());
  std::size_t kept = 0;  // out[0, kept) ends with an escaped character: a fold may not trim it
  const std::string_view v = p.value;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      out += v[++i];
      kept = out.size();
    } else if (c == '\r' || c == '\n') {
      // LWS = [*WSP CRLF] 1*WSP reads as one SP.
      while (out.size() > kept && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
      while (i + 1 < v.size() && (v[i + 1] == '\r' || v[i + 1] == '\n' || v[i + 1] == ' ' || v[i + 1] == '\t')) ++i;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string param_text(std::span<const Param> params, std::string_view name, bool* found) {
  const Param* p = find_param(params, name);
  if (found != nullptr) *found = p != nullptr;
  return p != nullptr ? param_text(*p) : std::string();
}

void append_quoted(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F); CR and LF have no
    // escape and become SP, so that no value can end the header line.
    if (c == '\r' || c == '\n') {
      out += ' ';
      continue;
    }
    if (c == '"' || c == '\\' || (u < 0x20 && c != '\t') || u == 0x7f) out += '\\';
    out += c;
  }
  out += '"';
}

void DigestWriter::add(std::string_view name, std::string_view value, bool quoted) {
  out_ += first_ ? " " : ", ";
  first_ = false;
  out_ += name;
  out_ += '=';
  if (quoted) {
    append_quoted(out_, value);
  } else {
    out_ += value;
  }
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace detail

namespace {

using detail::iequals;
using detail::param_text;

const EVP_MD* evp_of(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5:
    case DigestAlgorithm::md5_sess: return EVP_md5();
    case DigestAlgorithm::sha256:
    case DigestAlgorithm::sha256_sess: return EVP_sha256();
    case DigestAlgorithm::sha512_256:
    case DigestAlgorithm::sha512_256_sess: return EVP_sha512_256();
  }
  return nullptr;
}

// H(p1 ":" p2 ":" ...) (RFC 7616 §3.4: the colon-joined values).
std::string hash_joined(DigestAlgorithm a, std::initializer_list<std::string_view> parts) {
  std::string data;
  bool first = true;
  for (const std::string_view p : parts) {
    if (!first) data += ':';
    first = false;
    data += p;
  }
  return digest_hash(a, data);
}

bool is_hex(std::string_view s) {
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace

std::string_view to_string(AuthErrc code) {
  switch (code) {
    case AuthErrc::ok: return "ok";
    case AuthErrc::no_challenge: return "no Digest challenge";
    case AuthErrc::malformed: return "malformed Digest parameters";
    case AuthErrc::unsupported_algorithm: return "unsupported Digest algorithm";
    case AuthErrc::unsupported_qop: return "unsupported qop";
    case AuthErrc::no_credentials: return "no credentials for the realm";
    case AuthErrc::credentials_rejected: return "credentials rejected";
    case AuthErrc::too_many_rounds: return "too many authentication rounds";
    case AuthErrc::crypto_failed: return "hash or random source failed";
    case AuthErrc::wrong_realm: return "credentials for another realm";
    case AuthErrc::uri_mismatch: return "digest uri differs from the Request-URI";
    case AuthErrc::wrong_response: return "wrong Digest response";
  }
  return "unknown error";
}

std::string_view to_string(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5: return "MD5";
    case DigestAlgorithm::md5_sess: return "MD5-sess";
    case DigestAlgorithm::sha256: return "SHA-256";
    case DigestAlgorithm::sha256_sess: return "SHA-256-sess";
    case DigestAlgorithm::sha512_256: return "SHA-512-256";
    case DigestAlgorithm::sha512_256_sess: return "SHA-512-256-sess";
  }
  return "";
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view text) {
  if (text.empty()) return DigestAlgorithm::md5;
  for (const auto a : {DigestAlgorithm::md5, DigestAlgorithm::md5_sess, DigestAlgorithm::sha256,
                       DigestAlgorithm::sha256_sess, DigestAlgorithm::sha512_256, DigestAlgorithm::sha512_256_sess})
    if (iequals(text, to_string(a))) return a;
  return std::nullopt;
}

bool is_session(DigestAlgorithm a) {
  return a == DigestAlgorithm::md5_sess || a == DigestAlgorithm::sha256_sess || a == DigestAlgorithm::sha512_256_sess;
}

std::string_view to_string(DigestQop q) {
  switch (q) {
    case DigestQop::none: return "";
    case DigestQop::auth: return "auth";
    case DigestQop::auth_int: return "auth-int";
  }
  return "";
}

std::string digest_hash(DigestAlgorithm a, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, evp_of(a), nullptr) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

std::string digest_ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                       std::string_view password) {
  return hash_joined(a, {username, realm, password});
}

std::string digest_response(const DigestInput& in, std::string_view ha1) {
  if (ha1.empty()) return {};
  // RFC 7616 §3.4.2: for -sess, HA1 = H(H(user:realm:password):nonce:cnonce).
  std::string session_key;
  if (is_session(in.algorithm)) {
    session_key = hash_joined(in.algorithm, {ha1, in.nonce, in.cnonce});
    if (session_key.empty()) return {};
    ha1 = session_key;
  }
  // RFC 7616 §3.4.3: A2 = method:uri, and :H(body) for auth-int.
  std::string ha2;
  if (in.qop == DigestQop::auth_int) {
    const std::string body_hash = digest_hash(in.algorithm, in.body);
    if (body_hash.empty()) return {};
    ha2 = hash_joined(in.algorithm, {in.method, in.uri, body_hash});
  } else {
    ha2 = hash_joined(in.algorithm, {in.method, in.uri});
  }
  if (ha2.empty()) return {};
  // RFC 7616 §3.4.1; without qop, the RFC 2069 form (RFC 2617 §3.2.2.1).
  if (in.qop == DigestQop::none) return hash_joined(in.algorithm, {ha1, in.nonce, ha2});
  return hash_joined(in.algorithm, {ha1, in.nonce, in.nc, in.cnonce, to_string(in.qop), ha2});
}

std::string make_digest_challenge(const DigestChallenge& c) {
  std::string out;
  detail::DigestWriter w(out);
  w.add("realm", c.realm, true);
  w.add("nonce", c.nonce, true);
  if (!c.opaque.empty()) w.add("opaque", c.opaque, true);
  if (c.stale) w.add("stale", "true", false);
  w.add("algorithm", to_string(c.algorithm), false);
  // RFC 7616 §3.3: qop is a quoted list in the challenge.
  if (c.qop_auth && c.qop_auth_int) {
    w.add("qop", "auth,auth-int", true);
  } else if (c.qop_auth || c.qop_auth_int) {
    w.add("qop", c.qop_auth ? "auth" : "auth-int", true);
  }
  return out;
}

AuthErrc parse_digest_credentials(const AuthValue& value, DigestCredentials& out) {
  out = DigestCredentials{};
  if (!iequals(value.scheme, "Digest")) return AuthErrc::no_challenge;
  const std::span<const Param> params(value.params.data(), value.params.size());
  bool has_username = false, has_realm = false, has_nonce = false, has_uri = false, has_response = false;
  out.username = param_text(params, "username", &has_username);
  out.realm = param_text(params, "realm", &has_realm);
  out.nonce = param_text(params, "nonce", &has_nonce);
  out.uri = param_text(params, "uri", &has_uri);
  out.response = param_text(params, "response", &has_response);
  out.cnonce = param_text(params, "cnonce");
  out.opaque = param_text(params, "opaque");
  if (!has_username || !has_realm || !has_nonce || !has_uri || !has_response) return AuthErrc::malformed;

  const auto algorithm = parse_digest_algorithm(param_text(params, "algorithm"));
  if (!algorithm) return AuthErrc::unsupported_algorithm;
  out.algorithm = *algorithm;

  bool has_qop = false;
  const std::string qop = param_text(params, "qop", &has_qop);
  if (has_qop) {
    if (iequals(qop, "auth")) {
      out.qop = DigestQop::auth;
    } else if (iequals(qop, "auth-int")) {
      out.qop = DigestQop::auth_int;
    } else {
      return AuthErrc::unsupported_qop;
    }
    // nc = 8LHEX; cnonce mandatory with qop (RFC 7616 §3.4).
    out.nc_text = param_text(params, "nc");
    if (out.nc_text.size() != 8 || !is_hex(out.nc_text) || out.cnonce.empty()) return AuthErrc::malformed;
    std::from_chars(out.nc_text.data(), out.nc_text.data() + out.nc_text.size(), out.nc, 16);
  }
  if (is_session(out.algorithm) && out.cnonce.empty()) return AuthErrc::malformed;
  return AuthErrc::ok;
}

bool find_digest_credentials(const Message& request, bool proxy, std::string_view realm, AuthValue& out) {
  const HeaderId id = proxy ? HeaderId::proxy_authorization : HeaderId::authorization;
  for (const Header& h : request.headers) {
    if (h.id != id) continue;
    AuthValue v;
    if (!decode_auth(h.value, v) || !iequals(v.scheme, "Digest")) continue;
    const std::span<const Param> params(v.params.data(), v.params.size());
    if (param_text(params, "realm") == realm) {
      out = v;
      return true;
    }
  }
  return false;
}

AuthErrc verify_digest(const DigestCredentials& c, const DigestVerify& v) {
  if (c.realm != v.realm) return AuthErrc::wrong_realm;
  if (!v.request_uri.empty() && c.uri != v.request_uri) return AuthErrc::uri_mismatch;
  const std::string ha1 =
      v.ha1.empty() ? digest_ha1(c.algorithm, c.username, c.realm, v.password) : std::string(v.ha1);
  const DigestInput in{c.algorithm, c.qop, c.nonce, c.nc_text, c.cnonce, v.method, c.uri, v.body};
  const std::string expected = digest_response(in, ha1);
  if (expected.empty()) return AuthErrc::crypto_failed;
  // Peers send lowercase hex (RFC 7616 §3.4.1); accept either case.
  std::string got = c.response;
  for (char& ch : got) ch = detail::to_lower(ch);
  if (got.size() != expected.size() || CRYPTO_memcmp(got.data(), expected.data(), got.size()) != 0)
    return AuthErrc::wrong_response;
  return AuthErrc::ok;
}

}  // namespace cosip::sip
