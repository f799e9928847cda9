// Reception statistics of one remote source (RFC 3550 §6.4.1, Appendix A):
// sequence validation with probation and resynchronisation (A.1), the loss
// counts (A.3), the interarrival jitter (A.8) and the LSR/DLSR of the last
// sender report. A pure core: packets come in as plain numbers with their
// arrival time, the next report block goes out as a plain value.
//
// Flow (A.1):
//   probation --MIN_SEQUENTIAL in sequence--> valid
//   valid --jump > MAX_DROPOUT--> (packet held back, its successor remembered)
//         --that successor arrives--> restarted (counts begin again there)
#pragma once

#include <cstdint>
#include <optional>

#include "rtp/rtcp.hpp"
#include "rtp/session_time.hpp"

namespace cosip::rtp {

// RFC 3550 A.1 constants; the RFC's values by default.
struct SequenceLimits {
  std::uint16_t min_sequential = 2;  // in-sequence packets before a source is valid
  std::uint16_t max_dropout = 3000;  // largest forward jump taken as loss
  std::uint16_t max_misorder = 100;  // largest backward step taken as reordering
};

// What update_seq() made of a packet.
enum class SequenceVerdict : std::uint8_t {
  probation,  // source not yet validated: do not deliver
  valid,      // in order, possibly after a gap
  late,       // duplicate or reordered (within MAX_MISORDER): counted, deliver
  jump,       // very large jump: held back until the next packet confirms it
  restarted,  // the jump was confirmed: the source restarted, counts reset here
};

constexpr bool deliverable(SequenceVerdict v) {
  return v == SequenceVerdict::valid || v == SequenceVerdict::late || v == SequenceVerdict::restarted;
}


class ReceiverStatistics {
 public:
  // `clock_rate` is the payload clock (Hz) the jitter is expressed in.
  ReceiverStatistics(std::uint32_t ssrc, std::uint32_t clock_rate, SequenceLimits limits = {});

  // An RTP packet of this source arrived.
  SequenceVerdict on_packet(std::uint16_t sequence, std::uint32_t rtp_timestamp, TimePoint arrival);
  // A sender report of this source arrived; `ntp_timestamp` is its 64-bit NTP time.
  void on_sender_report(std::uint64_t ntp_timestamp, TimePoint arrival);

  // The report block for the next RTCP report; starts a new loss interval (A.3).
  ReportBlock make_report(TimePoint now);

  std::uint32_t ssrc() const { return ssrc_; }
  bool validated() const { return probation_ == 0 && seen_; }
  std::uint32_t cycles() const { return cycles_; }  // count of wraparounds
  std::uint32_t extended_highest_sequence() const { return (cycles_ << 16) + max_seq_; }
  std::uint32_t base_sequence() const { return base_seq_; }
  std::int64_t expected() const;
  std::uint32_t received() const { return received_; }
  std::int32_t cumulative_lost() const;  // clamped to 24 bits, signed
  std::uint32_t jitter() const { return jitter_ >> 4; }

 private:
  void init_sequence(std::uint16_t sequence);
  void update_jitter(std::uint32_t rtp_timestamp, TimePoint arrival);

  std::uint32_t ssrc_;
  std::uint32_t clock_rate_;
  SequenceLimits limits_;
  bool seen_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;  // 65536 + 1 when none: no 16-bit number equals it
  std::uint32_t probation_ = 0;
  std::uint32_t received_ = 0;
  std::int64_t expected_prior_ = 0;
  std::uint32_t received_prior_ = 0;
  bool have_transit_ = false;
  std::uint32_t transit_ = 0;
  std::uint32_t jitter_ = 0;  // scaled by 16 (A.8)
  std::optional<std::uint32_t> last_sr_;
  TimePoint last_sr_arrival_{};
};

}  // namespace cosip::rtp
