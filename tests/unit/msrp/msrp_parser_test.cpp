// The MSRP stream parser (RFC 4975 §7.1, §9): RFC examples, every split
// point, one byte at a time, look-alike end-lines, the three flags, and each
// rejection with its offset.
//
// The RFC 4975 §4 example is as several implementations reproduce it (the
// search tool gave their copies); the §10.5 REPORT and RFC 4976 §5 AUTH
// exchanges are reconstructed from the RFCs' descriptions, not copied from
// their text.
#include <doctest/doctest.h>

#include <string>

#include "msrp_test_support.hpp"

using namespace cosip::msrp;
using msrp_test::feed_bytewise;
using msrp_test::feed_pieces;
using msrp_test::feed_split;
using msrp_test::Log;

namespace {

const std::string rfc_send =
    "MSRP a786hjs2 SEND\r\n"
    "To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "Message-ID: 87652491\r\n"
    "Byte-Range: 1-25/25\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Hey Bob, are you there?\r\n"
    "-------a786hjs2$\r\n";

const std::string rfc_response =
    "MSRP a786hjs2 200 OK\r\n"
    "To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "-------a786hjs2$\r\n";

const std::string report =
    "MSRP dkei38ia REPORT\r\n"
    "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
    "From-Path: msrp://alice.example.com:7777/iau39soe2843z;tcp\r\n"
    "Message-ID: 12339sdqwer\r\n"
    "Byte-Range: 1-106/106\r\n"
    "Status: 000 200 OK\r\n"
    "-------dkei38ia$\r\n";

const std::string auth_challenge =
    "MSRP 49fh 401 Unauthorized\r\n"
    "To-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "From-Path: msrps://alice@intra.example.com;tcp\r\n"
    "WWW-Authenticate: Digest realm=\"intra.example.com\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11\"\r\n"
    "-------49fh$\r\n";

const std::string auth_ok =
    "MSRP 49fi 200 OK\r\n"
    "To-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "From-Path: msrps://relay.example.com:2855/hjdhfha;tcp\r\n"
    "Use-Path: msrps://relay.example.com:2855/hjdhfha;tcp\r\n"
    "Expires: 900\r\n"
    "-------49fi$\r\n";

// A body full of look-alikes of its own end-line.
const std::string tricky =
    "MSRP abcd1234 SEND\r\n"
    "To-Path: msrp://b.example.com:1/s1;tcp\r\n"
    "From-Path: msrp://a.example.com:2/s2;tcp\r\n"
    "Message-ID: m123\r\n"
    "Byte-Range: 1-*/*\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "-------abcd1234$\r\n"            // the id at the body's start, no CRLF before it
    "x-------abcd1234$\r\n"           // the id without a preceding CRLF
    "\r\n-------other999$\r\n"        // another transaction id
    "\r\n-------abcd12345$\r\n"       // a longer id sharing the prefix
    "\r\n-------abcd1234x\r\n"        // not a flag
    "\r\n-------abcd1234$x"           // a flag not followed by CRLF
    "\r\n-------abcd1234+\r"          // CR without LF
    "\r\r\n------abcd1234$\r\n"       // six dashes
    "\r\n-------abcd1234"             // cut before the flag...
    "\r\n-------abcd1234+\r\n";       // ...then the real end-line (flag +)

std::string tricky_body() {
  const std::size_t start = tricky.find("\r\n\r\n") + 4;
  return tricky.substr(start, tricky.size() - start - std::string("\r\n-------abcd1234+\r\n").size());
}

Log whole(std::string_view data) { return feed_pieces({data}); }

ParseError error_of(std::string_view data) {
  Message m;
  return parse_message(data, m);
}

}  // namespace

