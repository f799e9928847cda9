// The adaptive jitter buffer driven through the impairment simulator on a
// virtual clock, with a decoder whose payloads name their packet, so each
// test sees exactly what was played, concealed and recovered.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "media/impairment.hpp"
#include "media/jitter_buffer.hpp"
#include "tests/unit/jitter/test_decoder.hpp"

using namespace cosip::media;
using cosip::test::IndexDecoder;
using Kind = IndexDecoder::Kind;

namespace {

constexpr Micros ptime{20000};

// How each packet is stamped: a sender may jump its timestamp, change SSRC
// or pause (DTX) while the index keeps counting.
struct Stamp {
  std::uint16_t sequence_number;
  std::uint32_t timestamp;
  std::uint32_t ssrc;
  bool marker = false;
};
using Stamper = std::function<Stamp(std::size_t index)>;

Stamp plain(std::size_t i) {
  return Stamp{static_cast<std::uint16_t>(1000 + i), static_cast<std::uint32_t>(0xfffff000u + 160 * i), 0x1234};
}

struct Run {
  IndexDecoder decoder;
  JitterBuffer buffer;
  std::vector<std::int16_t> frame;
  Micros now{0};
  std::vector<Micros> delays;   // current delay after each tick
  std::vector<Micros> targets;

  explicit Run(const JitterBufferConfig& config = JitterBufferConfig{}, bool fec = false)
      : decoder(8000, 160), buffer(decoder, config), frame(160), fec_(fec) {}

  // Plays `trace` on a virtual clock ticking every 20 ms from `phase`, then
  // `tail` more ticks.
  void play(const std::vector<Delivery>& trace, const Stamper& stamp = plain, Micros phase = Micros(7000),
            int tail = 50) {
    std::size_t next = 0;
    now = phase;
    const Micros end = (trace.empty() ? Micros(0) : trace.back().arrival) + ptime * tail;
    while (now < end) {
      for (; next < trace.size() && trace[next].arrival <= now; ++next) push(trace[next], stamp);
      buffer.pull(TimePoint(now), frame);
      delays.push_back(buffer.statistics().current_delay);
      targets.push_back(buffer.statistics().target_delay);
      now += ptime;
    }
  }

  void push(const Delivery& d, const Stamper& stamp) {
    const auto payload = IndexDecoder::payload(static_cast<std::uint32_t>(d.packet), fec_);
    const Stamp s = stamp(d.packet);
    RtpAudioPacket p;
    p.sequence_number = s.sequence_number;
    p.timestamp = s.timestamp;
    p.ssrc = s.ssrc;
    p.marker = s.marker;
    p.payload = payload;
    buffer.push(p, TimePoint(d.arrival));
  }

  std::vector<std::uint32_t> decoded() const {
    std::vector<std::uint32_t> out;
    for (const auto& c : decoder.calls)
      if (c.kind == Kind::decoded) out.push_back(c.index);
    return out;
  }
  // Concealments before the stream's end (after it, the buffer conceals
  // up to max_conceal_ms before it falls silent).
  std::size_t concealed() const {
    std::size_t n = 0, upto = 0;
    for (const auto& c : decoder.calls) {
      if (c.kind == Kind::concealed) ++n;
      else upto = n;
    }
    return upto;
  }
  std::size_t count(Kind kind) const {
    return static_cast<std::size_t>(std::count_if(decoder.calls.begin(), decoder.calls.end(),
                                                  [&](const auto& c) { return c.kind == kind; }));
  }
  const JitterBufferStatistics& stats() const { return buffer.statistics(); }

 private:
  bool fec_;
};

std::vector<Delivery> steady(std::size_t count, Micros delay = Micros(30000)) {
  std::vector<Delivery> t;
  for (std::size_t i = 0; i < count; ++i) t.push_back(Delivery{i, ptime * static_cast<std::int64_t>(i), ptime * static_cast<std::int64_t>(i) + delay});
  return t;
}

std::vector<Delivery> without(std::vector<Delivery> trace, const std::set<std::size_t>& lost) {
  std::erase_if(trace, [&](const Delivery& d) { return lost.count(d.packet) != 0; });
  return trace;
}

bool strictly_increasing(const std::vector<std::uint32_t>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](auto a, auto b) { return a >= b; }) == v.end();
}

