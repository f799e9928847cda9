// Whole-message parsing (RFC 3261 §7, §8.1.1, §18.3): requests and
// responses, compact header names, case-insensitive names, unknown headers,
// the parser's limits, start-line faults and error text.
#include <doctest/doctest.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "sip/syntax/error.hpp"
#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"
#include "sip/syntax/message.hpp"
#include "sip/syntax/serializer.hpp"
#include "test_support.hpp"

using namespace cosip::sip;
using cosip::test::crlf;
using cosip::test::points_into;

namespace {

// RFC 3261 §24.2 F1 (its SDP body with CRLF line ends).
const std::string sdp_body = crlf({"v=0",
                                   "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com",
                                   "s=Session SDP",
                                   "c=IN IP4 pc33.atlanta.com",
                                   "t=0 0",
                                   "m=audio 49172 RTP/AVP 0",
                                   "a=rtpmap:0 PCMU/8000"});

std::string invite() {
  return crlf({"INVITE sip:bob@biloxi.com SIP/2.0",
               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
               "Max-Forwards: 70",
               "To: Bob <sip:bob@biloxi.com>",
               "From: Alice <sip:alice@atlanta.com>;tag=1928301774",
               "Call-ID: a84b4c76e66710@pc33.atlanta.com",
               "CSeq: 314159 INVITE",
               "Contact: <sip:alice@pc33.atlanta.com>",
               "Content-Type: application/sdp",
               "Content-Length: " + std::to_string(sdp_body.size()),
               ""}) +
         sdp_body;
}

// The request line replaced, the rest of a valid OPTIONS kept.
std::string with_request_line(std::string_view line) {
  return std::string(line) + "\r\n" +
         crlf({"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
               "Max-Forwards: 70",
               "To: <sip:bob@biloxi.com>",
               "From: <sip:alice@atlanta.com>;tag=1928301774",
               "Call-ID: start-line-test",
               "CSeq: 1 OPTIONS",
               "Content-Length: 0",
               ""});
}

std::string with_status_line(std::string_view line) {
  return std::string(line) + "\r\n" +
         crlf({"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
               "To: <sip:bob@biloxi.com>;tag=a6c85cf",
               "From: <sip:alice@atlanta.com>;tag=1928301774",
               "Call-ID: status-line-test",
               "CSeq: 1 OPTIONS",
               "Content-Length: 0",
               ""});
}

ParseError parse(const std::string& data, Message& m, const Limits& limits = {}) {
  return parse_message(data, m, limits);
}

ParseError parse_error(const std::string& data, const Limits& limits = {}) {
  Message m;
  const ParseError err = parse_message(data, m, limits);
  INFO("input:\n", data);
  CHECK(err);
  if (err) {
    CHECK(err.offset <= data.size());
    CHECK_FALSE(err.message().empty());
  }
  return err;
}

}  // namespace

