// Header value decoders of header_values.hpp with good and bad input
// (RFC 3261 §20 and §25.1 grammar, plus the extensions per type), and the
// canonical text written by append().
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/syntax/header_values.hpp"
#include "sip/syntax/uri.hpp"

using namespace cosip::sip;

namespace {

// A failed decode must say why and point into the value.
void check_failure(const DecodeResult& r, std::string_view value) {
  CHECK_FALSE(r);
  if (r) return;
  CHECK(r.error != nullptr);
  if (r.at != nullptr) {
    CHECK(r.at >= value.data());
    CHECK(r.at <= value.data() + value.size());
  }
}

template <class T>
std::string text_of(const T& v) {
  std::string out;
  append(out, v);
  return out;
}

Via one_via(std::string_view value) {
  ViaList list;
  const DecodeResult r = decode_via_list(value, list);
  INFO("Via: ", value, " error: ", (r.error ? r.error : "(none)"));
  REQUIRE(r);
  REQUIRE(list.size() == 1);
  return list[0];
}

bool via_ok(std::string_view value) {
  ViaList list;
  const DecodeResult r = decode_via_list(value, list);
  if (!r) check_failure(r, value);
  return static_cast<bool>(r);
}

NameAddr name_addr(std::string_view value) {
  NameAddr na;
  const DecodeResult r = decode_name_addr(value, na);
  INFO("name-addr: ", value, " error: ", (r.error ? r.error : "(none)"));
  REQUIRE(r);
  return na;
}

bool name_addr_ok(std::string_view value) {
  NameAddr na;
  const DecodeResult r = decode_name_addr(value, na);
  if (!r) check_failure(r, value);
  return static_cast<bool>(r);
}

}  // namespace

