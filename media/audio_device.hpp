// What the media thread sees of audio devices: sources that produce frames
// of 16-bit PCM and sinks that take them, each at its own rate and channel
// count (interleaved samples; a frame is one sample per channel, as in
// media/codec.hpp). Implemented here: a tone source, a silent source and a
// discarding sink. Elsewhere: WAV files (media/wav_file.hpp), PortAudio
// (media/portaudio_device.hpp), the mixer (media/mixer.hpp).
//
// Also the choice of a device by name, kept pure so that it is tested
// without a sound server: PortAudio's shell hands it the device list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/tone.hpp"

namespace cosip::media {

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual int sample_rate() const = 0;
  virtual int channels() const = 0;
  // Reads up to out.size() / channels() frames into `out`; returns the
  // frames read: 0 at the end, or when nothing is there yet.
  virtual std::size_t read(std::span<std::int16_t> out) = 0;
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual int sample_rate() const = 0;
  virtual int channels() const = 0;
  // Takes the whole frames of `pcm`; returns how many it kept (fewer when
  // it is full or failed).
  virtual std::size_t write(std::span<const std::int16_t> pcm) = 0;
};

// An endless sine, the same in every channel.
class ToneSource final : public AudioSource {
 public:
  ToneSource(double frequency_hz, int sample_rate, int channels, double amplitude);
  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  std::size_t read(std::span<std::int16_t> out) override;

 private:
  ToneGenerator generator_;
  int sample_rate_;
  int channels_;
};

// Endless silence.
class NullSource final : public AudioSource {
 public:
  NullSource(int sample_rate, int channels) : sample_rate_(sample_rate), channels_(channels) {}
  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  std::size_t read(std::span<std::int16_t> out) override;

 private:
  int sample_rate_;
  int channels_;
};

// Takes everything and keeps nothing but the count.
class NullSink final : public AudioSink {
 public:
  NullSink(int sample_rate, int channels) : sample_rate_(sample_rate), channels_(channels) {}
  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  std::size_t write(std::span<const std::int16_t> pcm) override;
  std::uint64_t frames_written() const { return frames_written_; }

 private:
  int sample_rate_;
  int channels_;
  std::uint64_t frames_written_ = 0;
};

// A device as the audio system lists it.
struct AudioDeviceInfo {
  int index = -1;  // the audio system's own number for it
  std::string name;
  std::string host_api;  // "ALSA", "JACK Audio Connection Kit", ...
  int input_channels = 0;
  int output_channels = 0;
  double default_sample_rate = 0;
};

enum class AudioDirection { input, output };

// "system" (JACK Audio Connection Kit, in 2, out 2, 48000 Hz)
std::string describe(const AudioDeviceInfo& device);

// The device `name` asks for among those with channels in `direction`: the
// one named exactly so (the first such), else the only one whose name
// contains it; "default" is `default_index` (the system's default device,
// -1 for none). Null and `error` set (naming what was asked and listing
// what is available) when none or several match.
const AudioDeviceInfo* select_audio_device(std::span<const AudioDeviceInfo> devices, std::string_view name,
                                           AudioDirection direction, int default_index, std::string& error);

}  // namespace cosip::media
