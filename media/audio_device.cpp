#include "media/audio_device.hpp"

#include <algorithm>
#include <cmath>

namespace cosip::media {

ToneSource::ToneSource(double frequency_hz, int sample_rate, int channels, double amplitude)
    : generator_(frequency_hz, sample_rate, amplitude), sample_rate_(sample_rate), channels_(channels) {}

std::size_t ToneSource::read(std::span<std::int16_t> out) {
  const auto width = static_cast<std::size_t>(channels_);
  const std::size_t frames = out.size() / width;
  for (std::size_t f = 0; f < frames; ++f) {
    std::int16_t sample = 0;
    generator_.fill(std::span(&sample, 1));
    std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(f * width), width, sample);
  }
  return frames;
}

std::size_t NullSource::read(std::span<std::int16_t> out) {
  const std::size_t frames = out.size() / static_cast<std::size_t>(channels_);
  std::fill_n(out.begin(), frames * static_cast<std::size_t>(channels_), std::int16_t{0});
  return frames;
}

std::size_t NullSink::write(std::span<const std::int16_t> pcm) {
  const std::size_t frames = pcm.size() / static_cast<std::size_t>(channels_);
  frames_written_ += frames;
  return frames;
}

std::string describe(const AudioDeviceInfo& device) {
  return "\"" + device.name + "\" (" + device.host_api + ", in " + std::to_string(device.input_channels) +
         ", out " + std::to_string(device.output_channels) + ", " +
         std::to_string(std::lround(device.default_sample_rate)) + " Hz)";
}

namespace {

bool has_channels(const AudioDeviceInfo& device, AudioDirection direction) {
  return (direction == AudioDirection::input ? device.input_channels : device.output_channels) > 0;
}

std::string list(std::span<const AudioDeviceInfo* const> devices) {
  std::string out;
  for (const AudioDeviceInfo* device : devices) out += (out.empty() ? "" : ", ") + describe(*device);
  return out;
}

}  // namespace

const AudioDeviceInfo* select_audio_device(std::span<const AudioDeviceInfo> devices, std::string_view name,
                                           AudioDirection direction, int default_index, std::string& error) {
  const char* kind = direction == AudioDirection::input ? "input" : "output";
  std::vector<const AudioDeviceInfo*> usable;
  for (const AudioDeviceInfo& device : devices)
    if (has_channels(device, direction)) usable.push_back(&device);
  const std::string available = usable.empty() ? "there is no " + std::string(kind) + " device"
                                               : "available: " + list(usable);

  if (name == "default") {
    for (const AudioDeviceInfo* device : usable)
      if (device->index == default_index) return device;
    error = "no default audio " + std::string(kind) + " device; " + available;
    return nullptr;
  }
  for (const AudioDeviceInfo* device : usable)
    if (device->name == name) return device;
  std::vector<const AudioDeviceInfo*> matches;
  for (const AudioDeviceInfo* device : usable)
    if (!name.empty() && device->name.find(name) != std::string::npos) matches.push_back(device);
  if (matches.size() == 1) return matches.front();
  if (matches.empty())
    error = "no audio " + std::string(kind) + " device \"" + std::string(name) + "\"; " + available;
  else
    error = "audio " + std::string(kind) + " device name \"" + std::string(name) + "\" is ambiguous: it matches " +
            list(matches);
  return nullptr;
}

}  // namespace cosip::media
