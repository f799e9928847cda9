// What a `cosip` command plays (call audio, ringback, inbound ringtone, DTMF
// feedback): a mixer at 48 kHz mono whose frames go to a PortAudio output
// device or to a WAV file, one frame each time play() is called.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/audio_device.hpp"
#include "media/mixer.hpp"
#include "media/portaudio_device.hpp"

namespace cosip::apps {

class Speaker {
 public:
  static constexpr int sample_rate = 48000;

  // `spec`: "wav:FILE", or a PortAudio output device by name ("default"
  // for the system's). Null with `error` naming what was asked (and, for
  // a device, what there is).
  static std::unique_ptr<Speaker> open(const std::string& spec, std::string& error);

  media::Mixer& mixer() { return mixer_; }
  // Mixes `frames` frames and writes them to the output; returns how many
  // the output kept.
  std::size_t play(std::size_t frames);
  std::uint64_t frames_played() const { return played_; }

 private:
  Speaker() : mixer_(sample_rate, 1) {}

  std::unique_ptr<media::PortAudio> portaudio_;  // outlives the output below
  std::unique_ptr<media::AudioSink> output_;
  media::Mixer mixer_;
  std::vector<std::int16_t> frame_;
  std::uint64_t played_ = 0;
};

// A mono WAV file as a looping source at the speaker's rate (resampled
// when it has another rate); null with `error` naming the file.
std::shared_ptr<media::AudioSource> open_ringtone(const std::string& path, std::string& error);

}  // namespace cosip::apps
