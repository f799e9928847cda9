// MsrpConnection over loopback TCP: two sessions chat through real sockets
// (a message of many chunks included), and a transfer cut by a connection
// reset is reported on both sides and never delivered.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <random>
#include <string>
#include <vector>

#include "msrp/msrp_connection.hpp"

using namespace cosip::msrp;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Kind = SessionEvent::Kind;

namespace {

std::function<std::uint64_t()> random_ids() {
  return [engine = std::mt19937_64(std::random_device{}())]() mutable { return engine(); };
}

struct Side {
  std::vector<SessionEvent> events;
  std::string closed;  // the reason, once closed
  std::shared_ptr<MsrpConnection> connection;
};

// Alice connects to Bob on loopback; `bob_socket` can set options on Bob's
// socket before it is handed over.
void connect_pair(asio::io_context& io, Side& alice, Side& bob, std::size_t chunk_size,
                  const std::function<void(tcp::socket&)>& bob_socket = {}) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  const std::string alice_uri = "msrp://127.0.0.1:1/alicesession;tcp";
  const std::string bob_uri = "msrp://127.0.0.1:" + std::to_string(port) + "/bobsession;tcp";
  const auto callbacks = [](Side& side) {
    return MsrpConnection::Callbacks{[&side](const SessionEvent& e) { side.events.push_back(e); },
                                     [&side](const std::string& reason) { side.closed = reason; }};
  };
  SessionConfig a;
  a.local_uri = alice_uri;
  a.remote_path = {bob_uri};
  a.chunk_size = chunk_size;
  SessionConfig b;
  b.local_uri = bob_uri;
  b.remote_path = {alice_uri};
  b.max_message_size = 64 * 1024 * 1024;
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  if (bob_socket) bob_socket(server);
  alice.connection = MsrpConnection::create(std::move(client), std::make_unique<MsrpSession>(a, random_ids()), callbacks(alice));
  bob.connection = MsrpConnection::create(std::move(server), std::make_unique<MsrpSession>(b, random_ids()), callbacks(bob));
  alice.connection->start();
  bob.connection->start();
}

// Runs the loop until `done` or 10 s.
void run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("msrp connection: chat both ways over loopback TCP, a long message in 2 KiB chunks") {
  asio::io_context io;
  Side alice, bob;
  connect_pair(io, alice, bob, 2048);
  std::string long_text(300 * 1024, '\0');
  for (std::size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>('a' + i % 26);
  OutgoingMessage hello{"text/plain", "Hello Bob", ReportRequest::no, ReportRequest::yes};
  OutgoingMessage big{"text/plain", long_text, ReportRequest::no, ReportRequest::yes};
  OutgoingMessage reply{"text/plain", "Hi Alice", ReportRequest::no, ReportRequest::yes};
  const std::string id1 = alice.connection->send_message(hello);
  const std::string id2 = alice.connection->send_message(big);
  const std::string id3 = bob.connection->send_message(reply);
  run_until(io, [&] { return alice.events.size() == 3 && bob.events.size() == 3; });
  REQUIRE(bob.events.size() == 3);
  REQUIRE(alice.events.size() == 3);
  std::vector<std::string> bob_got, alice_delivered;
  for (const SessionEvent& e : bob.events)
    if (e.kind == Kind::message_received) bob_got.push_back(e.body);
  CHECK(bob_got == std::vector<std::string>{"Hello Bob", long_text});
  for (const SessionEvent& e : alice.events)
    if (e.kind == Kind::delivered) alice_delivered.push_back(e.message_id);
  CHECK(alice_delivered == std::vector<std::string>{id1, id2});
  CHECK(std::count_if(alice.events.begin(), alice.events.end(),
                      [](const SessionEvent& e) { return e.kind == Kind::message_received && e.body == "Hi Alice"; }) == 1);
  CHECK(std::count_if(bob.events.begin(), bob.events.end(),
                      [&](const SessionEvent& e) { return e.kind == Kind::delivered && e.message_id == id3; }) == 1);
  CHECK(alice.closed.empty());
  alice.connection->close("done");
  run_until(io, [&] { return !bob.closed.empty(); });
  CHECK(bob.closed == "the peer closed the connection");
}

TEST_CASE("msrp connection: a transfer cut by a reset fails on both sides, nothing delivered") {
  asio::io_context io;
  Side alice, bob;
  connect_pair(io, alice, bob, 2048, [](tcp::socket& s) { s.set_option(asio::socket_base::linger(true, 0)); });
  OutgoingMessage big{"application/octet-stream", std::string(8 * 1024 * 1024, 'x'), ReportRequest::no,
                      ReportRequest::yes};
  const std::string id = alice.connection->send_message(big);
  // Bob's side goes away mid-transfer, with a reset (SO_LINGER 0).
  asio::steady_timer cut(io, std::chrono::milliseconds(1));
  cut.async_wait([&](boost::system::error_code) { bob.connection->close("reset by the test"); });
  run_until(io, [&] { return !alice.closed.empty() && !bob.closed.empty(); });
  CHECK(bob.closed == "reset by the test");
  CHECK(alice.closed.find("connection") != std::string::npos);
  CHECK(std::none_of(bob.events.begin(), bob.events.end(),
                     [](const SessionEvent& e) { return e.kind == Kind::message_received; }));
  REQUIRE(alice.events.size() == 1);
  CHECK(alice.events[0].kind == Kind::not_delivered);
  CHECK(alice.events[0].message_id == id);
  CHECK(alice.events[0].reason == alice.closed);
}

TEST_CASE("msrp connection: a peer that never answers: each message fails with 408 at its own deadline") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket silent = acceptor.accept();  // reads nothing, answers nothing
  SessionConfig a;
  a.local_uri = "msrp://127.0.0.1:1/alicesession;tcp";
  a.remote_path = {"msrp://127.0.0.1:2/bobsession;tcp"};
  a.transaction_timeout = std::chrono::milliseconds(150);
  Side alice;
  alice.connection = MsrpConnection::create(
      std::move(client), std::make_unique<MsrpSession>(a, random_ids()),
      MsrpConnection::Callbacks{[&alice](const SessionEvent& e) { alice.events.push_back(e); },
                                [&alice](const std::string& reason) { alice.closed = reason; }});
  alice.connection->start();
  const auto send = [&](const char* text) {
    return alice.connection->send_message({"text/plain", text, ReportRequest::no, ReportRequest::yes});
  };
  const std::string first = send("one");
  io.run_for(std::chrono::milliseconds(50));
  // Sent while the timer waits for the first deadline; after it fires it
  // must be armed again for this one.
  const std::string second = send("two");
  run_until(io, [&] { return alice.events.size() == 2; });
  // Sent after both failed: nothing armed, the timer is armed anew.
  const std::string third = send("three");
  run_until(io, [&] { return alice.events.size() == 3; });
  REQUIRE(alice.events.size() == 3);
  const std::string ids[] = {first, second, third};
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(alice.events[i].message_id == ids[i]);
    CHECK(alice.events[i].kind == Kind::not_delivered);
    CHECK(alice.events[i].code == 408);
  }
  CHECK(alice.closed.empty());
  alice.connection->close();
}
