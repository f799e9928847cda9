// The whole receive path on a virtual clock: a known tone is encoded (Opus
// or G.711), sent by one RtpSession, carried through the seeded impairment
// simulator (loss, jitter, reordering), received by another RtpSession,
// put through the adaptive jitter buffer and decoded; what comes out must
// still be the tone, at the level it was sent.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "media/impairment.hpp"
#include "media/jitter_buffer.hpp"
#include "media/tone.hpp"
#include "rtp/rtp_session.hpp"

using namespace std::chrono_literals;
namespace media = cosip::media;
namespace rtp = cosip::rtp;

namespace {

constexpr double tone_hz = 1000;
constexpr double amplitude = 0.5;                               // of full scale
const double sent_dbfs = 20 * std::log10(amplitude / std::sqrt(2.0));  // about -9 dBFS

struct PathResult {
  std::vector<std::int16_t> pcm;  // what the jitter buffer played, from the second second on
  int sample_rate = 0;
  media::JitterBufferStatistics stats;
  std::size_t sent = 0;
  std::size_t delivered = 0;  // copies that reached the receiver
};

std::uint64_t ntp_of(rtp::TimePoint t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }

// Sends `seconds` of the tone as `format` through `impairment` and plays it
// out through the jitter buffer.
PathResult run_path(const media::CodecFormat& format, const media::ImpairmentConfig& impairment, std::uint64_t seed,
                    int seconds) {
  std::string error;
  std::unique_ptr<media::AudioEncoder> encoder = media::make_encoder(format, error);
  std::unique_ptr<media::AudioDecoder> decoder = media::make_decoder(format, error);
  REQUIRE_MESSAGE(encoder, error);
  REQUIRE_MESSAGE(decoder, error);

  const rtp::TimePoint start{std::chrono::seconds(100)};
  rtp::RtpSessionConfig config;
  config.payload_type = format.encoding == "opus" ? 111 : format.encoding == "PCMA" ? 8 : 0;
  config.clock_rate = static_cast<std::uint32_t>(format.clock_rate);
  config.cname = "path@example.com";
  rtp::RtpSession sender(start, rtp::seeded_random(seed), ntp_of);
  rtp::RtpSession receiver(start, rtp::seeded_random(seed + 1), ntp_of);
  REQUIRE_FALSE(sender.configure(config, start));
  REQUIRE_FALSE(receiver.configure(config, start));

  // Every packet the sender makes, one per ptime of its clock.
  const int frames = encoder->frames_per_packet();
  const auto packet_time = std::chrono::milliseconds(format.ptime_ms);
  const std::size_t count = static_cast<std::size_t>(seconds) * 1000 / static_cast<std::size_t>(format.ptime_ms);
  media::ToneGenerator tone(tone_hz, encoder->sample_rate(), amplitude);
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(frames * encoder->channels()));
  std::array<std::uint8_t, 1500> coded{};
  std::vector<std::vector<std::uint8_t>> datagrams;
  for (std::size_t i = 0; i < count; ++i) {
    tone.fill(pcm);
    const int size = encoder->encode(pcm, coded);
    REQUIRE(size > 0);
    const auto sent = sender.send_audio(std::span(coded).first(static_cast<std::size_t>(size)),
                                        static_cast<std::uint32_t>(frames * format.clock_rate / encoder->sample_rate()),
                                        start + packet_time * i);
    REQUIRE(sent);
    datagrams.emplace_back(sent->bytes.begin(), sent->bytes.end());
  }

  const std::vector<media::Delivery> deliveries =
      media::impair_stream(impairment, seed, count, std::chrono::duration_cast<media::Micros>(packet_time));

