// Torture tests: every message of RFC 4475 (SIP torture tests) and RFC 5118
// (IPv6 torture tests), driven by the MANIFEST.tsv of each corpus, plus the
// semantic checks that the RFC text spells out for individual messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/error.hpp"
#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"
#include "sip/syntax/message.hpp"
#include "sip/syntax/serializer.hpp"
#include "sip/syntax/uri.hpp"
#include "test_support.hpp"

using namespace cosip::sip;
using cosip::test::all_torture_cases;
using cosip::test::header_end;
using cosip::test::read_file;
using cosip::test::torture;

namespace {

std::string unescaped(std::string_view s) {
  std::string out;
  REQUIRE(unescape(s, out));
  return out;
}

std::size_t count_headers(const Message& m, HeaderId id) {
  return static_cast<std::size_t>(
      std::count_if(m.headers.begin(), m.headers.end(), [id](const Header& h) { return h.id == id; }));
}

// Parses a torture message that must be accepted; the Message's views point
// into `data`, so the caller keeps it alive.
void parse_valid(const std::string& data, Message& msg) {
  REQUIRE_FALSE(data.empty());
  const ParseError err = parse_message(data, msg);
  INFO("error: ", err.message());
  REQUIRE_FALSE(err);
}

ParseError parse_invalid(const std::string& data) {
  REQUIRE_FALSE(data.empty());
  Message msg;
  const ParseError err = parse_message(data, msg);
  REQUIRE(err);
  INFO("error: ", err.message());
  CHECK(err.offset <= data.size());
  return err;
}

}  // namespace

TEST_SUITE("torture corpus") {

TEST_CASE("manifests list every torture file with its exact byte count") {
  const auto cases = all_torture_cases();
  // RFC 4475: 49 messages of its archive plus the stray "test" member;
  // RFC 5118: 12.
  CHECK(cases.size() == 62);
  for (const auto& c : cases) {
    INFO(c.corpus, "/", c.name);
    bool ok = false;
    const std::string data = read_file(c.path, &ok);
    CHECK(ok);
    CHECK(data.size() == c.bytes);
    CHECK((c.cls == "valid" || c.cls == "invalid"));
  }
}

TEST_CASE("valid torture messages parse and serialize to an idempotent canonical form") {
  std::size_t checked = 0;
  for (const auto& c : all_torture_cases()) {
    if (!c.valid()) continue;
    INFO(c.corpus, "/", c.name, " (section ", c.section, ")");
    const std::string data = read_file(c.path);
    Message m1;
    const ParseError e1 = parse_message(data, m1);
    INFO("first parse: ", e1.message());
    CHECK_FALSE(e1);
    if (e1) continue;
    CHECK(m1.raw.data() == data.data());

    const std::string s1 = serialize(m1);
    Message m2;
    const ParseError e2 = parse_message(s1, m2);
    INFO("serialized:\n", s1);
    INFO("second parse: ", e2.message());
    CHECK_FALSE(e2);
    if (e2) continue;

    const std::string s2 = serialize(m2);
    CHECK(s1 == s2);

    // Canonical form: no folds, one Content-Length, long names only.
    const std::string_view head = std::string_view(s1).substr(0, header_end(s1));
    CHECK(head.find("\r\n ") == std::string_view::npos);
    CHECK(head.find("\r\n\t") == std::string_view::npos);
    CHECK(count_headers(m2, HeaderId::content_length) == 1);
    for (const Header& h : m2.headers) {
      if (h.id != HeaderId::other) CHECK(h.name == canonical_name(h.id));
    }

    // The canonical form keeps the meaning.
    CHECK(m2.is_request == m1.is_request);
    CHECK(m2.method == m1.method);
    CHECK(m2.status_code == m1.status_code);
    if (m1.is_request) CHECK(uri_equal(m2.request_uri, m1.request_uri));
    CHECK(m2.vias.size() == m1.vias.size());
    CHECK(m2.call_id == m1.call_id);
    CHECK(m2.cseq.number == m1.cseq.number);
    CHECK(m2.cseq.method == m1.cseq.method);
    CHECK(m2.from.tag() == m1.from.tag());
    CHECK(m2.to.tag() == m1.to.tag());
    CHECK(m2.max_forwards == m1.max_forwards);
    CHECK(m2.body == m1.body);
    REQUIRE(m2.content_length.has_value());  // serialize() always writes one
    CHECK(*m2.content_length == m1.body.size());
    ++checked;
  }
  CHECK(checked == 38);  // 27 valid in RFC 4475, 11 in RFC 5118
}

TEST_CASE("invalid torture messages are rejected with a located, described error") {
  std::size_t checked = 0;
  for (const auto& c : all_torture_cases()) {
    if (c.valid()) continue;
    INFO(c.corpus, "/", c.name, " (section ", c.section, ")");
    const std::string data = read_file(c.path);
    Message msg;
    const ParseError err = parse_message(data, msg);
    CHECK(err);
    if (!err) continue;
    INFO("error: ", err.message());
    CHECK(err.code != ParseErrc::need_more);  // datagram parsing never waits
    CHECK_FALSE(err.message().empty());
    CHECK(err.offset <= data.size());
    CHECK_FALSE(to_string(err.code).empty());
    ++checked;
  }
  CHECK(checked == 24);  // 23 in RFC 4475, 1 in RFC 5118
}

}  // TEST_SUITE

// ---------------------------------------------------------------------------
// RFC 4475 §3.1.1: valid messages, with what the text says about each.

