// MSRP URIs: RFC 4975 §9 grammar and §6.1 comparison.
#include <doctest/doctest.h>

#include <string>

#include "msrp/uri.hpp"

using cosip::msrp::Uri;
using cosip::msrp::equivalent;
using cosip::msrp::parse_uri;

namespace {

Uri uri(std::string_view text) {
  Uri u;
  REQUIRE_MESSAGE(parse_uri(text, u), text);
  return u;
}

bool same(std::string_view a, std::string_view b) { return equivalent(uri(a), uri(b)); }

}  // namespace

TEST_CASE("msrp uri: the parts of a full URI") {
  const Uri u = uri("msrps://alice@atlanta.example.com:7654/jshA7weztas;tcp;foo=bar");
  CHECK(u.secure);
  CHECK(u.userinfo == "alice");
  CHECK(u.host == "atlanta.example.com");
  CHECK(u.port == 7654);
  CHECK(u.effective_port() == 7654);
  CHECK(u.session_id == "jshA7weztas");
  CHECK(u.transport == "tcp");
  CHECK(u.parameters == ";foo=bar");
  std::string out;
  append_uri(out, u);
  CHECK(out == "msrps://alice@atlanta.example.com:7654/jshA7weztas;tcp;foo=bar");
}

TEST_CASE("msrp uri: relay URIs without session-id or port (RFC 4976)") {
  const Uri u = uri("msrps://alice@intra.example.com;tcp");
  CHECK(u.session_id.empty());
  CHECK(u.port == 0);
  CHECK(u.effective_port() == 2855);
  const Uri v6 = uri("msrp://[2001:db8::1]:9000/s1;tcp");
  CHECK(v6.host == "[2001:db8::1]");
  CHECK(v6.port == 9000);
}

TEST_CASE("msrp uri: rejections") {
  Uri u;
  for (std::string_view bad : {
           "sip:alice@example.com",                // not msrp
           "msrp://example.com:2855/abc",          // no transport (mandatory, §9)
           "msrp://example.com:2855/abc;",         // empty transport
           "msrp://:2855/abc;tcp",                 // no host
           "msrp://example.com:0/abc;tcp",         // port 0
           "msrp://example.com:65536/abc;tcp",     // port out of range
           "msrp://example.com:12a/abc;tcp",       // port not digits
           "msrp://example.com/;tcp",              // empty session-id
           "msrp://example.com/a b;tcp",           // space in session-id
           "msrp://example.com/a;tcp;;x=1",        // empty parameter
           "msrp://@example.com/a;tcp",            // empty userinfo
           "msrp://[2001:db8::1/a;tcp",            // unclosed IPv6 reference
           "msrp://example.com/a;t-cp",            // transport not alphanumeric
       }) {
    CHECK_MESSAGE(!parse_uri(bad, u), bad);
  }
}

TEST_CASE("msrp uri: comparison (RFC 4975 §6.1)") {
  // Scheme and host are case-insensitive.
  CHECK(same("MSRP://Atlanta.Example.COM:7654/jshA7weztas;tcp", "msrp://atlanta.example.com:7654/jshA7weztas;tcp"));
  // The session-id is case-sensitive.
  CHECK_FALSE(same("msrp://a.example.com:7654/jshA7weztas;tcp", "msrp://a.example.com:7654/JSHA7WEZTAS;tcp"));
  // msrp and msrps differ.
  CHECK_FALSE(same("msrps://a.example.com:7654/s1;tcp", "msrp://a.example.com:7654/s1;tcp"));
  // Ports must match; an explicit port never equals an absent one, even 2855
  // (the default port is where to connect, not a comparison rule).
  CHECK_FALSE(same("msrp://a.example.com:7654/s1;tcp", "msrp://a.example.com:7655/s1;tcp"));
  CHECK_FALSE(same("msrp://a.example.com:2855/s1;tcp", "msrp://a.example.com/s1;tcp"));
  CHECK(uri("msrp://a.example.com/s1;tcp").effective_port() == uri("msrp://a.example.com:2855/s1;tcp").port);
  // Transport is case-insensitive, and different transports never match.
  CHECK(same("msrp://a.example.com:1/s1;TCP", "msrp://a.example.com:1/s1;tcp"));
  CHECK_FALSE(same("msrp://a.example.com:1/s1;tcp", "msrp://a.example.com:1/s1;sctp"));
  // A URI without session-id never equals one with.
  CHECK_FALSE(same("msrp://a.example.com:1;tcp", "msrp://a.example.com:1/s1;tcp"));
  // Userinfo and other parameters are ignored.
  CHECK(same("msrp://bob@a.example.com:1/s1;tcp;x=1", "msrp://a.example.com:1/s1;tcp"));
}
