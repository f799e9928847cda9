// Opus through the codec interface: a 1 kHz tone round trip in mono and
// stereo, frames_in for each packet duration, malformed payloads refused
// without harming the decoder, PLC frame counts, in-band FEC recovering a
// lost packet, and DTX.
#include <doctest/doctest.h>

#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "media/opus_codec.hpp"
#include "media/tone.hpp"
#include "tests/unit/codec/codec_test_signal.hpp"

using namespace cosip::media;

namespace {

using Packet = std::vector<std::uint8_t>;

CodecFormat opus(const std::string& fmtp = "", int ptime_ms = 20) {
  CodecFormat f;
  f.encoding = "opus";
  f.clock_rate = 48000;
  f.channels = 2;
  f.fmtp = fmtp;
  f.ptime_ms = ptime_ms;
  return f;
}

std::unique_ptr<AudioEncoder> encoder_for(const CodecFormat& f) {
  std::string error;
  auto e = make_encoder(f, error);
  REQUIRE(e);
  return e;
}

std::unique_ptr<AudioDecoder> decoder_for(const CodecFormat& f) {
  std::string error;
  auto d = make_decoder(f, error);
  REQUIRE(d);
  return d;
}

// `frames` of interleaved PCM: a tone per channel.
std::vector<std::int16_t> tones(int frames, double left_hz, double right_hz, int channels, double amplitude = 0.5) {
  std::vector<std::int16_t> mono(static_cast<std::size_t>(frames)), other(static_cast<std::size_t>(frames));
  ToneGenerator(left_hz, 48000, amplitude).fill(mono);
  if (channels == 1) return mono;
  ToneGenerator(right_hz, 48000, amplitude).fill(other);
  std::vector<std::int16_t> pcm;
  for (int i = 0; i < frames; ++i) {
    pcm.push_back(mono[static_cast<std::size_t>(i)]);
    pcm.push_back(other[static_cast<std::size_t>(i)]);
  }
  return pcm;
}

std::vector<Packet> encode_all(AudioEncoder& encoder, std::span<const std::int16_t> pcm) {
  const auto step = static_cast<std::size_t>(encoder.frames_per_packet() * encoder.channels());
  std::vector<Packet> packets;
  Packet out(1500);
  for (std::size_t at = 0; at + step <= pcm.size(); at += step) {
    const int n = encoder.encode(pcm.subspan(at, step), out);
    REQUIRE(n >= 0);
    packets.emplace_back(out.begin(), out.begin() + n);
  }
  return packets;
}

std::vector<std::int16_t> channel(std::span<const std::int16_t> pcm, int channels, int which) {
  std::vector<std::int16_t> one;
  for (std::size_t i = static_cast<std::size_t>(which); i < pcm.size(); i += static_cast<std::size_t>(channels))
    one.push_back(pcm[i]);
  return one;
}

// RFC 6716 §3.1: the TOC configuration without its frame size bits.
int mode_and_bandwidth(std::uint8_t toc) {
  const int config = toc >> 3;
  if (config < 12) return config >> 2;     // SILK NB, MB, WB
  if (config < 16) return config >> 1;     // Hybrid SWB, FB
  return 8 + ((config - 16) >> 2);         // CELT NB, WB, SWB, FB
}

constexpr int second = 48000;
constexpr int skip = 4800;  // 100 ms for the codec to settle

}  // namespace

TEST_CASE("Opus: a 1 kHz tone round trip, mono") {
  auto encoder = encoder_for(opus());
  auto decoder = decoder_for(opus());
  REQUIRE(encoder->channels() == 1);
  REQUIRE(decoder->channels() == 1);
  CHECK(encoder->sample_rate() == 48000);
  CHECK(decoder->sample_rate() == 48000);
  CHECK(encoder->frames_per_packet() == 960);
  const auto input = tones(second, 1000, 0, 1);
  std::vector<std::int16_t> output;
  std::vector<std::int16_t> pcm(5760);
  for (const Packet& p : encode_all(*encoder, input)) {
    CHECK(opus_packet_get_nb_channels(p.data()) == 1);
    REQUIRE(decoder->decode(p, pcm) == 960);
    output.insert(output.end(), pcm.begin(), pcm.begin() + 960);
  }
  REQUIRE(output.size() == input.size());
  const auto settled = std::span<const std::int16_t>(output).subspan(skip);
  CHECK(tone_energy_share(settled, 48000, 1000) > 0.95);
  CHECK(rms_dbfs(settled) == doctest::Approx(rms_dbfs(input)).epsilon(0.1));  // within about 1 dB
}

