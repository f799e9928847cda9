// A network impairment simulator, pure and seeded: it gives each packet sent
// at a time of the sender's clock its arrival times at the receiver (none
// when lost, two when duplicated), so the jitter buffer's tests and its
// benchmark replay the same trace on every machine. Impairments: random
// (Bernoulli) loss, Gilbert-Elliott burst loss, a base delay plus
// exponential jitter with an optional Pareto tail, an explicit reordering
// hold-back, duplication, and a sender clock running N ppm fast or slow.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cosip::media {

using Micros = std::chrono::microseconds;

// xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64: the
// same numbers everywhere, which std:: distributions do not promise.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed);
  std::uint64_t next();
  double uniform();  // in [0, 1), 53 bits
  bool chance(double probability) { return uniform() < probability; }

 private:
  std::array<std::uint64_t, 4> s_;
};

// The two-state burst loss model of Gilbert (1960) and Elliott (1963), as
// RFC 3611 §4.7.2 summarises it: a good and a bad state, each with its own
// loss probability; p is the chance per packet to go from good to bad, r
// from bad to good. The stationary loss rate is
// (r * loss_good + p * loss_bad) / (p + r); bursts last 1/r packets on average.
struct GilbertElliott {
  double p = 0;
  double r = 1;
  double loss_good = 0;
  double loss_bad = 1;
};

struct ImpairmentConfig {
  Micros base_delay{20000};  // the smallest one-way delay
  // Jitter added to the base delay: exponential with this mean (so the
  // mean |D(i-1,i)| of RFC 3550 §6.4.1 between independent packets is
  // about this too), or, for a share of the packets, Pareto with scale
  // pareto_scale (jitter when zero) and shape pareto_alpha; never more
  // than max_jitter.
  Micros jitter{0};
  double pareto_share = 0;
  double pareto_alpha = 1.5;
  Micros pareto_scale{0};
  Micros max_jitter{2000000};
  double random_loss = 0;  // Bernoulli, per packet
  bool bursty = false;     // Gilbert-Elliott loss as well
  GilbertElliott burst;
  double reorder = 0;      // chance a packet is held back by reorder_delay
  Micros reorder_delay{30000};
  double duplicate = 0;    // chance a packet arrives twice
  Micros duplicate_delay{5000};
  // The sender's clock runs this fast (positive) or slow against the
  // receiver's: a packet stamped t on it leaves at t / (1 + ppm 1e-6).
  double drift_ppm = 0;
};

class NetworkImpairment {
 public:
  NetworkImpairment(const ImpairmentConfig& config, std::uint64_t seed);

  // One packet sent at `send` (sender's clock): writes its arrival times in
  // the receiver's clock into `arrivals` and returns how many (0, 1 or 2).
  int transmit(Micros send, std::array<Micros, 2>& arrivals);

  // The one-way delay of one copy, base included.
  Micros delay();

 private:
  ImpairmentConfig config_;
  Xoshiro256 random_;
  bool bad_state_ = false;
};

// One arrival of a stream's packet.
struct Delivery {
  std::size_t packet = 0;  // index in the stream, 0 first
  Micros send{0};          // sender's clock: packet * interval
  Micros arrival{0};       // receiver's clock
};

// A stream of `count` packets, one every `interval` of the sender's clock
// from 0, through the impairment: its deliveries in order of arrival (ties
// by packet index).
std::vector<Delivery> impair_stream(const ImpairmentConfig& config, std::uint64_t seed, std::size_t count,
                                    Micros interval);

// The benchmark's three traces (issue 6): (a) no loss, 10 ms jitter;
// (b) 5 % random loss, 40 ms jitter; (c) 10 % Gilbert-Elliott bursts
// (mean burst 3 packets), 80 ms jitter with a 5 % Pareto tail.
enum class TracePreset { clean_10ms, random_loss_40ms, bursty_loss_80ms };
ImpairmentConfig trace_preset(TracePreset preset);
const char* to_string(TracePreset preset);

}  // namespace cosip::media
