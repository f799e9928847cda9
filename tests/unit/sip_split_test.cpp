// StreamFramer (RFC 3261 §18.3 stream framing, RFC 5626 §4.4.1 CRLF
// keep-alives): every valid torture message whose Content-Length matches its
// body is fed split at every offset, byte by byte and pipelined; the framed
// bytes must equal the input and parse to the same canonical form.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/error.hpp"
#include "sip/syntax/message.hpp"
#include "sip/syntax/serializer.hpp"
#include "sip/syntax/stream_framer.hpp"
#include "test_support.hpp"

using namespace cosip::sip;
using cosip::test::all_torture_cases;
using cosip::test::crlf;
using cosip::test::header_end;
using cosip::test::read_file;
using cosip::test::torture;

namespace {

struct Framed {
  std::string name;
  std::string bytes;
  std::string canonical;  // serialize(parse_message(bytes))
};

// Valid torture messages that a stream can carry as they are: parseable, with
// a Content-Length equal to the octets after the header section. Messages
// without Content-Length (inv2543) or with trailing octets (dblreq, and the
// RFC 5118 files whose CRLF-widened bodies outgrew their Content-Length) are
// left out by computation, not by name.
const std::vector<Framed>& stream_corpus() {
  static const std::vector<Framed> corpus = [] {
    std::vector<Framed> out;
    for (const auto& c : all_torture_cases()) {
      if (!c.valid()) continue;
      std::string bytes = read_file(c.path);
      const std::size_t end = header_end(bytes);
      if (end == std::string::npos) continue;
      Message m;
      if (parse_message(bytes, m)) continue;
      if (!m.content_length || *m.content_length != bytes.size() - end) continue;
      Framed f{c.name, std::move(bytes), {}};
      Message again;
      if (!parse_message(f.bytes, again)) f.canonical = serialize(again);
      out.push_back(std::move(f));
    }
    return out;
  }();
  return corpus;
}

std::string canonical_of(std::string_view bytes) {
  Message m;
  const ParseError err = parse_message(bytes, m);
  INFO("framed message does not parse: ", err.message());
  REQUIRE_FALSE(err);
  return serialize(m);
}

// Drains every complete message; stops at need_more or an error.
ParseError drain(StreamFramer& f, std::vector<std::string>& out) {
  for (;;) {
    std::string_view msg;
    const ParseError err = f.next(msg);
    if (err) return err;
    out.emplace_back(msg);
  }
}

}  // namespace

TEST_SUITE("stream framing") {

TEST_CASE("the stream corpus holds the valid messages whose Content-Length is exact") {
  const auto& corpus = stream_corpus();
  // 38 valid messages; dblreq, inv2543 and the three RFC 5118 SDP messages
  // (ipv6-in-sdp, mult-ip-in-sdp, ipv4-mapped-ipv6) fall out.
  CHECK(corpus.size() == 33);
  for (const auto& f : corpus) {
    INFO(f.name);
    CHECK_FALSE(f.canonical.empty());
    CHECK(f.name != "dblreq");
    CHECK(f.name != "inv2543");
  }
}

TEST_CASE("a message split in two at every offset is framed whole") {
  for (const auto& f : stream_corpus()) {
    INFO(f.name);
    const std::string_view all = f.bytes;
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
      StreamFramer framer;
      std::string_view msg;
      framer.feed(all.substr(0, cut));
      if (cut < all.size()) {
        const ParseError early = framer.next(msg);
        if (early.code != ParseErrc::need_more) {
          INFO("cut at ", cut, ": ", early.message());
          REQUIRE(early.code == ParseErrc::need_more);
        }
        REQUIRE(msg.empty());
        framer.feed(all.substr(cut));
      }
      const ParseError err = framer.next(msg);
      if (err || msg != all) {
        INFO("cut at ", cut, ": ", err.message());
        REQUIRE_FALSE(err);
        REQUIRE(msg == all);
      }
      REQUIRE(framer.next(msg).code == ParseErrc::need_more);
      REQUIRE(framer.buffered() == 0);
    }
    // The framed bytes mean what the original means.
    StreamFramer framer;
    std::string_view msg;
    framer.feed(all);
    REQUIRE_FALSE(framer.next(msg));
    CHECK(canonical_of(msg) == f.canonical);
  }
}

