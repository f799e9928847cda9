// The mixer: several sources (call audio, a ringtone, DTMF feedback tones)
// summed into one output, each with its own gain, clipped to the 16-bit
// range instead of wrapping around. Pure: it reads its sources when it is
// read, on the caller's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/audio_device.hpp"

namespace cosip::media {

// The nearest 16-bit sample to `value`: out-of-range values clip.
std::int16_t saturate_sample(double value);

class Mixer final : public AudioSource {
 public:
  using SourceId = std::uint32_t;

  Mixer(int sample_rate, int channels);

  // Adds a source of the mixer's rate and channels; its samples are
  // multiplied by `gain`. Nullopt and `error` set when its format differs
  // (resample it first: media/resampler.hpp).
  std::optional<SourceId> add(std::shared_ptr<AudioSource> source, double gain, std::string& error);
  // False when there is no such source.
  bool remove(SourceId id);
  bool set_gain(SourceId id, double gain);
  std::size_t source_count() const { return inputs_.size(); }

  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  // Always whole: out.size() / channels() frames, silence where no source
  // gave anything (a source that ends or lags adds nothing to the rest).
  std::size_t read(std::span<std::int16_t> out) override;

 private:
  struct Input {
    SourceId id;
    std::shared_ptr<AudioSource> source;
    double gain;
  };

  int sample_rate_;
  int channels_;
  SourceId next_id_ = 1;
  std::vector<Input> inputs_;
  std::vector<double> sum_;          // of one read, per sample
  std::vector<std::int16_t> input_;  // one source's samples of one read
};

}  // namespace cosip::media
