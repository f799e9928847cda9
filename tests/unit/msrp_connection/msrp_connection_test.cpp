// MsrpConnection over loopback TCP and TLS: two sessions chat through real
// sockets (a message of many chunks included), a file of several MiB is
// streamed over TLS, a client refuses a certificate it cannot trust (or
// that names another host) with a clear reason, and a transfer cut by a
// connection reset is reported on both sides and never delivered.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "msrp/msrp_connection.hpp"
#include "tests/unit/transport/test_pki.hpp"

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
  std::function<void(const SessionEvent&)> on_event;  // also told each event
};

// TLS for a pair: Alice, who connects, is the client.
struct Tls {
  std::shared_ptr<TlsContext> alice;  // client
  std::shared_ptr<TlsContext> bob;    // server
  std::string bob_name;               // the name Alice expects; empty: Bob's address
};

struct PairOptions {
  std::size_t chunk_size = 2048;
  std::optional<Tls> tls;
  std::function<void(tcp::socket&)> bob_socket;        // options on Bob's socket before it is handed over
  std::function<void(SessionConfig&)> bob_config;      // changes to Bob's session
};

// Alice connects to Bob on loopback.
void connect_pair(asio::io_context& io, Side& alice, Side& bob, const PairOptions& options) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  const std::string transport = options.tls ? "msrps" : "msrp";
  const std::string alice_uri = transport + "://127.0.0.1:1/alicesession;tcp";
  const std::string bob_uri = transport + "://127.0.0.1:" + std::to_string(port) + "/bobsession;tcp";
  const auto callbacks = [](Side& side) {
    return MsrpConnection::Callbacks{[&side](const SessionEvent& e) {
                                       side.events.push_back(e);
                                       if (side.on_event) side.on_event(e);
                                     },
                                     [&side](const std::string& reason) { side.closed = reason; }};
  };
  SessionConfig a;
  a.local_uri = alice_uri;
  a.remote_path = {bob_uri};
  a.chunk_size = options.chunk_size;
  SessionConfig b;
  b.local_uri = bob_uri;
  b.remote_path = {alice_uri};
  b.max_message_size = 64 * 1024 * 1024;
  if (options.bob_config) options.bob_config(b);
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  if (options.bob_socket) options.bob_socket(server);
  auto alice_session = std::make_unique<MsrpSession>(a, random_ids());
  auto bob_session = std::make_unique<MsrpSession>(b, random_ids());
  if (options.tls) {
    alice.connection = MsrpConnection::create(std::move(client), options.tls->alice, options.tls->bob_name,
                                              std::move(alice_session), callbacks(alice));
    bob.connection =
        MsrpConnection::create(std::move(server), options.tls->bob, "", std::move(bob_session), callbacks(bob));
  } else {
    alice.connection = MsrpConnection::create(std::move(client), std::move(alice_session), callbacks(alice));
    bob.connection = MsrpConnection::create(std::move(server), std::move(bob_session), callbacks(bob));
  }
  alice.connection->start();
  bob.connection->start();
}

// A CA and a certificate for Bob at 127.0.0.1 and localhost.
struct Pki {
  cosip::test::TestPki ca;
  cosip::test::CertFiles bob = ca.issue("bob", "DNS:localhost,IP:127.0.0.1");

  Tls tls() const {
    TlsConfig client;
    client.ca_file = ca.ca_file();
    TlsConfig server;
    server.certificate_file = bob.certificate_file;
    server.private_key_file = bob.private_key_file;
    return Tls{TlsContext::client(client), TlsContext::server(server), ""};
  }
};

// Runs the loop until `done` or 10 s.
void run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
}

// Alice sends a short and a 300 KiB message (2 KiB chunks), Bob a short
// one; each is delivered once and reported delivered to its sender; then
// Alice closes and Bob sees a clean close.
void chat_both_ways(const std::optional<Tls>& tls) {
  asio::io_context io;
  Side alice, bob;
  PairOptions options;
  options.tls = tls;
  connect_pair(io, alice, bob, options);
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

}  // namespace

TEST_CASE("msrp connection: chat both ways over loopback TCP, a long message in 2 KiB chunks") {
  chat_both_ways(std::nullopt);
}

TEST_CASE("msrp connection: chat both ways over TLS (msrps), a long message in 2 KiB chunks") {
  const Pki pki;
  SUBCASE("the name is the peer's address") { chat_both_ways(pki.tls()); }
  SUBCASE("the name is a host name (SNI)") {
    Tls tls = pki.tls();
    tls.bob_name = "localhost";
    chat_both_ways(tls);
  }
}

