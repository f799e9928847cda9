// G.711 mu-law and A-law (ITU-T G.711): the codes' known values, every code
// surviving decode then encode, the quantisation error over all 65,536
// inputs, and a tone through each law measured by its energy share.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/g711.hpp"
#include "media/tone.hpp"

using namespace cosip::media;

TEST_CASE("mu-law: known codes") {
  CHECK(linear_to_ulaw(0) == 0xff);
  CHECK(ulaw_to_linear(0xff) == 0);
  CHECK(ulaw_to_linear(0x7f) == 0);  // the negative zero
  CHECK(ulaw_to_linear(0x80) == 32124);
  CHECK(ulaw_to_linear(0x00) == -32124);
  CHECK(linear_to_ulaw(32767) == 0x80);
  CHECK(linear_to_ulaw(-32768) == 0x00);
  CHECK(ulaw_to_linear(0xfe) == 8);
  CHECK(ulaw_to_linear(0x7e) == -8);
}

TEST_CASE("A-law: known codes") {
  CHECK(linear_to_alaw(0) == 0xd5);
  CHECK(alaw_to_linear(0xd5) == 8);
  CHECK(alaw_to_linear(0x55) == -8);
  CHECK(alaw_to_linear(0xaa) == 32256);
  CHECK(alaw_to_linear(0x2a) == -32256);
  CHECK(linear_to_alaw(32767) == 0xaa);
  CHECK(linear_to_alaw(-32768) == 0x2a);
}

TEST_CASE("every code survives decode then encode") {
  for (int c = 0; c < 256; ++c) {
    CAPTURE(c);
    const auto code = static_cast<std::uint8_t>(c);
    if (code != 0x7f) CHECK(linear_to_ulaw(ulaw_to_linear(code)) == code);
    CHECK(linear_to_alaw(alaw_to_linear(code)) == code);
  }
}

TEST_CASE("quantisation error stays within half a step of the segment") {
  int worst_ulaw = 0, worst_alaw = 0;
  for (int x = -32768; x <= 32767; ++x) {
    const auto s = static_cast<std::int16_t>(x);
    const int eu = std::abs(ulaw_to_linear(linear_to_ulaw(s)) - x);
    const int ea = std::abs(alaw_to_linear(linear_to_alaw(s)) - x);
    // Steps double per segment: the error is bounded by |x|/16 plus the
    // smallest step (and the clipped top of mu-law's range).
    if (x > -32125 && x < 32125) REQUIRE(eu <= std::abs(x) / 16 + 8);
    REQUIRE(ea <= std::abs(x) / 16 + 16);
    worst_ulaw = std::max(worst_ulaw, eu);
    worst_alaw = std::max(worst_alaw, ea);
  }
  CHECK(worst_ulaw <= 1024);
  CHECK(worst_alaw <= 1024);
}

TEST_CASE("a tone through each law keeps its frequency") {
  std::vector<std::int16_t> tone(8000);
  ToneGenerator(440, 8000, 0.5).fill(tone);
  CHECK(tone_energy_share(tone, 8000, 440) > 0.95);
  CHECK(tone_energy_share(tone, 8000, 1000) < 0.01);
  CHECK(rms_dbfs(tone) == doctest::Approx(-9.03).epsilon(0.01));  // 0.5 peak: -6 dB, sine: -3 dB
  for (const G711Law law : {G711Law::ulaw, G711Law::alaw}) {
    std::vector<std::uint8_t> coded(tone.size());
    std::vector<std::int16_t> decoded(tone.size());
    REQUIRE(g711_encode(law, tone, coded) == tone.size());
    REQUIRE(g711_decode(law, coded, decoded) == tone.size());
    CHECK(tone_energy_share(decoded, 8000, 440) > 0.95);
    CHECK(tone_energy_share(decoded, 8000, 1000) < 0.01);
  }
  // A phase jump halfway spoils a whole-signal bin but only one block of the median.
  std::vector<std::int16_t> jumped(16000);
  ToneGenerator first(440, 8000, 0.5);
  first.fill(std::span<std::int16_t>(jumped).first(8000));
  ToneGenerator(440, 8000, -0.5).fill(std::span<std::int16_t>(jumped).subspan(8000));
  CHECK(tone_energy_share(jumped, 8000, 440) < 0.5);
  CHECK(median_tone_energy_share(jumped, 8000, 440) > 0.95);
  CHECK(median_tone_energy_share(std::span<const std::int16_t>(jumped).first(100), 8000, 440) == 0);
  const std::vector<std::int16_t> silence(800, 0);
  CHECK(tone_energy_share(silence, 8000, 440) == 0);
}

TEST_CASE("DTMF digits: ITU-T Q.23 frequency pairs") {
  CHECK(dtmf_frequencies('1') == std::pair{697.0, 1209.0});
  CHECK(dtmf_frequencies('5') == std::pair{770.0, 1336.0});
  CHECK(dtmf_frequencies('9') == std::pair{852.0, 1477.0});
  CHECK(dtmf_frequencies('0') == std::pair{941.0, 1336.0});
  CHECK(dtmf_frequencies('*') == std::pair{941.0, 1209.0});
  CHECK(dtmf_frequencies('#') == std::pair{941.0, 1477.0});
  CHECK(dtmf_frequencies('D') == std::pair{941.0, 1633.0});
  CHECK_FALSE(dtmf_frequencies('x').has_value());
  CHECK_FALSE(dtmf_frequencies('a').has_value());  // RFC 4733 events are upper case
}
