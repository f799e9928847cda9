// Message/CPIM (RFC 3862): the example of §5.1 (reconstructed from the
// RFC's figure: its "h:"/"e:" line tags dropped, CRLF line ends), an IMDN
// message (RFC 5438), escapes (§2.3), namespaces (§3.4), every rejection
// with its code and byte, limits, the leniency flags, wrap's exact output
// and unwrap/wrap round trips.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "msrp/cpim.hpp"

using namespace cosip::msrp;

namespace {

// RFC 3862 §5.1, the message headers and the encapsulated MIME object.
constexpr std::string_view rfc_example =
    "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
    "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
    "Subject: the weather will be fine today\r\n"
    "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"
    "Require: MyFeatures.VitalMessageOption\r\n"
    "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"
    "MyFeatures.WackyMessageOption: Use-silly-font\r\n"
    "\r\n"
    "Content-type: text/xml; charset=utf-8\r\n"
    "Content-ID: <1234567890@foo.com>\r\n"
    "\r\n"
    "<body>\r\n"
    "Here is the text of my message.\r\n"
    "</body>\r\n";

constexpr std::string_view imdn_ns = "urn:ietf:params:imdn";

CpimMessage unwrap_ok(std::string_view body, const CpimOptions& options = {}) {
  CpimMessage m;
  const CpimError e = unwrap_cpim(body, m, options);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return m;
}

CpimError unwrap_error(std::string_view body, const CpimOptions& options = {}, const CpimLimits& limits = {}) {
  CpimMessage m;
  const CpimError e = unwrap_cpim(body, m, options, limits);
  REQUIRE(e);
  return e;
}

// A body with `headers` (CRLF-terminated lines) and a small text/plain content.
std::string body_with(std::string_view headers) {
  return std::string(headers) + "\r\nContent-Type: text/plain\r\n\r\nhi";
}

std::string wrap_ok(const CpimMessage& m) {
  std::string out;
  const CpimError e = wrap_cpim(m, out);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return out;
}

}  // namespace

TEST_CASE("the example of RFC 3862 §5.1 unwraps into every header and the content") {
  const CpimMessage m = unwrap_ok(rfc_example);
  REQUIRE(m.from);
  CHECK(m.from->display_name == "MR SANDERS");
  CHECK(m.from->uri == "im:piglet@100akerwood.com");
  REQUIRE(m.to.size() == 1);
  CHECK(m.to[0] == CpimAddress{"Depressed Donkey", "im:eeyore@100akerwood.com"});
  CHECK(m.cc.empty());
  CHECK(m.date_time == "2000-12-13T13:40:00-08:00");
  REQUIRE(m.subjects.size() == 2);
  CHECK(m.subjects[0] == CpimSubject{"", "the weather will be fine today"});
  CHECK(m.subjects[1] == CpimSubject{"fr", "beau temps prevu pour aujourd'hui"});
  REQUIRE(m.namespaces.size() == 1);
  CHECK(m.namespaces[0] == CpimNamespace{"MyFeatures", "mid:MessageFeatures@id.foo.com"});
  REQUIRE(m.require.size() == 1);
  CHECK(m.require[0] == "MyFeatures.VitalMessageOption");
  REQUIRE(m.headers.size() == 2);
  CHECK(m.headers[0].prefix == "MyFeatures");
  CHECK(m.headers[0].name == "VitalMessageOption");
  CHECK(m.headers[0].namespace_ == "mid:MessageFeatures@id.foo.com");
  CHECK(m.headers[0].value == "Confirmation-requested");
  CHECK(m.headers[1].name == "WackyMessageOption");
  CHECK(m.headers[1].value == "Use-silly-font");
  const CpimHeader* vital = m.find("mid:MessageFeatures@id.foo.com", "VitalMessageOption");
  REQUIRE(vital != nullptr);
  CHECK(vital->value == "Confirmation-requested");
  CHECK(m.find(cpim_core_namespace, "VitalMessageOption") == nullptr);
  // MIME header names are case-insensitive: "Content-type" is the Content-Type.
  CHECK(m.content_type == "text/xml; charset=utf-8");
  REQUIRE(m.content_headers.size() == 1);
  CHECK(m.content_headers[0] == MimeHeader{"Content-ID", "<1234567890@foo.com>"});
  CHECK(m.content == "<body>\r\nHere is the text of my message.\r\n</body>\r\n");
  // The content is a view into the input, not a copy.
  CHECK(m.content.data() == rfc_example.data() + rfc_example.find("<body>"));
}

