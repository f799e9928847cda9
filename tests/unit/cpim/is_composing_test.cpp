// is-composing (RFC 3994): the document of §6's examples (reconstructed),
// namespaces, every rejection with its byte, the leniency flag, round trips;
// the composer (§3.2) and the receiver (§3.3) on a virtual clock.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "msrp/is_composing.hpp"

using namespace cosip::msrp;
using namespace std::chrono_literals;

namespace {

IsComposing parse_ok(std::string_view doc, const IsComposingOptions& options = {}) {
  IsComposing out;
  const IsComposingError e = parse_is_composing(doc, out, options);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return out;
}

IsComposingError parse_error(std::string_view doc, const IsComposingOptions& options = {}) {
  IsComposing out;
  const IsComposingError e = parse_is_composing(doc, out, options);
  REQUIRE(e);
  return e;
}

const ComposingTime t0{};

}  // namespace

TEST_CASE("the idle and active documents of RFC 3994") {
  const IsComposing idle = parse_ok(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
      "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
      "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing iscomposing.xsd\">\n"
      "  <state>idle</state>\n"
      "  <lastactive>2003-01-27T10:43:00Z</lastactive>\n"
      "  <contenttype>audio</contenttype>\n"
      "</isComposing>\n");
  CHECK(idle.state == ComposingState::idle);
  CHECK(idle.lastactive == "2003-01-27T10:43:00Z");
  CHECK(idle.contenttype == "audio");
  CHECK_FALSE(idle.refresh);

  const IsComposing active = parse_ok(
      "<?xml version='1.0' encoding='UTF-8'?>"
      "<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
      "<state>active</state><contenttype>text/plain</contenttype><refresh>60</refresh></isComposing>");
  CHECK(active.state == ComposingState::active);
  CHECK(active.contenttype == "text/plain");
  CHECK(active.refresh == 60u);
}

TEST_CASE("prefixed namespaces, comments, references, CDATA and foreign elements") {
  const IsComposing doc = parse_ok(
      "<!-- before -->\n"
      "<ic:isComposing xmlns:ic=\"urn:ietf:params:xml:ns:im-iscomposing\" xmlns:e=\"urn:example\">"
      "<ic:state> active </ic:state><!-- inside -->"
      "<ic:contenttype>a&amp;b&#x3c;<![CDATA[<c>]]>&#233;</ic:contenttype>"
      "<e:extra a=\"1\"><e:deep>x<e:deeper/></e:deep></e:extra>"
      "<other xmlns=\"urn:example:2\">text</other>"
      "</ic:isComposing>\n<!-- after -->\n");
  CHECK(doc.state == ComposingState::active);
  CHECK(doc.contenttype == "a&b<<c>\xc3\xa9");
}

TEST_CASE("the XML declaration is optional; without it the document starts at the root") {
  CHECK(parse_ok("<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>idle</state></isComposing>")
            .state == ComposingState::idle);
  CHECK(parse_ok("<?xml version=\"1.0\"?><isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
                 "<state>idle</state></isComposing>")
            .state == ComposingState::idle);
}

TEST_CASE("rejections name the fault and its byte") {
  const std::string open = "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">";  // 59 bytes
  struct Case {
    std::string doc;
    std::uint32_t offset;
  };
  const Case cases[] = {
      {"", 0},                                                                    // nothing
      {"<?xml version=\"1.1\"?>" + open + "<state>idle</state></isComposing>", 6},   // XML 1.1
      {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + open, 20},              // not UTF-8
      {"<!DOCTYPE x []>" + open + "<state>idle</state></isComposing>", 0},        // DOCTYPE
      {"<?pi x?>" + open, 0},                                                    // PI
      {"<isComposing><state>idle</state></isComposing>", 0},                      // no namespace
      {"<isComposing xmlns=\"urn:other\"><state>idle</state></isComposing>", 0},  // wrong namespace
      {"<p:isComposing><state>idle</state></p:isComposing>", 0},                  // undeclared prefix
      {open + "</isComposing>", 0},                                                // no state
      {open + "<state>busy</state></isComposing>", 66},                          // bad state
      {open + "<state>idle</state><state>idle</state></isComposing>", 78},      // repeated
      {open + "<refresh>1</refresh><state>idle</state></isComposing>", 79},     // out of order
      {open + "<state>idle</state><refresh>0</refresh></isComposing>", 87},     // not positive
      {open + "<state>idle</state><refresh>-5</refresh></isComposing>", 87},
      {open + "<state>idle</state><refresh>99999999999</refresh></isComposing>", 87},
      {open + "<state>idle</state><lastactive>today</lastactive></isComposing>", 90},
      {open + "<state>idle</state><colour>red</colour></isComposing>", 78},     // unknown in the namespace
      {open + "<state>idle</state><x xmlns=\"\">1</x></isComposing>", 78},       // no namespace
      {open + "<state>idle</state>text</isComposing>", 78},                     // text
      {open + "<state>idle</state></isComposing>trailing", 92},                 // after the root
      {open + "<state>idle</state></isComposin>", 78},                          // mismatched end tag
      {open + "<state>idle</state>", 78},                                       // truncated
      {open + "<state><b/>idle</state></isComposing>", 66},                      // element in state
      {open + "<state>&nbsp;idle</state></isComposing>", 66},                    // undefined entity
      {open + "<state>&#0;idle</state></isComposing>", 66},                      // not a Char
      {open + "<state>\xc3\x28idle</state></isComposing>", 66},                  // bad UTF-8
      {open + "<state>idle</state><!-- a -- b --></isComposing>", 78},           // -- in a comment
      {"<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\" a=\"1\" a=\"2\"><state>idle</state></isComposing>",
       65},                                                                       // repeated attribute
      {"<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"a=\"1\"><state>idle</state></isComposing>", 58},
  };
  for (const Case& c : cases) {
    CAPTURE(c.doc);
    const IsComposingError e = parse_error(c.doc);
    CAPTURE(e.message());
    CHECK(e.offset == c.offset);
  }
}

