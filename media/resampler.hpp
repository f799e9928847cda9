// Sample-rate conversion with speexdsp's resampler, between a device's rate
// and a codec's (48000 <-> 8000, 44100 <-> 48000 ...). Runs on the media
// thread, never in the audio callback. Between equal rates it copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/audio_device.hpp"

struct SpeexResamplerState_;

namespace cosip::media {

class Resampler {
 public:
  // speexdsp's quality scale, 0..10: 3 is its "VoIP" setting.
  static constexpr int voip_quality = 3;

  // Null with `error` set (naming the rates and speexdsp's reason) when
  // speexdsp refuses them.
  static std::unique_ptr<Resampler> create(int channels, int input_rate, int output_rate, int quality,
                                           std::string& error);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  int channels() const { return channels_; }
  int input_rate() const { return input_rate_; }
  int output_rate() const { return output_rate_; }

  // The most frames process() can write for `input_frames`.
  std::size_t max_output_frames(std::size_t input_frames) const;

  struct Result {
    std::size_t consumed;  // input frames
    std::size_t produced;  // output frames
  };
  // Converts the whole frames of `in` into `out`, as many as fit; the
  // filter's state carries over from one call to the next.
  Result process(std::span<const std::int16_t> in, std::span<std::int16_t> out);

 private:
  Resampler(int channels, int input_rate, int output_rate, SpeexResamplerState_* state);

  int channels_;
  int input_rate_;
  int output_rate_;
  SpeexResamplerState_* state_;  // null between equal rates
};

// A source read at another rate: reads its source as it is read, and keeps
// what one conversion gave beyond the frames asked for.
class ResamplingSource final : public AudioSource {
 public:
  // Null with `error` set as Resampler::create.
  static std::unique_ptr<ResamplingSource> create(std::shared_ptr<AudioSource> source, int output_rate,
                                                  std::string& error);
  int sample_rate() const override { return resampler_->output_rate(); }
  int channels() const override { return resampler_->channels(); }
  std::size_t read(std::span<std::int16_t> out) override;

 private:
  ResamplingSource(std::shared_ptr<AudioSource> source, std::unique_ptr<Resampler> resampler);

  std::shared_ptr<AudioSource> source_;
  std::unique_ptr<Resampler> resampler_;
  std::vector<std::int16_t> input_;
  std::vector<std::int16_t> output_;
  std::size_t output_start_ = 0;  // samples of output_ already read
};

}  // namespace cosip::media
