// RFC 4733: the payload codec with its errors, the digit table, the exact
// packets of one digit and of a segmented long event, and a receiver that
// reports each digit once through loss, redundancy and retransmission.
#include <doctest/doctest.h>

#include <vector>

#include "rtp/telephone_event.hpp"

using namespace cosip::rtp;
using std::chrono::milliseconds;

namespace {

using Kind = TelephoneEventNotice::Kind;

TelephoneEventNotice notice(Kind kind, std::uint8_t event, std::uint32_t ts, std::uint32_t duration,
                            std::uint8_t volume = 10) {
  TelephoneEventNotice n;
  n.kind = kind;
  n.event = event;
  n.timestamp = ts;
  n.duration = duration;
  n.volume = volume;
  return n;
}

TelephoneEventPacket packet(bool marker, std::uint32_t ts, std::uint8_t event, bool end, std::uint16_t duration,
                            int send_at_ms) {
  TelephoneEventPacket p;
  p.marker = marker;
  p.timestamp = ts;
  p.payload = TelephoneEvent{event, end, false, 10, duration};
  p.send_at = milliseconds(send_at_ms);
  return p;
}

std::vector<TelephoneEventNotice> receive(const std::vector<TelephoneEventPacket>& packets) {
  TelephoneEventReceiver r;
  std::vector<TelephoneEventNotice> out;
  for (const auto& p : packets) r.on_packet(p.timestamp, p.payload, out);
  return out;
}

}  // namespace

TEST_CASE("payload decode and encode") {
  const std::uint8_t bytes[] = {0x0B, 0x8A, 0x03, 0x20};
  TelephoneEvent e;
  REQUIRE_FALSE(decode(bytes, e));
  CHECK(e.event == 11);
  CHECK(e.end);
  CHECK_FALSE(e.reserved);
  CHECK(e.volume == 10);
  CHECK(e.duration == 800);
  const auto again = encode(e);
  CHECK(std::vector<std::uint8_t>(again.begin(), again.end()) == std::vector<std::uint8_t>(bytes, bytes + 4));

  const std::uint8_t reserved[] = {0x05, 0x7F, 0xFF, 0xFF};  // R set, volume 63, no E
  REQUIRE_FALSE(decode(reserved, e));
  CHECK(e.reserved);
  CHECK_FALSE(e.end);
  CHECK(e.volume == 63);
  CHECK(e.duration == 0xFFFF);

  TelephoneEvent loud{1, false, false, 0xFF, 1};  // volume masked to six bits
  CHECK(encode(loud)[1] == 0x3F);
}

TEST_CASE("malformed payloads give a precise error") {
  TelephoneEvent e;
  const std::uint8_t eight[8] = {};
  struct Case {
    std::size_t size;
    TelephoneEventErrc code;
  };
  for (const Case c : {Case{0, TelephoneEventErrc::empty}, Case{3, TelephoneEventErrc::truncated},
                       Case{6, TelephoneEventErrc::bad_length}, Case{7, TelephoneEventErrc::bad_length},
                       Case{8, TelephoneEventErrc::several_events}}) {
    const TelephoneEventError err = decode(std::span<const std::uint8_t>(eight, c.size), e);
    CHECK(err.code == c.code);
    CHECK(err.length == c.size);
  }
  CHECK(decode(std::span<const std::uint8_t>(eight, 6), e).message() ==
        "telephone-event payload of 6 bytes: length not a multiple of 4");
}

TEST_CASE("digits 0-9 * # A-D are events 0-15") {
  const char digits[] = "0123456789*#ABCD";
  for (std::uint8_t i = 0; i < 16; ++i) {
    CHECK(event_for_digit(digits[i]) == i);
    CHECK(digit_for_event(i) == digits[i]);
  }
  CHECK(event_for_digit('d') == 15);
  CHECK_FALSE(event_for_digit('E'));
  CHECK_FALSE(event_for_digit(' '));
  CHECK_FALSE(digit_for_event(16));
}

TEST_CASE("one digit of 100 ms at 8 kHz in 20 ms packets") {
  const TelephoneEventSender sender(8000, milliseconds(20), 10);
  const auto packets = sender.packets(*event_for_digit('5'), milliseconds(100), 1000);
  // Marker on the first only; one timestamp; duration +160 per packet; the
  // end packet with duration 800 three times.
  const std::vector<TelephoneEventPacket> expected = {
      packet(true, 1000, 5, false, 160, 0),  packet(false, 1000, 5, false, 320, 20),
      packet(false, 1000, 5, false, 480, 40), packet(false, 1000, 5, false, 640, 60),
      packet(false, 1000, 5, true, 800, 80),  packet(false, 1000, 5, true, 800, 100),
      packet(false, 1000, 5, true, 800, 120),
  };
  CHECK(packets == expected);
  CHECK(sender.units(milliseconds(100)) == 800);
}

TEST_CASE("an event shorter than a packet lasts one packet; an uneven end is exact") {
  const TelephoneEventSender sender(8000, milliseconds(20), 10);
  auto packets = sender.packets(0, milliseconds(5), 0);
  REQUIRE(packets.size() == 3);
  CHECK(packets[0].marker);
  CHECK(packets[0].payload.end);
  CHECK(packets[0].payload.duration == 160);
  // A zero packet time still gives one packet (of one unit), not none.
  CHECK(TelephoneEventSender(8000, milliseconds(0)).packets(0, milliseconds(0), 0).size() == 3);
  packets = sender.packets(0, milliseconds(50), 0);  // 400 units: 160, 320, 400 E ×3
  REQUIRE(packets.size() == 5);
  CHECK(packets[1].payload.duration == 320);
  CHECK(packets[2].payload.duration == 400);
  CHECK(packets[2].payload.end);
}

