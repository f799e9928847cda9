// The sending side's RTP numbering (RFC 3550 §5.1, §8): a random SSRC, a
// random first sequence number and timestamp, a timestamp that advances
// with the media sent and, across a pause (hold, silence) or a change of
// codec clock rate, with the wall time that passed, so that receivers see
// one linear clock. Pure: time and randomness are inputs.
#pragma once

#include <cstdint>
#include <span>

#include "rtp/random_source.hpp"
#include "rtp/session_time.hpp"

namespace cosip::rtp {

// §8.1: a random SSRC that none of `in_use` (the SSRCs seen in the session)
// already holds.
std::uint32_t choose_ssrc(const RandomSource& random, std::span<const std::uint32_t> in_use = {});

class SenderClock {
 public:
  // Draws the SSRC, the first sequence number and the first timestamp.
  // `now` is the wall time of the first timestamp.
  SenderClock(std::uint32_t clock_rate, TimePoint now, RandomSource random);

  std::uint32_t ssrc() const { return ssrc_; }
  std::uint32_t clock_rate() const { return clock_rate_; }
  // The timestamp of the next packet.
  std::uint32_t timestamp() const { return timestamp_; }

  // The fields of the next packet, then the sequence number moves on.
  // The marker is set on the first packet after a pause (RFC 3551 §4.1)
  // or on the very first packet of the stream.
  struct Next {
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    bool marker = false;
  };
  Next next_packet();

  // A packet carrying `samples` sampling instants was sent: the next
  // timestamp is that much later.
  void advance(std::uint32_t samples);
  // Media resumes after a pause (hold, silence suppression): the timestamp
  // jumps by the wall time that passed beyond the media already sent.
  void resume(TimePoint now);
  // The codec changes to another clock rate at `now`: the timestamp first
  // catches up with the wall time at the old rate, then counts at the new one.
  void set_clock_rate(std::uint32_t clock_rate, TimePoint now);

  // §8.2: a packet carrying our SSRC came from another transport address.
  // Returns true on a collision: the SSRC was replaced by a fresh one (the
  // caller sends a BYE for `previous_ssrc()`); `in_use` as for choose_ssrc().
  bool on_foreign_ssrc(std::uint32_t ssrc, std::span<const std::uint32_t> in_use = {});
  std::uint32_t previous_ssrc() const { return previous_ssrc_; }

 private:
  TimePoint due() const;  // when the next timestamp is due in wall time
  // Moves the timestamp to the wall time `now` if media fell behind it, and
  // re-anchors there.
  void catch_up(TimePoint now);

  RandomSource random_;
  std::uint32_t clock_rate_;
  std::uint32_t ssrc_;
  std::uint32_t previous_ssrc_ = 0;
  std::uint16_t sequence_;
  std::uint32_t timestamp_;
  bool marker_ = true;
  TimePoint anchor_;                  // wall time of the timestamp at the anchor
  std::uint64_t since_anchor_ = 0;    // samples advanced since the anchor
};

}  // namespace cosip::rtp
