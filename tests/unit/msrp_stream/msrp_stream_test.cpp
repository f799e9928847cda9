// MsrpStream over loopback TCP and TLS: who connects decided from a=setup,
// the lifecycle notifications in order (DidInitialize, DidStart, WillEnd,
// DidEnd; DidFail when connecting fails or the peer goes), the bodiless
// binding SEND never handed on, and the chat and file-transfer streams
// running over it, a transfer cancelled by its sender mid-way included.
#include <doctest/doctest.h>

#include <dirent.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "msrp/chat.hpp"
#include "msrp/connection_role.hpp"
#include "msrp/file_receiver.hpp"
#include "msrp/file_transfer.hpp"
#include "msrp/msrp_stream.hpp"
#include "tests/unit/msrp_stream/stream_recorder.hpp"
#include "tests/unit/transport/test_pki.hpp"

using namespace cosip::msrp;
namespace asio = boost::asio;

namespace {

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

using cosip::test::run_until;

// One side: its stream and everything it reported.
struct Side : cosip::test::StreamRecorder {
  std::shared_ptr<MsrpStream> stream;

  Side(asio::io_context& io, const std::string& kind, const std::string& local_uri, std::uint64_t seed,
       std::shared_ptr<TlsContext> tls = nullptr, std::shared_ptr<ConnectionPool> pool = nullptr,
       std::shared_ptr<MsrpListener> listener = nullptr) {
    StreamConfig config = cosip::test::stream_config(kind, local_uri);
    config.tls = std::move(tls);
    config.pool = std::move(pool);
    config.listener = std::move(listener);
    stream = MsrpStream::create(io.get_executor(), config, counter(seed), callbacks());
  }
};

// Alice offers (actpass), bob answers (active, RFC 6135): bob connects.
void negotiate_and_start(asio::io_context& io, Side& alice, Side& bob) {
  const ConnectionRoles roles = decide_connector(offer_setup, answer_setup(offer_setup));
  REQUIRE(roles.error.empty());
  alice.stream->initialize(we_connect(roles.connector, true));
  bob.stream->initialize(we_connect(roles.connector, false));
  REQUIRE(alice.notifications == std::vector<std::string>{alice.notifications.at(0)});
  CHECK_MESSAGE(alice.notifications[0].ends_with("DidInitialize"), alice.notifications[0]);
  CHECK(alice.stream->local_uri().find(":2855/") == std::string::npos);  // the port chosen is in our a=path
  // Each learns the other's a=path from the SDP.
  alice.stream->start({bob.stream->local_uri()});
  bob.stream->start({alice.stream->local_uri()});
  REQUIRE(run_until(io, [&] { return alice.has("MSRPChatDidStart") || alice.has("MSRPFileTransferDidStart"); }));
  REQUIRE(run_until(io, [&] { return bob.stream->connection() != nullptr; }));
}

}  // namespace

TEST_CASE("msrp stream: chat over the connection a=setup chose, the lifecycle in order") {
  asio::io_context io;
  std::shared_ptr<TlsContext> alice_tls, bob_tls;
  std::string scheme = "msrp";
  cosip::test::TestPki pki;
  SUBCASE("over TCP") {}
  SUBCASE("over TLS") {
    scheme = "msrps";
    const cosip::test::CertFiles cert = pki.issue("alice", "IP:127.0.0.1");
    TlsConfig server;
    server.certificate_file = cert.certificate_file;
    server.private_key_file = cert.private_key_file;
    alice_tls = TlsContext::server(server);  // alice accepts
    TlsConfig client;
    client.ca_file = pki.ca_file();
    bob_tls = TlsContext::client(client);
  }
  Side alice(io, "MSRPChat", scheme + "://127.0.0.1:2855/alicechat1;tcp", 1, alice_tls);
  Side bob(io, "MSRPChat", scheme + "://127.0.0.1:9/bobchat1;tcp", 2, bob_tls);
  negotiate_and_start(io, alice, bob);
  CHECK(alice.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});
  CHECK(bob.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});

  ChatConfig alice_view{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"}, {"message/cpim"}, {}};
  ChatConfig bob_view{{"sip:bob@example.com", "Bob"}, {"sip:alice@example.com", "Alice"}, {"message/cpim"}, {}};
  ChatStream alice_chat(alice_view, alice.stream->connection()->session());
  ChatStream bob_chat(bob_view, bob.stream->connection()->session());
  std::string error;
  const auto id = alice_chat.send_message("Hello over the stream", "text/plain", {}, {},
                                          std::chrono::steady_clock::now(), error);
  REQUIRE(id);
  alice.stream->connection()->sync();
  REQUIRE(run_until(io, [&] { return alice.events.size() == 1 && bob.events.size() == 1; }));
  const auto at_bob = bob_chat.on_session_events(bob.events);
  REQUIRE(at_bob.size() == 1);  // the binding SEND was not handed on
  CHECK(at_bob[0].name == "MSRPChatGotMessage");
  CHECK(at_bob[0].content == "Hello over the stream");
  const auto at_alice = alice_chat.on_session_events(alice.events);
  REQUIRE(at_alice.size() == 1);
  CHECK(at_alice[0].name == "MSRPChatDidDeliverMessage");
  CHECK(at_alice[0].message_id == *id);

  alice.stream->end("session terminated");
  CHECK(alice.notifications ==
        std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart", "MSRPChatWillEnd",
                                 "MSRPChatDidEnd: session terminated"});
  // Bob's peer went away before bob ended his stream.
  REQUIRE(run_until(io, [&] { return bob.has("MSRPChatDidFail"); }));
  CHECK(bob.notifications.back() == "MSRPChatDidFail: the peer closed the connection");
}