TEST_SUITE("Via") {

TEST_CASE("Via with branch, received and a valueless rport") {
  const Via v = one_via("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1;rport");
  CHECK(v.protocol_name == "SIP");
  CHECK(v.protocol_version == "2.0");
  CHECK(v.transport == "UDP");
  CHECK(v.host == "pc33.atlanta.com");
  CHECK(v.host_kind == HostKind::name);
  CHECK_FALSE(v.has_port);
  CHECK(v.branch() == "z9hG4bK776asdhds");
  REQUIRE(v.received() != nullptr);
  CHECK(v.received()->value == "192.0.2.1");
  REQUIRE(v.rport() != nullptr);
  CHECK_FALSE(v.rport()->has_value);
  CHECK(v.params.size() == 3);
}

TEST_CASE("Via rport with a value (RFC 3581) and a port in sent-by") {
  const Via v = one_via("SIP/2.0/UDP 192.0.2.1:5060;rport=5061;branch=z9hG4bKnashds8");
  CHECK(v.host == "192.0.2.1");
  CHECK(v.host_kind == HostKind::ipv4);
  CHECK(v.has_port);
  CHECK(v.port == 5060);
  REQUIRE(v.rport() != nullptr);
  CHECK(v.rport()->has_value);
  CHECK(v.rport()->value == "5061");
  CHECK(v.received() == nullptr);
}

TEST_CASE("Via parameter names are case-insensitive (§7.3.1)") {
  const Via v = one_via("SIP/2.0/UDP h.example.com;BRANCH=z9hG4bKup;Received=192.0.2.9;RPORT");
  CHECK(v.branch() == "z9hG4bKup");
  REQUIRE(v.received() != nullptr);
  CHECK(v.received()->value == "192.0.2.9");
  CHECK(v.rport() != nullptr);
}

TEST_CASE("Via without branch has an empty branch()") {
  const Via v = one_via("SIP/2.0/UDP iftgw.example.com");
  CHECK(v.branch().empty());
  CHECK(v.params.empty());
}

TEST_CASE("Via with an IPv6 sent-by") {
  const Via v = one_via("SIP/2.0/TCP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111");
  CHECK(v.transport == "TCP");
  CHECK(v.host == "[2001:db8::9:1]");
  CHECK(v.host_kind == HostKind::ipv6);
  CHECK(v.port == 6050);
  const Via w = one_via("SIP/2.0/UDP [::1];branch=z9hG4bK1");
  CHECK(w.host == "[::1]");
  CHECK_FALSE(w.has_port);
}

TEST_CASE("Via with folded LWS around '/' and parameters (§25.1 SLASH, SEMI, EQUAL)") {
  const Via v = one_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
  CHECK(v.protocol_name == "SIP");
  CHECK(v.protocol_version == "2.0");
  CHECK(v.transport == "UDP");
  CHECK(v.host == "192.0.2.2");
  CHECK(v.branch() == "390skdjuw");

  const Via w = one_via("SIP / 2.0 / TCP spindle.example.com ;\r\n  branch  =   z9hG4bK9ikj8");
  CHECK(w.host == "spindle.example.com");
  CHECK(w.branch() == "z9hG4bK9ikj8");

  // LWS between host and ':' port is allowed: sent-by = host [ COLON port ].
  const Via x = one_via("SIP/2.0/UDP host.example.com : 5070");
  CHECK(x.port == 5070);
}

TEST_CASE("Via extension parameters may be quoted strings (§25.1 via-extension)") {
  const Via v = one_via(R"(SIP/2.0/UDP h.example.com;branch=z9hG4bK1;x="a b, c";maddr=239.255.255.1;ttl=16)");
  const Param* x = find_param(v.params, "x");
  REQUIRE(x != nullptr);
  CHECK(x->quoted);
  CHECK(x->value == "a b, c");
  CHECK(find_param(v.params, "ttl")->value == "16");
  CHECK(v.params.size() == 4);
}

TEST_CASE("several Via values in one header line") {
  ViaList list;
  REQUIRE(decode_via_list(
      "SIP/2.0/UDP a.example.com;branch=z9hG4bK1 ,\r\n SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2,"
      "SIP/2.0/TLS [2001:db8::1];branch=z9hG4bK3",
      list));
  REQUIRE(list.size() == 3);
  CHECK(list[0].host == "a.example.com");
  CHECK(list[0].branch() == "z9hG4bK1");
  CHECK(list[1].transport == "TCP");
  CHECK(list[1].port == 5061);
  CHECK(list[2].host_kind == HostKind::ipv6);
  CHECK(list[2].branch() == "z9hG4bK3");
}

TEST_CASE("malformed Via values are rejected") {
  CHECK_FALSE(via_ok(""));
  CHECK_FALSE(via_ok("SIP/2.0 pc33.atlanta.com"));              // no transport
  CHECK_FALSE(via_ok("SIP/2.0/UDP"));                           // no sent-by
  CHECK_FALSE(via_ok("SIP/UDP pc33.atlanta.com"));
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com;"));         // empty parameter
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com;;branch=z9hG4bK1"));
  CHECK_FALSE(via_ok("SIP/2.0/UDP 192.0.2.15;;,;,,"));         // RFC 4475 badinv01
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com;branch="));  // EQUAL needs a value
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com,"));         // empty list element
  CHECK_FALSE(via_ok(",SIP/2.0/UDP pc33.atlanta.com"));
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com:65536"));
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com:"));
  CHECK_FALSE(via_ok("SIP/2.0/UDP 2001:db8::1;branch=z9hG4bK1"));  // IPv6 needs []
  CHECK_FALSE(via_ok("SIP/2.0/UDP pc33.atlanta.com extra"));
}

TEST_CASE("Via list and parameter limits") {
  ValueLimits limits;
  limits.max_list_values = 2;
  limits.max_params = 2;
  ViaList list;
  CHECK(decode_via_list("SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2", list, limits));
  list.clear();
  CHECK_FALSE(decode_via_list("SIP/2.0/UDP a, SIP/2.0/UDP b, SIP/2.0/UDP c", list, limits));
  list.clear();
  CHECK(decode_via_list("SIP/2.0/UDP a;branch=z9hG4bK1;rport", list, limits));
  list.clear();
  CHECK_FALSE(decode_via_list("SIP/2.0/UDP a;branch=z9hG4bK1;rport;x=1", list, limits));
}

}  // TEST_SUITE

