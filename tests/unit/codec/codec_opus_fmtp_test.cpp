// RFC 7587 §6.1 fmtp parameters: parsed whatever the spacing and case, bad
// values left at their defaults, and each one's effect on the libopus
// encoder (channels, bitrate, CBR, bandwidth, FEC, DTX, packet time) and
// decoder (channels, rate).
#include <doctest/doctest.h>

#include <opus/opus.h>

#include <algorithm>
#include <numeric>
#include <tuple>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "media/opus_codec.hpp"
#include "media/opus_fmtp.hpp"
#include "media/tone.hpp"
#include "tests/unit/codec/codec_test_signal.hpp"

using namespace cosip::media;

namespace {

CodecFormat opus(const std::string& fmtp, int channels = 2, int ptime_ms = 20) {
  CodecFormat f;
  f.encoding = "opus";
  f.clock_rate = 48000;
  f.channels = channels;
  f.fmtp = fmtp;
  f.ptime_ms = ptime_ms;
  return f;
}

std::unique_ptr<cosip::media::OpusEncoder> encoder_for(const CodecFormat& f) {
  std::string error;
  auto e = make_encoder(f, error);
  REQUIRE(e);
  auto* opus = dynamic_cast<cosip::media::OpusEncoder*>(e.get());
  REQUIRE(opus);
  e.release();
  return std::unique_ptr<cosip::media::OpusEncoder>(opus);
}

int get(cosip::media::OpusEncoder& encoder, int request) {
  opus_int32 value = -1;
  REQUIRE(opus_encoder_ctl(encoder.state(), request, &value) == OPUS_OK);
  return value;
}

// Sizes of the packets of two seconds of speech-like audio.
std::vector<int> packet_sizes(cosip::media::OpusEncoder& encoder) {
  const auto pcm = cosip::test::speech_like(2 * 48000, encoder.channels());
  std::vector<std::uint8_t> out(1500);
  std::vector<int> sizes;
  const auto step = static_cast<std::size_t>(encoder.frames_per_packet() * encoder.channels());
  for (std::size_t at = 0; at + step <= pcm.size(); at += step) {
    const int n = encoder.encode(std::span<const std::int16_t>(pcm).subspan(at, step), out);
    REQUIRE(n > 0);
    sizes.push_back(n);
  }
  return sizes;
}

double mean(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

}  // namespace

TEST_CASE("fmtp: every parameter parsed, whatever the spacing and case") {
  const OpusFmtp p = parse_opus_fmtp(
      " MaxPlaybackRate = 16000 ;sprop-maxcapturerate=24000; maxaveragebitrate=20000;stereo=1; sprop-stereo=1;"
      "cbr=1;useinbandfec=1;usedtx=1;ptime=40;minptime=10;maxptime=60;unknown=5;flag");
  CHECK(p.max_playback_rate == 16000);
  CHECK(p.sprop_max_capture_rate == 24000);
  CHECK(p.max_average_bitrate == 20000);
  CHECK(p.stereo);
  CHECK(p.sprop_stereo);
  CHECK(p.cbr);
  CHECK(p.use_inband_fec);
  CHECK(p.use_dtx);
  CHECK(p.ptime == 40);
  CHECK(p.min_ptime == 10);
  CHECK(p.max_ptime == 60);
}

TEST_CASE("fmtp: bad values are ignored, the defaults stay") {
  const OpusFmtp defaults;
  for (const std::string& fmtp : std::vector<std::string>{
           "", ";;;", "=", "maxplaybackrate=abc;maxaveragebitrate=-5;stereo=2;usedtx=yes;useinbandfec=;cbr=1.0",
        "maxplaybackrate=7999;sprop-maxcapturerate=48001;maxaveragebitrate=5999;ptime=0;minptime=121;maxptime=7x",
        "maxaveragebitrate=510001;stereo= ;sprop-stereo=-1;maxplaybackrate=99999999999999999999",
        std::string("stereo=1\0", 9), "stereo"}) {
    CAPTURE(fmtp);
    const OpusFmtp p = parse_opus_fmtp(fmtp);
    CHECK(p.max_playback_rate == defaults.max_playback_rate);
    CHECK(p.sprop_max_capture_rate == defaults.sprop_max_capture_rate);
    CHECK_FALSE(p.max_average_bitrate);
    CHECK(p.stereo == false);
    CHECK(p.sprop_stereo == false);
    CHECK(p.cbr == false);
    CHECK(p.use_inband_fec == false);
    CHECK(p.use_dtx == false);
    CHECK_FALSE(p.ptime);
    CHECK_FALSE(p.min_ptime);
    CHECK_FALSE(p.max_ptime);
    // And an encoder built from it is the default one.
    auto encoder = encoder_for(opus(fmtp));
    CHECK(encoder->channels() == 1);
    CHECK(get(*encoder, OPUS_GET_BITRATE_REQUEST) == 32000);
    CHECK(get(*encoder, OPUS_GET_MAX_BANDWIDTH_REQUEST) == OPUS_BANDWIDTH_FULLBAND);
  }
  // The later of two repeated parameters wins.
  CHECK(parse_opus_fmtp("stereo=1;stereo=0").stereo == false);
}

TEST_CASE("fmtp stereo: two coded channels only when the peer asks for them") {
  for (const auto& [fmtp, rtpmap_channels, coded] :
       {std::tuple{std::string(""), 2, 1}, {"stereo=0", 2, 1}, {"stereo=1", 2, 2}, {"stereo=1", 1, 1}}) {
    CAPTURE(fmtp);
    CAPTURE(rtpmap_channels);
    auto encoder = encoder_for(opus(fmtp, rtpmap_channels));
    CHECK(encoder->channels() == coded);
    std::vector<std::int16_t> pcm(static_cast<std::size_t>(960 * coded), 1000);
    std::vector<std::uint8_t> out(1500);
    REQUIRE(encoder->encode(pcm, out) > 0);
    CHECK(opus_packet_get_nb_channels(out.data()) == coded);
  }
  // The decoder follows the peer's sprop-stereo.
  std::string error;
  CHECK(make_decoder(opus(""), error)->channels() == 1);
  CHECK(make_decoder(opus("sprop-stereo=1"), error)->channels() == 2);
  CHECK(make_decoder(opus("sprop-stereo=1", 1), error)->channels() == 1);
  CHECK(make_decoder(opus("stereo=1"), error)->channels() == 1);  // what the peer receives, not sends
  // sprop-maxcapturerate leaves the output at the 48 kHz clock.
  CHECK(make_decoder(opus("sprop-maxcapturerate=16000"), error)->sample_rate() == 48000);
}

TEST_CASE("fmtp maxaveragebitrate caps the bitrate; cbr makes it constant") {
  auto free_rate = encoder_for(opus(""));
  auto capped = encoder_for(opus("maxaveragebitrate=12000"));
  auto above_default = encoder_for(opus("maxaveragebitrate=100000"));
  CHECK(get(*capped, OPUS_GET_BITRATE_REQUEST) == 12000);
  CHECK(get(*above_default, OPUS_GET_BITRATE_REQUEST) == 32000);  // a cap, not a target
  const double free_mean = mean(packet_sizes(*free_rate));
  const double capped_mean = mean(packet_sizes(*capped));
  // libopus' VBR aims at the average (a pure tone in SILK mode would
  // overshoot by a third; speech does not).
  CHECK(capped_mean <= 12000 / 8 / 50);  // 30 bytes per 20 ms
  CHECK(capped_mean < free_mean / 2);
  CHECK(free_mean <= 32000 / 8 / 50);

  auto cbr = encoder_for(opus("cbr=1;maxaveragebitrate=24000"));
  CHECK(get(*cbr, OPUS_GET_VBR_REQUEST) == 0);
  CHECK(get(*free_rate, OPUS_GET_VBR_REQUEST) == 1);
  const auto sizes = packet_sizes(*cbr);
  CHECK(std::all_of(sizes.begin(), sizes.end(), [](int n) { return n == 24000 / 8 / 50; }));
}

TEST_CASE("fmtp maxplaybackrate sets the widest coded bandwidth") {
  for (const auto& [fmtp, bandwidth] : {std::pair{std::string(""), OPUS_BANDWIDTH_FULLBAND},
                                        {"maxplaybackrate=8000", OPUS_BANDWIDTH_NARROWBAND},
                                        {"maxplaybackrate=12000", OPUS_BANDWIDTH_MEDIUMBAND},
                                        {"maxplaybackrate=16000", OPUS_BANDWIDTH_WIDEBAND},
                                        {"maxplaybackrate=22050", OPUS_BANDWIDTH_SUPERWIDEBAND},
                                        {"maxplaybackrate=44100", OPUS_BANDWIDTH_FULLBAND}}) {
    CAPTURE(fmtp);
    auto encoder = encoder_for(opus(fmtp));
    CHECK(get(*encoder, OPUS_GET_MAX_BANDWIDTH_REQUEST) == bandwidth);
    // And the packets say no wider (RFC 6716 §3.1 TOC).
    std::vector<std::int16_t> mono(48000);
    ToneGenerator(1000, 48000, 0.5).fill(mono);
    std::vector<std::uint8_t> out(1500);
    for (std::size_t at = 0; at + 960 <= mono.size(); at += 960) {
      REQUIRE(encoder->encode(std::span(mono).subspan(at, 960), out) > 0);
      // CELT has no mediumband: libopus widens it to wideband there.
      const int widest = bandwidth == OPUS_BANDWIDTH_MEDIUMBAND ? OPUS_BANDWIDTH_WIDEBAND : bandwidth;
      CHECK(opus_packet_get_bandwidth(out.data()) <= widest);
    }
  }
}

TEST_CASE("fmtp useinbandfec and usedtx switch libopus' FEC and DTX") {
  auto plain = encoder_for(opus(""));
  auto both = encoder_for(opus("useinbandfec=1;usedtx=1"));
  CHECK(get(*plain, OPUS_GET_INBAND_FEC_REQUEST) == 0);
  CHECK(get(*plain, OPUS_GET_DTX_REQUEST) == 0);
  CHECK(get(*plain, OPUS_GET_PACKET_LOSS_PERC_REQUEST) == 0);
  CHECK(get(*both, OPUS_GET_INBAND_FEC_REQUEST) == 1);
  CHECK(get(*both, OPUS_GET_DTX_REQUEST) == 1);
  CHECK(get(*both, OPUS_GET_PACKET_LOSS_PERC_REQUEST) == 10);
  both->set_packet_loss_percent(25);
  CHECK(get(*both, OPUS_GET_PACKET_LOSS_PERC_REQUEST) == 25);
  both->set_packet_loss_percent(250);
  CHECK(get(*both, OPUS_GET_PACKET_LOSS_PERC_REQUEST) == 100);
}

TEST_CASE("fmtp ptime, minptime and maxptime set the packet duration") {
  for (const auto& [fmtp, ptime, frames] :
       {std::tuple{std::string(""), 20, 960}, {"", 40, 1920}, {"", 60, 2880}, {"", 10, 480}, {"", 30, 960},
        {"", 0, 480}, {"", 500, 5760}, {"ptime=60", 20, 2880}, {"minptime=40", 20, 1920},
        {"maxptime=10", 20, 480}, {"minptime=30", 20, 1920}, {"minptime=60;maxptime=40", 20, 960}}) {
    CAPTURE(fmtp);
    CAPTURE(ptime);
    auto encoder = encoder_for(opus(fmtp, 2, ptime));
    CHECK(encoder->frames_per_packet() == frames);
    std::vector<std::int16_t> pcm(static_cast<std::size_t>(frames), 0);
    std::vector<std::uint8_t> out(1500);
    const int n = encoder->encode(pcm, out);
    REQUIRE(n > 0);
    CHECK(opus_packet_get_nb_samples(out.data(), n, 48000) == frames);
  }
}
