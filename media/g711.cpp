#include "media/g711.hpp"

#include <algorithm>
#include <array>

namespace cosip::media {
namespace {

// Both laws are piecewise linear over eight segments whose step doubles
// from one segment to the next; the code is sign, segment (3 bits) and the
// position in the segment (4 bits).
constexpr int ulaw_bias = 0x84;     // 132: moves segment 0 to start at 0
constexpr int ulaw_clip = 32635;    // keeps sample + bias within 15 bits

constexpr std::array<std::int16_t, 256> ulaw_table = [] {
  std::array<std::int16_t, 256> t{};
  for (int code = 0; code < 256; ++code) {
    const int u = ~code & 0xff;
    const int segment = (u >> 4) & 7;
    const int magnitude = (((u & 0x0f) << 3) + ulaw_bias) << segment;
    t[code] = static_cast<std::int16_t>((u & 0x80) ? ulaw_bias - magnitude : magnitude - ulaw_bias);
  }
  return t;
}();

constexpr std::array<std::int16_t, 256> alaw_table = [] {
  std::array<std::int16_t, 256> t{};
  for (int code = 0; code < 256; ++code) {
    const int a = code ^ 0x55;  // even bits are inverted on the wire
    const int segment = (a >> 4) & 7;
    int magnitude = (a & 0x0f) << 4;
    magnitude = segment == 0 ? magnitude + 8 : (magnitude + 0x108) << (segment - 1);
    t[code] = static_cast<std::int16_t>((a & 0x80) ? magnitude : -magnitude);
  }
  return t;
}();

}  // namespace

std::uint8_t linear_to_ulaw(std::int16_t sample) {
  // Biased magnitude; segment i holds magnitudes up to (0x100 << i) - 1.
  int value = std::min(sample < 0 ? -int{sample} : int{sample}, ulaw_clip) + ulaw_bias;
  int segment = 0;
  while (segment < 7 && value > (0x100 << segment) - 1) ++segment;
  const int code = (segment << 4) | ((value >> (segment + 3)) & 0x0f);
  // Transmitted inverted; the sign bit set means positive.
  return static_cast<std::uint8_t>(code ^ (sample < 0 ? 0x7f : 0xff));
}

std::int16_t ulaw_to_linear(std::uint8_t code) { return ulaw_table[code]; }

std::uint8_t linear_to_alaw(std::int16_t sample) {
  // A-law quantises 13 bits; the negative side is folded onto 0..4095 too.
  int value = sample >> 3;
  const bool negative = value < 0;
  if (negative) value = -value - 1;
  int code = 0x7f;  // clipped
  if (value <= 0xfff) {
    // Segment i holds magnitudes up to (0x20 << i) - 1; 0 and 1 share a step.
    int segment = 0;
    while (value > (0x20 << segment) - 1) ++segment;
    code = (segment << 4) | ((value >> (segment < 2 ? 1 : segment)) & 0x0f);
  }
  // Even bits are inverted on the wire; the sign bit set means positive.
  return static_cast<std::uint8_t>(code ^ (negative ? 0x55 : 0xd5));
}

std::int16_t alaw_to_linear(std::uint8_t code) { return alaw_table[code]; }

std::size_t g711_encode(G711Law law, std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = law == G711Law::ulaw ? linear_to_ulaw(in[i]) : linear_to_alaw(in[i]);
  return n;
}

std::size_t g711_decode(G711Law law, std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  const auto& table = law == G711Law::ulaw ? ulaw_table : alaw_table;
  for (std::size_t i = 0; i < n; ++i) out[i] = table[in[i]];
  return n;
}

}  // namespace cosip::media
