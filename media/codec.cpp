#include "media/codec.hpp"

#include <cctype>

#include "media/g711_codec.hpp"
#include "media/opus_codec.hpp"
#include "media/opus_fmtp.hpp"

namespace cosip::media {
namespace {

enum class Kind { pcmu, pcma, opus, unsupported };

// Encoding names are case-insensitive (RFC 8866 §6.6); G.711 is 8 kHz mono
// (RFC 3551 §4.5.14), Opus always has a 48 kHz clock (RFC 7587 §7).
Kind kind_of(const CodecFormat& format) {
  std::string name = format.encoding;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if ((name == "pcmu" || name == "pcma") && format.clock_rate == 8000 && format.channels == 1)
    return name == "pcmu" ? Kind::pcmu : Kind::pcma;
  if (name == "opus" && format.clock_rate == opus_clock_rate && (format.channels == 1 || format.channels == 2))
    return Kind::opus;
  return Kind::unsupported;
}

std::string unsupported(const CodecFormat& format) {
  return "no audio codec for " + format.encoding + "/" + std::to_string(format.clock_rate) + "/" +
         std::to_string(format.channels) + "; supported: PCMU/8000, PCMA/8000, opus/48000/2";
}

}  // namespace

std::unique_ptr<AudioEncoder> make_encoder(const CodecFormat& format, std::string& error) {
  switch (kind_of(format)) {
    case Kind::pcmu: return std::make_unique<G711Encoder>(G711Law::ulaw, format.ptime_ms);
    case Kind::pcma: return std::make_unique<G711Encoder>(G711Law::alaw, format.ptime_ms);
    case Kind::opus: {
      std::string failure;
      auto encoder = std::make_unique<OpusEncoder>(OpusEncoderSettings::from(format), failure);
      if (!failure.empty()) {
        error = failure;
        return nullptr;
      }
      return encoder;
    }
    case Kind::unsupported: break;
  }
  error = unsupported(format);
  return nullptr;
}

std::unique_ptr<AudioDecoder> make_decoder(const CodecFormat& format, std::string& error) {
  switch (kind_of(format)) {
    case Kind::pcmu: return std::make_unique<G711Decoder>(G711Law::ulaw);
    case Kind::pcma: return std::make_unique<G711Decoder>(G711Law::alaw);
    case Kind::opus: {
      // The peer's sprop-stereo says whether it is likely to send stereo.
      const bool stereo = parse_opus_fmtp(format.fmtp).sprop_stereo && format.channels == 2;
      std::string failure;
      auto decoder = std::make_unique<OpusDecoder>(stereo ? 2 : 1, opus_clock_rate, failure);
      if (!failure.empty()) {
        error = failure;
        return nullptr;
      }
      return decoder;
    }
    case Kind::unsupported: break;
  }
  error = unsupported(format);
  return nullptr;
}

}  // namespace cosip::media
