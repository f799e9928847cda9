// A client of one MSRP relay (RFC 4976) as a pure core: it authenticates to
// the relay with AUTH, answers the relay's digest challenge, learns the
// Use-Path to advertise and keeps the authorization fresh. Bytes and time
// in; bytes to write, events and the next deadline out, like MsrpSession.
// The shell owns the connection to the relay and may feed the same bytes to
// an MsrpSession that shares it: each ignores the other's transactions.
//
// Rules it follows (RFC 4976 §5, §6, §8):
//   - AUTH: To-Path is the relay's URI alone, From-Path our URI; each AUTH
//     is a new transaction with a fresh transaction id (§5);
//   - 401 with a Digest WWW-Authenticate: a second AUTH with Authorization
//     computed with method "AUTH" and digest-uri = the relay's URI (§5);
//     a second 401 for credentials (not stale) means they are wrong;
//   - 200: Use-Path holds the URIs to put in our a=path before ours (§5.1,
//     §6); Expires how long the authorization lasts;
//   - 423 with Min-Expires (or Max-Expires): the AUTH again with that value;
//   - anything else, or no response within transaction_timeout: failure
//     (408 for the timeout);
//   - the authorization is renewed with a new AUTH before Expires runs out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "msrp/message.hpp"
#include "msrp/parser.hpp"
#include "msrp/session.hpp"
#include "sip/auth/digest.hpp"

namespace cosip::msrp {

struct RelayConfig {
  std::string relay_uri;  // msrp:// or msrps:// URI of the relay, without a session-id
  std::string local_uri;  // ours: From-Path of the AUTH
  std::string username;
  std::string password;
  // Expires asked for in the first AUTH. None by default: Kamailio 5.6.3's
  // msrp_cmap_save() answers 423 to any AUTH that carries one.
  std::optional<std::uint32_t> expires;
  std::chrono::milliseconds transaction_timeout{30000};
  // Renewal happens at 2/3 of Expires, and never later than this before it ends.
  std::chrono::seconds refresh_margin{30};
  Limits limits;  // of the stream parser
};

struct RelayEvent {
  enum class Kind {
    authenticated,  // a 200 to AUTH: use_path and expires hold what it said
    failed,         // code and reason say why; nothing is renewed any more
  };
  Kind kind = Kind::authenticated;
  std::vector<std::string> use_path;
  std::uint32_t expires = 0;
  std::uint16_t code = 0;
  std::string reason;
};

class RelayClient {
 public:
  // `random` draws transaction ids; `cnonce_random` the digest cnonces. False
  // from valid() when a URI of `config` is not an MSRP URI.
  RelayClient(RelayConfig config, std::function<std::uint64_t()> random,
              sip::RandomSource cnonce_random = sip::openssl_random());
  RelayClient(const RelayClient&) = delete;
  RelayClient& operator=(const RelayClient&) = delete;

  bool valid() const { return valid_; }
  const std::string& config_error() const { return config_error_; }

  // Sends the first AUTH (once the connection to the relay is up).
  void start(TimePoint now);

  // Bytes from the connection. False when the stream is broken; error() says why.
  bool on_bytes(std::string_view bytes, TimePoint now);
  const ParseError& error() const { return parser_.error(); }

  std::string take_output();
  std::vector<RelayEvent> take_events();

  // The AUTH transaction's deadline, else the time to renew, else none.
  std::optional<TimePoint> next_timeout() const;
  void on_timeout(TimePoint now);
  // The connection is gone, and with it the relay's authorization, which
  // belongs to the connection (RFC 4976 §5): failed with code 0 and `reason`.
  void on_connection_lost(std::string_view reason);

  bool authenticated() const { return !use_path_.empty(); }
  // From the last 200: the relay URIs for our a=path, and when it ends.
  const std::vector<std::string>& use_path() const { return use_path_; }
  std::optional<TimePoint> expires_at() const { return expires_at_; }

 private:
  void send_auth(TimePoint now, const std::string& authorization);
  void on_response(TimePoint now);
  void on_challenge(TimePoint now);
  void on_authenticated(TimePoint now);
  void fail(std::uint16_t code, std::string reason);

  RelayConfig config_;
  std::function<std::uint64_t()> random_;
  sip::DigestClient digest_;
  bool valid_ = true;
  std::string config_error_;
  UriList to_path_;    // the relay
  UriList from_path_;  // us

  StreamParser parser_;
  std::optional<std::uint32_t> expires_;  // what the next AUTH asks for
  std::string transaction_id_;            // of the AUTH waiting for its response; empty when none
  bool sent_credentials_ = false;         // that AUTH carried Authorization
  TimePoint deadline_{};
  sip::DigestRequestState digest_state_;  // across the AUTHs of one authentication
  bool failed_ = false;
  std::vector<std::string> use_path_;
  std::optional<TimePoint> expires_at_;
  std::optional<TimePoint> refresh_at_;
  std::string output_;
  std::vector<RelayEvent> events_;
};

}  // namespace cosip::msrp
