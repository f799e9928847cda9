// Test tones and their measurement: a sine source, and the share of a
// signal's energy at one frequency (the Goertzel algorithm, one DFT bin),
// which is how the interop tests tell that audio really crossed a call.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace cosip::media {

class ToneGenerator {
 public:
  // amplitude: peak as a fraction of full scale (0..1].
  ToneGenerator(double frequency_hz, int sample_rate, double amplitude);
  void fill(std::span<std::int16_t> out);

 private:
  double step_;   // phase increment per sample, radians
  double phase_ = 0;
  double peak_;
};

// The two frequencies (low, high) of a DTMF digit, ITU-T Q.23: rows 697,
// 770, 852, 941 Hz by columns 1209, 1336, 1477, 1633 Hz; none for anything
// but 0-9 * # A-D.
std::optional<std::pair<double, double>> dtmf_frequencies(char digit);

// Fraction (0..1) of the energy of `samples` that lies in the DFT bin of
// `frequency_hz`, scaled so that a pure tone at that frequency gives about
// 1; 0 for silence.
double tone_energy_share(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz);

// The median of tone_energy_share over blocks of half a second: a gap or
// a phase jump in the signal (loss, an RFC 4733 event replacing audio)
// spoils the blocks it falls in, not the whole measure. 0 when shorter
// than one block.
double median_tone_energy_share(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz);

// Root mean square level in dB relative to full scale; -inf for silence.
double rms_dbfs(std::span<const std::int16_t> samples);

}  // namespace cosip::media