TEST_SUITE("rfc4475 valid") {

TEST_CASE("wsinv (3.1.1.1): folding, odd LWS, mixed compact and long names") {
  const std::string data = torture("rfc4475", "wsinv");
  Message m;
  parse_valid(data, m);
  CHECK(m.is_request);
  CHECK(m.method == "INVITE");
  CHECK(m.request_uri.scheme == Uri::Scheme::sip);
  CHECK(m.request_uri.user == "vivekg");
  CHECK(m.request_uri.host == "chair-dnrc.example.com");
  REQUIRE(m.request_uri.params.size() == 1);
  CHECK(m.request_uri.params[0].name == "unknownparam");
  CHECK_FALSE(m.request_uri.params[0].has_value);

  CHECK(m.call_id == "wsinv.ndaksdj@192.0.2.1");
  CHECK(m.cseq.number == 9);  // "0009", leading zeros
  CHECK(m.cseq.method == "INVITE");
  REQUIRE(m.max_forwards.has_value());
  CHECK(*m.max_forwards == 68);  // "0068"
  REQUIRE(m.content_length.has_value());
  CHECK(*m.content_length == 150);
  CHECK(m.body.size() == 150);
  CHECK(m.body.substr(0, 5) == "v=0\r\n");
  REQUIRE(m.content_type.has_value());
  CHECK(m.content_type->type == "application");
  CHECK(m.content_type->subtype == "sdp");

  // To: addr-spec folded onto the next line, LWS around ';' and '='.
  CHECK_FALSE(m.to.angle_brackets);
  CHECK(m.to.uri.user == "vivekg");
  CHECK(m.to.uri.host == "chair-dnrc.example.com");
  CHECK(m.to.tag() == "1918181833n");

  // From: quoted display name ending in an escaped backslash and an escaped
  // quote; the view keeps the quoted-pairs.
  CHECK(m.from.display_quoted);
  CHECK(m.from.display_name == R"(J Rosenberg \\\")");
  CHECK(m.from.angle_brackets);
  CHECK(m.from.uri.user == "jdrosen");
  CHECK(m.from.tag() == "98asjd8");

  // Three Via values: one on "Via  :" (sent-protocol folded around '/'),
  // two on the compact "v:" line.
  CHECK(count_headers(m, HeaderId::via) == 2);
  REQUIRE(m.vias.size() == 3);
  CHECK(m.vias[0].protocol_name == "SIP");
  CHECK(m.vias[0].protocol_version == "2.0");
  CHECK(m.vias[0].transport == "UDP");
  CHECK(m.vias[0].host == "192.0.2.2");
  CHECK(m.vias[0].host_kind == HostKind::ipv4);
  CHECK(m.vias[0].branch() == "390skdjuw");
  CHECK(m.vias[1].transport == "TCP");
  CHECK(m.vias[1].host == "spindle.example.com");
  CHECK(m.vias[1].branch() == "z9hG4bK9ikj8");
  CHECK(m.vias[2].transport == "UDP");
  CHECK(m.vias[2].host == "192.168.255.111");
  CHECK(m.vias[2].branch() == "z9hG4bK30239");

  // Subject "s :" with an empty value is allowed (§20.36: [TEXT-UTF8-TRIM]).
  const Header* subject = m.find(HeaderId::subject);
  REQUIRE(subject != nullptr);
  CHECK(subject->name == "s");
  CHECK(subject->value.empty());

  // Unknown headers keep their value as received (folds included).
  const Header* nf = m.find("NewFangledHeader");
  REQUIRE(nf != nullptr);
  CHECK(nf->id == HeaderId::other);
  CHECK(nf->value == "newfangled value\r\n continued newfangled value");
  const Header* unusual = m.find("unknownheaderwithunusualvalue");
  REQUIRE(unusual != nullptr);
  CHECK(unusual->value == ";;,,;;,;");

  const Header* route = m.find(HeaderId::route);
  REQUIRE(route != nullptr);
  CHECK(route->value == "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>");
  NameAddrList routes;
  REQUIRE(decode_route_list(route->value, routes));
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].uri.params.size() == 3);

  // Contact "m:" with a quoted display name of escaped quotes and folded
  // header parameters.
  const Header* contact = m.find(HeaderId::contact);
  REQUIRE(contact != nullptr);
  CHECK(contact->name == "m");
  ContactList cl;
  REQUIRE(decode_contact(contact->value, cl));
  CHECK_FALSE(cl.star);
  REQUIRE(cl.entries.size() == 1);
  CHECK(cl.entries[0].display_quoted);
  CHECK(cl.entries[0].display_name == R"(Quoted string \"\")");
  const Param* np = find_param(cl.entries[0].params, "newparam");
  REQUIRE(np != nullptr);
  CHECK(np->value == "newvalue");
  const Param* sp = find_param(cl.entries[0].params, "secondparam");
  REQUIRE(sp != nullptr);
  CHECK_FALSE(sp->has_value);
  const Param* q = find_param(cl.entries[0].params, "q");
  REQUIRE(q != nullptr);
  CHECK(q->value == "0.33");
}