TEST_CASE("an IMDN request (RFC 5438): namespaced headers resolve whatever the prefix") {
  for (std::string_view prefix : {"imdn", "x"}) {
    CAPTURE(prefix);
    const std::string p(prefix);
    const std::string body = body_with("From: <sip:alice@example.com>\r\n"
                                       "To: <sip:bob@example.com>\r\n"
                                       "NS: " + p + " <urn:ietf:params:imdn>\r\n" +
                                       p + ".Message-ID: 34jk324j\r\n"
                                       "DateTime: 2006-04-04T12:16:49-05:00\r\n" +
                                       p + ".Disposition-Notification: positive-delivery, negative-delivery\r\n");
    const CpimMessage m = unwrap_ok(body);
    const CpimHeader* id = m.find(imdn_ns, "Message-ID");
    REQUIRE(id != nullptr);
    CHECK(id->value == "34jk324j");
    CHECK(id->prefix == prefix);
    const CpimHeader* dn = m.find(imdn_ns, "Disposition-Notification");
    REQUIRE(dn != nullptr);
    CHECK(dn->value == "positive-delivery, negative-delivery");
    CHECK(m.content == "hi");
  }
}

TEST_CASE("a prefix may be used before its NS line; the declaration holds for the whole block") {
  const CpimMessage m = unwrap_ok(body_with("imdn.Message-ID: 1\r\nNS: imdn <urn:ietf:params:imdn>\r\n"));
  REQUIRE(m.find(imdn_ns, "Message-ID") != nullptr);
}

TEST_CASE("an NS without a prefix names the namespace of unprefixed extension headers") {
  const CpimMessage m = unwrap_ok(body_with("NS: <urn:example:ns>\r\nColour: blue\r\nFrom: <im:a@b>\r\n"));
  REQUIRE(m.headers.size() == 1);
  CHECK(m.headers[0].namespace_ == "urn:example:ns");
  CHECK(m.namespaces[0] == CpimNamespace{"", "urn:example:ns"});
  REQUIRE(m.from);  // the core headers keep their meaning
  const CpimMessage core = unwrap_ok(body_with("Colour: blue\r\n"));
  CHECK(core.headers[0].namespace_ == cpim_core_namespace);
}

TEST_CASE("header names are case-sensitive (§3.1): from is not From") {
  const CpimMessage m = unwrap_ok(body_with("from: <im:a@example.com>\r\nDATETIME: whenever\r\n"));
  CHECK_FALSE(m.from);
  CHECK(m.date_time.empty());
  REQUIRE(m.headers.size() == 2);
  CHECK(m.headers[0].name == "from");
  CHECK(m.headers[0].value == "<im:a@example.com>");
  CHECK(m.headers[1].value == "whenever");
}

TEST_CASE("To and cc repeat; formal names as Tokens, as a String, or absent") {
  const CpimMessage m = unwrap_ok(body_with("To: <im:a@x>\r\n"
                                            "To: \"Winnie \\\"the\\\" Pooh\"<im:pooh@x>\r\n"
                                            "cc: \"Tigger\" <im:tigger@x>\r\n"
                                            "cc: Eeyore the Donkey <im:eeyore@x>\r\n"));
  REQUIRE(m.to.size() == 2);
  CHECK(m.to[0] == CpimAddress{"", "im:a@x"});
  CHECK(m.to[1] == CpimAddress{"Winnie \"the\" Pooh", "im:pooh@x"});
  REQUIRE(m.cc.size() == 2);
  CHECK(m.cc[0] == CpimAddress{"Tigger", "im:tigger@x"});
  CHECK(m.cc[1] == CpimAddress{"Eeyore the Donkey", "im:eeyore@x"});
}

