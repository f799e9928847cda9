#include "sip/ua/session_timer.hpp"

#include <algorithm>

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {
namespace {

constexpr std::uint32_t max_delta_seconds = 0xffffffffu;

// delta-seconds *(SEMI param) (§4, §5): the value of Session-Expires and Min-SE.
std::optional<std::uint32_t> delta_seconds(const TokenParams& value) {
  std::uint32_t seconds = 0;
  if (!decode_uint(value.value, max_delta_seconds, seconds)) return std::nullopt;
  return seconds;
}

}  // namespace

std::optional<SessionExpires> session_expires(const Message& msg) {
  const Header* h = msg.find(HeaderId::session_expires);
  TokenParams value;
  if (h == nullptr || !decode_token_params(h->value, value)) return std::nullopt;
  const std::optional<std::uint32_t> seconds = delta_seconds(value);
  if (!seconds) return std::nullopt;
  SessionExpires se{*seconds, Refresher::none};
  if (const Param* p = find_param(value.params, "refresher")) {
    if (detail::iequals(p->value, "uac")) se.refresher = Refresher::uac;
    else if (detail::iequals(p->value, "uas")) se.refresher = Refresher::uas;
  }
  return se;
}

std::optional<std::uint32_t> min_se(const Message& msg) {
  const Header* h = msg.find(HeaderId::min_se);
  TokenParams value;
  if (h == nullptr || !decode_token_params(h->value, value)) return std::nullopt;
  return delta_seconds(value);
}

std::string to_string(const SessionExpires& se) {
  std::string s = std::to_string(se.seconds);
  if (se.refresher == Refresher::uac) s += ";refresher=uac";
  else if (se.refresher == Refresher::uas) s += ";refresher=uas";
  return s;
}

bool session_interval_too_small(const Message& request, const SessionTimerConfig& config) {
  const std::optional<SessionExpires> se = session_expires(request);
  return se && se->seconds < config.min_se;
}

SessionExpires answer_session_expires(const Message& request, const SessionTimerConfig& config) {
  SessionExpires answer;
  if (const std::optional<SessionExpires> asked = session_expires(request)) {
    answer = *asked;
  } else {
    // §9: with no Session-Expires in the request, the UAS may still use a
    // session timer, but not below the Min-SE the request names.
    answer.seconds = std::max(config.session_expires, min_se(request).value_or(0));
  }
  if (answer.refresher == Refresher::none) {
    // §9: a UAC that does not support "timer" cannot refresh.
    answer.refresher = request.has_option_tag(HeaderId::supported, "timer") ? Refresher::uac : Refresher::uas;
  }
  return answer;
}

SessionTimer::SessionTimer(std::uint32_t interval_seconds, bool we_refresh, TimePoint now)
    : interval_(interval_seconds), we_refresh_(we_refresh) {
  // §10: the refresh goes at half the interval; the other side, having seen
  // no refresh by min(32 s, interval/3) before the end, ends the session.
  const std::chrono::seconds interval(interval_seconds);
  if (we_refresh) refresh_at_ = now + interval / 2;
  else expire_at_ = now + interval - std::min(std::chrono::seconds(32), interval / 3);
}

std::optional<TimePoint> SessionTimer::next_timeout() const { return earliest({refresh_at_, expire_at_}); }

SessionTimer::Event SessionTimer::on_timeout(TimePoint now) {
  if (refresh_at_ && now >= *refresh_at_) {
    refresh_at_.reset();
    return Event::refresh_due;
  }
  if (expire_at_ && now >= *expire_at_) {
    expire_at_.reset();
    return Event::expired;
  }
  return Event::none;
}

}  // namespace cosip::sip
