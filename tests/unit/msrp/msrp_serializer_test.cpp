// Writing MSRP: the builders (SEND, REPORT, AUTH, responses per RFC 4975
// §7.2), round trips through the parser, and the transaction id rule of §7.1.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "msrp_test_support.hpp"

using namespace cosip::msrp;

namespace {

UriList path(std::string_view text) {
  UriList list;
  Uri u;
  REQUIRE(parse_uri(text, u));
  list.push_back(u);
  return list;
}

}  // namespace

TEST_CASE("msrp serializer: SEND with Byte-Range, parsed back") {
  const UriList to = path("msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp");
  const UriList from = path("msrp://atlanta.example.com:7654/jshA7weztas;tcp");
  ByteRange range;
  range.start = 1;
  range.end = 23;
  range.total = 23;
  MessageHead head = make_send("a786hjs2", to, from, "87652491", range, "text/plain");
  head.failure_report = ReportRequest::partial;
  const std::string wire = serialize(head, "Hey Bob, are you there?", EndFlag::complete);
  CHECK(wire ==
        "MSRP a786hjs2 SEND\r\n"
        "To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
        "From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
        "Message-ID: 87652491\r\n"
        "Byte-Range: 1-23/23\r\n"
        "Failure-Report: partial\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "Hey Bob, are you there?\r\n"
        "-------a786hjs2$\r\n");
  Message m;
  REQUIRE_FALSE(parse_message(wire, m));
  CHECK(m.body == "Hey Bob, are you there?");
  CHECK(m.head->failure_report == ReportRequest::partial);
  // The canonical form of a parsed message is a fixed point.
  CHECK(serialize(m.head.get(), m.body, m.flag) == wire);
}

TEST_CASE("msrp serializer: chunks with unknown end and total, and the flags") {
  const UriList to = path("msrp://b.example.com:1/s1;tcp");
  const UriList from = path("msrp://a.example.com:2/s2;tcp");
  ByteRange range;
  range.start = 2049;
  const MessageHead head = make_send("chunk0001", to, from, "msg0001", range, "application/octet-stream");
  const std::string wire = serialize(head, std::string(2048, '\r'), EndFlag::more);
  CHECK(wire.find("Byte-Range: 2049-*/*\r\n") != std::string::npos);
  Message m;
  REQUIRE_FALSE(parse_message(wire, m));
  CHECK(m.body == std::string(2048, '\r'));
  CHECK(m.flag == EndFlag::more);
  CHECK(m.head->byte_range->end == ByteRange::unknown);
  CHECK(m.head->byte_range->total == ByteRange::unknown);
}

TEST_CASE("msrp serializer: REPORT and AUTH") {
  const UriList to = path("msrp://bob.example.com:8888/9di4eae923wzd;tcp");
  const UriList from = path("msrp://alice.example.com:7777/iau39soe2843z;tcp");
  ByteRange range;
  range.start = 1;
  range.end = 106;
  range.total = 106;
  Status status;
  status.code = 200;
  status.comment = "OK";
  const std::string wire = serialize(make_report("dkei38ia", to, from, "12339sdqwer", range, status), "", EndFlag::complete);
  CHECK(wire.find("Status: 000 200 OK\r\n-------dkei38ia$\r\n") != std::string::npos);
  Message m;
  REQUIRE_FALSE(parse_message(wire, m));
  CHECK(m.head->method == Method::report);
  CHECK(m.head->status->code == 200);

  const UriList relay = path("msrps://alice@intra.example.com;tcp");
  const std::string auth = serialize(make_auth("49fi0000", relay, from, "Digest username=\"Alice\""), "", EndFlag::complete);
  REQUIRE_FALSE(parse_message(auth, m));
  CHECK(m.head->method == Method::auth);
  CHECK(m.head->authorization == "Digest username=\"Alice\"");
  CHECK(serialize(m.head.get(), "", m.flag) == auth);
}

TEST_CASE("msrp serializer: a response goes back one hop (RFC 4975 §7.2)") {
  const std::string request =
      "MSRP tr4nsact SEND\r\n"
      "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
      "From-Path: msrp://relay.example.com:2855/r9;tcp msrp://alice.example.com:7777/iau39soe2843z;tcp\r\n"
      "Message-ID: m1234\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "hi\r\n"
      "-------tr4nsact$\r\n";
  Message m;
  REQUIRE_FALSE(parse_message(request, m));
  const std::string wire = serialize(make_response(m.head.get(), 415), "", EndFlag::complete);
  CHECK(wire ==
        "MSRP tr4nsact 415 Unsupported Media Type\r\n"
        "To-Path: msrp://relay.example.com:2855/r9;tcp\r\n"
        "From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
        "-------tr4nsact$\r\n");
  Message response;
  REQUIRE_FALSE(parse_message(wire, response));
  CHECK(response.head->status_code == 415);
  CHECK(serialize(make_response(m.head.get(), 200, "Fine"), "", EndFlag::complete).starts_with("MSRP tr4nsact 200 Fine\r\n"));
}

