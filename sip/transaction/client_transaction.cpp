#include "sip/transaction/client_transaction.hpp"

#include <algorithm>

#include "sip/syntax/writer.hpp"

namespace cosip::sip {

ClientTransaction::ClientTransaction(std::string request, bool reliable, const TimerConfig& timers, TimePoint now)
    : request_(std::move(request)), timers_(timers), reliable_(reliable) {
  parse_message(request_, parsed_);
  invite_ = parsed_.method == "INVITE";
  state_ = invite_ ? State::calling : State::trying;
  retransmit_interval_ = timers_.t1;
  // §17.1.1.2 / §17.1.2.2: retransmit over unreliable transports only; the
  // transaction times out after 64*T1 either way.
  if (!reliable_) retransmit_at_ = now + retransmit_interval_;
  timeout_at_ = now + (invite_ ? timers_.timer_b() : timers_.timer_f());
}

ClientEvent ClientTransaction::on_response(const Message& response, TimePoint now) {
  const int code = response.status_code;
  switch (state_) {
    case State::calling:
    case State::trying:
    case State::proceeding:
      if (code < 200) {
        state_ = State::proceeding;
        if (invite_) {
          // §17.1.1.2: no retransmissions and no Timer B once a 1xx arrived.
          retransmit_at_.reset();
          timeout_at_.reset();
        } else if (retransmit_at_) {
          // §17.1.2.2: in Proceeding, retransmit every T2.
          retransmit_interval_ = timers_.t2;
        }
        return ClientEvent::response;
      }
      if (invite_ && code < 300) {
        // RFC 6026 §8.4: Accepted; the TU sends the ACK of the 2xx itself
        // and sees every 2xx retransmission.
        state_ = State::accepted;
        retransmit_at_.reset();
        timeout_at_.reset();
        end_at_ = now + timers_.timer_m();
        return ClientEvent::response;
      }
      enter_completed(response, now);
      return ClientEvent::response;
    case State::accepted:
      return code >= 200 && code < 300 ? ClientEvent::response : ClientEvent::none;
    case State::completed:
      // §17.1.1.2: a retransmitted final response is answered with the ACK again.
      if (invite_ && code >= 300) send_ack_ = true;
      return ClientEvent::none;
    case State::terminated: return ClientEvent::none;
  }
  return ClientEvent::none;
}

void ClientTransaction::enter_completed(const Message& response, TimePoint now) {
  state_ = State::completed;
  retransmit_at_.reset();
  timeout_at_.reset();
  if (invite_) {
    ack_ = make_ack(parsed_, response);
    send_ack_ = true;
  }
  // Timer D (INVITE) / K (non-INVITE) absorb retransmissions; zero when reliable.
  const Duration wait = reliable_ ? Duration{0} : (invite_ ? timers_.timer_d() : timers_.t4);
  end_at_ = now + wait;
}

ClientEvent ClientTransaction::on_timeout(TimePoint now) {
  if (state_ == State::terminated) return ClientEvent::none;
  if (timeout_at_ && now >= *timeout_at_) {
    terminate();
    return ClientEvent::timeout;
  }
  if (end_at_ && now >= *end_at_) {
    terminate();
    return ClientEvent::none;
  }
  if (retransmit_at_ && now >= *retransmit_at_) {
    send_request_ = true;
    // Timer A doubles without bound; Timer E doubles up to T2 (§17.1.2.2).
    retransmit_interval_ = invite_ ? 2 * retransmit_interval_ : std::min(2 * retransmit_interval_, timers_.t2);
    if (!invite_ && state_ == State::proceeding) retransmit_interval_ = timers_.t2;
    retransmit_at_ = now + retransmit_interval_;
  }
  return ClientEvent::none;
}

ClientEvent ClientTransaction::on_transport_error() {
  if (state_ == State::terminated) return ClientEvent::none;
  const bool tu_waiting = state_ == State::calling || state_ == State::trying || state_ == State::proceeding;
  terminate();
  return tu_waiting ? ClientEvent::transport_error : ClientEvent::none;
}

void ClientTransaction::terminate() {
  state_ = State::terminated;
  retransmit_at_.reset();
  timeout_at_.reset();
  end_at_.reset();
  send_request_ = send_ack_ = false;
}

std::optional<TimePoint> ClientTransaction::next_timeout() const {
  return earliest({retransmit_at_, timeout_at_, end_at_});
}

std::optional<std::string_view> ClientTransaction::poll_transmit() {
  if (send_request_) {
    send_request_ = false;
    return std::string_view(request_);
  }
  if (send_ack_) {
    send_ack_ = false;
    return std::string_view(ack_);
  }
  return std::nullopt;
}

std::string make_ack(const Message& invite, const Message& response) {
  MessageWriter w;
  w.request_line("ACK", invite.request_uri_text);
  // §17.1.1.3: only the top Via of the INVITE; Route headers of the INVITE.
  if (!invite.vias.empty()) w.header(HeaderId::via, invite.vias.front());
  for (const Header& h : invite.headers)
    if (h.id == HeaderId::route) w.header(HeaderId::route, h.value);
  w.header(HeaderId::max_forwards, std::string_view("70"));
  if (const Header* from = invite.find(HeaderId::from)) w.header(HeaderId::from, from->value);
  if (const Header* to = response.find(HeaderId::to)) w.header(HeaderId::to, to->value);
  w.header(HeaderId::call_id, invite.call_id);
  w.header(HeaderId::cseq, CSeq{invite.cseq.number, "ACK"});
  return w.finish();
}

}  // namespace cosip::sip