TEST_SUITE("name-addr") {

TEST_CASE("quoted display name, angle brackets and a tag") {
  const NameAddr na = name_addr(R"("A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s)");
  CHECK(na.display_quoted);
  CHECK(na.display_name == "A. G. Bell");
  CHECK(na.angle_brackets);
  CHECK(na.uri.user == "agb");
  CHECK(na.uri.host == "bell-telephone.com");
  CHECK(na.tag() == "a48s");
  REQUIRE(na.params.size() == 1);
}

TEST_CASE("escaped quote and backslash stay escaped in the display name view") {
  const NameAddr na = name_addr(R"("Joe \"The Man\" Smith \\" <sip:joe@example.com>)");
  CHECK(na.display_quoted);
  CHECK(na.display_name == R"(Joe \"The Man\" Smith \\)");
  CHECK(na.tag().empty());
}

TEST_CASE("token display names, one or several tokens") {
  {
    const NameAddr na = name_addr("Bob <sips:bob@biloxi.com>;tag=x");
    CHECK_FALSE(na.display_quoted);
    CHECK(na.display_name == "Bob");
    CHECK(na.uri.scheme == Uri::Scheme::sips);
    CHECK(na.tag() == "x");
  }
  {
    const NameAddr na = name_addr("The Operator <sip:operator@cs.columbia.edu>;tag=287447");
    CHECK(na.display_name == "The Operator");
    CHECK(na.tag() == "287447");
  }
}

TEST_CASE("UTF-8 in display names: allowed quoted, not as a token (§25.1)") {
  const NameAddr na = name_addr("\"Bj\xc3\xb8rn \xe5\xa4\xa7\" <sip:b@example.com>");
  CHECK(na.display_name == "Bj\xc3\xb8rn \xe5\xa4\xa7");
  // display-name = *(token LWS) / quoted-string; token is ASCII only.
  CHECK_FALSE(name_addr_ok("Bj\xc3\xb8rn <sip:b@example.com>"));
}

TEST_CASE("no LWS is needed before '<' (RFC 4475 lwsdisp)") {
  CHECK(name_addr("caller<sip:caller@example.com>;tag=323").display_name == "caller");
  CHECK(name_addr(R"("caller"<sip:caller@example.com>)").display_name == "caller");
}

TEST_CASE("no display name") {
  const NameAddr na = name_addr("<sip:alice@atlanta.com>");
  CHECK(na.display_name.empty());
  CHECK_FALSE(na.display_quoted);
  CHECK(na.angle_brackets);
  const NameAddr empty_quoted = name_addr(R"("" <sip:alice@atlanta.com>)");
  CHECK(empty_quoted.display_quoted);
  CHECK(empty_quoted.display_name.empty());
}

TEST_CASE("addr-spec without <>: ;params are header parameters (§20.10)") {
  const NameAddr na = name_addr("sip:alice@atlanta.com;tag=88sja8x;user=phone");
  CHECK_FALSE(na.angle_brackets);
  CHECK(na.uri.host == "atlanta.com");
  CHECK(na.uri.params.empty());
  CHECK(na.tag() == "88sja8x");
  REQUIRE(na.params.size() == 2);
  CHECK(na.params[1].name == "user");
}

TEST_CASE("URI parameters inside <> stay with the URI") {
  const NameAddr na = name_addr("<sip:alice@atlanta.com;user=phone;lr>;tag=1");
  CHECK(na.uri.params.size() == 2);
  CHECK(na.params.size() == 1);
  CHECK(na.tag() == "1");
}

TEST_CASE("quoted header parameter values are unquoted in the view") {
  const NameAddr na = name_addr(R"(<sip:a@example.com>;x="a \"b\" c";y=token)");
  const Param* x = find_param(na.params, "x");
  REQUIRE(x != nullptr);
  CHECK(x->quoted);
  CHECK(x->value == R"(a \"b\" c)");
  const Param* y = find_param(na.params, "y");
  REQUIRE(y != nullptr);
  CHECK_FALSE(y->quoted);
}

TEST_CASE("malformed name-addr values are rejected") {
  // LAQUOT = SWS "<", RAQUOT = ">" SWS: no LWS inside the brackets (§25.1).
  CHECK_FALSE(name_addr_ok("< sip:t.watson@example.org>"));
  CHECK_FALSE(name_addr_ok("<sip:t.watson@example.org >"));
  CHECK_FALSE(name_addr_ok(R"("Watson, Thomas" < sip:t.watson@example.org >)"));
  CHECK_FALSE(name_addr_ok(R"("Mr. J. User <sip:j.user@example.com>)"));  // unterminated
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com"));
  CHECK_FALSE(name_addr_ok("sip:alice@atlanta.com>"));
  CHECK_FALSE(name_addr_ok("Bell, Alexander <sip:a.g.bell@example.com>"));  // ',' not a token char
  CHECK_FALSE(name_addr_ok("sip:user@example.com?Route=%3Csip:sip.example.com%3E"));  // '?' needs <>
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com>;"));
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com>;;tag=1"));
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com>;tag="));
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com> junk"));
  CHECK_FALSE(name_addr_ok("<sip:alice@atlanta.com>, <sip:bob@biloxi.com>"));  // one value only
  CHECK_FALSE(name_addr_ok(""));
  CHECK_FALSE(name_addr_ok("<>"));
  CHECK_FALSE(name_addr_ok("Alice"));
}

TEST_CASE("Route lists accept name-addr only (§20.34)") {
  NameAddrList routes;
  REQUIRE(decode_route_list("<sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>;x=1", routes));
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].uri.host == "p1.example.com");
  CHECK(routes[1].params.size() == 1);
  NameAddrList bare;
  CHECK_FALSE(decode_route_list("sip:p1.example.com;lr", bare));
  NameAddrList empty;
  CHECK_FALSE(decode_route_list("", empty));
}

}  // TEST_SUITE

