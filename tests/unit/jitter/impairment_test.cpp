// The network impairment simulator: the same seed gives the same trace, and
// its loss, burst, jitter, duplication and drift match the configuration.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "media/impairment.hpp"

using namespace cosip::media;

namespace {

constexpr Micros ptime{20000};

bool same(const std::vector<Delivery>& a, const std::vector<Delivery>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const Delivery& x, const Delivery& y) {
           return x.packet == y.packet && x.send == y.send && x.arrival == y.arrival;
         });
}

std::size_t unique_packets(const std::vector<Delivery>& trace) {
  std::set<std::size_t> s;
  for (const Delivery& d : trace) s.insert(d.packet);
  return s.size();
}

}  // namespace

TEST_CASE("xoshiro256**: fixed numbers for a fixed seed, uniform in [0, 1)") {
  Xoshiro256 a(42), b(42), c(43);
  const std::uint64_t first = a.next();
  CHECK(first == b.next());
  CHECK(first != c.next());
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = a.uniform();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
    sum += u;
  }
  CHECK(sum / 100000 == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("the same seed gives the same trace, another seed another") {
  for (const TracePreset p : {TracePreset::clean_10ms, TracePreset::random_loss_40ms, TracePreset::bursty_loss_80ms}) {
    CAPTURE(to_string(p));
    const auto a = impair_stream(trace_preset(p), 7, 5000, ptime);
    const auto b = impair_stream(trace_preset(p), 7, 5000, ptime);
    const auto c = impair_stream(trace_preset(p), 8, 5000, ptime);
    CHECK(same(a, b));
    CHECK_FALSE(same(a, c));
    CHECK(std::is_sorted(a.begin(), a.end(), [](const Delivery& x, const Delivery& y) { return x.arrival < y.arrival; }));
  }
}

TEST_CASE("random loss and jitter match the configuration") {
  const ImpairmentConfig c = trace_preset(TracePreset::random_loss_40ms);
  const std::size_t n = 200000;
  const auto trace = impair_stream(c, 1, n, ptime);
  const double loss = 1.0 - static_cast<double>(trace.size()) / n;
  CHECK(loss == doctest::Approx(0.05).epsilon(0.05));
  double jitter = 0, least = 1e18;
  for (const Delivery& d : trace) {
    const double delay = static_cast<double>((d.arrival - d.send).count());
    least = std::min(least, delay);
    jitter += delay - static_cast<double>(c.base_delay.count());
  }
  CHECK(least >= static_cast<double>(c.base_delay.count()));
  CHECK(jitter / static_cast<double>(trace.size()) == doctest::Approx(40000).epsilon(0.02));
  // Independent exponential delays with mean 40 ms, 20 ms apart, overtake
  // each other often: reordering comes from jitter alone.
  std::size_t out_of_order = 0;
  for (std::size_t i = 1; i < trace.size(); ++i) out_of_order += trace[i].packet < trace[i - 1].packet;
  CHECK(out_of_order > n / 10);
}

TEST_CASE("Gilbert-Elliott loss: the stationary rate and the mean burst length") {
  const ImpairmentConfig c = trace_preset(TracePreset::bursty_loss_80ms);
  const std::size_t n = 300000;
  const auto trace = impair_stream(c, 2, n, ptime);
  std::vector<bool> arrived(n, false);
  for (const Delivery& d : trace) arrived[d.packet] = true;
  std::size_t lost = 0, bursts = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (arrived[i]) continue;
    ++lost;
    if (i == 0 || arrived[i - 1]) ++bursts;
  }
  CHECK(static_cast<double>(lost) / n == doctest::Approx(0.10).epsilon(0.05));
  CHECK(static_cast<double>(lost) / static_cast<double>(bursts) == doctest::Approx(1 / 0.3).epsilon(0.05));
}

TEST_CASE("Pareto tail: the share of very late packets") {
  ImpairmentConfig c;
  c.base_delay = Micros(10000);
  c.jitter = Micros(10000);
  c.pareto_share = 0.1;
  c.pareto_alpha = 2;
  c.pareto_scale = Micros(50000);
  const std::size_t n = 200000;
  const auto trace = impair_stream(c, 3, n, ptime);
  // Exponential with mean 10 ms passes 200 ms with chance e^-20; the tail
  // passes it with chance (50/200)^2.
  std::size_t beyond = 0;
  for (const Delivery& d : trace) beyond += (d.arrival - d.send - c.base_delay) > Micros(200000);
  CHECK(static_cast<double>(beyond) / n == doctest::Approx(0.1 / 16).epsilon(0.1));
}

TEST_CASE("duplication, explicit reordering and clock drift") {
  ImpairmentConfig c;
  c.base_delay = Micros(20000);
  c.duplicate = 0.1;
  c.reorder = 0.05;
  c.reorder_delay = Micros(50000);
  const std::size_t n = 100000;
  const auto trace = impair_stream(c, 4, n, ptime);
  CHECK(unique_packets(trace) == n);
  CHECK(static_cast<double>(trace.size() - n) / n == doctest::Approx(0.1).epsilon(0.05));
  std::size_t held = 0;
  for (const Delivery& d : trace) held += d.arrival - d.send >= Micros(70000) && d.arrival - d.send < Micros(75000);
  CHECK(static_cast<double>(held) / static_cast<double>(trace.size()) == doctest::Approx(0.05).epsilon(0.1));

  ImpairmentConfig fast;
  fast.drift_ppm = 500;
  const auto drifted = impair_stream(fast, 5, 15001, ptime);  // 300 s
  // The sender's 300 s last 300 / (1 + 500e-6) s here: 150 ms less.
  const auto last = drifted.back().arrival - drifted.back().send;
  CHECK((last - fast.base_delay).count() == doctest::Approx(-149925).epsilon(0.001));
}
