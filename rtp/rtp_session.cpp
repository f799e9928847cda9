#include "rtp/rtp_session.hpp"

#include <algorithm>
#include <utility>

namespace cosip::rtp {
namespace {

// §6.2: RTCP sizes count the UDP and IP headers.
constexpr std::size_t udp_ip_overhead = 28;

}  // namespace

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::none: return "none";
    case DropReason::malformed: return "malformed packet";
    case DropReason::plain_refused: return "plain RTP refused (SRTP required)";
    case DropReason::srtp_auth_failure: return "SRTP authentication failure";
    case DropReason::srtp_replay: return "SRTP replay";
    case DropReason::srtp_failure: return "SRTP failure";
    case DropReason::own_ssrc: return "our own SSRC from elsewhere";
    case DropReason::probation: return "source on probation";
    case DropReason::unknown_payload_type: return "unknown payload type";
    case DropReason::bad_telephone_event: return "malformed telephone-event";
  }
  return "?";
}

RtpSession::RtpSession(TimePoint now, RandomSource random, NtpClock ntp_time)
    : random_(std::move(random)),
      ntp_time_(std::move(ntp_time)),
      clock_(config_.clock_rate, now, random_),
      rtcp_(config_.rtcp, now, random_),
      silence_since_(now) {}

SrtpError RtpSession::configure(const RtpSessionConfig& config, TimePoint now) {
  const bool keyed = !config.srtp_suite.empty() && !config.local_key.empty() && !config.remote_key.empty();
  if (keyed) {
    if (SrtpError e = srtp_.set_keys(SdesKey(config.srtp_suite, config.local_key),
                                     SdesKey(config.srtp_suite, config.remote_key)))
      return e;
  } else if (srtp_.has_keys()) {
    srtp_ = SrtpSession();  // a re-INVITE went back to RTP/AVP
  }
  if (config.clock_rate != config_.clock_rate) clock_.set_clock_rate(config.clock_rate, now);
  if (!config.send) paused_ = true;
  // The first configuration sets the RTCP bandwidth and minimum (§6.2);
  // later ones leave the running schedule alone.
  if (!configured_) rtcp_ = RtcpScheduler(config.rtcp, now, random_);
  configured_ = true;
  config_ = config;
  if (!last_received_) silence_since_ = now;  // silence counts from the start of media
  return {};
}

std::optional<Transmit> RtpSession::write_rtp(const Packet& packet, bool rtcp_port) {
  const WriteResult w = serialize(packet, tx_);
  if (!w.ok()) return std::nullopt;
  std::size_t size = w.size;
  if (srtp_on()) {
    if (srtp_.protect_rtp(tx_, size) != SrtpErrc::ok) return std::nullopt;
  } else if (config_.srtp_required) {
    return std::nullopt;  // never plain RTP on an SRTP-mandatory stream
  }
  ++counters_.packets_sent;
  counters_.octets_sent += packet.payload.size();
  sent_since_report_ = true;
  last_rtp_timestamp_ = packet.timestamp;
  return Transmit{rtcp_port, {tx_.data(), size}};
}

std::optional<Transmit> RtpSession::send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples,
                                               TimePoint now) {
  if (leaving_ || !config_.send) return std::nullopt;
  // §5.1: after a pause the timestamp moves on by the time that passed, and
  // the first packet has the marker (RFC 3551 §4.1).
  if (paused_) {
    paused_ = false;
    clock_.resume(now);
  }
  // While an event is sent its audio is held back, so that the peer does
  // not play the tone twice; the timestamp moves on by the event's span
  // once it is over.
  if (!events_out_.empty()) {
    ++counters_.audio_suppressed;
    return std::nullopt;
  }
  const SenderClock::Next next = clock_.next_packet();
  Packet p;
  p.marker = next.marker;
  p.payload_type = config_.payload_type;
  p.sequence = next.sequence;
  p.timestamp = next.timestamp;
  p.ssrc = clock_.ssrc();
  p.payload = payload;
  clock_.advance(samples);
  last_sent_ = now;
  return write_rtp(p, false);
}

bool RtpSession::send_digit(char digit, std::chrono::milliseconds duration, TimePoint now) {
  if (!config_.telephone_event_payload_type || !events_out_.empty() || leaving_) return false;
  const std::optional<std::uint8_t> event = event_for_digit(digit);
  if (!event) return false;
  const TelephoneEventSender sender(config_.clock_rate, config_.packet_time);
  for (const TelephoneEventPacket& p : sender.packets(*event, duration, clock_.timestamp()))
    events_out_.push_back({now + p.send_at, p});
  event_units_ = sender.units(duration);
  return true;
}

