#include "sip/usage/client_usage.hpp"

#include <algorithm>

namespace cosip::sip {

std::string UsageAddress::next_hop() const { return route.empty() ? request_uri : route.front(); }

MessageWriter write_request_head(const UsageAddress& address, std::string_view method, std::string_view from_tag,
                                 std::string_view call_id, std::uint32_t cseq, const std::vector<AuthHeader>& auth) {
  MessageWriter w;
  w.request_line(method, address.request_uri);
  // §8.1.1.6: 70 hops.
  w.header(HeaderId::max_forwards, std::string_view("70"));
  w.header(HeaderId::from, address.from + ";tag=" + std::string(from_tag));
  w.header(HeaderId::to, address.to);
  w.header(HeaderId::call_id, call_id);
  w.header(HeaderId::cseq, std::to_string(cseq) + " " + std::string(method));
  // §8.1.2: a preloaded route set, each a loose router.
  for (const std::string& r : address.route) w.header(HeaderId::route, "<" + r + ";lr>");
  for (const AuthHeader& h : auth) w.header(h.name(), h.value);
  if (!address.user_agent.empty()) w.header(HeaderId::user_agent, address.user_agent);
  return w;
}

void RequestCredentials::begin(std::string_view method, std::string_view uri, std::string_view body) {
  state_ = DigestRequestState{};
  headers_.clear();
  if (digest_ == nullptr) return;
  DigestAnswer a = digest_->authorize({method, uri, body}, state_);
  if (a) headers_ = std::move(a.headers);
}

bool RequestCredentials::on_challenge(const Message& response, std::string_view method, std::string_view uri,
                                      std::string_view body, AuthErrc& error) {
  if (digest_ == nullptr) {
    error = AuthErrc::no_credentials;
    return false;
  }
  DigestAnswer a = digest_->on_challenge(response, {method, uri, body}, state_);
  error = a.error;
  if (!a) return false;
  headers_ = std::move(a.headers);
  return true;
}

std::optional<std::uint32_t> retry_after_seconds(const Message& response) {
  const Header* h = response.find(HeaderId::retry_after);
  RetryAfter r;
  if (h == nullptr || !decode_retry_after(h->value, r)) return std::nullopt;
  return r.seconds;
}

std::optional<std::uint32_t> expires_seconds(const Message& message) {
  const Header* h = message.find(HeaderId::expires);
  std::uint32_t seconds = 0;
  if (h == nullptr || !decode_uint(h->value, 0xffffffffu, seconds)) return std::nullopt;
  return seconds;
}

std::string content_type_of(const Message& message) {
  std::string s;
  if (message.content_type) append(s, *message.content_type);
  return s;
}

bool raise_to_min_expires(const Message& response, std::uint32_t& expires) {
  const Header* h = response.find(HeaderId::min_expires);
  std::uint32_t min = 0;
  if (h == nullptr || !decode_uint(h->value, 0xffffffffu, min) || min <= expires) return false;
  expires = min;
  return true;
}

Duration refresh_delay(std::uint32_t granted) {
  const std::int64_t g = granted;
  return std::chrono::seconds(std::max<std::int64_t>(g / 2, g - 60));
}

Duration RetryBackoff::next(std::optional<std::uint32_t> retry_after) {
  const Duration wait = retry_after ? Duration(std::chrono::seconds(*retry_after)) : next_;
  next_ = std::min<Duration>(next_ * 2, max_);
  return wait;
}

std::uint32_t whole_seconds(Duration d) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::string host_of(std::string_view uri_text) {
  Uri uri;
  if (parse_uri(uri_text, uri).error != nullptr || uri.host.empty()) return "cosip";
  return std::string(uri.host);
}

}  // namespace cosip::sip