TEST_CASE("msrp parser: the RFC 4975 §4 SEND") {
  Message m;
  REQUIRE_FALSE(parse_message(rfc_send, m));
  const MessageHead& h = m.head.get();
  CHECK(h.is_request);
  CHECK(h.method == Method::send);
  CHECK(h.transaction_id == "a786hjs2");
  REQUIRE(h.to_path.size() == 1);
  CHECK(h.to_path[0].host == "biloxi.example.com");
  CHECK(h.to_path[0].port == 12763);
  CHECK(h.to_path[0].session_id == "kjhd37s2s20w2a");
  REQUIRE(h.from_path.size() == 1);
  CHECK(h.from_path[0].session_id == "jshA7weztas");
  CHECK(h.message_id == "87652491");
  REQUIRE(h.byte_range);
  CHECK(h.byte_range->start == 1);
  CHECK(h.byte_range->end == 25);
  CHECK(h.byte_range->total == 25);
  CHECK(h.content_type == "text/plain");
  CHECK(h.has_body);
  CHECK(m.body == "Hey Bob, are you there?");
  CHECK(m.flag == EndFlag::complete);
  CHECK(h.headers.size() == 5);
}

TEST_CASE("msrp parser: the RFC 4975 §4 response") {
  Message m;
  REQUIRE_FALSE(parse_message(rfc_response, m));
  CHECK_FALSE(m.head->is_request);
  CHECK(m.head->status_code == 200);
  CHECK(m.head->comment == "OK");
  CHECK_FALSE(m.head->has_body);
  CHECK(m.body.empty());
}

TEST_CASE("msrp parser: REPORT with Status, AUTH exchange (RFC 4976)") {
  Message m;
  REQUIRE_FALSE(parse_message(report, m));
  CHECK(m.head->method == Method::report);
  REQUIRE(m.head->status);
  CHECK(m.head->status->namespace_ == 0);
  CHECK(m.head->status->code == 200);
  CHECK(m.head->status->comment == "OK");

  const std::string auth =
      "MSRP 49fh AUTH\r\n"
      "To-Path: msrps://alice@intra.example.com;tcp\r\n"
      "From-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
      "-------49fh$\r\n";
  REQUIRE_FALSE(parse_message(auth, m));
  CHECK(m.head->method == Method::auth);
  CHECK(m.head->method_name == "AUTH");

  REQUIRE_FALSE(parse_message(auth_challenge, m));
  CHECK(m.head->status_code == 401);
  CHECK(m.head->comment == "Unauthorized");
  CHECK(m.head->www_authenticate.starts_with("Digest realm=\"intra.example.com\""));

  REQUIRE_FALSE(parse_message(auth_ok, m));
  REQUIRE(m.head->use_path.size() == 1);
  CHECK(m.head->use_path[0].host == "relay.example.com");
  CHECK(m.head->expires == 900u);
}

TEST_CASE("msrp parser: extension methods and headers, reports, relay paths") {
  const std::string msg =
      "MSRP x9y8z7w6 NICKNAME\r\n"
      "To-Path: msrp://relay.example.com:2855/r1;tcp msrp://b.example.com:1/s1;tcp\r\n"
      "From-Path: msrp://a.example.com:2/s2;tcp\r\n"
      "Success-Report: yes\r\n"
      "Failure-Report: partial\r\n"
      "Use-Nickname: \"Alice\"\r\n"
      "-------x9y8z7w6$\r\n";
  Message m;
  REQUIRE_FALSE(parse_message(msg, m));
  CHECK(m.head->method == Method::extension);
  CHECK(m.head->method_name == "NICKNAME");
  CHECK(m.head->to_path.size() == 2);
  CHECK(m.head->success_report == ReportRequest::yes);
  CHECK(m.head->failure_report == ReportRequest::partial);
  CHECK(m.head->header("use-nickname") == "\"Alice\"");
  CHECK(m.head->header("Absent").empty());
}

TEST_CASE("msrp parser: every split point gives the whole-buffer result") {
  const std::string both = rfc_send + rfc_response + report + tricky + auth_challenge + auth_ok;
  const Log reference = whole(both);
  REQUIRE_FALSE(reference.error);
  REQUIRE(reference.messages.size() == 6);
  CHECK(reference.messages[3].body == tricky_body());
  CHECK(reference.messages[3].flag == '+');
  for (std::size_t at = 0; at <= both.size(); ++at) {
    CAPTURE(at);
    const Log log = feed_split(both, at);
    REQUIRE(msrp_test::same(log, reference));
    REQUIRE(log.used_everything);
  }
}

