#include "media/g711_codec.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace cosip::media {

G711Encoder::G711Encoder(G711Law law, int ptime_ms)
    : law_(law), frames_per_packet_(8 * (ptime_ms >= 1 && ptime_ms <= 200 ? ptime_ms : 20)) {}

int G711Encoder::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  const auto n = static_cast<std::size_t>(frames_per_packet_);
  if (pcm.size() < n || out.size() < n) return -1;
  return static_cast<int>(g711_encode(law_, pcm.first(n), out));
}

int G711Decoder::frames_in(std::span<const std::uint8_t> payload) const {
  return static_cast<int>(payload.size());
}

int G711Decoder::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> out) {
  if (payload.size() > out.size()) return -1;
  const auto n = static_cast<int>(g711_decode(law_, payload, out));
  if (n == 0) return 0;
  if (period_ != 0) {
    // Cross-fade from the concealment into the first packet after a loss.
    for (int i = 0; i < std::min(seam, n); ++i) {
      const double w = (i + 1.0) / (seam + 1.0);
      out[i] = static_cast<std::int16_t>(std::lround(w * out[i] + (1 - w) * concealed_sample()));
    }
    period_ = 0;
    concealed_ = 0;
  }
  remember(out.first(n));
  return n;
}

int G711Decoder::conceal(int frames, std::span<std::int16_t> out) {
  const int n = std::clamp(frames, 0, static_cast<int>(std::min<std::size_t>(out.size(), INT_MAX)));
  if (history_filled_ == 0) {
    std::fill_n(out.begin(), n, std::int16_t{0});
    return n;
  }
  if (period_ == 0) {
    period_ = find_period();
    position_ = 0;
    concealed_ = 0;
  }
  for (int i = 0; i < n; ++i) out[i] = concealed_sample();
  return n;
}

void G711Decoder::remember(std::span<const std::int16_t> decoded) {
  const auto n = std::min(decoded.size(), history_.size());
  std::shift_left(history_.begin(), history_.end(), static_cast<std::ptrdiff_t>(n));
  std::copy(decoded.end() - static_cast<std::ptrdiff_t>(n), decoded.end(), history_.end() - static_cast<std::ptrdiff_t>(n));
  history_filled_ = std::min(history_size, history_filled_ + static_cast<int>(n));
}

// The lag, within the pitch range, at which the last `window` samples best
// match the audio that came one lag before them (normalised correlation).
int G711Decoder::find_period() const {
  int best = max_period;
  double best_score = 0;
  const int start = history_size - window;
  for (int lag = min_period; lag <= max_period; ++lag) {
    double cross = 0, energy = 0;
    for (int i = start; i < history_size; ++i) {
      cross += static_cast<double>(history_[i]) * history_[i - lag];
      energy += static_cast<double>(history_[i - lag]) * history_[i - lag];
    }
    if (energy <= 0) continue;
    const double score = cross / std::sqrt(energy);
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  return best;
}

std::int16_t G711Decoder::concealed_sample() {
  const std::int16_t sample = history_[history_size - period_ + position_];
  position_ = (position_ + 1) % period_;
  double gain = 1;
  if (concealed_ >= fade_end) gain = 0;
  else if (concealed_ >= full_level) gain = double(fade_end - concealed_) / (fade_end - full_level);
  if (concealed_ < fade_end) ++concealed_;
  return static_cast<std::int16_t>(std::lround(gain * sample));
}

}  // namespace cosip::media
