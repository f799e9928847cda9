// G.711 through the codec interface: packets of ptime's size, any payload
// size decoded, no FEC, and the concealment: the last pitch period
// repeated, faded to silence by 60 ms, and a seam without a click.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numbers>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "media/g711_codec.hpp"
#include "media/tone.hpp"

using namespace cosip::media;

namespace {

std::unique_ptr<AudioEncoder> encoder_for(const std::string& encoding, int ptime_ms = 20) {
  CodecFormat f;
  f.encoding = encoding;
  f.ptime_ms = ptime_ms;
  std::string error;
  auto e = make_encoder(f, error);
  REQUIRE(e);
  return e;
}

std::unique_ptr<AudioDecoder> decoder_for(const std::string& encoding) {
  CodecFormat f;
  f.encoding = encoding;
  std::string error;
  auto d = make_decoder(f, error);
  REQUIRE(d);
  return d;
}

int largest_step(std::span<const std::int16_t> s) {
  int worst = 0;
  for (std::size_t i = 1; i < s.size(); ++i) worst = std::max(worst, std::abs(s[i] - s[i - 1]));
  return worst;
}

}  // namespace

TEST_CASE("G.711: a tone through encoder and decoder, packet by packet") {
  for (const std::string name : {"PCMU", "PCMA"}) {
    CAPTURE(name);
    for (const int ptime : {10, 20, 30}) {
      auto encoder = encoder_for(name, ptime);
      auto decoder = decoder_for(name);
      CHECK(encoder->frames_per_packet() == 8 * ptime);
      CHECK(encoder->channels() == 1);
      CHECK(decoder->channels() == 1);
      std::vector<std::int16_t> tone(8000);
      ToneGenerator(440, 8000, 0.5).fill(tone);
      std::vector<std::int16_t> decoded;
      std::vector<std::uint8_t> packet(400);
      std::vector<std::int16_t> pcm(400);
      const auto n = static_cast<std::size_t>(encoder->frames_per_packet());
      for (std::size_t at = 0; at + n <= tone.size(); at += n) {
        REQUIRE(encoder->encode(std::span(tone).subspan(at, n), packet) == static_cast<int>(n));
        const auto payload = std::span<const std::uint8_t>(packet).first(n);
        REQUIRE(decoder->frames_in(payload) == static_cast<int>(n));
        REQUIRE(decoder->decode(payload, pcm) == static_cast<int>(n));
        decoded.insert(decoded.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(n));
      }
      CHECK(tone_energy_share(decoded, 8000, 440) > 0.95);
      CHECK(rms_dbfs(decoded) == doctest::Approx(rms_dbfs(tone)).epsilon(0.02));
    }
  }
}

TEST_CASE("G.711: any payload size decodes; short buffers are refused") {
  G711Decoder decoder(G711Law::alaw);
  std::vector<std::int16_t> out(200);
  for (const std::size_t size : {0u, 1u, 7u, 161u}) {
    const std::vector<std::uint8_t> payload(size, 0xd5);
    CHECK(decoder.frames_in(payload) == static_cast<int>(size));
    CHECK(decoder.decode(payload, out) == static_cast<int>(size));
  }
  const std::vector<std::uint8_t> big(201, 0xd5);
  CHECK(decoder.decode(big, out) == -1);
  CHECK(decoder.recover(big, 160, out) == 0);  // G.711 has no FEC

  G711Encoder encoder(G711Law::ulaw, 20);
  std::vector<std::uint8_t> packet(160);
  CHECK(encoder.encode(std::vector<std::int16_t>(159), packet) == -1);
  CHECK(encoder.encode(std::vector<std::int16_t>(160), std::span(packet).first(100)) == -1);
  CHECK(G711Encoder(G711Law::ulaw, 0).frames_per_packet() == 160);  // a bad ptime is 20 ms
}

TEST_CASE("G.711 concealment: silence before any audio") {
  G711Decoder decoder(G711Law::ulaw);
  std::vector<std::int16_t> out(160, 1234);
  CHECK(decoder.conceal(160, out) == 160);
  CHECK(std::all_of(out.begin(), out.end(), [](std::int16_t s) { return s == 0; }));
  CHECK(decoder.conceal(500, out) == 160);  // no more than `out` holds
  CHECK(decoder.conceal(-3, out) == 0);
}

TEST_CASE("G.711 concealment: the pitch period goes on, then fades out by 60 ms") {
  // 500 Hz: a period of 16 samples, within the 20-120 search range as 32.
  std::vector<std::int16_t> tone(8000);
  ToneGenerator source(500, 8000, 0.5);
  source.fill(tone);
  G711Decoder decoder(G711Law::ulaw);
  std::vector<std::uint8_t> coded(tone.size());
  g711_encode(G711Law::ulaw, tone, coded);
  std::vector<std::int16_t> decoded(tone.size());
  REQUIRE(decoder.decode(coded, decoded) == 8000);

  std::vector<std::int16_t> concealed(640);
  REQUIRE(decoder.conceal(80, std::span(concealed).first(80)) == 80);  // across two calls
  REQUIRE(decoder.conceal(560, std::span(concealed).subspan(80)) == 560);
  const auto first_10ms = std::span<const std::int16_t>(concealed).first(80);
  CHECK(tone_energy_share(first_10ms, 8000, 500) > 0.9);
  CHECK(rms_dbfs(first_10ms) == doctest::Approx(rms_dbfs(tone)).epsilon(0.03));
  // It continues the waveform: the first concealed sample follows the last decoded one.
  CHECK(std::abs(concealed[0] - decoded.back()) <= largest_step(decoded));
  // Fading: each 10 ms after the first is quieter, and from 60 ms on it is silent.
  for (int block = 1; block < 5; ++block)
    CHECK(rms_dbfs(std::span<const std::int16_t>(concealed).subspan(80 * block, 80)) <
          rms_dbfs(std::span<const std::int16_t>(concealed).subspan(80 * (block - 1), 80)));
  CHECK(std::all_of(concealed.begin() + 480, concealed.end(), [](std::int16_t s) { return s == 0; }));
}

TEST_CASE("G.711 concealment: the packet after a loss is joined without a click") {
  // One 20 ms packet of a 500 Hz tone is lost; the next one is phase-coherent
  // with the concealment (16 divides the period found), so a smooth seam
  // never steps more than the tone itself does.
  std::vector<std::int16_t> tone(8000);
  ToneGenerator(500, 8000, 0.5).fill(tone);
  std::vector<std::uint8_t> coded(tone.size());
  g711_encode(G711Law::alaw, tone, coded);
  G711Decoder decoder(G711Law::alaw);
  std::vector<std::int16_t> out;
  std::vector<std::int16_t> pcm(160);
  for (int packet = 0; packet < 10; ++packet) {
    const auto payload = std::span<const std::uint8_t>(coded).subspan(160 * packet, 160);
    if (packet == 5) REQUIRE(decoder.conceal(160, pcm) == 160);
    else REQUIRE(decoder.decode(payload, pcm) == 160);
    out.insert(out.end(), pcm.begin(), pcm.end());
  }
  // Without the cross-fade the level would jump in one sample from the
  // concealment's 80 % (faded from 10 ms on) back to full: a larger step.
  const int natural = largest_step(std::span<const std::int16_t>(out).first(800));
  CHECK(largest_step(out) <= natural * 11 / 10);
  CHECK(tone_energy_share(std::span<const std::int16_t>(out).subspan(960, 160), 8000, 500) > 0.95);
}