TEST_SUITE("message basics") {

TEST_CASE("INVITE of RFC 3261 §24.2 F1") {
  const std::string data = invite();
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  CHECK(m.is_request);
  CHECK(m.method == "INVITE");
  CHECK(m.request_uri_text == "sip:bob@biloxi.com");
  CHECK(m.request_uri.user == "bob");
  CHECK(m.request_uri.host == "biloxi.com");
  REQUIRE(m.vias.size() == 1);
  CHECK(m.vias[0].branch() == "z9hG4bK776asdhds");
  CHECK(m.max_forwards == 70u);
  CHECK(m.to.display_name == "Bob");
  CHECK(m.to.tag().empty());
  CHECK(m.from.tag() == "1928301774");
  CHECK(m.call_id == "a84b4c76e66710@pc33.atlanta.com");
  CHECK(m.cseq.number == 314159);
  CHECK(m.cseq.method == "INVITE");
  REQUIRE(m.content_type.has_value());
  CHECK(m.content_type->subtype == "sdp");
  CHECK(m.content_length == sdp_body.size());
  CHECK(m.body == sdp_body);
  CHECK(m.raw == data);
  REQUIRE(m.headers.size() == 9);
  CHECK(m.headers[0].id == HeaderId::via);
  CHECK(m.headers[0].name == "Via");
  CHECK(m.headers[8].id == HeaderId::content_length);
  // Zero-copy: every view points into the input.
  CHECK(points_into(m.method, data));
  CHECK(points_into(m.call_id, data));
  CHECK(points_into(m.body, data));
  CHECK(points_into(m.from.uri.host, data));
  CHECK(points_into(m.headers[3].value, data));
}

TEST_CASE("200 OK response of RFC 3261 §24.2 F9") {
  const std::string data = crlf({"SIP/2.0 200 OK",
                                 "Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3",
                                 "Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2",
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1",
                                 "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf",
                                 "From: Alice <sip:alice@atlanta.com>;tag=1928301774",
                                 "Call-ID: a84b4c76e66710@pc33.atlanta.com",
                                 "CSeq: 314159 INVITE",
                                 "Contact: <sip:bob@192.0.2.4>",
                                 "Content-Length: 0",
                                 ""});
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  CHECK_FALSE(m.is_request);
  CHECK(m.status_code == 200);
  CHECK(m.reason_phrase == "OK");
  CHECK(m.method.empty());
  REQUIRE(m.vias.size() == 3);
  CHECK(m.vias[2].received()->value == "192.0.2.1");
  CHECK(m.to.tag() == "a6c85cf");
  CHECK(m.cseq.method == "INVITE");  // a response's CSeq names the request
  CHECK_FALSE(m.max_forwards.has_value());
  CHECK(m.body.empty());
}

TEST_CASE("REGISTER with Contact, Expires and a reason phrase of several words") {
  const std::string reg = crlf({"REGISTER sips:ss2.biloxi.example.com SIP/2.0",
                                "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7",
                                "Max-Forwards: 70",
                                "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl",
                                "To: Bob <sips:bob@biloxi.example.com>",
                                "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com",
                                "CSeq: 1 REGISTER",
                                "Contact: <sips:bob@client.biloxi.example.com>",
                                "Expires: 7200",
                                "Content-Length: 0",
                                ""});
  Message m;
  REQUIRE_FALSE(parse(reg, m));
  CHECK(m.method == "REGISTER");
  CHECK(m.request_uri.scheme == Uri::Scheme::sips);
  CHECK(m.vias[0].transport == "TLS");
  CHECK(m.vias[0].port == 5061);
  const Header* expires = m.find(HeaderId::expires);
  REQUIRE(expires != nullptr);
  std::uint32_t secs = 0;
  REQUIRE(decode_uint(expires->value, 4294967295u, secs));
  CHECK(secs == 7200);

  const std::string resp = with_status_line("SIP/2.0 401 Unauthorized Here And Now");
  Message r;
  REQUIRE_FALSE(parse(resp, r));
  CHECK(r.status_code == 401);
  CHECK(r.reason_phrase == "Unauthorized Here And Now");
}

TEST_CASE("Message::find by id and by name; clear()") {
  const std::string data = invite();
  Message m;
  REQUIRE_FALSE(parse(data, m));
  const Header* by_id = m.find(HeaderId::call_id);
  REQUIRE(by_id != nullptr);
  CHECK(m.find("Call-ID") == by_id);
  CHECK(m.find("call-id") == by_id);
  CHECK(m.find("i") == by_id);  // compact form maps to the same header
  CHECK(m.find(HeaderId::route) == nullptr);
  CHECK(m.find("X-Nothing") == nullptr);
  m.clear();
  CHECK(m.headers.empty());
  CHECK(m.vias.empty());
  CHECK(m.body.empty());
  CHECK(m.find(HeaderId::call_id) == nullptr);
}

TEST_CASE("without Content-Length the body is the rest of the datagram (§18.3)") {
  const std::string data = crlf({"MESSAGE sip:bob@biloxi.com SIP/2.0",
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "Max-Forwards: 70",
                                 "To: <sip:bob@biloxi.com>",
                                 "From: <sip:alice@atlanta.com>;tag=1",
                                 "Call-ID: no-cl",
                                 "CSeq: 1 MESSAGE",
                                 "Content-Type: text/plain",
                                 "",
                                 "hello"});
  Message m;
  REQUIRE_FALSE(parse(data, m));
  CHECK_FALSE(m.content_length.has_value());
  CHECK(m.body == "hello\r\n");
}

TEST_CASE("octets past Content-Length are ignored; too few octets are an error (§18.3)") {
  const std::string base = crlf({"MESSAGE sip:bob@biloxi.com SIP/2.0",
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "Max-Forwards: 70",
                                 "To: <sip:bob@biloxi.com>",
                                 "From: <sip:alice@atlanta.com>;tag=1",
                                 "Call-ID: cl-test",
                                 "CSeq: 1 MESSAGE"});
  {
    const std::string data = base + "Content-Length: 3\r\n\r\nabcdef";
    Message m;
    REQUIRE_FALSE(parse(data, m));
    CHECK(m.body == "abc");
    CHECK(m.raw == std::string_view(data).substr(0, data.size() - 3));
  }
  {
    const std::string data = base + "Content-Length: 10\r\n\r\nabc";
    CHECK(parse_error(data).code == ParseErrc::bad_content_length);
  }
}

TEST_CASE("mandatory headers (§8.1.1): each one missing is reported") {
  const std::string lines[] = {
      "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
      "To: <sip:bob@biloxi.com>",
      "From: <sip:alice@atlanta.com>;tag=1",
      "Call-ID: missing-test",
      "CSeq: 1 OPTIONS",
  };
  const HeaderId ids[] = {HeaderId::via, HeaderId::to, HeaderId::from, HeaderId::call_id, HeaderId::cseq};
  for (int skip = 0; skip < 5; ++skip) {
    std::string data = "OPTIONS sip:bob@biloxi.com SIP/2.0\r\nMax-Forwards: 70\r\n";
    for (int i = 0; i < 5; ++i)
      if (i != skip) data += lines[i] + "\r\n";
    data += "Content-Length: 0\r\n\r\n";
    INFO("without ", lines[skip]);
    const ParseError err = parse_error(data);
    CHECK(err.code == ParseErrc::missing_header);
    CHECK(err.header == ids[skip]);
  }
}

TEST_CASE("single-valued headers may not repeat (§7.3.1, §20)") {
  struct Case {
    const char* line;
    HeaderId id;
  };
  for (const Case& c : {Case{"To: <sip:carol@chicago.com>", HeaderId::to},
                        Case{"From: <sip:carol@chicago.com>;tag=9", HeaderId::from},
                        Case{"Call-ID: another", HeaderId::call_id},
                        Case{"CSeq: 2 OPTIONS", HeaderId::cseq},
                        Case{"Max-Forwards: 5", HeaderId::max_forwards},
                        Case{"Content-Length: 0", HeaderId::content_length}}) {
    INFO(c.line);
    std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
    data.insert(data.size() - 2, std::string(c.line) + "\r\n");
    const ParseError err = parse_error(data);
    CHECK(err.code == ParseErrc::duplicate_header);
    CHECK(err.header == c.id);
    CHECK(err.offset >= data.find(c.line));
  }
}

TEST_CASE("methods are case-sensitive: CSeq 'invite' does not match INVITE (§7.1, §8.1.1.7)") {
  std::string data = with_request_line("INVITE sip:bob@biloxi.com SIP/2.0");
  data.replace(data.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 invite");
  CHECK(parse_error(data).code == ParseErrc::cseq_method_mismatch);
  std::string ok = with_request_line("INVITE sip:bob@biloxi.com SIP/2.0");
  ok.replace(ok.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 INVITE");
  Message m;
  CHECK_FALSE(parse(ok, m));
}

TEST_CASE("a response's CSeq method is not compared with anything") {
  const std::string data = with_status_line("SIP/2.0 486 Busy Here");
  Message m;
  CHECK_FALSE(parse(data, m));
  CHECK(m.cseq.method == "OPTIONS");
}

TEST_CASE("Max-Forwards is an integer in 0-255 (§20.22)") {
  for (const char* value : {"256", "300", "-1", "70 70", "seventy", ""}) {
    INFO("Max-Forwards: ", value);
    std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
    data.replace(data.find("Max-Forwards: 70"), 16, std::string("Max-Forwards: ") + value);
    const ParseError err = parse_error(data);
    CHECK(err.code == ParseErrc::bad_header_value);
    CHECK(err.header == HeaderId::max_forwards);
  }
}

TEST_CASE("folded and padded values of known headers") {
  const std::string data = crlf({"OPTIONS sip:bob@biloxi.com SIP/2.0",
                                 "Via:\r\n SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "To: <sip:bob@biloxi.com>   ",
                                 "From: <sip:alice@atlanta.com>;tag=1\t",
                                 "Call-ID: padded   ",
                                 "CSeq:\t1\r\n\tOPTIONS",
                                 "Subject:\r\n hello\r\n  world",
                                 "Content-Length: 0",
                                 ""});
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  CHECK(m.call_id == "padded");
  CHECK(m.from.tag() == "1");
  CHECK(m.cseq.method == "OPTIONS");
  CHECK(m.vias.size() == 1);
  CHECK(m.find(HeaderId::subject)->value == "hello\r\n  world");
  CHECK(m.find(HeaderId::to)->value == "<sip:bob@biloxi.com>");
}

TEST_CASE("mandatory headers of a response (§8.1.3, §18.1.2)") {
  const char* names[] = {"Via:", "To:", "From:", "Call-ID:", "CSeq:"};
  const HeaderId ids[] = {HeaderId::via, HeaderId::to, HeaderId::from, HeaderId::call_id, HeaderId::cseq};
  for (int i = 0; i < 5; ++i) {
    std::string data = with_status_line("SIP/2.0 200 OK");
    const std::size_t at = data.find(names[i]);
    data.erase(at, data.find("\r\n", at) + 2 - at);
    INFO("without ", names[i]);
    const ParseError err = parse_error(data);
    CHECK(err.code == ParseErrc::missing_header);
    CHECK(err.header == ids[i]);
  }
}

TEST_CASE("control characters are not allowed in header values (§25.1 TEXT-UTF8char)") {
  for (std::string_view bad : {std::string_view("X-Foo: a\0b", 10), std::string_view("X-Foo: a\rb"),
                               std::string_view("X-Foo: a\x01" "b"), std::string_view("Subject: a\x7f")}) {
    std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
    data.insert(data.find("Call-ID"), std::string(bad) + "\r\n");
    INFO("header: ", bad);
    const ParseError err = parse_error(data);
    CHECK(err.offset >= data.find(bad.substr(0, bad.find(':'))));
    CHECK(err.offset < data.find("Call-ID"));
  }
}

TEST_CASE("a continuation line right after the start line is an error") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Via"), " ");
  parse_error(data);
}

TEST_CASE("an empty header name is a bad header name") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Call-ID"), ": nameless\r\n");
  CHECK(parse_error(data).code == ParseErrc::bad_header_name);
}

TEST_CASE("serialize() rebuilds the start line in its canonical spelling") {
  {
    const std::string data = with_request_line("OPTIONS SIP:bob@biloxi.com sip/2.0");
    Message m;
    REQUIRE_FALSE(parse(data, m));
    const std::string out = serialize(m);
    CHECK(out.rfind("OPTIONS sip:bob@biloxi.com SIP/2.0\r\n", 0) == 0);
  }
  {
    const std::string data = with_status_line("sip/2.0 180 Ringing");
    Message m;
    REQUIRE_FALSE(parse(data, m));
    CHECK(serialize(m).rfind("SIP/2.0 180 Ringing\r\n", 0) == 0);
  }
}

TEST_CASE("append_header_value writes the canonical value of a known header") {
  std::string out;
  append_header_value(out, Header{HeaderId::cseq, "CSeq", "0009\r\n  INVITE"});
  CHECK(out == "9 INVITE");
  out.clear();
  append_header_value(out, Header{HeaderId::max_forwards, "Max-Forwards", "0068"});
  CHECK(out == "68");
  out.clear();
  append_header_value(out, Header{HeaderId::via, "v", "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw"});
  CHECK(out == "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw");
  out.clear();
  append_header_value(out, Header{HeaderId::other, "X-Foo", "a\r\n b"});
  CHECK(out.find("\r\n") == std::string::npos);
  CHECK(out.rfind("a", 0) == 0);
  CHECK(out.back() == 'b');
}

TEST_CASE("a header section without its empty line") {
  const std::string data = crlf({"OPTIONS sip:bob@biloxi.com SIP/2.0",
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "To: <sip:bob@biloxi.com>",
                                 "From: <sip:alice@atlanta.com>;tag=1",
                                 "Call-ID: no-end",
                                 "CSeq: 1 OPTIONS"});
  CHECK(parse_error(data).code == ParseErrc::missing_header_end);
}

TEST_CASE("a header line without a colon is a bad header name (§7.3.1)") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Call-ID"), "Foobar roobar\r\n");
  const ParseError err = parse_error(data);
  CHECK(err.code == ParseErrc::bad_header_name);
  CHECK(err.offset >= data.find("Foobar"));
  CHECK(err.offset < data.find("Call-ID"));
}

