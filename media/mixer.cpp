#include "media/mixer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cosip::media {

std::int16_t saturate_sample(double value) {
  constexpr double low = std::numeric_limits<std::int16_t>::min();
  constexpr double high = std::numeric_limits<std::int16_t>::max();
  return static_cast<std::int16_t>(std::lround(std::clamp(value, low, high)));
}

Mixer::Mixer(int sample_rate, int channels) : sample_rate_(sample_rate), channels_(channels) {}

std::optional<Mixer::SourceId> Mixer::add(std::shared_ptr<AudioSource> source, double gain, std::string& error) {
  if (source->sample_rate() != sample_rate_ || source->channels() != channels_) {
    error = "a source of " + std::to_string(source->sample_rate()) + " Hz, " + std::to_string(source->channels()) +
            " channel(s) does not fit the mixer's " + std::to_string(sample_rate_) + " Hz, " +
            std::to_string(channels_) + " channel(s): resample it first";
    return std::nullopt;
  }
  const SourceId id = next_id_++;
  inputs_.push_back(Input{id, std::move(source), gain});
  return id;
}

bool Mixer::remove(SourceId id) {
  return std::erase_if(inputs_, [id](const Input& input) { return input.id == id; }) > 0;
}

bool Mixer::set_gain(SourceId id, double gain) {
  for (Input& input : inputs_)
    if (input.id == id) {
      input.gain = gain;
      return true;
    }
  return false;
}

std::size_t Mixer::read(std::span<std::int16_t> out) {
  const auto width = static_cast<std::size_t>(channels_);
  const std::size_t frames = out.size() / width;
  const std::size_t samples = frames * width;
  sum_.assign(samples, 0.0);
  input_.resize(samples);
  for (Input& input : inputs_) {
    const std::size_t got = std::min(input.source->read(std::span(input_).first(samples)) * width, samples);
    for (std::size_t i = 0; i < got; ++i) sum_[i] += input_[i] * input.gain;
  }
  for (std::size_t i = 0; i < samples; ++i) out[i] = saturate_sample(sum_[i]);
  return frames;
}

}  // namespace cosip::media
