// The call recorder: both directions summed per tick with saturation,
// nothing written while on hold, a missing direction taken as silence, a
// call recorded into a WAV file under its default name and read back; the
// default file name from the participants and a given time, with nothing
// that could make it a path or hide it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "media/recorder.hpp"
#include "media/tone.hpp"
#include "media/wav_file.hpp"

using namespace cosip::media;
using namespace std::chrono;

namespace {

class MemorySink final : public AudioSink {
 public:
  int sample_rate() const override { return 8000; }
  int channels() const override { return 1; }
  std::size_t write(std::span<const std::int16_t> pcm) override {
    samples.insert(samples.end(), pcm.begin(), pcm.end());
    ++writes;
    return pcm.size();
  }
  std::vector<std::int16_t> samples;
  int writes = 0;
};

}  // namespace

TEST_CASE("recorder: both directions summed, clipped at full scale") {
  MemorySink sink;
  CallRecorder recorder(sink);
  const std::vector<std::int16_t> local{100, -200, 30000, -30000};
  const std::vector<std::int16_t> remote{1, 2, 10000, -10000};
  recorder.record(local, remote);
  CHECK(sink.samples == std::vector<std::int16_t>{101, -198, 32767, -32768});
  CHECK(recorder.frames_written() == 4);
}

TEST_CASE("recorder: nothing is written while on hold") {
  MemorySink sink;
  CallRecorder recorder(sink);
  const std::vector<std::int16_t> frame(160, 5);
  recorder.record(frame, frame);
  recorder.pause();
  CHECK(recorder.paused());
  for (int i = 0; i < 10; ++i) recorder.record(frame, frame);
  CHECK(sink.writes == 1);
  CHECK(sink.samples.size() == 160);
  recorder.resume();
  recorder.record(frame, {});
  CHECK(sink.writes == 2);
  CHECK(sink.samples.size() == 320);
  CHECK(recorder.frames_written() == 320);
}

TEST_CASE("recorder: a direction with nothing received counts as silence") {
  MemorySink sink;
  CallRecorder recorder(sink);
  const std::vector<std::int16_t> local{1, 2, 3};
  const std::vector<std::int16_t> remote{10};
  recorder.record(local, remote);
  CHECK(sink.samples == std::vector<std::int16_t>{11, 2, 3});
  recorder.record({}, local);
  CHECK(sink.samples.size() == 6);
}

TEST_CASE("recorder: default name from the participants and the time, in UTC") {
  // 2026-11-26 18:05:09 UTC
  const sys_seconds when = sys_days{year{2026} / 11 / 26} + hours{18} + minutes{5} + seconds{9};
  CHECK(default_recording_name("alice", "bob", when) == "alice-bob-20261126-180509.wav");
  CHECK(default_recording_name("alice@example.com", "+15551234", sys_seconds{}) ==
        "alice@example.com-+15551234-19700101-000000.wav");
}

TEST_CASE("recorder: default name sanitized") {
  const sys_seconds when = sys_days{year{2026} / 1 / 2} + hours{3} + minutes{4} + seconds{5};
  const std::string name = default_recording_name("../../etc/passwd", "sip:bob\\x\n\t\x7f@host", when);
  CHECK(name == "_._.._etc_passwd-sip_bob_x___@host-20260102-030405.wav");
  CHECK(name.find('/') == std::string::npos);
  CHECK(name.find('\\') == std::string::npos);
  for (const char c : name) CHECK(static_cast<unsigned char>(c) >= 0x20);
  CHECK(default_recording_name("", "", when) == "unknown-unknown-20260102-030405.wav");
  CHECK(default_recording_name(".hidden", "..", when).front() != '.');
}

TEST_CASE("recorder: a call with a hold in the middle, into a WAV file under its default name") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("cosip-recorder-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const sys_seconds when = sys_days{year{2026} / 11 / 26} + hours{18} + minutes{30};
  const std::string path = (dir / default_recording_name("alice", "bob", when)).string();
  std::string error;
  {
    auto sink = WavFileSink::create(path, 8000, 1, error);
    REQUIRE_MESSAGE(sink, error);
    CallRecorder recorder(*sink);
    ToneSource local(440, 8000, 1, 0.25), remote(1000, 8000, 1, 0.25);
    std::vector<std::int16_t> mine(160), theirs(160);
    for (int tick = 0; tick < 150; ++tick) {  // three seconds, the middle one on hold
      if (tick == 50) recorder.pause();
      if (tick == 100) recorder.resume();
      local.read(mine);
      remote.read(theirs);
      recorder.record(mine, theirs);
    }
    CHECK(recorder.frames_written() == 100 * 160);
  }
  auto source = WavFileSource::open(path, false, error);
  REQUIRE_MESSAGE(source, error);
  CHECK(source->frames() == 100 * 160);
  std::vector<std::int16_t> recorded(8000);
  CHECK(source->read(recorded) == 8000);
  // Both directions are in it, half the energy each.
  CHECK(tone_energy_share(recorded, 8000, 440) == doctest::Approx(0.5).epsilon(0.05));
  CHECK(tone_energy_share(recorded, 8000, 1000) == doctest::Approx(0.5).epsilon(0.05));
  source.reset();
  std::filesystem::remove_all(dir);
}