  media::JitterBufferConfig jb;
  jb.clock_rate = format.clock_rate;
  jb.ptime_ms = format.ptime_ms;
  media::JitterBuffer buffer(*decoder, jb);
  PathResult result;
  result.sample_rate = decoder->sample_rate();
  result.sent = count;
  result.delivered = deliveries.size();
  std::vector<std::int16_t> frame(static_cast<std::size_t>(buffer.frames_per_tick() * decoder->channels()));
  std::vector<rtp::TelephoneEventNotice> events;
  std::array<std::uint8_t, 1500> buffer_in{};
  std::size_t next = 0;
  // The receiver ticks on its own clock, half a tick off the sender's.
  const auto end = start + packet_time * count + 1s;
  for (auto now = start + packet_time / 2; now < end; now += packet_time) {
    for (; next < deliveries.size() && start + deliveries[next].arrival <= now; ++next) {
      const std::vector<std::uint8_t>& d = datagrams[deliveries[next].packet];
      std::copy(d.begin(), d.end(), buffer_in.begin());
      const auto arrival = start + deliveries[next].arrival;
      const rtp::Received r = receiver.on_datagram(buffer_in, d.size(), false, arrival, events);
      if (r.kind != rtp::Received::Kind::audio) continue;
      buffer.push({r.sequence, r.timestamp, r.ssrc, r.marker, r.payload}, arrival);
    }
    buffer.pull(now, frame);
    if (now - start >= 1s) result.pcm.insert(result.pcm.end(), frame.begin(), frame.end());
  }
  result.stats = buffer.statistics();
  return result;
}

media::CodecFormat opus_format() {
  media::CodecFormat f;
  f.encoding = "opus";
  f.clock_rate = 48000;
  f.channels = 2;  // RFC 7587 §7: always opus/48000/2 in SDP
  f.fmtp = "useinbandfec=1; stereo=0; sprop-stereo=0";
  return f;
}

media::CodecFormat g711_format(const char* name) {
  media::CodecFormat f;
  f.encoding = name;
  f.clock_rate = 8000;
  f.channels = 1;
  return f;
}

void check_tone(const PathResult& r, double min_share, double max_level_error_db) {
  const double share = media::median_tone_energy_share(r.pcm, r.sample_rate, tone_hz);
  const double level = media::rms_dbfs(r.pcm);
  INFO("share " << share << ", level " << level << " dBFS (sent " << sent_dbfs << "), played "
                << r.stats.played_packets << ", concealed frames " << r.stats.concealed_frames << ", late "
                << r.stats.late_packets << ", lost " << r.stats.lost_packets << ", FEC " << r.stats.fec_recovered
                << ", mean added delay " << r.stats.mean_added_delay().count() << " us");
  CHECK(share >= min_share);
  CHECK(std::abs(level - sent_dbfs) <= max_level_error_db);
}

}  // namespace

TEST_CASE("audio path: PCMU over a network with no loss and 10 ms jitter") {
  const PathResult r = run_path(g711_format("PCMU"), media::trace_preset(media::TracePreset::clean_10ms), 7, 20);
  check_tone(r, 0.95, 0.5);
  CHECK(r.delivered == r.sent);
  CHECK(r.stats.lost_packets == 0);
  // The jitter's exponential tail makes a few packets late while the
  // target delay settles; 98 % and more play.
  CHECK(r.stats.late_packets * 100 <= r.sent * 2);
  CHECK(r.stats.played_packets * 100 >= r.sent * 98);
}

TEST_CASE("audio path: Opus with FEC through 5 % loss and 40 ms jitter") {
  const PathResult r =
      run_path(opus_format(), media::trace_preset(media::TracePreset::random_loss_40ms), 11, 30);
  check_tone(r, 0.9, 3);
  CHECK(r.delivered < r.sent);  // the trace did lose packets
  CHECK(r.stats.lost_packets + r.stats.late_packets > 0);
  CHECK(r.stats.fec_recovered + r.stats.concealed_ticks > 0);
  // Most of what arrived was in time.
  CHECK(r.stats.late_packets * 100 < r.sent * 3);
}

TEST_CASE("audio path: PCMA through 10 % bursty loss and 80 ms jitter with Pareto tails") {
  const PathResult r =
      run_path(g711_format("PCMA"), media::trace_preset(media::TracePreset::bursty_loss_80ms), 23, 30);
  check_tone(r, 0.8, 3);
  CHECK(r.stats.concealed_frames > 0);
}