TEST_SUITE("Contact") {

TEST_CASE("Contact: * (§10.2.2)") {
  ContactList cl;
  REQUIRE(decode_contact("*", cl));
  CHECK(cl.star);
  CHECK(cl.entries.empty());
}

TEST_CASE("Contact star cannot be mixed with addresses, and cannot be empty") {
  ContactList a;
  CHECK_FALSE(decode_contact("*, <sip:alice@atlanta.com>", a));
  ContactList b;
  CHECK_FALSE(decode_contact("<sip:alice@atlanta.com>, *", b));
  ContactList c;
  CHECK_FALSE(decode_contact("", c));
  ContactList d;
  CHECK_FALSE(decode_contact("<sip:alice@atlanta.com>,", d));
}

TEST_CASE("the §20.10 example: two contacts with q and expires") {
  ContactList cl;
  REQUIRE(decode_contact(R"("Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600,)"
                         "\r\n "
                         R"("Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1)",
                         cl));
  CHECK_FALSE(cl.star);
  REQUIRE(cl.entries.size() == 2);
  CHECK(cl.entries[0].display_name == "Mr. Watson");
  CHECK(find_param(cl.entries[0].params, "q")->value == "0.7");
  CHECK(find_param(cl.entries[0].params, "expires")->value == "3600");
  CHECK(cl.entries[1].uri.scheme == Uri::Scheme::other);
  CHECK(find_param(cl.entries[1].params, "q")->value == "0.1");
}

TEST_CASE("Contact with a quoted +sip.instance (RFC 5626)") {
  ContactList cl;
  REQUIRE(decode_contact(
      R"(<sip:alice@pc33.atlanta.com;transport=tcp>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";reg-id=1)",
      cl));
  REQUIRE(cl.entries.size() == 1);
  const Param* inst = find_param(cl.entries[0].params, "+sip.instance");
  REQUIRE(inst != nullptr);
  CHECK(inst->quoted);
  CHECK(inst->value == "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
  CHECK(find_param(cl.entries[0].params, "reg-id")->value == "1");
  CHECK(find_param(cl.entries[0].params, "expires")->value == "600");
  CHECK(find_param(cl.entries[0].uri.params, "transport")->value == "tcp");
}

TEST_CASE("bare Contact address with header parameters") {
  ContactList cl;
  REQUIRE(decode_contact("sip:alice@192.0.2.4;expires=60, sip:alice@192.0.2.5", cl));
  REQUIRE(cl.entries.size() == 2);
  CHECK_FALSE(cl.entries[0].angle_brackets);
  CHECK(find_param(cl.entries[0].params, "expires")->value == "60");
  CHECK(cl.entries[0].uri.params.empty());
  CHECK(cl.entries[1].uri.host == "192.0.2.5");
}

}  // TEST_SUITE

