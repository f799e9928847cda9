// RFC 3550 A.1 sequence validation, A.3 loss counts, A.8 jitter and the
// LSR/DLSR fields, each on numbers worked by hand.
#include <doctest/doctest.h>

#include "rtp/receiver_statistics.hpp"

using namespace cosip::rtp;
using std::chrono::milliseconds;

namespace {

const TimePoint t0{std::chrono::seconds(1000)};

// Feeds `seq` with a timestamp and arrival that do not matter to the test.
SequenceVerdict feed(ReceiverStatistics& s, std::uint16_t seq) { return s.on_packet(seq, 0, t0); }

}  // namespace

TEST_CASE("a new source is on probation until two packets arrive in sequence") {
  ReceiverStatistics s(0x1234, 8000);
  CHECK(feed(s, 100) == SequenceVerdict::probation);
  CHECK_FALSE(s.validated());
  CHECK(feed(s, 105) == SequenceVerdict::probation);  // not sequential: probation starts over
  CHECK(feed(s, 106) == SequenceVerdict::valid);
  CHECK(s.validated());
  // A.1: counting starts at the packet that ended probation.
  CHECK(s.base_sequence() == 106);
  CHECK(s.received() == 1);
  CHECK(s.expected() == 1);
  CHECK(s.extended_highest_sequence() == 106);
}

TEST_CASE("only validated packets are for delivery") {
  CHECK_FALSE(deliverable(SequenceVerdict::probation));
  CHECK_FALSE(deliverable(SequenceVerdict::jump));
  CHECK(deliverable(SequenceVerdict::valid));
  CHECK(deliverable(SequenceVerdict::late));
  CHECK(deliverable(SequenceVerdict::restarted));
}

TEST_CASE("probation accepts 0 after 65535") {
  ReceiverStatistics s(1, 8000);
  CHECK(feed(s, 65535) == SequenceVerdict::probation);
  CHECK(feed(s, 0) == SequenceVerdict::valid);
  CHECK(s.extended_highest_sequence() == 0);
}

TEST_CASE("the sequence number wraps at 65535 into a new cycle") {
  ReceiverStatistics s(1, 8000);
  CHECK(feed(s, 65533) == SequenceVerdict::probation);
  for (std::uint16_t seq : {65534, 65535, 0, 1, 2}) CHECK(feed(s, seq) == SequenceVerdict::valid);
  CHECK(s.cycles() == 1);
  CHECK(s.extended_highest_sequence() == 65536 + 2);
  CHECK(s.expected() == 65538 - 65534 + 1);  // 5
  CHECK(s.received() == 5);
  CHECK(s.cumulative_lost() == 0);
  const ReportBlock r = s.make_report(t0);
  CHECK(r.extended_highest_sequence == 0x00010002);
  CHECK(r.fraction_lost == 0);
}

TEST_CASE("a burst of loss shows in the cumulative count and the interval's fraction") {
  ReceiverStatistics s(7, 8000);
  feed(s, 1);
  for (std::uint16_t seq = 2; seq <= 10; ++seq) feed(s, seq);
  ReportBlock r = s.make_report(t0);
  CHECK(r.fraction_lost == 0);
  CHECK(r.cumulative_lost == 0);
  // 11..20 lost, 21..30 arrive.
  for (std::uint16_t seq = 21; seq <= 30; ++seq) CHECK(feed(s, seq) == SequenceVerdict::valid);
  CHECK(s.expected() == 29);  // 2..30
  CHECK(s.received() == 19);
  r = s.make_report(t0);
  // Interval: expected 20 (11..30), received 10: 10/20 = 128/256.
  CHECK(r.fraction_lost == 128);
  CHECK(r.cumulative_lost == 10);
  CHECK(r.extended_highest_sequence == 30);
  CHECK(r.ssrc == 7);
  // The next interval with no loss reports 0 again, the total stays.
  feed(s, 31);
  r = s.make_report(t0);
  CHECK(r.fraction_lost == 0);
  CHECK(r.cumulative_lost == 10);
}

TEST_CASE("reordered packets are counted, not lost") {
  ReceiverStatistics s(1, 8000);
  feed(s, 1);
  CHECK(feed(s, 2) == SequenceVerdict::valid);
  CHECK(feed(s, 3) == SequenceVerdict::valid);
  CHECK(feed(s, 5) == SequenceVerdict::valid);
  ReportBlock r = s.make_report(t0);
  CHECK(r.cumulative_lost == 1);  // 4 is missing so far
  CHECK(r.fraction_lost == 64);   // 1 of 4
  CHECK(feed(s, 4) == SequenceVerdict::late);
  CHECK(feed(s, 6) == SequenceVerdict::valid);
  r = s.make_report(t0);
  CHECK(r.cumulative_lost == 0);
  CHECK(r.fraction_lost == 0);  // 1 expected, 2 received: no loss in the interval
  CHECK(r.extended_highest_sequence == 6);
}

TEST_CASE("a late packet from before a wrap does not count a cycle") {
  ReceiverStatistics s(1, 8000);
  feed(s, 65533);
  feed(s, 65534);
  feed(s, 0);  // 65535 missing
  CHECK(s.cycles() == 1);
  CHECK(feed(s, 65535) == SequenceVerdict::late);
  CHECK(s.cycles() == 1);
  CHECK(s.extended_highest_sequence() == 65536);
  CHECK(s.cumulative_lost() == 0);
}

TEST_CASE("duplicates make the cumulative loss negative") {
  ReceiverStatistics s(1, 8000);
  feed(s, 1);
  feed(s, 2);
  feed(s, 3);
  CHECK(feed(s, 3) == SequenceVerdict::late);
  CHECK(s.expected() == 2);
  CHECK(s.received() == 3);
  CHECK(s.cumulative_lost() == -1);
  CHECK(s.make_report(t0).fraction_lost == 0);
}