TEST_CASE("Opus: stereo keeps each channel's tone apart") {
  auto encoder = encoder_for(opus("stereo=1"));
  auto decoder = decoder_for(opus("sprop-stereo=1"));
  REQUIRE(encoder->channels() == 2);
  REQUIRE(decoder->channels() == 2);
  const auto input = tones(second, 1000, 1500, 2);
  std::vector<std::int16_t> output;
  std::vector<std::int16_t> pcm(2 * 5760);
  for (const Packet& p : encode_all(*encoder, input)) {
    CHECK(opus_packet_get_nb_channels(p.data()) == 2);
    REQUIRE(decoder->decode(p, pcm) == 960);
    output.insert(output.end(), pcm.begin(), pcm.begin() + 2 * 960);
  }
  const auto left = channel(output, 2, 0), right = channel(output, 2, 1);
  const auto settled_left = std::span<const std::int16_t>(left).subspan(skip);
  const auto settled_right = std::span<const std::int16_t>(right).subspan(skip);
  CHECK(tone_energy_share(settled_left, 48000, 1000) > 0.9);
  CHECK(tone_energy_share(settled_left, 48000, 1500) < 0.05);
  CHECK(tone_energy_share(settled_right, 48000, 1500) > 0.9);
  CHECK(tone_energy_share(settled_right, 48000, 1000) < 0.05);
  CHECK(rms_dbfs(settled_left) == doctest::Approx(-9.03).epsilon(0.15));

  // A mono decoder takes the same stereo packets (RFC 7587 §3.4), mixing them down.
  auto mono = decoder_for(opus());
  const auto packets = encode_all(*encoder_for(opus("stereo=1")), input);
  std::vector<std::int16_t> mixed;
  for (const Packet& p : packets) {
    REQUIRE(mono->decode(p, pcm) == 960);
    mixed.insert(mixed.end(), pcm.begin(), pcm.begin() + 960);
  }
  const auto settled = std::span<const std::int16_t>(mixed).subspan(skip);
  CHECK(tone_energy_share(settled, 48000, 1000) > 0.3);
  CHECK(tone_energy_share(settled, 48000, 1500) > 0.3);
}

TEST_CASE("Opus: a decoder asked for a lower output rate counts frames at that rate") {
  std::string error;
  cosip::media::OpusDecoder decoder(1, 16000, error);
  REQUIRE(error.empty());
  CHECK(decoder.sample_rate() == 16000);
  CHECK(cosip::media::OpusDecoder(1, 44100, error).sample_rate() == 48000);  // not an Opus rate
  const auto packets = encode_all(*encoder_for(opus()), tones(second, 1000, 0, 1));
  std::vector<std::int16_t> pcm(5760), output;
  for (const Packet& p : packets) {
    REQUIRE(decoder.frames_in(p) == 320);
    REQUIRE(decoder.decode(p, pcm) == 320);
    output.insert(output.end(), pcm.begin(), pcm.begin() + 320);
  }
  CHECK(tone_energy_share(std::span<const std::int16_t>(output).subspan(1600), 16000, 1000) > 0.95);
  CHECK(decoder.conceal(330, pcm) == 330);
}

TEST_CASE("Opus: frames_in for 10, 20, 40 and 60 ms packets") {
  for (const int ptime : {10, 20, 40, 60}) {
    CAPTURE(ptime);
    auto encoder = encoder_for(opus("", ptime));
    auto decoder = decoder_for(opus());
    REQUIRE(encoder->frames_per_packet() == 48 * ptime);
    const auto packets = encode_all(*encoder, tones(second / 2, 1000, 0, 1));
    std::vector<std::int16_t> pcm(5760);
    for (const Packet& p : packets) {
      REQUIRE(decoder->frames_in(p) == 48 * ptime);
      REQUIRE(decoder->decode(p, pcm) == 48 * ptime);
    }
  }
}