TEST_CASE("msrp connection: a transfer cut by a reset fails on both sides, nothing delivered") {
  asio::io_context io;
  Side alice, bob;
  PairOptions options;
  options.bob_socket = [](tcp::socket& s) { s.set_option(asio::socket_base::linger(true, 0)); };
  connect_pair(io, alice, bob, options);
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

TEST_CASE("msrp connection: 8 MiB streamed over TLS arrive whole and in order") {
  const Pki pki;
  asio::io_context io;
  Side alice, bob;
  PairOptions options;
  options.chunk_size = 16 * 1024;
  options.tls = pki.tls();
  options.bob_config = [](SessionConfig& c) { c.stream_incoming = true; };
  connect_pair(io, alice, bob, options);
  const std::uint64_t size = 8 * 1024 * 1024 + 123;
  const auto byte_at = [](std::uint64_t i) { return static_cast<char>(i * 7 % 251); };
  OutgoingStream file;
  file.content_type = "application/octet-stream";
  file.size = size;
  file.read = [&](std::uint64_t offset, std::span<char> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = byte_at(offset + i);
    return out.size();
  };
  const std::string id = alice.connection->send_stream(file);
  run_until(io, [&] { return !alice.events.empty(); });
  REQUIRE(alice.events.size() == 1);
  CHECK(alice.events[0].kind == Kind::delivered);
  CHECK(alice.events[0].message_id == id);
  std::uint64_t next = 1;  // 1-based position of the next byte expected
  bool intact = true;
  // The pieces, then the message's end (message_received, with no body
  // when streamed).
  REQUIRE(!bob.events.empty());
  CHECK(bob.events.back().kind == Kind::message_received);
  CHECK(bob.events.back().message_id == id);
  bob.events.pop_back();
  for (const SessionEvent& e : bob.events) {
    REQUIRE(e.kind == Kind::chunk_received);
    CHECK(e.position == next);
    for (std::size_t i = 0; i < e.body.size(); ++i) intact = intact && e.body[i] == byte_at(next - 1 + i);
    next += e.body.size();
  }
  CHECK(next - 1 == size);
  CHECK(intact);
  CHECK(bob.closed.empty());
}

TEST_CASE("msrp connection: a TLS client refuses a certificate it cannot trust, and says why") {
  const Pki pki;
  const cosip::test::TestPki other_ca;
  Tls tls = pki.tls();
  TlsConfig client;
  std::string expected;
  SUBCASE("signed by a CA the client does not know") {
    client.ca_file = other_ca.ca_file();
    expected = "the certificate of '127.0.0.1' is not trusted: ";
    tls.alice = TlsContext::client(client);
  }
  SUBCASE("no CA file: the system's store does not know the test CA") {
    expected = "(checked against the system's CA store)";
    tls.alice = TlsContext::client(client);
  }
  SUBCASE("trusted, but for another name") {
    client.ca_file = pki.ca.ca_file();
    tls.alice = TlsContext::client(client);
    tls.bob_name = "example.com";
    expected = "the certificate of 'example.com' is not trusted: hostname mismatch";
  }
  asio::io_context io;
  Side alice, bob;
  PairOptions options;
  options.tls = tls;
  connect_pair(io, alice, bob, options);
  const std::string id = alice.connection->send_message({"text/plain", "secret", ReportRequest::no, ReportRequest::yes});
  run_until(io, [&] { return !alice.closed.empty() && !bob.closed.empty(); });
  INFO(alice.closed);
  CHECK(alice.closed.find(expected) != std::string::npos);
  if (!client.ca_file.empty())
    CHECK(alice.closed.find("(checked against CA file '" + client.ca_file + "')") != std::string::npos);
  REQUIRE(alice.events.size() == 1);
  CHECK(alice.events[0].kind == Kind::not_delivered);
  CHECK(alice.events[0].message_id == id);
  CHECK(alice.events[0].reason == alice.closed);
  CHECK(bob.closed.find("MSRP TLS handshake failed") != std::string::npos);
  CHECK(bob.events.empty());
}

TEST_CASE("msrp connection: with verification off, an unknown certificate is accepted") {
  const Pki pki;
  Tls tls = pki.tls();
  TlsConfig client;
  client.verify_peer = false;
  tls.alice = TlsContext::client(client);
  asio::io_context io;
  Side alice, bob;
  PairOptions options;
  options.tls = tls;
  connect_pair(io, alice, bob, options);
  const std::string id = alice.connection->send_message({"text/plain", "hi", ReportRequest::no, ReportRequest::yes});
  run_until(io, [&] { return !alice.events.empty() && !bob.events.empty(); });
  REQUIRE(alice.events.size() == 1);
  CHECK(alice.events[0].kind == Kind::delivered);
  REQUIRE(bob.events.size() == 1);
  CHECK(bob.events[0].body == "hi");
}

TEST_CASE("msrp connection: a TLS transfer cut by a TCP abort fails on both sides, nothing delivered") {
  const Pki pki;
  asio::io_context io;
  Side alice, bob;
  int bob_fd = -1;
  PairOptions options;
  options.tls = pki.tls();
  options.bob_socket = [&](tcp::socket& s) { bob_fd = s.native_handle(); };
  options.bob_config = [](SessionConfig& c) { c.stream_incoming = true; };
  connect_pair(io, alice, bob, options);
  OutgoingMessage big{"application/octet-stream", std::string(8 * 1024 * 1024, 'x'), ReportRequest::no,
                      ReportRequest::yes};
  // At Bob's first piece of the message, his TCP connection is torn down
  // under the TLS stream: connect(AF_UNSPEC) aborts the socket (Linux), so
  // neither side gets a close_notify.
  bool cut = false;
  bob.on_event = [&](const SessionEvent& e) {
    if (e.kind != Kind::chunk_received || cut) return;
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    cut = ::connect(bob_fd, &unspec, sizeof unspec) == 0;
  };
  const std::string id = alice.connection->send_message(big);
  run_until(io, [&] { return !alice.closed.empty() && !bob.closed.empty(); });
  INFO("alice: " << alice.closed << "; bob: " << bob.closed);
  CHECK(cut);
  CHECK(alice.closed.find("connection") != std::string::npos);
  CHECK(!bob.closed.empty());
  CHECK(alice.closed != "the peer closed the connection");  // not a clean close
  std::uint64_t bob_got = 0;
  for (const SessionEvent& e : bob.events) bob_got += e.body.size();
  CHECK(bob_got < big.body.size());
  CHECK(std::none_of(bob.events.begin(), bob.events.end(),
                     [](const SessionEvent& e) { return e.kind == Kind::message_received; }));
  REQUIRE(alice.events.size() == 1);
  CHECK(alice.events[0].kind == Kind::not_delivered);
  CHECK(alice.events[0].message_id == id);
  CHECK(alice.events[0].reason == alice.closed);
}

TEST_CASE("msrp connection: sessions to the same peer share one connection (RFC 4975 §6)") {
  const Pki pki;
  std::optional<Tls> tls;
  SUBCASE("over TCP") {}
  SUBCASE("over TLS") { tls = pki.tls(); }
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string scheme = tls ? "msrps" : "msrp";
  const std::string here = scheme + "://127.0.0.1:1/";
  const std::string there = scheme + "://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/";
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  auto alice = tls ? MsrpConnection::create_shared(std::move(client), tls->alice) : MsrpConnection::create_shared(std::move(client));
  auto bob = tls ? MsrpConnection::create_shared(std::move(server), tls->bob) : MsrpConnection::create_shared(std::move(server));
  // Alice's sessions a1, a2, a3 talk to Bob's b1, b2 and a b3 he does not have.
  std::map<std::string, Side> sides;
  const auto attach = [&](MsrpConnection& c, const std::string& local, const std::string& remote) {
    SessionConfig config;
    config.local_uri = local;
    config.remote_path = {remote};
    Side& side = sides[local];
    return c.add_session(local, std::make_unique<MsrpSession>(config, random_ids()),
                         {[&side](const SessionEvent& e) { side.events.push_back(e); },
                          [&side](const std::string& reason) { side.closed = reason; }});
  };
  for (const char* n : {"1", "2", "3"}) REQUIRE(attach(*alice, here + "alice" + n + ";tcp", there + "bob" + n + ";tcp"));
  for (const char* n : {"1", "2"}) REQUIRE(attach(*bob, there + "bob" + n + ";tcp", here + "alice" + n + ";tcp"));
  CHECK(!attach(*bob, there + "bob1;tcp", here + "alice1;tcp"));  // that session-id is attached already
  CHECK(bob->session_count() == 2);
  alice->start();
  bob->start();
  Side& a1 = sides[here + "alice1;tcp"];
  Side& a2 = sides[here + "alice2;tcp"];
  Side& a3 = sides[here + "alice3;tcp"];
  Side& b1 = sides[there + "bob1;tcp"];
  Side& b2 = sides[there + "bob2;tcp"];
  const std::string big(100 * 1024, 'q');  // many chunks, interleaved with the others'
  const std::string m1 = alice->send_message("alice1", {"text/plain", big, ReportRequest::no, ReportRequest::yes});
  const std::string m2 = alice->send_message("alice2", {"text/plain", "to b2", ReportRequest::no, ReportRequest::yes});
  const std::string m3 = alice->send_message("alice3", {"text/plain", "to nobody", ReportRequest::no, ReportRequest::yes});
  const std::string r2 = bob->send_message("bob2", {"text/plain", "from b2", ReportRequest::no, ReportRequest::yes});
  CHECK(alice->send_message("alice9", {"text/plain", "x", ReportRequest::no, ReportRequest::yes}).empty());
  run_until(io, [&] { return a1.events.size() == 1 && a2.events.size() == 2 && a3.events.size() == 1; });
  REQUIRE(b1.events.size() == 1);
  CHECK(b1.events[0].body == big);
  REQUIRE(b2.events.size() == 2);  // "to b2" received, "from b2" delivered
  CHECK(std::count_if(b2.events.begin(), b2.events.end(), [](const SessionEvent& e) { return e.body == "to b2"; }) == 1);
  CHECK(std::count_if(b2.events.begin(), b2.events.end(),
                      [&](const SessionEvent& e) { return e.kind == Kind::delivered && e.message_id == r2; }) == 1);
  REQUIRE(a1.events.size() == 1);
  CHECK(a1.events[0].kind == Kind::delivered);
  CHECK(a1.events[0].message_id == m1);
  CHECK(std::count_if(a2.events.begin(), a2.events.end(),
                      [&](const SessionEvent& e) { return e.kind == Kind::delivered && e.message_id == m2; }) == 1);
  CHECK(std::count_if(a2.events.begin(), a2.events.end(), [](const SessionEvent& e) { return e.body == "from b2"; }) == 1);
  // No b3 on Bob's side: 481.
  REQUIRE(a3.events.size() == 1);
  CHECK(a3.events[0].kind == Kind::not_delivered);
  CHECK(a3.events[0].message_id == m3);
  CHECK(a3.events[0].code == 481);

  // Bob ends b2: its messages now get 481, and b1 goes on.
  CHECK(bob->remove_session("bob2", "b2 ended"));
  CHECK(b2.closed == "b2 ended");
  CHECK(!bob->remove_session("bob2"));
  a2.events.clear();
  a1.events.clear();
  alice->send_message("alice2", {"text/plain", "late", ReportRequest::no, ReportRequest::yes});
  alice->send_message("alice1", {"text/plain", "still here", ReportRequest::no, ReportRequest::yes});
  run_until(io, [&] { return a1.events.size() == 1 && a2.events.size() == 1; });
  REQUIRE(a2.events.size() == 1);
  CHECK(a2.events[0].code == 481);
  REQUIRE(a1.events.size() == 1);
  CHECK(a1.events[0].kind == Kind::delivered);
  REQUIRE(b1.events.size() == 2);
  CHECK(b1.events[1].body == "still here");

  // Closing the connection ends every session on it, on both sides.
  alice->close("done");
  run_until(io, [&] { return !b1.closed.empty(); });
  CHECK(a1.closed == "done");
  CHECK(a2.closed == "done");
  CHECK(a3.closed == "done");
  CHECK(b1.closed == "the peer closed the connection");
  CHECK(b2.closed == "b2 ended");  // told once, when it was removed
  CHECK(!alice->remove_session("alice1"));  // closed: told already
  CHECK(a1.closed == "done");
}

TEST_CASE("msrp connection: a peer that never answers: each message fails with 408, in order") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket silent = acceptor.accept();  // reads nothing, answers nothing
  SessionConfig config;
  config.local_uri = "msrp://127.0.0.1:1/alicesession;tcp";
  config.remote_path = {"msrp://127.0.0.1:2/bobsession;tcp"};
  config.transaction_timeout = std::chrono::milliseconds(100);
  Side alice;
  alice.connection = MsrpConnection::create(
      std::move(client), std::make_unique<MsrpSession>(config, random_ids()),
      {[&](const SessionEvent& e) { alice.events.push_back(e); }, [&](const std::string& r) { alice.closed = r; }});
  alice.connection->start();
  // The second is sent while the first is pending, the third after both
  // failed: the timer, armed for the first, wakes again for the second,
  // then is armed anew for the third.
  const std::string first = alice.connection->send_message({"text/plain", "one", ReportRequest::no, ReportRequest::yes});
  io.run_for(std::chrono::milliseconds(30));
  const std::string second = alice.connection->send_message({"text/plain", "two", ReportRequest::no, ReportRequest::yes});
  run_until(io, [&] { return alice.events.size() == 2; });
  const std::string third = alice.connection->send_message({"text/plain", "three", ReportRequest::no, ReportRequest::yes});
  run_until(io, [&] { return alice.events.size() == 3; });
  REQUIRE(alice.events.size() == 3);
  CHECK(alice.events[0].message_id == first);
  CHECK(alice.events[0].code == 408);
  CHECK(alice.events[1].message_id == second);
  CHECK(alice.events[1].code == 408);
  CHECK(alice.events[2].message_id == third);
  CHECK(alice.events[2].code == 408);
  CHECK(alice.closed.empty());
}

