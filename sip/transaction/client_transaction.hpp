// Client transactions (RFC 3261 §17.1, with the Accepted state of RFC 6026).
// A pure core: time is an input, bytes to send are an output.
//
// Flow (INVITE, §17.1.1):
//   Calling --1xx--> Proceeding --2xx--> Accepted --Timer M--> Terminated
//      |                 |  300-699: send ACK
//      +-----------------+--------> Completed --Timer D--> Terminated
//   Calling: Timer A retransmits (unreliable transports), Timer B times out.
// Flow (non-INVITE, §17.1.2):
//   Trying --1xx--> Proceeding --final--> Completed --Timer K--> Terminated
//   Timer E retransmits (unreliable transports), Timer F times out.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sip/syntax/message.hpp"
#include "sip/transaction/timers.hpp"

namespace cosip::sip {

// What the transaction user must learn from an input.
enum class ClientEvent : std::uint8_t {
  none,
  response,         // pass the response to the TU
  timeout,          // Timer B or F: the TU acts as on a 408 (§8.1.3.1)
  transport_error,  // the TU acts as on a 503 (§8.1.3.1)
};

class ClientTransaction {
 public:
  enum class State : std::uint8_t { calling, trying, proceeding, accepted, completed, terminated };

  // `request` is the serialized request; the transaction keeps it for
  // retransmissions and for building the ACK of a non-2xx final response.
  // It must parse: it is the caller's own output.
  ClientTransaction(std::string request, bool reliable, const TimerConfig& timers, TimePoint now);

  ClientTransaction(const ClientTransaction&) = delete;
  ClientTransaction& operator=(const ClientTransaction&) = delete;

  State state() const { return state_; }
  bool is_invite() const { return invite_; }
  const Message& request() const { return parsed_; }

  // A response matched to this transaction (§17.1.3).
  ClientEvent on_response(const Message& response, TimePoint now);
  // The deadline from next_timeout() has passed.
  ClientEvent on_timeout(TimePoint now);
  // The transport could not send (§17.1.4).
  ClientEvent on_transport_error();

  // The earliest armed timer, if any.
  std::optional<TimePoint> next_timeout() const;
  // Bytes to send now, one message per call: the request (first send and
  // retransmissions) or the ACK of a non-2xx final response. The view is
  // valid until the transaction is destroyed.
  std::optional<std::string_view> poll_transmit();

 private:
  void enter_completed(const Message& response, TimePoint now);
  void terminate();

  std::string request_;
  Message parsed_;
  std::string ack_;
  TimerConfig timers_;
  bool invite_;
  bool reliable_;
  State state_;
  bool send_request_ = true;
  bool send_ack_ = false;
  Duration retransmit_interval_;
  std::optional<TimePoint> retransmit_at_;  // Timer A / E
  std::optional<TimePoint> timeout_at_;     // Timer B / F
  std::optional<TimePoint> end_at_;         // Timer D / K / M
};

// The ACK of a non-2xx final response (§17.1.1.3): Request-URI, Call-ID,
// From, the top Via, Route and the CSeq number of the INVITE, To of the response.
std::string make_ack(const Message& invite, const Message& response);

}  // namespace cosip::sip
