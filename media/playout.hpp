// Time-scale modification of decoded audio for the jitter buffer's delay
// control: shorten or lengthen a stretch of PCM without changing its pitch,
// by removing or repeating one period where the signal is most like itself
// a period later (the overlap-add idea of WSOLA, Verhelst and Roelands
// 1993), with a cross-fade across the seam. Quiet audio is cut or repeated
// wherever it is, by the amount asked. Samples are interleaved frames of
// `channels`; the analysis looks at the first channel.
#pragma once

#include <cstdint>
#include <vector>

namespace cosip::media {

struct StretchLimits {
  int min_period = 20;   // frames: 2.5 ms at 8 kHz
  int max_period = 120;  // frames: 15 ms at 8 kHz
  double min_correlation = 0.6;
  double quiet_rms = 300;  // below this (about -40 dBFS) any period will do
};

StretchLimits stretch_limits(int sample_rate);

// Removes one period (at most `max_frames`, at least limits.min_period)
// from `pcm` starting at frame `from`; returns the frames removed, 0 when
// the audio after `from` is too short or not periodic enough (unless
// `force`).
int accelerate(std::vector<std::int16_t>& pcm, int channels, int from, int max_frames, const StretchLimits& limits,
               bool force);

// Repeats one period after frame `from`; returns the frames added (0 as above).
int expand(std::vector<std::int16_t>& pcm, int channels, int from, int max_frames, const StretchLimits& limits,
           bool force);

}  // namespace cosip::media
