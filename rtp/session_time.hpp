// Time as the RTP cores see it: an input, never read from a clock inside.
#pragma once

#include <chrono>
#include <cstdint>

namespace cosip::rtp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// A span of wall time in units of a media clock (rounded down). Whole
// seconds and the remainder apart, so that the product never overflows.
inline std::int64_t to_clock_units(std::chrono::nanoseconds d, std::uint32_t clock_rate) {
  const std::int64_t ns = d.count();
  return ns / 1'000'000'000 * clock_rate + ns % 1'000'000'000 * clock_rate / 1'000'000'000;
}

// The reverse: `units` of a media clock as wall time (rounded down).
inline std::chrono::nanoseconds from_clock_units(std::uint64_t units, std::uint32_t clock_rate) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(units / clock_rate) * 1'000'000'000 +
                                  static_cast<std::int64_t>(units % clock_rate) * 1'000'000'000 / clock_rate);
}

}  // namespace cosip::rtp
