// RtpSession, the pure core of an audio stream (RFC 3550, RFC 3711 through
// libsrtp2, RFC 4733), two of them wired back to back on a virtual clock:
// audio both ways, SRTP with a tampered packet and plain RTP refused, a digit
// sent and reported once, RTCP reports carrying each side's statistics, the
// inactivity notice, and the BYE.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "rtp/rtp_session.hpp"
#include "rtp/srtp/sdes.hpp"

using namespace cosip::rtp;
using namespace std::chrono_literals;

namespace {

std::uint64_t fixed_ntp(TimePoint t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }

const std::array<std::uint8_t, 160> frame_a = [] {
  std::array<std::uint8_t, 160> f{};
  f.fill(0x11);
  return f;
}();
const std::array<std::uint8_t, 160> frame_b = [] {
  std::array<std::uint8_t, 160> f{};
  f.fill(0x22);
  return f;
}();

struct Peer {
  Peer(TimePoint now, std::uint64_t seed) : session(now, seeded_random(seed), fixed_ntp) {}
  RtpSession session;
  std::vector<std::vector<std::uint8_t>> audio;  // payloads received
  std::vector<std::uint16_t> sequences;
  std::vector<std::uint16_t> event_sequences;  // of the RFC 4733 packets
  std::vector<TelephoneEventNotice> events;
  std::vector<DropReason> drops;
  std::size_t rtcp = 0;

  void deliver(std::span<const std::uint8_t> bytes, bool rtcp_port, TimePoint now) {
    std::array<std::uint8_t, 2048> buffer{};
    std::copy(bytes.begin(), bytes.end(), buffer.begin());
    const Received r = session.on_datagram(buffer, bytes.size(), rtcp_port, now, events);
    if (r.kind == Received::Kind::audio) {
      audio.emplace_back(r.payload.begin(), r.payload.end());
      sequences.push_back(r.sequence);
    }
    if (r.kind == Received::Kind::telephone_event) event_sequences.push_back(r.sequence);
    if (r.kind == Received::Kind::rtcp) ++rtcp;
    if (r.drop != DropReason::none) drops.push_back(r.drop);
  }
};

RtpSessionConfig config(std::string local_key = {}, std::string remote_key = {}) {
  RtpSessionConfig c;
  c.payload_type = 0;
  c.clock_rate = 8000;
  c.telephone_event_payload_type = 101;
  c.cname = "test@example.com";
  if (!local_key.empty()) {
    c.srtp_suite = "AES_CM_128_HMAC_SHA1_80";
    c.local_key = std::move(local_key);
    c.remote_key = std::move(remote_key);
    c.srtp_required = true;
  }
  return c;
}

// Both sides send a 20 ms frame every 20 ms for `duration` (when `audio`),
// and whatever else is due (events, RTCP), each datagram delivered to the
// other at once.
void run(Peer& a, Peer& b, TimePoint& now, std::chrono::milliseconds duration, bool audio = true) {
  for (const auto end = now + duration; now < end; now += 20ms) {
    if (audio) {
      if (auto t = a.session.send_audio(frame_a, 160, now)) b.deliver(t->bytes, t->rtcp, now);
      if (auto t = b.session.send_audio(frame_b, 160, now)) a.deliver(t->bytes, t->rtcp, now);
    }
    while (auto t = a.session.poll_transmit(now)) b.deliver(t->bytes, t->rtcp, now);
    while (auto t = b.session.poll_transmit(now)) a.deliver(t->bytes, t->rtcp, now);
  }
}

}  // namespace

