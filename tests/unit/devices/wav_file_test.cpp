// WAV files through libsndfile: samples written then read back unchanged
// (mono and stereo), the rate and channels reported, looping for ringtones,
// and the errors for a missing file, a file that is not audio and a WAV
// whose encoding libsndfile does not know, each naming the file and
// libsndfile's reason.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "media/wav_file.hpp"

using namespace cosip::media;

namespace {

// A directory of this test process's own, removed at the end.
struct TempDir {
  TempDir() : path(std::filesystem::temp_directory_path() / ("cosip-wav-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string le16(unsigned v) { return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }
std::string le32(unsigned v) { return le16(v & 0xffff) + le16(v >> 16); }

}  // namespace

TEST_CASE("wav: written samples read back identical") {
  TempDir dir;
  for (const int channels : {1, 2}) {
    CAPTURE(channels);
    const std::string path = dir.file("roundtrip" + std::to_string(channels) + ".wav");
    std::vector<std::int16_t> samples;
    for (int i = 0; i < 4000 * channels; ++i) samples.push_back(static_cast<std::int16_t>(i * 7919 % 65536 - 32768));
    samples[0] = 32767;
    samples[1] = -32768;
    std::string error;
    {
      auto sink = WavFileSink::create(path, 16000, channels, error);
      REQUIRE_MESSAGE(sink, error);
      // In two writes, as a recorder would.
      CHECK(sink->write(std::span(samples).first(1000 * static_cast<std::size_t>(channels))) == 1000);
      CHECK(sink->write(std::span(samples).subspan(1000 * static_cast<std::size_t>(channels))) == 3000);
    }
    auto source = WavFileSource::open(path, false, error);
    REQUIRE_MESSAGE(source, error);
    CHECK(source->sample_rate() == 16000);
    CHECK(source->channels() == channels);
    CHECK(source->frames() == 4000);
    std::vector<std::int16_t> back(samples.size() + 10 * static_cast<std::size_t>(channels));
    CHECK(source->read(back) == 4000);
    back.resize(samples.size());
    CHECK(back == samples);
    CHECK(source->read(back) == 0);  // at the end
  }
}

TEST_CASE("wav: a looping source starts again at its end") {
  TempDir dir;
  const std::string path = dir.file("ring.wav");
  std::string error;
  {
    auto sink = WavFileSink::create(path, 8000, 1, error);
    REQUIRE(sink);
    const std::vector<std::int16_t> samples{10, 20, 30};
    sink->write(samples);
  }
  auto source = WavFileSource::open(path, true, error);
  REQUIRE(source);
  std::vector<std::int16_t> out(8);
  CHECK(source->read(out) == 8);
  CHECK(out == std::vector<std::int16_t>{10, 20, 30, 10, 20, 30, 10, 20});
  CHECK(source->read(std::span(out).first(2)) == 2);
  CHECK(out[0] == 30);
  CHECK(out[1] == 10);
}

TEST_CASE("wav: a looping empty file ends at once") {
  TempDir dir;
  const std::string path = dir.file("empty.wav");
  std::string error;
  REQUIRE(WavFileSink::create(path, 8000, 1, error));  // closed with no frame
  auto source = WavFileSource::open(path, true, error);
  REQUIRE_MESSAGE(source, error);
  std::vector<std::int16_t> out(8);
  CHECK(source->read(out) == 0);
}

TEST_CASE("wav: a missing file names the file and the system's reason") {
  TempDir dir;
  const std::string path = dir.file("no-such-ringtone.wav");
  std::string error;
  CHECK_FALSE(WavFileSource::open(path, false, error));
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("No such file or directory") != std::string::npos);
}

TEST_CASE("wav: a file that is not audio names the file and libsndfile's reason") {
  TempDir dir;
  const std::string path = dir.file("notes.wav");
  write_bytes(path, "these are not samples, only a text file with the wrong name\n");
  std::string error;
  CHECK_FALSE(WavFileSource::open(path, false, error));
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("Format not recognised") != std::string::npos);
}

TEST_CASE("wav: a WAV of an encoding libsndfile does not know") {
  TempDir dir;
  const std::string path = dir.file("odd-codec.wav");
  // RIFF/WAVE with a fmt chunk of format tag 0x1234, which is no codec.
  const std::string fmt = le16(0x1234) + le16(1) + le32(8000) + le32(16000) + le16(2) + le16(16);
  const std::string data = std::string(64, '\0');
  const std::string body = "WAVE" + std::string("fmt ") + le32(16) + fmt + "data" + le32(64) + data;
  write_bytes(path, "RIFF" + le32(static_cast<unsigned>(body.size())) + body);
  std::string error;
  CHECK_FALSE(WavFileSource::open(path, false, error));
  CHECK(error.find(path) != std::string::npos);
  // libsndfile 1.2 takes a format tag it has no codec for as a bad chunk.
  CHECK(error.find("Malformed 'fmt ' chunk") != std::string::npos);
}

TEST_CASE("wav: a sink in a missing directory names the file and the reason") {
  TempDir dir;
  const std::string path = dir.file("no-such-dir/call.wav");
  std::string error;
  CHECK_FALSE(WavFileSink::create(path, 8000, 1, error));
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("No such file or directory") != std::string::npos);
}
