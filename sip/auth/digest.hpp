// Digest access authentication for SIP: RFC 3261 §22 as updated by RFC 8760
// (SHA-256, SHA-512-256, qop required of new servers), the hash rules of
// RFC 7616, and the RFC 2617 / RFC 2069 forms older peers still use. Pure: no
// I/O, no clock; cnonce randomness comes from a source the caller may inject.
//
// Flow (UAC, RFC 3261 §22.2, §22.3):
//   request --401/407--> DigestClient::on_challenge(response, request, state)
//     -> Authorization / Proxy-Authorization values for the retried request,
//        or an AuthErrc (unknown algorithm, no account, rejected, loop bound)
//   a later request --> DigestClient::authorize(request, state): the cached
//     challenges answered again with nc+1 (pre-emptive, RFC 7616 §3.6)
// Flow (UAS, registrar, proxy, §22.4):
//   make_digest_challenge() -> WWW-Authenticate / Proxy-Authenticate value;
//   on the retry find_digest_credentials() + parse_digest_credentials() give
//   username and nonce; the caller checks the nonce and finds the password
//   (or stored HA1); verify_digest() checks the response.
// Nothing here throws for a protocol error: results carry an AuthErrc.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"
#include "sip/syntax/message.hpp"

namespace cosip::sip {

enum class AuthErrc : std::uint8_t {
  ok = 0,
  // Client side.
  no_challenge,           // no Digest challenge in the response (other schemes are ignored)
  malformed,              // a Digest value without realm, nonce, ... or with a bad nc
  unsupported_algorithm,  // only algorithms this module does not implement
  unsupported_qop,        // qop offered, but neither "auth" nor "auth-int"
  no_credentials,         // no account for the challenged realm
  credentials_rejected,   // a nonce already answered challenged again without stale=true
  too_many_rounds,        // the request was already challenged max_rounds times
  crypto_failed,          // OpenSSL could not hash or give random bytes
  // Server side.
  wrong_realm,            // credentials for another realm
  uri_mismatch,           // the uri parameter differs from the Request-URI
  wrong_response,         // the response does not match: wrong password or user
};

std::string_view to_string(AuthErrc code);

// The algorithms of the IANA "HTTP Digest Hash Algorithms" registry that SIP
// uses (RFC 8760 §2.1); "-sess" variants hash the nonces into HA1 (RFC 7616 §3.4.2).
enum class DigestAlgorithm : std::uint8_t { md5, md5_sess, sha256, sha256_sess, sha512_256, sha512_256_sess };

std::string_view to_string(DigestAlgorithm a);  // "MD5", "SHA-256-sess", ...
// Case-insensitive; an empty text is MD5 (RFC 7616 §3.3: the default).
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view text);
bool is_session(DigestAlgorithm a);

enum class DigestQop : std::uint8_t {
  none,      // RFC 2069 form: response = KD(HA1, nonce:HA2), no nc or cnonce
  auth,
  auth_int,  // the body's hash enters HA2 (RFC 7616 §3.4.3)
};

std::string_view to_string(DigestQop q);  // "", "auth", "auth-int"

// ---- Hashes (RFC 7616 §3.4) ----------------------------------------------

// H(data) in lowercase hex; empty when OpenSSL fails (e.g. MD5 under FIPS).
std::string digest_hash(DigestAlgorithm a, std::string_view data);

// H(username:realm:password): the HA1 of the non-session algorithms and what
// a server may store instead of the password (RFC 7616 §3.4.2).
std::string digest_ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                       std::string_view password);

// What the response hashes besides HA1. All values unquoted and unescaped.
struct DigestInput {
  DigestAlgorithm algorithm = DigestAlgorithm::md5;
  DigestQop qop = DigestQop::none;
  std::string_view nonce{};
  std::string_view nc{};      // 8 hex digits; with qop only
  std::string_view cnonce{};  // with qop, and for the -sess algorithms
  std::string_view method{};
  std::string_view uri{};     // digest-uri, exactly as in the uri parameter
  std::string_view body{};    // qop=auth-int only
};

// request-digest (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1, RFC 2069 §2.1.2) from
// `ha1` = digest_ha1(); for -sess it first derives H(ha1:nonce:cnonce).
// Lowercase hex; empty when OpenSSL fails.
std::string digest_response(const DigestInput& in, std::string_view ha1);

// ---- Server side (RFC 3261 §22.4) ----------------------------------------

// One challenge to send. A UAS offering several algorithms sends one header
// per algorithm, most preferred first (RFC 8760 §2.3).
struct DigestChallenge {
  std::string_view realm{};
  std::string_view nonce{};
  std::string_view opaque{};  // sent when not empty
  DigestAlgorithm algorithm = DigestAlgorithm::md5;
  bool qop_auth = true;
  bool qop_auth_int = false;
  bool stale = false;  // the previous nonce was stale, the credentials were good (RFC 7616 §3.3)
};

// `Digest realm="r", nonce="n", opaque="o", stale=true, algorithm=MD5, qop="auth"`
std::string make_digest_challenge(const DigestChallenge& c);

// Digest credentials as received in an Authorization / Proxy-Authorization
// value, unquoted and unescaped.
struct DigestCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string cnonce;
  std::string opaque;
  std::string nc_text;      // as received: 8 hex digits, part of the hash input
  std::uint32_t nc = 0;     // its value; 0 without qop
  DigestAlgorithm algorithm = DigestAlgorithm::md5;
  DigestQop qop = DigestQop::none;
};