TEST_SUITE("scalar values") {

TEST_CASE("Call-ID is word [@ word]") {
  std::string_view id;
  REQUIRE(decode_call_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com", id));
  CHECK(id == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com");
  REQUIRE(decode_call_id("a84b4c76e66710", id));
  CHECK(id == "a84b4c76e66710");
  REQUIRE(decode_call_id(R"(intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{)", id));

  for (std::string_view bad : {"", "a b", "abc@", "@abc", "a@b@c", "a;b", "a\r\n b"}) {
    INFO("Call-ID: '", bad, "'");
    std::string_view out;
    check_failure(decode_call_id(bad, out), bad);
  }
}

TEST_CASE("CSeq number is below 2**31 (§8.1.1.5)") {
  CSeq c;
  REQUIRE(decode_cseq("4711 INVITE", c));
  CHECK(c.number == 4711);
  CHECK(c.method == "INVITE");
  REQUIRE(decode_cseq("0 REGISTER", c));
  CHECK(c.number == 0);
  REQUIRE(decode_cseq("2147483647 ACK", c));
  CHECK(c.number == 2147483647u);
  CHECK(c.method == "ACK");
  REQUIRE(decode_cseq("0009\r\n  INVITE", c));  // RFC 4475 wsinv
  CHECK(c.number == 9);
  REQUIRE(decode_cseq("1   OPTIONS", c));
  CHECK(c.method == "OPTIONS");

  for (std::string_view bad : {"2147483648 INVITE", "4294967296 INVITE", "36893488147419103232 REGISTER",
                               "INVITE", "12", "", "-1 INVITE", "1INVITE", "1 INV ITE", "1 INVITE x",
                               "1.5 INVITE", "1 INV@TE"}) {
    INFO("CSeq: '", bad, "'");
    CSeq out;
    check_failure(decode_cseq(bad, out), bad);
  }
}

TEST_CASE("RAck (RFC 3262 §7.2)") {
  RAck r;
  REQUIRE(decode_rack("776656 1 INVITE", r));
  CHECK(r.rseq == 776656);
  CHECK(r.cseq == 1);
  CHECK(r.method == "INVITE");
  RAck bad;
  CHECK_FALSE(decode_rack("776656 INVITE", bad));
  CHECK_FALSE(decode_rack("1 2", bad));
  CHECK_FALSE(decode_rack("", bad));
}

TEST_CASE("decode_uint: Max-Forwards and other bounded integers") {
  std::uint32_t v = 0;
  REQUIRE(decode_uint("70", 255, v));
  CHECK(v == 70);
  REQUIRE(decode_uint("0068", 255, v));  // leading zeros (RFC 4475 wsinv)
  CHECK(v == 68);
  REQUIRE(decode_uint("0", 255, v));
  CHECK(v == 0);
  REQUIRE(decode_uint("255", 255, v));
  CHECK(v == 255);
  REQUIRE(decode_uint("4294967295", 4294967295u, v));
  CHECK(v == 4294967295u);

  for (std::string_view bad : {"256", "300", "", "7a", "-1", "+1", "1 2", " ", "0x10"}) {
    INFO("value: '", bad, "'");
    std::uint32_t out = 0;
    check_failure(decode_uint(bad, 255, out), bad);
  }
  std::uint32_t out = 0;
  CHECK_FALSE(decode_uint("4294967296", 4294967295u, out));
  CHECK_FALSE(decode_uint("10000000000000000000000000000000000000000", 4294967295u, out));
}

TEST_CASE("media types (§20.15)") {
  {
    MediaType mt;
    REQUIRE(decode_media_type("application/sdp", mt));
    CHECK(mt.type == "application");
    CHECK(mt.subtype == "sdp");
    CHECK(mt.params.empty());
  }
  {
    MediaType mt;
    REQUIRE(decode_media_type("text/html ; charset = ISO-8859-4", mt));
    CHECK(mt.type == "text");
    CHECK(mt.subtype == "html");
    REQUIRE(mt.params.size() == 1);
    CHECK(mt.params[0].name == "charset");
    CHECK(mt.params[0].value == "ISO-8859-4");
  }
  {
    MediaType mt;
    REQUIRE(decode_media_type(R"(multipart/mixed;boundary="7a9c bec0")", mt));
    CHECK(mt.params[0].quoted);
    CHECK(mt.params[0].value == "7a9c bec0");
  }
  {
    MediaType mt;  // SLASH = SWS "/" SWS
    REQUIRE(decode_media_type("application / sdp", mt));
    CHECK(mt.subtype == "sdp");
  }
  for (std::string_view bad : {"", "application", "application/", "/sdp", "application/sdp;",
                               "application/sdp, text/plain", "appli cation/sdp", "application/sdp;x="}) {
    INFO("Content-Type: '", bad, "'");
    MediaType out;
    check_failure(decode_media_type(bad, out), bad);
  }
}

TEST_CASE("Accept may be empty and takes */* and type/* (§20.1)") {
  {
    MediaTypeList l;
    REQUIRE(decode_accept("", l));
    CHECK(l.empty());
  }
  {
    MediaTypeList l;
    REQUIRE(decode_accept("*/*", l));
    REQUIRE(l.size() == 1);
    CHECK(l[0].type == "*");
    CHECK(l[0].subtype == "*");
  }
  {
    MediaTypeList l;
    REQUIRE(decode_accept("application/sdp;level=1, application/x-private, text/*;q=0.8", l));
    REQUIRE(l.size() == 3);
    CHECK(find_param(l[0].params, "level")->value == "1");
    CHECK(l[1].subtype == "x-private");
    CHECK(l[2].subtype == "*");
    CHECK(find_param(l[2].params, "q")->value == "0.8");
  }
  for (std::string_view bad : {"application/sdp,", ",application/sdp", "application", "application/sdp,,text/plain"}) {
    INFO("Accept: '", bad, "'");
    MediaTypeList out;
    check_failure(decode_accept(bad, out), bad);
  }
}

TEST_CASE("single tokens") {
  std::string_view t;
  REQUIRE(decode_token("INVITE", t));
  CHECK(t == "INVITE");
  REQUIRE(decode_token("!interesting-Method0123456789_*+`.%indeed'~", t));
  for (std::string_view bad : {"", "a b", "a,b", "a;b", "a@b", "\"a\""}) {
    INFO("token: '", bad, "'");
    std::string_view out;
    check_failure(decode_token(bad, out), bad);
  }
}

TEST_CASE("token lists: Require, Supported, Allow") {
  {
    TokenList l;
    REQUIRE(decode_token_list("100rel, timer ,\r\n path", l, false));
    REQUIRE(l.size() == 3);
    CHECK(l[0] == "100rel");
    CHECK(l[1] == "timer");
    CHECK(l[2] == "path");
  }
  {
    TokenList l;  // Supported and Allow may be empty (§20.37, §20.5).
    CHECK(decode_token_list("", l, true));
    CHECK(l.empty());
  }
  {
    TokenList l;  // Require may not (§20.32).
    CHECK_FALSE(decode_token_list("", l, false));
  }
  for (std::string_view bad : {"a,,b", "a,", ",a", "foo bar", "a;b"}) {
    INFO("list: '", bad, "'");
    TokenList out;
    check_failure(decode_token_list(bad, out, true), bad);
  }
  {
    ValueLimits limits;
    limits.max_list_values = 3;
    TokenList l;
    CHECK(decode_token_list("a, b, c", l, false, limits));
    TokenList m;
    CHECK_FALSE(decode_token_list("a, b, c, d", m, false, limits));
  }
}

TEST_CASE("token with parameters: Event, Session-Expires, Subscription-State") {
  {
    TokenParams tp;
    REQUIRE(decode_token_params("presence;id=123", tp));
    CHECK(tp.value == "presence");
    CHECK(find_param(tp.params, "id")->value == "123");
  }
  {
    TokenParams tp;
    REQUIRE(decode_token_params("1800 ; refresher = uac", tp));
    CHECK(tp.value == "1800");
    CHECK(find_param(tp.params, "refresher")->value == "uac");
  }
  {
    TokenParams tp;
    REQUIRE(decode_token_params(R"(terminated;reason=timeout;retry-after=20)", tp));
    CHECK(tp.params.size() == 2);
  }
  for (std::string_view bad : {"", ";id=1", "presence;", "presence id", "presence;id="}) {
    INFO("value: '", bad, "'");
    TokenParams out;
    check_failure(decode_token_params(bad, out), bad);
  }
}

TEST_CASE("Reason values: a list of tokens with parameters (RFC 3326)") {
  TokenParamsList l;
  REQUIRE(decode_token_params_list(R"(SIP ;cause=200 ;text="Call completed elsewhere", Q.850;cause=16)", l));
  REQUIRE(l.size() == 2);
  CHECK(l[0].value == "SIP");
  const Param* text = find_param(l[0].params, "text");
  REQUIRE(text != nullptr);
  CHECK(text->quoted);
  CHECK(text->value == "Call completed elsewhere");
  CHECK(l[1].value == "Q.850");
  TokenParamsList bad;
  CHECK_FALSE(decode_token_params_list("SIP;cause=200,", bad));
}

}  // TEST_SUITE

TEST_SUITE("authentication") {

TEST_CASE("Digest credentials with quoted and unquoted parameters (§20.7, RFC 2617)") {
  AuthValue av;
  const std::string_view value =
      R"(Digest username="Alice", realm="atlanta.com",)"
      "\r\n "
      R"(nonce="84a4cc6f3082121f32b42a2187831a9e", uri="sip:bob@biloxi.com",)"
      R"( response="7587245234b3434cc3412213e5f113a5432", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b")";
  REQUIRE(decode_auth(value, av));
  CHECK(av.scheme == "Digest");
  REQUIRE(av.params.size() == 9);
  const Param* user = find_param(av.params, "username");
  REQUIRE(user != nullptr);
  CHECK(user->quoted);
  CHECK(user->value == "Alice");
  const Param* uri = find_param(av.params, "uri");
  REQUIRE(uri != nullptr);
  CHECK(uri->value == "sip:bob@biloxi.com");
  const Param* alg = find_param(av.params, "algorithm");
  REQUIRE(alg != nullptr);
  CHECK_FALSE(alg->quoted);
  CHECK(alg->value == "MD5");
  CHECK(find_param(av.params, "nc")->value == "00000001");
  CHECK(find_param(av.params, "qop")->value == "auth");
}

TEST_CASE("Digest challenge with an empty quoted opaque") {
  AuthValue av;
  REQUIRE(decode_auth(R"(Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth,auth-int", )"
                      R"(nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5)",
                      av));
  CHECK(av.scheme == "Digest");
  const Param* opaque = find_param(av.params, "opaque");
  REQUIRE(opaque != nullptr);
  CHECK(opaque->has_value);
  CHECK(opaque->quoted);
  CHECK(opaque->value.empty());
  CHECK(find_param(av.params, "qop")->value == "auth,auth-int");
  CHECK(find_param(av.params, "stale")->value == "FALSE");
}

TEST_CASE("LWS around the commas of auth parameters (§25.1 COMMA = SWS \",\" SWS)") {
  AuthValue av;
  REQUIRE(decode_auth("Digest realm=\"a\" ,\r\n nonce=\"b\" , algorithm = MD5", av));
  CHECK(av.params.size() == 3);
  CHECK(find_param(av.params, "algorithm")->value == "MD5");
}

TEST_CASE("other auth schemes (RFC 4475 regaut01)") {
  AuthValue av;
  REQUIRE(decode_auth("NoOneKnowsThisScheme opaque-data=here", av));
  CHECK(av.scheme == "NoOneKnowsThisScheme");
  CHECK(find_param(av.params, "opaque-data")->value == "here");
}

TEST_CASE("malformed auth values are rejected") {
  for (std::string_view bad : {"", "Digest", R"(Digest realm="unterminated)", R"(Digest realm="a",,nonce="b")",
                               R"(Digest realm="a" nonce="b")", R"(Digest realm="a";nonce="b")",
                               R"(Digest realm="a",)", R"(Digest ,realm="a")", R"(Digest realm=)",
                               R"("Digest" realm="a")"}) {
    INFO("auth: '", bad, "'");
    AuthValue out;
    check_failure(decode_auth(bad, out), bad);
  }
}

}  // TEST_SUITE