TEST_CASE("plain RTP both ways, then RTCP reports on each other's stream") {
  TimePoint now{};
  Peer a(now, 1), b(now, 2);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  run(a, b, now, 12s);
  // A.1: the first packet of a new source is on probation, the rest delivered.
  REQUIRE(b.audio.size() == 599);
  REQUIRE(a.audio.size() == 599);
  CHECK(b.audio.front() == std::vector<std::uint8_t>(frame_a.begin(), frame_a.end()));
  CHECK(a.audio.back() == std::vector<std::uint8_t>(frame_b.begin(), frame_b.end()));
  for (std::size_t i = 1; i < b.sequences.size(); ++i) REQUIRE(std::uint16_t(b.sequences[i - 1] + 1) == b.sequences[i]);
  CHECK(b.drops == std::vector<DropReason>{DropReason::probation});
  // §6.2: the first report within 2.5 s (halved 5 s minimum, randomised),
  // then about every 5 s: two or three from each side in 12 s.
  CHECK(a.rtcp >= 2);
  CHECK(b.rtcp >= 2);
  CHECK(a.session.counters().rtcp_sent == b.rtcp);
  // Each side's report on the other's stream: nothing lost.
  REQUIRE(a.session.remote_report());
  CHECK(a.session.remote_report()->ssrc == a.session.ssrc());
  CHECK(a.session.remote_report()->cumulative_lost == 0);
  REQUIRE(b.session.remote_source());
  CHECK(b.session.remote_source()->received() == 599);  // A.1 counts from validation on
  CHECK(b.session.counters().packets_received == 600);
  CHECK(a.session.counters().packets_sent == 600);
}

TEST_CASE("SRTP: crossed keys, a tampered packet counted, plain RTP refused") {
  const std::string ka = *generate_key_salt(SrtpSuite::aes_cm_128_hmac_sha1_80);
  const std::string kb = *generate_key_salt(SrtpSuite::aes_cm_128_hmac_sha1_80);
  TimePoint now{};
  Peer a(now, 3), b(now, 4);
  REQUIRE_FALSE(a.session.configure(config(ka, kb), now));
  REQUIRE_FALSE(b.session.configure(config(kb, ka), now));
  run(a, b, now, 1s);
  CHECK(b.audio.size() == 49);
  CHECK(a.audio.size() == 49);
  CHECK(b.drops == std::vector<DropReason>{DropReason::probation});

  // One bit flipped in the payload: RFC 3711 §3.3 step 5, dropped and counted.
  auto t = a.session.send_audio(frame_a, 160, now);
  REQUIRE(t);
  std::vector<std::uint8_t> tampered(t->bytes.begin(), t->bytes.end());
  tampered[20] ^= 1;
  b.deliver(tampered, false, now);
  CHECK(b.drops.back() == DropReason::srtp_auth_failure);
  CHECK(b.session.counters().srtp_auth_failures == 1);
  // The genuine packet still passes; sent twice, it is a replay.
  b.deliver(t->bytes, false, now);
  CHECK(b.audio.size() == 50);
  b.deliver(t->bytes, false, now);
  CHECK(b.drops.back() == DropReason::srtp_replay);

  // A peer sending plain RTP to the SRTP-mandatory stream is never heard.
  Peer plain(now, 5);
  REQUIRE_FALSE(plain.session.configure(config(), now));
  for (int i = 0; i < 10; ++i) {
    auto p = plain.session.send_audio(frame_b, 160, now);
    REQUIRE(p);
    a.deliver(p->bytes, false, now);
  }
  CHECK(a.audio.size() == 49);
  // And a stream that must be SRTP but has no keys refuses everything.
  Peer keyless(now, 6);
  RtpSessionConfig c = config();
  c.srtp_required = true;
  REQUIRE_FALSE(keyless.session.configure(c, now));
  auto p = plain.session.send_audio(frame_b, 160, now);
  keyless.deliver(p->bytes, false, now);
  CHECK(keyless.drops.back() == DropReason::plain_refused);
  CHECK_FALSE(keyless.session.send_audio(frame_a, 160, now));  // nor does it send plain RTP
}

TEST_CASE("a bad key is a clear error and changes nothing") {
  TimePoint now{};
  Peer a(now, 7);
  const SrtpError e = a.session.configure(config("c2hvcnQ=", "c2hvcnQ="), now);
  CHECK(e.code == SrtpErrc::bad_key_length);
  CHECK_FALSE(a.session.srtp().has_keys());
}

