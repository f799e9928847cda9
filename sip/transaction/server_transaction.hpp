// Server transactions (RFC 3261 §17.2, with the Accepted state of RFC 6026).
// A pure core: time is an input, bytes to send are an output.
//
// Flow (INVITE, §17.2.1):
//   Proceeding --TU 2xx--> Accepted --Timer L--> Terminated
//       | TU 300-699
//       v
//   Completed --ACK--> Confirmed --Timer I--> Terminated
//       Timer G retransmits the response (unreliable), Timer H gives up on the ACK.
// Flow (non-INVITE, §17.2.2):
//   Trying --TU 1xx--> Proceeding --TU final--> Completed --Timer J--> Terminated
// A retransmitted request is answered with the last response sent and never
// reaches the TU. A transaction outlives its final response by up to 64*T1
// (Timer J / L) to absorb retransmissions, so it then holds only what that
// takes: the final response if it may be resent, nothing of the 2xx to an
// INVITE, nothing already sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/transaction/timers.hpp"

namespace cosip::sip {

enum class ServerEvent : std::uint8_t {
  none,
  ack,              // RFC 6026: an ACK for a 2xx in Accepted goes to the TU
  ack_timeout,      // Timer H: no ACK came for the non-2xx final response
  transport_error,  // the response could not be sent (§17.2.4)
};

class ServerTransaction {
 public:
  enum class State : std::uint8_t { trying, proceeding, accepted, completed, confirmed, terminated };

  ServerTransaction(bool invite, bool reliable, const TimerConfig& timers);

  ServerTransaction(const ServerTransaction&) = delete;
  ServerTransaction& operator=(const ServerTransaction&) = delete;

  State state() const { return state_; }
  bool is_invite() const { return invite_; }

  // The TU answers: `response` is the serialized response, `code` its status.
  // Returns false (and sends nothing) once a final response was sent: a UAS
  // retransmits its 2xx to INVITE itself (§13.3.1.4), not through here.
  bool respond(int code, std::string response, TimePoint now);
  // A retransmission of the request matched this transaction (§17.2.3).
  void on_request_retransmission();
  // An ACK matched this INVITE transaction.
  ServerEvent on_ack(TimePoint now);
  ServerEvent on_timeout(TimePoint now);
  ServerEvent on_transport_error();

  std::optional<TimePoint> next_timeout() const;
  // The next response to send, if any, in the order the TU gave them (a 1xx
  // and a final one may both be waiting); valid until the next call.
  std::optional<std::string_view> poll_transmit();

 private:
  void terminate();

  TimerConfig timers_;
  bool invite_;
  bool reliable_;
  State state_;
  std::string last_response_;         // the response a retransmitted request gets
  std::vector<std::string> outbox_;   // responses given by the TU, not yet sent, but last_response_
  std::string sending_;               // the one poll_transmit() handed out last
  bool resend_ = false;               // last_response_ is due (again)
  Duration retransmit_interval_{};
  std::optional<TimePoint> retransmit_at_;  // Timer G
  std::optional<TimePoint> timeout_at_;     // Timer H
  std::optional<TimePoint> end_at_;         // Timer I / J / L
};

}  // namespace cosip::sip
