// Session timers (RFC 4028): the Session-Expires and Min-SE rules a UA
// applies, and the timer of one session. Pure: messages and time go in,
// values and deadlines come out; the UA core owns one SessionTimer per dialog.
//
// Flow of a SessionTimer, (re)started by each 2xx to an INVITE or UPDATE
// that carries Session-Expires (§7.2, §9):
//   we refresh:   Running --interval/2--> refresh due: the application sends
//                 a re-INVITE or UPDATE, whose 2xx starts a new timer (§10)
//   they refresh: Running --interval - min(32 s, interval/3)--> expired:
//                 we end the session with a BYE (§10)
// A 2xx without Session-Expires stops the timer (§7.2). The refresher does
// not time the session out itself: a refresh that fails is its
// application's to handle (§10: BYE on a 408 or 481, or a timeout).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sip/syntax/message.hpp"
#include "sip/transaction/timers.hpp"

namespace cosip::sip {

struct SessionTimerConfig {
  bool enabled = false;                  // adds "timer" to Supported; sessions get timers
  std::uint32_t session_expires = 1800;  // §4: the RECOMMENDED interval, used when the peer names none
  std::uint32_t min_se = 90;             // §5: the smallest interval we accept, never below 90
};

// Who refreshes, from the point of view of the transaction carrying it (§4).
enum class Refresher : std::uint8_t { none, uac, uas };

struct SessionExpires {
  std::uint32_t seconds = 0;
  Refresher refresher = Refresher::none;
};

// Session-Expires of a message (§4); nullopt when absent or not a number.
std::optional<SessionExpires> session_expires(const Message& msg);
// Min-SE of a message (§5), e.g. of a 422; nullopt when absent.
std::optional<std::uint32_t> min_se(const Message& msg);
// The header value: "1800;refresher=uac".
std::string to_string(const SessionExpires& se);

// §9: a request (INVITE or UPDATE) whose Session-Expires is below our
// Min-SE gets 422 with our Min-SE.
bool session_interval_too_small(const Message& request, const SessionTimerConfig& config);
// §9: the Session-Expires of our 2xx to `request`: its interval, or ours
// (raised to its Min-SE) when it names none; its refresher, or, when it
// names none, the UAC if it supports "timer", else us.
SessionExpires answer_session_expires(const Message& request, const SessionTimerConfig& config);

class SessionTimer {
 public:
  enum class Event : std::uint8_t { none, refresh_due, expired };

  SessionTimer(std::uint32_t interval_seconds, bool we_refresh, TimePoint now);

  std::uint32_t interval() const { return interval_; }
  bool we_refresh() const { return we_refresh_; }
  std::optional<TimePoint> next_timeout() const;
  Event on_timeout(TimePoint now);

 private:
  std::uint32_t interval_;
  bool we_refresh_;
  std::optional<TimePoint> refresh_at_;
  std::optional<TimePoint> expire_at_;
};

}  // namespace cosip::sip
