#include "msrp/relay_client.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "msrp/serializer.hpp"
#include "sip/syntax/header_values.hpp"

namespace cosip::msrp {
namespace {

// A challenge answered once (a new one) and once more when the relay says
// the nonce was stale (RFC 7616 §3.3).
constexpr int max_digest_rounds = 2;

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
  });
}

// stale=true: the credentials were right, only the nonce had expired (RFC 7616 §3.3).
bool is_stale(const sip::AuthValue& value) {
  const sip::Param* stale = sip::find_param(value.params, "stale");
  return stale != nullptr && iequals(stale->value, "true");
}

}  // namespace

RelayClient::RelayClient(RelayConfig config, std::function<std::uint64_t()> random, sip::RandomSource cnonce_random)
    : config_(std::move(config)),
      random_(std::move(random)),
      digest_(std::move(cnonce_random), max_digest_rounds),
      parser_(config_.limits),
      expires_(config_.expires) {
  // The views point into config_, which stays put: the client is not movable.
  Uri relay;
  Uri local;
  if (!parse_uri(config_.relay_uri, relay)) {
    valid_ = false;
    config_error_ = "the relay URI is not an MSRP URI: \"" + config_.relay_uri + "\"";
  } else if (!parse_uri(config_.local_uri, local)) {
    valid_ = false;
    config_error_ = "the local URI is not an MSRP URI: \"" + config_.local_uri + "\"";
  }
  to_path_.push_back(relay);
  from_path_.push_back(local);
  // Any realm the relay names is answered with this account.
  if (!digest_.add_account(sip::DigestAccount{config_.username, config_.password, {}}) && valid_) {
    valid_ = false;
    config_error_ = "the username holds CR or LF, which no Authorization can carry";
  }
}

void RelayClient::start(TimePoint now) {
  if (!valid_ || failed_ || !transaction_id_.empty()) return;
  digest_state_ = {};
  send_auth(now, {});
}

void RelayClient::send_auth(TimePoint now, const std::string& authorization) {
  transaction_id_ = make_transaction_id(random_());
  sent_credentials_ = !authorization.empty();
  deadline_ = now + config_.transaction_timeout;
  refresh_at_.reset();
  MessageHead head = make_auth(transaction_id_, to_path_, from_path_, authorization);
  head.expires = expires_;
  output_ += serialize(head, {}, EndFlag::complete);
}

bool RelayClient::on_bytes(std::string_view bytes, TimePoint now) {
  for (;;) {
    const StreamParser::Result r = parser_.feed(bytes);
    bytes.remove_prefix(r.used);
    switch (r.event) {
      case Event::need_more: return true;
      case Event::error: return false;
      case Event::head:
        // Requests on a shared connection are the session's, not ours.
        if (!parser_.head().is_request) on_response(now);
        break;
      case Event::body:
      case Event::end: break;
    }
  }
}

void RelayClient::on_response(TimePoint now) {
  const MessageHead& response = parser_.head();
  if (transaction_id_.empty() || response.transaction_id != transaction_id_) return;  // late or not ours
  transaction_id_.clear();
  switch (response.status_code) {
    case 200: on_authenticated(now); return;
    case 401: on_challenge(now); return;
    case 423: {
      // RFC 4976 §5: the Expires asked for was out of the relay's bounds.
      const std::optional<std::uint32_t> bound = response.min_expires ? response.min_expires : response.max_expires;
      if (!bound || (expires_ && *expires_ == *bound)) {
        fail(423, std::string(response.comment) + (bound ? " (the bound given was already asked for)"
                                                         : " (without Min-Expires or Max-Expires)"));
        return;
      }
      expires_ = bound;
      digest_state_ = {};
      send_auth(now, {});
      return;
    }
    default: fail(response.status_code, std::string(response.comment)); return;
  }
}

void RelayClient::on_challenge(TimePoint now) {
  const MessageHead& response = parser_.head();
  sip::AuthValue challenge;
  if (response.www_authenticate.empty() || !sip::decode_auth(response.www_authenticate, challenge)) {
    fail(401, "401 without a WWW-Authenticate the client can read: \"" + std::string(response.www_authenticate) +
                  "\"");
    return;
  }
  // Credentials challenged again, not for a stale nonce: they are wrong.
  if (sent_credentials_ && !is_stale(challenge)) {
    fail(401, "credentials refused: " + std::string(response.comment));
    return;
  }
  const std::array<sip::DigestClient::Challenge, 1> challenges{sip::DigestClient::Challenge{false, challenge}};
  // RFC 4976 §5: the digest-uri is the relay's URI from To-Path, method AUTH.
  const sip::DigestRequest request{"AUTH", config_.relay_uri, {}};
  const sip::DigestAnswer answer = digest_.on_challenge(challenges, request, digest_state_);
  if (!answer || answer.headers.empty()) {
    fail(401, "cannot answer the relay's challenge: " + std::string(sip::to_string(answer.error)));
    return;
  }
  send_auth(now, answer.headers.front().value);
}

void RelayClient::on_authenticated(TimePoint now) {
  const MessageHead& response = parser_.head();
  if (response.use_path.empty()) {
    fail(200, "200 to AUTH without Use-Path");
    return;
  }
  if (!response.expires) {
    fail(200, "200 to AUTH without Expires");
    return;
  }
  use_path_.clear();
  for (const Uri& u : response.use_path) {
    std::string text;
    append_uri(text, u);
    use_path_.push_back(std::move(text));
  }
  const std::uint32_t expires = *response.expires;
  // The next renewal asks for what the relay granted.
  expires_ = config_.expires ? std::optional<std::uint32_t>(expires) : std::nullopt;
  const std::chrono::seconds lifetime{expires};
  expires_at_ = now + lifetime;
  // At 2/3 of the lifetime, or refresh_margin before its end when that is earlier.
  std::chrono::seconds refresh_in = lifetime * 2 / 3;
  if (lifetime > config_.refresh_margin) refresh_in = std::min(refresh_in, lifetime - config_.refresh_margin);
  refresh_at_ = now + refresh_in;
  events_.push_back(RelayEvent{RelayEvent::Kind::authenticated, use_path_, expires, 200, std::string(response.comment)});
}

void RelayClient::fail(std::uint16_t code, std::string reason) {
  failed_ = true;
  transaction_id_.clear();
  refresh_at_.reset();
  use_path_.clear();  // a failed renewal ends the authorization too
  expires_at_.reset();
  events_.push_back(RelayEvent{RelayEvent::Kind::failed, {}, 0, code, std::move(reason)});
}

std::string RelayClient::take_output() { return std::exchange(output_, {}); }

std::vector<RelayEvent> RelayClient::take_events() { return std::exchange(events_, {}); }

std::optional<TimePoint> RelayClient::next_timeout() const {
  if (!transaction_id_.empty()) return deadline_;
  return refresh_at_;
}

void RelayClient::on_timeout(TimePoint now) {
  if (!transaction_id_.empty()) {
    if (deadline_ <= now) fail(408, "no response to AUTH");
    return;
  }
  if (refresh_at_ && *refresh_at_ <= now) {
    // RFC 4976 §5: a new AUTH before the authorization expires.
    digest_state_ = {};
    send_auth(now, {});
  }
}

void RelayClient::on_connection_lost(std::string_view reason) {
  if (failed_) return;
  fail(0, std::string(reason));
}

}  // namespace cosip::msrp
