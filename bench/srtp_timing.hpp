// Shared by the SRTP benchmarks: the packets they protect and the timing
// loop. Header-only because it is compiled into two executables that link
// different libsrtp2 builds (their symbols collide).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace cosip::bench {

// 20 ms of Opus: a 12-byte RTP header (RFC 3550 §5.1) and 80 to 160 bytes.
inline constexpr std::size_t srtp_payloads[] = {80, 160};
inline constexpr const char* srtp_suites[] = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"};
inline constexpr std::size_t rtp_header_size = 12;

// RFC 3711 Appendix B.3's master key and salt; the GCM suite takes the first 28 bytes.
inline constexpr std::array<std::uint8_t, 30> bench_key_salt = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};

// An RTP packet with sequence number `seq`, PT 111, SSRC 0x0badcafe.
inline void write_rtp(std::uint8_t* p, std::uint16_t seq, std::size_t payload) {
  const std::uint8_t header[rtp_header_size] = {0x80, 111, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq),
                                                0, 0, 0x03, 0xc0, 0x0b, 0xad, 0xca, 0xfe};
  std::memcpy(p, header, sizeof header);
  std::memset(p + rtp_header_size, 0x5a, payload);
}

// Best ns per call of `op` over `repeats` runs of at least `min_seconds`;
// `op` returns false on failure, which aborts (a benchmark of failures is no benchmark).
template <class Op>
double best_ns(Op&& op, double min_seconds, int repeats) {
  using Clock = std::chrono::steady_clock;
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    std::size_t n = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (int i = 0; i < 256; ++i)
        if (!op()) std::abort();
      n += 256;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_seconds);
    best = std::min(best, elapsed * 1e9 / static_cast<double>(n));
  }
  return best;
}

}  // namespace cosip::bench
