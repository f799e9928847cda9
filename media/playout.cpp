#include "media/playout.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace cosip::media {

namespace {

struct Splice {
  int period = 0;  // frames, 0 when none fits
};

double sample(const std::vector<std::int16_t>& pcm, int channels, int frame) {
  return pcm[static_cast<std::size_t>(frame) * static_cast<std::size_t>(channels)];
}

// The period in [min_period, max_period] over which the audio from `from`
// best repeats itself: the normalised cross-correlation of one period with
// the next.
Splice find_period(const std::vector<std::int16_t>& pcm, int channels, int from, int max_frames,
                   const StretchLimits& limits, bool force) {
  const int frames = static_cast<int>(pcm.size()) / channels - from;
  const int longest = std::min({limits.max_period, max_frames, frames / 2});
  if (longest < limits.min_period) return {};
  double energy = 0;
  for (int i = 0; i < 2 * longest; ++i) energy += sample(pcm, channels, from + i) * sample(pcm, channels, from + i);
  if (std::sqrt(energy / (2 * longest)) < limits.quiet_rms) return Splice{longest};
  std::vector<double> corr(static_cast<std::size_t>(longest) + 1, -1);
  double best_corr = -2;
  for (int period = limits.min_period; period <= longest; ++period) {
    double xy = 0, xx = 0, yy = 0;
    for (int i = 0; i < period; ++i) {
      const double x = sample(pcm, channels, from + i);
      const double y = sample(pcm, channels, from + period + i);
      xy += x * y;
      xx += x * x;
      yy += y * y;
    }
    corr[static_cast<std::size_t>(period)] = xx > 0 && yy > 0 ? xy / std::sqrt(xx * yy) : 0;
    best_corr = std::max(best_corr, corr[static_cast<std::size_t>(period)]);
  }
  if (best_corr < limits.min_correlation && !force) return {};
  // The longest period nearly as good as the best (a multiple of the
  // pitch period): the delay moves faster for the same seam.
  int best = longest;
  while (corr[static_cast<std::size_t>(best)] < best_corr - 0.05) --best;
  return Splice{best};
}

// A linear cross-fade over `n` frames from `fade_out` to `fade_in`, written to `out`.
void cross_fade(const std::int16_t* fade_out, const std::int16_t* fade_in, int n, int channels, std::int16_t* out) {
  for (int i = 0; i < n; ++i) {
    const double w = (i + 0.5) / n;
    for (int c = 0; c < channels; ++c) {
      const std::size_t k = static_cast<std::size_t>(i) * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c);
      out[k] = static_cast<std::int16_t>(std::lround((1 - w) * fade_out[k] + w * fade_in[k]));
    }
  }
}

}  // namespace

StretchLimits stretch_limits(int sample_rate) {
  StretchLimits l;
  l.min_period = std::max(1, sample_rate / 400);
  l.max_period = std::max(l.min_period, sample_rate * 15 / 1000);
  return l;
}

int accelerate(std::vector<std::int16_t>& pcm, int channels, int from, int max_frames, const StretchLimits& limits,
               bool force) {
  const Splice s = find_period(pcm, channels, from, max_frames, limits, force);
  if (s.period == 0) return 0;
  // [from, from+P) fades into [from+P, from+2P); the first period goes.
  const auto at = static_cast<std::size_t>(from) * static_cast<std::size_t>(channels);
  const auto p = static_cast<std::size_t>(s.period) * static_cast<std::size_t>(channels);
  std::vector<std::int16_t> seam(p);
  cross_fade(&pcm[at], &pcm[at + p], s.period, channels, seam.data());
  std::copy(seam.begin(), seam.end(), pcm.begin() + static_cast<std::ptrdiff_t>(at + p));
  pcm.erase(pcm.begin() + static_cast<std::ptrdiff_t>(at), pcm.begin() + static_cast<std::ptrdiff_t>(at + p));
  return s.period;
}

int expand(std::vector<std::int16_t>& pcm, int channels, int from, int max_frames, const StretchLimits& limits,
           bool force) {
  const Splice s = find_period(pcm, channels, from, max_frames, limits, force);
  if (s.period == 0) return 0;
  // After [from, from+P) comes a fade from [from+P, from+2P) into a second
  // copy of [from, from+P), then [from+P, ...) again.
  const auto at = static_cast<std::size_t>(from) * static_cast<std::size_t>(channels);
  const auto p = static_cast<std::size_t>(s.period) * static_cast<std::size_t>(channels);
  std::vector<std::int16_t> seam(p);
  cross_fade(&pcm[at + p], &pcm[at], s.period, channels, seam.data());
  pcm.insert(pcm.begin() + static_cast<std::ptrdiff_t>(at + p), seam.begin(), seam.end());
  return s.period;
}

}  // namespace cosip::media
