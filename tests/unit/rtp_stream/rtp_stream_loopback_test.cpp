// RtpStream, the Asio shell of an audio stream, with two streams over
// loopback UDP: a burst of packets arrives whole and in order, replies go
// where the peer's packets come from (symmetric RTP, RFC 4961), RTCP
// crosses on the ports after RTP's (RFC 3550 §11), and silence is reported
// once, after the inactivity timeout and not before.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "rtp/rtp_stream.hpp"

using namespace cosip::rtp;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

const asio::ip::address loopback = asio::ip::address_v4::loopback();

const std::array<std::uint8_t, 160> frame = [] {
  std::array<std::uint8_t, 160> f{};
  f.fill(0x55);
  return f;
}();

std::shared_ptr<RtpStream> open_stream(asio::io_context& io, bool mux) {
  std::string error;
  auto stream = RtpStream::open(io.get_executor(), loopback, mux, 42000, 43998, error);
  REQUIRE_MESSAGE(stream, error);
  return stream;
}

RtpSessionConfig config(bool mux) {
  RtpSessionConfig c;
  c.payload_type = 0;
  c.clock_rate = 8000;
  c.rtcp_mux = mux;
  c.cname = "test@example.com";
  return c;
}

udp::endpoint at(std::uint16_t port) { return {loopback, port}; }

// Runs the streams' work until `done` or `limit`.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(5ms);
  }
  return done();
}

}  // namespace

TEST_CASE("a burst of packets arrives whole and in order") {
  asio::io_context io;
  auto a = open_stream(io, true);
  auto b = open_stream(io, true);
  std::vector<std::uint16_t> sequences;
  bool payloads_intact = true;
  RtpStream::Callbacks callbacks;
  callbacks.on_audio = [&](const AudioPacket& p) {
    sequences.push_back(p.sequence);
    payloads_intact = payloads_intact && std::equal(p.payload.begin(), p.payload.end(), frame.begin(), frame.end());
  };
  REQUIRE_FALSE(b->start(config(true), at(a->port()), at(a->port()), std::move(callbacks)));
  REQUIRE_FALSE(a->start(config(true), at(b->port()), at(b->port()), {}));
  // More than one read takes at a time, all in the socket before b reads.
  constexpr std::size_t burst = 100;
  for (std::size_t i = 0; i < burst; ++i) a->send_audio(frame, 160);
  // RFC 3550 A.1: the first packet is the new source's probation.
  CHECK(run_until(io, [&] { return sequences.size() == burst - 1; }, 2s));
  CHECK(b->session().counters().packets_received == burst);
  CHECK(payloads_intact);
  for (std::size_t i = 1; i < sequences.size(); ++i)
    CHECK(sequences[i] == static_cast<std::uint16_t>(sequences[0] + i));
}

TEST_CASE("replies go to where the peer's packets come from, not to the SDP's address") {
  asio::io_context io;
  auto a = open_stream(io, true);
  auto b = open_stream(io, true);
  udp::socket decoy(io, udp::endpoint(loopback, 0));  // the SDP's (stale) address
  decoy.non_blocking(true);
  std::size_t echoes = 0;
  RtpStream::Callbacks echo;
  RtpStream* b_raw = b.get();
  echo.on_audio = [b_raw](const AudioPacket& p) { b_raw->send_audio(p.payload, 160); };
  RtpStream::Callbacks count;
  count.on_audio = [&echoes](const AudioPacket&) { ++echoes; };
  REQUIRE_FALSE(b->start(config(true), decoy.local_endpoint(), decoy.local_endpoint(), std::move(echo)));
  REQUIRE_FALSE(a->start(config(true), at(b->port()), at(b->port()), std::move(count)));
  for (int i = 0; i < 10; ++i) a->send_audio(frame, 160);
  // b delivers 9 (one on probation) and echoes them; a delivers 8.
  CHECK(run_until(io, [&] { return echoes == 8; }, 2s));
  CHECK(b->remote_rtp() == at(a->port()));
  std::array<std::uint8_t, 2048> buffer;
  boost::system::error_code ec;
  decoy.receive(asio::buffer(buffer), 0, ec);
  CHECK(ec == asio::error::would_block);
}

TEST_CASE("without rtcp-mux, RTCP reports cross on the ports after RTP's") {
  asio::io_context io;
  auto a = open_stream(io, false);
  auto b = open_stream(io, false);
  RtpSessionConfig c = config(false);
  // Reports within a fraction of a second instead of RTCP_MIN_TIME's 5 s.
  c.rtcp.minimum_interval = 0.2;
  c.rtcp.session_bandwidth = 1'000'000;
  const auto rtcp_of = [](const std::shared_ptr<RtpStream>& s) { return at(static_cast<std::uint16_t>(s->port() + 1)); };
  REQUIRE_FALSE(a->start(c, at(b->port()), rtcp_of(b), {}));
  REQUIRE_FALSE(b->start(c, at(a->port()), rtcp_of(a), {}));
  const auto reported = [&] {
    a->send_audio(frame, 160);
    b->send_audio(frame, 160);
    return a->session().remote_report().has_value() && b->session().remote_report().has_value();
  };
  CHECK(run_until(io, reported, 3s));
  CHECK(a->session().counters().rtcp_received > 0);
  CHECK(b->session().counters().rtcp_received > 0);
  CHECK(a->session().counters().dropped == 0);
  CHECK(b->session().counters().dropped == 0);
}

TEST_CASE("silence is reported once, after the inactivity timeout and not before") {
  asio::io_context io;
  auto a = open_stream(io, true);
  auto b = open_stream(io, true);
  RtpSessionConfig c = config(true);
  c.inactivity_timeout = 300ms;
  using SteadyClock = std::chrono::steady_clock;
  SteadyClock::time_point last_audio{}, silent_at{};
  std::size_t audio = 0, silences = 0;
  RtpStream::Callbacks callbacks;
  callbacks.on_audio = [&](const AudioPacket&) {
    ++audio;
    last_audio = SteadyClock::now();
  };
  callbacks.on_inactive = [&] {
    ++silences;
    silent_at = SteadyClock::now();
  };
  REQUIRE_FALSE(b->start(c, at(a->port()), at(a->port()), std::move(callbacks)));
  REQUIRE_FALSE(a->start(config(true), at(b->port()), at(b->port()), {}));
  // Packets 20 ms apart for 200 ms: each one moves b's inactivity deadline.
  for (int i = 0; i < 10; ++i) {
    a->send_audio(frame, 160);
    run_until(io, [] { return false; }, 20ms);
  }
  CHECK(run_until(io, [&] { return silences == 1; }, 2s));
  CHECK(audio == 9);
  CHECK(silent_at - last_audio >= 295ms);
  CHECK(silent_at - last_audio < 600ms);
  run_until(io, [] { return false; }, 400ms);
  CHECK(silences == 1);
}