TEST_CASE("a message fed byte by byte is framed only when its last byte arrives") {
  for (const auto& f : stream_corpus()) {
    INFO(f.name);
    StreamFramer framer;
    std::string_view msg;
    const std::string_view all = f.bytes;
    for (std::size_t i = 0; i + 1 < all.size(); ++i) {
      framer.feed(all.substr(i, 1));
      const ParseError err = framer.next(msg);
      if (err.code != ParseErrc::need_more) {
        INFO("after byte ", i, ": ", err.message());
        REQUIRE(err.code == ParseErrc::need_more);
      }
    }
    framer.feed(all.substr(all.size() - 1));
    REQUIRE_FALSE(framer.next(msg));
    CHECK(msg == all);
    CHECK(canonical_of(msg) == f.canonical);
    CHECK(framer.next(msg).code == ParseErrc::need_more);
    CHECK(framer.keepalives() == 0);
  }
}

TEST_CASE("pipelined messages with CRLF keep-alives between them") {
  const auto& corpus = stream_corpus();
  REQUIRE(corpus.size() >= 2);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const Framed& a = corpus[i];
    const Framed& b = corpus[(i + 1) % corpus.size()];
    INFO(a.name, " then ", b.name);
    // A ping before the first message, one between the two, one after.
    const std::string stream = "\r\n\r\n" + a.bytes + "\r\n\r\n" + b.bytes + "\r\n\r\n";

    // Whole stream at once.
    {
      StreamFramer framer;
      framer.feed(stream);
      std::vector<std::string> got;
      CHECK(drain(framer, got).code == ParseErrc::need_more);
      REQUIRE(got.size() == 2);
      CHECK(got[0] == a.bytes);
      CHECK(got[1] == b.bytes);
      CHECK(canonical_of(got[0]) == a.canonical);
      CHECK(canonical_of(got[1]) == b.canonical);
      CHECK(framer.keepalives() == 3);  // three double-CRLF pings
      CHECK(framer.buffered() == 0);
    }
    // Every split of the stream in two, draining after each piece.
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
      StreamFramer framer;
      std::vector<std::string> got;
      framer.feed(std::string_view(stream).substr(0, cut));
      REQUIRE(drain(framer, got).code == ParseErrc::need_more);
      framer.feed(std::string_view(stream).substr(cut));
      REQUIRE(drain(framer, got).code == ParseErrc::need_more);
      if (got.size() != 2 || got[0] != a.bytes || got[1] != b.bytes || framer.keepalives() != 3) {
        INFO("cut at ", cut);
        REQUIRE(got.size() == 2);
        REQUIRE(got[0] == a.bytes);
        REQUIRE(got[1] == b.bytes);
        REQUIRE(framer.keepalives() == 3);
      }
    }
  }
}

TEST_CASE("pipelined messages fed byte by byte") {
  const auto& corpus = stream_corpus();
  std::string stream;
  std::vector<const Framed*> expected;
  for (const auto& f : corpus) {
    stream += "\r\n\r\n";
    stream += f.bytes;
    expected.push_back(&f);
  }
  StreamFramer framer;
  std::vector<std::string> got;
  for (char c : stream) {
    framer.feed(std::string_view(&c, 1));
    REQUIRE(drain(framer, got).code == ParseErrc::need_more);
  }
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(expected[i]->name);
    CHECK(got[i] == expected[i]->bytes);
  }
  CHECK(framer.keepalives() == corpus.size());
}

TEST_CASE("keep-alives are counted and skipped (RFC 5626 §4.4.1)") {
  SUBCASE("a ping alone yields no message but is counted") {
    StreamFramer framer;
    framer.feed("\r\n\r\n");
    std::string_view msg;
    CHECK(framer.next(msg).code == ParseErrc::need_more);
    CHECK(msg.empty());
    CHECK(framer.keepalives() == 1);
    CHECK(framer.buffered() == 0);
  }
  SUBCASE("each ping counts once") {
    StreamFramer framer;
    std::string_view msg;
    framer.feed("\r\n\r\n");
    CHECK(framer.next(msg).code == ParseErrc::need_more);
    CHECK(framer.keepalives() == 1);
    framer.feed("\r\n\r\n");
    CHECK(framer.next(msg).code == ParseErrc::need_more);
    CHECK(framer.keepalives() == 2);
  }
  SUBCASE("a single CRLF (a pong) is skipped but is not a ping") {
    StreamFramer framer;
    std::string_view msg;
    framer.feed("\r\n");
    CHECK(framer.next(msg).code == ParseErrc::need_more);
    const std::string msg_bytes = torture("rfc4475", "lwsdisp");
    framer.feed(msg_bytes);
    REQUIRE_FALSE(framer.next(msg));
    CHECK(msg == msg_bytes);
    CHECK(framer.keepalives() == 0);
  }
  SUBCASE("a ping split across feeds is still a ping") {
    StreamFramer framer;
    std::string_view msg;
    for (char c : std::string_view("\r\n\r\n")) {
      framer.feed(std::string_view(&c, 1));
      CHECK(framer.next(msg).code == ParseErrc::need_more);
    }
    CHECK(framer.keepalives() == 1);
  }
  SUBCASE("no keep-alive, no count") {
    StreamFramer framer;
    const std::string msg_bytes = torture("rfc4475", "lwsdisp");
    framer.feed(msg_bytes);
    std::string_view msg;
    REQUIRE_FALSE(framer.next(msg));
    CHECK(msg == msg_bytes);
    CHECK(framer.keepalives() == 0);
  }
}

