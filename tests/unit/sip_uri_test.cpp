// URIs: parse_uri for sip/sips (RFC 3261 §19.1, §25.1), tel (RFC 3966) and
// other absoluteURIs; rejection of malformed URIs; uri_equal against every
// example of RFC 3261 §19.1.4; escapes and canonical text.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "sip/syntax/header_values.hpp"
#include "sip/syntax/uri.hpp"

using namespace cosip::sip;

namespace {

// Parses text that must be a whole, valid URI.
Uri must_parse(std::string_view text, UriContext ctx = UriContext::whole) {
  Uri u;
  const UriParse r = parse_uri(text, u, ctx);
  INFO("uri: ", text, " error: ", (r.error ? r.error : "(none)"));
  REQUIRE(r.error == nullptr);
  if (ctx == UriContext::whole) REQUIRE(r.used == text.size());
  return u;
}

bool rejected(std::string_view text) {
  Uri u;
  const UriParse r = parse_uri(text, u);
  if (r.error == nullptr) return false;
  CHECK(r.error_offset <= text.size());
  CHECK(r.error[0] != '\0');
  return true;
}

bool equal(std::string_view a, std::string_view b) {
  const Uri ua = must_parse(a);
  const Uri ub = must_parse(b);
  const bool ab = uri_equal(ua, ub);
  const bool ba = uri_equal(ub, ua);
  INFO(a, " vs ", b);
  CHECK(ab == ba);  // equality is symmetric
  return ab;
}

std::string unescaped(std::string_view s) {
  std::string out;
  REQUIRE(unescape(s, out));
  return out;
}

}  // namespace