// Ticks from the last decode of an index below `before` to the first of one at or after it.
std::size_t gap_ticks(const IndexDecoder& d, std::uint32_t before) {
  std::size_t last = 0, first = 0;
  for (std::size_t i = 0; i < d.calls.size(); ++i) {
    if (d.calls[i].kind != Kind::decoded) continue;
    if (d.calls[i].index < before) last = i;
    else if (first == 0) first = i;
  }
  return first - last;
}

}  // namespace

TEST_CASE("in order, no jitter: every packet once, in order, the delay near the least") {
  Run run;
  run.play(steady(1000));
  const auto decoded = run.decoded();
  REQUIRE(decoded.size() == 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) REQUIRE(decoded[i] == i);
  CHECK(run.stats().played_packets == 1000);
  CHECK(run.stats().lost_packets == 0);
  CHECK(run.stats().late_packets == 0);
  CHECK(run.concealed() == 0);
  // Arrivals fall 7 ms after a tick (phase 7 ms, 30 ms transit, 20 ms
  // ticks): the least wait is 13 ms; the start's 40 ms is cut away.
  CHECK(run.stats().mean_added_delay() < Micros(20000));
  CHECK(run.delays.back() < Micros(20000));
  CHECK(run.stats().drift_corrections > 0);
}

TEST_CASE("reordered and duplicated packets play once, in order") {
  ImpairmentConfig c;
  c.base_delay = Micros(30000);
  c.jitter = Micros(5000);
  c.reorder = 0.1;
  c.reorder_delay = Micros(30000);
  c.duplicate = 0.1;
  const auto trace = impair_stream(c, 11, 3000, ptime);
  Run run;
  run.play(trace);
  const auto decoded = run.decoded();
  CHECK(strictly_increasing(decoded));
  std::set<std::size_t> unique;
  for (const Delivery& d : trace) unique.insert(d.packet);
  CHECK(run.stats().duplicate_packets == trace.size() - unique.size());
  CHECK(decoded.size() + run.stats().late_packets == unique.size());
  CHECK(run.stats().late_packets < unique.size() / 50);
}

TEST_CASE("losses are concealed, one concealment per packet the network dropped") {
  ImpairmentConfig c;
  c.base_delay = Micros(30000);
  c.random_loss = 0.05;
  const auto trace = impair_stream(c, 12, 3000, ptime);
  std::set<std::size_t> arrived;
  for (const Delivery& d : trace) arrived.insert(d.packet);
  const std::size_t dropped = (*arrived.rbegin() - *arrived.begin() + 1) - arrived.size();
  REQUIRE(dropped > 100);
  Run run;
  run.play(trace);
  CHECK(run.decoded().size() == arrived.size());
  CHECK(run.stats().lost_packets == dropped);
  CHECK(run.stats().late_packets == 0);
  CHECK(run.concealed() == dropped);
}

TEST_CASE("FEC: a lost packet is recovered from the next one when it is already there") {
  JitterBufferConfig config;
  config.min_delay_ms = 40;  // the next packet is in by the lost one's turn
  Run run(config, true);
  run.play(without(steady(300), {100, 200}));
  CHECK(run.stats().fec_recovered == 2);
  CHECK(run.concealed() == 0);
  CHECK(run.decoded().size() == 298);
  std::vector<std::uint32_t> recovered;
  for (const auto& call : run.decoder.calls)
    if (call.kind == Kind::recovered) recovered.push_back(call.index);
  CHECK(recovered == std::vector<std::uint32_t>{100, 200});
  CHECK(run.stats().lost_packets == 2);
}

TEST_CASE("a packet arriving after its turn is late: counted and dropped") {
  auto trace = steady(600);
  trace[300].arrival += Micros(200000);
  std::stable_sort(trace.begin(), trace.end(), [](const Delivery& a, const Delivery& b) { return a.arrival < b.arrival; });
  Run run;
  run.play(trace);
  CHECK(run.stats().late_packets == 1);
  CHECK(run.stats().lost_packets == 0);
  const auto decoded = run.decoded();
  CHECK(std::find(decoded.begin(), decoded.end(), 300u) == decoded.end());
  CHECK(decoded.size() == 599);
  CHECK(strictly_increasing(decoded));
}