TEST_CASE("a header name that is not a token is a bad header name") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Call-ID"), "Bad Name: x\r\n");
  CHECK(parse_error(data).code == ParseErrc::bad_header_name);
}

}  // TEST_SUITE

TEST_SUITE("header names") {

TEST_CASE("compact forms map to their long names (RFC 3261 §7.3.3 and extensions)") {
  struct Compact {
    const char* letter;
    HeaderId id;
    const char* long_name;
  };
  const Compact table[] = {
      {"i", HeaderId::call_id, "Call-ID"},                   // RFC 3261
      {"m", HeaderId::contact, "Contact"},                   // RFC 3261
      {"e", HeaderId::content_encoding, "Content-Encoding"}, // RFC 3261
      {"l", HeaderId::content_length, "Content-Length"},     // RFC 3261
      {"f", HeaderId::from, "From"},                         // RFC 3261
      {"t", HeaderId::to, "To"},                             // RFC 3261
      {"v", HeaderId::via, "Via"},                           // RFC 3261
      {"s", HeaderId::subject, "Subject"},                   // RFC 3261
      {"k", HeaderId::supported, "Supported"},               // RFC 3261
      {"c", HeaderId::content_type, "Content-Type"},         // RFC 3261
      {"o", HeaderId::event, "Event"},                       // RFC 6665 (3265)
      {"u", HeaderId::allow_events, "Allow-Events"},         // RFC 6665 (3265)
      {"r", HeaderId::refer_to, "Refer-To"},                 // RFC 3515
      {"b", HeaderId::referred_by, "Referred-By"},           // RFC 3892
      {"x", HeaderId::session_expires, "Session-Expires"},   // RFC 4028
      {"y", HeaderId::identity, "Identity"},                 // RFC 4474 / 8224
      {"a", HeaderId::accept_contact, "Accept-Contact"},     // RFC 3841
      {"j", HeaderId::reject_contact, "Reject-Contact"},     // RFC 3841
      {"d", HeaderId::request_disposition, "Request-Disposition"},  // RFC 3841
      {"n", HeaderId::identity_info, "Identity-Info"},       // RFC 4474
  };
  for (const auto& c : table) {
    INFO(c.letter, " -> ", c.long_name);
    CHECK(header_id(c.letter) == c.id);
    const std::string upper(1, static_cast<char>(c.letter[0] - 'a' + 'A'));
    CHECK(header_id(upper) == c.id);
    CHECK(header_id(c.long_name) == c.id);
    CHECK(canonical_name(c.id) == c.long_name);
  }
  // Letters with no compact form.
  for (const char* none : {"g", "h", "p", "q", "w", "z"}) {
    INFO(none);
    CHECK(header_id(none) == HeaderId::other);
  }
}

TEST_CASE("compact forms in a message") {
  const std::string data = crlf({"SUBSCRIBE sip:bob@biloxi.com SIP/2.0",
                                 "v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "Max-Forwards: 70",
                                 "t: <sip:bob@biloxi.com>",
                                 "f: <sip:alice@atlanta.com>;tag=1",
                                 "i: compact-forms",
                                 "CSeq: 1 SUBSCRIBE",
                                 "m: <sip:alice@pc33.atlanta.com>",
                                 "s: Lunch",
                                 "k: 100rel, timer",
                                 "o: presence",
                                 "u: presence, dialog",
                                 "r: <sip:carol@cleveland.example.org>",
                                 "b: <sip:alice@atlanta.example.com>",
                                 "x: 1800;refresher=uac",
                                 "e: gzip",
                                 "c: text/plain",
                                 "l: 2",
                                 "",
                                 "hi"});
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  const HeaderId expected[] = {HeaderId::via, HeaderId::max_forwards, HeaderId::to, HeaderId::from,
                               HeaderId::call_id, HeaderId::cseq, HeaderId::contact, HeaderId::subject,
                               HeaderId::supported, HeaderId::event, HeaderId::allow_events,
                               HeaderId::refer_to, HeaderId::referred_by, HeaderId::session_expires,
                               HeaderId::content_encoding, HeaderId::content_type,
                               HeaderId::content_length};
  REQUIRE(m.headers.size() == std::size(expected));
  for (std::size_t i = 0; i < m.headers.size(); ++i) {
    INFO(m.headers[i].name);
    CHECK(m.headers[i].id == expected[i]);
  }
  CHECK(m.call_id == "compact-forms");
  CHECK(m.vias.size() == 1);
  CHECK(m.from.tag() == "1");
  CHECK(m.content_length == 2u);
  CHECK(m.body == "hi");
  REQUIRE(m.content_type.has_value());
  CHECK(m.content_type->type == "text");

  // serialize() writes the long names (serializer.hpp).
  const std::string out = serialize(m);
  CHECK(out.find("\r\nCall-ID: compact-forms\r\n") != std::string::npos);
  CHECK(out.find("\r\nRefer-To: ") != std::string::npos);
  CHECK(out.find("\r\nSession-Expires: ") != std::string::npos);
  CHECK(out.find("\r\ni:") == std::string::npos);
}

TEST_CASE("header names are case-insensitive (§7.3.1)") {
  CHECK(header_id("cAlL-iD") == HeaderId::call_id);
  CHECK(header_id("VIA") == HeaderId::via);
  CHECK(header_id("content-LENGTH") == HeaderId::content_length);
  CHECK(header_id("www-authenticate") == HeaderId::www_authenticate);
  CHECK(header_id("CSEQ") == HeaderId::cseq);
  CHECK(header_id("X-Unknown") == HeaderId::other);
  CHECK(header_id("Via2") == HeaderId::other);
  CHECK(header_id("") == HeaderId::other);
  CHECK(canonical_name(HeaderId::cseq) == "CSeq");
  CHECK(canonical_name(HeaderId::www_authenticate) == "WWW-Authenticate");

  const std::string data = crlf({"OPTIONS sip:bob@biloxi.com SIP/2.0",
                                 "VIA: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "max-forwards: 70",
                                 "tO: <sip:bob@biloxi.com>",
                                 "FROM: <sip:alice@atlanta.com>;tag=1",
                                 "call-id: case-test",
                                 "cSeQ: 1 OPTIONS",
                                 "CONTENT-length: 0",
                                 ""});
  Message m;
  REQUIRE_FALSE(parse(data, m));
  CHECK(m.call_id == "case-test");
  CHECK(m.cseq.number == 1);
  CHECK(m.max_forwards == 70u);
  CHECK(m.find("Call-ID") == m.find(HeaderId::call_id));
  CHECK(m.find(HeaderId::call_id)->name == "call-id");  // kept as received
}

TEST_CASE("unknown headers are preserved byte for byte") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  const std::string_view value = "a  ,, b;;c \"q , \\\" x\"\r\n\t d  %zz <>";
  data.insert(data.find("Call-ID"), "X-Foo:   " + std::string(value) + "  \r\n");
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  const Header* h = m.find("x-foo");
  REQUIRE(h != nullptr);
  CHECK(h->id == HeaderId::other);
  CHECK(h->name == "X-Foo");
  CHECK(h->value == value);  // leading and trailing LWS removed, nothing else

  // serialize() keeps it, with the fold joined.
  const std::string out = serialize(m);
  CHECK(out.find("X-Foo: a  ,, b;;c \"q , \\\" x\"") != std::string::npos);
  CHECK(out.find("\r\n\t d") == std::string::npos);
  Message again;
  REQUIRE_FALSE(parse_message(out, again));
  REQUIRE(again.find("X-Foo") != nullptr);
}