TEST_CASE("msrp parser: every pair of split points of the tricky body") {
  const Log reference = whole(tricky);
  const std::size_t size = tricky.size();
  for (std::size_t a = 0; a <= size; ++a) {
    for (std::size_t b = a; b <= size; ++b) {
      const std::string_view s = tricky;
      const Log log = feed_pieces({s.substr(0, a), s.substr(a, b - a), s.substr(b)});
      if (!msrp_test::same(log, reference)) {
        FAIL("split at " << a << " and " << b);
      }
    }
  }
}

TEST_CASE("msrp parser: one byte at a time") {
  const std::string all = rfc_send + tricky + rfc_response;
  const Log log = feed_bytewise(all);
  REQUIRE_FALSE(log.error);
  REQUIRE(log.messages.size() == 3);
  CHECK(msrp_test::same(log, whole(all)));
  CHECK(log.messages[0].body == "Hey Bob, are you there?");
  CHECK(log.messages[1].body == tricky_body());
}

TEST_CASE("msrp parser: body pieces are handed out as they come, not buffered") {
  const std::string head = rfc_send.substr(0, rfc_send.find("Hey"));
  StreamParser parser;
  auto r = parser.feed(head);
  REQUIRE(r.event == Event::head);
  CHECK(r.used == head.size());
  r = parser.feed("");
  CHECK(r.event == Event::need_more);
  const std::string piece(1000, 'x');
  r = parser.feed(piece);
  REQUIRE(r.event == Event::body);
  CHECK(r.used == piece.size());
  CHECK(parser.body().data() == piece.data());  // a view into the caller's bytes
  CHECK(parser.body_size() == 1000);
  // A CR at the end of the input is held back until the next bytes decide.
  r = parser.feed("yy\r");
  REQUIRE(r.event == Event::body);
  CHECK(parser.body() == "yy");
  CHECK(r.used == 3);
  r = parser.feed("z");
  REQUIRE(r.event == Event::body);
  CHECK(parser.body() == "\r");
  CHECK(r.used == 0);
  r = parser.feed("z\r\n-------a786hjs2#\r\n");
  REQUIRE(r.event == Event::body);
  CHECK(parser.body() == "z");
  r = parser.feed("\r\n-------a786hjs2#\r\n");
  CHECK(r.event == Event::end);
  CHECK(parser.flag() == EndFlag::interrupted);
  CHECK(parser.body_size() == 1004);
}

TEST_CASE("msrp parser: the three flags and an empty body") {
  for (char flag : {'$', '+', '#'}) {
    std::string msg = rfc_send;
    msg[msg.size() - 3] = flag;
    Message m;
    REQUIRE_FALSE(parse_message(msg, m));
    CHECK(static_cast<char>(m.flag) == flag);
  }
  const std::string empty_body =
      "MSRP a786hjs2 SEND\r\n"
      "To-Path: msrp://b.example.com:1/s1;tcp\r\n"
      "From-Path: msrp://a.example.com:2/s2;tcp\r\n"
      "Message-ID: m123\r\n"
      "Byte-Range: 1-0/0\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "\r\n"
      "-------a786hjs2$\r\n";
  Message m;
  REQUIRE_FALSE(parse_message(empty_body, m));
  CHECK(m.body.empty());
  CHECK(m.head->byte_range->end == 0);
  // A SEND with no body at all (§7.1: used to open a session).
  const std::string bodiless =
      "MSRP a786hjs2 SEND\r\n"
      "To-Path: msrp://b.example.com:1/s1;tcp\r\n"
      "From-Path: msrp://a.example.com:2/s2;tcp\r\n"
      "Message-ID: m123\r\n"
      "Byte-Range: 1-0/0\r\n"
      "-------a786hjs2$\r\n";
  REQUIRE_FALSE(parse_message(bodiless, m));
  CHECK_FALSE(m.head->has_body);
}