TEST_CASE("msrp stream: what cannot start fails with the reason") {
  asio::io_context io;
  SUBCASE("nobody listens where the peer's path points") {
    // Bound but not listening: connecting is refused, and no other test
    // run in parallel can take the port meanwhile.
    asio::ip::tcp::socket probe(io, asio::ip::tcp::v4());
    probe.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t port = probe.local_endpoint().port();
    Side bob(io, "MSRPChat", "msrp://127.0.0.1:9/bobchat2;tcp", 3);
    bob.stream->initialize(true);
    bob.stream->start({"msrp://127.0.0.1:" + std::to_string(port) + "/alicechat2;tcp"});
    REQUIRE(run_until(io, [&] { return bob.has("MSRPChatDidFail"); }));
    CHECK(bob.notifications.back() ==
          "MSRPChatDidFail: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
  SUBCASE("the peer asks for TLS and none is configured") {
    Side bob(io, "MSRPChat", "msrp://127.0.0.1:9/bobchat3;tcp", 4);
    bob.stream->initialize(true);
    bob.stream->start({"msrps://127.0.0.1:5555/alicechat3;tcp"});
    CHECK(bob.notifications.back() ==
          "MSRPChatDidFail: the peer's path asks for TLS (msrps:) and no TLS is configured");
  }
  SUBCASE("through a relay nobody listens at: DidFail naming the relay, no DidInitialize") {
    // Bound but not listening: connecting is refused, and no other test
    // run in parallel can take the port meanwhile.
    asio::ip::tcp::socket probe(io, asio::ip::tcp::v4());
    probe.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t port = probe.local_endpoint().port();
    StreamConfig config;
    config.kind = "MSRPChat";
    config.session.local_uri = "msrp://127.0.0.1:9/bobchat6;tcp";
    config.relay = RelayConfig{};
    config.relay->relay_uri = "msrp://127.0.0.1:" + std::to_string(port) + ";tcp";
    std::vector<std::string> seen;
    auto stream = MsrpStream::create(io.get_executor(), config, counter(8),
                                     {[&](const StreamNotification& n) { seen.push_back(n.name + ": " + n.reason); },
                                      {}});
    stream->initialize(false);  // a=setup passive: through a relay, nothing listens either way
    REQUIRE(run_until(io, [&] { return !seen.empty(); }));
    CHECK(seen == std::vector<std::string>{"MSRPChatDidFail: cannot connect to the relay 127.0.0.1:" +
                                           std::to_string(port) + ": Connection refused"});
    CHECK(stream->connection() == nullptr);
  }
  SUBCASE("an msrps: relay and no TLS configured for it") {
    StreamConfig config;
    config.kind = "MSRPChat";
    config.session.local_uri = "msrp://127.0.0.1:9/bobchat7;tcp";
    config.relay = RelayConfig{};
    config.relay->relay_uri = "msrps://relay.example.com:2855;tcp";
    std::vector<std::string> seen;
    auto stream = MsrpStream::create(io.get_executor(), config, counter(9),
                                     {[&](const StreamNotification& n) { seen.push_back(n.name + ": " + n.reason); },
                                      {}});
    stream->initialize(true);
    CHECK(seen == std::vector<std::string>{"MSRPChatDidFail: the relay msrps://relay.example.com:2855;tcp is msrps: "
                                           "(TLS) and no TLS is configured for it"});
  }
  SUBCASE("a local URI whose host is a name cannot be listened on") {
    Side alice(io, "MSRPChat", "msrp://alice.example.com/alicechat4;tcp", 5);
    alice.stream->initialize(false);
    CHECK(alice.notifications.back() ==
          "MSRPChatDidFail: the local URI's host is not an IP address to listen on: \"alice.example.com\"");
  }
}

TEST_CASE("msrp stream: a file sent over it, and one cancelled by its sender mid-way") {
  asio::io_context io;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("cosip-stream-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "in");
  std::string content(3 << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  std::ofstream((dir / "big.bin").string(), std::ios::binary) << content;
  std::string error;
  const auto source = FileSource::open((dir / "big.bin").string(), "", error);
  REQUIRE(source);
  bool cancel = false;
  SUBCASE("whole") {}
  SUBCASE("cancelled by the sender") { cancel = true; }

  Side alice(io, "MSRPFileTransfer", "msrp://127.0.0.1:2855/alicefile5;tcp", 6);
  Side bob(io, "MSRPFileTransfer", "msrp://127.0.0.1:9/bobfile5;tcp", 7);
  negotiate_and_start(io, alice, bob);
  FileDescription offered;
  REQUIRE(decode_file_selector(encode_file_selector(source->description()), offered, error));
  OutgoingFileTransfer sending(
      source->description(), [&](std::uint64_t offset, std::span<char> out) { return source->read(offset, out); },
      alice.stream->connection()->session());
  IncomingFileTransfer receiving(
      offered, FileReceiver::create((dir / "in").string(), offered.name, offered.size, offered.sha1, error),
      bob.stream->connection()->session());
  std::vector<FileTransferNotification> sent, received;
  std::uint64_t received_bytes = 0;
  auto pump = [&] {
    sending.on_session_events(std::exchange(alice.events, {}));
    receiving.on_session_events(std::exchange(bob.events, {}));
    for (auto& n : sending.take_notifications()) sent.push_back(n);
    for (auto& n : receiving.take_notifications()) {
      if (n.name == "MSRPFileTransferGotProgress") received_bytes = n.transferred;
      received.push_back(n);
    }
    bob.stream->connection()->sync();  // a refusal (413) goes out
    return sending.finished() && receiving.finished();
  };
  sending.start(std::chrono::steady_clock::now());
  alice.stream->connection()->sync();
  if (cancel) {
    REQUIRE(run_until(io, [&] {
      pump();
      return received_bytes >= 1 << 20;
    }));
    sending.cancel(std::chrono::steady_clock::now());
    alice.stream->connection()->sync();
  }
  REQUIRE(run_until(io, pump));
  if (!cancel) {
    CHECK(received.back().name == "MSRPFileTransferGotFile");
    CHECK(sent.back().name == "MSRPFileTransferDidDeliverFile");
    std::ifstream in(received.back().path, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == content);
  } else {
    CHECK(received.back().name == "MSRPFileTransferDidFail");
    CHECK(received.back().reason == "the sender cancelled the transfer");
    CHECK(sent.back().name == "MSRPFileTransferDidNotDeliverFile");
    CHECK(sent.back().reason == "cancelled");
    CHECK(std::filesystem::is_empty(dir / "in"));  // no final file, no temporary one
  }
  alice.stream->end();
  bob.stream->end();
  CHECK(bob.notifications.back() == "MSRPFileTransferDidEnd: ended");
  std::filesystem::remove_all(dir);
}

TEST_CASE("connection pool: the peer a connection goes to") {
  const std::string a = "msrp://Host.Example.COM:2855/s1;TCP";
  const std::string b = "msrp://host.example.com/s2;tcp";
  const std::string secure = "msrps://host.example.com:2855/s3;tcp";
  const std::string other_port = "msrp://host.example.com:2856/s4;tcp";
  Uri ua, ub, us, up;
  REQUIRE(parse_uri(a, ua));
  REQUIRE(parse_uri(b, ub));
  REQUIRE(parse_uri(secure, us));
  REQUIRE(parse_uri(other_port, up));
  // The session-id is not part of it; the host and transport compare without case; no port is 2855.
  CHECK(peer_key(ua) == peer_key(ub));
  CHECK(peer_key(ua) == PeerKey{"host.example.com", 2855, "tcp", false});
  CHECK(peer_key(us) != peer_key(ub));
  CHECK(peer_key(up) != peer_key(ub));
  ConnectionPool pool;
  CHECK(pool.find(peer_key(ua)) == nullptr);
}

TEST_CASE("msrp stream: streams to the same peer share one connection through the pool") {
  asio::io_context io;
  // Alice's side by hand: a listener, and the one connection it accepts
  // shared by her two sessions (a SessionMux routes by To-Path).
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string authority = "msrp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  const std::string alice1 = authority + "/alicepool1;tcp";
  const std::string alice2 = authority + "/alicepool2;tcp";
  const std::string bob1_uri = "msrp://127.0.0.1:9/bobpool1;tcp";
  const std::string bob2_uri = "msrp://127.0.0.1:9/bobpool2;tcp";
  std::shared_ptr<MsrpConnection> alice;
  std::vector<std::string> at_alice1, at_alice2;  // bodies received
  std::string alice_closed;
  int accepted = 0;
  asio::ip::tcp::socket first(io), second(io);
  const auto alice_session = [&](const std::string& local, const std::string& remote,
                                 std::vector<std::string>& bodies, std::uint64_t seed) {
    SessionConfig config;
    config.local_uri = local;
    config.remote_path = {remote};
    REQUIRE(alice->add_session(local, std::make_unique<MsrpSession>(config, counter(seed)),
                               {[&bodies](const SessionEvent& e) {
                                  if (e.kind == SessionEvent::Kind::message_received && !e.body.empty())
                                    bodies.push_back(e.body);
                                },
                                [&](const std::string& reason) { alice_closed = reason; }}));
  };
  acceptor.async_accept(first, [&](boost::system::error_code ec) {
    REQUIRE(!ec);
    ++accepted;
    alice = MsrpConnection::create_shared(std::move(first));
    alice_session(alice1, bob1_uri, at_alice1, 21);
    alice_session(alice2, bob2_uri, at_alice2, 22);
    alice->start();
    // A second connection must never come.
    acceptor.async_accept(second, [&](boost::system::error_code ec) { accepted += ec ? 0 : 1; });
  });

  const auto pool = std::make_shared<ConnectionPool>();
  Side bob1(io, "MSRPChat", bob1_uri, 23, nullptr, pool);
  Side bob2(io, "MSRPChat", bob2_uri, 24, nullptr, pool);
  bob1.stream->initialize(true);
  bob2.stream->initialize(true);
  bob1.stream->start({alice1});
  REQUIRE(run_until(io, [&] { return bob1.stream->connection() != nullptr && alice != nullptr; }));
  bob2.stream->start({alice2});  // the pool has a connection to that peer now
  REQUIRE(bob2.stream->connection() != nullptr);
  CHECK(bob2.stream->connection() == bob1.stream->connection());
  CHECK(bob1.stream->connection()->session_count() == 2);
  CHECK(pool->size() == 1);
  CHECK(bob2.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});

  const auto send = [&](Side& side, const std::string& body) {
    OutgoingMessage message;
    message.content_type = "text/plain";
    message.body = body;
    REQUIRE(side.stream->session() != nullptr);
    side.stream->session()->send_message(std::move(message), std::chrono::steady_clock::now());
    side.stream->connection()->sync();
  };
  send(bob1, "one");
  send(bob2, "two");
  REQUIRE(run_until(io, [&] { return at_alice1.size() == 1 && at_alice2.size() == 1; }));
  CHECK(at_alice1[0] == "one");  // each session's message to its own session on the one connection
  CHECK(at_alice2[0] == "two");
  CHECK(accepted == 1);

  // Ending one stream detaches its session; the other goes on.
  bob1.stream->end("done");
  CHECK(bob1.notifications.back() == "MSRPChatDidEnd: done");
  REQUIRE(bob2.stream->connection() != nullptr);
  CHECK(bob2.stream->connection()->session_count() == 1);
  send(bob2, "three");
  REQUIRE(run_until(io, [&] { return at_alice2.size() == 2; }));
  CHECK(at_alice2[1] == "three");
  CHECK(!bob2.has("MSRPChatDidFail"));
  // The last one to end closes the connection.
  bob2.stream->end();
  REQUIRE(run_until(io, [&] { return !alice_closed.empty(); }));
  CHECK(alice_closed == "the peer closed the connection");
  CHECK(accepted == 1);
  CHECK(pool->find(PeerKey{"127.0.0.1", acceptor.local_endpoint().port(), "tcp", false}) == nullptr);
}

// The peer's side by hand, for the pool tests: a listener on loopback
// whose first connection becomes a shared MsrpConnection with no session
// (its sessions unknown: the streams' binding SENDs get 481, which they
// do not report); `accepted` counts every connection that comes.
struct PeerAcceptor {
  asio::ip::tcp::acceptor acceptor;
  std::string authority;  // "msrp://127.0.0.1:<port>"
  std::shared_ptr<MsrpConnection> connection;
  int accepted = 0;

  explicit PeerAcceptor(asio::io_context& io)
      : acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        authority("msrp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())) {
    accept();
  }
  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      ++accepted;
      if (!connection) {
        connection = MsrpConnection::create_shared(std::move(socket));
        connection->start();
      }
      accept();
    });
  }
};

