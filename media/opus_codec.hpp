// Opus (RFC 6716) behind the codec interface, carried as RFC 7587 says:
// the RTP clock is 48 kHz whatever the audio bandwidth, mono or stereo is
// the encoder's choice within what the peer's fmtp allows. Input and output
// PCM are at 48 kHz by default.
//
// How the peer's fmtp (RFC 7587 §6.1, media/opus_fmtp.hpp) is honoured:
//   encoder  stereo=1           encode two channels (else one)
//            maxplaybackrate    caps the coded bandwidth (OPUS_SET_MAX_BANDWIDTH)
//            maxaveragebitrate  caps the bitrate (default 32 kb/s mono, 64 stereo)
//            cbr=1              constant bitrate (OPUS_SET_VBR 0)
//            useinbandfec=1     in-band FEC, tuned for an expected loss (default 10 %)
//            usedtx=1           DTX: encode() returns 0 for frames not to send
//            ptime, minptime, maxptime  bound the packet duration
//   decoder  sprop-stereo=1     decode to two channels (else one)
//            sprop-maxcapturerate  recorded only: the output stays at 48 kHz so
//                                  frames count in RTP clock units
// The rtpmap's channel count (always 2 by §7) only caps the channels: a
// format saying 1 channel gives mono both ways.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "media/codec.hpp"
#include "media/opus_fmtp.hpp"

struct OpusEncoder;  // libopus's state types
struct OpusDecoder;

namespace cosip::media {

constexpr int opus_clock_rate = 48000;  // RFC 7587 §4.1

struct OpusEncoderSettings {
  int channels = 1;                 // 1 or 2
  int bitrate = 32000;              // b/s
  int max_bandwidth_hz = 48000;     // audio rate the peer plays at most: 8000..48000
  bool cbr = false;
  bool inband_fec = false;
  int packet_loss_percent = 10;     // what FEC is tuned for (OPUS_SET_PACKET_LOSS_PERC)
  bool dtx = false;
  int ptime_ms = 20;                // 10, 20, 40, 60, 80, 100 or 120

  // The settings the peer's a=fmtp and the negotiated format ask for.
  static OpusEncoderSettings from(const CodecFormat& format);
};

class OpusEncoder final : public AudioEncoder {
 public:
  // Settings out of range are brought back to the nearest valid value.
  // `error` is set (and encode() always fails) if libopus refuses.
  OpusEncoder(const OpusEncoderSettings& settings, std::string& error);
  ~OpusEncoder() override;
  OpusEncoder(const OpusEncoder&) = delete;
  OpusEncoder& operator=(const OpusEncoder&) = delete;

  int sample_rate() const override { return opus_clock_rate; }
  int channels() const override { return settings_.channels; }
  int frames_per_packet() const override { return settings_.ptime_ms * (opus_clock_rate / 1000); }
  // With DTX on, a frame libopus codes in 2 bytes or fewer (its mark for
  // a frame DTX leaves out) is not sent: 0 is returned. The comfort-noise
  // updates in between (one per 400 ms) are sent.
  int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) override;

  // The loss the FEC is tuned for, e.g. from RTCP receiver reports (0..100).
  void set_packet_loss_percent(int percent);
  const OpusEncoderSettings& settings() const { return settings_; }
  // For tests and diagnostics: libopus's own state.
  ::OpusEncoder* state() { return state_; }

 private:
  OpusEncoderSettings settings_;
  ::OpusEncoder* state_ = nullptr;
};

class OpusDecoder final : public AudioDecoder {
 public:
  // output_rate: 8000, 12000, 16000, 24000 or 48000 (others give 48000);
  // frames then count at that rate. `error` is set if libopus refuses.
  OpusDecoder(int channels, int output_rate, std::string& error);
  ~OpusDecoder() override;
  OpusDecoder(const OpusDecoder&) = delete;
  OpusDecoder& operator=(const OpusDecoder&) = delete;

  int sample_rate() const override { return output_rate_; }
  int channels() const override { return channels_; }
  // -1 for what RFC 6716 §3.4 calls malformed (including an empty payload).
  int frames_in(std::span<const std::uint8_t> payload) const override;
  // -1 also when `out` cannot hold the payload's frames.
  int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> out) override;
  // libopus's PLC; any count of frames (libopus itself wants 2.5 ms steps).
  int conceal(int frames, std::span<std::int16_t> out) override;
  // Decodes the LBRR (FEC) data of `next_payload` into the last part of
  // `frames` (as long as the packet's first Opus frame), concealing any
  // earlier part. 0, with nothing decoded, when libopus could not use FEC:
  // `next_payload` CELT-only or its LBRR flag clear, the last decoded packet
  // CELT-only, or `frames` shorter than the packet's first frame. The
  // caller then decodes `next_payload` itself as usual.
  int recover(std::span<const std::uint8_t> next_payload, int frames, std::span<std::int16_t> out) override;

 private:
  int plc(int frames, std::span<std::int16_t> out);

  int channels_;
  int output_rate_;
  ::OpusDecoder* state_ = nullptr;
  bool last_celt_only_ = false;  // the last decoded packet's mode: libopus has no FEC after CELT
  std::array<std::int16_t, 2 * 120> scratch_{};  // one 2.5 ms step, stereo at 48 kHz
};

// RFC 6716 §4.2.3-4.2.4: whether the first Opus frame of `payload` carries
// LBRR (in-band FEC) data for the frame before it.
bool opus_has_fec(std::span<const std::uint8_t> payload);

}  // namespace cosip::media
