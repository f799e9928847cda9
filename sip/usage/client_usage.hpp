// Client usages: what a UA keeps up on its own behalf outside INVITE
// sessions (RFC 5057 calls these dialog usages; registrations and
// publications are the same pattern without a dialog): a registration
// (RFC 3261 §10), a subscription (RFC 6665), a publication (RFC 3903) and
// pager-mode messages (RFC 3428). Pure: each usage builds requests, takes
// their final responses and the time, and reports events named as in the
// middleware API (SCRegistrationDidSucceed, ...).
//
// Flow between a usage and the UA shell that carries it:
//   usage.poll_request()   -> a request without Via; the shell adds the Via
//                             of the transport it picks (§8.1.1.7), finds the
//                             next hop (RFC 3263, failover on timeout / 503)
//                             and starts a client transaction
//   final response         -> usage.on_response()
//   no response at all     -> usage.on_no_response(408 or 503) (§8.1.3.1)
//   a request in the usage's dialog (NOTIFY) -> usage.on_request() -> code
//   usage.next_timeout()   -> usage.on_timeout() (refreshes, retries)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/syntax/message.hpp"
#include "sip/syntax/writer.hpp"
#include "sip/transaction/timers.hpp"

namespace cosip::sip {

// A request a usage wants sent. Not an aggregate: the shell builds these
// inside coroutines (see the g++ 12 note in resolver/server_location.hpp).
struct UsageRequest {
  UsageRequest() = default;
  UsageRequest(std::string request_bytes, std::string hop) : bytes(std::move(request_bytes)), next_hop(std::move(hop)) {}

  std::string bytes;     // a whole request without Via
  std::string next_hop;  // the URI whose server receives it: first Route, else the Request-URI (§8.1.2)
};

class ClientUsage {
 public:
  virtual ~ClientUsage() = default;

  // The next request to send, if any. A usage has at most one request
  // outstanding; it asks for none until that one got its final answer.
  virtual std::optional<UsageRequest> poll_request() = 0;
  // The final response to the outstanding request.
  virtual void on_response(const Message& response, TimePoint now) = 0;
  // The outstanding request got no response: `code` 408 after a timeout,
  // 503 when no server could be reached (§8.1.3.1).
  virtual void on_no_response(int code, std::string_view reason, TimePoint now) = 0;
  // A request inside this usage's dialog; returns the status to answer it
  // with, or 0 when the request is not this usage's.
  virtual int on_request(const Message& request, TimePoint now) {
    (void)request;
    (void)now;
    return 0;
  }
  virtual std::optional<TimePoint> next_timeout() const = 0;
  virtual void on_timeout(TimePoint now) = 0;
};

// Who a usage speaks for and where its requests go (§8.1.1).
struct UsageAddress {
  std::string request_uri;                  // e.g. "sip:example.com" (a registrar) or "sip:bob@example.com"
  std::string from;                         // name-addr without tag, e.g. "\"Alice\" <sip:alice@example.com>"
  std::string to;                           // name-addr without tag
  std::vector<std::string> route;           // preloaded route (outbound proxy): URIs, used as <uri;lr>
  std::string user_agent = "cosip/0.1";

  // The first Route, else the Request-URI (§8.1.2).
  std::string next_hop() const;
};

// The fixed head of an out-of-dialog request (§8.1.1): request line,
// Max-Forwards, From with tag, To, Call-ID, CSeq, Route and User-Agent, plus
// the credentials of `auth`. The writer stays open for the usage's headers.
MessageWriter write_request_head(const UsageAddress& address, std::string_view method, std::string_view from_tag,
                                 std::string_view call_id, std::uint32_t cseq, const std::vector<AuthHeader>& auth);

// One request of a usage across its digest retries (RFC 3261 §22.2): the
// credentials to send, answered from the DigestClient the usage shares with
// the rest of its account.
class RequestCredentials {
 public:
  explicit RequestCredentials(DigestClient* digest) : digest_(digest) {}

  // A new request: credentials from the cached challenges (RFC 7616 §3.6).
  void begin(std::string_view method, std::string_view uri, std::string_view body = {});
  // A 401/407 to it: true when the retry can carry answers; else `error`
  // says why not (no account, rejected, loop bound, ...).
  bool on_challenge(const Message& response, std::string_view method, std::string_view uri,
                    std::string_view body, AuthErrc& error);

  const std::vector<AuthHeader>& headers() const { return headers_; }

 private:
  DigestClient* digest_;
  DigestRequestState state_;
  std::vector<AuthHeader> headers_;
};

// Seconds from a Retry-After header, if the response has one.
std::optional<std::uint32_t> retry_after_seconds(const Message& response);
// Seconds from an Expires header, if the message has one.
std::optional<std::uint32_t> expires_seconds(const Message& message);
// The Content-Type of a message in canonical text; "" when it has none.
std::string content_type_of(const Message& message);

// A 423 Interval Too Brief (RFC 3261 §10.2.8, RFC 6665 §4.2.1.1, RFC 3903
// §6): raises `expires` to the response's Min-Expires; false when that is
// missing or no larger, so asking again would not help.
bool raise_to_min_expires(const Message& response, std::uint32_t& expires);

// When to refresh something granted for `granted` seconds (RFC 3261
// §10.2.4, RFC 6665 §4.1.2.2, RFC 3903 §4.2): at half its life, or a minute
// before it lapses when that is later.
Duration refresh_delay(std::uint32_t granted);

// The wait before the next attempt after a failure: the server's
// Retry-After when it gave one, else a back-off doubling from `first` up to
// `max` (RFC 5626 §4.5); reset() after a success.
class RetryBackoff {
 public:
  RetryBackoff(Duration first, Duration max) : first_(first), max_(max), next_(first) {}

  Duration next(std::optional<std::uint32_t> retry_after);
  void reset() { next_ = first_; }

 private:
  Duration first_;
  Duration max_;
  Duration next_;
};

// Whole seconds of a wait, as the events report it.
std::uint32_t whole_seconds(Duration d);

// The host of a URI, for Call-IDs (§8.1.1.4); "cosip" when it has none.
std::string host_of(std::string_view uri_text);

// An event of a usage with its kind, code and reason set and the rest
// defaulted (every usage event has those three members).
template <class Event>
Event usage_event(typename Event::Kind kind, int code = 0, std::string reason = {}) {
  Event e;
  e.kind = kind;
  e.code = code;
  e.reason = std::move(reason);
  return e;
}

}  // namespace cosip::sip