TEST_CASE("escapes of §2.3 are decoded in header values") {
  const CpimMessage m = unwrap_ok(body_with("Subject: a\\\\b \\\"q\\\" \\'s\\' tab\\there\\r\\nnext \\u00e9\\u20ac \\b\r\n"));
  REQUIRE(m.subjects.size() == 1);
  CHECK(m.subjects[0].text == "a\\b \"q\" 's' tab\there\r\nnext \xc3\xa9\xe2\x82\xac \b");
}

TEST_CASE("rejections name the fault and its byte") {
  struct Case {
    std::string body;
    CpimErrc code;
    std::uint32_t offset;
  };
  const Case cases[] = {
      // A backslash that starts no escape, a surrogate, a short \u.
      {body_with("Subject: a\\qb\r\n"), CpimErrc::bad_escape, 10},
      {body_with("Subject: \\ud800\r\n"), CpimErrc::bad_escape, 9},
      {body_with("Subject: \\u12\r\n"), CpimErrc::bad_escape, 9},
      {body_with("Subject: ends\\\r\n"), CpimErrc::bad_escape, 13},
      // A raw control character (TAB must be escaped) and bad UTF-8.
      {body_with("Subject: a\tb\r\n"), CpimErrc::bad_value, 10},
      {body_with("Subject: \xc3\x28\r\n"), CpimErrc::bad_value, 9},
      // Header syntax: no SP after ':', no ':', an empty name, a space in the name.
      {body_with("From:<im:a@x>\r\n"), CpimErrc::bad_header, 5},
      {body_with("From <im:a@x>\r\n"), CpimErrc::bad_header, 4},
      {body_with(": x\r\n"), CpimErrc::bad_header, 0},
      {body_with("a.: x\r\n"), CpimErrc::bad_header, 2},
      // Addresses.
      {body_with("From: Alice<im:a@x>\r\n"), CpimErrc::bad_value, 6},
      {body_with("From: <notauri>\r\n"), CpimErrc::bad_value, 7},
      {body_with("From: <im:a@x> trailing\r\n"), CpimErrc::bad_value, 14},
      {body_with("From: <im:a@x\r\n"), CpimErrc::bad_value, 6},
      {body_with("From: \"unterminated <im:a@x>\r\n"), CpimErrc::bad_value, 28},
      {body_with("From: <im:a@x>\r\nFrom: <im:b@x>\r\n"), CpimErrc::duplicate_header, 16},
      // DateTime: month 13, 29 February of a common year, no offset, twice.
      {body_with("DateTime: 2000-13-13T13:40:00Z\r\n"), CpimErrc::bad_value, 10},
      {body_with("DateTime: 2001-02-29T13:40:00Z\r\n"), CpimErrc::bad_value, 10},
      {body_with("DateTime: 2000-12-13T13:40:00\r\n"), CpimErrc::bad_value, 10},
      {body_with("DateTime: 2000-12-13T13:40:00Z\r\nDateTime: 2000-12-13T13:40:00Z\r\n"), CpimErrc::duplicate_header, 32},
      // Parameters: not a Language-tag, no value.
      {body_with("Subject:;lang=12 x\r\n"), CpimErrc::bad_parameter, 14},
      {body_with("Subject:;lang x\r\n"), CpimErrc::bad_parameter, 8},
      // Namespaces: undeclared, redeclared for another URN, a bad NS value.
      {body_with("From: <im:a@x>\r\nimdn.Message-ID: 1\r\n"), CpimErrc::undeclared_prefix, 16},
      {body_with("NS: a <urn:x>\r\nNS: a <urn:y>\r\n"), CpimErrc::conflicting_namespace, 15},
      {body_with("NS: a.b <urn:x>\r\n"), CpimErrc::bad_value, 4},
      {body_with("Require: a.b,,c\r\n"), CpimErrc::bad_value, 13},
      // The encapsulated MIME headers.
      {"From: <im:a@x>\r\n\r\nContent-Type text/plain\r\n\r\nhi", CpimErrc::bad_mime_header, 18},
      {"From: <im:a@x>\r\n\r\nContent-Type: a/b\r\n folded\r\n\r\nhi", CpimErrc::bad_mime_header, 37},
      {"From: <im:a@x>\r\n\r\nContent-Type: a/b\r\ncontent-type: c/d\r\n\r\nhi", CpimErrc::duplicate_header, 37},
      {"From: <im:a@x>\r\n\r\nContent-Type:\r\n\r\nhi", CpimErrc::bad_mime_header, 31},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    const CpimError e = unwrap_error(c.body);
    CHECK(e.code == c.code);
    CHECK(e.offset == c.offset);
  }
}

