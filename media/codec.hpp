// The audio codec interface: what the jitter buffer's playout, the call's
// audio stream and the benchmarks see of a codec. Samples are 16-bit linear
// PCM, interleaved when there is more than one channel; a "frame" is one
// sample per channel. Implementations: G.711 (media/g711_codec.hpp) and Opus
// (media/opus_codec.hpp); make_encoder / make_decoder pick one from the
// negotiated format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace cosip::media {

// A codec as negotiated in SDP (RFC 8866 a=rtpmap / a=fmtp).
struct CodecFormat {
  std::string encoding;     // "opus", "PCMU", "PCMA" (case-insensitive)
  int clock_rate = 8000;    // RTP clock rate (48000 for Opus, RFC 7587 §7)
  int channels = 1;
  std::string fmtp;         // the peer's a=fmtp parameters, "" for none
  int ptime_ms = 20;        // packetisation interval
};

class AudioDecoder {
 public:
  virtual ~AudioDecoder() = default;
  virtual int sample_rate() const = 0;  // of the PCM coming out
  virtual int channels() const = 0;

  // Frames in a payload, without decoding it; -1 when the payload is
  // malformed.
  virtual int frames_in(std::span<const std::uint8_t> payload) const = 0;
  // Decodes one RTP payload into `out`; returns the frames written, or -1
  // when the payload is malformed (nothing is written then, and the decoder
  // stays usable).
  virtual int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> out) = 0;
  // Packet loss concealment: `frames` of substitute audio for a lost packet.
  virtual int conceal(int frames, std::span<std::int16_t> out) = 0;
  // In-band FEC (Opus, RFC 7587 §3.3): recovers `frames` of the packet lost
  // just before `next_payload` from the redundancy inside it; 0 when the
  // codec or the payload has none (then conceal).
  virtual int recover(std::span<const std::uint8_t> next_payload, int frames, std::span<std::int16_t> out) = 0;
};

class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  virtual int sample_rate() const = 0;  // of the PCM going in
  virtual int channels() const = 0;
  virtual int frames_per_packet() const = 0;  // ptime's worth

  // Encodes exactly frames_per_packet() frames into `out`; returns the
  // payload's size, 0 when there is nothing to send (DTX), -1 on error.
  virtual int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) = 0;
};

// Null with `error` set (naming the format asked for and what is supported)
// when the format cannot be had.
std::unique_ptr<AudioEncoder> make_encoder(const CodecFormat& format, std::string& error);
std::unique_ptr<AudioDecoder> make_decoder(const CodecFormat& format, std::string& error);

}  // namespace cosip::media
