// RFC 4733 telephone events (DTMF): the payload codec, the digit table, a
// sender that lays out the RTP packets of one event and a receiver that
// reports each event once. Pure: RTP headers are given and returned as
// plain fields (sequence numbers are the caller's), no clock inside.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cosip::rtp {

// One event of the payload (RFC 4733 §2.3).
struct TelephoneEvent {
  std::uint8_t event = 0;      // §3.2: 0-9, 10 '*', 11 '#', 12-15 'A'-'D'
  bool end = false;            // E: the last packets of the event
  bool reserved = false;       // R: sent as zero, ignored on receipt
  std::uint8_t volume = 0;     // power level in -dBm0, 0-63
  std::uint16_t duration = 0;  // timestamp units since the event (segment) began

  bool operator==(const TelephoneEvent&) const = default;
};

constexpr std::size_t telephone_event_size = 4;

enum class TelephoneEventErrc : std::uint8_t {
  ok = 0,
  empty,           // no payload at all
  truncated,       // fewer than four bytes
  bad_length,      // the length is not a multiple of four
  several_events,  // more than one event: §2.5.1.5 packs those with RFC 2198 redundancy
};

struct TelephoneEventError {
  TelephoneEventErrc code = TelephoneEventErrc::ok;
  std::size_t length = 0;  // the payload length that was refused

  explicit operator bool() const { return code != TelephoneEventErrc::ok; }
  // "telephone-event payload of 6 bytes: length not a multiple of 4"
  std::string message() const;
};

std::string_view to_string(TelephoneEventErrc code);

TelephoneEventError decode(std::span<const std::uint8_t> payload, TelephoneEvent& out);
// The four payload bytes. The volume is masked to six bits.
std::array<std::uint8_t, telephone_event_size> encode(const TelephoneEvent& event);

// §3.2: the sixteen DTMF events. Lower-case a-d are accepted.
std::optional<std::uint8_t> event_for_digit(char digit);
std::optional<char> digit_for_event(std::uint8_t event);

// The RTP fields of one packet of an event.
struct TelephoneEventPacket {
  bool marker = false;
  std::uint32_t timestamp = 0;            // start of the event's segment
  TelephoneEvent payload;
  std::chrono::milliseconds send_at{0};   // offset from the start of the event

  bool operator==(const TelephoneEventPacket&) const = default;
};

// RFC 4733 §2.5.1: the packets of one event, one per packet time.
//  - the first has the marker bit (§2.5.1.2); all carry the event's start
//    timestamp and the duration so far;
//  - the end packet (E set, final duration) goes three times (§2.5.1.4);
//  - an event longer than 0xFFFF units is cut into segments (§2.5.1.3): the
//    segment's last packet says 0xFFFF, the next segment's timestamp is the
//    previous one plus 0xFFFF, and only the final segment ends with E.
class TelephoneEventSender {
 public:
  static constexpr int end_repetitions = 3;

  explicit TelephoneEventSender(std::uint32_t clock_rate = 8000,
                                std::chrono::milliseconds packet_time = std::chrono::milliseconds(20),
                                std::uint8_t volume = 10);

  // The packets of `event` lasting `duration` (at least one packet time;
  // shorter events are stretched to it), starting at RTP `timestamp`.
  std::vector<TelephoneEventPacket> packets(std::uint8_t event, std::chrono::milliseconds duration,
                                            std::uint32_t timestamp) const;
  // The RTP timestamp span the event occupies (for the next audio packet);
  // the caller bounds `duration` (the packets are built in memory).
  std::uint32_t units(std::chrono::milliseconds duration) const;

 private:
  std::uint64_t packet_units() const;  // timestamp units per packet, at least 1

  std::uint32_t clock_rate_;
  std::chrono::milliseconds packet_time_;
  std::uint8_t volume_;
};

// What the receiver reports: an event began, or it ended.
struct TelephoneEventNotice {
  enum class Kind : std::uint8_t { begin, end };
  Kind kind = Kind::begin;
  std::uint8_t event = 0;
  std::uint32_t timestamp = 0;  // RTP timestamp of the event's first segment
  std::uint32_t duration = 0;   // units so far (begin) or in total (end)
  std::uint8_t volume = 0;

  bool operator==(const TelephoneEventNotice&) const = default;
};

// Turns the packets of one source into one begin and one end per event,
// whatever the redundancy (repeated end packets), retransmissions, reordering
// or loss (a lost first packet, lost end packets). Events are told apart by
// their RTP timestamp (§2.5.2); a packet older than the current event is a
// late copy and is dropped.
class TelephoneEventReceiver {
 public:
  // Appends 0 to 3 notices: the end of a previous event whose end packets
  // were lost, the begin of a new event, its end.
  void on_packet(std::uint32_t timestamp, const TelephoneEvent& payload, std::vector<TelephoneEventNotice>& out);
  // Closes an event whose end packets never came (stream stopped, timeout).
  void flush(std::vector<TelephoneEventNotice>& out);

  bool active() const { return current_ && !current_->ended; }

 private:
  struct Current {
    std::uint8_t event = 0;
    std::uint8_t volume = 0;
    std::uint32_t start = 0;    // first segment's timestamp
    std::uint32_t segment = 0;  // current segment's timestamp
    std::uint16_t duration = 0; // within the current segment
    bool ended = false;
  };
  TelephoneEventNotice notice(TelephoneEventNotice::Kind kind) const;

  std::optional<Current> current_;
};

}  // namespace cosip::rtp