TEST_CASE("intmeth (3.1.1.2): the method is a token; user and password take odd characters") {
  const std::string data = torture("rfc4475", "intmeth");
  Message m;
  parse_valid(data, m);
  const std::string_view method = "!interesting-Method0123456789_*+`.%indeed'~";
  CHECK(m.method == method);
  CHECK(m.cseq.method == method);
  CHECK(m.cseq.number == 139122385);
  CHECK(m.request_uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  CHECK(m.request_uri.has_password);
  CHECK(m.request_uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  CHECK(m.request_uri.host == "example.com");
  CHECK(m.request_uri.params.empty());
  CHECK_FALSE(m.request_uri.has_headers);
  REQUIRE(m.max_forwards.has_value());
  CHECK(*m.max_forwards == 255);
  CHECK(m.call_id == R"(intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{)");
  CHECK(m.vias[0].branch() == "z9hG4bK-.!%66*_+`'~");

  // To: quoted-pairs may escape control characters, NUL included (§25.1).
  std::string to_display = "BEL:\\\a NUL:\\";
  to_display += '\0';
  to_display += " DEL:\\\x7f";
  CHECK(m.to.display_quoted);
  CHECK(m.to.display_name == to_display);
  CHECK(m.to.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");

  // From: a display name of several tokens, an odd parameter name with a
  // quoted UTF-8 value, and an odd tag.
  CHECK_FALSE(m.from.display_quoted);
  CHECK(m.from.display_name == "token1~` token2'+_ token3*%!.-");
  CHECK(m.from.tag() == "_token~1'+`*%!-.");
  const Param* fp = find_param(m.from.params, "fromParam''~+*_!.-%");
  REQUIRE(fp != nullptr);
  CHECK(fp->quoted);
  CHECK(fp->value == "\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9");

  const Header* ext = m.find("extensionHeader-!.%*+_`'~");
  REQUIRE(ext != nullptr);
  CHECK(ext->id == HeaderId::other);
  CHECK(ext->value == "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
}

TEST_CASE("esc01 (3.1.1.3): %-escapes are kept in views and decode on demand") {
  const std::string data = torture("rfc4475", "esc01");
  Message m;
  parse_valid(data, m);
  CHECK(m.request_uri.user == "sips%3Auser%40example.com");
  CHECK(unescaped(m.request_uri.user) == "sips:user@example.com");
  CHECK(m.request_uri.host == "example.net");
  CHECK(unescaped(m.to.uri.user) == "user");
  CHECK(unescaped(m.from.uri.user) == "I have spaces");
  CHECK(m.call_id == "esc01.239409asdfakjkn23onasd0-3234");
  REQUIRE(m.content_type.has_value());  // compact "C:"
  CHECK(m.content_type->subtype == "sdp");

  const Header* contact = m.find(HeaderId::contact);
  REQUIRE(contact != nullptr);
  ContactList cl;
  REQUIRE(decode_contact(contact->value, cl));
  REQUIRE(cl.entries.size() == 1);
  const Uri& u = cl.entries[0].uri;
  CHECK(unescaped(u.user) == "caller");
  REQUIRE(u.params.size() == 2);
  CHECK(unescaped(u.params[0].name) == "lr");
  CHECK_FALSE(u.params[0].has_value);
  CHECK(unescaped(u.params[1].name) == "name");
  CHECK(unescaped(u.params[1].value) == "value%41");
}

TEST_CASE("escnull (3.1.1.4): escaped NULs do not truncate URIs") {
  const std::string data = torture("rfc4475", "escnull");
  Message m;
  parse_valid(data, m);
  CHECK(m.method == "REGISTER");
  CHECK(m.to.uri.user == "null-%00-null");
  const std::string user = unescaped(m.to.uri.user);
  CHECK(user.size() == 11);
  CHECK(user == std::string("null-\0-null", 11));
  CHECK(m.from.uri.user == "null-%00-null");
  CHECK(m.from.tag() == "839923423");

  std::vector<std::string> users;
  for (const Header& h : m.headers) {
    if (h.id != HeaderId::contact) continue;
    ContactList cl;
    REQUIRE(decode_contact(h.value, cl));
    REQUIRE(cl.entries.size() == 1);
    users.push_back(unescaped(cl.entries[0].uri.user));
  }
  REQUIRE(users.size() == 2);
  CHECK(users[0] == std::string(1, '\0'));
  CHECK(users[1] == std::string(2, '\0'));
}

TEST_CASE("esc02 (3.1.1.5): % in a method or header name is not an escape") {
  const std::string data = torture("rfc4475", "esc02");
  Message m;
  parse_valid(data, m);
  CHECK(m.method == "RE%47IST%45R");
  CHECK(m.method != "REGISTER");
  CHECK(m.cseq.method == "RE%47IST%45R");
  CHECK(m.to.display_quoted);
  CHECK(m.to.display_name == "%Z%45");
  CHECK(m.from.display_name == "%Z%45");
  CHECK(m.vias[0].branch() == "z9hG4bK209%fzsnel234");

  // Two Contact header fields, not three: "C%6Fntact" is an unknown header.
  CHECK(count_headers(m, HeaderId::contact) == 2);
  CHECK(header_id("C%6Fntact") == HeaderId::other);
  const Header* odd = m.find("C%6Fntact");
  REQUIRE(odd != nullptr);
  CHECK(odd->id == HeaderId::other);
  CHECK(odd->value == "<sip:alias2@host2.example.com>");
  const Header* first = m.find(HeaderId::contact);
  REQUIRE(first != nullptr);
  CHECK(first->value == "<sip:alias1@host1.example.com>");
}

TEST_CASE("lwsdisp (3.1.1.6): no LWS between a token display name and '<'") {
  const std::string data = torture("rfc4475", "lwsdisp");
  Message m;
  parse_valid(data, m);
  CHECK(m.method == "OPTIONS");
  CHECK_FALSE(m.from.display_quoted);
  CHECK(m.from.display_name == "caller");
  CHECK(m.from.angle_brackets);
  CHECK(m.from.uri.user == "caller");
  CHECK(m.from.tag() == "323");
}

TEST_CASE("longreq (3.1.1.7): long values and 34 Via header values") {
  const std::string data = torture("rfc4475", "longreq");
  Message m;
  parse_valid(data, m);
  // 33 "sipN.example.com" lines (N = 33..1) plus host.example.com.
  REQUIRE(m.vias.size() == 34);
  CHECK(count_headers(m, HeaderId::via) == 34);
  CHECK(m.vias[0].host == "sip33.example.com");
  CHECK(m.vias[32].host == "sip1.example.com");
  CHECK(m.vias[33].host == "host.example.com");
  const Param* received = m.vias[33].received();
  REQUIRE(received != nullptr);
  CHECK(received->value == "192.0.2.5");
  CHECK(m.vias[33].branch().size() == 215);
  CHECK(m.vias[33].branch().substr(0, 8) == "verylong");
  CHECK(m.vias[33].branch().substr(m.vias[33].branch().size() - 11) == "branchvalue");

  CHECK(m.to.display_quoted);
  CHECK(m.to.display_name.substr(0, 21) == "I have a user name of");
  CHECK(m.to.uri.port == 6000);
  CHECK(m.to.uri.params.size() == 3);
  CHECK(m.from.tag().size() == 155);
  CHECK(m.from.params.size() == 3);
  CHECK(m.call_id.size() == 141);
  REQUIRE(m.content_length.has_value());
  CHECK(*m.content_length == 150);
  CHECK(m.body.size() == 150);
}

TEST_CASE("dblreq (3.1.1.8): octets after Content-Length in a datagram are ignored") {
  const std::string data = torture("rfc4475", "dblreq");
  Message m;
  parse_valid(data, m);
  CHECK(m.method == "REGISTER");
  CHECK(m.cseq.method == "REGISTER");
  REQUIRE(m.content_length.has_value());
  CHECK(*m.content_length == 0);
  CHECK(m.body.empty());
  CHECK(m.raw == std::string_view(data).substr(0, header_end(data)));
  CHECK(m.call_id == "dblreq.0ha0isndaksdj99sdfafnl3lk233412");  // compact "I:"
}

TEST_CASE("semiuri (3.1.1.9): ';' in the user part belongs to the user") {
  const std::string data = torture("rfc4475", "semiuri");
  Message m;
  parse_valid(data, m);
  CHECK(m.request_uri.user == "user;par=u%40example.net");
  CHECK(unescaped(m.request_uri.user) == "user;par=u@example.net");
  CHECK(m.request_uri.host == "example.com");
  CHECK(m.request_uri.params.empty());

  const Header* accept = m.find(HeaderId::accept);
  REQUIRE(accept != nullptr);
  MediaTypeList ranges;
  REQUIRE(decode_accept(accept->value, ranges));
  REQUIRE(ranges.size() == 6);
  CHECK(ranges[0].type == "application");
  CHECK(ranges[0].subtype == "sdp");
  CHECK(ranges[5].type == "message");
  CHECK(ranges[5].subtype == "sipfrag");
}

TEST_CASE("transports (3.1.1.10): any token is a Via transport") {
  const std::string data = torture("rfc4475", "transports");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.vias.size() == 5);
  CHECK(m.vias[0].transport == "UDP");
  CHECK(m.vias[1].transport == "SCTP");
  CHECK(m.vias[2].transport == "TLS");
  CHECK(m.vias[3].transport == "UNKNOWN");
  CHECK(m.vias[3].host == "t4.example.com");
  CHECK(m.vias[4].transport == "TCP");
  CHECK(m.call_id == "transports.kijh4akdnaqjkwendsasfdj");
}

TEST_CASE("mpart01 (3.1.1.11): a binary multipart body is taken whole") {
  const std::string data = torture("rfc4475", "mpart01");
  Message m;
  parse_valid(data, m);
  CHECK(m.method == "MESSAGE");
  REQUIRE(m.content_length.has_value());
  CHECK(*m.content_length == 553);
  CHECK(m.body.size() == 553);
  CHECK(m.body == std::string_view(data).substr(header_end(data)));
  REQUIRE(m.content_type.has_value());
  CHECK(m.content_type->type == "multipart");
  CHECK(m.content_type->subtype == "mixed");
  const Param* boundary = find_param(m.content_type->params, "boundary");
  REQUIRE(boundary != nullptr);
  CHECK(boundary->value == "7a9cbec02ceef655");
  REQUIRE(m.vias.size() == 1);
  CHECK(m.vias[0].port == 5070);
  const Param* rport = m.vias[0].rport();
  REQUIRE(rport != nullptr);
  CHECK_FALSE(rport->has_value);
  const Header* identity = m.find(HeaderId::identity);
  REQUIRE(identity != nullptr);
  const Header* date = m.find(HeaderId::date);
  REQUIRE(date != nullptr);
  CHECK(decode_date(date->value));
}

TEST_CASE("unreason (3.1.1.12): a UTF-8 reason phrase") {
  const std::string data = torture("rfc4475", "unreason");
  Message m;
  parse_valid(data, m);
  CHECK_FALSE(m.is_request);
  CHECK(m.status_code == 200);
  const std::string_view line = std::string_view(data).substr(0, data.find("\r\n"));
  CHECK(m.reason_phrase == line.substr(std::string_view("SIP/2.0 200 ").size()));
  CHECK(m.reason_phrase.substr(0, 13) == "= 2**3 * 5**2");
  CHECK(m.body.size() == 154);
}

TEST_CASE("noreason (3.1.1.13): an empty reason phrase") {
  const std::string data = torture("rfc4475", "noreason");
  Message m;
  parse_valid(data, m);
  CHECK_FALSE(m.is_request);
  CHECK(m.status_code == 100);
  CHECK(m.reason_phrase.empty());
  CHECK(m.to.tag() == "902jndnke3");
}

TEST_CASE("badbranch (3.2.1): a branch of only the magic cookie still parses") {
  const std::string data = torture("rfc4475", "badbranch");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.vias.size() == 1);
  CHECK(m.vias[0].branch() == "z9hG4bK");
}

TEST_CASE("unkscm and novelsc (3.3.2, 3.3.3): other URI schemes in the Request-URI") {
  {
    const std::string data = torture("rfc4475", "unkscm");
    Message m;
    parse_valid(data, m);
    CHECK(m.request_uri.scheme == Uri::Scheme::other);
    CHECK(m.request_uri.scheme_text == "nobodyKnowsThisScheme");
    CHECK(m.request_uri.opaque == "totallyopaquecontent");
  }
  {
    const std::string data = torture("rfc4475", "novelsc");
    Message m;
    parse_valid(data, m);
    CHECK(m.request_uri.scheme == Uri::Scheme::other);
    CHECK(m.request_uri.scheme_text == "soap.beep");
    CHECK(m.request_uri.opaque == "//192.0.2.103:3002");
  }
}

TEST_CASE("unksm2 (3.3.4): other URI schemes in To, From and Contact") {
  const std::string data = torture("rfc4475", "unksm2");
  Message m;
  parse_valid(data, m);
  CHECK(m.to.uri.scheme == Uri::Scheme::other);
  CHECK(m.to.uri.scheme_text == "isbn");
  CHECK(m.to.uri.opaque == "2983792873");
  CHECK(m.from.uri.scheme == Uri::Scheme::other);
  CHECK(m.from.uri.scheme_text == "http");
  CHECK(m.from.tag() == "3234233");
  const Header* contact = m.find(HeaderId::contact);
  REQUIRE(contact != nullptr);
  ContactList cl;
  REQUIRE(decode_contact(contact->value, cl));
  REQUIRE(cl.entries.size() == 1);
  CHECK(cl.entries[0].uri.scheme == Uri::Scheme::other);
  CHECK(cl.entries[0].uri.opaque == "John_Smith");
}

TEST_CASE("bext01 (3.3.5): Require and Proxy-Require option tags") {
  const std::string data = torture("rfc4475", "bext01");
  Message m;
  parse_valid(data, m);
  const Header* require = m.find(HeaderId::require);
  REQUIRE(require != nullptr);
  TokenList tags;
  REQUIRE(decode_token_list(require->value, tags, false));
  REQUIRE(tags.size() == 2);
  CHECK(tags[0] == "nothingSupportsThis");
  CHECK(tags[1] == "nothingSupportsThisEither");
  const Header* proxy_require = m.find(HeaderId::proxy_require);
  REQUIRE(proxy_require != nullptr);
  TokenList ptags;
  REQUIRE(decode_token_list(proxy_require->value, ptags, false));
  CHECK(ptags.size() == 2);
  CHECK(m.vias[0].transport == "TLS");
}

TEST_CASE("invut (3.3.6): an unknown Content-Type parses") {
  const std::string data = torture("rfc4475", "invut");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.content_type.has_value());
  CHECK(m.content_type->type == "application");
  CHECK(m.content_type->subtype == "unknownformat");
  CHECK(m.body.size() == 40);
}

TEST_CASE("regaut01 (3.3.7): an unknown authorization scheme parses") {
  const std::string data = torture("rfc4475", "regaut01");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.content_length.has_value());
  CHECK(*m.content_length == 0);  // "Content-Length:0"
  const Header* auth = m.find(HeaderId::authorization);
  REQUIRE(auth != nullptr);
  AuthValue av;
  REQUIRE(decode_auth(auth->value, av));
  CHECK(av.scheme == "NoOneKnowsThisScheme");
  const Param* p = find_param(av.params, "opaque-data");
  REQUIRE(p != nullptr);
  CHECK(p->value == "here");
}

