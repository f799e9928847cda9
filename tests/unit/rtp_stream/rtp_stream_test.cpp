// RtpStream, the Asio shell of an audio stream, over real UDP sockets on
// 127.0.0.1: ports bound as RFC 3550 §11 says, audio and digits across,
// symmetric RTP (RFC 4961) latching onto where the peer's packets really come
// from, and the RTCP BYE on stop.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rtp/rtp_stream.hpp"

using namespace cosip::rtp;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

RtpSessionConfig config() {
  RtpSessionConfig c;
  c.payload_type = 0;
  c.clock_rate = 8000;
  c.telephone_event_payload_type = 101;
  c.cname = "stream-test@127.0.0.1";
  return c;
}

// Sends a frame from each stream every 20 ms, `count` times.
void pace(asio::steady_timer& timer, std::vector<std::shared_ptr<RtpStream>> streams, int count) {
  if (count == 0) return;
  static const std::array<std::uint8_t, 160> frame{};
  for (auto& s : streams) s->send_audio(frame, 160);
  timer.expires_after(20ms);
  timer.async_wait([&timer, streams, count](boost::system::error_code ec) {
    if (!ec) pace(timer, streams, count - 1);
  });
}

}  // namespace

TEST_CASE("ports: an even RTP port and the next one for RTCP, or one port under mux") {
  asio::io_context io;
  std::string error;
  auto a = RtpStream::open(io.get_executor(), asio::ip::make_address("127.0.0.1"), false, 31001, 31999, error);
  REQUIRE(a);
  CHECK(a->port() % 2 == 0);
  CHECK(a->port() >= 31002);
  // The same range again cannot reuse a's pair.
  auto b = RtpStream::open(io.get_executor(), asio::ip::make_address("127.0.0.1"), false, a->port(), a->port() + 1, error);
  CHECK_FALSE(b);
  CHECK(error.find("no free pair of ports") != std::string::npos);
}

TEST_CASE("audio and a digit across loopback, and the callee latches onto the caller's real address") {
  asio::io_context io;
  std::string error;
  const auto local = asio::ip::make_address("127.0.0.1");
  auto a = RtpStream::open(io.get_executor(), local, false, 32000, 32999, error);
  auto b = RtpStream::open(io.get_executor(), local, false, 33000, 33999, error);
  REQUIRE(a);
  REQUIRE(b);
  int a_audio = 0, b_audio = 0;
  std::vector<TelephoneEventNotice> b_events;
  RtpStream::Callbacks ca, cb;
  ca.on_audio = [&](const AudioPacket& p) {
    ++a_audio;
    CHECK(p.payload.size() == 160);
  };
  cb.on_audio = [&](const AudioPacket&) { ++b_audio; };
  cb.on_event = [&](const TelephoneEventNotice& n) { b_events.push_back(n); };
  // b was told (by a stale SDP, say) to send to a port where nobody listens.
  const udp::endpoint wrong(local, 9);
  REQUIRE_FALSE(a->start(config(), {local, b->port()}, {local, static_cast<std::uint16_t>(b->port() + 1)}, ca));
  REQUIRE_FALSE(b->start(config(), wrong, wrong, cb));

  asio::steady_timer timer(io);
  pace(timer, {a, b}, 25);
  asio::steady_timer digit(io);
  digit.expires_after(100ms);
  digit.async_wait([&](boost::system::error_code) { CHECK(a->send_digit('7', 100ms)); });
  asio::steady_timer end_a(io), end_b(io);
  end_a.expires_after(700ms);
  end_a.async_wait([&](boost::system::error_code) { a->stop(); });
  end_b.expires_after(900ms);
  end_b.async_wait([&](boost::system::error_code) { b->stop(); });
  io.run_for(3s);

  CHECK(b->remote_rtp() == udp::endpoint(local, a->port()));  // RFC 4961: latched
  CHECK(b_audio >= 15);
  CHECK(a_audio >= 15);  // b's audio reached a only through the latch
  REQUIRE(b_events.size() == 2);
  CHECK(b_events[1].event == 7);
  CHECK(b->session().remote_left());  // a's BYE arrived before b stopped
}
