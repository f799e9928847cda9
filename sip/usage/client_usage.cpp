#include "sip/usage/client_usage.hpp"

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

}  // namespace cosip::sip