TEST_CASE("msrp parser: rejections with their offsets") {
  const std::string to = "To-Path: msrp://b.example.com:1/s1;tcp\r\n";
  const std::string from = "From-Path: msrp://a.example.com:2/s2;tcp\r\n";
  const std::string end = "-------abcd1234$\r\n";
  struct Case {
    std::string input;
    ParseErrc code;
    std::uint64_t offset;
    HeaderId header;
  };
  const std::string start = "MSRP abcd1234 SEND\r\n";
  const std::size_t h1 = start.size();              // first header
  const std::size_t h2 = h1 + to.size();            // second header
  const std::size_t h3 = h2 + from.size();          // third header
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\n", ParseErrc::bad_start_line, 0, HeaderId::other},
      {"MSRP abc SEND\r\n" + to + from + "-------abc$\r\n", ParseErrc::bad_transaction_id, 5, HeaderId::other},
      {"MSRP " + std::string(33, 'a') + " SEND\r\n", ParseErrc::bad_transaction_id, 5, HeaderId::other},
      {"MSRP -bcd1234 SEND\r\n" + to + from + end, ParseErrc::bad_transaction_id, 5, HeaderId::other},
      {"MSRP abcd1234 send\r\n" + to + from + end, ParseErrc::bad_method, 14, HeaderId::other},
      {"MSRP abcd1234 20 OK\r\n" + to + from + end, ParseErrc::bad_status_code, 14, HeaderId::other},
      {"MSRP abcd1234 SEND\n", ParseErrc::bad_line_end, 18, HeaderId::other},
      {start + from + to + end, ParseErrc::header_order, h1, HeaderId::other},
      {start + "Message-ID: m123\r\n" + to + from + end, ParseErrc::missing_header, h1, HeaderId::to_path},
      {start + to + "Message-ID: m123\r\n" + end, ParseErrc::missing_header, h2, HeaderId::from_path},
      {start + to + end, ParseErrc::missing_header, h2, HeaderId::from_path},
      {start + "To-Path: msrp://b.example.com:1/s1\r\n" + from + end, ParseErrc::bad_header_value, h1 + 9,
       HeaderId::to_path},
      {start + to + from + "Message-ID: m1\r\n" + end, ParseErrc::bad_header_value, h3 + 12, HeaderId::message_id},
      {start + to + from + "Byte-Range: 0-1/1\r\n" + end, ParseErrc::bad_header_value, h3 + 12, HeaderId::byte_range},
      {start + to + from + "Byte-Range: 5-3/9\r\n" + end, ParseErrc::bad_header_value, h3 + 14, HeaderId::byte_range},
      {start + to + from + "Byte-Range: 1-9/8\r\n" + end, ParseErrc::bad_header_value, h3 + 16, HeaderId::byte_range},
      {start + to + from + "Byte-Range: 1-x/8\r\n" + end, ParseErrc::bad_header_value, h3 + 14, HeaderId::byte_range},
      {start + to + from + "Byte-Range: 1-2\r\n" + end, ParseErrc::bad_header_value, h3 + 12, HeaderId::byte_range},
      {start + to + from + "Byte-Range: 99999999999999999999999-2/3\r\n" + end, ParseErrc::bad_header_value,
       h3 + 12, HeaderId::byte_range},
      {start + to + from + "Success-Report: partial\r\n" + end, ParseErrc::bad_header_value, h3 + 16,
       HeaderId::success_report},
      {start + to + from + "Failure-Report: maybe\r\n" + end, ParseErrc::bad_header_value, h3 + 16,
       HeaderId::failure_report},
      {start + to + from + "Status: 000 2000\r\n" + end, ParseErrc::bad_header_value, h3 + 8, HeaderId::status},
      {start + to + from + "Expires: soon\r\n" + end, ParseErrc::bad_header_value, h3 + 9, HeaderId::expires},
      {start + to + from + "Message-ID: m123\r\nMessage-ID: m124\r\n" + end, ParseErrc::duplicate_header,
       h3 + 18, HeaderId::message_id},
      {start + to + from + "Message-ID:m123\r\n" + end, ParseErrc::bad_header_value, h3 + 11, HeaderId::message_id},
      {start + to + from + "1x: y\r\n" + end, ParseErrc::bad_header_name, h3, HeaderId::other},
      {start + to + from + "\r\nbody\r\n" + end, ParseErrc::missing_content_type, h3, HeaderId::other},
      {start + to + from + "Content-Type: text/plain\r\n" + end, ParseErrc::content_type_without_body, h3 + 26,
       HeaderId::other},
      {start + to + from + "Content-Type: text/plain\r\nMessage-ID: m123\r\n\r\nx\r\n" + end,
       ParseErrc::header_order, h3 + 26, HeaderId::other},
      {start + to + from + "Content-Type: textplain\r\n\r\nx\r\n" + end, ParseErrc::bad_header_value, h3 + 14,
       HeaderId::content_type},
      {"MSRP abcd1234 200 OK\r\n" + to + from + "Content-Type: text/plain\r\n\r\nx\r\n" + end,
       ParseErrc::body_in_response, 22 + to.size() + from.size() + 26, HeaderId::other},
      {start + to + from + "-------abcd1235$\r\n", ParseErrc::bad_end_line, h3, HeaderId::other},
      {start + to + from + "-------abcd1234!\r\n", ParseErrc::bad_end_line, h3, HeaderId::other},
      {start + to + from + end + "junk", ParseErrc::trailing_data, h3 + end.size(), HeaderId::other},
      {start + to + from + "Content-Type: text/plain\r\n\r\nno end-line", ParseErrc::incomplete,
       h3 + 28 + 11, HeaderId::other},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    const ParseError e = error_of(c.input);
    CHECK(e.code == c.code);
    CHECK(e.offset == c.offset);
    CHECK(e.header == c.header);
    CHECK_FALSE(e.message().empty());
  }
}