TEST_CASE("HCOLON allows whitespace before the colon and empty values (§7.3.1)") {
  const std::string data = crlf({"OPTIONS sip:bob@biloxi.com SIP/2.0",
                                 "Via \t : SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
                                 "To:<sip:bob@biloxi.com>",
                                 "From:    <sip:alice@atlanta.com>;tag=1",
                                 "Call-ID   :hcolon",
                                 "CSeq: 1 OPTIONS",
                                 "X-Empty:",
                                 "Subject:   ",
                                 "Content-Length: 0",
                                 ""});
  Message m;
  const ParseError err = parse(data, m);
  INFO(err.message());
  REQUIRE_FALSE(err);
  CHECK(m.call_id == "hcolon");
  REQUIRE(m.find("X-Empty") != nullptr);
  CHECK(m.find("X-Empty")->value.empty());
  CHECK(m.find(HeaderId::subject)->value.empty());
}

}  // TEST_SUITE

TEST_SUITE("limits") {

TEST_CASE("max_headers") {
  const std::string data = invite();  // 9 header fields
  Limits limits;
  limits.max_headers = 9;
  Message ok;
  CHECK_FALSE(parse(data, ok, limits));
  limits.max_headers = 5;
  CHECK(parse_error(data, limits).code == ParseErrc::too_many_headers);
}

TEST_CASE("max_header_length, folds included") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Call-ID"), "X-Long: " + std::string(40, 'a') + "\r\n " + std::string(40, 'b') + "\r\n");
  Limits limits;
  limits.max_header_length = 200;
  Message ok;
  CHECK_FALSE(parse(data, ok, limits));
  limits.max_header_length = 60;  // the header field is 91 octets with its fold
  const ParseError err = parse_error(data, limits);
  CHECK(err.code == ParseErrc::header_too_long);
  CHECK(err.offset >= data.find("X-Long"));
}