TEST_SUITE("Retry-After, Warning, Date") {

TEST_CASE("Retry-After with comment and duration (§20.33)") {
  {
    RetryAfter ra;
    REQUIRE(decode_retry_after("18000;duration=3600", ra));
    CHECK(ra.seconds == 18000);
    CHECK(find_param(ra.params, "duration")->value == "3600");
    CHECK(ra.comment.empty());
  }
  {
    RetryAfter ra;
    REQUIRE(decode_retry_after("120 (I'm in a meeting)", ra));
    CHECK(ra.seconds == 120);
    CHECK(ra.comment.find("I'm in a meeting") != std::string_view::npos);
    CHECK(ra.params.empty());
  }
  {
    RetryAfter ra;
    REQUIRE(decode_retry_after("0", ra));
    CHECK(ra.seconds == 0);
  }
  for (std::string_view bad : {"", "abc", "-1", "120 I'm in a meeting", "120 (unterminated", "120;", "12 34"}) {
    INFO("Retry-After: '", bad, "'");
    RetryAfter out;
    check_failure(decode_retry_after(bad, out), bad);
  }
}

TEST_CASE("Warning: 3-digit code, agent, quoted text (§20.43)") {
  {
    WarningList l;
    REQUIRE(decode_warning_list(R"(307 isi.edu "Session parameter 'foo' not understood")", l));
    REQUIRE(l.size() == 1);
    CHECK(l[0].code == 307);
    CHECK(l[0].agent == "isi.edu");
    CHECK(l[0].text == "Session parameter 'foo' not understood");
  }
  {
    WarningList l;
    REQUIRE(decode_warning_list(R"(370 devnull "Choose a bigger pipe", 301 [2001:db8::1]:5060 "x")", l));
    REQUIRE(l.size() == 2);
    CHECK(l[0].agent == "devnull");
    CHECK(l[1].code == 301);
    CHECK(l[1].agent == "[2001:db8::1]:5060");
  }
  for (std::string_view bad : {R"(1812 overture "In Progress")", R"(30 isi.edu "x")", R"(307 isi.edu unquoted)",
                               R"(307 "no agent")", "", R"(307 isi.edu "x",)", R"(abc isi.edu "x")",
                               // warning-value = warn-code SP warn-agent SP warn-text: one SP each
                               R"(307  isi.edu "x")", R"(307 isi.edu  "x")"}) {
    INFO("Warning: '", bad, "'");
    WarningList out;
    check_failure(decode_warning_list(bad, out), bad);
  }
}

TEST_CASE("Date must be an rfc1123-date in GMT (§20.17)") {
  CHECK(decode_date("Sat, 13 Nov 2010 23:29:00 GMT"));
  CHECK(decode_date("Sat, 15 Oct 2005 04:44:56 GMT"));
  CHECK(decode_date("Thu, 21 Feb 2002 13:02:03 GMT"));
  for (std::string_view bad : {"Fri, 01 Jan 2010 16:00:00 EST", "Sat, 13 Nov 2010 23:29:00",
                               "13 Nov 2010 23:29:00 GMT", "Foo, 13 Nov 2010 23:29:00 GMT",
                               "Sat, 13 Nvm 2010 23:29:00 GMT", "Sat, 13 Nov 10 23:29:00 GMT",
                               "Sat, 13 Nov 2010 23:29 GMT", "Sat, 13 Nov 2010 23:29:00 GMT junk", ""}) {
    INFO("Date: '", bad, "'");
    check_failure(decode_date(bad), bad);
  }
}

}  // TEST_SUITE

