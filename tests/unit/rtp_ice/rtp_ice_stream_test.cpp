// RtpStream over ICE (rtp/ice_transport.hpp): two streams in one process,
// each over its own IceAgent on loopback host candidates, offer and answer
// exchanged in memory. Nothing leaves before a pair is selected; then audio
// goes both ways through the RtpSessions (payloads checked), with SRTP, with
// rtcp-mux on one component and with RTCP on a component of its own; a
// wrong SRTP key delivers nothing; the selected pairs are the peers'
// candidates.
#include <doctest/doctest.h>

#include <chrono>

#include "tests/unit/rtp_ice/ice_stream_peer.hpp"

using namespace cosip::test;
using namespace std::chrono_literals;

namespace {

void check_host_pairs(const IceStreamPeer& a, const IceStreamPeer& b) {
  for (std::uint16_t c = 1; c <= a.components(); ++c) {
    const ice::SelectedPair& pa = *a.transport->selected(c);
    const ice::SelectedPair& pb = *b.transport->selected(c);
    MESSAGE("selected ", describe(pa));
    CHECK(pa.local.type == ice::CandidateType::host);
    CHECK(pa.remote.type == ice::CandidateType::host);
    CHECK(pa.local.address == "127.0.0.1");
    CHECK(pa.remote.address == "127.0.0.1");
    CHECK(pa.local.port == pb.remote.port);
    CHECK(pa.remote.port == pb.local.port);
  }
}

}  // namespace

TEST_CASE("audio both ways over ICE, SRTP, rtcp-mux") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);  // events come from libnice's thread
  IceStreamPeer offerer(io, loopback_config(ice::Role::controlling, 1));
  IceStreamPeer answerer(io, loopback_config(ice::Role::controlled, 1));
  rtp::RtpSessionConfig offer_config = audio_config(true, 1.0);
  rtp::RtpSessionConfig answer_config = audio_config(true, 1.0);
  add_srtp(offer_config, answer_config);

  const long ms = connect(io, offerer, answerer, offer_config, answer_config, 10s);
  MESSAGE("one component selected on both sides in ", ms, " ms");
  check_host_pairs(offerer, answerer);
  CHECK_FALSE(offerer.transport->selected(2));

  exchange_audio(io, offerer, answerer, 50);
  CHECK(offerer.stream->session().srtp().has_keys());
  CHECK(offerer.counters().srtp_auth_failures == 0);
  CHECK(answerer.counters().srtp_auth_failures == 0);
  // RTCP shares the component (RFC 5761): reports arrive both ways.
  REQUIRE(run_until(io, [&] { return offerer.counters().rtcp_received > 0 && answerer.counters().rtcp_received > 0; },
                    5s));
  CHECK(offerer.transport->unsent() == 1);  // only the packet sent before selection
  CHECK(answerer.transport->unsent() == 0);
  MESSAGE("offerer: ", offerer.counters().packets_sent, " RTP sent, ", offerer.counters().packets_received,
          " received, ", offerer.counters().rtcp_sent, " RTCP sent, ", offerer.counters().rtcp_received,
          " received");
}

TEST_CASE("RTP on component 1, RTCP on component 2") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);  // events come from libnice's thread
  IceStreamPeer offerer(io, loopback_config(ice::Role::controlling, 2));
  IceStreamPeer answerer(io, loopback_config(ice::Role::controlled, 2));
  const long ms = connect(io, offerer, answerer, audio_config(false, 1.0), audio_config(false, 1.0), 10s);
  MESSAGE("two components selected on both sides in ", ms, " ms");
  check_host_pairs(offerer, answerer);
  exchange_audio(io, offerer, answerer, 20);
  // Without mux the session takes RTCP only from the RTCP component: RTCP
  // on component 1 would be dropped as malformed RTP.
  REQUIRE(run_until(io, [&] { return offerer.counters().rtcp_received > 0 && answerer.counters().rtcp_received > 0; },
                    5s));
  CHECK(offerer.counters().malformed == 0);
  CHECK(answerer.counters().malformed == 0);
}

TEST_CASE("a wrong SRTP key over ICE delivers nothing") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);  // events come from libnice's thread
  IceStreamPeer offerer(io, loopback_config(ice::Role::controlling, 1));
  IceStreamPeer answerer(io, loopback_config(ice::Role::controlled, 1));
  rtp::RtpSessionConfig offer_config = audio_config(true, 5.0);
  rtp::RtpSessionConfig answer_config = audio_config(true, 5.0);
  add_srtp(offer_config, answer_config);
  answer_config.remote_key = *rtp::generate_key_salt(rtp::SrtpSuite::aes_cm_128_hmac_sha1_80);
  connect(io, offerer, answerer, offer_config, answer_config, 10s);
  for (int i = 1; i <= 10; ++i) offerer.stream->send_audio(numbered_payload(static_cast<std::uint8_t>(i)), 160);
  REQUIRE(run_until(io, [&] { return answerer.counters().srtp_auth_failures >= 10; }, 5s));
  CHECK(answerer.payloads.empty());
  CHECK(answerer.counters().packets_received == 0);
}
