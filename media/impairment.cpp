#include "media/impairment.hpp"

#include <algorithm>
#include <cmath>

namespace cosip::media {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Xoshiro256::Xoshiro256(std::uint64_t seed) {
  for (auto& word : s_) word = splitmix64(seed);
}

std::uint64_t Xoshiro256::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Xoshiro256::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

NetworkImpairment::NetworkImpairment(const ImpairmentConfig& config, std::uint64_t seed)
    : config_(config), random_(seed) {}

Micros NetworkImpairment::delay() {
  double jitter_us = 0;
  const double u = random_.uniform();
  if (config_.pareto_share > 0 && random_.chance(config_.pareto_share)) {
    // Inverse transform: x_m / (1 - u)^(1/alpha), 1 - u in (0, 1].
    const double scale = static_cast<double>((config_.pareto_scale.count() > 0 ? config_.pareto_scale : config_.jitter).count());
    jitter_us = scale / std::pow(1.0 - u, 1.0 / config_.pareto_alpha);
  } else if (config_.jitter.count() > 0) {
    jitter_us = -static_cast<double>(config_.jitter.count()) * std::log1p(-u);  // exponential
  }
  jitter_us = std::min(jitter_us, static_cast<double>(config_.max_jitter.count()));
  return config_.base_delay + Micros(static_cast<std::int64_t>(jitter_us));
}

int NetworkImpairment::transmit(Micros send, std::array<Micros, 2>& arrivals) {
  // Every draw happens whatever the outcome, so one impairment's setting
  // does not shift the others' random numbers.
  bool lost = random_.chance(config_.random_loss);
  if (config_.bursty) {
    const GilbertElliott& ge = config_.burst;
    bad_state_ = bad_state_ ? !random_.chance(ge.r) : random_.chance(ge.p);
    if (random_.chance(bad_state_ ? ge.loss_bad : ge.loss_good)) lost = true;
  }
  const bool held = random_.chance(config_.reorder);
  const bool twice = random_.chance(config_.duplicate);
  const Micros first = delay();
  const Micros second = delay();
  if (lost) return 0;
  const auto left = Micros(static_cast<std::int64_t>(
      std::llround(static_cast<double>(send.count()) / (1.0 + config_.drift_ppm * 1e-6))));
  arrivals[0] = left + first + (held ? config_.reorder_delay : Micros(0));
  if (!twice) return 1;
  arrivals[1] = arrivals[0] + config_.duplicate_delay + (second - config_.base_delay) / 4;
  return 2;
}

std::vector<Delivery> impair_stream(const ImpairmentConfig& config, std::uint64_t seed, std::size_t count,
                                    Micros interval) {
  NetworkImpairment network(config, seed);
  std::vector<Delivery> out;
  out.reserve(count + count / 8);
  std::array<Micros, 2> arrivals{};
  for (std::size_t i = 0; i < count; ++i) {
    const Micros send = interval * static_cast<std::int64_t>(i);
    const int n = network.transmit(send, arrivals);
    for (int k = 0; k < n; ++k) out.push_back(Delivery{i, send, arrivals[static_cast<std::size_t>(k)]});
  }
  std::stable_sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.arrival < b.arrival;
  });
  return out;
}

ImpairmentConfig trace_preset(TracePreset preset) {
  ImpairmentConfig c;
  c.base_delay = Micros(30000);
  switch (preset) {
    case TracePreset::clean_10ms:
      c.jitter = Micros(10000);
      break;
    case TracePreset::random_loss_40ms:
      c.jitter = Micros(40000);
      c.random_loss = 0.05;
      break;
    case TracePreset::bursty_loss_80ms:
      c.jitter = Micros(80000);
      c.pareto_share = 0.05;
      c.pareto_alpha = 1.5;
      c.bursty = true;
      // 10 % stationary loss, bursts of 1/r = 3.3 packets: p / (p + r) = 0.1.
      c.burst.r = 0.3;
      c.burst.p = 0.3 / 9;
      c.burst.loss_good = 0;
      c.burst.loss_bad = 1;
      break;
  }
  return c;
}

const char* to_string(TracePreset preset) {
  switch (preset) {
    case TracePreset::clean_10ms: return "0% loss, 10 ms jitter";
    case TracePreset::random_loss_40ms: return "5% random loss, 40 ms jitter";
    case TracePreset::bursty_loss_80ms: return "10% bursty loss, 80 ms jitter, Pareto tail";
  }
  return "?";
}

}  // namespace cosip::media
