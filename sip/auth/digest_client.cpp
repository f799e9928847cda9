// The Digest client: choosing among challenges, answering them, caching them
// for later requests, and bounding challenge loops (RFC 3261 §22.2, §22.3,
// RFC 8760 §2.4, RFC 7616 §3.3-§3.4).
#include <array>
#include <cstdio>
#include <limits>
#include <utility>

#include <openssl/rand.h>

#include "sip/auth/digest.hpp"
#include "sip/auth/digest_detail.hpp"
#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {

namespace {

using detail::iequals;
using detail::param_text;

// One Digest challenge as offered.
struct Offer {
  bool proxy = false;
  std::string realm;
  std::string nonce;
  std::string opaque;
  DigestAlgorithm algorithm = DigestAlgorithm::md5;
  DigestQop qop = DigestQop::none;
  bool stale = false;
  AuthErrc error = AuthErrc::ok;  // why this offer cannot be answered
};

Offer read_offer(const DigestClient::Challenge& ch) {
  Offer o;
  o.proxy = ch.proxy;
  const std::span<const Param> params(ch.value.params.data(), ch.value.params.size());
  bool has_realm = false, has_nonce = false;
  o.realm = param_text(params, "realm", &has_realm);
  o.nonce = param_text(params, "nonce", &has_nonce);
  o.opaque = param_text(params, "opaque");
  o.stale = iequals(param_text(params, "stale"), "true");
  // RFC 7616 §3.3: realm and nonce are mandatory.
  if (!has_realm || !has_nonce || o.nonce.empty()) {
    o.error = AuthErrc::malformed;
    return o;
  }
  const auto algorithm = parse_digest_algorithm(param_text(params, "algorithm"));
  if (!algorithm) {
    o.error = AuthErrc::unsupported_algorithm;
    return o;
  }
  o.algorithm = *algorithm;
  // qop-options: a quoted, comma-separated list; auth preferred. Absent: the
  // RFC 2069 form (RFC 3261 §22.4 keeps it for backward compatibility).
  bool has_qop = false;
  const std::string qop = param_text(params, "qop", &has_qop);
  if (has_qop) {
    bool auth = false, auth_int = false;
    std::string_view rest = qop;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      auth = auth || iequals(item, "auth");
      auth_int = auth_int || iequals(item, "auth-int");
    }
    if (auth) {
      o.qop = DigestQop::auth;
    } else if (auth_int) {
      o.qop = DigestQop::auth_int;
    } else {
      o.error = AuthErrc::unsupported_qop;
    }
  }
  return o;
}

// Local policy for RFC 8760 §2.4: the stronger hash wins; a tie keeps the
// challenge listed first.
int strength(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5:
    case DigestAlgorithm::md5_sess: return 0;
    case DigestAlgorithm::sha256:
    case DigestAlgorithm::sha256_sess: return 1;
    case DigestAlgorithm::sha512_256:
    case DigestAlgorithm::sha512_256_sess: return 2;
  }
  return -1;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

}  // namespace

RandomSource openssl_random() {
  return [](std::span<unsigned char> out) {
    return out.empty() || RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
  };
}

DigestClient::DigestClient(RandomSource random, int max_rounds)
    : random_(random ? std::move(random) : openssl_random()), max_rounds_(max_rounds) {}

bool DigestClient::add_account(DigestAccount account) {
  if (detail::has_crlf(account.username) || detail::has_crlf(account.realm)) return false;
  accounts_.push_back(std::move(account));
  return true;
}

const DigestAccount* DigestClient::find_account(std::string_view realm, std::size_t& index) const {
  // An account for exactly this realm first, then one for any realm.
  for (const bool any : {false, true}) {
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
      if (any ? accounts_[i].realm.empty() : accounts_[i].realm == realm) {
        index = i;
        return &accounts_[i];
      }
    }
  }
  return nullptr;
}

DigestClient::Cached* DigestClient::find_cached(bool proxy, std::string_view realm) {
  for (Cached& c : cache_)
    if (c.proxy == proxy && c.realm == realm) return &c;
  return nullptr;
}

DigestAnswer DigestClient::on_challenge(const Message& response, const DigestRequest& request,
                                        DigestRequestState& state) {
  std::vector<Challenge> challenges;
  bool undecodable = false;
  for (const Header& h : response.headers) {
    if (h.id != HeaderId::www_authenticate && h.id != HeaderId::proxy_authenticate) continue;
    Challenge ch;
    ch.proxy = h.id == HeaderId::proxy_authenticate;
    if (decode_auth(h.value, ch.value)) {
      challenges.push_back(std::move(ch));
    } else {
      undecodable = true;
    }
  }
  DigestAnswer out = on_challenge(challenges, request, state);
  if (out.error == AuthErrc::no_challenge && undecodable) out.error = AuthErrc::malformed;
  return out;
}

