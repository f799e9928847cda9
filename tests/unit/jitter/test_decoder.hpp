// A codec for jitter buffer tests and benchmarks: a payload is a packet's
// index (4 bytes, big-endian) and a flag saying whether it carries FEC for
// the packet before; the PCM is a 400 Hz tone whose phase follows the
// index, so time-stretching finds its period. Every call is logged, so a
// test sees exactly what was played, concealed and recovered.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

#include "media/codec.hpp"

namespace cosip::test {

class IndexDecoder final : public media::AudioDecoder {
 public:
  enum class Kind { decoded, concealed, recovered };
  struct Call {
    Kind kind;
    std::uint32_t index;  // the packet decoded or recovered; 0 for concealment
  };

  explicit IndexDecoder(int sample_rate = 8000, int frames_per_packet = 160, bool log = true)
      : rate_(sample_rate), frames_(frames_per_packet), log_(log) {}

  static std::vector<std::uint8_t> payload(std::uint32_t index, bool fec = false) {
    return {static_cast<std::uint8_t>(index >> 24), static_cast<std::uint8_t>(index >> 16),
            static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index), static_cast<std::uint8_t>(fec)};
  }

  int sample_rate() const override { return rate_; }
  int channels() const override { return 1; }
  int frames_in(std::span<const std::uint8_t> p) const override { return p.size() == 5 ? frames_ : -1; }
  int decode(std::span<const std::uint8_t> p, std::span<std::int16_t> out) override {
    if (p.size() != 5 || out.size() < static_cast<std::size_t>(frames_)) return -1;
    const std::uint32_t index = read(p);
    tone(index, out);
    if (log_) calls.push_back(Call{Kind::decoded, index});
    return frames_;
  }
  int conceal(int frames, std::span<std::int16_t> out) override {
    for (int i = 0; i < frames && static_cast<std::size_t>(i) < out.size(); ++i) out[static_cast<std::size_t>(i)] = 0;
    if (log_) calls.push_back(Call{Kind::concealed, 0});
    return frames;
  }
  int recover(std::span<const std::uint8_t> next, int frames, std::span<std::int16_t> out) override {
    if (next.size() != 5 || next[4] == 0 || frames != frames_) return 0;
    const std::uint32_t index = read(next) - 1;
    tone(index, out);
    if (log_) calls.push_back(Call{Kind::recovered, index});
    return frames_;
  }

  std::vector<Call> calls;

 private:
  static std::uint32_t read(std::span<const std::uint8_t> p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
  }
  void tone(std::uint32_t index, std::span<std::int16_t> out) const {
    const double step = 2 * std::numbers::pi * 400.0 / rate_;
    for (int i = 0; i < frames_; ++i) {
      const double n = static_cast<double>(index) * frames_ + i;
      out[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(std::lround(8000 * std::sin(step * std::fmod(n, rate_))));
    }
  }

  int rate_;
  int frames_;
  bool log_;
};

}  // namespace cosip::test