TEST_CASE("Opus: malformed payloads give -1 and the decoder keeps working") {
  auto encoder = encoder_for(opus("", 20));
  auto decoder = decoder_for(opus());
  const auto packets = encode_all(*encoder, tones(second, 1000, 0, 1));
  std::vector<std::int16_t> pcm(5760);

  // RFC 6716 §3.4's rules broken one by one.
  const std::vector<Packet> malformed = {
      {},                        // R1: no TOC byte
      {0x03},                    // code 3 without its frame count byte
      {0x03, 0x00},              // R5: zero frames
      {0x1b, 0x03, 1, 2, 3},     // R5: three 60 ms frames, over 120 ms
      {0x01, 1, 2, 3},           // R3: code 1 with an odd length
      {0x02, 200, 1, 2},         // R4: code 2's first frame longer than the packet
      {0x02},                    // code 2 without the first frame's length
      {0x03, 0x83, 50, 1, 2},    // R6: code 3 VBR lengths beyond the packet
      {0x03, 0x41, 0xff},        // R7: all padding, none left to pad with
  };
  for (const Packet& p : malformed) {
    CAPTURE(p.size());
    CHECK(decoder->frames_in(p) == -1);
    CHECK(decoder->decode(p, pcm) == -1);
  }

  // A real packet repacketized into one of two frames (code 1 or 2), then
  // cut short: refused exactly when the framing no longer adds up.
  OpusRepacketizer* rp = opus_repacketizer_create();
  REQUIRE(opus_repacketizer_cat(rp, packets[10].data(), static_cast<opus_int32>(packets[10].size())) == OPUS_OK);
  REQUIRE(opus_repacketizer_cat(rp, packets[11].data(), static_cast<opus_int32>(packets[11].size())) == OPUS_OK);
  Packet two(1500);
  const int two_size = opus_repacketizer_out(rp, two.data(), static_cast<opus_int32>(two.size()));
  opus_repacketizer_destroy(rp);
  REQUIRE(two_size > 0);
  two.resize(static_cast<std::size_t>(two_size));
  CHECK(decoder->frames_in(two) == 1920);
  int refused = 0;
  for (std::size_t cut = 0; cut < two.size(); ++cut) {
    const std::span<const std::uint8_t> truncated(two.data(), cut);
    const int frames = decoder->frames_in(truncated);
    CHECK((frames == -1 || frames == 1920));
    CHECK(decoder->decode(truncated, pcm) == frames);
    if (frames == -1) ++refused;
  }
  CHECK(refused >= 2);  // at least the empty payload and the cut inside the length byte(s)

  // Seeded garbage: whatever frames_in says, decode agrees.
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    Packet garbage(random() % 64);
    for (auto& b : garbage) b = static_cast<std::uint8_t>(random());
    const int frames = decoder->frames_in(garbage);
    CHECK((frames == -1 || (frames > 0 && frames <= 5760)));
    CHECK(decoder->decode(garbage, pcm) == frames);
  }

  // And real audio still comes out right.
  std::vector<std::int16_t> output;
  for (std::size_t k = 20; k < packets.size(); ++k) {
    REQUIRE(decoder->decode(packets[k], pcm) == 960);
    output.insert(output.end(), pcm.begin(), pcm.begin() + 960);
  }
  CHECK(tone_energy_share(std::span<const std::int16_t>(output).subspan(skip), 48000, 1000) > 0.9);
  // A buffer too small for the packet is refused, not overrun.
  CHECK(decoder->decode(packets[30], std::span(pcm).first(959)) == -1);
}

TEST_CASE("Opus PLC gives the frames asked for, any count") {
  auto encoder = encoder_for(opus("stereo=1"));
  auto decoder = decoder_for(opus("sprop-stereo=1"));
  std::vector<std::int16_t> pcm(2 * 5760);
  CHECK(decoder->conceal(960, pcm) == 960);  // before any packet: silence
  CHECK(std::all_of(pcm.begin(), pcm.begin() + 1920, [](std::int16_t s) { return s == 0; }));
  const auto packets = encode_all(*encoder, tones(second / 2, 1000, 1500, 2));
  for (std::size_t k = 0; k < 10; ++k) REQUIRE(decoder->decode(packets[k], pcm) == 960);
  for (const int frames : {960, 480, 2880, 1000, 7, 0}) {
    CAPTURE(frames);
    std::fill(pcm.begin(), pcm.end(), std::int16_t{0x5555});
    CHECK(decoder->conceal(frames, pcm) == frames);
    // Written exactly that far.
    CHECK(pcm[static_cast<std::size_t>(2 * frames)] == 0x5555);
  }
  CHECK(decoder->conceal(5760, std::span(pcm).first(200)) == 100);  // no more than `out` holds
  CHECK(decoder->conceal(-1, pcm) == 0);
  for (std::size_t k = 10; k < 20; ++k) CHECK(decoder->decode(packets[k], pcm) == 960);
}

