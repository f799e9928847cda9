// One audio stream's RTP session (RFC 3550) as a pure core: what we send
// (numbering, SRTP, RFC 4733 events, RTCP reports) and what we receive
// (SRTP, validation, statistics, events, RTCP), with time as an input. The
// I/O shell (rtp/rtp_stream.hpp) moves the datagrams and keeps the timer.
//
// Flow:
//   configure(config, now)         once offer/answer is done; again after a
//                                  re-INVITE (keys or codec changed)
//   send:    send_audio(payload, samples, now)  -> one datagram at once
//            send_digit(digit, duration, now)   -> RFC 4733 packets queued
//            poll_transmit(now)                 -> due event packets, RTCP
//   receive: on_datagram(buffer, size, on_rtcp_port, now, events)
//            -> Received: audio (payload view), an event, RTCP, or dropped
//               with the reason (malformed, SRTP failure, plain RTP refused ...)
//   timers:  next_timeout() / on_timeout(now): RTCP (§6.3), event packets,
//            "no packet for inactivity_timeout" reported once
//   leave(now)                     the RTCP BYE comes out of poll_transmit
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rtp/packet.hpp"
#include "rtp/random_source.hpp"
#include "rtp/receiver_statistics.hpp"
#include "rtp/rtcp.hpp"
#include "rtp/rtcp_interval.hpp"
#include "rtp/sender_clock.hpp"
#include "rtp/session_time.hpp"
#include "rtp/srtp/srtp_session.hpp"
#include "rtp/telephone_event.hpp"

namespace cosip::rtp {

struct RtpSessionConfig {
  std::uint8_t payload_type = 0;
  std::uint32_t clock_rate = 8000;  // also the telephone events' clock (the negotiator picks an 8000 Hz one)
  std::chrono::milliseconds packet_time{20};
  std::optional<std::uint8_t> telephone_event_payload_type;  // RFC 4733, when negotiated
  bool rtcp_mux = false;                                      // RFC 5761
  // Our direction lets us send (sendrecv, sendonly); false on hold by the
  // peer or inactive (RFC 3264 §8.4): audio is not sent, RTCP still is.
  bool send = true;
  // SDES keys (RFC 4568): all three set means SRTP. With srtp_required, a
  // stream without keys refuses every packet (SRTP mandatory).
  std::string srtp_suite;
  std::string local_key;   // base64 key||salt we protect with
  std::string remote_key;  // the peer's
  bool srtp_required = false;
  std::string cname;  // RFC 3550 §6.5.1
  std::chrono::milliseconds inactivity_timeout{5000};
  RtcpConfig rtcp;
};

// A datagram to send; the bytes stay valid until the next call into the session.
struct Transmit {
  bool rtcp = false;  // to the peer's RTCP address (its RTP address under rtcp-mux)
  std::span<const std::uint8_t> bytes;
};

enum class DropReason : std::uint8_t {
  none,
  malformed,            // not an RTP/RTCP packet by RFC 3550 A.1 / A.2
  plain_refused,        // SRTP is required and the stream has no keys
  srtp_auth_failure,    // RFC 3711 §3.3 step 5
  srtp_replay,          // RFC 3711 §3.3.2
  srtp_failure,         // any other SRTP error (unknown MKI, expired key)
  own_ssrc,             // our SSRC from elsewhere: a loop or a collision (§8.2)
  probation,            // source not yet validated (A.1)
  unknown_payload_type, // neither the codec's nor telephone-event's
  bad_telephone_event,  // RFC 4733 payload malformed
};

std::string_view to_string(DropReason reason);

struct Received {
  enum class Kind : std::uint8_t { dropped, audio, telephone_event, rtcp };
  Kind kind = Kind::dropped;
  DropReason drop = DropReason::none;
  // An RTP or RTCP packet that passed SRTP and validation: the shell may
  // send to where it came from (symmetric RTP, RFC 4961).
  bool authentic = false;
  // audio, and the header of a telephone event's packet
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  bool marker = false;
  std::span<const std::uint8_t> payload;  // a view into the caller's buffer
};

struct RtpSessionCounters {
  std::uint64_t packets_sent = 0;
  std::uint64_t octets_sent = 0;  // payload octets (§6.4.1)
  std::uint64_t packets_received = 0;
  std::uint64_t rtcp_sent = 0;
  std::uint64_t rtcp_received = 0;
  std::uint64_t dropped = 0;
  std::uint64_t malformed = 0;
  std::uint64_t plain_refused = 0;
  std::uint64_t srtp_auth_failures = 0;
  std::uint64_t srtp_replays = 0;
  std::uint64_t audio_suppressed = 0;  // audio not sent while an event was
};

class RtpSession {
 public:
  // `ntp_time` gives the 32.32 NTP wall time of a point of the session's
  // clock, for sender reports (§6.4.1); `random` the SSRC, sequence and
  // timestamp origins (§5.1) and the RTCP randomisation.
  using NtpClock = std::function<std::uint64_t(TimePoint)>;
  RtpSession(TimePoint now, RandomSource random, NtpClock ntp_time);

