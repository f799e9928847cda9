// PortAudio input and output: the thin shell between the media thread and
// a sound card or sound server.
//
// PortAudio calls back on its own real-time thread, which never locks,
// allocates or makes a system call (ARCHITECTURE.md): there the callback
// only copies samples between the device's buffer and a lock-free ring
// (media/spsc_ring.hpp), at the device's rate. The media thread resamples
// (media/resampler.hpp) between that rate and the codec's as it writes to
// the output ring or reads from the input ring. An output callback that
// finds too little plays silence for the rest and counts an underrun; an
// input callback that finds the ring full drops the rest and counts an
// overrun.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/audio_device.hpp"
#include "media/resampler.hpp"

namespace cosip::media {

// PortAudio itself, initialised for the object's lifetime, which must span
// that of every stream opened with it. PortAudio counts initialisations, so
// several may live at once.
class PortAudio {
 public:
  // Null with `error` set when PortAudio cannot start. Under JACK the
  // client is called "cosip" (ports "cosip:out_0", "cosip:in_0", ...).
  static std::unique_ptr<PortAudio> initialize(std::string& error);
  ~PortAudio();
  PortAudio(const PortAudio&) = delete;
  PortAudio& operator=(const PortAudio&) = delete;

  // As listed when PortAudio was initialised.
  std::vector<AudioDeviceInfo> devices() const;
  // The default device's index, -1 when there is none.
  int default_device(AudioDirection direction) const;

 private:
  PortAudio() = default;
};

struct PortAudioStreamConfig {
  std::string device = "default";  // as select_audio_device takes it
  int device_rate = 0;              // the stream's rate; 0 for the device's default
  int sample_rate = 8000;           // what the media thread reads or writes
  int channels = 1;
  int ring_ms = 200;  // the most audio queued between the callback and the media thread
};

// Shared between a stream's callback and the media thread; defined with the
// callbacks.
struct PortAudioRealtime;

class PortAudioOutput final : public AudioSink {
 public:
  // Null with `error` set: an unknown or ambiguous device (listing the
  // devices), too few channels, a rate the device refuses (naming it and the
  // device's default rate), or PortAudio's own failure to open.
  static std::unique_ptr<PortAudioOutput> open(const PortAudio& system, const PortAudioStreamConfig& config,
                                               std::string& error);
  ~PortAudioOutput() override;
  PortAudioOutput(const PortAudioOutput&) = delete;
  PortAudioOutput& operator=(const PortAudioOutput&) = delete;

  // Frames written before start() are played first.
  bool start(std::string& error);
  void stop();

  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  // Resamples to the device's rate and queues for the callback; frames that
  // find ring_ms already queued are dropped and counted as an overrun.
  std::size_t write(std::span<const std::int16_t> pcm) override;

  const AudioDeviceInfo& device() const { return device_; }
  int device_rate() const { return device_rate_; }
  std::size_t queued_frames() const;  // at the device's rate
  std::uint64_t underruns() const;    // callbacks that played some silence
  std::uint64_t overruns() const;     // writes that lost frames

 private:
  PortAudioOutput(const PortAudioStreamConfig& config, AudioDeviceInfo device, int device_rate,
                  std::unique_ptr<Resampler> resampler);

  int sample_rate_;
  int channels_;
  AudioDeviceInfo device_;
  int device_rate_;
  std::unique_ptr<Resampler> resampler_;
  std::unique_ptr<PortAudioRealtime> realtime_;
  std::size_t max_queued_;  // samples
  std::vector<std::int16_t> resampled_;
  std::uint64_t overruns_ = 0;
  void* stream_ = nullptr;  // PaStream
};

class PortAudioInput final : public AudioSource {
 public:
  // Null with `error` set, as PortAudioOutput::open.
  static std::unique_ptr<PortAudioInput> open(const PortAudio& system, const PortAudioStreamConfig& config,
                                              std::string& error);
  ~PortAudioInput() override;
  PortAudioInput(const PortAudioInput&) = delete;
  PortAudioInput& operator=(const PortAudioInput&) = delete;

  bool start(std::string& error);
  void stop();

  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  // What the callback has captured, resampled, up to out.size() samples;
  // 0 when nothing is there yet.
  std::size_t read(std::span<std::int16_t> out) override;

  const AudioDeviceInfo& device() const { return device_; }
  int device_rate() const { return device_rate_; }
  std::uint64_t overruns() const;  // callbacks that lost frames to a full ring

 private:
  class RingSource;
  PortAudioInput(const PortAudioStreamConfig& config, AudioDeviceInfo device, int device_rate);

  int sample_rate_;
  int channels_;
  AudioDeviceInfo device_;
  int device_rate_;
  std::unique_ptr<PortAudioRealtime> realtime_;
  std::unique_ptr<ResamplingSource> resampled_;  // reads realtime_'s ring
  void* stream_ = nullptr;                       // PaStream
};

}  // namespace cosip::media