TEST_CASE("bcast (3.3.10): a response with a broadcast Via") {
  const std::string data = torture("rfc4475", "bcast");
  Message m;
  parse_valid(data, m);
  CHECK_FALSE(m.is_request);
  CHECK(m.status_code == 200);
  CHECK(m.reason_phrase == "OK");
  REQUIRE(m.vias.size() == 2);
  CHECK(m.vias[1].host == "255.255.255.255");
  CHECK(m.vias[1].host_kind == HostKind::ipv4);
}

TEST_CASE("zeromf (3.3.11): Max-Forwards of zero") {
  const std::string data = torture("rfc4475", "zeromf");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.max_forwards.has_value());
  CHECK(*m.max_forwards == 0);
}

TEST_CASE("cparam01 and cparam02 (3.3.12, 3.3.13): header vs URI parameters in Contact") {
  // Checked on the message as received and on its canonical form: the
  // serializer must not move a parameter between the URI and the header.
  {
    // Without <> the ";unknownparam" is a contact-param (§20.10).
    const std::string data = torture("rfc4475", "cparam01");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    for (const Message* msg : {&m, &again}) {
      ContactList cl;
      REQUIRE(decode_contact(msg->find(HeaderId::contact)->value, cl));
      REQUIRE(cl.entries.size() == 1);
      CHECK(cl.entries[0].uri.user == "+19725552222");
      CHECK(cl.entries[0].uri.params.empty());
      REQUIRE(cl.entries[0].params.size() == 1);
      CHECK(cl.entries[0].params[0].name == "unknownparam");
    }
    ContactList cl;
    REQUIRE(decode_contact(m.find(HeaderId::contact)->value, cl));
    CHECK_FALSE(cl.entries[0].angle_brackets);
  }
  {
    // Inside <> it is a url-parameter.
    const std::string data = torture("rfc4475", "cparam02");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    for (const Message* msg : {&m, &again}) {
      ContactList cl;
      REQUIRE(decode_contact(msg->find(HeaderId::contact)->value, cl));
      REQUIRE(cl.entries.size() == 1);
      CHECK(cl.entries[0].angle_brackets);
      REQUIRE(cl.entries[0].uri.params.size() == 1);
      CHECK(cl.entries[0].uri.params[0].name == "unknownparam");
      CHECK(cl.entries[0].params.empty());
    }
  }
}

