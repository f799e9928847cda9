// Shared by the RTP-over-ICE unit and interop tests: an RtpStream over an
// IceTransport on one io_context, what it receives recorded, and the ICE
// offer/answer done in memory through the SDP a=candidate values.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include "rtp/ice_transport.hpp"
#include "rtp/rtp_stream.hpp"
#include "rtp/srtp/sdes.hpp"
#include "tests/unit/ice/ice_test_peer.hpp"

namespace cosip::test {

namespace rtp = cosip::rtp;

struct IceStreamPeer {
  bool gathered = false;
  std::optional<Clock::time_point> all_selected_at;
  std::vector<std::vector<std::uint8_t>> payloads;  // audio received, in order
  std::shared_ptr<rtp::IceTransport> transport;
  std::shared_ptr<rtp::RtpStream> stream;

  IceStreamPeer(boost::asio::io_context& io, ice::IceConfig config) {
    ice::IceEvents events;
    events.gathering_done = [this] { gathered = true; };
    events.selected_pair = [this](const ice::SelectedPair&) {
      if (!all_selected_at && selected()) all_selected_at = Clock::now();
    };
    transport = std::make_shared<rtp::IceTransport>(io.get_executor(), std::move(config), std::move(events));
    stream = rtp::RtpStream::over(io.get_executor(), transport);
  }
  IceStreamPeer(const IceStreamPeer&) = delete;  // the events hold `this`
  IceStreamPeer& operator=(const IceStreamPeer&) = delete;
  ~IceStreamPeer() { stream->stop(); }

  std::uint16_t components() const { return transport->agent().config().components; }
  bool selected() const {
    for (std::uint16_t c = 1; c <= components(); ++c)
      if (!transport->selected(c)) return false;
    return true;
  }

  rtp::SrtpError start(const rtp::RtpSessionConfig& config) {
    rtp::RtpStream::Callbacks callbacks;
    callbacks.on_audio = [this](const rtp::AudioPacket& p) { payloads.emplace_back(p.payload.begin(), p.payload.end()); };
    return stream->start(config, std::move(callbacks));
  }

  const rtp::RtpSessionCounters& counters() const { return stream->session().counters(); }
};

// Hands `from`'s credentials and candidates to `to`, through the SDP values.
inline ice::IceError give_remote(const IceStreamPeer& from, IceStreamPeer& to) {
  std::vector<ice::Candidate> local;
  if (const auto e = from.transport->agent().local_candidates(local)) return e;
  std::vector<ice::Candidate> candidates;
  for (const ice::Candidate& c : local) {
    ice::Candidate back;
    if (const auto e = ice::parse_sdp_value(ice::to_sdp_value(c), back)) return e;
    candidates.push_back(std::move(back));
  }
  return to.transport->agent().set_remote(from.transport->agent().local_credentials(), candidates, true);
}

// G.711 at 8000 Hz, 20 ms; RTCP at least every `rtcp_seconds` (§6.2 allows a
// smaller minimum than 5 s), so a short test sees reports.
inline rtp::RtpSessionConfig audio_config(bool rtcp_mux, double rtcp_seconds) {
  rtp::RtpSessionConfig config;
  config.payload_type = 0;
  config.clock_rate = 8000;
  config.rtcp_mux = rtcp_mux;
  config.cname = "test@127.0.0.1";
  config.rtcp.minimum_interval = rtcp_seconds;
  return config;
}

// Keys both ways for `a` and `b` (RFC 4568 SDES, as the negotiator would give).
inline void add_srtp(rtp::RtpSessionConfig& a, rtp::RtpSessionConfig& b) {
  const auto key_a = rtp::generate_key_salt(rtp::SrtpSuite::aes_cm_128_hmac_sha1_80);
  const auto key_b = rtp::generate_key_salt(rtp::SrtpSuite::aes_cm_128_hmac_sha1_80);
  REQUIRE(key_a);
  REQUIRE(key_b);
  a.srtp_suite = b.srtp_suite = std::string(rtp::to_string(rtp::SrtpSuite::aes_cm_128_hmac_sha1_80));
  a.local_key = b.remote_key = *key_a;
  a.remote_key = b.local_key = *key_b;
  a.srtp_required = b.srtp_required = true;
}

// 160 octets numbered by `index`: each packet's payload tells which it is.
inline std::vector<std::uint8_t> numbered_payload(std::uint8_t index) {
  std::vector<std::uint8_t> p(160);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(index * 31 + i);
  return p;
}

// Gathers on both, exchanges offer and answer, starts both streams with
// their configurations, and waits until every component has a pair
// selected on both sides. Returns the time from the exchange to that.
inline long connect(boost::asio::io_context& io, IceStreamPeer& offerer, IceStreamPeer& answerer,
                    const rtp::RtpSessionConfig& offerer_config, const rtp::RtpSessionConfig& answerer_config,
                    std::chrono::milliseconds limit) {
  REQUIRE_FALSE(offerer.transport->agent().gather());
  REQUIRE_FALSE(answerer.transport->agent().gather());
  REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, limit));
  const auto start = Clock::now();
  REQUIRE_FALSE(give_remote(offerer, answerer));
  REQUIRE_FALSE(give_remote(answerer, offerer));
  REQUIRE_FALSE(offerer.start(offerer_config));
  REQUIRE_FALSE(answerer.start(answerer_config));
  // Before a pair is selected nothing goes out; the stream's packet is counted.
  offerer.stream->send_audio(numbered_payload(0), 160);
  CHECK(offerer.transport->unsent() == 1);
  CHECK(offerer.counters().packets_sent == 1);
  REQUIRE(run_until(io, [&] { return offerer.selected() && answerer.selected(); }, limit));
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// `count` numbered packets each way, 5 ms apart; every one but the first
// (A.1 probation) must come out of the peer's RtpSession with its payload.
inline void exchange_audio(boost::asio::io_context& io, IceStreamPeer& a, IceStreamPeer& b, int count) {
  const auto sent_a = a.counters().packets_sent;
  const auto sent_b = b.counters().packets_sent;
  for (int i = 1; i <= count; ++i) {
    a.stream->send_audio(numbered_payload(static_cast<std::uint8_t>(i)), 160);
    b.stream->send_audio(numbered_payload(static_cast<std::uint8_t>(100 + i)), 160);
    io.run_for(std::chrono::milliseconds(5));
  }
  CHECK(a.counters().packets_sent == sent_a + static_cast<unsigned>(count));
  CHECK(b.counters().packets_sent == sent_b + static_cast<unsigned>(count));
  const auto all = static_cast<std::size_t>(count - 1);
  REQUIRE(run_until(io, [&] { return a.payloads.size() >= all && b.payloads.size() >= all; },
                    std::chrono::seconds(5)));
  CHECK(a.payloads.size() == all);
  CHECK(b.payloads.size() == all);
  for (std::size_t k = 0; k < all; ++k) {
    CHECK(b.payloads[k] == numbered_payload(static_cast<std::uint8_t>(k + 2)));
    CHECK(a.payloads[k] == numbered_payload(static_cast<std::uint8_t>(100 + k + 2)));
  }
}

}  // namespace cosip::test
