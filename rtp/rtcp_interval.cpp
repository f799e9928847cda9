#include "rtp/rtcp_interval.hpp"

#include <algorithm>
#include <cmath>

namespace cosip::rtp {

namespace {

// A.7: e - 3/2, which makes the randomised timer's mean interval Td after
// reconsideration.
constexpr double compensation = 2.71828 - 1.5;

std::chrono::nanoseconds to_duration(double seconds) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(seconds * 1e9)));
}

}  // namespace

double deterministic_interval(const RtcpConfig& config, const IntervalInputs& in) {
  // §6.2: the reduced minimum scales with the session bandwidth.
  double min_time = config.minimum_interval;
  if (config.reduced_minimum && config.session_bandwidth > 0 && (!config.multicast || in.we_sent))
    min_time = std::min(min_time, 360.0 / (config.session_bandwidth / 1000.0));
  // §6.2: the first report may go after half the minimum.
  if (in.initial) min_time /= 2;

  // §6.3.1 step 1: when senders are at most a quarter of the members, they
  // share the sender fraction among themselves and the rest the remainder.
  double rtcp_bw = config.rtcp_fraction * config.session_bandwidth / 8;  // octets/s
  double n = in.members;
  if (in.senders <= in.members * config.sender_fraction) {
    if (in.we_sent) {
      rtcp_bw *= config.sender_fraction;
      n = in.senders;
    } else {
      rtcp_bw *= 1 - config.sender_fraction;
      n -= in.senders;
    }
  }
  // Steps 2-4: C = avg size / bandwidth, Td = max(Tmin, n × C).
  const double t = rtcp_bw > 0 ? in.avg_rtcp_size * n / rtcp_bw : 0;
  return std::max(t, min_time);
}

double randomized_interval(const RtcpConfig& config, const IntervalInputs& in, double unit) {
  return deterministic_interval(config, in) * (unit + 0.5) / compensation;
}

RtcpScheduler::RtcpScheduler(const RtcpConfig& config, TimePoint now, RandomSource random)
    : config_(config), random_(std::move(random)), tp_(now) {
  // §6.3.2 initialisation.
  in_.avg_rtcp_size = static_cast<double>(config_.initial_packet_size);
  tn_ = now + draw_interval();
}

std::chrono::nanoseconds RtcpScheduler::draw_interval() const {
  return to_duration(randomized_interval(config_, in_, unit_interval(random_())));
}

std::optional<TimePoint> RtcpScheduler::next_timeout() const {
  if (state_ == State::running || state_ == State::leaving) return tn_;
  return std::nullopt;
}

RtcpAction RtcpScheduler::on_timeout(TimePoint now) {
  if (state_ != State::running && state_ != State::leaving) return RtcpAction::none;
  // §6.3.6: recompute T with the current state; send only if tp + T has
  // passed, otherwise the timer moves to tp + T.
  const TimePoint tn = tp_ + draw_interval();
  if (state_ == State::running) pmembers_ = in_.members;
  if (tn > now) {
    tn_ = tn;
    return RtcpAction::none;
  }
  if (state_ == State::leaving) {
    state_ = State::closed;
    return RtcpAction::send_bye;
  }
  state_ = State::awaiting_size;
  return RtcpAction::send_report;
}

void RtcpScheduler::on_report_sent(std::size_t size, TimePoint now) {
  if (state_ != State::awaiting_size) return;
  // §6.3.3 (the sent packet counts as received ones do), then a fresh
  // draw: the interval that fired is biased towards short ones (A.7).
  in_.avg_rtcp_size = size / 16.0 + in_.avg_rtcp_size * 15.0 / 16.0;
  tp_ = now;
  in_.initial = false;
  sent_anything_ = true;
  tn_ = now + draw_interval();
  state_ = State::running;
}

void RtcpScheduler::on_rtcp_received(std::size_t size, bool bye) {
  if (state_ == State::closed) return;
  if (state_ == State::leaving) {
    if (!bye) return;  // §6.3.7: only BYEs are counted once leaving
    ++in_.members;
  }
  in_.avg_rtcp_size = size / 16.0 + in_.avg_rtcp_size * 15.0 / 16.0;
}

void RtcpScheduler::set_members(std::uint32_t members, std::uint32_t senders, TimePoint now) {
  if (state_ == State::leaving || state_ == State::closed) return;
  members = std::max<std::uint32_t>(members, 1);  // we count ourselves
  in_.members = members;
  in_.senders = senders;
  // §6.3.4: scale the remaining wait and the last transmission time by
  // members / pmembers, then remember the new count.
  if (state_ == State::running && members < pmembers_) {
    const double ratio = static_cast<double>(members) / pmembers_;
    const auto scale = [ratio](Clock::duration d) {
      return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, Clock::period>(d.count() * ratio));
    };
    if (tn_ > now) tn_ = now + scale(tn_ - now);
    if (tp_ < now) tp_ = now - scale(now - tp_);
    pmembers_ = members;
  }
}

void RtcpScheduler::set_we_sent(bool we_sent) {
  if (state_ == State::leaving || state_ == State::closed) return;
  in_.we_sent = we_sent;
  if (we_sent) sent_anything_ = true;
}

RtcpAction RtcpScheduler::leave(std::size_t bye_size, TimePoint now) {
  if (state_ == State::leaving || state_ == State::closed) return RtcpAction::none;
  const bool had_sent = sent_anything_;
  // §6.3.7: a participant that never sent RTP or RTCP sends no BYE.
  if (!had_sent) {
    state_ = State::closed;
    return RtcpAction::none;
  }
  // With 50 members or fewer the BYE may go at once.
  if (in_.members <= 50) {
    state_ = State::closed;
    return RtcpAction::send_bye;
  }
  // Otherwise the BYE is scheduled as if we were a newcomer whose only
  // peers are the members that leave with us.
  tp_ = now;
  in_.members = 1;
  pmembers_ = 1;
  in_.initial = true;
  in_.we_sent = false;
  in_.senders = 0;
  in_.avg_rtcp_size = static_cast<double>(bye_size);
  tn_ = now + draw_interval();
  state_ = State::leaving;
  return RtcpAction::none;
}

std::chrono::nanoseconds RtcpScheduler::member_timeout() const {
  RtcpConfig unreduced = config_;
  unreduced.reduced_minimum = false;
  IntervalInputs in = in_;
  in.initial = false;
  in.we_sent = false;
  return to_duration(5 * deterministic_interval(unreduced, in));
}

}  // namespace cosip::rtp