  // Keys are checked here; on error nothing changes.
  SrtpError configure(const RtpSessionConfig& config, TimePoint now);

  std::optional<Transmit> send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples, TimePoint now);
  // Queues the packets of one RFC 4733 event; false when no telephone-event
  // payload type was negotiated, the digit is not 0-9 * # A-D, or another
  // event is still being sent.
  bool send_digit(char digit, std::chrono::milliseconds duration, TimePoint now);
  std::optional<Transmit> poll_transmit(TimePoint now);

  Received on_datagram(std::span<std::uint8_t> buffer, std::size_t size, bool on_rtcp_port, TimePoint now,
                       std::vector<TelephoneEventNotice>& events);

  std::optional<TimePoint> next_timeout() const;
  // Returns true once each time the stream falls silent for inactivity_timeout.
  bool on_timeout(TimePoint now);
  // RFC 3550 §6.6: a BYE for our SSRC goes out through poll_transmit.
  void leave(TimePoint now);

  std::uint32_t ssrc() const { return clock_.ssrc(); }
  const RtpSessionCounters& counters() const { return counters_; }
  const SrtpSession& srtp() const { return srtp_; }
  // The remote source's reception statistics (none before its first packet).
  const std::optional<ReceiverStatistics>& remote_source() const { return remote_; }
  // The peer's last report on our stream (§6.4.1), when one came.
  const std::optional<ReportBlock>& remote_report() const { return remote_report_; }
  bool remote_left() const { return remote_left_; }

 private:
  struct PendingEvent {
    TimePoint at;
    TelephoneEventPacket packet;
  };
  Received receive_rtp(std::span<std::uint8_t> buffer, std::size_t size, TimePoint now,
                       std::vector<TelephoneEventNotice>& events);
  Received receive_rtcp(std::span<std::uint8_t> buffer, std::size_t size, TimePoint now);
  Received drop(DropReason reason);
  std::optional<Transmit> write_rtp(const Packet& packet, bool rtcp_port);
  std::optional<Transmit> write_report(bool bye, TimePoint now);
  std::optional<Transmit> write_compound(const ReportSpec& spec);
  bool srtp_on() const { return srtp_.has_keys(); }

  RandomSource random_;
  NtpClock ntp_time_;
  RtpSessionConfig config_;
  SenderClock clock_;
  SrtpSession srtp_;
  RtcpScheduler rtcp_;
  TelephoneEventReceiver events_in_;
  std::deque<PendingEvent> events_out_;
  std::uint32_t event_units_ = 0;  // timestamp span of the event being sent
  std::optional<ReceiverStatistics> remote_;
  std::optional<ReportBlock> remote_report_;
  bool remote_left_ = false;
  bool sent_since_report_ = false;
  bool configured_ = false;
  bool paused_ = false;  // audio stopped by the direction; resumes with a timestamp jump
  bool leaving_ = false;
  bool bye_due_ = false;
  std::optional<std::uint32_t> collision_bye_;  // an SSRC we gave up, to end with a BYE
  std::uint32_t last_rtp_timestamp_ = 0;  // of our last packet, for the SR
  TimePoint last_sent_{};
  std::optional<TimePoint> last_received_;
  TimePoint silence_since_;
  bool silence_reported_ = false;
  RtpSessionCounters counters_;
  // Room for a packet plus SRTP's tag, MKI and SRTCP index.
  std::array<std::uint8_t, 1500 + 160> tx_{};
};

}  // namespace cosip::rtp
