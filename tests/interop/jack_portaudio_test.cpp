// Interop: cosip's PortAudio input and output (media/portaudio_device.hpp)
// against a real sound server with no hardware: jackd with its dummy driver
// at 48 kHz, 960-frame periods, started by the test under a name of its own
// (JACK_DEFAULT_SERVER tells the clients), stopped by PID at exit and killed
// with the test process should that crash.
//
// The list shows JACK's "system" device; an unknown name is answered with
// the list; 44100 Hz on the 48 kHz server is refused (PortAudio's JACK host
// API takes only the server's rate), naming the device's default rate. An
// output given more than its ring_ms drops the rest, one that runs dry
// counts underruns, an input nobody reads counts overruns. Then
// a 1 kHz tone at 8 kHz goes through the output ring and resampler to
// 48 kHz, out of cosip's JACK output port into its input port (connected
// with jack_connect), and back through the input ring and resampler to
// 8 kHz, where it must be the same tone at the same level. The dummy
// driver's own capture is silence, so everything read before the ports are
// connected must be silent.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "media/portaudio_device.hpp"
#include "media/tone.hpp"

using namespace cosip::media;
using namespace std::chrono_literals;
using cosip::test::ChildProcess;
using cosip::test::find_program;

namespace {

// Runs a shell command; its exit status, with stdout and stderr in `output`.
int run(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out.push_back(text.substr(start, end - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Reads everything the input has now.
void drain(PortAudioInput& input, std::vector<std::int16_t>& into) {
  std::vector<std::int16_t> buffer(1600);
  for (std::size_t got; (got = input.read(buffer)) > 0;)
    into.insert(into.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
}

constexpr int codec_rate = 8000;
constexpr std::size_t frame = 160;  // 20 ms at the codec's rate

}  // namespace

TEST_CASE("PortAudio on jackd's dummy driver: devices, errors, a tone out and back in") {
  const std::string jackd = find_program("jackd");
  const std::string jack_lsp = find_program("jack_lsp");
  const std::string jack_connect = find_program("jack_connect");
  REQUIRE_MESSAGE(!jackd.empty(), "jackd is missing: scripts/install-deps.sh installs jackd2");
  REQUIRE_MESSAGE(!jack_lsp.empty(), "jack_lsp is missing: scripts/install-deps.sh installs jackd2");
  REQUIRE_MESSAGE(!jack_connect.empty(), "jack_connect is missing: scripts/install-deps.sh installs jackd2");

  const std::string server = "cosip-test-" + std::to_string(getpid());
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / server;
  std::filesystem::create_directories(dir);
  // For jackd and every client of it: this server, never one started on
  // demand, and no D-Bus device reservation (there is no device).
  setenv("JACK_DEFAULT_SERVER", server.c_str(), 1);
  setenv("JACK_NO_START_SERVER", "1", 1);
  setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);

  ChildProcess jack;
  REQUIRE(jack.start({jackd, "-n", server, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "960", "-C", "2",
                      "-P", "2"},
                     (dir / "jackd.log").string()) == "");
  std::string ports;
  bool ready = false;
  for (int attempt = 0; attempt < 100 && !ready && jack.running(); ++attempt) {
    ready = run(jack_lsp, ports) == 0 && ports.find("system:playback_1") != std::string::npos;
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  REQUIRE_MESSAGE(ready, "jackd did not come up: " << jack.log() << "\njack_lsp: " << ports);

  {
    std::string error;
    const std::unique_ptr<PortAudio> portaudio = PortAudio::initialize(error);
    REQUIRE_MESSAGE(portaudio, error);

    // The list: JACK's one device.
    const std::vector<AudioDeviceInfo> devices = portaudio->devices();
    const AudioDeviceInfo* system = nullptr;
    for (const AudioDeviceInfo& device : devices)
      if (device.name == "system" && device.host_api == "JACK Audio Connection Kit") system = &device;
    REQUIRE_MESSAGE(system != nullptr, "no JACK device among " << devices.size());
    CHECK(system->input_channels == 2);
    CHECK(system->output_channels == 2);
    CHECK(system->default_sample_rate == 48000);

    PortAudioStreamConfig config;
    config.device = "system";
    config.device_rate = 48000;
    config.sample_rate = codec_rate;
    config.channels = 1;

    {  // an unknown device name is answered with the list
      PortAudioStreamConfig unknown = config;
      unknown.device = "no-such-card";
      CHECK_FALSE(PortAudioOutput::open(*portaudio, unknown, error));
      CHECK(error.find("no audio output device \"no-such-card\"; available: ") == 0);
      CHECK(error.find("\"system\" (JACK Audio Connection Kit, in 2, out 2, 48000 Hz)") != std::string::npos);
      CHECK_FALSE(PortAudioInput::open(*portaudio, unknown, error));
      CHECK(error.find("no audio input device \"no-such-card\"") == 0);
    }

    {  // a rate other than the server's is refused, naming the default rate
      PortAudioStreamConfig cd_rate = config;
      cd_rate.device_rate = 44100;
      CHECK_FALSE(PortAudioOutput::open(*portaudio, cd_rate, error));
      CHECK(error.find("\"system\"") != std::string::npos);
      CHECK(error.find("refuses 44100 Hz") != std::string::npos);
      CHECK(error.find("Invalid sample rate") != std::string::npos);
      CHECK(error.find("its default rate is 48000 Hz") != std::string::npos);
      CHECK_FALSE(PortAudioInput::open(*portaudio, cd_rate, error));
      CHECK(error.find("refuses 44100 Hz") != std::string::npos);
    }

    {  // more channels than the device has are refused
      PortAudioStreamConfig many = config;
      many.channels = 3;
      CHECK_FALSE(PortAudioOutput::open(*portaudio, many, error));
      CHECK(error.find("cannot give 3 channel(s)") != std::string::npos);
    }

    {  // the counters: writes beyond ring_ms, an output with nothing to
       // play, an input nobody reads
      PortAudioStreamConfig small = config;
      small.ring_ms = 100;
      auto output = PortAudioOutput::open(*portaudio, small, error);
      REQUIRE_MESSAGE(output, error);
      auto input = PortAudioInput::open(*portaudio, small, error);
      REQUIRE_MESSAGE(input, error);
      ToneSource tone(1000, codec_rate, 1, 0.5);
      std::vector<std::int16_t> pcm(frame);
      for (int i = 0; i < 10; ++i) {  // 200 ms before the stream starts
        tone.read(pcm);
        output->write(pcm);
      }
      CHECK(output->queued_frames() == 4800);  // 100 ms at 48 kHz
      CHECK(output->overruns() == 5);
      REQUIRE_MESSAGE(output->start(error), error);
      REQUIRE_MESSAGE(input->start(error), error);
      // Nothing more is written or read: the output runs dry and the input
      // fills up, within a few periods.
      for (int i = 0; i < 300 && (output->underruns() == 0 || input->overruns() == 0); ++i)
        std::this_thread::sleep_for(10ms);
      CHECK(output->underruns() > 0);
      CHECK(input->overruns() > 0);
      CHECK(output->queued_frames() == 0);
    }

    {  // a 1 kHz tone played into the server is captured back
      auto output = PortAudioOutput::open(*portaudio, config, error);
      REQUIRE_MESSAGE(output, error);
      auto input = PortAudioInput::open(*portaudio, config, error);
      REQUIRE_MESSAGE(input, error);
      CHECK(output->device_rate() == 48000);
      CHECK(input->device_rate() == 48000);

      ToneSource tone(1000, codec_rate, 1, 0.5);
      std::vector<std::int16_t> pcm(frame);
      // Three frames queued before the first callback asks.
      for (int i = 0; i < 3; ++i) {
        tone.read(pcm);
        output->write(pcm);
      }
      REQUIRE_MESSAGE(output->start(error), error);
      REQUIRE_MESSAGE(input->start(error), error);

      // The media thread's tick: one frame out, whatever came in.
      std::vector<std::int16_t> captured;
      auto next = std::chrono::steady_clock::now();
      const auto tick = [&] {
        next += 20ms;
        std::this_thread::sleep_until(next);
        tone.read(pcm);
        output->write(pcm);
        drain(*input, captured);
      };
      for (int i = 0; i < 25; ++i) tick();

      // Before the connection the input hears the dummy driver: silence.
      REQUIRE(run(jack_lsp, ports) == 0);
      std::string cosip_out, cosip_in;
      for (const std::string& port : lines(ports)) {
        if (port.rfind("cosip:out_", 0) == 0) cosip_out = port;
        if (port.rfind("cosip:in_", 0) == 0) cosip_in = port;
      }
      REQUIRE_MESSAGE(!cosip_out.empty(), ports);
      REQUIRE_MESSAGE(!cosip_in.empty(), ports);
      const std::size_t before = captured.size();
      CHECK(before > 0);
      CHECK(std::isinf(rms_dbfs(captured)));

      std::string said;
      REQUIRE_MESSAGE(run(jack_connect + " " + cosip_out + " " + cosip_in, said) == 0, said);
      for (int i = 0; i < 150; ++i) tick();  // three seconds
      output->stop();
      input->stop();

      // The last two seconds: well after the connection took effect.
      REQUIRE(captured.size() > before + 2 * codec_rate);
      const std::span tail = std::span(captured).last(2 * codec_rate);
      const double share = median_tone_energy_share(tail, codec_rate, 1000);
      const double level = rms_dbfs(tail);
      MESSAGE("captured " << captured.size() << " samples; last 2 s: 1 kHz share " << share << ", level " << level
                          << " dBFS (sent " << rms_dbfs(pcm) << "); output underruns " << output->underruns()
                          << ", overruns " << output->overruns() << "; input overruns " << input->overruns());
      CHECK(share > 0.9);
      CHECK(std::abs(level - rms_dbfs(pcm)) < 1.0);  // dB
    }
  }
  jack.stop();
  std::filesystem::remove_all(dir);
}