TEST_CASE("missing empty lines: after the message headers and after the MIME headers") {
  const CpimError no_blank = unwrap_error("From: <im:a@x>\r\nTo: <im:b@x>\r\n");
  CHECK(no_blank.code == CpimErrc::missing_blank_line);
  CHECK(no_blank.offset == 30);
  const CpimError no_mime_blank = unwrap_error("From: <im:a@x>\r\n\r\nContent-Type: text/plain\r\nhi");
  CHECK(no_mime_blank.code == CpimErrc::missing_blank_line);
  CHECK(no_mime_blank.offset == 46);
  // The content straight after the first empty line is read as MIME headers.
  const CpimError content_as_header = unwrap_error("From: <im:a@x>\r\n\r\nhello there\r\n");
  CHECK(content_as_header.code == CpimErrc::bad_mime_header);
  CHECK(unwrap_error("").code == CpimErrc::missing_blank_line);
  // No message headers and no MIME headers is a well-formed (empty) message.
  const CpimMessage empty = unwrap_ok("\r\n\r\nbody");
  CHECK(empty.content == "body");
  CHECK(empty.content_type.empty());
}

TEST_CASE("line ends: CRLF by default, bare LF only with allow_lf; CR alone and NUL never") {
  const std::string lf = "From: <im:a@x>\nSubject: s\n\nContent-Type: text/plain\n\nhi\n";
  const CpimError e = unwrap_error(lf);
  CHECK(e.code == CpimErrc::bad_line_ending);
  CHECK(e.offset == 14);
  CpimOptions lenient;
  lenient.allow_lf = true;
  const CpimMessage m = unwrap_ok(lf, lenient);
  CHECK(m.subjects[0].text == "s");
  CHECK(m.content_type == "text/plain");
  CHECK(m.content == "hi\n");
  // Mixed line ends under allow_lf.
  CHECK(unwrap_ok("From: <im:a@x>\r\nTo: <im:b@x>\n\r\n\nhi", lenient).to.size() == 1);
  const CpimError cr = unwrap_error(body_with("Subject: a\rb\r\n"), lenient);
  CHECK(cr.code == CpimErrc::bad_line_ending);
  CHECK(cr.offset == 10);
  const CpimError nul = unwrap_error(body_with(std::string("Subject: a\0b\r\n", 14)), lenient);
  CHECK(nul.code == CpimErrc::bad_line_ending);
  CHECK(nul.offset == 10);
}

TEST_CASE("allow_undeclared_prefix keeps the header with no namespace") {
  CpimOptions lenient;
  lenient.allow_undeclared_prefix = true;
  const CpimMessage m = unwrap_ok(body_with("imdn.Message-ID: 1\r\n"), lenient);
  REQUIRE(m.headers.size() == 1);
  CHECK(m.headers[0].prefix == "imdn");
  CHECK(m.headers[0].namespace_.empty());
}