TEST_CASE("Opus in-band FEC recovers a lost packet from the next one") {
  constexpr std::size_t lost = 30;
  const auto input = tones(second, 1000, 0, 1);
  auto fec_encoder = encoder_for(opus("useinbandfec=1"));
  dynamic_cast<cosip::media::OpusEncoder&>(*fec_encoder).set_packet_loss_percent(20);
  const auto fec_packets = encode_all(*fec_encoder, input);
  const auto plain_packets = encode_all(*encoder_for(opus()), input);
  REQUIRE(fec_packets.size() == 50);

  // The LBRR flag is set in the FEC stream once it is going, never without FEC.
  int with_fec = 0;
  for (std::size_t k = 5; k < fec_packets.size(); ++k) with_fec += opus_has_fec(fec_packets[k]) ? 1 : 0;
  CHECK(with_fec >= 40);
  for (const Packet& p : plain_packets) CHECK_FALSE(opus_has_fec(p));

  // Reference: every packet decoded.
  std::vector<std::int16_t> pcm(5760);
  std::vector<std::int16_t> reference;
  auto reference_decoder = decoder_for(opus());
  for (const Packet& p : fec_packets) {
    REQUIRE(reference_decoder->decode(p, pcm) == 960);
    reference.insert(reference.end(), pcm.begin(), pcm.begin() + 960);
  }
  const auto original = std::span<const std::int16_t>(reference).subspan(lost * 960, 960);

  // How far a stand-in for the lost packet is from what was sent, in dB
  // below the packet's own energy.
  const auto error_db = [&](std::span<const std::int16_t> stand_in) {
    double error = 0, energy = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
      error += std::pow(stand_in[i] - original[i], 2);
      energy += std::pow(original[i], 2);
    }
    return 10 * std::log10(error / energy);
  };

  // Packet `lost` dropped: recovered from packet lost+1, or concealed.
  auto run = [&](const std::vector<Packet>& packets, bool use_fec, int& recovered) {
    auto decoder = decoder_for(opus());
    for (std::size_t k = 0; k < lost; ++k) REQUIRE(decoder->decode(packets[k], pcm) == 960);
    std::vector<std::int16_t> gap(960);
    recovered = use_fec ? decoder->recover(packets[lost + 1], 960, gap) : 0;
    if (recovered == 0) REQUIRE(decoder->conceal(960, gap) == 960);
    REQUIRE(decoder->decode(packets[lost + 1], pcm) == 960);
    return gap;
  };
  int recovered = 0;
  const auto from_fec = run(fec_packets, true, recovered);
  CHECK(recovered == 960);
  CHECK(tone_energy_share(from_fec, 48000, 1000) > 0.9);
  CHECK(rms_dbfs(from_fec) == doctest::Approx(rms_dbfs(original)).epsilon(0.15));  // within ~1.5 dB

  // The plain stream has no FEC: recover() says 0 and the caller conceals.
  // PLC keeps the tone going too (its energy share is as high), but only
  // FEC follows the waveform that was sent: -24 dB of error against -8.
  const auto concealed = run(plain_packets, true, recovered);
  CHECK(recovered == 0);
  CHECK(tone_energy_share(concealed, 48000, 1000) > 0.9);
  CHECK(error_db(from_fec) < -18);
  CHECK(error_db(concealed) > error_db(from_fec) + 10);

  // A loss of 40 ms before a 20 ms packet: PLC for the first 20, FEC for the last.
  auto decoder = decoder_for(opus());
  for (std::size_t k = 0; k < lost; ++k) REQUIRE(decoder->decode(fec_packets[k], pcm) == 960);
  std::vector<std::int16_t> gap(1920);
  CHECK(decoder->recover(fec_packets[lost + 2], 1920, gap) == 1920);
  // A loss shorter than the packet's frame cannot take its FEC.
  CHECK(decoder->recover(fec_packets[lost + 3], 480, gap) == 0);
  // Nor can a malformed packet.
  CHECK(decoder->recover(Packet{0x03}, 960, gap) == 0);
}