TEST_CASE("a long event is cut into 0xFFFF segments (RFC 4733 §2.5.1.3)") {
  const TelephoneEventSender sender(8000, milliseconds(20), 10);
  // 9 s = 72000 units: 450 packets; the 410th would say 65600.
  const auto packets = sender.packets(3, milliseconds(9000), 0xFFFF0000u);
  REQUIRE(packets.size() == 450 + 1 + 2);
  CHECK(packets[408].payload.duration == 65440);
  CHECK(packets[408].timestamp == 0xFFFF0000u);
  // The segment closes at 0xFFFF, without E, in the same packet time.
  CHECK(packets[409] == packet(false, 0xFFFF0000u, 3, false, 0xFFFF, 409 * 20));
  // The next segment starts 0xFFFF later (wrapping the 32-bit timestamp).
  CHECK(packets[410] == packet(false, 0xFFFF0000u + 0xFFFFu, 3, false, 65600 - 65535, 409 * 20));
  CHECK(packets[450] == packet(false, 0xFFFF0000u + 0xFFFFu, 3, true, 72000 - 65535, 449 * 20));
  CHECK(packets[452].payload == packets[450].payload);
  int markers = 0;
  for (const auto& p : packets) markers += p.marker;
  CHECK(markers == 1);
  // The receiver sees one event of 72000 units.
  const auto notices = receive(packets);
  REQUIRE(notices.size() == 2);
  CHECK(notices[0] == notice(Kind::begin, 3, 0xFFFF0000u, 160));
  CHECK(notices[1] == notice(Kind::end, 3, 0xFFFF0000u, 72000));
}

TEST_CASE("the receiver reports a digit once despite the three end packets") {
  const TelephoneEventSender sender;
  const auto notices = receive(sender.packets(*event_for_digit('#'), milliseconds(100), 5000));
  REQUIRE(notices.size() == 2);
  CHECK(notices[0] == notice(Kind::begin, 11, 5000, 160));
  CHECK(notices[1] == notice(Kind::end, 11, 5000, 800));
}

TEST_CASE("a lost first packet still reports the digit once") {
  const TelephoneEventSender sender;
  auto packets = sender.packets(7, milliseconds(100), 5000);
  packets.erase(packets.begin());  // the one with the marker
  const auto notices = receive(packets);
  REQUIRE(notices.size() == 2);
  CHECK(notices[0] == notice(Kind::begin, 7, 5000, 320));
  CHECK(notices[1] == notice(Kind::end, 7, 5000, 800));
}

TEST_CASE("only an end packet arriving still gives begin and end") {
  const TelephoneEventSender sender;
  const auto packets = sender.packets(1, milliseconds(100), 5000);
  const auto notices = receive({packets.back()});
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].kind == Kind::begin);
  CHECK(notices[1] == notice(Kind::end, 1, 5000, 800));
}

TEST_CASE("retransmitted and late packets of past digits are dropped") {
  const TelephoneEventSender sender;
  const auto one = sender.packets(1, milliseconds(100), 5000);
  const auto two = sender.packets(2, milliseconds(100), 6000);
  std::vector<TelephoneEventPacket> stream = one;
  stream.insert(stream.end(), one.begin(), one.end());   // the whole digit again
  stream.insert(stream.end(), two.begin(), two.begin() + 2);
  stream.push_back(one[2]);                               // late, from the past digit
  stream.insert(stream.end(), two.begin() + 2, two.end());
  stream.push_back(one[5]);
  const auto notices = receive(stream);
  REQUIRE(notices.size() == 4);
  CHECK(notices[0] == notice(Kind::begin, 1, 5000, 160));
  CHECK(notices[1] == notice(Kind::end, 1, 5000, 800));
  CHECK(notices[2] == notice(Kind::begin, 2, 6000, 160));
  CHECK(notices[3] == notice(Kind::end, 2, 6000, 800));
}

TEST_CASE("lost end packets: the next digit or a flush ends the event") {
  const TelephoneEventSender sender;
  const auto one = sender.packets(1, milliseconds(100), 5000);
  const auto two = sender.packets(2, milliseconds(100), 6000);
  TelephoneEventReceiver r;
  std::vector<TelephoneEventNotice> out;
  for (int i = 0; i < 3; ++i) r.on_packet(one[i].timestamp, one[i].payload, out);  // 160, 320, 480
  CHECK(r.active());
  r.on_packet(two[0].timestamp, two[0].payload, out);
  REQUIRE(out.size() == 3);
  CHECK(out[1] == notice(Kind::end, 1, 5000, 480));
  CHECK(out[2] == notice(Kind::begin, 2, 6000, 160));
  r.flush(out);
  REQUIRE(out.size() == 4);
  CHECK(out[3] == notice(Kind::end, 2, 6000, 160));
  CHECK_FALSE(r.active());
  r.flush(out);
  CHECK(out.size() == 4);
}

TEST_CASE("reordered updates never shorten the duration") {
  TelephoneEventReceiver r;
  std::vector<TelephoneEventNotice> out;
  r.on_packet(100, TelephoneEvent{4, false, false, 10, 480}, out);
  r.on_packet(100, TelephoneEvent{4, false, false, 10, 320}, out);
  r.on_packet(100, TelephoneEvent{9, true, false, 10, 900}, out);  // another event code, same timestamp: ignored
  r.flush(out);
  REQUIRE(out.size() == 2);
  CHECK(out[1] == notice(Kind::end, 4, 100, 480));
}