TEST_CASE("a packet often this late is waited for while the next one is there; a lost one is not") {
  // Every 25th packet comes 45 ms after the others. The budget lets the
  // target stay under them, so such a packet misses its turn and the next
  // packet's (the rewind's reach); the histogram says it comes within the
  // tick after, so the buffer conceals once more instead of moving on.
  auto trace = steady(1000);
  for (Delivery& d : trace)
    if (d.packet % 25 == 12) d.arrival += Micros(45000);
  std::stable_sort(trace.begin(), trace.end(), [](const Delivery& a, const Delivery& b) { return a.arrival < b.arrival; });
  JitterBufferConfig config;
  config.late_quantile = 0.9;
  config.late_loss_budget = 0.05;
  SUBCASE("waiting") {
    Run run(config);
    run.play(trace);
    // Only the first is lost: no transit like it had been seen yet.
    CHECK(run.stats().late_packets == 1);
    CHECK(run.stats().waited_ticks == 39);
    CHECK(run.stats().rewound_packets == 39);
    const auto decoded = run.decoded();
    CHECK(decoded.size() == 999);
    CHECK(std::find(decoded.begin(), decoded.end(), 12u) == decoded.end());
    CHECK(strictly_increasing(decoded));
  }
  SUBCASE("never waiting, they are late") {
    config.min_wait_chance = 2;
    Run run(config);
    run.play(trace);
    CHECK(run.stats().waited_ticks == 0);
    CHECK(run.stats().late_packets == 40);
    CHECK(run.decoded().size() == 960);
  }
  SUBCASE("a packet that never comes, when none is ever late, is not waited for") {
    Run run(config);
    run.play(without(steady(1000), {100, 200, 300}));
    CHECK(run.stats().waited_ticks == 0);
    CHECK(run.concealed() == 3);
  }
}

TEST_CASE("a packet often this late is made room for by stretching the one before, not by concealing it") {
  // Every 50th packet comes 65 ms after the others: past its turn (the
  // slack is 57 ms: ticks 7 ms after the sender's, a 40 ms floor), within
  // the tick after. Decoding the packet before it, the buffer sees it
  // missing though due, and the histogram says such a packet comes after
  // its turn: it stretches the one before by a tick instead of concealing
  // at the turn and rewinding.
  auto trace = steady(1000);
  for (Delivery& d : trace)
    if (d.packet % 50 == 25) d.arrival += Micros(65000);
  std::stable_sort(trace.begin(), trace.end(), [](const Delivery& a, const Delivery& b) { return a.arrival < b.arrival; });
  JitterBufferConfig config;
  config.min_delay_ms = 40;
  config.late_loss_budget = 0.001;  // the late-loss budget binds throughout
  SUBCASE("stretching") {
    Run run(config);
    run.play(trace);
    CHECK(run.decoded().size() == 1000);
    CHECK(strictly_increasing(run.decoded()));
    CHECK(run.stats().late_packets == 0);
    // The first is concealed and rewound: no transit like it had been seen yet.
    CHECK(run.concealed() == 1);
    CHECK(run.stats().rewound_packets == 1);
    // 19 for them, and one after the last packet, whose next never comes.
    CHECK(run.stats().early_stretches == 20);
    CHECK(run.stats().inserted_frames >= 19 * 160);
  }
  SUBCASE("never stretching, each is concealed at its turn and rewound") {
    config.min_stretch_chance = 2;
    Run run(config);
    run.play(trace);
    CHECK(run.decoded().size() == 1000);
    CHECK(run.stats().early_stretches == 0);
    CHECK(run.concealed() == 20);
    CHECK(run.stats().rewound_packets == 20);
  }
}

TEST_CASE("a timestamp jump resyncs within a few ticks") {
  for (const std::int64_t jump : {8000 * 10, -8000 * 10, 8000 * 3600}) {
    CAPTURE(jump);
    Run run;
    const Stamper stamp = [&](std::size_t i) {
      Stamp s = plain(i);
      if (i >= 400) s.timestamp = static_cast<std::uint32_t>(s.timestamp + static_cast<std::uint32_t>(jump));
      return s;
    };
    run.play(steady(800), stamp);
    CHECK(run.stats().resyncs == 1);
    CHECK(run.decoded().size() >= 795);
    CHECK(gap_ticks(run.decoder, 400) <= 6);
    CHECK(run.stats().lost_packets == 0);
  }
}