TEST_CASE("RFC 4733: a digit goes out as events, audio held back, reported once") {
  TimePoint now{};
  Peer a(now, 8), b(now, 9);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  run(a, b, now, 200ms);
  const std::size_t before = b.audio.size();
  REQUIRE(a.session.send_digit('5', 100ms, now));
  CHECK_FALSE(a.session.send_digit('6', 100ms, now));  // one event at a time
  CHECK_FALSE(a.session.send_digit('x', 100ms, now + 1s));
  run(a, b, now, 400ms);
  REQUIRE(b.events.size() == 2);
  CHECK(b.events[0].kind == TelephoneEventNotice::Kind::begin);
  CHECK(b.events[1].kind == TelephoneEventNotice::Kind::end);
  CHECK(b.events[1].event == 5);
  CHECK(b.events[1].duration == 800);  // 100 ms at 8000 Hz
  CHECK(a.session.counters().audio_suppressed >= 5);
  CHECK(b.audio.size() > before);  // audio resumed after the event
  // The three end packets did not report the digit three times.
  run(a, b, now, 200ms);
  CHECK(b.events.size() == 2);
  // The event packets carry their sequence numbers: with the audio's they
  // leave no gap, so a jitter buffer told of them sees no loss.
  std::vector<std::uint16_t> all = b.sequences;
  all.insert(all.end(), b.event_sequences.begin(), b.event_sequences.end());
  std::sort(all.begin(), all.end());
  REQUIRE(b.event_sequences.size() >= 5);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(static_cast<std::uint16_t>(all[i] - all[i - 1]) == 1);
}

TEST_CASE("silence for the inactivity timeout is reported once, and again after packets resume") {
  TimePoint now{};
  Peer a(now, 10), b(now, 11);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  run(a, b, now, 1s);
  const TimePoint last_packet = now - 20ms;
  now += 4900ms;
  CHECK_FALSE(b.session.on_timeout(now));
  // The timer also serves RTCP: follow it until the silence is reported.
  bool fired = false;
  for (int i = 0; i < 10 && !fired; ++i) {
    REQUIRE(b.session.next_timeout());
    now = std::max(now, *b.session.next_timeout());
    fired = b.session.on_timeout(now);
    while (b.session.poll_transmit(now)) {
    }  // what the timer is also for: RTCP reports (not delivered: a is gone)
  }
  CHECK(fired);
  CHECK(now == last_packet + 5s);
  CHECK_FALSE(b.session.on_timeout(now + 1s));
  run(a, b, now, 100ms);
  now += 6s;
  CHECK(b.session.on_timeout(now));
}

TEST_CASE("leaving sends an RTCP BYE that the peer takes as the source's end") {
  TimePoint now{};
  Peer a(now, 12), b(now, 13);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  run(a, b, now, 6s);
  a.session.leave(now);
  CHECK_FALSE(a.session.send_audio(frame_a, 160, now));
  auto t = a.session.poll_transmit(now);
  REQUIRE(t);
  CHECK(t->rtcp);
  b.deliver(t->bytes, t->rtcp, now);
  CHECK(b.session.remote_left());
  CHECK_FALSE(a.session.poll_transmit(now + 10s));
}

TEST_CASE("new SRTP keys from a re-INVITE: the stream goes on under them") {
  const auto key = [] { return *generate_key_salt(SrtpSuite::aes_cm_128_hmac_sha1_80); };
  const std::string a1 = key(), b1 = key(), a2 = key(), b2 = key();
  TimePoint now{};
  Peer a(now, 14), b(now, 15);
  REQUIRE_FALSE(a.session.configure(config(a1, b1), now));
  REQUIRE_FALSE(b.session.configure(config(b1, a1), now));
  run(a, b, now, 200ms);
  const std::size_t before = b.audio.size();
  REQUIRE(before == 9);
  REQUIRE_FALSE(a.session.configure(config(a2, b2), now));
  REQUIRE_FALSE(b.session.configure(config(b2, a2), now));
  run(a, b, now, 200ms);
  CHECK(b.audio.size() == before + 10);
  CHECK(b.session.counters().srtp_auth_failures == 0);
  // A packet under the old key no longer authenticates.
  Peer old(now, 16);
  REQUIRE_FALSE(old.session.configure(config(a1, b1), now));
  auto t = old.session.send_audio(frame_a, 160, now);
  REQUIRE(t);
  b.deliver(t->bytes, false, now);
  CHECK(b.drops.back() == DropReason::srtp_auth_failure);
}

