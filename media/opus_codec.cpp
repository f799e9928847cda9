#include "media/opus_codec.hpp"

#include <opus/opus.h>

#include <algorithm>
#include <climits>

namespace cosip::media {
namespace {

// Packet durations opus_encode accepts, in whole ms (2.5 and 5 ms are left
// out: a=ptime is in whole ms and such packets cost too much header).
constexpr std::array<int, 7> opus_ptimes = {10, 20, 40, 60, 80, 100, 120};

// The largest valid duration not above `wanted` within [lowest, highest];
// the smallest in range when `wanted` is below them all.
int snap_ptime(int wanted, int lowest, int highest) {
  int chosen = 0;
  for (const int p : opus_ptimes)
    if (p >= lowest && p <= highest && (p <= wanted || chosen == 0)) chosen = p;
  if (chosen == 0) return snap_ptime(wanted, 0, 120);  // empty range: ignore the bounds
  return chosen;
}

// maxplaybackrate (RFC 7587 §6.1: do not code above it) as the widest Opus
// audio bandwidth within it (RFC 6716 §2: NB 8, MB 12, WB 16, SWB 24, FB
// 48 kHz sampling). CELT has no mediumband: libopus codes wideband there.
int max_bandwidth(int hz) {
  if (hz <= 8000) return OPUS_BANDWIDTH_NARROWBAND;
  if (hz <= 12000) return OPUS_BANDWIDTH_MEDIUMBAND;
  if (hz <= 16000) return OPUS_BANDWIDTH_WIDEBAND;
  if (hz <= 24000) return OPUS_BANDWIDTH_SUPERWIDEBAND;
  return OPUS_BANDWIDTH_FULLBAND;
}

int clamp_length(std::size_t n) { return static_cast<int>(std::min<std::size_t>(n, INT_MAX)); }

// RFC 6716 §3.1: configurations 16-31 of the TOC byte are CELT-only.
bool celt_only(std::uint8_t toc) { return (toc >> 3) >= 16; }

}  // namespace

OpusEncoderSettings OpusEncoderSettings::from(const CodecFormat& format) {
  const OpusFmtp fmtp = parse_opus_fmtp(format.fmtp);
  OpusEncoderSettings s;
  s.channels = fmtp.stereo && format.channels >= 2 ? 2 : 1;
  // RFC 7587 §3.1.1 puts fullband speech at 28-40 kb/s; the peer may cap it.
  s.bitrate = 32000 * s.channels;
  if (fmtp.max_average_bitrate) s.bitrate = std::min(s.bitrate, *fmtp.max_average_bitrate);
  s.max_bandwidth_hz = fmtp.max_playback_rate;
  s.cbr = fmtp.cbr;
  s.inband_fec = fmtp.use_inband_fec;
  s.dtx = fmtp.use_dtx;
  s.ptime_ms = snap_ptime(fmtp.ptime.value_or(format.ptime_ms), fmtp.min_ptime.value_or(0), fmtp.max_ptime.value_or(120));
  return s;
}

OpusEncoder::OpusEncoder(const OpusEncoderSettings& settings, std::string& error) : settings_(settings) {
  settings_.channels = std::clamp(settings_.channels, 1, 2);
  settings_.bitrate = std::clamp(settings_.bitrate, 6000, 510000);  // RFC 7587 §6.1
  settings_.max_bandwidth_hz = std::clamp(settings_.max_bandwidth_hz, 8000, 48000);
  settings_.packet_loss_percent = std::clamp(settings_.packet_loss_percent, 0, 100);
  settings_.ptime_ms = snap_ptime(settings_.ptime_ms, 0, 120);
  int err = OPUS_OK;
  state_ = opus_encoder_create(opus_clock_rate, settings_.channels, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK || state_ == nullptr) {
    error = std::string("opus encoder: ") + opus_strerror(err);
    state_ = nullptr;
    return;
  }
  opus_encoder_ctl(state_, OPUS_SET_BITRATE(settings_.bitrate));
  opus_encoder_ctl(state_, OPUS_SET_MAX_BANDWIDTH(max_bandwidth(settings_.max_bandwidth_hz)));
  opus_encoder_ctl(state_, OPUS_SET_VBR(settings_.cbr ? 0 : 1));
  opus_encoder_ctl(state_, OPUS_SET_INBAND_FEC(settings_.inband_fec ? 1 : 0));
  opus_encoder_ctl(state_, OPUS_SET_PACKET_LOSS_PERC(settings_.inband_fec ? settings_.packet_loss_percent : 0));
  opus_encoder_ctl(state_, OPUS_SET_DTX(settings_.dtx ? 1 : 0));
}

OpusEncoder::~OpusEncoder() { opus_encoder_destroy(state_); }

void OpusEncoder::set_packet_loss_percent(int percent) {
  settings_.packet_loss_percent = std::clamp(percent, 0, 100);
  if (state_ != nullptr && settings_.inband_fec)
    opus_encoder_ctl(state_, OPUS_SET_PACKET_LOSS_PERC(settings_.packet_loss_percent));
}

int OpusEncoder::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  const int frames = frames_per_packet();
  if (state_ == nullptr || pcm.size() < static_cast<std::size_t>(frames * settings_.channels) || out.empty()) return -1;
  const int n = opus_encode(state_, pcm.data(), frames, out.data(), clamp_length(out.size()));
  if (n < 0) return -1;
  // libopus marks a frame DTX leaves out by coding it in at most 2 bytes
  // (1.3 gives the TOC byte alone); it is not sent (RFC 7587 §3.1.3).
  if (settings_.dtx && n <= 2) return 0;
  return n;
}