TEST_CASE("max_message_size") {
  const std::string data = invite();
  Limits limits;
  limits.max_message_size = data.size();
  Message ok;
  CHECK_FALSE(parse(data, ok, limits));
  limits.max_message_size = 100;
  CHECK(parse_error(data, limits).code == ParseErrc::message_too_large);
}

TEST_CASE("value limits reach the header decoders") {
  std::string data = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  data.insert(data.find("Call-ID"),
              "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2, "
              "SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n");
  Limits limits;
  Message ok;
  REQUIRE_FALSE(parse(data, ok, limits));
  CHECK(ok.vias.size() == 4);
  limits.values.max_list_values = 2;
  const ParseError err = parse_error(data, limits);
  CHECK(err.code == ParseErrc::too_many_values);  // error.hpp: max_list_values / max_params
  CHECK(err.header == HeaderId::via);
}

}  // TEST_SUITE

TEST_SUITE("start line") {

TEST_CASE("request line faults (§7.1: Method SP Request-URI SP SIP-Version CRLF)") {
  {
    const ParseError err = parse_error(with_request_line("OPTIONS  sip:bob@biloxi.com SIP/2.0"));
    CHECK((err.code == ParseErrc::bad_start_line || err.code == ParseErrc::bad_request_uri));
  }
  {
    const ParseError err = parse_error(with_request_line("OPTIONS sip:bob@biloxi.com  SIP/2.0"));
    CHECK(err.code != ParseErrc::ok);
  }
  {
    const ParseError err = parse_error(with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0 "));
    CHECK((err.code == ParseErrc::bad_start_line || err.code == ParseErrc::bad_version));
  }
  CHECK(parse_error(with_request_line("OPTIONS <sip:bob@biloxi.com> SIP/2.0")).code == ParseErrc::bad_request_uri);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com?Route=%3Csip:x%3E SIP/2.0")).code ==
        ParseErrc::bad_request_uri);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com:99999 SIP/2.0")).code ==
        ParseErrc::bad_request_uri);
  {
    const ParseError err = parse_error(with_request_line("OPTIONS sip:bob@biloxi.com"));
    CHECK((err.code == ParseErrc::bad_start_line || err.code == ParseErrc::bad_version));
  }
  {
    const ParseError err = parse_error(with_request_line("OPTIONS"));
    CHECK(err.code != ParseErrc::ok);
  }
  {
    // The method is not a token; whether this is called a bad method or a
    // bad start line, the fault lies in the method.
    const ParseError err = parse_error(with_request_line("OPT@ONS sip:bob@biloxi.com SIP/2.0"));
    CHECK((err.code == ParseErrc::bad_method || err.code == ParseErrc::bad_start_line));
    CHECK(err.offset <= 3);
  }
  CHECK(parse_error(with_request_line("@OPTIONS sip:bob@biloxi.com SIP/2.0")).code == ParseErrc::bad_method);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.1")).code ==
        ParseErrc::unsupported_version);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com SIP/3.0")).code ==
        ParseErrc::unsupported_version);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com SIP/2")).code == ParseErrc::bad_version);
  CHECK(parse_error(with_request_line("OPTIONS sip:bob@biloxi.com HTTP/1.1")).code == ParseErrc::bad_version);
  {
    const ParseError err = parse_error(with_request_line(" OPTIONS sip:bob@biloxi.com SIP/2.0"));
    CHECK(err.code != ParseErrc::ok);
  }
  {
    const ParseError err = parse_error("\r\n");
    CHECK(err.code != ParseErrc::ok);
  }
  {
    const ParseError err = parse_error("");
    CHECK(err.code != ParseErrc::ok);
  }
}

