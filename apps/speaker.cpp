#include "apps/speaker.hpp"

#include "media/resampler.hpp"
#include "media/wav_file.hpp"

namespace cosip::apps {

std::unique_ptr<Speaker> Speaker::open(const std::string& spec, std::string& error) {
  std::unique_ptr<Speaker> speaker(new Speaker());
  if (spec.starts_with("wav:")) {
    speaker->output_ = media::WavFileSink::create(spec.substr(4), sample_rate, 1, error);
  } else {
    speaker->portaudio_ = media::PortAudio::initialize(error);
    if (!speaker->portaudio_) return nullptr;
    media::PortAudioStreamConfig config;
    config.device = spec;
    config.sample_rate = sample_rate;
    config.channels = 1;
    std::unique_ptr<media::PortAudioOutput> output = media::PortAudioOutput::open(*speaker->portaudio_, config, error);
    if (!output || !output->start(error)) return nullptr;
    speaker->output_ = std::move(output);
  }
  if (!speaker->output_) return nullptr;
  return speaker;
}

std::size_t Speaker::play(std::size_t frames) {
  frame_.resize(frames);
  const std::size_t mixed = mixer_.read(frame_);
  const std::size_t kept = output_->write(std::span(frame_).first(mixed));
  played_ += kept;
  return kept;
}

std::shared_ptr<media::AudioSource> open_ringtone(const std::string& path, std::string& error) {
  std::shared_ptr<media::AudioSource> file = media::WavFileSource::open(path, true, error);
  if (!file) return nullptr;
  if (file->channels() != 1) {
    error = path + ": " + std::to_string(file->channels()) + " channels; a ringtone must be mono";
    return nullptr;
  }
  if (file->sample_rate() == Speaker::sample_rate) return file;
  return media::ResamplingSource::create(std::move(file), Speaker::sample_rate, error);
}

}  // namespace cosip::apps
