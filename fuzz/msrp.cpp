// Fuzz target for the MSRP syntax layer: the stream parser, the head parser
// and the serializer. Input: byte 0 seeds the split points, byte 1 picks the
// limits, the rest is the stream. Besides memory errors it checks that
// - feeding the stream in pieces split at points drawn from byte 0 reports
//   the same heads, body bytes, flags and error as feeding it whole (but for
//   how much of a body over Limits::max_body_size came before the error);
// - every parser call either uses all its bytes or reports an event;
// - no delivered body holds its own end-line (RFC 4975 §7.1), as the
//   serializer's body_contains_end_line() judges it;
// - the canonical form of each message parses back and is a fixed point;
// - each head the parser gives equals what parsing its text gives (the
//   parser may take a chunk's head from the previous one's).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "msrp/parser.hpp"
#include "msrp/serializer.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Received {
  cosip::msrp::OwnedHead head;
  std::string body;
  cosip::msrp::EndFlag flag{};
  bool ended = false;
};

struct Log {
  std::vector<Received> messages;
  cosip::msrp::ParseErrc error = cosip::msrp::ParseErrc::ok;
  std::uint64_t error_offset = 0;
};

Log feed(std::string_view stream, const std::vector<std::size_t>& cuts, const cosip::msrp::Limits& limits) {
  using cosip::msrp::Event;
  cosip::msrp::StreamParser parser(limits);
  Log log;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : stream.size();
    std::string_view rest = stream.substr(from, to - from);
    from = to;
    for (;;) {
      const auto r = parser.feed(rest);
      check(r.used <= rest.size());
      rest.remove_prefix(r.used);
      if (r.event == Event::need_more) {
        check(rest.empty());
        break;
      }
      if (r.event == Event::error) {
        log.error = parser.error().code;
        log.error_offset = parser.error().offset;
        return log;
      }
      if (r.event == Event::head) {
        Received m;
        m.head = cosip::msrp::OwnedHead(parser.head());
        // The parser's head (maybe from its HeadTemplate) is what parsing its text gives.
        const cosip::msrp::MessageHead& h = parser.head();
        check(cosip::msrp::serialize_head(h) == cosip::msrp::serialize_head(m.head.get()));
        check(h.transaction_id == m.head->transaction_id && h.byte_range.has_value() == m.head->byte_range.has_value());
        check(!h.byte_range || (h.byte_range->start == m.head->byte_range->start &&
                                h.byte_range->end == m.head->byte_range->end &&
                                h.byte_range->total == m.head->byte_range->total));
        check(h.header("Byte-Range") == m.head->header("Byte-Range"));
        log.messages.push_back(std::move(m));
      } else if (r.event == Event::body) {
        check(!parser.body().empty());
        log.messages.back().body.append(parser.body());
        check(limits.max_body_size == 0 || log.messages.back().body.size() <= limits.max_body_size);
      } else {
        log.messages.back().flag = parser.flag();
        log.messages.back().ended = true;
        check(parser.body_size() == log.messages.back().body.size());
      }
    }
  }
  return log;
}

bool same(const Log& a, const Log& b) {
  if (a.error != b.error || a.error_offset != b.error_offset || a.messages.size() != b.messages.size()) return false;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    const Received& x = a.messages[i];
    const Received& y = b.messages[i];
    // Over the body limit, how much was handed out before the error depends
    // on the split; that it stayed within the limit is checked in feed().
    const bool cut_short = a.error == cosip::msrp::ParseErrc::body_too_large && i + 1 == a.messages.size();
    if (x.head->text != y.head->text || (!cut_short && x.body != y.body) || x.ended != y.ended ||
        (x.ended && x.flag != y.flag))
      return false;
  }
  return true;
}

void check_canonical(const Received& m) {
  const std::string canonical = cosip::msrp::serialize(m.head.get(), m.body, m.flag);
  cosip::msrp::Limits relaxed;  // the canonical head may be longer than the input's
  relaxed.max_head_size = 1u << 20;
  cosip::msrp::Message again;
  check(!cosip::msrp::parse_message(canonical, again, relaxed));
  check(again.body == m.body && again.flag == m.flag);
  check(cosip::msrp::serialize(again.head.get(), again.body, again.flag) == canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  cosip::msrp::Limits limits;
  if (data[1] & 1) limits.max_body_size = 64;
  if (data[1] & 2) limits.max_head_size = 256;

  // Split points from a small generator seeded by byte 0.
  std::vector<std::size_t> cuts;
  std::uint32_t state = data[0] * 2654435761u + 1;
  for (std::size_t at = 0;;) {
    state = state * 1103515245u + 12345u;
    at += 1 + (state >> 16) % (data[0] % 32 + 1);
    if (at >= stream.size()) break;
    cuts.push_back(at);
  }
  const Log whole = feed(stream, {}, limits);
  check(same(feed(stream, cuts, limits), whole));

  for (const Received& m : whole.messages) {
    if (!m.ended) continue;
    check(!cosip::msrp::body_contains_end_line(m.body, m.head->transaction_id));
    check_canonical(m);
  }
  return 0;
}
