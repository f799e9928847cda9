// ICE (RFC 8445) with libnice: the a=candidate conversions (RFC 8839 §5.1),
// two IceAgents in one process connecting over loopback host candidates with
// one component (rtcp-mux) and with two, datagrams both ways on each
// component, a wrong remote password that never connects, and the errors the
// agent returns before it can act.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "tests/unit/ice/ice_test_peer.hpp"

using namespace cosip::test;
using namespace std::chrono_literals;

TEST_CASE("candidate to and from the a=candidate value") {
  ice::Candidate host;
  host.foundation = "1";
  host.component = 1;
  host.priority = 2130706431;
  host.address = "127.0.0.1";
  host.port = 40000;
  CHECK(ice::to_sdp_value(host) == "1 1 UDP 2130706431 127.0.0.1 40000 typ host");

  ice::Candidate relay = host;
  relay.foundation = "3";
  relay.component = 2;
  relay.priority = 16777214;
  relay.type = ice::CandidateType::relayed;
  relay.address = "192.0.2.7";
  relay.port = 50001;
  relay.related_address = "198.51.100.3";
  relay.related_port = 40001;
  const std::string value = ice::to_sdp_value(relay);
  CHECK(value == "3 2 UDP 16777214 192.0.2.7 50001 typ relay raddr 198.51.100.3 rport 40001");

  SUBCASE("round trip through sdp::decode_candidate") {
    ice::Candidate back;
    REQUIRE_FALSE(ice::parse_sdp_value(value, back));
    CHECK(back == relay);
    REQUIRE_FALSE(ice::parse_sdp_value(ice::to_sdp_value(host), back));
    CHECK(back == host);
  }
  SUBCASE("every RFC 8839 type, transport case-insensitive, extensions ignored") {
    ice::Candidate c;
    REQUIRE_FALSE(ice::parse_sdp_value("a 1 udp 5 ::1 9 typ srflx raddr ::1 rport 8 generation 0", c));
    CHECK(c.type == ice::CandidateType::server_reflexive);
    CHECK(c.address == "::1");
    CHECK(c.related_port == 8);
    REQUIRE_FALSE(ice::parse_sdp_value("b 1 UDP 5 10.0.0.1 9 typ prflx", c));
    CHECK(c.type == ice::CandidateType::peer_reflexive);
  }
  SUBCASE("a related address without its port, or on a host, is dropped") {
    ice::Candidate c;
    REQUIRE_FALSE(ice::parse_sdp_value("1 1 UDP 5 10.0.0.1 9 typ host raddr 10.0.0.2 rport 7", c));
    CHECK(c.related_address.empty());
    CHECK_FALSE(c.related_port);
    REQUIRE_FALSE(ice::parse_sdp_value("1 1 UDP 5 10.0.0.1 9 typ relay raddr 10.0.0.2", c));
    CHECK(c.related_address.empty());
    CHECK(ice::to_sdp_value(c) == "1 1 UDP 5 10.0.0.1 9 typ relay");
  }
  SUBCASE("refused: TCP, unknown type, malformed") {
    ice::Candidate c;
    CHECK(ice::parse_sdp_value("1 1 TCP 5 10.0.0.1 9 typ host tcptype active", c).code == ice::IceErrc::bad_transport);
    CHECK(ice::parse_sdp_value("1 1 UDP 5 10.0.0.1 9 typ nat", c).code == ice::IceErrc::bad_candidate_type);
    const ice::IceError e = ice::parse_sdp_value("1 0 UDP 5 10.0.0.1 9 typ host", c);
    CHECK(e.code == ice::IceErrc::bad_candidate);
    CHECK(e.message() == "malformed candidate: bad component id");
  }
}

TEST_CASE("agent errors before it can act") {
  boost::asio::io_context io;
  SUBCASE("nothing before gather()") {
    IcePeer peer(io, loopback_config(ice::Role::controlling, 1));
    CHECK(peer.send(1, "x").code == ice::IceErrc::not_gathered);
    std::vector<ice::Candidate> local;
    CHECK(peer.agent->local_candidates(local).code == ice::IceErrc::not_gathered);
    CHECK(peer.agent->set_remote({"abcd", "0123456789012345678901"}, {}).code == ice::IceErrc::not_gathered);
  }
  SUBCASE("three components") {
    IcePeer peer(io, loopback_config(ice::Role::controlling, 3));
    CHECK(peer.agent->gather().code == ice::IceErrc::bad_component);
  }
  SUBCASE("a local address that is no IP literal") {
    ice::IceConfig config = loopback_config(ice::Role::controlled, 1);
    config.local_addresses = {"localhost"};
    IcePeer peer(io, config);
    CHECK(peer.agent->gather().code == ice::IceErrc::bad_address);
  }
  SUBCASE("bad remote credentials, a component the stream lacks, send before a pair") {
    IcePeer peer(io, loopback_config(ice::Role::controlled, 1));
    REQUIRE_FALSE(peer.agent->gather());
    REQUIRE(run_until(io, [&] { return peer.gathered; }, 5s));
    CHECK(peer.agent->set_remote({"ab", "0123456789012345678901"}, {}).code == ice::IceErrc::bad_credentials);
    CHECK(peer.agent->set_remote({"abcd", "short"}, {}).code == ice::IceErrc::bad_credentials);
    ice::Candidate c;
    REQUIRE_FALSE(ice::parse_sdp_value("1 2 UDP 5 127.0.0.1 9 typ host", c));
    CHECK(peer.agent->set_remote({"abcd", "0123456789012345678901"}, std::vector{c}).code ==
          ice::IceErrc::bad_component);
    CHECK(peer.send(2, "x").code == ice::IceErrc::bad_component);
    CHECK(peer.send(1, "x").code == ice::IceErrc::send_failed);
  }
}

