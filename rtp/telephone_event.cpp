#include "rtp/telephone_event.hpp"

#include <algorithm>

namespace cosip::rtp {

namespace {

constexpr std::uint32_t max_duration = 0xFFFF;  // §2.5.1.3: the 16-bit duration field
constexpr std::string_view digits = "0123456789*#ABCD";

}  // namespace

std::string_view to_string(TelephoneEventErrc code) {
  switch (code) {
    case TelephoneEventErrc::ok: return "ok";
    case TelephoneEventErrc::empty: return "empty payload";
    case TelephoneEventErrc::truncated: return "shorter than one 4-byte event";
    case TelephoneEventErrc::bad_length: return "length not a multiple of 4";
    case TelephoneEventErrc::several_events: return "more than one event (RFC 4733 packs those with RFC 2198)";
  }
  return "unknown error";
}

std::string TelephoneEventError::message() const {
  return "telephone-event payload of " + std::to_string(length) + " bytes: " + std::string(to_string(code));
}

// §2.3: event (8 bits), E (1), R (1), volume (6), duration (16, network order).
TelephoneEventError decode(std::span<const std::uint8_t> payload, TelephoneEvent& out) {
  const std::size_t n = payload.size();
  if (n == 0) return {TelephoneEventErrc::empty, n};
  if (n < telephone_event_size) return {TelephoneEventErrc::truncated, n};
  if (n % telephone_event_size != 0) return {TelephoneEventErrc::bad_length, n};
  if (n > telephone_event_size) return {TelephoneEventErrc::several_events, n};
  out.event = payload[0];
  out.end = (payload[1] & 0x80) != 0;
  out.reserved = (payload[1] & 0x40) != 0;
  out.volume = payload[1] & 0x3F;
  out.duration = static_cast<std::uint16_t>((payload[2] << 8) | payload[3]);
  return {};
}

std::array<std::uint8_t, telephone_event_size> encode(const TelephoneEvent& e) {
  return {e.event,
          static_cast<std::uint8_t>((e.end ? 0x80 : 0) | (e.reserved ? 0x40 : 0) | (e.volume & 0x3F)),
          static_cast<std::uint8_t>(e.duration >> 8), static_cast<std::uint8_t>(e.duration & 0xFF)};
}

std::optional<std::uint8_t> event_for_digit(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  const auto at = digits.find(digit);
  if (at == std::string_view::npos) return std::nullopt;
  return static_cast<std::uint8_t>(at);
}

std::optional<char> digit_for_event(std::uint8_t event) {
  if (event >= digits.size()) return std::nullopt;
  return digits[event];
}

TelephoneEventSender::TelephoneEventSender(std::uint32_t clock_rate, std::chrono::milliseconds packet_time,
                                           std::uint8_t volume)
    : clock_rate_(clock_rate), packet_time_(packet_time), volume_(volume & 0x3F) {}

std::uint64_t TelephoneEventSender::packet_units() const {
  const std::uint64_t ms = static_cast<std::uint64_t>(std::max<std::int64_t>(packet_time_.count(), 0));
  return std::max<std::uint64_t>(clock_rate_ * ms / 1000, 1);
}

std::uint32_t TelephoneEventSender::units(std::chrono::milliseconds duration) const {
  const std::uint64_t ms = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(clock_rate_ * ms / 1000, packet_units()));
}

std::vector<TelephoneEventPacket> TelephoneEventSender::packets(std::uint8_t event, std::chrono::milliseconds duration,
                                                                std::uint32_t timestamp) const {
  std::vector<TelephoneEventPacket> out;
  const std::uint64_t per_packet = packet_units();
  const std::uint64_t total = units(duration);  // at least one packet, so `out` is never empty

  std::uint64_t elapsed = 0;        // units since the event began
  std::uint64_t segment_start = 0;  // units from the event's start to the segment's
  std::uint32_t segment_ts = timestamp;
  std::uint64_t last_in_segment = 0;
  std::int64_t slot = 0;  // packet times since the event began
  const auto push = [&](std::uint64_t dur, bool end) {
    TelephoneEventPacket p;
    p.marker = out.empty();  // §2.5.1.2: only the event's first packet
    p.timestamp = segment_ts;
    p.payload = TelephoneEvent{event, end, false, volume_, static_cast<std::uint16_t>(dur)};
    p.send_at = slot * packet_time_;
    out.push_back(p);
    last_in_segment = dur;
  };

  while (elapsed < total) {
    elapsed = std::min(elapsed + per_packet, total);
    // §2.5.1.3: a segment is full at 0xFFFF; close it (if its last packet
    // did not already say so) and start the next one where it ends.
    while (elapsed - segment_start > max_duration) {
      if (last_in_segment != max_duration) push(max_duration, false);
      segment_start += max_duration;
      segment_ts += max_duration;
      last_in_segment = 0;
    }
    push(elapsed - segment_start, elapsed == total);
    ++slot;
  }
  // §2.5.1.4: the end packet goes three times in all, one packet time apart.
  const TelephoneEventPacket last = out.back();
  for (int i = 1; i < end_repetitions; ++i, ++slot) {
    TelephoneEventPacket again = last;
    again.marker = false;
    again.send_at = slot * packet_time_;
    out.push_back(again);
  }
  return out;
}

TelephoneEventNotice TelephoneEventReceiver::notice(TelephoneEventNotice::Kind kind) const {
  TelephoneEventNotice n;
  n.kind = kind;
  n.event = current_->event;
  n.timestamp = current_->start;
  n.duration = (current_->segment - current_->start) + current_->duration;
  n.volume = current_->volume;
  return n;
}

void TelephoneEventReceiver::on_packet(std::uint32_t timestamp, const TelephoneEvent& p,
                                       std::vector<TelephoneEventNotice>& out) {
  if (current_) {
    Current& c = *current_;
    if (timestamp == c.segment) {
      // Another packet of the current segment: redundant ends and
      // retransmissions change nothing once the end was reported.
      if (p.event != c.event || c.ended) return;
      c.duration = std::max(c.duration, p.duration);
      c.volume = p.volume;
      if (p.end) {
        c.ended = true;
        out.push_back(notice(TelephoneEventNotice::Kind::end));
      }
      return;
    }
    if (!c.ended && p.event == c.event && timestamp == c.segment + max_duration) {
      // §2.5.1.3 / §2.5.2: the next segment of a long event.
      c.segment = timestamp;
      c.duration = p.duration;
      c.volume = p.volume;
      if (p.end) {
        c.ended = true;
        out.push_back(notice(TelephoneEventNotice::Kind::end));
      }
      return;
    }
    // Serial-number order: an older timestamp is a late copy of a past event.
    if (static_cast<std::int32_t>(timestamp - c.segment) < 0) return;
    // A new event; the previous one lost all its end packets.
    if (!c.ended) {
      c.ended = true;
      out.push_back(notice(TelephoneEventNotice::Kind::end));
    }
  }
  // §2.5.2: a new timestamp begins an event, marker bit or not (the
  // first packet may be lost).
  current_ = Current{p.event, p.volume, timestamp, timestamp, p.duration, p.end};
  out.push_back(notice(TelephoneEventNotice::Kind::begin));
  if (p.end) out.push_back(notice(TelephoneEventNotice::Kind::end));
}

void TelephoneEventReceiver::flush(std::vector<TelephoneEventNotice>& out) {
  if (!active()) return;
  current_->ended = true;
  out.push_back(notice(TelephoneEventNotice::Kind::end));
}

}  // namespace cosip::rtp
