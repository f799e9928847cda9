#include "media/resampler.hpp"

#include <algorithm>

#include <speex/speex_resampler.h>

namespace cosip::media {

std::unique_ptr<Resampler> Resampler::create(int channels, int input_rate, int output_rate, int quality,
                                             std::string& error) {
  const std::string asked = std::to_string(input_rate) + " Hz to " + std::to_string(output_rate) + " Hz, " +
                            std::to_string(channels) + " channel(s), quality " + std::to_string(quality);
  if (channels < 1 || input_rate < 1 || output_rate < 1) {
    error = "cannot resample " + asked + ": rates and channels must be positive";
    return nullptr;
  }
  SpeexResamplerState* state = nullptr;
  if (input_rate != output_rate) {
    int status = RESAMPLER_ERR_SUCCESS;
    state = speex_resampler_init(static_cast<spx_uint32_t>(channels), static_cast<spx_uint32_t>(input_rate),
                                 static_cast<spx_uint32_t>(output_rate), quality, &status);
    if (state == nullptr || status != RESAMPLER_ERR_SUCCESS) {
      if (state != nullptr) speex_resampler_destroy(state);
      error = "cannot resample " + asked + ": " + speex_resampler_strerror(status);
      return nullptr;
    }
  }
  return std::unique_ptr<Resampler>(new Resampler(channels, input_rate, output_rate, state));
}

Resampler::Resampler(int channels, int input_rate, int output_rate, SpeexResamplerState_* state)
    : channels_(channels), input_rate_(input_rate), output_rate_(output_rate), state_(state) {}

Resampler::~Resampler() {
  if (state_ != nullptr) speex_resampler_destroy(state_);
}

std::size_t Resampler::max_output_frames(std::size_t input_frames) const {
  const auto in = static_cast<std::size_t>(input_rate_);
  const auto out = static_cast<std::size_t>(output_rate_);
  // The output position's fraction carries over between calls: one more.
  return (input_frames * out + in - 1) / in + 1;
}

Resampler::Result Resampler::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  const auto width = static_cast<std::size_t>(channels_);
  const std::size_t in_frames = in.size() / width;
  const std::size_t out_frames = out.size() / width;
  if (state_ == nullptr) {
    const std::size_t frames = std::min(in_frames, out_frames);
    std::copy_n(in.begin(), frames * width, out.begin());
    return {frames, frames};
  }
  auto in_len = static_cast<spx_uint32_t>(in_frames);
  auto out_len = static_cast<spx_uint32_t>(out_frames);
  speex_resampler_process_interleaved_int(state_, in.data(), &in_len, out.data(), &out_len);
  return {in_len, out_len};
}

std::unique_ptr<ResamplingSource> ResamplingSource::create(std::shared_ptr<AudioSource> source, int output_rate,
                                                           std::string& error) {
  auto resampler = Resampler::create(source->channels(), source->sample_rate(), output_rate,
                                     Resampler::voip_quality, error);
  if (!resampler) return nullptr;
  return std::unique_ptr<ResamplingSource>(new ResamplingSource(std::move(source), std::move(resampler)));
}

ResamplingSource::ResamplingSource(std::shared_ptr<AudioSource> source, std::unique_ptr<Resampler> resampler)
    : source_(std::move(source)), resampler_(std::move(resampler)) {}

std::size_t ResamplingSource::read(std::span<std::int16_t> out) {
  const auto width = static_cast<std::size_t>(channels());
  const std::size_t wanted = out.size() / width * width;
  std::size_t written = 0;
  while (written < wanted) {
    if (output_start_ == output_.size()) {
      // Enough input for what is still wanted, rounded up.
      const std::size_t frames = ((wanted - written) / width * static_cast<std::size_t>(resampler_->input_rate()) +
                                  static_cast<std::size_t>(resampler_->output_rate()) - 1) /
                                 static_cast<std::size_t>(resampler_->output_rate());
      input_.resize(std::max<std::size_t>(frames, 1) * width);
      const std::size_t got = source_->read(input_);
      if (got == 0) break;
      output_.resize(resampler_->max_output_frames(got) * width);
      const Resampler::Result result = resampler_->process(std::span(input_).first(got * width), output_);
      output_.resize(result.produced * width);
      output_start_ = 0;
      if (output_.empty()) continue;
    }
    const std::size_t count = std::min(wanted - written, output_.size() - output_start_);
    std::copy_n(output_.begin() + static_cast<std::ptrdiff_t>(output_start_), count,
                out.begin() + static_cast<std::ptrdiff_t>(written));
    output_start_ += count;
    written += count;
  }
  return written / width;
}

}  // namespace cosip::media