// A chat and a file transfer to the same peer start together: the second
// waits for the connection the first is opening instead of dialling too.
TEST_CASE("msrp stream: streams started together to one peer open one connection") {
  asio::io_context io;
  const auto pool = std::make_shared<ConnectionPool>();
  SUBCASE("the peer accepts: both sessions on the one connection") {
    PeerAcceptor alice(io);
    const std::string& authority = alice.authority;
    Side chat(io, "MSRPChat", "msrp://127.0.0.1:9/bobtogether1;tcp", 31, nullptr, pool);
    Side file(io, "MSRPFileTransfer", "msrp://127.0.0.1:9/bobtogether2;tcp", 32, nullptr, pool);
    chat.stream->initialize(true);
    file.stream->initialize(true);
    chat.stream->start({authority + "/alicetogether1;tcp"});
    file.stream->start({authority + "/alicetogether2;tcp"});
    CHECK(file.stream->connection() == nullptr);  // waiting for the chat's dial
    REQUIRE(run_until(io, [&] { return chat.has("MSRPChatDidStart") && file.has("MSRPFileTransferDidStart"); }));
    REQUIRE(chat.stream->connection() != nullptr);
    CHECK(file.stream->connection() == chat.stream->connection());
    CHECK(chat.stream->connection()->session_count() == 2);
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
    CHECK(alice.accepted == 1);
    CHECK(file.notifications ==
          std::vector<std::string>{"MSRPFileTransferDidInitialize", "MSRPFileTransferDidStart"});
    chat.stream->end();
    file.stream->end();
  }
  SUBCASE("the connection is refused: each stream fails with the reason") {
    asio::ip::tcp::socket probe(io, asio::ip::tcp::v4());  // bound, not listening
    probe.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::string port = std::to_string(probe.local_endpoint().port());
    Side chat(io, "MSRPChat", "msrp://127.0.0.1:9/bobrefused1;tcp", 33, nullptr, pool);
    Side file(io, "MSRPFileTransfer", "msrp://127.0.0.1:9/bobrefused2;tcp", 34, nullptr, pool);
    chat.stream->initialize(true);
    file.stream->initialize(true);
    chat.stream->start({"msrp://127.0.0.1:" + port + "/alicerefused1;tcp"});
    file.stream->start({"msrp://127.0.0.1:" + port + "/alicerefused2;tcp"});
    REQUIRE(run_until(io, [&] { return chat.has("MSRPChatDidFail") && file.has("MSRPFileTransferDidFail"); }));
    CHECK(chat.notifications.back() == "MSRPChatDidFail: cannot connect to 127.0.0.1:" + port + ": Connection refused");
    CHECK(file.notifications.back() ==
          "MSRPFileTransferDidFail: cannot connect to 127.0.0.1:" + port + ": Connection refused");
    CHECK(pool->size() == 0);
  }
  SUBCASE("the stream dialling ends first: the waiting one dials itself") {
    PeerAcceptor alice(io);
    const std::string& authority = alice.authority;
    Side chat(io, "MSRPChat", "msrp://127.0.0.1:9/bobended1;tcp", 35, nullptr, pool);
    Side file(io, "MSRPFileTransfer", "msrp://127.0.0.1:9/bobended2;tcp", 36, nullptr, pool);
    chat.stream->initialize(true);
    file.stream->initialize(true);
    chat.stream->start({authority + "/aliceended1;tcp"});
    file.stream->start({authority + "/aliceended2;tcp"});
    chat.stream->end("changed my mind");
    REQUIRE(run_until(io, [&] { return file.has("MSRPFileTransferDidStart"); }));
    REQUIRE(file.stream->connection() != nullptr);
    CHECK(file.stream->connection()->session_count() == 1);
    CHECK(chat.notifications.back() == "MSRPChatDidEnd: changed my mind");
    file.stream->end();
  }
}