TEST_CASE("msrp parser: limits and errors are final") {
  Limits small;
  small.max_head_size = 64;
  Log log = whole(rfc_send);  // fine with the default limits
  CHECK_FALSE(log.error);
  log = feed_pieces({rfc_send}, small);
  CHECK(log.error.code == ParseErrc::head_too_large);
  CHECK(log.error.offset == 64);
  // The same limit hit one byte at a time.
  log = feed_bytewise(rfc_send, small);
  CHECK(log.error.code == ParseErrc::head_too_large);

  Limits chunk;
  chunk.max_body_size = 10;
  log = feed_pieces({rfc_send}, chunk);
  CHECK(log.error.code == ParseErrc::body_too_large);
  chunk.max_body_size = 23;  // exactly the body
  log = feed_bytewise(rfc_send, chunk);
  CHECK_FALSE(log.error);

  // An over-long transaction id is refused before its line ends.
  StreamParser long_id;
  auto r = long_id.feed("MSRP " + std::string(33, 'a'));
  REQUIRE(r.event == Event::error);
  CHECK(long_id.error().code == ParseErrc::bad_transaction_id);
  CHECK(long_id.error().offset == 5);

  StreamParser parser;
  r = parser.feed("MSRQ");
  REQUIRE(r.event == Event::error);
  CHECK(parser.error().code == ParseErrc::bad_start_line);
  r = parser.feed(rfc_send);  // a valid message no longer helps: the stream is lost
  CHECK(r.event == Event::error);
  CHECK(r.used == 0);
}

TEST_CASE("msrp parser: the head stays readable until the next message begins") {
  StreamParser parser;
  std::string_view rest = rfc_response;
  auto r = parser.feed(rest);
  REQUIRE(r.event == Event::head);
  rest.remove_prefix(r.used);
  r = parser.feed(rest);
  REQUIRE(r.event == Event::end);
  CHECK(parser.head().transaction_id == "a786hjs2");
  CHECK(parser.head().from_path[0].host == "biloxi.example.com");
  OwnedHead copy(parser.head());
  r = parser.feed(report);
  REQUIRE(r.event == Event::head);
  CHECK(parser.head().transaction_id == "dkei38ia");
  const OwnedHead moved = std::move(copy);
  CHECK(moved->transaction_id == "a786hjs2");
  const OwnedHead again = moved;  // the copy reparses its own text
  CHECK(again->status_code == 200);
  CHECK(again->text.data() != moved->text.data());
}

