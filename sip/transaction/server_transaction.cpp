#include "sip/transaction/server_transaction.hpp"

#include <algorithm>

namespace cosip::sip {
namespace {

// Gives a string's storage back: assigning an empty string keeps it.
void release(std::string& s) { std::string().swap(s); }

}  // namespace

ServerTransaction::ServerTransaction(bool invite, bool reliable, const TimerConfig& timers)
    : timers_(timers), invite_(invite), reliable_(reliable), state_(invite ? State::proceeding : State::trying) {}

bool ServerTransaction::respond(int code, std::string response, TimePoint now) {
  if (state_ != State::trying && state_ != State::proceeding) return false;
  if (invite_ && code >= 200 && code < 300) {
    // RFC 6026 §8.5: Accepted absorbs INVITE retransmissions and passes ACKs
    // up until Timer L fires; it never resends the 2xx (the TU does), so the
    // response is not kept.
    outbox_.push_back(std::move(response));
    release(last_response_);
    resend_ = false;
    state_ = State::accepted;
    end_at_ = now + timers_.timer_l();
    return true;
  }
  if (code < 200) {
    // A provisional response may yet be followed by another before either
    // is sent: each goes out, the last one is kept for retransmissions.
    last_response_ = response;
    outbox_.push_back(std::move(response));
    resend_ = false;
    state_ = State::proceeding;
    return true;
  }
  // The final response: sent from where it is kept, after what is queued,
  // and kept up to 64*T1 (Timer J / H): without the writer's spare capacity.
  last_response_ = std::move(response);
  last_response_.shrink_to_fit();
  resend_ = true;
  state_ = State::completed;
  if (invite_) {
    // §17.2.1: Timer G retransmits over unreliable transports; Timer H bounds the wait for the ACK.
    if (!reliable_) {
      retransmit_interval_ = timers_.t1;
      retransmit_at_ = now + retransmit_interval_;
    }
    timeout_at_ = now + timers_.timer_h();
  } else {
    // §17.2.2: Timer J absorbs request retransmissions; zero when reliable.
    end_at_ = now + (reliable_ ? Duration{0} : timers_.timer_j());
  }
  return true;
}

void ServerTransaction::on_request_retransmission() {
  // §17.2.1 / §17.2.2: resend the last provisional or final response. In
  // Accepted the retransmission is absorbed; the TU's 2xx retransmissions
  // cover it (RFC 6026 §8.5).
  if (!last_response_.empty() && (state_ == State::proceeding || state_ == State::completed))
    resend_ = true;
}

ServerEvent ServerTransaction::on_ack(TimePoint now) {
  if (state_ == State::accepted) return ServerEvent::ack;
  if (state_ == State::completed) {
    // §17.2.1: Confirmed absorbs further ACKs for Timer I (zero when reliable).
    state_ = State::confirmed;
    retransmit_at_.reset();
    timeout_at_.reset();
    end_at_ = now + (reliable_ ? Duration{0} : timers_.t4);
  }
  return ServerEvent::none;
}

ServerEvent ServerTransaction::on_timeout(TimePoint now) {
  if (state_ == State::terminated) return ServerEvent::none;
  if (timeout_at_ && now >= *timeout_at_) {
    terminate();
    return ServerEvent::ack_timeout;
  }
  if (end_at_ && now >= *end_at_) {
    terminate();
    return ServerEvent::none;
  }
  if (retransmit_at_ && now >= *retransmit_at_) {
    resend_ = true;
    retransmit_interval_ = std::min(2 * retransmit_interval_, timers_.t2);
    retransmit_at_ = now + retransmit_interval_;
  }
  return ServerEvent::none;
}

ServerEvent ServerTransaction::on_transport_error() {
  if (state_ == State::terminated) return ServerEvent::none;
  terminate();
  return ServerEvent::transport_error;
}

void ServerTransaction::terminate() {
  state_ = State::terminated;
  retransmit_at_.reset();
  timeout_at_.reset();
  end_at_.reset();
  outbox_.clear();
  resend_ = false;
}

std::optional<TimePoint> ServerTransaction::next_timeout() const {
  return earliest({retransmit_at_, timeout_at_, end_at_});
}

std::optional<std::string_view> ServerTransaction::poll_transmit() {
  if (!outbox_.empty()) {
    sending_ = std::move(outbox_.front());
    outbox_.erase(outbox_.begin());
    return std::string_view(sending_);
  }
  // Nothing queued: the storage of what was sent goes back now, not when
  // the transaction ends.
  release(sending_);
  outbox_ = std::vector<std::string>();
  if (!resend_) return std::nullopt;
  resend_ = false;
  return std::string_view(last_response_);
}

}  // namespace cosip::sip
