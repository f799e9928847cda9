// speexdsp's resampler between codec and device rates: a 1 kHz tone keeps
// its frequency and level from 8 kHz to 48 kHz and back, and from 44.1 kHz
// to 48 kHz; the frame counts follow the ratio; a source read through
// ResamplingSource gives the frames asked for.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "media/audio_device.hpp"
#include "media/resampler.hpp"
#include "media/tone.hpp"

using namespace cosip::media;

namespace {

// Converts `in` in chunks of `chunk_frames`, as a media thread would.
std::vector<std::int16_t> convert(Resampler& resampler, const std::vector<std::int16_t>& in,
                                  std::size_t chunk_frames) {
  std::vector<std::int16_t> out;
  std::vector<std::int16_t> buffer;
  const auto width = static_cast<std::size_t>(resampler.channels());
  for (std::size_t at = 0; at < in.size(); at += chunk_frames * width) {
    const std::span chunk = std::span(in).subspan(at, std::min(chunk_frames * width, in.size() - at));
    buffer.resize(resampler.max_output_frames(chunk.size() / width) * width);
    const Resampler::Result result = resampler.process(chunk, buffer);
    REQUIRE(result.consumed == chunk.size() / width);
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(result.produced * width));
  }
  return out;
}

std::vector<std::int16_t> tone(double hz, int rate, std::size_t frames, double amplitude) {
  std::vector<std::int16_t> out(frames);
  ToneGenerator(hz, rate, amplitude).fill(out);
  return out;
}

// The tail after the filter's start-up.
std::span<const std::int16_t> settled(const std::vector<std::int16_t>& samples, int rate) {
  return std::span(samples).subspan(static_cast<std::size_t>(rate / 10));
}

}  // namespace

TEST_CASE("resampler: 1 kHz from 8 kHz to 48 kHz and back keeps frequency and level") {
  std::string error;
  auto up = Resampler::create(1, 8000, 48000, Resampler::voip_quality, error);
  auto down = Resampler::create(1, 48000, 8000, Resampler::voip_quality, error);
  REQUIRE_MESSAGE(up, error);
  REQUIRE(down);

  const std::vector<std::int16_t> original = tone(1000, 8000, 8000, 0.5);  // one second
  const std::vector<std::int16_t> high = convert(*up, original, 160);       // 20 ms frames
  CHECK(std::llabs(static_cast<long long>(high.size()) - 48000) <= 2);
  CHECK(tone_energy_share(settled(high, 48000), 48000, 1000) > 0.99);
  CHECK(rms_dbfs(settled(high, 48000)) == doctest::Approx(rms_dbfs(original)).epsilon(0.03));

  const std::vector<std::int16_t> back = convert(*down, high, 960);
  CHECK(std::llabs(static_cast<long long>(back.size()) - 8000) <= 2);
  CHECK(tone_energy_share(settled(back, 8000), 8000, 1000) > 0.99);
  // Not some other tone: 1 kHz is where the energy is.
  CHECK(tone_energy_share(settled(back, 8000), 8000, 1500) < 0.01);
  CHECK(rms_dbfs(settled(back, 8000)) == doctest::Approx(rms_dbfs(original)).epsilon(0.03));
}

TEST_CASE("resampler: 44.1 kHz to 48 kHz, stereo") {
  std::string error;
  auto resampler = Resampler::create(2, 44100, 48000, Resampler::voip_quality, error);
  REQUIRE_MESSAGE(resampler, error);
  const std::vector<std::int16_t> mono = tone(1000, 44100, 44100, 0.25);
  std::vector<std::int16_t> stereo;
  for (const std::int16_t s : mono) {
    stereo.push_back(s);
    stereo.push_back(static_cast<std::int16_t>(-s));
  }
  const std::vector<std::int16_t> out = convert(*resampler, stereo, 441);
  REQUIRE(out.size() % 2 == 0);
  CHECK(std::llabs(static_cast<long long>(out.size() / 2) - 48000) <= 2);
  std::vector<std::int16_t> left, right;
  for (std::size_t i = 0; i < out.size(); i += 2) {
    left.push_back(out[i]);
    right.push_back(out[i + 1]);
  }
  CHECK(tone_energy_share(settled(left, 48000), 48000, 1000) > 0.99);
  CHECK(tone_energy_share(settled(right, 48000), 48000, 1000) > 0.99);
  // The channels stay apart: the right one is still the left one inverted.
  const std::size_t mid = left.size() / 2;
  CHECK(left[mid] == doctest::Approx(-right[mid]).epsilon(0.01));
}

TEST_CASE("resampler: equal rates copy") {
  std::string error;
  auto resampler = Resampler::create(1, 16000, 16000, 5, error);
  REQUIRE(resampler);
  const std::vector<std::int16_t> in{1, -2, 3, 32767, -32768};
  std::vector<std::int16_t> out(8);
  const Resampler::Result result = resampler->process(in, out);
  CHECK(result.consumed == 5);
  CHECK(result.produced == 5);
  CHECK(std::vector<std::int16_t>(out.begin(), out.begin() + 5) == in);
}

TEST_CASE("resampler: rates speexdsp refuses give an error naming them") {
  std::string error;
  CHECK_FALSE(Resampler::create(1, 0, 8000, Resampler::voip_quality, error));
  CHECK(error.find("0 Hz to 8000 Hz") != std::string::npos);
  error.clear();
  CHECK_FALSE(Resampler::create(1, 8000, 48000, 11, error));  // quality is 0..10
  CHECK(error.find("quality 11") != std::string::npos);
}

TEST_CASE("resampling source: a 48 kHz tone read in 8 kHz frames") {
  std::string error;
  auto source = ResamplingSource::create(std::make_shared<ToneSource>(1000, 48000, 1, 0.5), 8000, error);
  REQUIRE_MESSAGE(source, error);
  CHECK(source->sample_rate() == 8000);
  std::vector<std::int16_t> all;
  std::vector<std::int16_t> frame(160);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(source->read(frame) == 160);  // always the whole frame
    all.insert(all.end(), frame.begin(), frame.end());
  }
  CHECK(tone_energy_share(settled(all, 8000), 8000, 1000) > 0.99);
}
