// Opus encode+decode of 20 ms frames at 48 kHz, 32 kb/s: (a) through
// cosip's OpusEncoder/OpusDecoder, built by make_encoder/make_decoder and
// called through the AudioEncoder/AudioDecoder interface (virtual calls,
// frames_in's packet check and the DTX test included), beside (b) bare
// libopus calls with the same settings, on the same speech-like signal
// (tests/unit/codec/codec_test_signal.hpp), in the same run.
//
//   opus_codec_bench [--quick]
//       For mono and stereo: 31 rounds (--quick: 5) over the whole signal
//       (4 s; --quick: 1 s), each from fresh codec states. Within a round
//       (a) and (b) go in lockstep, frame by frame, each frame timed on its
//       own and the order alternating, so a busy spell of a shared CPU
//       falls on both alike; both must give the same packets, byte for
//       byte. Prints ns per frame (encode + decode) two ways: the median
//       over the rounds of the round's mean, and the mean over frames of
//       each frame's fastest time in any round (robust to preemption);
//       and the throughput ratio (a)/(b) of each (goal: at least 0.95).
#include <opus/opus.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "tests/unit/codec/codec_test_signal.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace cosip;

constexpr int frame = 960;  // 20 ms
constexpr int bitrate = 32000;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "opus_codec_bench: %s\n", what);
    std::exit(1);
  }
}

// (a): through the interface, as the call's audio stream will use it.
struct CosipPipeline {
  explicit CosipPipeline(int channels) {
    media::CodecFormat format;
    format.encoding = "opus";
    format.clock_rate = 48000;
    format.channels = 2;
    format.fmtp = channels == 2 ? "stereo=1;sprop-stereo=1;maxaveragebitrate=32000" : "maxaveragebitrate=32000";
    std::string error;
    encoder = media::make_encoder(format, error);
    decoder = media::make_decoder(format, error);
    check(encoder && decoder && encoder->channels() == channels && decoder->channels() == channels, error.c_str());
    out.resize(static_cast<std::size_t>(frame * channels));
  }
  int step(std::span<const std::int16_t> pcm) {
    const int n = encoder->encode(pcm, packet);
    check(n > 0, "cosip encode failed");
    check(decoder->decode(std::span<const std::uint8_t>(packet).first(static_cast<std::size_t>(n)), out) == frame,
          "cosip decode failed");
    return n;
  }
  std::unique_ptr<media::AudioEncoder> encoder;
  std::unique_ptr<media::AudioDecoder> decoder;
  std::vector<std::uint8_t> packet = std::vector<std::uint8_t>(1500);
  std::vector<std::int16_t> out;
};

// (b): bare libopus with the settings cosip's encoder makes of the fmtp above.
struct BarePipeline {
  explicit BarePipeline(int channels) {
    int err = 0;
    encoder = opus_encoder_create(48000, channels, OPUS_APPLICATION_VOIP, &err);
    check(err == OPUS_OK, "opus_encoder_create failed");
    decoder = opus_decoder_create(48000, channels, &err);
    check(err == OPUS_OK, "opus_decoder_create failed");
    opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(encoder, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_FULLBAND));
    opus_encoder_ctl(encoder, OPUS_SET_VBR(1));
    opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(0));
    opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(0));
    opus_encoder_ctl(encoder, OPUS_SET_DTX(0));
    out.resize(static_cast<std::size_t>(frame * channels));
  }
  ~BarePipeline() {
    opus_encoder_destroy(encoder);
    opus_decoder_destroy(decoder);
  }
  BarePipeline(const BarePipeline&) = delete;
  BarePipeline& operator=(const BarePipeline&) = delete;
  int step(std::span<const std::int16_t> pcm) {
    const int n = opus_encode(encoder, pcm.data(), frame, packet.data(), static_cast<opus_int32>(packet.size()));
    check(n > 0, "opus_encode failed");
    check(opus_decode(decoder, packet.data(), n, out.data(), frame, 0) == frame, "opus_decode failed");
    return n;
  }
  OpusEncoder* encoder = nullptr;
  OpusDecoder* decoder = nullptr;
  std::vector<std::uint8_t> packet = std::vector<std::uint8_t>(1500);
  std::vector<std::int16_t> out;
};

double since(Clock::time_point start) { return std::chrono::duration<double, std::nano>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 31;
  int seconds = 4;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      rounds = 5;
      seconds = 1;
    } else {
      std::fprintf(stderr, "usage: opus_codec_bench [--quick]\n");
      return 2;
    }
  }
  std::printf("(a) cosip OpusEncoder/OpusDecoder via AudioEncoder/AudioDecoder, (b) bare %s\n", opus_get_version_string());
  std::printf("20 ms frames at 48 kHz, %d kb/s VBR, %d s of speech-like audio, %d rounds, a/b in lockstep\n",
              bitrate / 1000, seconds, rounds);
  std::printf("ns per frame (encode + decode): median of the rounds' means | mean of each frame's fastest\n");
  std::printf("%-7s %10s %10s %7s | %10s %10s %7s\n", "", "(a)", "(b)", "a/b thr", "(a)", "(b)", "a/b thr");
  for (const int channels : {1, 2}) {
    const auto pcm = test::speech_like(seconds * 48000, channels);
    const auto step = static_cast<std::size_t>(frame * channels);
    const std::size_t frames = pcm.size() / step;
    std::vector<double> round_a, round_b;
    std::vector<double> fastest_a(frames, std::numeric_limits<double>::max()), fastest_b = fastest_a;
    for (int r = 0; r < rounds; ++r) {
      CosipPipeline a(channels);
      BarePipeline b(channels);
      double total_a = 0, total_b = 0;
      for (std::size_t k = 0; k < frames; ++k) {
        const auto input = std::span<const std::int16_t>(pcm).subspan(k * step, step);
        double ta = 0, tb = 0;
        int na = 0, nb = 0;
        if ((k + static_cast<std::size_t>(r)) % 2 == 0) {
          auto t = Clock::now();
          na = a.step(input);
          ta = since(t);
          t = Clock::now();
          nb = b.step(input);
          tb = since(t);
        } else {
          auto t = Clock::now();
          nb = b.step(input);
          tb = since(t);
          t = Clock::now();
          na = a.step(input);
          ta = since(t);
        }
        check(na == nb && std::equal(a.packet.begin(), a.packet.begin() + na, b.packet.begin()),
              "cosip and bare libopus gave different packets");
        total_a += ta;
        total_b += tb;
        fastest_a[k] = std::min(fastest_a[k], ta);
        fastest_b[k] = std::min(fastest_b[k], tb);
      }
      round_a.push_back(total_a / static_cast<double>(frames));
      round_b.push_back(total_b / static_cast<double>(frames));
    }
    const double ma = median(round_a), mb = median(round_b);
    const double fa = mean(fastest_a), fb = mean(fastest_b);
    std::printf("%-7s %10.0f %10.0f %7.3f | %10.0f %10.0f %7.3f\n", channels == 1 ? "mono" : "stereo", ma, mb, mb / ma,
                fa, fb, fb / fa);
  }
  return 0;
}
