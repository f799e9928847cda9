// The timer values of RFC 3261 §17.1.1.1 and Table 4; every other timer
// derives from T1, T2 and T4.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>

namespace cosip::sip {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

struct TimerConfig {
  Duration t1{500};   // RTT estimate
  Duration t2{4000};  // maximum retransmit interval of non-INVITE requests and INVITE responses
  Duration t4{5000};  // maximum time a message stays in the network

  Duration timer_b() const { return 64 * t1; }       // INVITE transaction timeout
  Duration timer_d() const { return Duration{32000} > 64 * t1 ? Duration{32000} : 64 * t1; }
  Duration timer_f() const { return 64 * t1; }       // non-INVITE transaction timeout
  Duration timer_h() const { return 64 * t1; }       // wait time for ACK receipt
  Duration timer_j() const { return 64 * t1; }       // wait time for non-INVITE retransmissions
  Duration timer_l() const { return 64 * t1; }       // RFC 6026: accepted INVITE server transaction
  Duration timer_m() const { return 64 * t1; }       // RFC 6026: accepted INVITE client transaction
};

// The earliest of a state machine's armed timers.
inline std::optional<TimePoint> earliest(std::initializer_list<std::optional<TimePoint>> timers) {
  std::optional<TimePoint> next;
  for (const auto& t : timers)
    if (t && (!next || *t < *next)) next = t;
  return next;
}

}  // namespace cosip::sip