std::optional<Transmit> RtpSession::poll_transmit(TimePoint now) {
  if (!events_out_.empty() && events_out_.front().at <= now) {
    const TelephoneEventPacket p = events_out_.front().packet;
    events_out_.pop_front();
    const std::array<std::uint8_t, telephone_event_size> payload = encode(p.payload);
    Packet packet;
    packet.marker = p.marker;
    packet.payload_type = *config_.telephone_event_payload_type;
    packet.sequence = clock_.next_packet().sequence;
    packet.timestamp = p.timestamp;
    packet.ssrc = clock_.ssrc();
    packet.payload = payload;
    if (events_out_.empty()) clock_.advance(event_units_);  // audio goes on after the event
    last_sent_ = now;
    return write_rtp(packet, false);
  }
  if (bye_due_) {
    bye_due_ = false;
    return write_report(true, now);
  }
  if (collision_bye_) {
    // §8.2: the SSRC given up after a collision is ended with a BYE.
    ReportSpec spec;
    spec.ssrc = *collision_bye_;
    spec.cname = config_.cname;
    spec.bye = true;
    spec.bye_reason = "SSRC collision";
    collision_bye_.reset();
    return write_compound(spec);
  }
  if (leaving_) return std::nullopt;
  rtcp_.set_we_sent(sent_since_report_);
  if (rtcp_.next_timeout() && *rtcp_.next_timeout() <= now) {
    switch (rtcp_.on_timeout(now)) {
      case RtcpAction::send_report: return write_report(false, now);
      case RtcpAction::send_bye: return write_report(true, now);
      case RtcpAction::none: break;
    }
  }
  return std::nullopt;
}

std::optional<Transmit> RtpSession::write_report(bool bye, TimePoint now) {
  std::array<ReportBlock, 1> blocks;
  ReportSpec spec;
  spec.ssrc = clock_.ssrc();
  if (sent_since_report_) {
    SenderInfo s;
    s.ntp_timestamp = ntp_time_(now);
    // §6.4.1: the RTP time of the same instant as the NTP time.
    s.rtp_timestamp = last_rtp_timestamp_ + static_cast<std::uint32_t>(to_clock_units(now - last_sent_, config_.clock_rate));
    s.packet_count = static_cast<std::uint32_t>(counters_.packets_sent);
    s.octet_count = static_cast<std::uint32_t>(counters_.octets_sent);
    spec.sender = s;
  }
  if (remote_ && remote_->validated()) {
    blocks[0] = remote_->make_report(now);
    spec.reports = blocks;
  }
  spec.cname = config_.cname;
  spec.bye = bye;
  std::optional<Transmit> t = write_compound(spec);
  if (!t) return t;
  if (!bye) rtcp_.on_report_sent(t->bytes.size() + udp_ip_overhead, now);
  sent_since_report_ = false;
  return t;
}

std::optional<Transmit> RtpSession::write_compound(const ReportSpec& spec) {
  const WriteResult w = rtp::write_report(spec, tx_);
  if (!w.ok()) return std::nullopt;
  std::size_t size = w.size;
  if (srtp_on()) {
    if (srtp_.protect_rtcp(tx_, size) != SrtpErrc::ok) return std::nullopt;
  } else if (config_.srtp_required) {
    return std::nullopt;
  }
  ++counters_.rtcp_sent;
  return Transmit{!config_.rtcp_mux, {tx_.data(), size}};
}

void RtpSession::leave(TimePoint now) {
  if (leaving_) return;
  leaving_ = true;
  events_out_.clear();
  // §6.3.7: a member that never sent RTCP leaves without a BYE.
  if (rtcp_.leave(100, now) == RtcpAction::send_bye || rtcp_.state() == RtcpScheduler::State::leaving)
    bye_due_ = true;
}

std::optional<TimePoint> RtpSession::next_timeout() const {
  std::optional<TimePoint> next;
  const auto earliest = [&next](TimePoint t) { next = next ? std::min(*next, t) : t; };
  if (!events_out_.empty()) earliest(events_out_.front().at);
  if (bye_due_ || collision_bye_) earliest(last_sent_);
  if (!leaving_ && rtcp_.next_timeout()) earliest(*rtcp_.next_timeout());
  if (!leaving_ && !silence_reported_)
    earliest(std::max(silence_since_, last_received_.value_or(silence_since_)) + config_.inactivity_timeout);
  return next;
}

bool RtpSession::on_timeout(TimePoint now) {
  if (leaving_ || silence_reported_) return false;
  const TimePoint from = std::max(silence_since_, last_received_.value_or(silence_since_));
  if (now - from < config_.inactivity_timeout) return false;
  silence_reported_ = true;
  return true;
}

Received RtpSession::drop(DropReason reason) {
  ++counters_.dropped;
  if (reason == DropReason::malformed) ++counters_.malformed;
  if (reason == DropReason::plain_refused) ++counters_.plain_refused;
  if (reason == DropReason::srtp_auth_failure) ++counters_.srtp_auth_failures;
  if (reason == DropReason::srtp_replay) ++counters_.srtp_replays;
  Received r;
  r.drop = reason;
  return r;
}

Received RtpSession::on_datagram(std::span<std::uint8_t> buffer, std::size_t size, bool on_rtcp_port, TimePoint now,
                                 std::vector<TelephoneEventNotice>& events) {
  const std::span<const std::uint8_t> bytes(buffer.data(), size);
  const bool rtcp = config_.rtcp_mux ? is_rtcp(bytes) : on_rtcp_port;
  return rtcp ? receive_rtcp(buffer, size, now) : receive_rtp(buffer, size, now, events);
}

