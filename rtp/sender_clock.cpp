#include "rtp/sender_clock.hpp"

#include <algorithm>

namespace cosip::rtp {

std::uint32_t choose_ssrc(const RandomSource& random, std::span<const std::uint32_t> in_use) {
  for (;;) {
    const std::uint32_t ssrc = random();
    if (std::find(in_use.begin(), in_use.end(), ssrc) == in_use.end()) return ssrc;
  }
}

SenderClock::SenderClock(std::uint32_t clock_rate, TimePoint now, RandomSource random)
    : random_(std::move(random)),
      clock_rate_(clock_rate),
      ssrc_(choose_ssrc(random_)),
      sequence_(static_cast<std::uint16_t>(random_())),  // §5.1: random initial values
      timestamp_(random_()),
      anchor_(now) {}

SenderClock::Next SenderClock::next_packet() {
  Next n{sequence_, timestamp_, marker_};
  ++sequence_;
  marker_ = false;
  return n;
}

void SenderClock::advance(std::uint32_t samples) {
  timestamp_ += samples;
  since_anchor_ += samples;
}

TimePoint SenderClock::due() const {
  return anchor_ + std::chrono::duration_cast<Clock::duration>(from_clock_units(since_anchor_, clock_rate_));
}

void SenderClock::catch_up(TimePoint now) {
  const TimePoint expected = due();
  if (now > expected) {
    timestamp_ += static_cast<std::uint32_t>(static_cast<std::uint64_t>(to_clock_units(now - expected, clock_rate_)));
    anchor_ = now;
  } else {
    anchor_ = expected;
  }
  since_anchor_ = 0;
}

void SenderClock::resume(TimePoint now) {
  catch_up(now);
  marker_ = true;
}

void SenderClock::set_clock_rate(std::uint32_t clock_rate, TimePoint now) {
  if (clock_rate == clock_rate_) return;
  // The old rate counts up to now, the new one from here: one timeline.
  catch_up(now);
  clock_rate_ = clock_rate;
}

bool SenderClock::on_foreign_ssrc(std::uint32_t ssrc, std::span<const std::uint32_t> in_use) {
  if (ssrc != ssrc_) return false;
  previous_ssrc_ = ssrc_;
  do {
    ssrc_ = choose_ssrc(random_, in_use);
  } while (ssrc_ == previous_ssrc_);
  return true;
}

}  // namespace cosip::rtp