TEST_CASE("msrp parser: the error does not depend on the split") {
  Limits tight;
  tight.max_head_size = 120;
  tight.max_body_size = 8;
  const std::string inputs[] = {
      "MSRP " + std::string(40, 'a') + " SEND\r\n",                      // id too long, and over the head limit
      "MSRP abcd1234 SEND\r\nTo-Path: msrp://b.example.com:1/s1;tcp\n",  // LF without CR
      rfc_send,                                                            // over both limits
      "MSRP abcd1234 SEND\r\n" + std::string(200, 'X'),                    // a header line over the head limit
      tricky,                                                              // a body over the limit
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    const Log reference = feed_pieces({input}, tight);
    REQUIRE(reference.error);
    for (std::size_t at = 0; at <= input.size(); ++at) {
      const Log log = feed_split(input, at, tight);
      CHECK(log.error.code == reference.error.code);
      CHECK(log.error.offset == reference.error.offset);
    }
    const Log bytewise = feed_bytewise(input, tight);
    CHECK(bytewise.error.code == reference.error.code);
  }
}

TEST_CASE("msrp parser: a control character anywhere in a header value is refused; HTAB and UTF-8 are text") {
  const std::string head = "MSRP abcd1234 SEND\r\nTo-Path: msrp://b.example.com:1/s1;tcp\r\n"
                           "From-Path: msrp://a.example.com:2/s2;tcp\r\n";
  const std::string value = "a value of some twenty-five octets";
  for (std::size_t at = 0; at < value.size(); ++at) {
    CAPTURE(at);
    for (const char c : {'\x01', '\x1f', '\x7f', '\t', '\x80', '\xc3'}) {
      std::string v = value;
      v[at] = c;
      MessageHead out;
      const ParseError e = parse_head(head + "X-Note: " + v + "\r\n", false, out);
      const bool control = c != '\t' && (static_cast<unsigned char>(c) < 0x20 || c == '\x7f');
      CHECK(static_cast<bool>(e) == control);
      if (control) CHECK(e.offset == head.size() + 8);  // the value's start
    }
  }
}

TEST_CASE("msrp parser: paths parsed again or taken from the cache are the same views into the new head") {
  const std::string first = "MSRP abcd1234 200 OK\r\nTo-Path: msrp://alice@a.example.com:2/s2;tcp;x=1\r\n"
                            "From-Path: msrp://relay.example.com;tcp msrp://b.example.com:1/s1;tcp\r\n";
  std::string second = first;
  second.replace(5, 8, "wxyz9876");
  PathCache cache;
  MessageHead a;
  MessageHead b;
  MessageHead plain;
  REQUIRE_FALSE(parse_head(first, false, a, &cache));
  REQUIRE_FALSE(parse_head(second, false, b, &cache));  // both paths from the cache
  REQUIRE_FALSE(parse_head(second, false, plain));
  REQUIRE(b.from_path.size() == 2);
  REQUIRE(plain.from_path.size() == 2);
  const auto same = [&](const Uri& x, const Uri& y) {
    CHECK(x.secure == y.secure);
    CHECK(x.port == y.port);
    for (const auto field : {&Uri::userinfo, &Uri::host, &Uri::session_id, &Uri::transport, &Uri::parameters}) {
      CHECK((x.*field) == (y.*field));
      if (!(x.*field).empty()) {  // pointing into the second head's text, not the first's
        CHECK((x.*field).data() >= second.data());
        CHECK((x.*field).data() < second.data() + second.size());
      }
    }
  };
  same(b.to_path[0], plain.to_path[0]);
  same(b.from_path[0], plain.from_path[0]);
  same(b.from_path[1], plain.from_path[1]);
  CHECK(b.to_path[0].userinfo == "alice");
  CHECK(b.to_path[0].parameters == ";x=1");
}