TEST_CASE("canonical forms keep what RFC 4475 says must survive") {
  SUBCASE("esc02: still two Contacts and an unknown C%6Fntact") {
    const std::string data = torture("rfc4475", "esc02");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    CHECK(again.method == "RE%47IST%45R");
    CHECK(count_headers(again, HeaderId::contact) == 2);
    REQUIRE(again.find("C%6Fntact") != nullptr);
    CHECK(again.find("C%6Fntact")->value == "<sip:alias2@host2.example.com>");
  }
  SUBCASE("escnull: %00 stays escaped") {
    const std::string data = torture("rfc4475", "escnull");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    CHECK(again.to.uri.user == "null-%00-null");
  }
  SUBCASE("semiuri: the user part keeps its ';'") {
    const std::string data = torture("rfc4475", "semiuri");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    CHECK(again.request_uri.user == "user;par=u%40example.net");
    CHECK(again.request_uri.params.empty());
  }
  SUBCASE("wsinv: display names, tags and unknown headers") {
    const std::string data = torture("rfc4475", "wsinv");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    CHECK(again.from.display_name == R"(J Rosenberg \\\")");
    CHECK(again.to.tag() == "1918181833n");
    CHECK(again.to.uri.params.empty());
    CHECK(again.vias.size() == 3);
    REQUIRE(again.find("NewFangledHeader") != nullptr);
    CHECK(again.find("UnknownHeaderWithUnusualValue")->value == ";;,,;;,;");
    REQUIRE(again.find(HeaderId::subject) != nullptr);
    CHECK(again.find(HeaderId::subject)->value.empty());
  }
  SUBCASE("regescrt: the escaped Route header stays in the Contact URI") {
    const std::string data = torture("rfc4475", "regescrt");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    ContactList cl;
    REQUIRE(decode_contact(again.find(HeaderId::contact)->value, cl));
    REQUIRE(cl.entries.size() == 1);
    CHECK(cl.entries[0].uri.headers == "Route=%3Csip:sip.example.com%3E");
  }
  SUBCASE("inv2543: the To header parameter stays a header parameter") {
    const std::string data = torture("rfc4475", "inv2543");
    Message m;
    parse_valid(data, m);
    const std::string canonical = serialize(m);
    Message again;
    parse_valid(canonical, again);
    CHECK(again.to.uri.params.empty());
    CHECK(find_param(again.to.params, "user") != nullptr);
    CHECK(find_param(again.from.uri.params, "user") != nullptr);
    CHECK(again.body == m.body);
  }
}