TEST_CASE("opus_has_fec agrees with libopus on every SILK packet, mono and stereo, 10 to 60 ms") {
  // The oracle: a libopus decoder state copied twice just before each
  // packet; one decodes that packet's FEC, the other conceals. They differ
  // exactly when the packet's LBRR data was used (and when the packet
  // switches mode or bandwidth, which is left out).
  for (const int channels : {1, 2}) {
    for (const int ptime : {10, 20, 40, 60}) {
      CAPTURE(channels);
      CAPTURE(ptime);
      const std::string stereo = channels == 2 ? "stereo=1;" : "";
      auto encoder = encoder_for(opus(stereo + "useinbandfec=1;maxaveragebitrate=24000", ptime));
      dynamic_cast<cosip::media::OpusEncoder&>(*encoder).set_packet_loss_percent(20);
      const auto packets = encode_all(*encoder, cosip::test::speech_like(second, channels));
      const auto size = static_cast<std::size_t>(opus_decoder_get_size(channels));
      std::vector<unsigned char> state(size), fec_state(size), plc_state(size);
      int err = 0;
      REQUIRE(opus_decoder_init(reinterpret_cast<::OpusDecoder*>(state.data()), 48000, channels) == OPUS_OK);
      std::vector<std::int16_t> fec(2 * 5760), plc(2 * 5760);
      int silk = 0, flagged = 0;
      int previous = -1;
      for (const Packet& p : packets) {
        const int frames = opus_packet_get_samples_per_frame(p.data(), 48000);
        const int mode = mode_and_bandwidth(p[0]);
        if ((p[0] >> 3) < 16 && mode == previous) {
          ++silk;
          fec_state = state;
          plc_state = state;
          const int a = opus_decode(reinterpret_cast<::OpusDecoder*>(fec_state.data()), p.data(),
                                    static_cast<opus_int32>(p.size()), fec.data(), frames, 1);
          const int b = opus_decode(reinterpret_cast<::OpusDecoder*>(plc_state.data()), nullptr, 0, plc.data(), frames, 0);
          REQUIRE(a == frames);
          REQUIRE(b == frames);
          const auto n = static_cast<std::size_t>(frames * channels);
          const bool used_lbrr = !std::equal(fec.begin(), fec.begin() + n, plc.begin());
          CHECK(opus_has_fec(p) == used_lbrr);
          flagged += used_lbrr ? 1 : 0;
        }
        err = opus_decode(reinterpret_cast<::OpusDecoder*>(state.data()), p.data(), static_cast<opus_int32>(p.size()),
                          fec.data(), 5760, 0);
        REQUIRE(err > 0);
        previous = mode;
      }
      CHECK(silk > 0);
      CHECK(flagged > silk / 2);  // the oracle is not vacuous
    }
  }
}

TEST_CASE("Opus DTX: silence stops being sent with usedtx=1, never without") {
  std::vector<std::int16_t> silence(2 * second, 0);
  const auto dtx_packets = encode_all(*encoder_for(opus("usedtx=1")), silence);
  const auto plain_packets = encode_all(*encoder_for(opus()), silence);
  const auto empty = [](const std::vector<Packet>& packets, std::size_t from) {
    return std::count_if(packets.begin() + static_cast<std::ptrdiff_t>(from), packets.end(),
                         [](const Packet& p) { return p.empty(); });
  };
  // After 200 ms of silence only the comfort-noise updates (one in 400 ms) are sent.
  CHECK(empty(dtx_packets, 10) >= 80);  // of 90
  CHECK(empty(plain_packets, 0) == 0);
  for (const Packet& p : plain_packets) CHECK(p.size() > 2);

  // Speech again after silence: packets are sent again.
  auto encoder = encoder_for(opus("usedtx=1"));
  encode_all(*encoder, silence);
  const auto talk = encode_all(*encoder, tones(second / 2, 1000, 0, 1));
  CHECK(empty(talk, 3) == 0);
}