DigestAnswer DigestClient::on_challenge(std::span<const Challenge> challenges, const DigestRequest& request,
                                        DigestRequestState& state) {
  DigestAnswer out;
  if (state.rounds_ >= max_rounds_) {
    out.error = AuthErrc::too_many_rounds;
    return out;
  }

  // The best offer per (header kind, realm), in order of first appearance.
  // Other schemes are ignored (RFC 7235 §2.1: a client picks one it knows).
  std::vector<Offer> offers;
  for (const Challenge& ch : challenges) {
    if (!iequals(ch.value.scheme, "Digest")) continue;
    Offer o = read_offer(ch);
    Offer* same = nullptr;
    for (Offer& b : offers)
      if (b.proxy == o.proxy && b.realm == o.realm) same = &b;
    if (same == nullptr) {
      offers.push_back(std::move(o));
    } else if (o.error == AuthErrc::ok &&
               (same->error != AuthErrc::ok || strength(o.algorithm) > strength(same->algorithm))) {
      *same = std::move(o);
    }
  }

  AuthErrc first_error = AuthErrc::no_challenge;
  std::vector<std::size_t> answered;  // indices into cache_
  for (const Offer& o : offers) {
    AuthErrc error = o.error;
    std::size_t account = 0;
    if (error == AuthErrc::ok) {
      // The nonce this request already carried is challenged again: the
      // credentials were wrong, unless the server says the nonce was stale
      // (RFC 7616 §3.3, RFC 3261 §22.2).
      for (const auto& u : state.used_) {
        if (u.proxy == o.proxy && u.realm == o.realm && u.nonce == o.nonce && !o.stale) {
          out.error = AuthErrc::credentials_rejected;
          return out;
        }
      }
      if (find_account(o.realm, account) == nullptr) error = AuthErrc::no_credentials;
    }
    if (error != AuthErrc::ok) {
      if (first_error == AuthErrc::no_challenge) first_error = error;
      continue;
    }
    Cached* c = find_cached(o.proxy, o.realm);
    if (c == nullptr) {
      c = &cache_.emplace_back();
      c->proxy = o.proxy;
      c->realm = o.realm;
    }
    // A new nonce restarts the nonce count and takes a new cnonce; the same
    // nonce again keeps counting: a repeated nc is a replay (RFC 7616 §3.4).
    if (c->nonce != o.nonce || c->cnonce.empty()) {
      c->nonce = o.nonce;
      c->nc = 0;
      c->cnonce.clear();
      if (o.qop != DigestQop::none || is_session(o.algorithm)) {
        std::array<unsigned char, 16> bytes{};
        if (!random_(bytes)) {
          out.error = AuthErrc::crypto_failed;
          return out;
        }
        c->cnonce = to_hex(bytes);
      }
    }
    c->opaque = o.opaque;
    c->algorithm = o.algorithm;
    c->qop = o.qop;
    c->account = account;
    answered.push_back(static_cast<std::size_t>(c - cache_.data()));
  }
  if (answered.empty()) {
    out.error = first_error;
    return out;
  }
  ++state.rounds_;

  // The realms this request answered before keep their credentials (RFC 3261 §22.3).
  for (const auto& u : state.used_) {
    const Cached* c = find_cached(u.proxy, u.realm);
    if (c == nullptr) continue;
    const auto index = static_cast<std::size_t>(c - cache_.data());
    bool listed = false;
    for (const std::size_t i : answered) listed = listed || i == index;
    if (!listed) answered.push_back(index);
  }
  for (const std::size_t i : answered) {
    out.error = answer(cache_[i], request, state, out);
    if (!out) {
      out.headers.clear();
      return out;
    }
  }
  return out;
}

DigestAnswer DigestClient::authorize(const DigestRequest& request, DigestRequestState& state) {
  DigestAnswer out;
  for (Cached& c : cache_) {
    out.error = answer(c, request, state, out);
    if (!out) {
      out.headers.clear();
      return out;
    }
  }
  return out;
}

AuthErrc DigestClient::answer(Cached& c, const DigestRequest& request, DigestRequestState& state,
                              DigestAnswer& out) {
  // A nonce used 2^32-1 times cannot count further: leave it to be challenged.
  if (c.nc == std::numeric_limits<std::uint32_t>::max()) return AuthErrc::ok;
  ++c.nc;
  std::array<char, 9> nc{};
  std::snprintf(nc.data(), nc.size(), "%08x", static_cast<unsigned>(c.nc));
  const std::string_view nc_text = c.qop == DigestQop::none ? std::string_view() : std::string_view(nc.data(), 8);

  const DigestAccount& account = accounts_[c.account];
  const DigestInput in{c.algorithm, c.qop, c.nonce, nc_text, c.cnonce, request.method, request.uri, request.body};
  const std::string response = digest_response(in, digest_ha1(c.algorithm, account.username, c.realm, account.password));
  if (response.empty()) return AuthErrc::crypto_failed;

  // RFC 7616 §3.4; the uri is the Request-URI as written (RFC 3261 §22.4).
  AuthHeader h;
  h.id = c.proxy ? HeaderId::proxy_authorization : HeaderId::authorization;
  detail::DigestWriter w(h.value);
  w.add("username", account.username, true);
  w.add("realm", c.realm, true);
  w.add("nonce", c.nonce, true);
  w.add("uri", request.uri, true);
  w.add("response", response, true);
  w.add("algorithm", to_string(c.algorithm), false);
  if (!c.cnonce.empty()) w.add("cnonce", c.cnonce, true);
  if (!c.opaque.empty()) w.add("opaque", c.opaque, true);
  if (c.qop != DigestQop::none) {
    w.add("qop", to_string(c.qop), false);
    w.add("nc", nc_text, false);
  }
  out.headers.push_back(std::move(h));

  for (const auto& u : state.used_)
    if (u.proxy == c.proxy && u.realm == c.realm && u.nonce == c.nonce) return AuthErrc::ok;
  state.used_.push_back({c.proxy, c.realm, c.nonce});
  return AuthErrc::ok;
}

}  // namespace cosip::sip