TEST_CASE("regescrt (3.3.14): an escaped header in a Contact URI") {
  const std::string data = torture("rfc4475", "regescrt");
  Message m;
  parse_valid(data, m);
  const Header* contact = m.find(HeaderId::contact);  // compact "M:"
  REQUIRE(contact != nullptr);
  CHECK(contact->name == "M");
  ContactList cl;
  REQUIRE(decode_contact(contact->value, cl));
  REQUIRE(cl.entries.size() == 1);
  CHECK(cl.entries[0].uri.has_headers);
  CHECK(cl.entries[0].uri.headers == "Route=%3Csip:sip.example.com%3E");
}

TEST_CASE("sdp01 (3.3.15): Accept with an unknown type") {
  const std::string data = torture("rfc4475", "sdp01");
  Message m;
  parse_valid(data, m);
  MediaTypeList ranges;
  REQUIRE(decode_accept(m.find(HeaderId::accept)->value, ranges));
  REQUIRE(ranges.size() == 1);
  CHECK(ranges[0].type == "text");
  CHECK(ranges[0].subtype == "nobodyKnowsThis");
}

TEST_CASE("inv2543 (3.4.1): RFC 2543 syntax; without Content-Length the body is the rest") {
  const std::string data = torture("rfc4475", "inv2543");
  Message m;
  parse_valid(data, m);
  CHECK_FALSE(m.content_length.has_value());
  CHECK_FALSE(m.max_forwards.has_value());
  CHECK(m.body == std::string_view(data).substr(header_end(data)));
  CHECK(m.body.size() == 105);
  REQUIRE(m.vias.size() == 1);
  CHECK(m.vias[0].branch().empty());
  CHECK(m.from.tag().empty());
  CHECK(m.to.tag().empty());
  // To is an addr-spec without <>: ";user=phone" is a header parameter
  // (§20.10, §20.39), not a URI parameter.
  CHECK(m.to.uri.params.empty());
  const Param* user = find_param(m.to.params, "user");
  REQUIRE(user != nullptr);
  CHECK(user->value == "phone");
  // From has <>: there it is a URI parameter.
  REQUIRE(find_param(m.from.uri.params, "user") != nullptr);
  CHECK(m.from.params.empty());
  CHECK(m.find(HeaderId::record_route) != nullptr);
}

}  // TEST_SUITE

// ---------------------------------------------------------------------------
// RFC 4475 §3.1.2 and §3.3: invalid messages and the fault each one carries.

