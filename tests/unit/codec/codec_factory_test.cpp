// make_encoder / make_decoder: the codec picked by encoding name (any
// case), the clock rate and channels checked, and errors that name the
// format asked for and the ones supported.
#include <doctest/doctest.h>

#include <string>

#include "media/codec.hpp"

using namespace cosip::media;

namespace {

CodecFormat format(const std::string& encoding, int clock_rate, int channels, const std::string& fmtp = "") {
  CodecFormat f;
  f.encoding = encoding;
  f.clock_rate = clock_rate;
  f.channels = channels;
  f.fmtp = fmtp;
  return f;
}

}  // namespace

TEST_CASE("the supported formats are built whatever the case of their name") {
  for (const auto& f : {format("PCMU", 8000, 1), format("pcmu", 8000, 1), format("PCMA", 8000, 1),
                        format("pCmA", 8000, 1), format("opus", 48000, 2), format("OPUS", 48000, 2),
                        format("opus", 48000, 1)}) {
    CAPTURE(f.encoding);
    std::string error;
    const auto encoder = make_encoder(f, error);
    const auto decoder = make_decoder(f, error);
    REQUIRE(encoder);
    REQUIRE(decoder);
    CHECK(error.empty());
    CHECK(encoder->sample_rate() == f.clock_rate);
    CHECK(decoder->sample_rate() == f.clock_rate);
    CHECK(encoder->frames_per_packet() == f.clock_rate / 50);  // 20 ms by default
  }
}

TEST_CASE("an unsupported format is refused with what was asked and what is supported") {
  for (const auto& f : {format("G722", 8000, 1), format("PCMU", 16000, 1), format("PCMA", 8000, 2),
                        format("opus", 8000, 2), format("opus", 48000, 3), format("", 8000, 1)}) {
    CAPTURE(f.encoding);
    std::string error;
    CHECK_FALSE(make_encoder(f, error));
    const std::string asked = f.encoding + "/" + std::to_string(f.clock_rate) + "/" + std::to_string(f.channels);
    CHECK(error.find(asked) != std::string::npos);
    CHECK(error.find("PCMU/8000, PCMA/8000, opus/48000/2") != std::string::npos);
    error.clear();
    CHECK_FALSE(make_decoder(f, error));
    CHECK(error.find(asked) != std::string::npos);
    CHECK(error.find("PCMU/8000, PCMA/8000, opus/48000/2") != std::string::npos);
  }
}

TEST_CASE("a re-INVITE's new format is a new encoder and decoder") {
  std::string error;
  auto encoder = make_encoder(format("PCMU", 8000, 1), error);
  REQUIRE(encoder);
  CHECK(encoder->sample_rate() == 8000);
  encoder = make_encoder(format("opus", 48000, 2, "stereo=1"), error);
  REQUIRE(encoder);
  CHECK(encoder->sample_rate() == 48000);
  CHECK(encoder->channels() == 2);
}