TEST_CASE("Content-Length is found under any spelling of its name") {
  const std::string body = "v=0\r\n";
  for (const char* name : {"Content-Length: ", "content-length: ", "CONTENT-LENGTH:", "l: ",
                           "L:", "Content-Length   : ", "Content-Length:\r\n "}) {
    INFO(name);
    const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                  "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                  "To: <sip:bob@example.com>",
                                  "From: <sip:alice@example.com>;tag=1",
                                  "Call-ID: cl-spelling",
                                  "CSeq: 1 MESSAGE",
                                  "Max-Forwards: 70"}) +
                            name + std::to_string(body.size()) + "\r\n\r\n" + body;
    StreamFramer framer;
    framer.feed(msg + "OPTIONS");
    std::string_view out;
    REQUIRE_FALSE(framer.next(out));
    CHECK(out == msg);
  }
}

TEST_CASE("headers that only resemble Content-Length do not frame the message") {
  // The body length comes from the Content-Length header field only
  // (§7.3.1 names; §18.3), not from an extension header or a value.
  const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                "X-Content-Length: 99",
                                "Subject: l: 99",
                                "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                "To: <sip:bob@example.com>",
                                "From: <sip:alice@example.com>;tag=1",
                                "Call-ID: cl-lookalike",
                                "CSeq: 1 MESSAGE",
                                "X-Note: a folded value\r\n Content-Length: 50",
                                "Content-Length: 3",
                                ""}) +
                          "abc";
  StreamFramer framer;
  framer.feed(msg);
  std::string_view out;
  REQUIRE_FALSE(framer.next(out));
  CHECK(out == msg);
}

TEST_CASE("a body that itself holds an empty line is framed by Content-Length") {
  const std::string body = "a\r\n\r\nb\r\n\r\n";
  const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                "To: <sip:bob@example.com>",
                                "From: <sip:alice@example.com>;tag=1",
                                "Call-ID: body-crlf",
                                "CSeq: 1 MESSAGE",
                                "Content-Type: text/plain",
                                "Content-Length: " + std::to_string(body.size()),
                                ""}) +
                          body;
  for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
    StreamFramer framer;
    std::vector<std::string> got;
    framer.feed(std::string_view(msg).substr(0, cut));
    REQUIRE(drain(framer, got).code == ParseErrc::need_more);
    framer.feed(std::string_view(msg).substr(cut));
    framer.feed(msg);
    REQUIRE(drain(framer, got).code == ParseErrc::need_more);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == msg);
    CHECK(got[1] == msg);
    CHECK(framer.keepalives() == 0);  // the body's empty lines are no pings
  }
}

TEST_CASE("a message of exactly the size limit is framed") {
  const std::string data = torture("rfc4475", "esc01");
  Limits limits;
  limits.max_message_size = data.size();
  StreamFramer framer(limits);
  framer.feed(data);
  std::string_view out;
  REQUIRE_FALSE(framer.next(out));
  CHECK(out == data);
}

TEST_CASE("a Content-Length given twice with the same value frames normally") {
  // stream_framer.hpp: only differing values are a framing error.
  const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                "Content-Length: 3",
                                "l: 3",
                                ""}) +
                          "abc";
  StreamFramer framer;
  framer.feed(msg + msg);
  std::vector<std::string> got;
  CHECK(drain(framer, got).code == ParseErrc::need_more);
  REQUIRE(got.size() == 2);
  CHECK(got[1] == msg);
}