namespace {

// Sends `body` on the stream's session and writes it out.
void send_text(Side& side, const std::string& body) {
  OutgoingMessage message;
  message.content_type = "text/plain";
  message.body = body;
  REQUIRE(side.stream->session() != nullptr);
  side.stream->session()->send_message(std::move(message), std::chrono::steady_clock::now());
  side.stream->connection()->sync();
}

bool received(const Side& side, const std::string& body) {
  return std::any_of(side.events.begin(), side.events.end(), [&](const SessionEvent& e) {
    return e.kind == SessionEvent::Kind::message_received && e.body == body;
  });
}

}  // namespace

// The spec's MSRPConfiguration local_port: every accepting stream on one
// port. Bob's two streams share one connection (a pool), Carol's has its
// own; each session finds its stream, one claimed before its stream was
// started and one after.
TEST_CASE("msrp stream: accepting streams share one listener, a peer's sessions on one connection") {
  asio::io_context io;
  std::string error;
  const auto listener = MsrpListener::create(io.get_executor(), "127.0.0.1", 0, nullptr, error);
  REQUIRE_MESSAGE(listener != nullptr, error);
  const std::string port = ":" + std::to_string(listener->port()) + "/";
  Side alice1(io, "MSRPChat", "msrp://127.0.0.1:2855/alicelisten1;tcp", 41, nullptr, nullptr, listener);
  Side alice2(io, "MSRPChat", "msrp://127.0.0.1:2855/alicelisten2;tcp", 42, nullptr, nullptr, listener);
  Side alice3(io, "MSRPChat", "msrp://127.0.0.1/alicelisten3;tcp", 43, nullptr, nullptr, listener);
  for (Side* a : {&alice1, &alice2, &alice3}) {
    a->stream->initialize(false);
    CHECK(a->notifications == std::vector<std::string>{"MSRPChatDidInitialize"});
    CHECK_MESSAGE(a->stream->local_uri().find(port) != std::string::npos, a->stream->local_uri());
  }
  CHECK(listener->awaited() == 3);
  const auto pool = std::make_shared<ConnectionPool>();
  Side bob1(io, "MSRPChat", "msrp://127.0.0.1:9/boblisten1;tcp", 44, nullptr, pool);
  Side bob2(io, "MSRPChat", "msrp://127.0.0.1:9/boblisten2;tcp", 45, nullptr, pool);
  Side carol(io, "MSRPChat", "msrp://127.0.0.1:9/carollisten;tcp", 46);
  for (Side* b : {&bob1, &bob2, &carol}) b->stream->initialize(true);
  alice2.stream->start({bob2.stream->local_uri()});
  alice3.stream->start({carol.stream->local_uri()});
  bob1.stream->start({alice1.stream->local_uri()});
  bob2.stream->start({alice2.stream->local_uri()});
  carol.stream->start({alice3.stream->local_uri()});
  // Alice1 is not started yet: its session is made when bob1's binding
  // SEND comes, and answers it.
  REQUIRE(run_until(io, [&] {
    return alice1.stream->connection() != nullptr && alice2.has("MSRPChatDidStart") && alice3.has("MSRPChatDidStart");
  }));
  CHECK(listener->awaited() == 0);
  CHECK(alice1.notifications == std::vector<std::string>{"MSRPChatDidInitialize"});
  alice1.stream->start({bob1.stream->local_uri()});
  CHECK(alice1.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});
  CHECK(alice1.stream->connection() == alice2.stream->connection());
  CHECK(alice1.stream->connection()->session_count() == 2);
  CHECK(alice3.stream->connection() != alice1.stream->connection());

  send_text(alice1, "to bob1");
  send_text(alice2, "to bob2");
  send_text(alice3, "to carol");
  send_text(bob1, "to alice1");
  send_text(carol, "to alice3");
  REQUIRE(run_until(io, [&] {
    return received(bob1, "to bob1") && received(bob2, "to bob2") && received(carol, "to carol") &&
           received(alice1, "to alice1") && received(alice3, "to alice3");
  }));
  CHECK(!received(bob2, "to bob1"));
  CHECK(!received(alice2, "to alice1"));
  for (Side* s : {&alice1, &alice2, &alice3, &bob1, &bob2, &carol}) CHECK(!s->has("MSRPChatDidFail"));
  for (Side* s : {&alice1, &alice2, &alice3, &bob1, &bob2, &carol}) s->stream->end();
}