TEST_CASE("the content is opaque: look-alike header lines and empty lines stay in it") {
  const std::string body = "From: <im:a@x>\r\n\r\nContent-Type: text/plain\r\n\r\n\r\nFrom: <im:evil@x>\r\n\r\n";
  const CpimMessage m = unwrap_ok(body);
  CHECK(m.from->uri == "im:a@x");
  CHECK(m.content == "\r\nFrom: <im:evil@x>\r\n\r\n");
}

TEST_CASE("limits: body size, header count, header length") {
  CpimLimits limits;
  limits.max_size = 20;
  CHECK(unwrap_error(body_with("From: <im:a@x>\r\n"), {}, limits).code == CpimErrc::too_large);
  limits = {};
  limits.max_headers = 3;
  const CpimError many = unwrap_error(body_with("To: <im:a@x>\r\nTo: <im:b@x>\r\nTo: <im:c@x>\r\n"), {}, limits);
  CHECK(many.code == CpimErrc::too_many_headers);  // the 4th is the MIME Content-Type
  CHECK(many.offset == 44);
  limits = {};
  limits.max_header_length = 16;
  const CpimError longer = unwrap_error(body_with("To: <im:a@x>\r\nSubject: seventeen chars\r\n"), {}, limits);
  CHECK(longer.code == CpimErrc::header_too_long);
  CHECK(longer.offset == 14);
}

TEST_CASE("error messages say what, where") {
  const CpimError e = unwrap_error(body_with("From: <im:a@x>\r\nimdn.Message-ID: 1\r\n"));
  CHECK(e.message() == "undeclared namespace prefix: no NS header declares this prefix at byte 16");
}

TEST_CASE("wrap writes the canonical body") {
  CpimMessage m;
  m.from = CpimAddress{"Alice", "sip:alice@example.com"};
  m.to = {CpimAddress{"", "sip:bob@example.com"}, CpimAddress{"Carol \"C\" Smith", "sip:carol@example.com"}};
  m.cc = {CpimAddress{"Dave", "sip:dave@example.com"}};
  m.date_time = "2026-11-26T18:00:00Z";
  m.subjects = {CpimSubject{"", "line\nbreak \\ back"}, CpimSubject{"fr", "bonjour \xc3\xa9t\xc3\xa9"}};
  m.namespaces = {CpimNamespace{"imdn", "urn:ietf:params:imdn"}};
  m.require = {"imdn.Disposition-Notification"};
  CpimHeader id;
  id.prefix = "imdn";
  id.name = "Message-ID";
  id.value = "34jk324j";
  CpimHeader dn;
  dn.prefix = "imdn";
  dn.name = "Disposition-Notification";
  dn.parameters = ";x=\"y z\"";
  dn.value = "positive-delivery";
  m.headers = {id, dn};
  m.content_type = "text/plain; charset=utf-8";
  m.content_headers = {MimeHeader{"Content-ID", "<1@x>"}};
  m.content = "hello\r\n";
  const std::string body = wrap_ok(m);
  CHECK(body ==
        "From: Alice <sip:alice@example.com>\r\n"
        "To: <sip:bob@example.com>\r\n"
        "To: \"Carol \\\"C\\\" Smith\"<sip:carol@example.com>\r\n"
        "cc: Dave <sip:dave@example.com>\r\n"
        "DateTime: 2026-11-26T18:00:00Z\r\n"
        "Subject: line\\nbreak \\\\ back\r\n"
        "Subject:;lang=fr bonjour \xc3\xa9t\xc3\xa9\r\n"
        "NS: imdn <urn:ietf:params:imdn>\r\n"
        "Require: imdn.Disposition-Notification\r\n"
        "imdn.Message-ID: 34jk324j\r\n"
        "imdn.Disposition-Notification:;x=\"y z\" positive-delivery\r\n"
        "\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-ID: <1@x>\r\n"
        "\r\n"
        "hello\r\n");
  // ... and unwrapping it gives the message back, namespaces resolved.
  CpimMessage again = unwrap_ok(body);
  m.headers[0].namespace_ = m.headers[1].namespace_ = "urn:ietf:params:imdn";
  CHECK(again == m);
}

