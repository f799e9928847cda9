// Fuzz target for the RFC 4733 payload decoder and the event receiver.
// Input: three option bytes, then records. Options: an event code, a
// duration (× 40 ms) and a start timestamp byte for a sender round trip
// whose packets must give exactly one begin and one end. Each record is a
// header byte (bits 0-2: payload length 0-7; bits 3-4: timestamp step:
// same, +0xFFFF, +n×160, -n×160 with n the next byte) and the payload.
// Besides memory errors and UB it checks: decode/encode round-trips, every
// end closes the begun event, no begin while one is open, at most three
// notices per packet, and durations never shrink from begin to end.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtp/telephone_event.hpp"

namespace {

using namespace cosip::rtp;
using Kind = TelephoneEventNotice::Kind;

void check(bool ok) {
  if (!ok) std::abort();
}

void sender_round_trip(std::uint8_t event, std::uint8_t duration, std::uint8_t start) {
  const TelephoneEventSender sender;
  const std::chrono::milliseconds length(duration * 40);
  const auto packets = sender.packets(event, length, 0xFFFFFF00u + start);
  TelephoneEventReceiver receiver;
  std::vector<TelephoneEventNotice> out;
  for (const auto& p : packets) {
    const auto bytes = encode(p.payload);
    TelephoneEvent decoded;
    check(!decode(bytes, decoded) && decoded == p.payload);
    receiver.on_packet(p.timestamp, decoded, out);
  }
  check(out.size() == 2 && out[0].kind == Kind::begin && out[1].kind == Kind::end);
  check(out[1].duration == sender.units(length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  sender_round_trip(data[0], data[1], data[2]);

  TelephoneEventReceiver receiver;
  std::vector<TelephoneEventNotice> out;
  std::uint32_t timestamp = 1000;
  std::size_t i = 3;
  bool open = false;
  TelephoneEventNotice begun;
  while (i < size) {
    const std::uint8_t header = data[i++];
    const std::size_t length = header & 7;
    std::uint32_t step = 0;
    switch ((header >> 3) & 3) {
      case 0: break;
      case 1: timestamp += 0xFFFF; break;
      case 2: step = i < size ? data[i++] : 0; timestamp += step * 160; break;
      default: step = i < size ? data[i++] : 0; timestamp -= step * 160; break;
    }
    if (length > size - i) break;
    const std::span<const std::uint8_t> payload(data + i, length);
    i += length;
    TelephoneEvent event;
    const TelephoneEventError err = decode(payload, event);
    if (err) {
      check(!err.message().empty());
      continue;
    }
    const auto again = encode(event);
    check(std::equal(again.begin(), again.end(), payload.begin()));

    const std::size_t before = out.size();
    receiver.on_packet(timestamp, event, out);
    check(out.size() - before <= 3);
    for (std::size_t k = before; k < out.size(); ++k) {
      const TelephoneEventNotice& n = out[k];
      if (n.kind == Kind::begin) {
        check(!open);
        open = true;
        begun = n;
      } else {
        check(open && n.event == begun.event && n.timestamp == begun.timestamp && n.duration >= begun.duration);
        open = false;
      }
    }
    check(open == receiver.active());
  }
  receiver.flush(out);
  check(!receiver.active());
  return 0;
}
