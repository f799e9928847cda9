// G.711 (ITU-T G.711, RTP payload types 0 PCMU and 8 PCMA, RFC 3551 §4.5.14):
// 16-bit linear PCM to and from 8-bit mu-law and A-law, one sample per byte.
// Every byte is a valid code, so decoding cannot fail; any payload size is
// one sample per byte.
#pragma once

#include <cstdint>
#include <span>

namespace cosip::media {

std::uint8_t linear_to_ulaw(std::int16_t sample);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t sample);
std::int16_t alaw_to_linear(std::uint8_t code);

enum class G711Law { ulaw, alaw };

// Encodes min(in, out) samples; returns how many were written.
std::size_t g711_encode(G711Law law, std::span<const std::int16_t> in, std::span<std::uint8_t> out);
// Decodes min(in, out) codes; returns how many samples were written.
std::size_t g711_decode(G711Law law, std::span<const std::uint8_t> in, std::span<std::int16_t> out);

}  // namespace cosip::media
