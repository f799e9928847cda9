// RFC 3550 §5.1 sender numbering (random start, continuity across hold and
// a clock-rate change) and §8 SSRC choice and collision.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "rtp/sender_clock.hpp"

using namespace cosip::rtp;
using std::chrono::milliseconds;

namespace {

const TimePoint t0{std::chrono::seconds(7)};

// Returns the given words in turn, then repeats the last.
RandomSource script(std::vector<std::uint32_t> words) {
  auto state = std::make_shared<std::pair<std::vector<std::uint32_t>, std::size_t>>(std::move(words), 0);
  return [state] {
    auto& [w, i] = *state;
    const std::uint32_t v = w[std::min(i, w.size() - 1)];
    ++i;
    return v;
  };
}

}  // namespace

TEST_CASE("SSRC, first sequence number and timestamp are drawn from the random source") {
  SenderClock c(8000, t0, script({0xCAFEBABE, 0x1234FFFF, 4294967200u}));
  CHECK(c.ssrc() == 0xCAFEBABE);
  CHECK(c.timestamp() == 4294967200u);
  const auto first = c.next_packet();
  CHECK(first.sequence == 0xFFFF);
  CHECK(first.marker);  // the first packet of the stream
  c.advance(160);
  const auto second = c.next_packet();
  CHECK(second.sequence == 0);  // wraps
  CHECK_FALSE(second.marker);
  CHECK(second.timestamp == 64u);  // 4294967200 + 160 wraps modulo 2^32

  SenderClock a(8000, t0, seeded_random(9));
  SenderClock b(8000, t0, seeded_random(9));
  SenderClock other(8000, t0, seeded_random(10));
  CHECK(a.ssrc() == b.ssrc());
  CHECK(a.timestamp() == b.timestamp());
  CHECK(a.ssrc() != other.ssrc());
}

TEST_CASE("the OS-seeded source differs between instances") {
  const RandomSource a = os_random();
  const RandomSource b = os_random();
  bool differ = false;
  for (int i = 0; i < 8; ++i) differ |= a() != b();  // equal 8 times: p = 2^-256
  CHECK(differ);
}

TEST_CASE("after hold the timestamp advances by the wall time that passed") {
  SenderClock c(8000, t0, script({1, 100, 1000}));
  for (int i = 0; i < 50; ++i) {  // one second of 20 ms packets
    c.next_packet();
    c.advance(160);
  }
  CHECK(c.timestamp() == 1000 + 8000);
  c.resume(t0 + milliseconds(5000));  // 4 s on hold beyond the media sent
  CHECK(c.timestamp() == 1000 + 40000);
  const auto p = c.next_packet();
  CHECK(p.marker);  // RFC 3551 §4.1: first packet after a pause
  CHECK(p.timestamp == 41000);
  CHECK(p.sequence == 150);  // the sequence number has no gap
}

TEST_CASE("resuming while media is ahead of the wall time does not move the timestamp") {
  SenderClock c(8000, t0, script({1, 100, 1000}));
  c.advance(8000);  // one second sent in a burst
  c.resume(t0 + milliseconds(400));
  CHECK(c.timestamp() == 9000);
  c.resume(t0 + milliseconds(1250));  // now 0.25 s behind the wall time
  CHECK(c.timestamp() == 9000 + 2000);
}

TEST_CASE("a codec clock-rate change keeps one timeline") {
  SenderClock c(8000, t0, script({1, 100, 1000}));
  c.advance(8000);                                    // 1 s at 8 kHz
  c.set_clock_rate(48000, t0 + milliseconds(1500));  // 0.5 s gap counted at 8 kHz
  CHECK(c.clock_rate() == 48000);
  CHECK(c.timestamp() == 1000 + 8000 + 4000);
  c.advance(960);                                     // 20 ms at 48 kHz
  c.resume(t0 + milliseconds(2000));                  // due at 1.52 s: 0.48 s at 48 kHz
  CHECK(c.timestamp() == 1000 + 8000 + 4000 + 960 + 23040);
}

TEST_CASE("SSRC choice avoids SSRCs in use; a collision picks a new one") {
  const std::uint32_t in_use[] = {5, 6};
  CHECK(choose_ssrc(script({5, 6, 5, 7}), in_use) == 7);

  SenderClock c(8000, t0, script({42, 1, 1, 42, 6, 99}));
  CHECK(c.ssrc() == 42);
  CHECK_FALSE(c.on_foreign_ssrc(43));
  CHECK(c.ssrc() == 42);
  const std::uint32_t seen[] = {6};
  CHECK(c.on_foreign_ssrc(42, seen));  // draws 42 (the old one) and 6 (in use), keeps 99
  CHECK(c.ssrc() == 99);
  CHECK(c.previous_ssrc() == 42);
}
