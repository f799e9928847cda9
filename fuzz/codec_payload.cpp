// Fuzz target for the audio decoders behind the codec interface (G.711,
// Opus) and the RFC 4733 telephone-event payload decoder, fed what a peer
// could send. Input: a codec byte (mod 5: PCMU, PCMA, Opus mono, Opus
// stereo, telephone-event), then records of a header byte and its data:
//   bits 0-1 the operation: 0 decode, 1 frames_in then decode, 2 recover,
//            3 conceal;
//   bit 2    decode into a buffer of only 10 ms;
//   decode, frames_in: a length byte and the payload;
//   recover: a frame-count byte (x 40), a length byte and the payload;
//   conceal: a frame-count byte (x 40, plus the header's bits 3-7).
// Besides memory errors and UB it checks that decode writes exactly what
// frames_in announced or refuses with -1 (too-short buffers refused), that
// conceal gives every frame asked for that fits, that recover gives all or
// none, and that an accepted telephone-event encodes back to its bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "rtp/telephone_event.hpp"

namespace {

using namespace cosip;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr int max_frames = 12000;  // 250 ms at 48 kHz

std::unique_ptr<media::AudioDecoder> decoder_for(int codec) {
  media::CodecFormat format;
  format.encoding = codec == 0 ? "PCMU" : codec == 1 ? "PCMA" : "opus";
  format.clock_rate = codec < 2 ? 8000 : 48000;
  format.channels = codec < 2 ? 1 : 2;
  format.fmtp = codec == 3 ? "sprop-stereo=1" : "";
  std::string error;
  auto decoder = media::make_decoder(format, error);
  check(decoder != nullptr && error.empty());
  return decoder;
}

void telephone_event(std::span<const std::uint8_t> payload) {
  rtp::TelephoneEvent event;
  const rtp::TelephoneEventError err = rtp::decode(payload, event);
  if (err) {
    check(!err.message().empty());
    return;
  }
  const auto again = rtp::encode(event);
  check(payload.size() == again.size() && std::equal(again.begin(), again.end(), payload.begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int codec = data[0] % 5;
  std::unique_ptr<media::AudioDecoder> decoder = codec < 4 ? decoder_for(codec) : nullptr;
  const int channels = decoder ? decoder->channels() : 1;
  std::vector<std::int16_t> out(static_cast<std::size_t>(max_frames * channels));
  std::size_t i = 1;
  const auto next = [&]() -> int { return i < size ? data[i++] : 0; };
  const auto payload = [&]() {
    const std::size_t length = std::min<std::size_t>(static_cast<std::size_t>(next()), size - i);
    const std::span<const std::uint8_t> p(data + i, length);
    i += length;
    return p;
  };
  while (i < size) {
    const int header = next();
    const int op = header & 3;
    if (!decoder) {
      if (op == 3) next();
      else telephone_event(payload());
      continue;
    }
    const int rate = decoder->sample_rate();
    std::span<std::int16_t> buffer(out);
    if (header & 4) buffer = buffer.first(static_cast<std::size_t>(rate / 100 * channels));
    const int capacity = static_cast<int>(buffer.size()) / channels;
    switch (op) {
      case 0:
      case 1: {
        const auto p = payload();
        const int expected = decoder->frames_in(p);
        check(expected >= -1);
        const int n = decoder->decode(p, buffer);
        check(n == (expected <= capacity ? expected : -1));
        break;
      }
      case 2: {
        const int frames = next() * 40;
        const auto p = payload();
        const int n = decoder->recover(p, frames, buffer);
        check(n == 0 || n == -1 || n == std::min(frames, capacity));
        break;
      }
      default: {
        const int frames = next() * 40 + (header >> 3);
        check(decoder->conceal(frames, buffer) == std::min(frames, capacity));
        break;
      }
    }
  }
  return 0;
}
