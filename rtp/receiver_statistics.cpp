#include "rtp/receiver_statistics.hpp"

#include <algorithm>

namespace cosip::rtp {

namespace {

constexpr std::uint32_t seq_mod = 1u << 16;  // RTP_SEQ_MOD

// The arrival time in units of the payload clock, modulo 2^32 (A.8: only
// differences matter).
std::uint32_t arrival_units(TimePoint t, std::uint32_t clock_rate) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(to_clock_units(t.time_since_epoch(), clock_rate)));
}

}  // namespace

ReceiverStatistics::ReceiverStatistics(std::uint32_t ssrc, std::uint32_t clock_rate, SequenceLimits limits)
    : ssrc_(ssrc), clock_rate_(clock_rate), limits_(limits) {}

// A.1 init_seq().
void ReceiverStatistics::init_sequence(std::uint16_t sequence) {
  base_seq_ = sequence;
  max_seq_ = sequence;
  bad_seq_ = seq_mod + 1;
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

// A.1 update_seq(), with the probation comparison done modulo 2^16 (the
// RFC's code never sees 0 follow 65535 during probation).
SequenceVerdict ReceiverStatistics::on_packet(std::uint16_t sequence, std::uint32_t rtp_timestamp,
                                              TimePoint arrival) {
  if (!seen_) {
    // A.1: a new source starts on probation with max_seq one behind.
    seen_ = true;
    init_sequence(sequence);
    max_seq_ = static_cast<std::uint16_t>(sequence - 1);
    probation_ = limits_.min_sequential;
  }
  const auto udelta = static_cast<std::uint16_t>(sequence - max_seq_);
  SequenceVerdict verdict = SequenceVerdict::valid;
  if (probation_ > 0) {
    if (sequence == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = sequence;
      if (probation_ == 0) {
        init_sequence(sequence);
        ++received_;
        have_transit_ = false;
        update_jitter(rtp_timestamp, arrival);
        return SequenceVerdict::valid;
      }
    } else {
      probation_ = limits_.min_sequential - 1u;
      max_seq_ = sequence;
    }
    return SequenceVerdict::probation;
  }
  if (udelta == 0) {
    verdict = SequenceVerdict::late;  // a duplicate of the highest
  } else if (udelta < limits_.max_dropout) {
    // In order, with a permissible gap; a smaller number means a wrap.
    if (sequence < max_seq_) ++cycles_;
    max_seq_ = sequence;
  } else if (udelta <= seq_mod - limits_.max_misorder) {
    // A very large jump: believe it only when the next packet follows it.
    if (sequence != bad_seq_) {
      bad_seq_ = (sequence + 1u) & (seq_mod - 1);
      return SequenceVerdict::jump;
    }
    init_sequence(sequence);
    have_transit_ = false;  // the restarted source has a new timestamp origin
    verdict = SequenceVerdict::restarted;
  } else {
    verdict = SequenceVerdict::late;  // duplicate or reordered
  }
  ++received_;
  update_jitter(rtp_timestamp, arrival);
  return verdict;
}

// A.8, in the integer form that keeps the estimate scaled by 16.
void ReceiverStatistics::update_jitter(std::uint32_t rtp_timestamp, TimePoint arrival) {
  const std::uint32_t transit = arrival_units(arrival, clock_rate_) - rtp_timestamp;
  if (have_transit_) {
    std::int64_t d = static_cast<std::int32_t>(transit - transit_);
    if (d < 0) d = -d;
    const std::int64_t j = static_cast<std::int64_t>(jitter_) + d - ((static_cast<std::int64_t>(jitter_) + 8) >> 4);
    jitter_ = static_cast<std::uint32_t>(std::clamp<std::int64_t>(j, 0, 0xFFFFFFFF));
  }
  transit_ = transit;
  have_transit_ = true;
}

void ReceiverStatistics::on_sender_report(std::uint64_t ntp_timestamp, TimePoint arrival) {
  // §6.4.1 LSR: the middle 32 bits of the NTP timestamp.
  last_sr_ = static_cast<std::uint32_t>(ntp_timestamp >> 16);
  last_sr_arrival_ = arrival;
}

// A.3: expected = extended max - base + 1.
std::int64_t ReceiverStatistics::expected() const {
  if (!validated()) return 0;
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(cycles_) << 16) + max_seq_) - base_seq_ + 1;
}

// §6.4.1: cumulative lost is a signed 24-bit field; duplicates may make it
// negative. Clamped at 0x7FFFFF and -0x800000.
std::int32_t ReceiverStatistics::cumulative_lost() const {
  const std::int64_t lost = expected() - static_cast<std::int64_t>(received_);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7FFFFF));
}

ReportBlock ReceiverStatistics::make_report(TimePoint now) {
  ReportBlock r;
  r.ssrc = ssrc_;
  // A.3: the fraction lost over the interval since the previous report;
  // zero when duplicates outnumber losses.
  const std::int64_t expected_now = expected();
  const std::int64_t expected_interval = expected_now - expected_prior_;
  expected_prior_ = expected_now;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_) - received_prior_;
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval > 0 && lost_interval > 0)
    r.fraction_lost = static_cast<std::uint8_t>(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
  r.cumulative_lost = cumulative_lost();
  r.extended_highest_sequence = validated() ? extended_highest_sequence() : 0;
  r.jitter = jitter();
  if (last_sr_) {
    r.last_sr = *last_sr_;
    // §6.4.1 DLSR: delay since that SR arrived, in units of 1/65536 s.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_sr_arrival_).count();
    const std::int64_t units = ns <= 0 ? 0 : (static_cast<std::int64_t>(ns) / 1000 * 65536) / 1'000'000;
    r.delay_since_last_sr = static_cast<std::uint32_t>(std::min<std::int64_t>(units, 0xFFFFFFFF));
  }
  return r;
}

}  // namespace cosip::rtp