TEST_CASE("msrp stream: on a listener, a session-id nobody waits for gets 481") {
  asio::io_context io;
  std::string error;
  const auto listener = MsrpListener::create(io.get_executor(), "127.0.0.1", 0, nullptr, error);
  REQUIRE(listener != nullptr);
  const std::string authority = "msrp://127.0.0.1:" + std::to_string(listener->port());
  Side alice(io, "MSRPChat", "msrp://127.0.0.1/aliceended;tcp", 51, nullptr, nullptr, listener);
  alice.stream->initialize(false);
  CHECK(listener->awaited() == 1);
  SUBCASE("its stream ended before the peer came") {
    alice.stream->end();
    CHECK(listener->awaited() == 0);
  }
  SUBCASE("no stream was ever there") {}
  Side bob(io, "MSRPChat", "msrp://127.0.0.1:9/bobunknown;tcp", 52);
  bob.stream->initialize(true);
  bob.stream->start({authority + (alice.has("MSRPChatDidEnd") ? "/aliceended;tcp" : "/nosuchsession;tcp")});
  REQUIRE(run_until(io, [&] { return bob.has("MSRPChatDidStart"); }));
  send_text(bob, "anyone?");
  REQUIRE(run_until(io, [&] { return !bob.events.empty(); }));
  CHECK(bob.events[0].kind == SessionEvent::Kind::not_delivered);
  CHECK(bob.events[0].code == 481);
  bob.stream->end();
}

