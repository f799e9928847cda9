#include "media/portaudio_device.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <pa_jack.h>
#include <portaudio.h>

#include "media/spsc_ring.hpp"

namespace cosip::media {

struct PortAudioRealtime {
  PortAudioRealtime(std::size_t ring_samples, int channels)
      : ring(ring_samples), channels(static_cast<std::size_t>(channels)) {}

  SpscRing<std::int16_t> ring;
  const std::size_t channels;
  std::atomic<std::uint64_t> xruns{0};  // output: underruns; input: overruns
};

namespace {

// The real-time side: copies and counts, nothing else.
int play(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags,
         void* user) {
  auto& realtime = *static_cast<PortAudioRealtime*>(user);
  const std::span out(static_cast<std::int16_t*>(output), frames * realtime.channels);
  const std::size_t got = realtime.ring.pop(out);
  if (got < out.size()) {
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(got), out.end(), std::int16_t{0});
    realtime.xruns.fetch_add(1, std::memory_order_relaxed);
  }
  return paContinue;
}

int capture(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags,
            void* user) {
  auto& realtime = *static_cast<PortAudioRealtime*>(user);
  if (input == nullptr) return paContinue;
  const std::span in(static_cast<const std::int16_t*>(input), frames * realtime.channels);
  if (realtime.ring.push(in) < in.size()) realtime.xruns.fetch_add(1, std::memory_order_relaxed);
  return paContinue;
}

const char* direction_name(AudioDirection direction) {
  return direction == AudioDirection::input ? "input" : "output";
}

// The device and rate `config` asks for, checked with the device; false
// with `error` set when it cannot be had.
bool choose_device(const PortAudio& system, const PortAudioStreamConfig& config, AudioDirection direction,
                   AudioDeviceInfo& device, int& device_rate, PaStreamParameters& parameters, std::string& error) {
  const std::vector<AudioDeviceInfo> devices = system.devices();
  const AudioDeviceInfo* chosen =
      select_audio_device(devices, config.device, direction, system.default_device(direction), error);
  if (chosen == nullptr) return false;
  device = *chosen;
  const bool input = direction == AudioDirection::input;
  const int available = input ? device.input_channels : device.output_channels;
  if (config.channels < 1 || config.channels > available) {
    error = "audio " + std::string(direction_name(direction)) + " device " + describe(device) + " cannot give " +
            std::to_string(config.channels) + " channel(s)";
    return false;
  }
  device_rate = config.device_rate > 0 ? config.device_rate : static_cast<int>(std::lround(device.default_sample_rate));
  const PaDeviceInfo* info = Pa_GetDeviceInfo(device.index);
  parameters = PaStreamParameters{
      .device = device.index,
      .channelCount = config.channels,
      .sampleFormat = paInt16,
      .suggestedLatency = input ? info->defaultLowInputLatency : info->defaultLowOutputLatency,
      .hostApiSpecificStreamInfo = nullptr,
  };
  const PaError supported = Pa_IsFormatSupported(input ? &parameters : nullptr, input ? nullptr : &parameters,
                                                 static_cast<double>(device_rate));
  if (supported != paFormatIsSupported) {
    error = "audio " + std::string(direction_name(direction)) + " device " + describe(device) + " refuses " +
            std::to_string(device_rate) + " Hz with " + std::to_string(config.channels) +
            " 16-bit channel(s): " + Pa_GetErrorText(supported) + "; its default rate is " +
            std::to_string(std::lround(device.default_sample_rate)) + " Hz";
    return false;
  }
  return true;
}

bool open_stream(const PaStreamParameters& parameters, AudioDirection direction, int device_rate,
                 const AudioDeviceInfo& device, PortAudioRealtime& realtime, void*& stream, std::string& error) {
  const bool input = direction == AudioDirection::input;
  PaStream* opened = nullptr;
  const PaError status =
      Pa_OpenStream(&opened, input ? &parameters : nullptr, input ? nullptr : &parameters,
                    static_cast<double>(device_rate), paFramesPerBufferUnspecified, paNoFlag,
                    input ? capture : play, &realtime);
  if (status != paNoError) {
    error = "cannot open audio " + std::string(direction_name(direction)) + " device " + describe(device) +
            " at " + std::to_string(device_rate) + " Hz: " + Pa_GetErrorText(status);
    return false;
  }
  stream = opened;
  return true;
}

bool start_stream(void* stream, const AudioDeviceInfo& device, std::string& error) {
  const PaError status = Pa_StartStream(stream);
  if (status == paNoError || status == paStreamIsNotStopped) return true;
  error = "cannot start audio device " + describe(device) + ": " + Pa_GetErrorText(status);
  return false;
}

void stop_stream(void* stream) {
  if (stream != nullptr && Pa_IsStreamStopped(stream) == 0) Pa_StopStream(stream);
}

std::size_t ring_samples(const PortAudioStreamConfig& config, int device_rate) {
  return static_cast<std::size_t>(device_rate) * static_cast<std::size_t>(config.ring_ms) / 1000 *
         static_cast<std::size_t>(config.channels);
}

}  // namespace