TEST_CASE("a large jump is held back until the next packet confirms a restart") {
  ReceiverStatistics s(1, 8000);
  feed(s, 10);
  feed(s, 11);
  feed(s, 12);
  // 5000 - 12 = 4988 >= MAX_DROPOUT: not believed yet.
  CHECK(feed(s, 5000) == SequenceVerdict::jump);
  CHECK(feed(s, 13) == SequenceVerdict::valid);  // the stream goes on as before
  CHECK(s.extended_highest_sequence() == 13);
  CHECK(feed(s, 7000) == SequenceVerdict::jump);
  CHECK(feed(s, 7001) == SequenceVerdict::restarted);  // two sequential: re-sync
  CHECK(s.base_sequence() == 7001);
  CHECK(s.received() == 1);
  CHECK(s.expected() == 1);
  CHECK(feed(s, 7002) == SequenceVerdict::valid);
  CHECK(s.cumulative_lost() == 0);
}

TEST_CASE("a step back of MAX_MISORDER or more is a jump, less is a late packet") {
  ReceiverStatistics s(1, 8000);
  feed(s, 1000);
  feed(s, 1001);
  CHECK(feed(s, 1001 - 99) == SequenceVerdict::late);    // udelta = 65437
  CHECK(feed(s, 1001 - 100) == SequenceVerdict::jump);   // udelta = 65436 = 65536 - MAX_MISORDER
}

TEST_CASE("a loss of 2999 per packet clamps the cumulative loss at 0x7FFFFF") {
  ReceiverStatistics s(1, 8000);
  std::uint16_t seq = 0;
  feed(s, seq);
  feed(s, ++seq);
  for (int i = 0; i < 3000; ++i) {
    seq = static_cast<std::uint16_t>(seq + 2999);
    REQUIRE(feed(s, seq) == SequenceVerdict::valid);
  }
  CHECK(s.expected() == 1 + 3000LL * 2999);
  CHECK(s.cumulative_lost() == 0x7FFFFF);  // 8 994 000 lost
  CHECK(s.make_report(t0).fraction_lost == 255);  // 2998/2999 of 256, rounded down
}

TEST_CASE("duplicates beyond 2^23 clamp the cumulative loss at -0x800000") {
  ReceiverStatistics s(1, 8000);
  feed(s, 0);
  feed(s, 1);
  for (int i = 0; i < 0x800001; ++i) s.on_packet(1, 0, t0);
  CHECK(s.cumulative_lost() == -0x800000);
}

TEST_CASE("interarrival jitter follows A.8 on a known arrival pattern") {
  // 8 kHz, 20 ms packets (160 units); delays 0, 0, 10, 0, 10 ms: after the
  // first counted packet each transit differs from the previous by 80 units.
  ReceiverStatistics s(1, 8000);
  const int delay_ms[] = {0, 0, 10, 0, 10};
  const std::uint32_t ts0 = 4000000000u;  // wraps during the run: must not matter
  std::uint32_t jitter[5] = {};
  for (int i = 0; i < 5; ++i) {
    s.on_packet(static_cast<std::uint16_t>(i), ts0 + 160u * i, t0 + milliseconds(20 * i + delay_ms[i]));
    jitter[i] = s.jitter();
  }
  // J += (|D| - J) / 16 kept scaled by 16: 80 -> 5, 155 -> 9, 225 -> 14.
  CHECK(jitter[1] == 0);
  CHECK(jitter[2] == 5);
  CHECK(jitter[3] == 9);
  CHECK(jitter[4] == 14);
  CHECK(s.make_report(t0).jitter == 14);
}

TEST_CASE("jitter converges to the alternating delay and is zero for a steady stream") {
  ReceiverStatistics steady(1, 48000);
  for (int i = 0; i < 200; ++i)
    steady.on_packet(static_cast<std::uint16_t>(i), 960u * i, t0 + milliseconds(20 * i + 35));
  CHECK(steady.jitter() == 0);

  ReceiverStatistics wobbly(1, 48000);
  for (int i = 0; i < 400; ++i)
    wobbly.on_packet(static_cast<std::uint16_t>(i), 960u * i, t0 + milliseconds(20 * i + (i % 2) * 5));
  // |D| = 5 ms = 240 units each time; J tends to 240 (from below, integer form).
  CHECK(wobbly.jitter() >= 230);
  CHECK(wobbly.jitter() <= 240);
}

TEST_CASE("LSR and DLSR come from the last sender report") {
  ReceiverStatistics s(1, 8000);
  feed(s, 1);
  feed(s, 2);
  ReportBlock r = s.make_report(t0);
  CHECK(r.last_sr == 0);
  CHECK(r.delay_since_last_sr == 0);
  s.on_sender_report(0x0123456789ABCDEFull, t0);
  r = s.make_report(t0 + milliseconds(1500));
  CHECK(r.last_sr == 0x456789AB);
  CHECK(r.delay_since_last_sr == 98304);  // 1.5 s × 65536
}

TEST_CASE("configured limits replace the RFC's constants") {
  SequenceLimits limits;
  limits.min_sequential = 3;
  limits.max_dropout = 10;
  ReceiverStatistics s(1, 8000, limits);
  CHECK(feed(s, 1) == SequenceVerdict::probation);
  CHECK(feed(s, 2) == SequenceVerdict::probation);
  CHECK(feed(s, 3) == SequenceVerdict::valid);
  CHECK(feed(s, 12) == SequenceVerdict::valid);  // a gap of 9 < 10
  CHECK(feed(s, 22) == SequenceVerdict::jump);   // a gap of 10
}