TEST_CASE("msrp stream: a TLS listener takes msrps: streams only") {
  asio::io_context io;
  cosip::test::TestPki pki;
  const cosip::test::CertFiles cert = pki.issue("alice", "IP:127.0.0.1");
  TlsConfig server;
  server.certificate_file = cert.certificate_file;
  server.private_key_file = cert.private_key_file;
  TlsConfig client;
  client.ca_file = pki.ca_file();
  std::string error;
  const auto listener = MsrpListener::create(io.get_executor(), "127.0.0.1", 0, TlsContext::server(server), error);
  REQUIRE(listener != nullptr);
  Side tcp(io, "MSRPChat", "msrp://127.0.0.1/alicetcp;tcp", 61, nullptr, nullptr, listener);
  tcp.stream->initialize(false);
  CHECK(tcp.notifications.back() == "MSRPChatDidFail: our URI is msrp: (TCP) and the listener is TLS");
  Side alice(io, "MSRPChat", "msrps://127.0.0.1/alicetls;tcp", 62, nullptr, nullptr, listener);
  Side bob(io, "MSRPChat", "msrps://127.0.0.1:9/bobtls;tcp", 63, TlsContext::client(client));
  alice.stream->initialize(false);
  bob.stream->initialize(true);
  alice.stream->start({bob.stream->local_uri()});
  bob.stream->start({alice.stream->local_uri()});
  REQUIRE(run_until(io, [&] { return alice.has("MSRPChatDidStart") && bob.has("MSRPChatDidStart"); }));
  send_text(alice, "over TLS");
  REQUIRE(run_until(io, [&] { return received(bob, "over TLS"); }));
  CHECK(MsrpListener::create(io.get_executor(), "127.0.0.1", listener->port(), nullptr, error) == nullptr);
  CHECK(error.find("cannot listen on 127.0.0.1:" + std::to_string(listener->port()) + ": ") == 0);
  alice.stream->end();
  bob.stream->end();
}