namespace {

DropReason srtp_drop(SrtpErrc e) {
  switch (e) {
    case SrtpErrc::auth_failure: return DropReason::srtp_auth_failure;
    case SrtpErrc::replay: return DropReason::srtp_replay;
    case SrtpErrc::malformed_packet: return DropReason::malformed;
    default: return DropReason::srtp_failure;
  }
}

}  // namespace

Received RtpSession::receive_rtp(std::span<std::uint8_t> buffer, std::size_t size, TimePoint now,
                                 std::vector<TelephoneEventNotice>& events) {
  if (srtp_on()) {
    if (const SrtpErrc e = srtp_.unprotect_rtp(buffer, size); e != SrtpErrc::ok) return drop(srtp_drop(e));
  } else if (config_.srtp_required) {
    return drop(DropReason::plain_refused);
  }
  Packet p;
  ParseOptions options;
  options.rtcp_mux = config_.rtcp_mux;
  if (parse(std::span<const std::uint8_t>(buffer.data(), size), p, options)) return drop(DropReason::malformed);
  if (p.ssrc == clock_.ssrc()) {
    // §8.2: our SSRC from another address: a loop or a collision. We take
    // a fresh SSRC and end the old one with a BYE.
    const std::uint32_t in_use[] = {p.ssrc};
    if (clock_.on_foreign_ssrc(p.ssrc, in_use)) collision_bye_ = clock_.previous_ssrc();
    return drop(DropReason::own_ssrc);
  }
  // A new SSRC from the peer starts a new source (§8.2: it changed on a
  // collision or restarted).
  if (!remote_ || remote_->ssrc() != p.ssrc) {
    remote_.emplace(p.ssrc, config_.clock_rate);
    rtcp_.set_members(2, counters_.packets_sent > 0 ? 2 : 1, now);  // §6.3.3
  }
  const SequenceVerdict verdict = remote_->on_packet(p.sequence, p.timestamp, now);
  Received r;
  r.authentic = true;  // it passed SRTP and the header checks
  last_received_ = now;
  silence_reported_ = false;
  ++counters_.packets_received;
  if (!deliverable(verdict)) {
    r.drop = DropReason::probation;
    return r;
  }
  if (config_.telephone_event_payload_type && p.payload_type == *config_.telephone_event_payload_type) {
    TelephoneEvent event;
    if (decode(p.payload, event)) {
      Received bad = drop(DropReason::bad_telephone_event);
      bad.authentic = true;
      return bad;
    }
    events_in_.on_packet(p.timestamp, event, events);
    r.kind = Received::Kind::telephone_event;
    r.payload_type = p.payload_type;
    r.sequence = p.sequence;
    r.timestamp = p.timestamp;
    r.ssrc = p.ssrc;
    r.marker = p.marker;
    r.payload = p.payload;
    return r;
  }
  if (p.payload_type != config_.payload_type) {
    Received other = drop(DropReason::unknown_payload_type);
    other.authentic = true;
    return other;
  }
  r.kind = Received::Kind::audio;
  r.payload_type = p.payload_type;
  r.sequence = p.sequence;
  r.timestamp = p.timestamp;
  r.ssrc = p.ssrc;
  r.marker = p.marker;
  r.payload = p.payload;
  return r;
}

Received RtpSession::receive_rtcp(std::span<std::uint8_t> buffer, std::size_t size, TimePoint now) {
  if (srtp_on()) {
    if (const SrtpErrc e = srtp_.unprotect_rtcp(buffer, size); e != SrtpErrc::ok) return drop(srtp_drop(e));
  } else if (config_.srtp_required) {
    return drop(DropReason::plain_refused);
  }
  Compound compound;
  if (parse(std::span<const std::uint8_t>(buffer.data(), size), compound)) return drop(DropReason::malformed);
  bool bye = false;
  const auto take_blocks = [this](const std::vector<ReportBlock>& blocks) {
    for (const ReportBlock& b : blocks)
      if (b.ssrc == clock_.ssrc()) remote_report_ = b;
  };
  for (const RtcpPacket& packet : compound.packets) {
    if (const auto* sr = std::get_if<SenderReport>(&packet)) {
      if (remote_ && remote_->ssrc() == sr->ssrc) remote_->on_sender_report(sr->sender.ntp_timestamp, now);
      take_blocks(sr->reports);
    } else if (const auto* rr = std::get_if<ReceiverReport>(&packet)) {
      take_blocks(rr->reports);
    } else if (const auto* b = std::get_if<Bye>(&packet)) {
      bye = true;
      if (remote_ && std::ranges::find(b->sources, remote_->ssrc()) != b->sources.end()) remote_left_ = true;
    }
  }
  rtcp_.on_rtcp_received(size + udp_ip_overhead, bye);
  ++counters_.rtcp_received;
  Received r;
  r.kind = Received::Kind::rtcp;
  r.authentic = true;
  return r;
}

}  // namespace cosip::rtp
