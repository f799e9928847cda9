// A fixed speech-like test signal for codec tests and benchmarks: a voiced
// harmonic series whose pitch wanders around 120 Hz, shaped by a syllable
// rate envelope, with a little seeded noise. Pure tones are a poor stand-in
// for speech where bitrate matters (SILK's VBR spends more on them).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace cosip::test {

// `frames` of 48 kHz PCM, `channels` interleaved (the second channel is the
// first delayed by 1 ms, as from a second microphone).
inline std::vector<std::int16_t> speech_like(int frames, int channels, unsigned seed = 1) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 300);
  std::vector<double> mono(static_cast<std::size_t>(frames));
  double phase = 0;
  for (std::size_t i = 0; i < mono.size(); ++i) {
    const double t = static_cast<double>(i) / 48000;
    const double f0 = 120 + 20 * std::sin(2 * std::numbers::pi * 0.7 * t);
    phase += 2 * std::numbers::pi * f0 / 48000;
    double v = 0;
    for (int h = 1; h <= 20; ++h) v += 3000.0 / h * std::sin(h * phase + h);
    v *= 0.55 + 0.45 * std::sin(2 * std::numbers::pi * 3 * t);  // syllables at 3 Hz
    mono[i] = v + noise(random);
  }
  std::vector<std::int16_t> pcm;
  pcm.reserve(mono.size() * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < mono.size(); ++i)
    for (int c = 0; c < channels; ++c) {
      const double v = c == 0 || i < 48 ? mono[i] : mono[i - 48];
      pcm.push_back(static_cast<std::int16_t>(std::clamp(v, -32767.0, 32767.0)));
    }
  return pcm;
}

}  // namespace cosip::test