TEST_CASE("the SIP-Version is case-insensitive (§7.1)") {
  Message m;
  const std::string data = with_request_line("OPTIONS sip:bob@biloxi.com sip/2.0");
  const ParseError err = parse(data, m);
  INFO(err.message());
  CHECK_FALSE(err);
}

TEST_CASE("the start line error points at the faulty element") {
  const std::string data = with_request_line("OPTIONS <sip:bob@biloxi.com> SIP/2.0");
  const ParseError err = parse_error(data);
  CHECK(err.offset >= 8);  // at or after the Request-URI
  CHECK(err.offset < data.find("\r\n"));
  const std::string v = with_request_line("OPTIONS sip:bob@biloxi.com SIP/7.0");
  const ParseError verr = parse_error(v);
  CHECK(verr.offset >= v.find("SIP/7.0"));
}

TEST_CASE("status line faults (§7.2: Status-Code = 3DIGIT)") {
  CHECK(parse_error(with_status_line("SIP/2.0 1000 Too Big")).code == ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/2.0 99 Too Small")).code == ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/2.0 099 Too Small")).code == ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/2.0 2x0 OK")).code == ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/2.0 4294967301 better not break the receiver")).code ==
        ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/2.0 -200 OK")).code == ParseErrc::bad_status_code);
  CHECK(parse_error(with_status_line("SIP/3.0 200 OK")).code == ParseErrc::unsupported_version);
}