TEST_CASE("limits: size, nesting depth, element count") {
  IsComposingLimits limits;
  limits.max_depth = 3;
  IsComposing out;
  const std::string deep =
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>idle</state>"
      "<a xmlns=\"urn:x\"><b><c>1</c></b></a></isComposing>";
  const IsComposingError e = parse_is_composing(deep, out, {}, limits);
  REQUIRE(e);
  CHECK(std::string_view(e.what) == "elements nested too deep");
  limits = {};
  limits.max_size = 10;
  CHECK(parse_is_composing(deep, out, {}, limits));
  limits = {};
  limits.max_elements = 3;
  CHECK(parse_is_composing(deep, out, {}, limits));
  CHECK_FALSE(parse_is_composing(deep, out));
}

TEST_CASE("allow_any_order takes the children in any order") {
  const std::string doc =
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<refresh>60</refresh><contenttype>text/plain</contenttype><state>active</state></isComposing>";
  CHECK(parse_error(doc).offset == 80);
  IsComposingOptions lenient;
  lenient.allow_any_order = true;
  const IsComposing d = parse_ok(doc, lenient);
  CHECK(d.state == ComposingState::active);
  CHECK(d.refresh == 60u);
}

TEST_CASE("serialize, then parse: the same document") {
  IsComposing d;
  d.state = ComposingState::active;
  d.lastactive = "2026-11-26T18:00:00Z";
  d.contenttype = "text/<html> & more\n";
  d.refresh = 90;
  const std::string text = serialize_is_composing(d);
  CHECK(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"));
  IsComposing again = parse_ok(text);
  d.contenttype = "text/<html> & more";  // surrounding whitespace is not kept
  CHECK(again == d);
  IsComposing idle;
  CHECK(parse_ok(serialize_is_composing(idle)) == idle);
}

TEST_CASE("composer: active on typing, idle after 15 s without typing, refresh while typing") {
  Composer c;
  CHECK(c.state() == ComposingState::idle);
  CHECK_FALSE(c.next_timeout());
  CHECK(c.on_typing(t0) == Composer::Action::send_active);
  CHECK(c.status().state == ComposingState::active);
  CHECK(c.status().refresh == 90u);
  // More typing sends nothing and pushes the idle timeout.
  CHECK(c.on_typing(t0 + 10s) == Composer::Action::none);
  REQUIRE(c.next_timeout());
  CHECK(*c.next_timeout() == t0 + 25s);
  CHECK(c.on_timeout(t0 + 24s) == Composer::Action::none);
  CHECK(c.on_timeout(t0 + 25s) == Composer::Action::send_idle);
  CHECK(c.state() == ComposingState::idle);
  CHECK_FALSE(c.status().refresh);
  CHECK_FALSE(c.next_timeout());

  // Typing on and on: an "active" every refresh interval, none in between.
  CHECK(c.on_typing(t0 + 100s) == Composer::Action::send_active);
  int refreshes = 0;
  for (auto t = t0 + 100s; t <= t0 + 100s + 200s; t += 5s) {
    CHECK(c.on_typing(t) == Composer::Action::none);
    while (c.next_timeout() && *c.next_timeout() <= t + 5s) {
      const auto at = *c.next_timeout();
      if (c.on_timeout(at) == Composer::Action::send_active) ++refreshes;
    }
  }
  CHECK(refreshes == 2);  // at +90 s and +180 s
  CHECK(c.state() == ComposingState::active);

  // Sending the message ends composing without an "idle".
  c.on_message_sent();
  CHECK(c.state() == ComposingState::idle);
  CHECK_FALSE(c.next_timeout());
  CHECK(c.on_timeout(t0 + 1000s) == Composer::Action::none);
}

TEST_CASE("composer with configured timers") {
  Composer c(Composer::Config{5s, 60s});
  CHECK(c.on_typing(t0) == Composer::Action::send_active);
  CHECK(*c.next_timeout() == t0 + 5s);
  CHECK(c.on_timeout(t0 + 5s) == Composer::Action::send_idle);
}

TEST_CASE("receiver: active until its refresh, 120 s without one; idle on idle or on a message") {
  ComposingReceiver r;
  IsComposing active;
  active.state = ComposingState::active;
  CHECK(r.on_status(active, t0));
  CHECK(r.state() == ComposingState::active);
  CHECK(*r.next_timeout() == t0 + 120s);
  CHECK_FALSE(r.on_timeout(t0 + 119s));
  // A new "active" moves the expiry and is not a change.
  active.refresh = 60;
  CHECK_FALSE(r.on_status(active, t0 + 100s));
  CHECK(*r.next_timeout() == t0 + 160s);
  CHECK_FALSE(r.on_timeout(t0 + 159s));
  CHECK(r.on_timeout(t0 + 160s));
  CHECK(r.state() == ComposingState::idle);
  CHECK_FALSE(r.next_timeout());
  CHECK_FALSE(r.on_timeout(t0 + 500s));

  CHECK(r.on_status(active, t0 + 200s));
  IsComposing idle;
  CHECK(r.on_status(idle, t0 + 201s));
  CHECK_FALSE(r.on_status(idle, t0 + 202s));

  CHECK(r.on_status(active, t0 + 300s));
  CHECK(r.on_message());
  CHECK(r.state() == ComposingState::idle);
  CHECK_FALSE(r.on_message());
}