TEST_CASE("a message without Content-Length on a stream has an empty body") {
  // The framer's documented rule: an absent Content-Length counts as 0.
  const std::string head = crlf({"OPTIONS sip:bob@example.com SIP/2.0",
                                 "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                 "To: <sip:bob@example.com>",
                                 "From: <sip:alice@example.com>;tag=1",
                                 "Call-ID: no-cl",
                                 "CSeq: 1 OPTIONS",
                                 ""});
  StreamFramer framer;
  framer.feed(head + head);
  std::string_view out;
  REQUIRE_FALSE(framer.next(out));
  CHECK(out == head);
  REQUIRE_FALSE(framer.next(out));
  CHECK(out == head);
}

TEST_CASE("clerr over a stream waits for the missing body (RFC 4475 §3.1.2.2)") {
  const std::string data = torture("rfc4475", "clerr");
  StreamFramer framer;
  framer.feed(data);
  std::string_view out;
  CHECK(framer.next(out).code == ParseErrc::need_more);
  CHECK(framer.buffered() == data.size());
}

TEST_CASE("Content-Length beyond the size limit fails the stream") {
  Limits limits;
  limits.max_message_size = 1000;
  const std::string head = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                 "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                 "Call-ID: too-big",
                                 "Content-Length: 5000",
                                 ""});
  StreamFramer framer(limits);
  framer.feed(head);
  std::string_view out;
  const ParseError err = framer.next(out);
  CHECK(err.code == ParseErrc::message_too_large);
  CHECK(out.empty());
  // Framing errors are final: the stream cannot be resynchronised.
  framer.feed(torture("rfc4475", "lwsdisp"));
  const ParseError later = framer.next(out);
  CHECK(later.code == ParseErrc::message_too_large);
  CHECK(out.empty());
}

TEST_CASE("a Content-Length within the limit whose message is not fails as too large") {
  Limits limits;
  limits.max_message_size = 1000;
  const std::string head = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                 "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                 "Call-ID: too-big",
                                 "Content-Length: 990",
                                 ""});
  StreamFramer framer(limits);
  framer.feed(head);
  std::string_view out;
  CHECK(framer.next(out).code == ParseErrc::message_too_large);
}

TEST_CASE("a header section that never ends fails once it passes the size limit") {
  Limits limits;
  limits.max_message_size = 512;
  StreamFramer framer(limits);
  ParseError err;
  std::string_view out;
  std::string line = "X-Filler: " + std::string(60, 'a') + "\r\n";
  framer.feed("OPTIONS sip:bob@example.com SIP/2.0\r\n");
  for (int i = 0; i < 20 && !err; ++i) {
    framer.feed(line);
    err = framer.next(out);
    if (err.code == ParseErrc::need_more) err = {};
  }
  CHECK(err.code == ParseErrc::message_too_large);
}

TEST_CASE("a malformed Content-Length fails the stream") {
  for (const char* value : {"-5", "abc", "5x", "", "1 2", "0x10", "+5"}) {
    INFO("Content-Length: '", value, "'");
    const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                  "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                  "Call-ID: bad-cl"}) +
                            "Content-Length: " + value + "\r\n\r\nabcde";
    StreamFramer framer;
    framer.feed(msg);
    std::string_view out;
    const ParseError err = framer.next(out);
    CHECK(err.code == ParseErrc::bad_content_length);
  }
}

TEST_CASE("a Content-Length too large for any integer fails the stream") {
  const std::string msg = crlf({"MESSAGE sip:bob@example.com SIP/2.0",
                                "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1",
                                "Call-ID: huge-cl",
                                "Content-Length: 99999999999999999999999",
                                "",
                                "abcde"});
  StreamFramer framer;
  framer.feed(msg);
  std::string_view out;
  const ParseError err = framer.next(out);
  CHECK((err.code == ParseErrc::bad_content_length || err.code == ParseErrc::message_too_large));
}

TEST_CASE("ncl and mcl01 over a stream: framing is unrecoverable (RFC 4475 §3.1.2.3, §3.3.9)") {
  for (const char* name : {"ncl", "mcl01"}) {
    INFO(name);
    StreamFramer framer;
    framer.feed(torture("rfc4475", name));
    std::string_view out;
    const ParseError err = framer.next(out);
    CHECK(err);
    CHECK(err.code != ParseErrc::need_more);
  }
}

}  // TEST_SUITE
