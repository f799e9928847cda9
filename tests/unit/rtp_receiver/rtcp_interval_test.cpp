// RFC 3550 §6.3 / A.7: the RTCP interval for given members and bandwidth,
// and the timer's reconsiderations, with a fixed random source.
#include <doctest/doctest.h>

#include <cmath>

#include "rtp/rtcp_interval.hpp"

using namespace cosip::rtp;

namespace {

const TimePoint t0{std::chrono::seconds(50)};
constexpr double compensation = 2.71828 - 1.5;

// A source whose words map to `unit` in [0, 1): 0.5 makes the random
// factor exactly 1.
RandomSource fixed(double unit) {
  return [unit] { return static_cast<std::uint32_t>(unit * 4294967296.0); };
}

TimePoint at(double seconds) {
  return t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double since_t0(TimePoint t) { return std::chrono::duration<double>(t - t0).count(); }

IntervalInputs inputs(std::uint32_t members, std::uint32_t senders, bool we_sent, bool initial, double avg) {
  IntervalInputs in;
  in.members = members;
  in.senders = senders;
  in.we_sent = we_sent;
  in.initial = initial;
  in.avg_rtcp_size = avg;
  return in;
}

}  // namespace

TEST_CASE("A.7 interval: 100 members, 2 senders, 64 kb/s, 100-octet reports") {
  const RtcpConfig config;  // 64 kb/s: RTCP gets 400 octets/s, receivers 300 of them
  const IntervalInputs in = inputs(100, 2, false, false, 100);
  // 98 receivers × 100 octets / 300 octets/s = 32.667 s, above the 5 s minimum.
  CHECK(deterministic_interval(config, in) == doctest::Approx(98.0 * 100 / 300));
  CHECK(randomized_interval(config, in, 0.5) == doctest::Approx(32.666667 / compensation));  // 26.81 s
  CHECK(randomized_interval(config, in, 0.0) == doctest::Approx(0.5 * 32.666667 / compensation));
  CHECK(randomized_interval(config, in, 0.999999) == doctest::Approx(1.5 * 32.666667 / compensation).epsilon(1e-5));
}

TEST_CASE("senders share a quarter of the RTCP bandwidth when they are few") {
  const RtcpConfig config;
  // 10 members, 1 sender: we send -> 100 octets/s among 1; we receive -> 300 among 9.
  CHECK(deterministic_interval(config, inputs(10, 1, true, false, 800)) == doctest::Approx(8.0));
  CHECK(deterministic_interval(config, inputs(10, 1, false, false, 800)) == doctest::Approx(24.0));
  // 10 members, 3 senders (more than a quarter): all share 400 octets/s.
  CHECK(deterministic_interval(config, inputs(10, 3, true, false, 800)) == doctest::Approx(20.0));
}

TEST_CASE("the minimum is 5 s, halved before the first report, or the reduced 360/kbps") {
  RtcpConfig config;
  CHECK(deterministic_interval(config, inputs(2, 0, false, false, 100)) == doctest::Approx(5.0));
  CHECK(deterministic_interval(config, inputs(2, 0, false, true, 100)) == doctest::Approx(2.5));
  config.session_bandwidth = 360000;
  config.reduced_minimum = true;
  CHECK(deterministic_interval(config, inputs(2, 0, false, false, 100)) == doctest::Approx(1.0));
  CHECK(deterministic_interval(config, inputs(2, 0, false, true, 100)) == doctest::Approx(0.5));
  // Below 72 kb/s the "reduced" minimum would exceed 5 s: 5 s stays.
  config.session_bandwidth = 36000;
  CHECK(deterministic_interval(config, inputs(2, 0, false, false, 10)) == doctest::Approx(5.0));
  // In multicast only senders may use it.
  config.session_bandwidth = 360000;
  config.multicast = true;
  CHECK(deterministic_interval(config, inputs(2, 0, false, false, 100)) == doctest::Approx(5.0));
  CHECK(deterministic_interval(config, inputs(2, 1, true, false, 100)) == doctest::Approx(1.0));
  config.minimum_interval = 2.0;
  config.reduced_minimum = false;
  CHECK(deterministic_interval(config, inputs(2, 0, false, false, 100)) == doctest::Approx(2.0));
}

TEST_CASE("the scheduler sends the first report after half the minimum, then every interval") {
  RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
  REQUIRE(s.next_timeout());
  const double first = 2.5 / compensation;  // 2.0521 s
  CHECK(since_t0(*s.next_timeout()) == doctest::Approx(first));
  const TimePoint fired = *s.next_timeout();
  CHECK(s.on_timeout(fired) == RtcpAction::send_report);
  CHECK_FALSE(s.next_timeout());  // until the size is known
  s.on_report_sent(260, fired);
  // avg = 260/16 + 100 × 15/16 = 110; minimum now the full 5 s.
  CHECK(s.inputs().avg_rtcp_size == doctest::Approx(110.0));
  CHECK_FALSE(s.inputs().initial);
  CHECK(since_t0(*s.next_timeout()) == doctest::Approx(first + 5.0 / compensation));
}

TEST_CASE("timer reconsideration: members that joined meanwhile push the report back") {
  RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
  CHECK(since_t0(*s.next_timeout()) == doctest::Approx(2.5 / compensation));
  s.set_members(100, 0, at(1.0));
  // At expiry T is recomputed: 100 × 100 / 300 = 33.33 s; tp + T is later than now.
  CHECK(s.on_timeout(*s.next_timeout()) == RtcpAction::none);
  CHECK(since_t0(*s.next_timeout()) == doctest::Approx(100.0 * 100 / 300 / compensation));
  CHECK(s.previous_members() == 100);
  CHECK(s.on_timeout(*s.next_timeout()) == RtcpAction::send_report);
}

TEST_CASE("reverse reconsideration: members leaving pull the next report forward") {
  RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
  s.set_members(100, 0, t0);
  const TimePoint tn = *s.next_timeout();
  CHECK(s.on_timeout(tn) == RtcpAction::none);  // reconsidered: pmembers = 100
  const double tn1 = since_t0(*s.next_timeout());  // 27.36 s
  // At 10 s, half the members leave: tn = 10 + 0.5 × (27.36 - 10), tp = 10 - 0.5 × (10 - 0).
  s.set_members(50, 0, at(10.0));
  CHECK(since_t0(*s.next_timeout()) == doctest::Approx(10.0 + 0.5 * (tn1 - 10.0)));
  CHECK(s.previous_members() == 50);
  // With tp moved back to 5 s, tp + T(50 members) = 5 + 13.68 s is that same
  // instant: the report goes then, not at 27.36 s.
  CHECK(s.on_timeout(*s.next_timeout() + std::chrono::milliseconds(1)) == RtcpAction::send_report);
}

TEST_CASE("BYE: none if nothing was sent, at once below 51 members, else reconsidered") {
  SUBCASE("never sent") {
    RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
    CHECK(s.leave(60, at(1.0)) == RtcpAction::none);
    CHECK(s.state() == RtcpScheduler::State::closed);
  }
  SUBCASE("small session") {
    RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
    s.set_we_sent(true);
    s.set_members(50, 1, at(1.0));
    CHECK(s.leave(60, at(1.0)) == RtcpAction::send_bye);
    CHECK(s.state() == RtcpScheduler::State::closed);
    CHECK_FALSE(s.next_timeout());
  }
  SUBCASE("large session") {
    RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
    s.set_we_sent(true);
    s.set_members(200, 1, at(1.0));
    CHECK(s.leave(60, at(1.0)) == RtcpAction::none);
    CHECK(s.state() == RtcpScheduler::State::leaving);
    // As a newcomer alone: initial, 1 member -> 2.5 s minimum.
    CHECK(since_t0(*s.next_timeout()) == doctest::Approx(1.0 + 2.5 / compensation));
    // 80 other members leave too: each BYE counts, other packets do not.
    for (int i = 0; i < 80; ++i) s.on_rtcp_received(60, true);
    s.on_rtcp_received(500, false);
    s.set_members(3, 0, at(1.5));  // ignored while leaving
    CHECK(s.inputs().members == 81);
    // 81 × 60 / 300 = 16.2 s > 2.5 s: the BYE waits.
    CHECK(s.on_timeout(*s.next_timeout()) == RtcpAction::none);
    const double tn = since_t0(*s.next_timeout());
    CHECK(tn == doctest::Approx(1.0 + 81.0 * 60 / 300 / compensation));
    CHECK(s.on_timeout(at(tn)) == RtcpAction::send_bye);
    CHECK(s.state() == RtcpScheduler::State::closed);
  }
}

TEST_CASE("received reports move the average size; members time out after 5 Td") {
  RtcpScheduler s(RtcpConfig{}, t0, fixed(0.5));
  s.on_rtcp_received(420, false);  // 420/16 + 100 × 15/16 = 120
  CHECK(s.inputs().avg_rtcp_size == doctest::Approx(120.0));
  s.set_members(3, 0, t0);
  // Td = max(5, 3 × 120 / 300) = 5 s, never the halved minimum.
  CHECK(std::chrono::duration<double>(s.member_timeout()).count() == doctest::Approx(25.0));
  // A receiver's Td even while we send: 100 members, 10 senders, we among
  // them: 90 × 120 / 300 = 36 s, not the senders' 10 × 120 / 100 = 12 s.
  s.set_we_sent(true);
  s.set_members(100, 10, t0);
  CHECK(std::chrono::duration<double>(s.member_timeout()).count() == doctest::Approx(5 * 36.0));
  // The reduced minimum never shortens it.
  RtcpConfig reduced;
  reduced.session_bandwidth = 360000;
  reduced.reduced_minimum = true;
  RtcpScheduler fast(reduced, t0, fixed(0.5));
  CHECK(std::chrono::duration<double>(fast.member_timeout()).count() == doctest::Approx(25.0));
}

TEST_CASE("a seeded source gives the same intervals twice, spread over [0.5, 1.5) Td") {
  RtcpScheduler a(RtcpConfig{}, t0, seeded_random(42));
  RtcpScheduler b(RtcpConfig{}, t0, seeded_random(42));
  CHECK(*a.next_timeout() == *b.next_timeout());
  const double low = 0.5 * 2.5 / compensation;
  const double high = 1.5 * 2.5 / compensation;
  CHECK(since_t0(*a.next_timeout()) >= low);
  CHECK(since_t0(*a.next_timeout()) < high);
}