TEST_SUITE("uri parse") {

TEST_CASE("sip URI with user and host name") {
  const Uri u = must_parse("sip:alice@atlanta.com");
  CHECK(u.scheme == Uri::Scheme::sip);
  CHECK(u.scheme_text == "sip");
  CHECK(u.has_user);
  CHECK(u.user == "alice");
  CHECK_FALSE(u.has_password);
  CHECK(u.host == "atlanta.com");
  CHECK(u.host_kind == HostKind::name);
  CHECK_FALSE(u.has_port);
  CHECK(u.params.empty());
  CHECK_FALSE(u.has_headers);
}

TEST_CASE("sips URI with password, IPv6 reference, port, parameters and headers") {
  const Uri u = must_parse("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent");
  CHECK(u.scheme == Uri::Scheme::sips);
  CHECK(u.user == "alice");
  CHECK(u.has_password);
  CHECK(u.password == "secret");
  CHECK(u.host == "[2001:db8::1]");
  CHECK(u.host_kind == HostKind::ipv6);
  CHECK(u.has_port);
  CHECK(u.port == 5061);
  REQUIRE(u.params.size() == 2);
  CHECK(u.params[0].name == "transport");
  CHECK(u.params[0].has_value);
  CHECK(u.params[0].value == "tcp");
  CHECK(u.params[1].name == "lr");
  CHECK_FALSE(u.params[1].has_value);
  CHECK(u.has_headers);
  CHECK(u.headers == "subject=hi&priority=urgent");
}

TEST_CASE("host kinds: name, IPv4, IPv6, trailing dot") {
  CHECK(must_parse("sip:192.0.2.4").host_kind == HostKind::ipv4);
  CHECK_FALSE(must_parse("sip:192.0.2.4").has_user);
  CHECK(must_parse("sip:alice@192.0.2.4:5060").port == 5060);
  CHECK(must_parse("sip:[::1]").host_kind == HostKind::ipv6);
  CHECK(must_parse("sip:[::1]").host == "[::1]");
  CHECK(must_parse("sip:[2001:db8::192.0.2.1]:5070").port == 5070);
  CHECK(must_parse("sip:biloxi.com").host_kind == HostKind::name);
  CHECK(must_parse("sip:alice@atlanta.com.").host == "atlanta.com.");  // §25.1 hostname [ "." ]
  CHECK(must_parse("sip:alice@a-b.example.com").host == "a-b.example.com");
  CHECK(must_parse("sip:192.0.2.4.example.com").host_kind == HostKind::name);
  CHECK(must_parse("sip:[::ffff:192.0.2.1]").host_kind == HostKind::ipv6);
  CHECK(must_parse("sip:alice@atlanta.com:05060").port == 5060);  // port = 1*DIGIT
}

TEST_CASE("port bounds: 65535 is the largest port") {
  CHECK(must_parse("sip:alice@atlanta.com:65535").port == 65535);
  CHECK(must_parse("sip:alice@atlanta.com:0").has_port);
  CHECK(rejected("sip:alice@atlanta.com:65536"));
  CHECK(rejected("sip:alice@atlanta.com:99999999999"));
  CHECK(rejected("sip:alice@atlanta.com:"));
  CHECK(rejected("sip:alice@atlanta.com:50x"));
}

TEST_CASE("the scheme is case-insensitive and kept as received") {
  const Uri u = must_parse("SIP:Alice@Example.COM");
  CHECK(u.scheme == Uri::Scheme::sip);
  CHECK(u.scheme_text == "SIP");
  CHECK(u.user == "Alice");
  CHECK(u.host == "Example.COM");
  CHECK(must_parse("SiPs:bob@biloxi.com").scheme == Uri::Scheme::sips);
  CHECK(must_parse("TEL:+12015550123").scheme == Uri::Scheme::tel);
}

TEST_CASE("the RFC 3261 §19.1.3 examples parse") {
  {
    const Uri u = must_parse("sip:alice:secretword@atlanta.com;transport=tcp");
    CHECK(u.password == "secretword");
    CHECK(find_param(u.params, "transport") != nullptr);
  }
  {
    const Uri u = must_parse("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
    CHECK(u.headers == "subject=project%20x&priority=urgent");
  }
  {
    const Uri u = must_parse("sip:+1-212-555-1212:1234@gateway.com;user=phone");
    CHECK(u.user == "+1-212-555-1212");
    CHECK(u.password == "1234");
    const Param* user = find_param(u.params, "user");
    REQUIRE(user != nullptr);
    CHECK(user->value == "phone");
  }
  CHECK(must_parse("sips:1212@gateway.com").user == "1212");
  CHECK(must_parse("sip:alice@192.0.2.4").host == "192.0.2.4");
  {
    const Uri u = must_parse("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
    CHECK_FALSE(u.has_user);
    CHECK(u.host == "atlanta.com");
    CHECK(find_param(u.params, "method")->value == "REGISTER");
    CHECK(u.headers == "to=alice%40atlanta.com");
  }
  {
    const Uri u = must_parse("sip:alice;day=tuesday@atlanta.com");
    CHECK(u.user == "alice;day=tuesday");
    CHECK(u.params.empty());
  }
}

TEST_CASE("a header may have an empty value (§25.1 hvalue = *( ... ))") {
  const Uri u = must_parse("sip:alice@atlanta.com?subject=&priority=urgent");
  CHECK(u.headers == "subject=&priority=urgent");
}

TEST_CASE("an empty password is allowed") {
  // §25.1: password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
  const Uri u = must_parse("sip:alice:@atlanta.com");
  CHECK(u.user == "alice");
  CHECK(u.has_password);
  CHECK(u.password.empty());
}

TEST_CASE("escapes stay in the views and decode with unescape") {
  const Uri u = must_parse("sip:%61lice@atlanta.com;transport=%74cp?subject=project%20x");
  CHECK(u.user == "%61lice");
  CHECK(unescaped(u.user) == "alice");
  CHECK(u.params[0].value == "%74cp");
  CHECK(unescaped(u.params[0].value) == "tcp");
  CHECK(u.headers == "subject=project%20x");
}

TEST_CASE("unescape decodes %XX and rejects malformed escapes") {
  CHECK(unescaped("%61lice") == "alice");
  CHECK(unescaped("a%2fb%2F") == "a/b/");
  CHECK(unescaped("%00") == std::string(1, '\0'));
  CHECK(unescaped("plain") == "plain");
  CHECK(unescaped("") == "");
  std::string out;
  CHECK_FALSE(unescape("%G1", out));
  CHECK_FALSE(unescape("%4", out));
  CHECK_FALSE(unescape("abc%", out));
  CHECK_FALSE(unescape("%1%", out));
}

TEST_CASE("find_param matches names case-insensitively") {
  const Uri u = must_parse("sip:alice@atlanta.com;Transport=TCP;LR");
  const Param* t = find_param(u.params, "transport");
  REQUIRE(t != nullptr);
  CHECK(t->value == "TCP");
  CHECK(find_param(u.params, "lr") != nullptr);
  CHECK(find_param(u.params, "maddr") == nullptr);
}

TEST_CASE("tel URIs (RFC 3966)") {
  {
    const Uri u = must_parse("tel:+1-201-555-0123");
    CHECK(u.scheme == Uri::Scheme::tel);
    CHECK(u.user == "+1-201-555-0123");
    CHECK(u.params.empty());
  }
  {
    const Uri u = must_parse("tel:7042;phone-context=example.com");
    CHECK(u.scheme == Uri::Scheme::tel);
    CHECK(u.user == "7042");
    const Param* pc = find_param(u.params, "phone-context");
    REQUIRE(pc != nullptr);
    CHECK(pc->value == "example.com");
  }
}

TEST_CASE("other schemes are kept opaque (RFC 3261 §25.1 absoluteURI)") {
  {
    const Uri u = must_parse("mailto:watson@bell-telephone.com");
    CHECK(u.scheme == Uri::Scheme::other);
    CHECK(u.scheme_text == "mailto");
    CHECK(u.opaque == "watson@bell-telephone.com");
  }
  {
    const Uri u = must_parse("http://www.example.com/a/b?c=d");
    CHECK(u.scheme == Uri::Scheme::other);
    CHECK(u.scheme_text == "http");
    CHECK(u.opaque == "//www.example.com/a/b?c=d");
  }
  {
    const Uri u = must_parse("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    CHECK(u.scheme_text == "urn");
    CHECK(u.opaque == "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  }
}

TEST_CASE("a bare addr-spec ends where header parameters begin (§20.10)") {
  {
    Uri u;
    const std::string_view text = "sip:alice@atlanta.com;tag=1928301774";
    const UriParse r = parse_uri(text, u, UriContext::bare_addr_spec);
    REQUIRE(r.error == nullptr);
    CHECK(r.used == std::string_view("sip:alice@atlanta.com").size());
    CHECK(u.host == "atlanta.com");
    CHECK(u.params.empty());
  }
  {
    Uri u;
    const std::string_view text = "sip:alice@atlanta.com, sip:bob@biloxi.com";
    const UriParse r = parse_uri(text, u, UriContext::bare_addr_spec);
    REQUIRE(r.error == nullptr);
    CHECK(r.used == std::string_view("sip:alice@atlanta.com").size());
  }
  {
    // In a whole URI the same parameter belongs to the URI.
    const Uri u = must_parse("sip:alice@atlanta.com;tag=1928301774");
    REQUIRE(u.params.size() == 1);
    CHECK(u.params[0].name == "tag");
  }
}

TEST_CASE("malformed URIs are rejected") {
  // Empty or missing parts.
  CHECK(rejected(""));
  CHECK(rejected("sip:"));
  CHECK(rejected("sip:alice@"));
  CHECK(rejected("sip:@atlanta.com"));          // user = 1*( ... )
  CHECK(rejected("alice@atlanta.com"));         // no scheme
  CHECK(rejected(":alice@atlanta.com"));
  CHECK(rejected("1sip:alice@atlanta.com"));    // scheme = ALPHA *( ... )
  CHECK(rejected("sip:alice@atlanta.com;"));    // uri-parameter needs a pname
  CHECK(rejected("sip:alice@atlanta.com;=x"));
  CHECK(rejected("sip:alice@atlanta.com?"));    // header = hname "=" hvalue
  CHECK(rejected("sip:alice@atlanta.com?=v"));
  CHECK(rejected("sip:alice@atlanta.com?a=b&"));
  CHECK(rejected("sip:alice@atlanta.com;lr="));  // pvalue = 1*paramchar
  // Bad escapes.
  CHECK(rejected("sip:%G1@atlanta.com"));
  CHECK(rejected("sip:alice%2@atlanta.com"));
  CHECK(rejected("sip:alice@atlanta.com;p=%zz"));
  // IPv6 must be bracketed (RFC 5118 §4.2), and well formed.
  CHECK(rejected("sip:2001:db8::10"));
  CHECK(rejected("sip:alice@2001:db8::10"));
  CHECK(rejected("sip:alice@[2001:db8::1"));
  CHECK(rejected("sip:alice@[2001:db8::g]"));
  CHECK(rejected("sip:alice@[]"));
  CHECK(rejected("sip:alice@[12345::1]"));      // hex4 = 1*4HEXDIG
  CHECK(rejected("sip:alice@[1::2::3]"));       // one "::" at most
  CHECK(rejected("sip:alice@[::ffff:192.0.2]"));
  // Host names: labels are alphanumerics with inner hyphens (§25.1).
  CHECK(rejected("sip:alice@atlanta..com"));
  CHECK(rejected("sip:alice@-atlanta.com"));
  CHECK(rejected("sip:alice@atl_anta.com"));
  CHECK(rejected("sip:alice@atl%61nta.com"));   // no escapes in a host
  // No whitespace anywhere in a URI.
  CHECK(rejected("sip:alice @atlanta.com"));
  CHECK(rejected("sip: alice@atlanta.com"));
  CHECK(rejected("sip:alice@atlanta .com"));
  CHECK(rejected("sip:alice@atlanta.com ;transport=tcp"));
  CHECK(rejected("sip:alice@atlanta.com;transport= tcp"));
  CHECK(rejected("sip:alice@atlanta.com\r\n"));
  // Characters outside the user/host grammar.
  CHECK(rejected("sip:al<ice@atlanta.com"));
  CHECK(rejected("sip:alice@atl\"anta.com"));
  // tel URIs need a number and take no whitespace.
  CHECK(rejected("tel:"));
  CHECK(rejected("tel:+1 201 555 0123"));
}

}  // TEST_SUITE

TEST_SUITE("uri equality") {

TEST_CASE("RFC 3261 §19.1.4: the equivalent URIs") {
  CHECK(equal("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));

  // A parameter present in only one URI does not matter unless it is one of
  // user, ttl, method, maddr, transport.
  CHECK(equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  CHECK(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
  CHECK(equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));

  CHECK(equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
              "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));

  CHECK(equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
              "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

TEST_CASE("RFC 3261 §19.1.4: the URIs that are not equivalent") {
  CHECK_FALSE(equal("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  CHECK_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  CHECK_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  CHECK_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
  CHECK_FALSE(equal("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
  CHECK_FALSE(equal("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
  CHECK_FALSE(equal("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

TEST_CASE("a sip URI never equals a sips URI") {
  CHECK_FALSE(equal("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:atlanta.com", "sips:atlanta.com"));
}

TEST_CASE("§19.1.4 rules one by one") {
  // Userinfo is case-sensitive, host and scheme are not.
  CHECK(equal("sip:alice@ATLANTA.com", "sip:alice@atlanta.com"));
  CHECK(equal("SIP:alice@atlanta.com", "sip:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:Alice@atlanta.com", "sip:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com"));
  CHECK_FALSE(equal("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com"));
  // Ports compare when present; absent does not equal the default.
  CHECK(equal("sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:5060"));
  CHECK_FALSE(equal("sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:5061"));
  // user, ttl, method, maddr present on one side only: not equal.
  CHECK_FALSE(equal("sip:alice@atlanta.com;maddr=239.255.255.1", "sip:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:alice@atlanta.com;ttl=15", "sip:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com"));
  CHECK_FALSE(equal("sip:alice@atlanta.com;method=INVITE", "sip:alice@atlanta.com"));
  // Parameter order does not matter; names and values are case-insensitive.
  CHECK(equal("sip:alice@atlanta.com;transport=tcp;lr", "sip:alice@atlanta.com;LR;TRANSPORT=TCP"));
  // Unreserved characters equal their escapes, in parameters too.
  CHECK(equal("sip:alice@atlanta.com;transport=%74cp", "sip:alice@atlanta.com;transport=tcp"));
  CHECK(equal("sip:%61%6c%69%63%65@atlanta.com", "sip:alice@atlanta.com"));
  // Headers: present on one side only, or different values, never equal.
  CHECK_FALSE(equal("sip:alice@atlanta.com?subject=a", "sip:alice@atlanta.com?subject=b"));
  CHECK_FALSE(equal("sip:alice@atlanta.com?subject=a", "sip:alice@atlanta.com"));
  // A URI equals itself.
  CHECK(equal("sips:alice:pw@[2001:db8::1]:5061;transport=tls?x=y",
              "sips:alice:pw@[2001:db8::1]:5061;transport=tls?x=y"));
}

TEST_CASE("other schemes compare byte for byte after folding the scheme") {
  CHECK(equal("NAME:John_Smith", "name:John_Smith"));
  CHECK_FALSE(equal("name:John_Smith", "name:john_smith"));
  CHECK_FALSE(equal("name:John_Smith", "isbn:John_Smith"));
}

}  // TEST_SUITE

TEST_SUITE("uri text") {

TEST_CASE("to_string lower-cases the scheme and keeps the rest as received") {
  CHECK(to_string(must_parse("SIP:alice@AtLanTa.CoM;Transport=udp")) == "sip:alice@AtLanTa.CoM;Transport=udp");
  CHECK(to_string(must_parse("SIPS:bob@biloxi.com")) == "sips:bob@biloxi.com");
  CHECK(to_string(must_parse("nobodyKnowsThisScheme:totallyopaqueContent")) ==
        "nobodyknowsthisscheme:totallyopaqueContent");
}

TEST_CASE("to_string round trip: the text parses back to an equal URI and the same text") {
  for (const char* text : {
           "sip:alice@atlanta.com",
           "sip:alice:secretword@atlanta.com;transport=tcp",
           "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
           "sip:+1-212-555-1212:1234@gateway.com;user=phone",
           "sips:1212@gateway.com",
           "sip:alice@192.0.2.4",
           "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
           "sip:alice;day=tuesday@atlanta.com",
           "sip:[2001:db8::10]:5070",
           "sip:[2001:db8::10:5070]",
           "sip:%61lice@atlanta.com;transport=TCP;lr",
           "sip:alice:@atlanta.com",
           "sip:user;par=u%40example.net@example.com",
           "tel:+1-201-555-0123",
           "tel:7042;phone-context=example.com",
           "mailto:watson@bell-telephone.com",
           "nobodyknowsthisscheme:totallyopaquecontent",
       }) {
    INFO(text);
    const Uri u = must_parse(text);
    const std::string s = to_string(u);
    CHECK(s == text);  // all lower-case schemes: nothing to change
    const Uri again = must_parse(s);
    CHECK(uri_equal(u, again));
    CHECK(to_string(again) == s);
  }
}

TEST_CASE("append_uri appends to what is already there") {
  std::string out = "<";
  append_uri(out, must_parse("sip:bob@biloxi.com;lr"));
  out += ">";
  CHECK(out == "<sip:bob@biloxi.com;lr>");
}

TEST_CASE("append_params re-quotes quoted values") {
  NameAddr na;
  REQUIRE(decode_name_addr(R"(<sip:a@example.com>;+sip.instance="<urn:uuid:1>";lr;q=0.5)", na));
  std::string out;
  append_params(out, na.params);
  CHECK(out == R"(;+sip.instance="<urn:uuid:1>";lr;q=0.5)");
}

}  // TEST_SUITE
