#include "sip/ua/accepted_invite.hpp"

#include <algorithm>

namespace cosip::sip {

AcceptedInvite::AcceptedInvite(std::string response, bool reliable, const TimerConfig& timers, TimePoint now,
                               Duration max_interval)
    : response_(std::move(response)),
      max_interval_(max_interval),
      interval_(timers.t1),
      give_up_at_(now + 64 * timers.t1) {
  // Over a reliable transport the 2xx is not retransmitted, but the wait for
  // the ACK is bounded all the same.
  if (!reliable) retransmit_at_ = now + interval_;
}

void AcceptedInvite::on_timeout(TimePoint now) {
  if (state_ != State::waiting) return;
  if (now >= give_up_at_) {
    state_ = State::abandoned;
    send_ = false;
    return;
  }
  if (retransmit_at_ && now >= *retransmit_at_) {
    send_ = true;
    interval_ = std::min(2 * interval_, max_interval_);
    retransmit_at_ = now + interval_;
  }
}

std::optional<TimePoint> AcceptedInvite::next_timeout() const {
  if (state_ != State::waiting) return std::nullopt;
  return earliest({retransmit_at_, give_up_at_});
}

std::optional<std::string_view> AcceptedInvite::poll_transmit() {
  if (!send_) return std::nullopt;
  send_ = false;
  return std::string_view(response_);
}

}  // namespace cosip::sip
