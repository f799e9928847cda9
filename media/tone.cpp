#include "media/tone.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace cosip::media {

std::optional<std::pair<double, double>> dtmf_frequencies(char digit) {
  static constexpr char keypad[4][5] = {"123A", "456B", "789C", "*0#D"};
  static constexpr double rows[4] = {697, 770, 852, 941};
  static constexpr double columns[4] = {1209, 1336, 1477, 1633};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      if (keypad[r][c] == digit) return std::pair{rows[r], columns[c]};
  return std::nullopt;
}

ToneGenerator::ToneGenerator(double frequency_hz, int sample_rate, double amplitude)
    : step_(2 * std::numbers::pi * frequency_hz / sample_rate), peak_(amplitude * 32767.0) {}

void ToneGenerator::fill(std::span<std::int16_t> out) {
  for (std::int16_t& s : out) {
    s = static_cast<std::int16_t>(std::lround(peak_ * std::sin(phase_)));
    phase_ = std::fmod(phase_ + step_, 2 * std::numbers::pi);
  }
}

double tone_energy_share(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz) {
  if (samples.empty()) return 0;
  // Goertzel: the power of one DFT bin at the exact frequency.
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / sample_rate);
  double s1 = 0, s2 = 0, energy = 0;
  for (const std::int16_t x : samples) {
    const double s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += static_cast<double>(x) * x;
  }
  if (energy == 0) return 0;
  const double bin_power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  // A sine of amplitude A over N samples: bin power N^2 A^2 / 4, energy N A^2 / 2.
  return bin_power * 2 / (static_cast<double>(samples.size()) * energy);
}

double median_tone_energy_share(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz) {
  const auto block = static_cast<std::size_t>(sample_rate / 2);
  std::vector<double> shares;
  for (std::size_t at = 0; block > 0 && at + block <= samples.size(); at += block)
    shares.push_back(tone_energy_share(samples.subspan(at, block), sample_rate, frequency_hz));
  if (shares.empty()) return 0;
  std::nth_element(shares.begin(), shares.begin() + static_cast<std::ptrdiff_t>(shares.size() / 2), shares.end());
  return shares[shares.size() / 2];
}

double rms_dbfs(std::span<const std::int16_t> samples) {
  double energy = 0;
  for (const std::int16_t x : samples) energy += static_cast<double>(x) * x;
  if (energy == 0) return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(energy / static_cast<double>(samples.size()) / (32768.0 * 32768.0));
}

}  // namespace cosip::media