TEST_CASE("unwrap, wrap, unwrap: the same message") {
  const std::string inputs[] = {
      std::string(rfc_example),
      body_with("Subject: \\u0001\\u007f ctl \\uffff\r\nTo: \"\\\\\" <im:a@x>\r\nX: \r\nNS: <urn:d>\r\nY:;a=b;c=\"d\\\"\" v\r\n"),
      "\r\n\r\n",
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    const CpimMessage first = unwrap_ok(input);
    const std::string body = wrap_ok(first);
    const CpimMessage second = unwrap_ok(body);
    CHECK(second == first);
    CHECK(wrap_ok(second) == body);  // a fixed point
  }
}

TEST_CASE("wrap refuses what no body can carry") {
  auto refuses = [](const CpimMessage& m) {
    std::string out = "untouched";
    CHECK(wrap_cpim(m, out));
    CHECK(out == "untouched");
  };
  CpimMessage m;
  m.from = CpimAddress{"", "no scheme"};
  refuses(m);
  m = {};
  m.to = {CpimAddress{"", "im:a@x>"}};
  refuses(m);
  m = {};
  m.date_time = "yesterday";
  refuses(m);
  m = {};
  m.subjects = {CpimSubject{"not a tag!", "x"}};
  refuses(m);
  m = {};
  m.subjects = {CpimSubject{"", "\xff"}};  // not UTF-8
  refuses(m);
  m = {};
  CpimHeader h;
  h.prefix = "imdn";
  h.name = "Message-ID";
  m.headers = {h};  // no NS for imdn
  refuses(m);
  h.prefix.clear();
  h.name = "From";  // a core header among the others
  m.headers = {h};
  refuses(m);
  h.name = "X";
  h.parameters = ";bad";
  m.headers = {h};
  refuses(m);
  m = {};
  m.content_headers = {MimeHeader{"X-Evil", "a\r\nInjected: 1"}};
  refuses(m);
  m = {};
  m.content_headers = {MimeHeader{"content-type", "a/b"}};
  refuses(m);
}

TEST_CASE("every truncation of the RFC example is rejected or ends inside the content") {
  const std::size_t content_at = rfc_example.find("<body>");
  for (std::size_t n = 0; n < rfc_example.size(); ++n) {
    CAPTURE(n);
    CpimMessage m;
    const CpimError e = unwrap_cpim(rfc_example.substr(0, n), m);
    CHECK(static_cast<bool>(e) == (n < content_at));
    if (!e) CHECK(m.content == rfc_example.substr(content_at, n - content_at));
  }
}

TEST_CASE("RFC 3339 date-times") {
  for (std::string_view good : {"2000-12-13T13:40:00-08:00", "2000-02-29T00:00:00Z", "1990-12-31T23:59:60z",
                                "2026-11-26t18:00:00.123456+05:30"})
    CHECK(is_rfc3339_date_time(good));
  for (std::string_view bad : {"", "2000-12-13", "2000-12-13T13:40Z", "1900-02-29T00:00:00Z", "2000-04-31T00:00:00Z",
                               "2000-12-13T24:00:00Z", "2000-12-13T13:60:00Z", "2000-12-13T13:40:00.Z",
                               "2000-12-13T13:40:00+0800", "2000-12-13T13:40:00+08:00 ", "2000-12-13 13:40:00Z"})
    CHECK_FALSE(is_rfc3339_date_time(bad));
}