TEST_CASE("an SSRC change resyncs within a few ticks") {
  Run run;
  const Stamper stamp = [](std::size_t i) {
    if (i < 400) return plain(i);
    return Stamp{static_cast<std::uint16_t>(50000 + i), static_cast<std::uint32_t>(777777 + 160 * i), 0x9999};
  };
  run.play(steady(800), stamp);
  CHECK(run.stats().resyncs == 1);
  CHECK(run.decoded().size() >= 795);
  CHECK(gap_ticks(run.decoder, 400) <= 6);
}

TEST_CASE("DTX: a timestamp gap without a sequence gap is silence, not loss") {
  // Packets 200..249 are never sent (the sender paused for 1 s); the
  // sequence numbers run on without a gap.
  std::vector<Delivery> trace;
  for (const Delivery& d : steady(500))
    if (d.packet < 200 || d.packet >= 250) trace.push_back(d);
  const Stamper stamp = [](std::size_t i) {
    Stamp s = plain(i);
    if (i >= 250) s.sequence_number = static_cast<std::uint16_t>(s.sequence_number - 50);
    return s;
  };
  Run run;
  run.play(trace, stamp);
  CHECK(run.stats().lost_packets == 0);
  CHECK(run.stats().late_packets == 0);
  CHECK(run.decoded().size() == 450);
  CHECK(strictly_increasing(run.decoded()));
  // Until the buffer gives up guessing at a loss (max_conceal_ms).
  CHECK(run.concealed() <= 5);
  CHECK(run.stats().silence_frames >= 40 * 160);
}

TEST_CASE("RFC 4733: the sequence numbers events used are a pause, not lost audio") {
  // Packets 200..209 were event packets, not audio: the sender held its
  // audio back while the digit went out in the same stream.
  const std::vector<Delivery> trace = without(steady(500), {200, 201, 202, 203, 204, 205, 206, 207, 208, 209});
  Run told;
  for (std::uint16_t seq = 1200; seq < 1210; ++seq) told.buffer.skip(seq, 0x1234);
  told.play(trace);
  CHECK(told.stats().lost_packets == 0);
  CHECK(told.decoded().size() == 490);
  CHECK(told.concealed() <= 5);
  CHECK(told.stats().silence_frames >= 5 * 160);

  Run untold;  // the same trace taken for audio lost on the way
  untold.play(trace);
  CHECK(untold.stats().lost_packets == 10);
}

TEST_CASE("clock drift of +/-500 ppm: the delay stays near target") {
  for (const double ppm : {500.0, -500.0}) {
    CAPTURE(ppm);
    ImpairmentConfig c;
    c.base_delay = Micros(30000);
    c.jitter = Micros(2000);
    c.drift_ppm = ppm;
    const auto trace = impair_stream(c, 13, 3 * 60 * 50, ptime);  // 3 minutes
    Run run;
    run.play(trace);
    CHECK(run.stats().drift_corrections > 5);
    CHECK(run.stats().late_packets < 30);
    // Over the last two minutes the delay stays within a tick above the
    // target (frames are needed a tick at a time), give or take a few ms.
    Micros lowest{1000000}, highest{-1000000};
    for (std::size_t i = 50 * 60; i + 60 < run.delays.size(); ++i) {
      lowest = std::min(lowest, run.delays[i] - run.targets[i]);
      highest = std::max(highest, run.delays[i] - run.targets[i]);
    }
    CHECK(lowest > Micros(-5000));
    CHECK(highest < Micros(30000));
    // A fast sender's 90 ms over 3 minutes are cut away. (A slow sender's
    // are added, but so are rewinds, which are cut again: no sign to check.)
    if (ppm > 0) CHECK(run.stats().stretched_frames < -8000 * 50 / 1000);
  }
}

TEST_CASE("the target grows with jitter and shrinks after it falls") {
  ImpairmentConfig calm;
  calm.base_delay = Micros(30000);
  calm.jitter = Micros(3000);
  ImpairmentConfig rough = calm;
  rough.jitter = Micros(40000);
  NetworkImpairment quiet(calm, 21), busy(rough, 22);
  std::vector<Delivery> trace;
  std::array<Micros, 2> at{};
  const std::size_t phase = 60 * 50;  // a minute
  for (std::size_t i = 0; i < 4 * phase; ++i) {
    const Micros send = ptime * static_cast<std::int64_t>(i);
    const int n = (i >= phase && i < 2 * phase ? busy : quiet).transmit(send, at);
    for (int k = 0; k < n; ++k) trace.push_back(Delivery{i, send, at[static_cast<std::size_t>(k)]});
  }
  std::stable_sort(trace.begin(), trace.end(), [](const Delivery& a, const Delivery& b) { return a.arrival < b.arrival; });
  Run run;
  run.play(trace);
  const Micros calm_target = run.targets[phase - 10];
  const Micros rough_target = run.targets[2 * phase - 10];
  const Micros calmed_target = run.targets[4 * phase - 10];
  CHECK(calm_target < Micros(20000));
  CHECK(rough_target > Micros(100000));
  CHECK(calmed_target < rough_target / 3);
  // The delay rose within a second of the jitter rising (stretching for
  // the packets that started to miss their turn); the target, which the
  // late packets steer, within five.
  CHECK(run.delays[phase + 50] > Micros(30000));
  CHECK(run.targets[phase + 250] > Micros(100000));
}