TEST_SUITE("rfc4475 invalid") {

TEST_CASE("badvers (3.1.2.16): SIP/7.0 is an unsupported version (505)") {
  CHECK(parse_invalid(torture("rfc4475", "badvers")).code == ParseErrc::unsupported_version);
}

TEST_CASE("mismatch01 (3.1.2.17): CSeq method differs from the request method") {
  CHECK(parse_invalid(torture("rfc4475", "mismatch01")).code == ParseErrc::cseq_method_mismatch);
}

TEST_CASE("mismatch02 (3.1.2.18): unknown method with a different CSeq method") {
  // §8.1.1.7: the CSeq method MUST match the request method.
  CHECK(parse_invalid(torture("rfc4475", "mismatch02")).code == ParseErrc::cseq_method_mismatch);
}

TEST_CASE("insuf (3.3.1): Call-ID, From and To are missing") {
  const ParseError err = parse_invalid(torture("rfc4475", "insuf"));
  CHECK(err.code == ParseErrc::missing_header);
  CHECK(err.header == HeaderId::from);  // the first mandatory header checked that is absent
}

TEST_CASE("mcl01 (3.3.9): two Content-Length values") {
  const ParseError err = parse_invalid(torture("rfc4475", "mcl01"));
  CHECK(err.code == ParseErrc::duplicate_header);
  CHECK(err.header == HeaderId::content_length);
}

TEST_CASE("clerr (3.1.2.2): Content-Length larger than the datagram") {
  CHECK(parse_invalid(torture("rfc4475", "clerr")).code == ParseErrc::bad_content_length);
}

TEST_CASE("ncl (3.1.2.3): negative Content-Length") {
  const ParseError err = parse_invalid(torture("rfc4475", "ncl"));
  CHECK(err.code == ParseErrc::bad_content_length);
  CHECK(err.header == HeaderId::content_length);
}

// The fault is reported in the CSeq header, at a byte of its line.
void check_cseq_overflow(const char* name) {
  INFO(name);
  const std::string data = torture("rfc4475", name);
  const ParseError err = parse_invalid(data);
  CHECK(err.code == ParseErrc::bad_header_value);
  CHECK(err.header == HeaderId::cseq);
  const std::size_t line = data.find("CSeq:");
  CHECK(err.offset >= line);
  CHECK(err.offset < data.find("\r\n", line));
}

TEST_CASE("scalar02 (3.1.2.4), scalarlg (3.1.2.5): CSeq overflow is the first faulty header") {
  // Via, To and From come first and are fine; the CSeq numbers are >= 2**31
  // (§8.1.1.5). Max-Forwards 300, Expires and Retry-After come later.
  check_cseq_overflow("scalar02");
  check_cseq_overflow("scalarlg");
}

TEST_CASE("bigcode (3.1.2.19): a status code of more than three digits") {
  CHECK(parse_invalid(torture("rfc4475", "bigcode")).code == ParseErrc::bad_status_code);
}

TEST_CASE("ltgtruri (3.1.2.7): <> around the Request-URI") {
  CHECK(parse_invalid(torture("rfc4475", "ltgtruri")).code == ParseErrc::bad_request_uri);
}

TEST_CASE("escruri (3.1.2.11): headers are not allowed in a Request-URI") {
  // §19.1.1 table: the headers component is not allowed in a Request-URI.
  CHECK(parse_invalid(torture("rfc4475", "escruri")).code == ParseErrc::bad_request_uri);
}

TEST_CASE("lwsruri, lwsstart, trws, test: malformed request lines are rejected") {
  // §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF.
  for (const char* name : {"lwsruri", "lwsstart", "trws", "test"}) {
    INFO(name);
    parse_invalid(torture("rfc4475", name));
  }
}

}  // TEST_SUITE

// ---------------------------------------------------------------------------
// RFC 5118: IPv6.