TEST_SUITE("canonical text") {

TEST_CASE("append(Via): single spaces, no folds, parameters as received") {
  CHECK(text_of(one_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw")) ==
        "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw");
  CHECK(text_of(one_via("SIP / 2.0 / TCP spindle.example.com ;\r\n  branch  =   z9hG4bK9ikj8")) ==
        "SIP/2.0/TCP spindle.example.com;branch=z9hG4bK9ikj8");
  CHECK(text_of(one_via("SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;rport;received=192.0.2.1")) ==
        "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;rport;received=192.0.2.1");
}

TEST_CASE("append(NameAddr): quoted display name, brackets and parameters") {
  CHECK(text_of(name_addr(R"("A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s)")) ==
        R"("A. G. Bell" <sip:agb@bell-telephone.com>;tag=a48s)");
  CHECK(text_of(name_addr("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8")) ==
        R"("J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8)");
  CHECK(text_of(name_addr(R"(<sip:a@example.com>;+sip.instance="<urn:uuid:1>")")) ==
        R"(<sip:a@example.com>;+sip.instance="<urn:uuid:1>")");
}

TEST_CASE("append(NameAddr) keeps bare addr-spec parameters as header parameters") {
  // Whatever form append() chooses, decoding it again must give the same
  // URI and the same header parameters, and the text must be stable.
  for (std::string_view in : {"sip:alice@atlanta.com;tag=88sja8x", "Bob   <sips:bob@biloxi.com>;tag=x",
                              "caller<sip:caller@example.com>;tag=323",
                              "<sip:alice@atlanta.com;lr>;expires=60;q=0.5"}) {
    INFO(in);
    const NameAddr a = name_addr(in);
    const std::string t1 = text_of(a);
    const NameAddr b = name_addr(t1);
    CHECK(uri_equal(a.uri, b.uri));
    CHECK(b.uri.params.size() == a.uri.params.size());
    CHECK(b.params.size() == a.params.size());
    CHECK(b.tag() == a.tag());
    CHECK(b.display_name == a.display_name);
    CHECK(text_of(b) == t1);
  }
}

TEST_CASE("append(CSeq) and append(RAck) rewrite the numbers") {
  CSeq c;
  REQUIRE(decode_cseq("0009\r\n  INVITE", c));
  CHECK(text_of(c) == "9 INVITE");
  RAck r;
  REQUIRE(decode_rack("776656   1   INVITE", r));
  CHECK(text_of(r) == "776656 1 INVITE");
}

TEST_CASE("append(MediaType) and append(TokenParams)") {
  MediaType mt;
  REQUIRE(decode_media_type("text/html ; charset = ISO-8859-4", mt));
  CHECK(text_of(mt) == "text/html;charset=ISO-8859-4");
  MediaType q;
  REQUIRE(decode_media_type(R"(multipart/mixed;boundary="a b")", q));
  CHECK(text_of(q) == R"(multipart/mixed;boundary="a b")");
  TokenParams tp;
  REQUIRE(decode_token_params("presence ; id = 123", tp));
  CHECK(text_of(tp) == "presence;id=123");
}

TEST_CASE("append(Warning): code, agent and the text re-quoted") {
  WarningList l;
  REQUIRE(decode_warning_list(R"(307 isi.edu "Session parameter 'foo' not understood",)"
                              "\r\n "
                              R"(399 [2001:db8::1]:5060 "a \"b\"")",
                              l));
  REQUIRE(l.size() == 2);
  CHECK(text_of(l[0]) == R"(307 isi.edu "Session parameter 'foo' not understood")");
  CHECK(text_of(l[1]) == R"(399 [2001:db8::1]:5060 "a \"b\"")");
}

TEST_CASE("append(AuthValue) and append(RetryAfter) decode back to the same values") {
  {
    AuthValue a;
    REQUIRE(decode_auth("Digest realm=\"atlanta.com\",\r\n   nonce=\"x y\" ,algorithm=MD5", a));
    const std::string t = text_of(a);
    CHECK(t.rfind("Digest ", 0) == 0);
    CHECK(t.find(R"(realm="atlanta.com")") != std::string::npos);
    CHECK(t.find(R"(nonce="x y")") != std::string::npos);
    CHECK(t.find("algorithm=MD5") != std::string::npos);
    CHECK(t.find("\r\n") == std::string::npos);
    AuthValue b;
    REQUIRE(decode_auth(t, b));
    CHECK(b.params.size() == 3);
    CHECK(text_of(b) == t);
  }
  {
    RetryAfter a;
    REQUIRE(decode_retry_after("120   (I'm in a meeting) ;duration=60", a));
    const std::string t = text_of(a);
    CHECK(t.rfind("120", 0) == 0);
    RetryAfter b;
    REQUIRE(decode_retry_after(t, b));
    CHECK(b.seconds == 120);
    CHECK(b.comment == a.comment);
    CHECK(find_param(b.params, "duration")->value == "60");
    CHECK(text_of(b) == t);
  }
}

}  // TEST_SUITE

TEST_CASE("Warning: a code with leading zeros keeps its three digits when written (found by fuzzing)") {
  WarningList list;
  REQUIRE(decode_warning_list("096 example.com \"text\"", list));
  REQUIRE(list.size() == 1);
  CHECK(list[0].code == 96);
  std::string out;
  append(out, list[0]);
  CHECK(out == "096 example.com \"text\"");
}

TEST_CASE("Retry-After: comment nesting is bounded by ValueLimits::max_nesting") {
  RetryAfter ra;
  CHECK(decode_retry_after("120 (a (b (c)))", ra));
  ValueLimits tight;
  tight.max_nesting = 2;
  const DecodeResult r = decode_retry_after("120 (a (b (c)))", ra, tight);
  CHECK_FALSE(r);
  CHECK(r.over_limit);
}
