// The UAS side of an accepted INVITE (RFC 3261 §13.3.1.4): the core, not the
// transaction, retransmits the 2xx until the ACK arrives. A reliable
// provisional response (RFC 3262 §3) is retransmitted the same way until its
// PRACK, with no cap on the interval.
//
// Flow: Waiting --ACK (PRACK)--> Acknowledged
//       Waiting: resend at T1, 2*T1, ... capped at `max_interval` (T2 for a
//       2xx); after 64*T1 without an acknowledgement -> Abandoned (the UAS
//       then ends the dialog with a BYE, or rejects the INVITE with a 5xx).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sip/transaction/timers.hpp"

namespace cosip::sip {

class AcceptedInvite {
 public:
  enum class State : std::uint8_t { waiting, acknowledged, abandoned };

  // `response` is the serialized 2xx (or reliable 1xx), already sent once by
  // the transaction.
  AcceptedInvite(std::string response, bool reliable, const TimerConfig& timers, TimePoint now,
                 Duration max_interval);

  State state() const { return state_; }
  void on_ack() { state_ = State::acknowledged; }
  // A retransmitted INVITE is answered with the 2xx again (§13.3.1.4).
  void on_invite_retransmission() { send_ = state_ == State::waiting; }
  void on_timeout(TimePoint now);
  std::optional<TimePoint> next_timeout() const;
  std::optional<std::string_view> poll_transmit();

 private:
  std::string response_;
  Duration max_interval_;
  State state_ = State::waiting;
  bool send_ = false;
  Duration interval_;
  std::optional<TimePoint> retransmit_at_;
  TimePoint give_up_at_;
};

}  // namespace cosip::sip