// RFC 7616 §3.4: username, realm, nonce, uri and response are mandatory; nc
// and cnonce with qop; cnonce with -sess. Errors: malformed,
// unsupported_algorithm, unsupported_qop, no_challenge (not Digest).
AuthErrc parse_digest_credentials(const AuthValue& value, DigestCredentials& out);

// The Digest credentials in `request` for `realm` among its Authorization
// (or, with `proxy`, Proxy-Authorization) headers: a request may carry one per
// realm (§22.4). False when there are none.
bool find_digest_credentials(const Message& request, bool proxy, std::string_view realm, AuthValue& out);

// What the verifier knows. Nonce checks (issued by us, fresh, nc not replayed)
// are the caller's: DigestCredentials::nonce and ::nc say what was used. So is
// refusing a downgrade: DigestCredentials::algorithm and ::qop must be among
// those the challenge offered.
struct DigestVerify {
  std::string_view method{};       // of the request carrying the credentials
  std::string_view realm{};        // the realm the server challenged for
  std::string_view request_uri{};  // when not empty, the uri parameter must equal it (RFC 7616 §3.4.6)
  std::string_view password{};     // the user's password, unless
  std::string_view ha1{};          // not empty: digest_ha1() for the credentials' algorithm
  std::string_view body{};         // for qop=auth-int
};

// ok when the response matches (compared in constant time); otherwise
// wrong_realm, uri_mismatch, wrong_response or crypto_failed.
AuthErrc verify_digest(const DigestCredentials& credentials, const DigestVerify& v);

// ---- Client side (RFC 3261 §22.2, §22.3, RFC 8760 §2.4) -------------------

struct DigestAccount {
  std::string username;
  std::string password;
  std::string realm;  // answers only this realm; empty: any realm
};

// The request being sent (or retried).
struct DigestRequest {
  std::string_view method{};
  std::string_view uri{};   // the Request-URI exactly as on the request line (digest-uri)
  std::string_view body{};  // for qop=auth-int
};

struct AuthHeader {
  HeaderId id = HeaderId::authorization;  // or HeaderId::proxy_authorization
  std::string value;

  std::string_view name() const { return canonical_name(id); }
};

struct DigestAnswer {
  AuthErrc error = AuthErrc::ok;
  // Header fields to put on the request, replacing any Authorization and
  // Proxy-Authorization of the previous attempt: one per realm.
  std::vector<AuthHeader> headers;

  explicit operator bool() const { return error == AuthErrc::ok; }
};

// One request's history across its retries (same Call-ID, CSeq incremented):
// the caller keeps one per request and passes it to every call for it.
class DigestRequestState {
 public:
  int rounds() const { return rounds_; }

 private:
  friend class DigestClient;
  struct Used {
    bool proxy;
    std::string realm;
    std::string nonce;
  };
  int rounds_ = 0;          // challenges answered
  std::vector<Used> used_;  // nonces this request was sent with
};

// Fills the span with random bytes; false on failure.
using RandomSource = std::function<bool(std::span<unsigned char>)>;

// OpenSSL RAND_bytes.
RandomSource openssl_random();

// Holds the accounts and, per realm, the last challenge answered, so that
// later requests can be authorized before they are challenged. One client
// serves one user agent's requests towards its proxies and registrars.
class DigestClient {
 public:
  static constexpr int default_max_rounds = 3;

  explicit DigestClient(RandomSource random = openssl_random(), int max_rounds = default_max_rounds);

  // False (and not added) when username or realm holds CR or LF, which no
  // quoted-string can carry (RFC 3261 §25.1).
  bool add_account(DigestAccount account);

  // Answers the WWW-Authenticate and Proxy-Authenticate challenges of a 401
  // or 407 to `request`. Per realm it picks the strongest algorithm offered
  // (SHA-512-256, SHA-256, then MD5: RFC 8760 §2.4 leaves the choice to local
  // policy) with qop=auth when offered. The answer also carries, with nc+1,
  // the realms this request already answered. Refused: a nonce this request
  // already used, challenged again without stale=true (credentials_rejected),
  // and a challenge past max_rounds (too_many_rounds).
  DigestAnswer on_challenge(const Message& response, const DigestRequest& request, DigestRequestState& state);

  // The same from decoded challenge values: `proxy` says Proxy-Authenticate.
  struct Challenge {
    bool proxy = false;
    AuthValue value;
  };
  DigestAnswer on_challenge(std::span<const Challenge> challenges, const DigestRequest& request,
                            DigestRequestState& state);

  // Pre-emptive credentials for a new request from every cached challenge,
  // each with its nonce count incremented. No headers when nothing is cached.
  DigestAnswer authorize(const DigestRequest& request, DigestRequestState& state);

  // Forgets the cached challenges (the accounts stay).
  void clear_cache() { cache_.clear(); }

 private:
  struct Cached {
    bool proxy = false;
    std::string realm;
    std::string nonce;
    std::string opaque;
    std::string cnonce;
    DigestAlgorithm algorithm = DigestAlgorithm::md5;
    DigestQop qop = DigestQop::none;
    std::uint32_t nc = 0;  // last nonce count sent with this nonce
    std::size_t account = 0;
  };

  const DigestAccount* find_account(std::string_view realm, std::size_t& index) const;
  Cached* find_cached(bool proxy, std::string_view realm);
  AuthErrc answer(Cached& c, const DigestRequest& request, DigestRequestState& state, DigestAnswer& out);

  RandomSource random_;
  int max_rounds_;
  std::vector<DigestAccount> accounts_;
  std::vector<Cached> cache_;
};

}  // namespace cosip::sip
