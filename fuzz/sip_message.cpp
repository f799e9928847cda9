// Fuzz target for the SIP message layer: the datagram parser, the canonical
// serializer and the stream framer. Besides memory errors it checks two
// properties: the canonical form of an accepted message is accepted again and
// is a fixed point, and stream framing at any split point yields the same
// messages as framing the whole input at once.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/message.hpp"
#include "sip/syntax/serializer.hpp"
#include "sip/syntax/stream_framer.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_datagram(std::string_view data) {
  cosip::sip::Message msg;
  if (cosip::sip::parse_message(data, msg)) return;
  const std::string canonical = cosip::sip::serialize(msg);
  // The canonical form may be longer than the input (long header names, an
  // added Content-Length) and so pass a limit the input stayed under; the
  // grammar, not the limits, is what it must satisfy again.
  cosip::sip::Limits relaxed;
  relaxed.max_message_size *= 4;
  relaxed.max_headers += 1;
  relaxed.max_header_length *= 4;
  cosip::sip::Message again;
  check(!cosip::sip::parse_message(canonical, again, relaxed));
  check(cosip::sip::serialize(again) == canonical);
}

std::vector<std::string> frame(std::string_view data, std::size_t split) {
  cosip::sip::StreamFramer framer;
  std::vector<std::string> messages;
  auto drain = [&] {
    std::string_view m;
    while (!framer.next(m)) messages.emplace_back(m);
  };
  framer.feed(data.substr(0, split));
  drain();
  framer.feed(data.substr(split));
  drain();
  return messages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_datagram(input);
  if (size > 0) {
    const std::size_t split = data[0] % size;  // split point taken from the input itself
    check(frame(input, split) == frame(input, size));
  }
  return 0;
}