namespace {

// Gathers on both, exchanges through SDP values, connects; returns the
// milliseconds from set_remote to both sides ready.
long connect(boost::asio::io_context& io, IcePeer& offerer, IcePeer& answerer) {
  REQUIRE_FALSE(offerer.agent->gather());
  REQUIRE_FALSE(answerer.agent->gather());
  REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, 5s));
  const auto start = Clock::now();
  REQUIRE_FALSE(give_remote(offerer, answerer));
  REQUIRE_FALSE(give_remote(answerer, offerer));
  REQUIRE(run_until(io, [&] { return offerer.ready() && answerer.ready(); }, 10s));
  const auto end = std::max(*offerer.all_ready_at, *answerer.all_ready_at);
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(end - start).count());
}

}  // namespace

TEST_CASE("two agents connect over loopback host candidates") {
  for (const std::uint16_t components : {1, 2}) {
    CAPTURE(components);
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    IcePeer offerer(io, loopback_config(ice::Role::controlling, components));
    IcePeer answerer(io, loopback_config(ice::Role::controlled, components));
    const long ms = connect(io, offerer, answerer);
    MESSAGE("components=", components, " connected in ", ms, " ms");

    for (IcePeer* peer : {&offerer, &answerer}) {
      const auto values = peer->sdp_candidates();
      CHECK(values.size() == components);  // one host candidate per component on 127.0.0.1
      for (const auto& v : values) CHECK(v.find(" 127.0.0.1 ") != std::string::npos);
      for (std::uint16_t c = 1; c <= components; ++c) {
        // RFC 8445 §6.1.3: connecting before connected before ready, never failed.
        CHECK(peer->ever(c, ice::ComponentState::connecting));
        CHECK(peer->ever(c, ice::ComponentState::connected));
        CHECK_FALSE(peer->ever(c, ice::ComponentState::failed));
        const ice::SelectedPair& pair = peer->pairs.at(c);
        MESSAGE(describe(pair));
        CHECK(pair.local.type == ice::CandidateType::host);
        CHECK(pair.remote.type == ice::CandidateType::host);
        CHECK(pair.local.address == "127.0.0.1");
      }
    }
    // The pairs mirror each other.
    for (std::uint16_t c = 1; c <= components; ++c) {
      CHECK(offerer.pairs.at(c).local.port == answerer.pairs.at(c).remote.port);
      CHECK(offerer.pairs.at(c).remote.port == answerer.pairs.at(c).local.port);
    }
    if (components == 2) CHECK(offerer.pairs.at(1).local.port != offerer.pairs.at(2).local.port);

    for (std::uint16_t c = 1; c <= components; ++c) {
      for (int i = 0; i < 3; ++i) {
        REQUIRE_FALSE(offerer.send(c, "to answerer " + std::to_string(c) + "." + std::to_string(i)));
        REQUIRE_FALSE(answerer.send(c, "to offerer " + std::to_string(c) + "." + std::to_string(i)));
      }
    }
    REQUIRE(run_until(io, [&] {
      for (std::uint16_t c = 1; c <= components; ++c)
        if (offerer.received[c].size() < 3 || answerer.received[c].size() < 3) return false;
      return true;
    }, 5s));
    CHECK(offerer.events_off_owner_thread == 0);
    CHECK(answerer.events_off_owner_thread == 0);
    for (std::uint16_t c = 1; c <= components; ++c) {
      CHECK(answerer.received[c] == std::vector<std::string>{"to answerer " + std::to_string(c) + ".0",
                                                             "to answerer " + std::to_string(c) + ".1",
                                                             "to answerer " + std::to_string(c) + ".2"});
      CHECK(offerer.received[c] == std::vector<std::string>{"to offerer " + std::to_string(c) + ".0",
                                                            "to offerer " + std::to_string(c) + ".1",
                                                            "to offerer " + std::to_string(c) + ".2"});
    }
  }
}