TEST_SUITE("rfc5118") {

TEST_CASE("ipv6-good (4.1): IPv6 references in Request-URI, Via and Contact") {
  const std::string data = torture("rfc5118", "ipv6-good");
  Message m;
  parse_valid(data, m);
  CHECK(m.request_uri.host == "[2001:db8::10]");
  CHECK(m.request_uri.host_kind == HostKind::ipv6);
  CHECK_FALSE(m.request_uri.has_port);
  REQUIRE(m.vias.size() == 1);
  CHECK(m.vias[0].host == "[2001:db8::9:1]");
  CHECK(m.vias[0].host_kind == HostKind::ipv6);
  CHECK_FALSE(m.vias[0].has_port);
  ContactList cl;
  REQUIRE(decode_contact(m.find(HeaderId::contact)->value, cl));
  REQUIRE(cl.entries.size() == 1);
  CHECK(cl.entries[0].uri.host == "[2001:db8::1]");
  CHECK(cl.entries[0].display_name == "Caller");
}

TEST_CASE("ipv6-bad (4.2): an IPv6 address without brackets in the Request-URI") {
  CHECK(parse_invalid(torture("rfc5118", "ipv6-bad")).code == ParseErrc::bad_request_uri);
}

TEST_CASE("port-ambiguous (4.3): the last group is part of the address, not a port") {
  const std::string data = torture("rfc5118", "port-ambiguous");
  Message m;
  parse_valid(data, m);
  CHECK(m.request_uri.host == "[2001:db8::10:5070]");
  CHECK(m.request_uri.host_kind == HostKind::ipv6);
  CHECK_FALSE(m.request_uri.has_port);
}

TEST_CASE("port-unambiguous (4.4): the port follows the bracket") {
  const std::string data = torture("rfc5118", "port-unambiguous");
  Message m;
  parse_valid(data, m);
  CHECK(m.request_uri.host == "[2001:db8::10]");
  CHECK(m.request_uri.host_kind == HostKind::ipv6);
  CHECK(m.request_uri.has_port);
  CHECK(m.request_uri.port == 5070);
}

TEST_CASE("via-received-param (4.5): received with and without brackets") {
  {
    const std::string data = torture("rfc5118", "via-received-param-with-delim");
    Message m;
    parse_valid(data, m);
    REQUIRE(m.vias.size() == 1);
    const Param* r = m.vias[0].received();
    REQUIRE(r != nullptr);
    CHECK(r->value == "[2001:db8::9:255]");
    CHECK(m.vias[0].branch() == "z9hG4bKas3-111");
  }
  {
    const std::string data = torture("rfc5118", "via-received-param-no-delim");
    Message m;
    parse_valid(data, m);
    REQUIRE(m.vias.size() == 1);
    const Param* r = m.vias[0].received();
    REQUIRE(r != nullptr);
    CHECK(r->value == "2001:db8::9:255");
    CHECK(m.vias[0].branch() == "z9hG4bKas3");
  }
}

TEST_CASE("ipv6-in-sdp (4.6): the body is Content-Length octets of the datagram") {
  // The stored file's body is longer than its Content-Length (line endings
  // were widened); §18.3: octets past Content-Length are discarded.
  const std::string data = torture("rfc5118", "ipv6-in-sdp");
  Message m;
  parse_valid(data, m);
  CHECK(m.body.size() == 241);
  CHECK(m.body == std::string_view(data).substr(header_end(data), 241));
}

TEST_CASE("mult-ip-in-header (4.7): IPv4 and IPv6 Vias mixed") {
  const std::string data = torture("rfc5118", "mult-ip-in-header");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.vias.size() == 3);
  CHECK(m.vias[0].host == "[2001:db8::9:1]");
  CHECK(m.vias[0].host_kind == HostKind::ipv6);
  CHECK(m.vias[0].port == 6050);
  CHECK(m.vias[1].host == "192.0.2.1");
  CHECK(m.vias[1].host_kind == HostKind::ipv4);
  CHECK(m.vias[2].host == "[2001:db8::9:255]");
  CHECK(m.vias[2].transport == "TCP");
  REQUIRE(m.vias[2].received() != nullptr);
  CHECK(m.vias[2].received()->value == "192.0.2.200");
}

TEST_CASE("ipv4-mapped-ipv6 (4.9): ::ffff:a.b.c.d references") {
  const std::string data = torture("rfc5118", "ipv4-mapped-ipv6");
  Message m;
  parse_valid(data, m);
  REQUIRE(m.vias.size() == 2);
  CHECK(m.vias[0].host == "[::ffff:192.0.2.10]");
  CHECK(m.vias[0].host_kind == HostKind::ipv6);
  CHECK(m.vias[0].port == 19823);
  CHECK(m.vias[1].host == "[::ffff:192.0.2.2]");
  ContactList cl;
  REQUIRE(decode_contact(m.find(HeaderId::contact)->value, cl));
  REQUIRE(cl.entries.size() == 1);
  CHECK(cl.entries[0].uri.host == "[::ffff:192.0.2.2]");
  CHECK(cl.entries[0].display_name == "T. desk phone");
}

TEST_CASE("ipv6 ABNF (4.10): two-colon form and tolerated three-colon form") {
  {
    const std::string data = torture("rfc5118", "ipv6-correct-abnf-2-colons");
    Message m;
    parse_valid(data, m);
    CHECK(m.request_uri.host == "[2001:db8::192.0.2.1]");
    CHECK(m.request_uri.host_kind == HostKind::ipv6);
    CHECK(m.to.uri.host == "[2001:db8::192.0.2.1]");
  }
  {
    const std::string data = torture("rfc5118", "ipv6-bug-abnf-3-colons");
    Message m;
    parse_valid(data, m);
    CHECK(m.request_uri.host == "[2001:db8:::192.0.2.1]");
  }
}

TEST_CASE("invalid messages: the first fault is the expected code in the expected header") {
  struct Case {
    const char* rfc;
    const char* name;
    ParseErrc code;
    HeaderId header;
    const char* why;
  };
  const Case cases[] = {
      {"rfc4475", "multi01", ParseErrc::duplicate_header, HeaderId::cseq, "multi01 (3.3.8): single-valued headers appear twice; CSeq is the first repeated"},
      {"rfc4475", "baddate", ParseErrc::bad_header_value, HeaderId::date, "baddate (3.1.2.12): Date must be in GMT"},
      {"rfc4475", "regbadct", ParseErrc::bad_header_value, HeaderId::contact, "regbadct (3.1.2.13): a Contact URI with '?' must be in <>"},
      {"rfc4475", "badaspec", ParseErrc::bad_header_value, HeaderId::to, "badaspec (3.1.2.14): LWS inside <> of To"},
      {"rfc4475", "baddn", ParseErrc::bad_header_value, HeaderId::from, "baddn (3.1.2.15): a display name with a comma must be quoted"},
      {"rfc4475", "quotbal", ParseErrc::bad_header_value, HeaderId::to, "quotbal (3.1.2.6): unterminated quoted display name in To"},
      {"rfc4475", "badinv01", ParseErrc::bad_header_value, HeaderId::via, "badinv01 (3.1.2.1): empty Via parameters and values"},
  };
  for (const Case& c : cases) {
    INFO(c.name << ": " << c.why);
    const ParseError err = parse_invalid(torture(c.rfc, c.name));
    CHECK(err.code == c.code);
    CHECK(err.header == c.header);
  }
}

}  // TEST_SUITE