OpusDecoder::OpusDecoder(int channels, int output_rate, std::string& error)
    : channels_(std::clamp(channels, 1, 2)),
      output_rate_(output_rate == 8000 || output_rate == 12000 || output_rate == 16000 || output_rate == 24000
                       ? output_rate
                       : opus_clock_rate) {
  int err = OPUS_OK;
  state_ = opus_decoder_create(output_rate_, channels_, &err);
  if (err != OPUS_OK || state_ == nullptr) {
    error = std::string("opus decoder: ") + opus_strerror(err);
    state_ = nullptr;
  }
}

OpusDecoder::~OpusDecoder() { opus_decoder_destroy(state_); }

int OpusDecoder::frames_in(std::span<const std::uint8_t> payload) const {
  // RFC 6716 §3.4: a packet has at least the TOC byte, its frames' lengths
  // add up, and it lasts at most 120 ms; opus_packet_parse checks them all.
  if (payload.empty()) return -1;
  const unsigned char* frames[48];
  opus_int16 sizes[48];
  const int count = opus_packet_parse(payload.data(), clamp_length(payload.size()), nullptr, frames, sizes, nullptr);
  if (count <= 0) return -1;
  return count * opus_packet_get_samples_per_frame(payload.data(), output_rate_);
}

int OpusDecoder::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> out) {
  const int frames = frames_in(payload);
  if (state_ == nullptr || frames < 0 || out.size() < static_cast<std::size_t>(frames * channels_)) return -1;
  const int n = opus_decode(state_, payload.data(), clamp_length(payload.size()), out.data(), frames, 0);
  if (n < 0) return -1;
  last_celt_only_ = celt_only(payload[0]);
  return n;
}

int OpusDecoder::conceal(int frames, std::span<std::int16_t> out) {
  if (state_ == nullptr) return -1;
  return plc(std::clamp(frames, 0, clamp_length(out.size() / static_cast<std::size_t>(channels_))), out);
}

// opus_decode(NULL) conceals in 2.5 ms steps; a remainder is concealed
// as a whole step into scratch_ and cut.
int OpusDecoder::plc(int frames, std::span<std::int16_t> out) {
  const int step = output_rate_ / 400;
  const int whole = frames - frames % step;
  int done = 0;
  while (done < whole) {
    const int chunk = std::min(whole - done, 24 * step);  // 60 ms at a time
    const int n = opus_decode(state_, nullptr, 0, out.data() + done * channels_, chunk, 0);
    if (n != chunk) return -1;
    done += n;
  }
  if (done < frames) {
    if (opus_decode(state_, nullptr, 0, scratch_.data(), step, 0) != step) return -1;
    std::copy_n(scratch_.begin(), (frames - done) * channels_, out.begin() + done * channels_);
  }
  return frames;
}

int OpusDecoder::recover(std::span<const std::uint8_t> next_payload, int frames, std::span<std::int16_t> out) {
  // libopus conceals instead when the packet has no LBRR data, when the
  // last decoded packet was CELT-only, or when the loss is shorter than the
  // packet's first frame: say so, and let the caller conceal.
  if (state_ == nullptr || last_celt_only_ || frames_in(next_payload) < 0 || !opus_has_fec(next_payload)) return 0;
  frames = std::min(frames, clamp_length(out.size() / static_cast<std::size_t>(channels_)));
  const int fec_frames = opus_packet_get_samples_per_frame(next_payload.data(), output_rate_);
  if (frames < fec_frames) return 0;
  if (plc(frames - fec_frames, out) < 0) return -1;
  const int n = opus_decode(state_, next_payload.data(), clamp_length(next_payload.size()),
                            out.data() + (frames - fec_frames) * channels_, fec_frames, 1);
  return n == fec_frames ? frames : -1;
}

bool opus_has_fec(std::span<const std::uint8_t> payload) {
  if (payload.empty() || celt_only(payload[0])) return false;
  const unsigned char* frames[48];
  opus_int16 sizes[48];
  if (opus_packet_parse(payload.data(), clamp_length(payload.size()), nullptr, frames, sizes, nullptr) <= 0 ||
      sizes[0] == 0)
    return false;
  // §4.2.3: the SILK layer opens, per channel (mid, then side), with one
  // VAD flag per 20 ms SILK frame (a 10 ms Opus frame has one 10 ms SILK
  // frame) and then the LBRR flag. Each is a symbol of probability 1/2
  // decoded before anything else, so by the range decoder's construction
  // (§4.1) they are the leading bits of the frame's first byte.
  const int silk_frames = std::max(1, opus_packet_get_samples_per_frame(payload.data(), 48000) / 960);
  const int first = frames[0][0];
  const bool mid_lbrr = (first >> (7 - silk_frames)) & 1;
  const bool stereo = payload[0] & 0x04;
  const bool side_lbrr = stereo && ((first >> (6 - 2 * silk_frames)) & 1);
  return mid_lbrr || side_lbrr;
}

}  // namespace cosip::media