// RFC 8445 §7.3.1.1: two agents that both think they control (glare of
// offers) settle it with 487 Role Conflict and the tie-breakers, and connect.
TEST_CASE("a role conflict is repaired") {
  for (const ice::Role role : {ice::Role::controlling, ice::Role::controlled}) {
    CAPTURE(role == ice::Role::controlling);
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    IcePeer a(io, loopback_config(role, 1));
    IcePeer b(io, loopback_config(role, 1));
    const long ms = connect(io, a, b);
    MESSAGE("both ", std::string(role == ice::Role::controlling ? "controlling" : "controlled"), ": connected in ", ms, " ms");
    REQUIRE_FALSE(a.send(1, "ping"));
    REQUIRE(run_until(io, [&] { return !b.received[1].empty(); }, 2s));
    CHECK(b.received[1].front() == "ping");
  }
}

TEST_CASE("a wrong remote password never connects") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  ice::IceConfig offer_config = loopback_config(ice::Role::controlling, 1);
  ice::IceConfig answer_config = loopback_config(ice::Role::controlled, 1);
  // Few retransmissions bound the time an unanswered check takes to fail.
  offer_config.check_retransmissions = 3;
  answer_config.check_retransmissions = 3;
  IcePeer offerer(io, offer_config);
  IcePeer answerer(io, answer_config);
  REQUIRE_FALSE(offerer.agent->gather());
  REQUIRE_FALSE(answerer.agent->gather());
  REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, 5s));

  const auto start = Clock::now();
  // Each side signs its checks with a password the other does not have
  // (RFC 8445 §7.2.2: MESSAGE-INTEGRITY with the remote password).
  REQUIRE_FALSE(give_remote(offerer, answerer, std::string("wrongwrongwrongwrong00")));
  REQUIRE_FALSE(give_remote(answerer, offerer, std::string("wrongwrongwrongwrong11")));
  REQUIRE(run_until(io, [&] { return offerer.any_failed() && answerer.any_failed(); }, 30s));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  MESSAGE("failure reported after ", ms, " ms");
  for (IcePeer* peer : {&offerer, &answerer}) {
    CHECK_FALSE(peer->ever(1, ice::ComponentState::connected));
    CHECK_FALSE(peer->ever(1, ice::ComponentState::ready));
    CHECK(peer->pairs.empty());
    CHECK(peer->send(1, "x").code == ice::IceErrc::send_failed);
  }
}

TEST_CASE("the controlling side with a wrong password: neither side is ready") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  ice::IceConfig offer_config = loopback_config(ice::Role::controlling, 1);
  ice::IceConfig answer_config = loopback_config(ice::Role::controlled, 1);
  offer_config.check_retransmissions = 3;
  answer_config.check_retransmissions = 3;
  IcePeer offerer(io, offer_config);
  IcePeer answerer(io, answer_config);
  REQUIRE_FALSE(offerer.agent->gather());
  REQUIRE_FALSE(answerer.agent->gather());
  REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, 5s));
  REQUIRE_FALSE(give_remote(answerer, offerer, std::string("wrongwrongwrongwrong11")));
  REQUIRE_FALSE(give_remote(offerer, answerer));
  REQUIRE(run_until(io, [&] { return offerer.any_failed(); }, 30s));
  CHECK_FALSE(offerer.ever(1, ice::ComponentState::ready));
  CHECK(offerer.pairs.empty());
  // The controlled side is never nominated (RFC 8445 §8.1.1: only a valid
  // pair of the controlling side is).
  CHECK_FALSE(answerer.ever(1, ice::ComponentState::ready));
  CHECK(answerer.pairs.empty());
}

// RFC 7675: consent to send is refreshed by a check every few seconds
// (§5.1) and lapses when checks go unanswered; libnice 0.1.21 lets it lapse
// after about 10 s (the RFC's default is 30 s) and then fails the component.
// Both sides stay ready past that while both answer; once one side is gone,
// the other reports failure.
TEST_CASE("consent freshness: kept while the peer answers, lost when it goes away") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  IcePeer offerer(io, loopback_config(ice::Role::controlling, 1));
  auto answerer = std::make_unique<IcePeer>(io, loopback_config(ice::Role::controlled, 1));
  connect(io, offerer, *answerer);

  CHECK_FALSE(run_until(io, [&] { return offerer.any_failed() || answerer->any_failed(); }, 13s));
  REQUIRE_FALSE(offerer.send(1, "still here"));
  REQUIRE(run_until(io, [&] { return !answerer->received[1].empty(); }, 2s));
  CHECK(answerer->received[1].front() == "still here");

  answerer.reset();
  const auto gone = Clock::now();
  REQUIRE(run_until(io, [&] { return offerer.last(1) == ice::ComponentState::failed; }, 40s));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - gone).count();
  MESSAGE("consent lost ", ms, " ms after the peer went away");
  CHECK(ms >= 5000);  // at least one unanswered consent check interval (RFC 7675 §5.1)
  CHECK(offerer.send(1, "x").code == ice::IceErrc::send_failed);
}
