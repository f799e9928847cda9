// The randomness the RTP cores draw from (RFC 3550 §5.1 initial sequence
// number and timestamp, §8.1 SSRC, §6.3.1 interval randomisation). Injected
// so that tests can fix it; never a global generator.
#pragma once

#include <cstdint>
#include <functional>

namespace cosip::rtp {

// Uniformly distributed 32-bit words.
using RandomSource = std::function<std::uint32_t()>;

// A generator seeded from the OS (std::random_device).
RandomSource os_random();
// A deterministic generator: the same seed gives the same words.
RandomSource seeded_random(std::uint64_t seed);

// A word mapped to [0, 1).
inline double unit_interval(std::uint32_t word) { return static_cast<double>(word) / 4294967296.0; }

}  // namespace cosip::rtp
