// MSRPConfiguration: the spec's defaults (use_relay_incoming True,
// use_relay_outgoing False, local_use_tls True, the rest None), the relay
// used only for the direction asked for and only with a relay_host, its URI
// (scheme from relay_use_tls or local_use_tls, port 2855 by default, IPv6 in
// brackets) and the relay client's config with the credentials.
#include <doctest/doctest.h>

#include "msrp/msrp_configuration.hpp"
#include "msrp/uri.hpp"

using namespace cosip::msrp;

TEST_CASE("msrp configuration: the spec's defaults") {
  const MsrpConfiguration c;
  CHECK(!c.local_ip);
  CHECK(!c.local_port);
  CHECK(c.local_use_tls);
  CHECK(c.use_relay_incoming);
  CHECK(!c.use_relay_outgoing);
  CHECK(!c.relay_host);
  CHECK(!c.relay_port);
  CHECK(!c.relay_use_tls);
  CHECK(c.relay_tls.verify_peer);
  // No relay_host: no relay, whatever the direction.
  CHECK(!uses_relay(c, SessionDirection::incoming));
  CHECK(!uses_relay(c, SessionDirection::outgoing));
  CHECK(relay_uri(c).empty());
  CHECK(!relay_config(c, SessionDirection::incoming, "msrp://127.0.0.1:7001/s1;tcp"));
}

TEST_CASE("msrp configuration: the relay for the directions it is set for") {
  MsrpConfiguration c;
  c.relay_host = "relay.example.com";
  struct Row {
    bool incoming;
    bool outgoing;
  };
  for (const Row row : {Row{true, false}, Row{false, true}, Row{true, true}, Row{false, false}}) {
    CAPTURE(row.incoming);
    CAPTURE(row.outgoing);
    c.use_relay_incoming = row.incoming;
    c.use_relay_outgoing = row.outgoing;
    // An incoming session is one we answer; an outgoing one we offer.
    CHECK(uses_relay(c, SessionDirection::incoming) == row.incoming);
    CHECK(uses_relay(c, SessionDirection::outgoing) == row.outgoing);
    CHECK(relay_config(c, SessionDirection::incoming, "msrp://127.0.0.1:7001/s1;tcp").has_value() == row.incoming);
  }
  c.relay_host = "";
  c.use_relay_incoming = true;
  CHECK(!uses_relay(c, SessionDirection::incoming));
}

TEST_CASE("msrp configuration: the relay's URI") {
  MsrpConfiguration c;
  c.relay_host = "relay.example.com";
  SUBCASE("TLS as the local URI, port 2855 by default") {
    CHECK(relay_uri(c) == "msrps://relay.example.com:2855;tcp");
    c.local_use_tls = false;
    CHECK(relay_uri(c) == "msrp://relay.example.com:2855;tcp");
  }
  SUBCASE("relay_use_tls and relay_port given") {
    c.relay_use_tls = false;
    c.relay_port = 16080;
    CHECK(relay_uri(c) == "msrp://relay.example.com:16080;tcp");
    c.local_use_tls = false;
    c.relay_use_tls = true;
    CHECK(relay_uri(c) == "msrps://relay.example.com:16080;tcp");
    CHECK(relay_uses_tls(c));
  }
  SUBCASE("an IPv6 address in brackets") {
    c.relay_host = "2001:db8::1";
    CHECK(relay_uri(c) == "msrps://[2001:db8::1]:2855;tcp");
    c.relay_host = "[2001:db8::1]";
    CHECK(relay_uri(c) == "msrps://[2001:db8::1]:2855;tcp");
  }
  // Always an MSRP URI without a session-id (RFC 4976 §5).
  const std::string uri = relay_uri(c);  // the views point into it
  Uri parsed;
  REQUIRE(parse_uri(uri, parsed));
  CHECK(parsed.session_id.empty());
  CHECK(parsed.transport == "tcp");
}

TEST_CASE("msrp configuration: the relay client's config") {
  MsrpConfiguration c;
  c.relay_host = "127.0.0.1";
  c.relay_port = 16080;
  c.relay_use_tls = false;
  c.relay_username = "alice";
  c.relay_password = "msrppw";
  const std::optional<RelayConfig> relay =
      relay_config(c, SessionDirection::incoming, "msrp://127.0.0.1:7001/alicesession;tcp");
  REQUIRE(relay);
  CHECK(relay->relay_uri == "msrp://127.0.0.1:16080;tcp");
  CHECK(relay->local_uri == "msrp://127.0.0.1:7001/alicesession;tcp");
  CHECK(relay->username == "alice");
  CHECK(relay->password == "msrppw");
  CHECK(!relay->expires);  // Kamailio 5.6.3 answers 423 to any AUTH with Expires
  CHECK(!relay_config(c, SessionDirection::outgoing, "msrp://127.0.0.1:7001/alicesession;tcp"));
}