TEST_CASE("msrp connection: a TLS context that cannot be loaded names the file") {
  const auto message = [](const std::function<void()>& make) {
    try {
      make();
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  TlsConfig config;
  config.ca_file = "/nonexistent/ca.pem";
  CHECK(message([&] { TlsContext::client(config); }).find("cannot load CA file '/nonexistent/ca.pem'") != std::string::npos);
  TlsConfig server;
  CHECK(message([&] { TlsContext::server(server); }) ==
        "MSRP TLS: the accepting side needs certificate_file and private_key_file");
  server.certificate_file = "/nonexistent/cert.pem";
  server.private_key_file = "/nonexistent/key.pem";
  CHECK(message([&] { TlsContext::server(server); }).find("cannot load certificate file '/nonexistent/cert.pem'") !=
        std::string::npos);
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

// A peer that writes faster than the connection reads: the bytes are
// there before the connection starts, so its reads are large and it polls
// the socket between them (MsrpConnection::poll_read). What ends the
// stream is reported the same way there: a FIN after a whole message, a
// reset in the middle of one.
TEST_CASE("msrp connection: a bulk transfer read by polling the socket, ended by a FIN or a reset") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket peer = acceptor.accept();
  const std::string alice_uri = "msrp://127.0.0.1:1/alicesession;tcp";
  const std::string bob_uri = "msrp://127.0.0.1:2/bobsession;tcp";
  // The peer's bytes: 4 MiB in 64 KiB chunks, as a session writes them.
  std::string body(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i * 7 % 26);
  SessionConfig p;
  p.local_uri = bob_uri;
  p.remote_path = {alice_uri};
  p.chunk_size = 64 * 1024;
  MsrpSession peer_session(p, random_ids());
  peer_session.send_message({"application/octet-stream", body, ReportRequest::no, ReportRequest::yes},
                            std::chrono::steady_clock::now());
  const std::string bytes = peer_session.take_output();
  REQUIRE(bytes.size() > body.size());

  bool reset = false;
  SUBCASE("the whole message, then a FIN") {}
  SUBCASE("half the message, then a reset") { reset = true; }
  std::thread writer([&] {
    boost::system::error_code ec;
    asio::write(peer, asio::buffer(bytes.data(), reset ? bytes.size() / 2 : bytes.size()), ec);
    if (reset) {
      peer.set_option(asio::socket_base::linger(true, 0), ec);
      peer.close(ec);
    } else {
      peer.shutdown(tcp::socket::shutdown_send, ec);
    }
  });
  // Room for more than one bulk read, filled before the connection reads.
  client.set_option(asio::socket_base::receive_buffer_size(1 << 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SessionConfig a;
  a.local_uri = alice_uri;
  a.remote_path = {bob_uri};
  a.max_message_size = body.size();
  Side alice;
  alice.connection = MsrpConnection::create(
      std::move(client), std::make_unique<MsrpSession>(a, random_ids()),
      {[&](const SessionEvent& e) { alice.events.push_back(e); }, [&](const std::string& r) { alice.closed = r; }});
  alice.connection->start();
  run_until(io, [&] { return !alice.closed.empty(); });
  if (alice.closed.empty()) ::shutdown(peer.native_handle(), SHUT_RDWR);  // stuck: free the writer, then fail
  writer.join();
  REQUIRE(!alice.closed.empty());
  CHECK(alice.connection->bulk_reads() > 0);  // the polling path was taken
  const auto received = std::count_if(alice.events.begin(), alice.events.end(), [&](const SessionEvent& e) {
    return e.kind == Kind::message_received && e.body == body;
  });
  if (reset) {
    CHECK(alice.closed.starts_with("connection error: "));
    CHECK(alice.events.empty());
  } else {
    CHECK(received == 1);
    CHECK(alice.closed == "the peer closed the connection");
  }
}