TEST_CASE("msrp stream: a listener closes a connection no session claims") {
  asio::io_context io;
  std::string error;
  const auto listener =
      MsrpListener::create(io.get_executor(), "127.0.0.1", 0, nullptr, error, std::chrono::milliseconds(200));
  REQUIRE(listener != nullptr);
  asio::ip::tcp::socket silent(io);
  silent.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener->port()));
  const auto start = std::chrono::steady_clock::now();
  char byte = 0;
  bool closed = false;
  silent.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t) {
    closed = ec == asio::error::eof;
  });
  REQUIRE(run_until(io, [&] { return closed; }));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(150));
}

// What a listener's connection brings before start(): a message is held
// and handed on after DidStart; a close fails the stream there and then.
TEST_CASE("msrp stream: on a listener, before start(): a message waits for DidStart, a close fails the stream") {
  asio::io_context io;
  std::string error;
  const auto listener = MsrpListener::create(io.get_executor(), "127.0.0.1", 0, nullptr, error);
  REQUIRE(listener != nullptr);
  Side alice(io, "MSRPChat", "msrp://127.0.0.1/aliceearly;tcp", 71, nullptr, nullptr, listener);
  Side bob(io, "MSRPChat", "msrp://127.0.0.1:9/bobearly;tcp", 72);
  alice.stream->initialize(false);
  bob.stream->initialize(true);
  bob.stream->start({alice.stream->local_uri()});
  REQUIRE(run_until(io, [&] { return bob.has("MSRPChatDidStart"); }));
  send_text(bob, "early");
  REQUIRE(run_until(io, [&] { return !bob.events.empty(); }));  // answered by alice's session
  CHECK(bob.events[0].kind == SessionEvent::Kind::delivered);
  CHECK(alice.events.empty());  // not before DidStart
  SUBCASE("start(): DidStart, then the message") {
    alice.stream->start({bob.stream->local_uri()});
    CHECK(alice.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});
    CHECK(received(alice, "early"));
  }
  SUBCASE("the peer goes first: DidFail, and start() does nothing") {
    bob.stream->end();
    REQUIRE(run_until(io, [&] { return alice.has("MSRPChatDidFail"); }));
    CHECK(alice.notifications ==
          std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidFail: the peer closed the connection"});
    alice.stream->start({bob.stream->local_uri()});
    CHECK(alice.notifications.size() == 2);
    CHECK(alice.events.empty());
  }
}