TEST_CASE("a flood of packets stays within the buffer's bounds") {
  JitterBufferConfig config;
  config.max_packets = 64;
  Run run(config);
  run.play(steady(100));
  Xoshiro256 random(5);
  for (int i = 0; i < 100000; ++i) {
    const auto payload = IndexDecoder::payload(static_cast<std::uint32_t>(i));
    RtpAudioPacket p;
    p.sequence_number = static_cast<std::uint16_t>(random.next());
    p.timestamp = static_cast<std::uint32_t>(0xfffff000u + 160 * 100 + random.next() % 16000);
    p.ssrc = 0x1234;
    p.payload = payload;
    run.buffer.push(p, TimePoint(run.now));
    REQUIRE(run.buffer.stored_packets() <= 64);
  }
  CHECK(run.stats().discarded_packets + run.stats().duplicate_packets + run.stats().late_packets > 99000);
  // Malformed payloads are refused.
  const std::vector<std::uint8_t> junk{1, 2, 3};
  RtpAudioPacket bad;
  bad.ssrc = 0x1234;
  bad.payload = junk;
  const auto discarded = run.stats().discarded_packets;
  run.buffer.push(bad, TimePoint(run.now));
  CHECK(run.stats().discarded_packets == discarded + 1);
}

TEST_CASE("a talk spurt's marker makes a gap silence, though the packets lost before it count") {
  // The sender sends 0..199 (198 and 199 are lost) and pauses for 1 s; the
  // next spurt starts with the marker at sequence number 200.
  std::vector<Delivery> trace;
  for (const Delivery& d : steady(400))
    if (d.packet < 198 || d.packet >= 250) trace.push_back(d);
  Run run;
  run.play(trace, [](std::size_t i) {
    Stamp s = plain(i);
    if (i >= 250) s.sequence_number = static_cast<std::uint16_t>(s.sequence_number - 50);
    s.marker = i == 250;
    return s;
  });
  CHECK(run.stats().lost_packets == 2);
  CHECK(run.decoded().size() == 348);
  CHECK(run.concealed() <= 5);
  CHECK(run.stats().silence_frames >= 40 * 160);
}

TEST_CASE("random packets and times never break the buffer or its bounds") {
  for (const std::uint64_t seed : {1, 2, 3}) {
    Xoshiro256 random(seed);
    JitterBufferConfig config;
    config.max_packets = 32;
    IndexDecoder decoder;
    JitterBuffer buffer(decoder, config);
    std::vector<std::int16_t> out(160);
    Micros now{0};
    for (int i = 0; i < 20000; ++i) {
      if (random.chance(0.6)) {
        std::vector<std::uint8_t> payload = IndexDecoder::payload(static_cast<std::uint32_t>(random.next()));
        if (random.chance(0.05)) payload.resize(random.next() % 8);
        RtpAudioPacket p;
        p.sequence_number = static_cast<std::uint16_t>(random.chance(0.8) ? i : random.next());
        p.timestamp = static_cast<std::uint32_t>(random.chance(0.8) ? 160u * static_cast<std::uint32_t>(i) : random.next());
        p.ssrc = random.chance(0.99) ? 7 : static_cast<std::uint32_t>(random.next());
        p.marker = random.chance(0.1);
        p.payload = payload;
        buffer.push(p, TimePoint(now + Micros(static_cast<std::int64_t>(random.next() % 200000))));
      } else {
        now += Micros(static_cast<std::int64_t>(random.next() % 40000));
        buffer.pull(TimePoint(now), out);
      }
      REQUIRE(buffer.stored_packets() <= 32);
    }
    CHECK(buffer.statistics().played_packets > 0);
  }
}
