// The tone and null devices, and choosing a device by name from a list like
// PortAudio's: exact names first, then a unique substring, "default"; an
// unknown or ambiguous name answered with the devices one could ask for.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/audio_device.hpp"
#include "media/tone.hpp"

using namespace cosip::media;

namespace {

AudioDeviceInfo device(int index, std::string name, std::string host, int in, int out, double rate) {
  AudioDeviceInfo d;
  d.index = index;
  d.name = std::move(name);
  d.host_api = std::move(host);
  d.input_channels = in;
  d.output_channels = out;
  d.default_sample_rate = rate;
  return d;
}

const std::vector<AudioDeviceInfo> devices{
    device(0, "HDA Intel PCH: ALC892 Analog (hw:0,0)", "ALSA", 2, 8, 44100),
    device(1, "HDA Intel PCH: HDMI 0 (hw:0,3)", "ALSA", 0, 8, 44100),
    device(2, "USB Headset: Audio (hw:1,0)", "ALSA", 1, 2, 48000),
    device(3, "system", "JACK Audio Connection Kit", 2, 2, 48000),
    device(4, "sysdefault", "ALSA", 128, 128, 48000),
};

}  // namespace

TEST_CASE("tone source: the same sine in every channel, never ending") {
  ToneSource tone(1000, 8000, 2, 0.5);
  CHECK(tone.sample_rate() == 8000);
  std::vector<std::int16_t> out(16000);
  CHECK(tone.read(out) == 8000);
  std::vector<std::int16_t> left;
  for (std::size_t i = 0; i < out.size(); i += 2) {
    REQUIRE(out[i] == out[i + 1]);
    left.push_back(out[i]);
  }
  CHECK(tone_energy_share(left, 8000, 1000) > 0.99);
  CHECK(rms_dbfs(left) == doctest::Approx(-9.03).epsilon(0.01));  // 0.5 peak: -6 dB, sine -3 dB
}

TEST_CASE("null devices: silence in, everything out") {
  NullSource source(16000, 1);
  std::vector<std::int16_t> out(320, 7);
  CHECK(source.read(out) == 320);
  CHECK(out == std::vector<std::int16_t>(320, 0));
  NullSink sink(8000, 2);
  CHECK(sink.write(out) == 160);
  CHECK(sink.frames_written() == 160);
}

TEST_CASE("device choice: exact name, then unique substring") {
  std::string error;
  const AudioDeviceInfo* chosen = select_audio_device(devices, "system", AudioDirection::output, -1, error);
  REQUIRE(chosen);
  CHECK(chosen->index == 3);  // exact, although "sysdefault" contains it too
  chosen = select_audio_device(devices, "Headset", AudioDirection::input, -1, error);
  REQUIRE(chosen);
  CHECK(chosen->index == 2);
  chosen = select_audio_device(devices, "HDMI", AudioDirection::output, -1, error);
  REQUIRE(chosen);
  CHECK(chosen->index == 1);
}

TEST_CASE("device choice: only devices with channels that way") {
  std::string error;
  // The HDMI output has no input: asked for as an input it is unknown.
  CHECK_FALSE(select_audio_device(devices, "HDMI", AudioDirection::input, -1, error));
  CHECK(error.find("no audio input device \"HDMI\"") != std::string::npos);
  CHECK(error.find("\"HDA Intel PCH: HDMI 0 (hw:0,3)\"") == std::string::npos);
  CHECK(error.find("\"system\" (JACK Audio Connection Kit, in 2, out 2, 48000 Hz)") != std::string::npos);
}

TEST_CASE("device choice: an unknown name lists what there is") {
  std::string error;
  CHECK_FALSE(select_audio_device(devices, "Speakers", AudioDirection::output, -1, error));
  CHECK(error.find("no audio output device \"Speakers\"; available: ") == 0);
  for (const AudioDeviceInfo& d : devices) CHECK(error.find(describe(d)) != std::string::npos);
}

TEST_CASE("device choice: an ambiguous substring lists the matches") {
  std::string error;
  CHECK_FALSE(select_audio_device(devices, "HDA Intel", AudioDirection::output, -1, error));
  CHECK(error.find("ambiguous") != std::string::npos);
  CHECK(error.find("ALC892") != std::string::npos);
  CHECK(error.find("HDMI 0") != std::string::npos);
  CHECK(error.find("system") == std::string::npos);
}

TEST_CASE("device choice: \"default\" is the system's default") {
  std::string error;
  const AudioDeviceInfo* chosen = select_audio_device(devices, "default", AudioDirection::input, 2, error);
  REQUIRE(chosen);
  CHECK(chosen->index == 2);
  CHECK_FALSE(select_audio_device(devices, "default", AudioDirection::input, -1, error));
  CHECK(error.find("no default audio input device") == 0);
  CHECK_FALSE(select_audio_device({}, "default", AudioDirection::output, -1, error));
  CHECK(error.find("there is no output device") != std::string::npos);
}