std::unique_ptr<PortAudio> PortAudio::initialize(std::string& error) {
  // PortAudio keeps the pointer: a literal lives long enough.
  PaJack_SetClientName("cosip");
  const PaError status = Pa_Initialize();
  if (status != paNoError) {
    error = std::string("cannot initialise PortAudio: ") + Pa_GetErrorText(status);
    return nullptr;
  }
  return std::unique_ptr<PortAudio>(new PortAudio());
}

PortAudio::~PortAudio() { Pa_Terminate(); }

std::vector<AudioDeviceInfo> PortAudio::devices() const {
  std::vector<AudioDeviceInfo> out;
  const PaDeviceIndex count = Pa_GetDeviceCount();
  for (PaDeviceIndex index = 0; index < count; ++index) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
    if (info == nullptr) continue;
    const PaHostApiInfo* host = Pa_GetHostApiInfo(info->hostApi);
    AudioDeviceInfo device;
    device.index = index;
    device.name = info->name;
    device.host_api = host != nullptr ? host->name : "";
    device.input_channels = info->maxInputChannels;
    device.output_channels = info->maxOutputChannels;
    device.default_sample_rate = info->defaultSampleRate;
    out.push_back(std::move(device));
  }
  return out;
}

int PortAudio::default_device(AudioDirection direction) const {
  const PaDeviceIndex index =
      direction == AudioDirection::input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
  return index == paNoDevice ? -1 : index;
}

// Output.

std::unique_ptr<PortAudioOutput> PortAudioOutput::open(const PortAudio& system, const PortAudioStreamConfig& config,
                                                       std::string& error) {
  AudioDeviceInfo device;
  int device_rate = 0;
  PaStreamParameters parameters{};
  if (!choose_device(system, config, AudioDirection::output, device, device_rate, parameters, error)) return nullptr;
  auto resampler =
      Resampler::create(config.channels, config.sample_rate, device_rate, Resampler::voip_quality, error);
  if (!resampler) return nullptr;
  std::unique_ptr<PortAudioOutput> output(
      new PortAudioOutput(config, std::move(device), device_rate, std::move(resampler)));
  if (!open_stream(parameters, AudioDirection::output, device_rate, output->device_, *output->realtime_,
                   output->stream_, error))
    return nullptr;
  return output;
}

PortAudioOutput::PortAudioOutput(const PortAudioStreamConfig& config, AudioDeviceInfo device, int device_rate,
                                 std::unique_ptr<Resampler> resampler)
    : sample_rate_(config.sample_rate),
      channels_(config.channels),
      device_(std::move(device)),
      device_rate_(device_rate),
      resampler_(std::move(resampler)),
      realtime_(std::make_unique<PortAudioRealtime>(ring_samples(config, device_rate), config.channels)),
      max_queued_(ring_samples(config, device_rate)) {}