TEST_CASE("status line edge cases that are valid") {
  {
    Message m;
    const std::string data = with_status_line("SIP/2.0 100 ");
    REQUIRE_FALSE(parse(data, m));
    CHECK(m.status_code == 100);
    CHECK(m.reason_phrase.empty());
  }
  {
    Message m;
    const std::string data = with_status_line("SIP/2.0 699 Custom  reason\twith tab");
    REQUIRE_FALSE(parse(data, m));
    CHECK(m.status_code == 699);
    CHECK(m.reason_phrase == "Custom  reason\twith tab");
  }
}

}  // TEST_SUITE

TEST_SUITE("error text") {

TEST_CASE("ParseError::message names the fault and says 'at byte'") {
  const std::string data = with_status_line("SIP/2.0 1000 Too Big");
  const ParseError err = parse_error(data);
  const std::string text = err.message();
  CHECK(text.find("at byte") != std::string::npos);
  CHECK(text.find(std::to_string(err.offset)) != std::string::npos);

  std::string hdr = with_request_line("OPTIONS sip:bob@biloxi.com SIP/2.0");
  hdr.replace(hdr.find("CSeq: 1 OPTIONS"), 15, "CSeq: x OPTIONS");
  const ParseError herr = parse_error(hdr);
  CHECK(herr.code == ParseErrc::bad_header_value);
  CHECK(herr.header == HeaderId::cseq);
  CHECK(herr.message().find("at byte") != std::string::npos);
  CHECK(herr.message().find("CSeq") != std::string::npos);
  CHECK(herr.offset >= hdr.find("CSeq"));
}

TEST_CASE("every error code has a name") {
  for (int c = static_cast<int>(ParseErrc::ok); c <= static_cast<int>(ParseErrc::missing_header_end); ++c) {
    INFO(c);
    CHECK_FALSE(to_string(static_cast<ParseErrc>(c)).empty());
  }
  CHECK_FALSE(static_cast<bool>(ParseError{}));
}

}  // TEST_SUITE