TEST_CASE("msrp serializer: extension and MIME headers keep their places") {
  const std::string wire =
      "MSRP abcd1234 SEND\r\n"
      "To-Path: msrp://b.example.com:1/s1;tcp\r\n"
      "From-Path: msrp://a.example.com:2/s2;tcp\r\n"
      "Message-ID: m123\r\n"
      "X-Extra: value\r\n"
      "Content-Disposition: inline\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "hello\r\n"
      "-------abcd1234#\r\n";
  Message m;
  REQUIRE_FALSE(parse_message(wire, m));
  CHECK(serialize(m.head.get(), m.body, m.flag) == wire);
}

TEST_CASE("msrp serializer: body_contains_end_line and the choice of a transaction id (§7.1)") {
  CHECK(body_contains_end_line("a\r\n-------abcd1234$\r\nb", "abcd1234"));
  CHECK(body_contains_end_line("a\r\n-------abcd1234#", "abcd1234"));  // the body's end adds the CRLF
  CHECK(body_contains_end_line("\r\n-------abcd1234+\r\n", "abcd1234"));
  CHECK_FALSE(body_contains_end_line("-------abcd1234$\r\n", "abcd1234"));  // no CRLF before
  CHECK_FALSE(body_contains_end_line("a\r\n-------abcd1234", "abcd1234"));
  CHECK_FALSE(body_contains_end_line("a\r\n-------abcd1234$x", "abcd1234"));
  CHECK_FALSE(body_contains_end_line("a\r\n-------abcd12345$\r\n", "abcd1234"));
  CHECK_FALSE(body_contains_end_line("a\r\n-------abcd1234$\r", "abcd1234"));

  // Each prediction agrees with what the parser does with the framed body.
  const UriList to = path("msrp://b.example.com:1/s1;tcp");
  const UriList from = path("msrp://a.example.com:2/s2;tcp");
  for (std::string_view body : {"a\r\n-------abcd1234$\r\nb", "a\r\n-------abcd1234#", "-------abcd1234$\r\n",
                                "a\r\n-------abcd1234$x", "a\r\n-------abcd1234$\r", "a\r\n-------abcd1234"}) {
    CAPTURE(body);
    const std::string wire = serialize(make_send("abcd1234", to, from, "m123", {}, "text/plain"), body, EndFlag::complete);
    Message m;
    const bool intact = !parse_message(wire, m) && m.body == body;
    CHECK(intact == !body_contains_end_line(body, "abcd1234"));
  }

  const std::string id = make_transaction_id(0x123456789abcdefULL);
  CHECK(id.size() == 12);
  CHECK(make_transaction_id(1) != make_transaction_id(2));
  MessageHead probe;
  std::string text = "MSRP " + id + " SEND\r\nTo-Path: msrp://b.example.com:1/s1;tcp\r\nFrom-Path: msrp://a.example.com:2/s2;tcp\r\n";
  CHECK_FALSE(parse_head(text, false, probe));

  // A body holding the end-line of the first id drawn gets the second.
  const std::uint64_t draws[] = {7, 8};
  std::size_t next = 0;
  const std::string taken = make_transaction_id(7);
  const std::string body = "x\r\n-------" + taken + "$\r\ny";
  const std::string chosen = choose_transaction_id(body, [&] { return draws[next++]; });
  CHECK(chosen == make_transaction_id(8));
  CHECK(next == 2);
}

TEST_CASE("msrp serializer: a ChunkHead writes what serialize_head writes") {
  const UriList to = path("msrp://b.example.com:1/s1;tcp");
  const UriList from = path("msrp://a.example.com:2/s2;tcp");
  for (const bool body : {true, false}) {
    MessageHead head = make_send("unused", to, from, "m123", {}, body ? "application/octet-stream" : "");
    head.success_report = ReportRequest::yes;
    head.failure_report = ReportRequest::partial;
    const ChunkHead chunk(head);
    CHECK(chunk.has_body() == body);
    for (const ByteRange range : {ByteRange{1, 2048, 1073741824}, ByteRange{1073741824, 1073741824, 1073741824},
                                  ByteRange{5, ByteRange::unknown, ByteRange::unknown}, ByteRange{1, 0, 0}}) {
      head.transaction_id = "tr4nsact1d";
      head.byte_range = range;
      std::string written(chunk.size(head.transaction_id.size(), range), '?');
      chunk.write(written.data(), head.transaction_id, range);
      CHECK(written == serialize_head(head));
    }
  }
}

TEST_CASE("msrp serializer: append_response writes what serialize(make_response()) writes") {
  MessageHead request = make_send("tr4nsact", path("msrps://b.example.com:1/s1;tcp;p=q"),
                                  path("msrp://alice@a.example.com/s2;tcp"), "m1", {}, "text/plain");
  MessageHead without_paths = request;
  without_paths.to_path.clear();
  without_paths.from_path.clear();
  for (const MessageHead* r : {&request, &without_paths}) {
    for (const std::uint16_t code : {200, 413, 481, 299}) {
      for (const std::string_view comment : {std::string_view(), std::string_view("Fine")}) {
        std::string out = "before";
        append_response(out, *r, code, comment);
        CHECK(out == "before" + serialize(make_response(*r, code, comment), {}, EndFlag::complete));
      }
    }
  }
}