PortAudioOutput::~PortAudioOutput() {
  if (stream_ != nullptr) Pa_CloseStream(stream_);
}

bool PortAudioOutput::start(std::string& error) { return start_stream(stream_, device_, error); }
void PortAudioOutput::stop() { stop_stream(stream_); }

std::size_t PortAudioOutput::write(std::span<const std::int16_t> pcm) {
  const auto width = static_cast<std::size_t>(channels_);
  const std::size_t frames = pcm.size() / width;
  resampled_.resize(resampler_->max_output_frames(frames) * width);
  const Resampler::Result result = resampler_->process(pcm.first(frames * width), resampled_);
  const std::size_t samples = result.produced * width;
  // The ring may be larger (a power of two): ring_ms is the most queued, so
  // that late writes after underruns cannot make the delay creep up.
  const std::size_t queued = realtime_->ring.size();
  const std::size_t room = queued < max_queued_ ? max_queued_ - queued : 0;
  const std::size_t pushed = realtime_->ring.push(std::span(resampled_).first(std::min(samples, room)));
  if (pushed == samples) return frames;
  ++overruns_;
  return frames * pushed / samples;
}

std::size_t PortAudioOutput::queued_frames() const {
  return realtime_->ring.size() / static_cast<std::size_t>(channels_);
}

std::uint64_t PortAudioOutput::underruns() const { return realtime_->xruns.load(std::memory_order_relaxed); }
std::uint64_t PortAudioOutput::overruns() const { return overruns_; }

// Input.

// The input ring as a source at the device's rate, for ResamplingSource.
class PortAudioInput::RingSource final : public AudioSource {
 public:
  RingSource(PortAudioRealtime& realtime, int device_rate) : realtime_(realtime), device_rate_(device_rate) {}
  int sample_rate() const override { return device_rate_; }
  int channels() const override { return static_cast<int>(realtime_.channels); }
  std::size_t read(std::span<std::int16_t> out) override {
    const std::size_t whole = out.size() / realtime_.channels * realtime_.channels;
    return realtime_.ring.pop(out.first(whole)) / realtime_.channels;
  }

 private:
  PortAudioRealtime& realtime_;
  int device_rate_;
};

std::unique_ptr<PortAudioInput> PortAudioInput::open(const PortAudio& system, const PortAudioStreamConfig& config,
                                                     std::string& error) {
  AudioDeviceInfo device;
  int device_rate = 0;
  PaStreamParameters parameters{};
  if (!choose_device(system, config, AudioDirection::input, device, device_rate, parameters, error)) return nullptr;
  std::unique_ptr<PortAudioInput> input(new PortAudioInput(config, std::move(device), device_rate));
  input->resampled_ = ResamplingSource::create(std::make_shared<RingSource>(*input->realtime_, device_rate),
                                               config.sample_rate, error);
  if (!input->resampled_) return nullptr;
  if (!open_stream(parameters, AudioDirection::input, device_rate, input->device_, *input->realtime_,
                   input->stream_, error))
    return nullptr;
  return input;
}

PortAudioInput::PortAudioInput(const PortAudioStreamConfig& config, AudioDeviceInfo device, int device_rate)
    : sample_rate_(config.sample_rate),
      channels_(config.channels),
      device_(std::move(device)),
      device_rate_(device_rate),
      realtime_(std::make_unique<PortAudioRealtime>(ring_samples(config, device_rate), config.channels)) {}

PortAudioInput::~PortAudioInput() {
  if (stream_ != nullptr) Pa_CloseStream(stream_);
}

bool PortAudioInput::start(std::string& error) { return start_stream(stream_, device_, error); }
void PortAudioInput::stop() { stop_stream(stream_); }

std::size_t PortAudioInput::read(std::span<std::int16_t> out) { return resampled_->read(out); }

std::uint64_t PortAudioInput::overruns() const { return realtime_->xruns.load(std::memory_order_relaxed); }

}  // namespace cosip::media