// A stream that joins a dial another made and ends inside its own
// DidStart must not take the dialer's connection with it.
TEST_CASE("msrp stream: a stream that joined a pooled dial and ends at once leaves the dialer's connection open") {
  asio::io_context io;
  PeerAcceptor alice(io);
  const std::string& authority = alice.authority;
  const auto pool = std::make_shared<ConnectionPool>();
  Side chat(io, "MSRPChat", "msrp://127.0.0.1:9/bobquick1;tcp", 81, nullptr, pool);
  StreamConfig config = cosip::test::stream_config("MSRPFileTransfer", "msrp://127.0.0.1:9/bobquick2;tcp");
  config.pool = pool;
  std::shared_ptr<MsrpStream> file;
  std::vector<std::string> file_notifications;
  file = MsrpStream::create(io.get_executor(), config, counter(82),
                            {[&](const StreamNotification& n) {
                               file_notifications.push_back(n.name);
                               if (n.name == "MSRPFileTransferDidStart") file->end("not wanted");
                             },
                             {}});
  chat.stream->initialize(true);
  file->initialize(true);
  chat.stream->start({authority + "/alicequick1;tcp"});
  file->start({authority + "/alicequick2;tcp"});
  REQUIRE(run_until(io, [&] { return chat.has("MSRPChatDidStart") && file_notifications.size() == 4; }));
  CHECK(file_notifications == std::vector<std::string>{"MSRPFileTransferDidInitialize", "MSRPFileTransferDidStart",
                                                       "MSRPFileTransferWillEnd", "MSRPFileTransferDidEnd"});
  REQUIRE(chat.stream->connection() != nullptr);
  CHECK(!chat.stream->connection()->closed());
  CHECK(chat.stream->connection()->session_count() == 1);
  CHECK(!chat.has("MSRPChatDidFail"));
  chat.stream->end();
}