TEST_CASE("held: no audio while our direction forbids sending, then the timestamp jumps by the pause") {
  TimePoint now{};
  Peer a(now, 17), b(now, 18);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  std::array<std::uint8_t, 2048> buffer{};
  auto first = a.session.send_audio(frame_a, 160, now);
  REQUIRE(first);
  Packet p;
  std::copy(first->bytes.begin(), first->bytes.end(), buffer.begin());
  REQUIRE_FALSE(parse(std::span<const std::uint8_t>(buffer.data(), first->bytes.size()), p));
  const std::uint32_t t0 = p.timestamp;
  const std::uint16_t s0 = p.sequence;

  RtpSessionConfig held = config();
  held.send = false;
  REQUIRE_FALSE(a.session.configure(held, now + 20ms));
  CHECK_FALSE(a.session.send_audio(frame_a, 160, now + 40ms));
  REQUIRE_FALSE(a.session.configure(config(), now + 2s));
  auto resumed = a.session.send_audio(frame_a, 160, now + 2s);
  REQUIRE(resumed);
  std::copy(resumed->bytes.begin(), resumed->bytes.end(), buffer.begin());
  REQUIRE_FALSE(parse(std::span<const std::uint8_t>(buffer.data(), resumed->bytes.size()), p));
  CHECK(p.sequence == std::uint16_t(s0 + 1));  // no packet was numbered while held
  CHECK(p.timestamp - t0 == 16000u);           // 2 s at 8000 Hz
  CHECK(p.marker);
}

TEST_CASE("SSRC collision (§8.2): our SSRC from elsewhere, a fresh one, and a BYE for the old") {
  TimePoint now{};
  Peer a(now, 19), b(now, 20);
  REQUIRE_FALSE(a.session.configure(config(), now));
  REQUIRE_FALSE(b.session.configure(config(), now));
  run(a, b, now, 200ms);
  const std::uint32_t old = b.session.ssrc();
  // A packet carrying b's own SSRC, as a colliding source would send it.
  Packet p;
  p.payload_type = 0;
  p.sequence = 7;
  p.timestamp = 1234;
  p.ssrc = old;
  p.payload = frame_a;
  std::array<std::uint8_t, 256> wire{};
  const WriteResult w = serialize(p, wire);
  REQUIRE(w.ok());
  b.deliver(std::span<const std::uint8_t>(wire.data(), w.size), false, now);
  CHECK(b.drops.back() == DropReason::own_ssrc);
  CHECK(b.session.ssrc() != old);
  // The next thing b sends is an RTCP BYE for the old SSRC.
  auto t = b.session.poll_transmit(now);
  REQUIRE(t);
  CHECK(t->rtcp);
  std::array<std::uint8_t, 2048> buffer{};
  std::copy(t->bytes.begin(), t->bytes.end(), buffer.begin());
  Compound compound;
  REQUIRE_FALSE(parse(std::span<const std::uint8_t>(buffer.data(), t->bytes.size()), compound));
  const Bye* bye = nullptr;
  for (const RtcpPacket& packet : compound.packets)
    if (const auto* found = std::get_if<Bye>(&packet)) bye = found;
  REQUIRE(bye);
  CHECK(bye->sources == std::vector<std::uint32_t>{old});
  REQUIRE(bye->reason);
  CHECK(*bye->reason == "SSRC collision");
  // b's audio goes on under its new SSRC, and a takes it as a new source.
  run(a, b, now, 100ms);
  REQUIRE(a.session.remote_source());
  CHECK(a.session.remote_source()->ssrc() == b.session.ssrc());
}
