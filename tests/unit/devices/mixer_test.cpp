// The mixer: sources summed with their gains, clipped at full scale rather
// than wrapped, sources added and removed, a source that ends or lags adding
// nothing, and a source of another format refused with the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/mixer.hpp"
#include "media/tone.hpp"

using namespace cosip::media;

namespace {

// Plays its samples once, then nothing.
class ScriptedSource final : public AudioSource {
 public:
  ScriptedSource(std::vector<std::int16_t> samples, int channels = 1)
      : samples_(std::move(samples)), channels_(channels) {}
  int sample_rate() const override { return 8000; }
  int channels() const override { return channels_; }
  std::size_t read(std::span<std::int16_t> out) override {
    const auto width = static_cast<std::size_t>(channels_);
    const std::size_t count = std::min(out.size() / width * width, samples_.size() - at_);
    std::copy_n(samples_.begin() + static_cast<std::ptrdiff_t>(at_), count, out.begin());
    at_ += count;
    return count / width;
  }

 private:
  std::vector<std::int16_t> samples_;
  int channels_;
  std::size_t at_ = 0;
};

std::shared_ptr<ScriptedSource> constant(std::int16_t value, std::size_t count) {
  return std::make_shared<ScriptedSource>(std::vector<std::int16_t>(count, value));
}

}  // namespace

TEST_CASE("mixer: no source gives whole frames of silence") {
  Mixer mixer(8000, 1);
  std::vector<std::int16_t> out(160, 99);
  CHECK(mixer.read(out) == 160);
  CHECK(out == std::vector<std::int16_t>(160, 0));
}

TEST_CASE("mixer: sums with per-source gains") {
  Mixer mixer(8000, 1);
  std::string error;
  const auto a = mixer.add(constant(1000, 100), 1.0, error);
  const auto b = mixer.add(constant(-300, 100), 0.5, error);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  std::vector<std::int16_t> out(4);
  mixer.read(out);
  CHECK(out == std::vector<std::int16_t>(4, 850));

  CHECK(mixer.set_gain(*a, 0.25));
  mixer.read(out);
  CHECK(out == std::vector<std::int16_t>(4, 100));
  CHECK_FALSE(mixer.set_gain(12345, 1.0));
}

TEST_CASE("mixer: clips at full scale instead of wrapping around") {
  Mixer mixer(8000, 1);
  std::string error;
  REQUIRE(mixer.add(constant(30000, 10), 1.0, error));
  REQUIRE(mixer.add(constant(20000, 10), 1.0, error));
  std::vector<std::int16_t> out(2);
  mixer.read(out);
  CHECK(out[0] == 32767);
  CHECK(out[1] == 32767);

  Mixer negative(8000, 1);
  REQUIRE(negative.add(constant(-30000, 10), 1.0, error));
  REQUIRE(negative.add(constant(-20000, 10), 1.0, error));
  negative.read(out);
  CHECK(out[0] == -32768);

  // A gain above one clips on its own.
  Mixer loud(8000, 1);
  REQUIRE(loud.add(constant(20000, 10), 2.0, error));
  loud.read(out);
  CHECK(out[0] == 32767);
}

TEST_CASE("mixer: a ringtone and call audio, the ringtone removed") {
  Mixer mixer(8000, 1);
  std::string error;
  const auto call = mixer.add(std::make_shared<ToneSource>(440, 8000, 1, 0.2), 1.0, error);
  const auto ring = mixer.add(std::make_shared<ToneSource>(1000, 8000, 1, 0.2), 1.0, error);
  REQUIRE(call);
  REQUIRE(ring);
  CHECK(mixer.source_count() == 2);
  std::vector<std::int16_t> out(8000);
  mixer.read(out);
  CHECK(tone_energy_share(out, 8000, 440) == doctest::Approx(0.5).epsilon(0.05));
  CHECK(tone_energy_share(out, 8000, 1000) == doctest::Approx(0.5).epsilon(0.05));

  CHECK(mixer.remove(*ring));
  CHECK_FALSE(mixer.remove(*ring));
  CHECK(mixer.source_count() == 1);
  mixer.read(out);
  CHECK(tone_energy_share(out, 8000, 440) > 0.99);
  CHECK(tone_energy_share(out, 8000, 1000) < 0.01);
}

TEST_CASE("mixer: a source that ends adds nothing to the rest of the frame") {
  Mixer mixer(8000, 1);
  std::string error;
  REQUIRE(mixer.add(constant(100, 3), 1.0, error));
  REQUIRE(mixer.add(constant(7, 100), 1.0, error));
  std::vector<std::int16_t> out(5);
  CHECK(mixer.read(out) == 5);
  CHECK(out == std::vector<std::int16_t>{107, 107, 107, 7, 7});
}

TEST_CASE("mixer: stereo frames stay whole") {
  Mixer mixer(8000, 2);
  std::string error;
  REQUIRE(mixer.add(std::make_shared<ScriptedSource>(std::vector<std::int16_t>{1, 2, 3, 4}, 2), 1.0, error));
  std::vector<std::int16_t> out(5);  // two frames and a half
  CHECK(mixer.read(out) == 2);
  CHECK(out[0] == 1);
  CHECK(out[3] == 4);
}

TEST_CASE("mixer: a source of another rate or channel count is refused") {
  Mixer mixer(8000, 1);
  std::string error;
  CHECK_FALSE(mixer.add(std::make_shared<ToneSource>(440, 48000, 1, 0.2), 1.0, error));
  CHECK(error.find("48000 Hz") != std::string::npos);
  CHECK(error.find("8000 Hz, 1 channel") != std::string::npos);
  CHECK_FALSE(mixer.add(std::make_shared<ToneSource>(440, 8000, 2, 0.2), 1.0, error));
  CHECK(mixer.source_count() == 0);
}
