// G.711 PCMU and PCMA behind the codec interface (RFC 3551 §4.5.14): 8 kHz
// mono, one byte per sample, so every payload is valid and holds as many
// frames as bytes. There is no FEC; loss is concealed by repeating the last
// pitch period, fading out (see G711Decoder::conceal).
#pragma once

#include <array>
#include <cstdint>

#include "media/codec.hpp"
#include "media/g711.hpp"

namespace cosip::media {

class G711Encoder final : public AudioEncoder {
 public:
  // ptime_ms outside 1..200 is taken as 20.
  G711Encoder(G711Law law, int ptime_ms);

  int sample_rate() const override { return 8000; }
  int channels() const override { return 1; }
  int frames_per_packet() const override { return frames_per_packet_; }
  // -1 when `pcm` is shorter than a packet or `out` cannot hold it.
  int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) override;

 private:
  G711Law law_;
  int frames_per_packet_;
};

class G711Decoder final : public AudioDecoder {
 public:
  explicit G711Decoder(G711Law law) : law_(law) {}

  int sample_rate() const override { return 8000; }
  int channels() const override { return 1; }
  int frames_in(std::span<const std::uint8_t> payload) const override;
  // -1 only when `out` cannot hold the payload.
  int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> out) override;
  // Repeats the last pitch period of the decoded audio (searched between
  // 2.5 and 15 ms, 66-400 Hz) at full level for 10 ms, then fades it
  // linearly to silence at 60 ms of continuous loss, as ITU-T G.711
  // Appendix I does in spirit. The first packet after a loss is cross-faded
  // from the concealment over 4 ms so the seam does not click. Silence
  // before any audio was decoded.
  int conceal(int frames, std::span<std::int16_t> out) override;
  int recover(std::span<const std::uint8_t>, int, std::span<std::int16_t>) override { return 0; }

 private:
  static constexpr int min_period = 20;     // 2.5 ms
  static constexpr int max_period = 120;    // 15 ms
  static constexpr int window = 160;        // 20 ms compared with the audio one period before
  static constexpr int history_size = max_period + window;
  static constexpr int full_level = 80;     // 10 ms
  static constexpr int fade_end = 480;      // 60 ms
  static constexpr int seam = 32;           // 4 ms

  void remember(std::span<const std::int16_t> decoded);
  int find_period() const;
  std::int16_t concealed_sample();  // the next sample of the concealment

  G711Law law_;
  std::array<std::int16_t, history_size> history_{};  // the last decoded samples, oldest first
  int history_filled_ = 0;
  int period_ = 0;        // of the current concealment, 0 when not concealing
  int position_ = 0;      // in the repeated period
  int concealed_ = 0;     // samples concealed since the last good packet
};

}  // namespace cosip::media