TEST_CASE("msrp parser: a chunk head that repeats the last one's is the head parsing gives") {
  // Three chunks of one message, then one of another message, a response,
  // and a chunk whose Byte-Range is wrong: the second and third heads come
  // from the first (HeadTemplate), the others are parsed in full.
  const auto chunk = [](const std::string& id, const std::string& message, const std::string& range,
                        const std::string& body, char flag) {
    return "MSRP " + id + " SEND\r\nTo-Path: msrp://b.example.com:2/s2;tcp\r\nFrom-Path: msrp://a.example.com:1/s1;tcp\r\n"
           "Message-ID: " + message + "\r\nByte-Range: " + range + "\r\nFailure-Report: partial\r\n"
           "Content-Type: text/plain\r\n\r\n" + body + "\r\n-------" + id + flag + "\r\n";
  };
  const std::string stream = chunk("abcd1", "mess1", "1-3/9", "one", '+') + chunk("x2.y=", "mess1", "4-6/9", "two", '+') +
                             chunk("longer-id-0123456789", "mess1", "7-9/*", "thr", '$') +
                             chunk("abcd4", "mess2", "1-2/2", "ab", '$') + rfc_response +
                             chunk("abcd5", "mess2", "5-2/9", "", '$');
  StreamParser parser;
  std::vector<std::string> ids, ranges;
  std::string_view rest = stream;
  ParseErrc error = ParseErrc::ok;
  for (;;) {
    const auto r = parser.feed(rest);
    rest.remove_prefix(r.used);
    if (r.event == Event::need_more) break;
    if (r.event == Event::error) {
      error = parser.error().code;
      break;
    }
    if (r.event != Event::head) continue;
    const MessageHead& h = parser.head();
    const std::string text(h.text);
    MessageHead parsed;
    REQUIRE_FALSE(parse_head(text, h.has_body, parsed));
    CHECK(serialize_head(h) == serialize_head(parsed));
    CHECK(h.header("Byte-Range") == parsed.header("Byte-Range"));
    CHECK(h.failure_report == parsed.failure_report);
    ids.emplace_back(h.transaction_id);
    if (h.byte_range)
      ranges.push_back(std::to_string(h.byte_range->start) + "-" + std::to_string(h.byte_range->end) + "/" +
                       (h.byte_range->total == ByteRange::unknown ? "*" : std::to_string(h.byte_range->total)));
  }
  CHECK(ids == std::vector<std::string>{"abcd1", "x2.y=", "longer-id-0123456789", "abcd4", "a786hjs2"});
  CHECK(ranges == std::vector<std::string>{"1-3/9", "4-6/9", "7-9/*", "1-2/2"});
  // Not taken from the template: the error parsing reports.
  CHECK(error == ParseErrc::bad_header_value);
}

TEST_CASE("msrp parser: a head that ends its message does not replace the chunk template") {
  // A chat message in one SEND between two chunks of a file: the file's
  // next chunk head still comes from the template learnt from its first.
  const auto head = [](const std::string& id, const std::string& message, const std::string& range) {
    return "MSRP " + id + " SEND\r\nTo-Path: msrp://b.example.com:2/s2;tcp\r\nFrom-Path: msrp://a.example.com:1/s1;tcp\r\n"
           "Message-ID: " + message + "\r\nByte-Range: " + range + "\r\nContent-Type: text/plain\r\n\r\n";
  };
  const auto learn = [](HeadTemplate& t, const std::string& text) {
    MessageHead parsed;
    REQUIRE_FALSE(parse_head(std::string_view(text).substr(0, text.size() - 2), true, parsed));  // without the empty line
    t.learn(parsed);
  };
  HeadTemplate t;
  learn(t, head("file1", "file", "1-100/300"));
  const std::uint64_t generation = t.generation();
  learn(t, head("chat1", "chat", "1-5/5"));
  CHECK(t.generation() == generation);
  MessageHead out;
  std::string text;
  const std::string next = head("file2", "file", "101-200/300");
  CHECK(t.match(next, 16 * 1024, out, text, false) == next.size());
  CHECK(out.transaction_id == "file2");
  REQUIRE(out.byte_range);
  CHECK(out.byte_range->start == 101);
  // A head of another chunked message does replace it.
  learn(t, head("other1", "other", "1-10/20"));
  CHECK(t.generation() != generation);
  CHECK(t.match(head("file3", "file", "201-300/300"), 16 * 1024, out, text, false) == 0);
}
