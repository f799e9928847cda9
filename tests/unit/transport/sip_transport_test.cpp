// Transport layer tests (RFC 3261 §18) on real sockets: 127.0.0.1 and ::1,
// ephemeral ports, every wait bounded so a bug fails instead of hanging.
// Raw Asio sockets play the peer where the test needs to see the bytes.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include "sip/transport/transport_layer.hpp"
#include "test_pki.hpp"

namespace {

namespace asio = boost::asio;
using namespace cosip::sip;
using namespace std::chrono_literals;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

const asio::ip::address v4 = asio::ip::make_address("127.0.0.1");
const asio::ip::address v6 = asio::ip::make_address("::1");

std::string request(const std::string& call_id = "a84b4c76e66710", const std::string& body = "") {
  return "OPTIONS sip:bob@example.com SIP/2.0\r\n"
         "Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK776asdhds\r\n"
         "Max-Forwards: 70\r\n"
         "To: <sip:bob@example.com>\r\n"
         "From: <sip:alice@example.com>;tag=1928301774\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: 63104 OPTIONS\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string response(const std::string& call_id = "a84b4c76e66710") {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK776asdhds\r\n"
         "To: <sip:bob@example.com>;tag=93810874\r\n"
         "From: <sip:alice@example.com>;tag=1928301774\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: 63104 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

tcp::endpoint tcp_endpoint(const TransportAddress& a) { return {a.address, a.port}; }
udp::endpoint udp_endpoint(const TransportAddress& a) { return {a.address, a.port}; }

// Runs a test coroutine on its own io_context; fails when it does not end in time.
void run(const std::function<asio::awaitable<void>(asio::any_io_executor)>& body,
         std::chrono::milliseconds limit = 5s) {
  asio::io_context io;
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, body(io.get_executor()), [&](std::exception_ptr e) {
    done = true;
    failure = e;
  });
  io.run_for(limit);
  REQUIRE_MESSAGE(done, "the test did not finish in time");
  if (failure) std::rethrow_exception(failure);
}

// What handlers push and the test awaits, with a deadline.
template <typename T>
struct Inbox {
  explicit Inbox(const asio::any_io_executor& ex) : signal(ex) {}
  std::deque<T> items;
  asio::steady_timer signal;

  void push(T item) {
    items.push_back(std::move(item));
    signal.cancel();
  }
  asio::awaitable<T> next(std::chrono::milliseconds limit = 2s) {
    const auto deadline = Clock::now() + limit;
    while (items.empty()) {
      REQUIRE_MESSAGE(Clock::now() < deadline, "nothing arrived in time");
      signal.expires_at(deadline);
      co_await signal.async_wait(use_tuple);
    }
    T item = std::move(items.front());
    items.pop_front();
    co_return item;
  }
};

struct Closed {
  ConnectionId id;
  TransportAddress peer;
  error_code reason;
};

// A ReceivedMessage with its bytes copied out of the layer's buffer.
struct Received {
  explicit Received(const ReceivedMessage& m)
      : bytes(m.bytes), source(m.source), local(m.local), connection(m.connection) {}
  std::string bytes;
  TransportAddress source;
  TransportAddress local;
  ConnectionId connection;

  Transport transport() const { return source.transport; }
};

struct SendError {
  std::uint64_t tag;
  error_code reason;
};

// A layer with its messages, connection closes and send() failures collected.
struct Node {
  Node(const asio::any_io_executor& ex, TransportConfig config = {})
      : layer(ex, std::move(config)), messages(ex), closes(ex), send_errors(ex) {
    layer.set_message_handler([this](const ReceivedMessage& m) { messages.push(Received(m)); });
    layer.set_close_handler(
        [this](ConnectionId id, const TransportAddress& peer, error_code reason) { closes.push({id, peer, reason}); });
    layer.set_send_error_handler([this](std::uint64_t tag, error_code reason) { send_errors.push({tag, reason}); });
  }
  TransportLayer layer;
  Inbox<Received> messages;
  Inbox<Closed> closes;
  Inbox<SendError> send_errors;
};

// Reads until `enough(data)`, the end of the stream, an error or the time limit
// (asio::error::timed_out).
asio::awaitable<std::pair<std::string, error_code>> read_some_until(
    tcp::socket& socket, const std::function<bool(const std::string&)>& enough, std::chrono::milliseconds limit = 2s) {
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(limit);
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<State>();
  timer.async_wait([state, &socket](error_code ec) {
    if (ec || state->done) return;  // the read ended first (and `socket` may be gone)
    state->timed_out = true;
    socket.cancel();
  });
  std::string data;
  std::array<char, 4096> buffer;
  error_code result;
  while (!enough(data)) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
    data.append(buffer.data(), n);
    if (ec) {
      result = state->timed_out ? error_code(asio::error::timed_out) : ec;
      break;
    }
  }
  state->done = true;
  timer.cancel();
  co_return std::pair{data, result};
}

auto at_least(std::size_t n) {
  return [n](const std::string& data) { return data.size() >= n; };
}
bool never(const std::string&) { return false; }

bool closed_by_peer(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

// A port nothing listens on (bound once, then released).
std::uint16_t free_port(const asio::any_io_executor& ex, const asio::ip::address& address) {
  tcp::acceptor a(ex, tcp::endpoint(address, 0));
  return a.local_endpoint().port();
}

}  // namespace

TEST_CASE("transport names and addresses") {
  CHECK(to_string(Transport::udp) == "UDP");
  CHECK(to_string(Transport::tls) == "TLS");
  CHECK(is_reliable(Transport::tcp));
  CHECK(!is_reliable(Transport::udp));
  CHECK(to_string(TransportAddress{Transport::tcp, v4, 5060}) == "tcp:127.0.0.1:5060");
  CHECK(to_string(TransportAddress{Transport::tls, v6, 5061}) == "tls:[::1]:5061");
  const error_code ec = TransportErrc::idle_timeout;
  CHECK(ec.category() == transport_category());
  CHECK(ec.message() == "connection idle for too long");
}

TEST_CASE("UDP round trip over IPv4 and IPv6, symmetric ports") {
  for (const auto& address : {v4, v6}) {
    CAPTURE(address.to_string());
    run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      Node a(ex), b(ex);
      const TransportAddress la = a.layer.listen(Transport::udp, address);
      const TransportAddress lb = b.layer.listen(Transport::udp, address, 0);
      CHECK(la.port != 0);
      CHECK(la.address == address);

      // Keep-alives and tiny datagrams are dropped.
      udp::socket raw(ex, udp::endpoint(address, 0));
      co_await raw.async_send_to(asio::buffer(std::string("\r\n\r\n")), udp_endpoint(lb), use_tuple);
      co_await raw.async_send_to(asio::buffer(std::string(40, '\n')), udp_endpoint(lb), use_tuple);
      co_await raw.async_send_to(asio::buffer(std::string("x")), udp_endpoint(lb), use_tuple);

      auto [ec, id] = co_await a.layer.async_send({lb}, request(), use_tuple);
      CHECK(!ec);
      CHECK(id == 0);
      const Received m = co_await b.messages.next();
      CHECK(m.bytes == request());
      CHECK(m.source == la);  // sent from the listening socket (RFC 3581)
      CHECK(m.local == lb);
      CHECK(m.connection == 0);
      CHECK(m.transport() == Transport::udp);

      auto [ec2, id2] = co_await b.layer.async_send({m.source}, response(), use_tuple);
      CHECK(!ec2);
      const Received r = co_await a.messages.next();
      CHECK(r.bytes == response());
      CHECK(r.source == lb);
      CHECK(b.messages.items.empty());
    });
  }
}

TEST_CASE("UDP send(): datagrams go out in order, with nothing to complete on success") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node a(ex), b(ex);
    a.layer.listen(Transport::udp, v4);
    const TransportAddress lb = b.layer.listen(Transport::udp, v4);
    // More than one receive batch, sent before the receiver gets a turn
    // (and few enough for the receiver's socket buffer).
    for (int i = 0; i < 100; ++i) a.layer.send({lb}, request("call-" + std::to_string(i)), 7);
    for (int i = 0; i < 100; ++i) CHECK((co_await b.messages.next()).bytes == request("call-" + std::to_string(i)));
    CHECK(a.send_errors.items.empty());
  });
}

TEST_CASE("UDP without a listener of the destination's family") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    TransportLayer layer(ex);
    layer.listen(Transport::udp, v4);
    auto [ec, id] = co_await layer.async_send({{Transport::udp, v6, 5060}}, request(), use_tuple);
    CHECK(ec == TransportErrc::no_listener);

    // send() tells the send-error handler, with the tag, never inside the call.
    Node node(ex);
    node.layer.listen(Transport::udp, v4);
    node.layer.send({{Transport::udp, v6, 5060}}, request(), 42);
    node.layer.send({{Transport::udp, v6, 5060}}, request(), 0);  // tag 0: not reported
    CHECK(node.send_errors.items.empty());
    const SendError e = co_await node.send_errors.next();
    CHECK(e.tag == 42);
    CHECK(e.reason == TransportErrc::no_listener);
    node.layer.send({{Transport::udp, v6, 5060}}, request(), 43);
    node.layer.close();  // nothing reported once closed
    asio::steady_timer pause(ex, 50ms);
    co_await pause.async_wait(use_tuple);
    CHECK(node.send_errors.items.empty());
  });
}

TEST_CASE("binding a port in use throws") {
  asio::io_context io;
  TransportLayer a(io.get_executor()), b(io.get_executor());
  const TransportAddress tcp_local = a.listen(Transport::tcp, v4);
  const TransportAddress udp_local = a.listen(Transport::udp, v6);
  CHECK_THROWS_AS(b.listen(Transport::tcp, v4, tcp_local.port), boost::system::system_error);
  CHECK_THROWS_AS(b.listen(Transport::udp, v6, udp_local.port), boost::system::system_error);
  CHECK_THROWS_AS(b.listen(Transport::tls, v4), boost::system::system_error);  // no certificate
  CHECK(a.listeners().size() == 2);
  CHECK(b.listeners().empty());
}

TEST_CASE("TCP: a message in small pieces and two pipelined messages arrive whole") {
  for (const auto& address : {v4, v6}) {
    CAPTURE(address.to_string());
    run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      Node server(ex);
      const TransportAddress local = server.layer.listen(Transport::tcp, address);
      tcp::socket client(ex);
      auto [cec] = co_await client.async_connect(tcp_endpoint(local), use_tuple);
      REQUIRE(!cec);
      client.set_option(tcp::no_delay(true));

      const std::string message = request("pieces", "hello, body");
      asio::steady_timer pause(ex);
      for (std::size_t i = 0; i < message.size(); i += 13) {
        co_await asio::async_write(client, asio::buffer(message.substr(i, 13)), use_tuple);
        pause.expires_after(1ms);
        co_await pause.async_wait(use_tuple);
      }
      const Received m = co_await server.messages.next();
      CHECK(m.bytes == message);
      CHECK(m.connection != 0);
      CHECK(m.transport() == Transport::tcp);
      CHECK(m.source.address == address);
      CHECK(m.source.port == client.local_endpoint().port());
      CHECK(m.local == local);

      co_await asio::async_write(client, asio::buffer(request("two") + "\r\n" + request("three", "xyz")), use_tuple);
      const Received m2 = co_await server.messages.next();
      const Received m3 = co_await server.messages.next();
      CHECK(m2.bytes == request("two"));
      CHECK(m3.bytes == request("three", "xyz"));
      CHECK(m2.connection == m.connection);
      CHECK(m3.connection == m.connection);
      CHECK(server.layer.connection_count() == 1);
      CHECK(server.layer.connection_peer(m.connection) == m.source);
    });
  }
}

TEST_CASE("TCP: a double-CRLF ping gets a CRLF pong") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node server(ex);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket client(ex);
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    co_await asio::async_write(client, asio::buffer(std::string("\r\n\r\n")), use_tuple);
    auto [pong, ec] = co_await read_some_until(client, at_least(2));
    CHECK(!ec);
    CHECK(pong == "\r\n");
    auto [more, ec2] = co_await read_some_until(client, at_least(1), 50ms);
    CHECK(ec2 == asio::error::timed_out);  // one pong, nothing else
    CHECK(more.empty());
    // The connection stays usable.
    co_await asio::async_write(client, asio::buffer(request()), use_tuple);
    CHECK((co_await server.messages.next()).bytes == request());
  });
}

TEST_CASE("TCP: a framing error closes the connection") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node server(ex);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket client(ex);
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    std::string bad = request();
    bad.replace(bad.find("Content-Length: 0"), 17, "Content-Length: abc");
    co_await asio::async_write(client, asio::buffer(bad), use_tuple);
    auto [data, ec] = co_await read_some_until(client, never);
    CHECK(data.empty());
    CHECK(closed_by_peer(ec));
    const Closed closed = co_await server.closes.next();
    CHECK(closed.reason == TransportErrc::framing_error);
    CHECK(closed.peer.port == client.local_endpoint().port());
    CHECK(server.messages.items.empty());
    CHECK(server.layer.connection_count() == 0);
  });
}

TEST_CASE("TCP: a peer cannot make the layer buffer more than max_message_size") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    TransportConfig config;
    config.limits.max_message_size = 1000;
    Node server(ex, config);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket client(ex);
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    // A header section that never ends.
    std::string endless = "OPTIONS sip:bob@example.com SIP/2.0\r\n";
    while (endless.size() < 3000) endless += "X-Filler: 0123456789abcdef\r\n";
    co_await asio::async_write(client, asio::buffer(endless), use_tuple);
    auto [data, ec] = co_await read_some_until(client, never);
    CHECK(closed_by_peer(ec));
    CHECK((co_await server.closes.next()).reason == TransportErrc::framing_error);
    CHECK(server.messages.items.empty());
  });
}

TEST_CASE("TCP: a response sent with the connection id goes back on that connection") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node server(ex);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket client(ex);
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    co_await asio::async_write(client, asio::buffer(request()), use_tuple);
    const Received m = co_await server.messages.next();

    auto [ec, id] = co_await server.layer.async_send({m.source, m.connection}, response(), use_tuple);
    CHECK(!ec);
    CHECK(id == m.connection);
    auto [data, rec] = co_await read_some_until(client, at_least(response().size()));
    CHECK(!rec);
    CHECK(data == response());
    CHECK(server.layer.connection_count() == 1);

    // Once the peer has gone, the id alone names nothing.
    client.close();
    const Closed closed = co_await server.closes.next();
    CHECK(closed.id == m.connection);
    CHECK(closed_by_peer(closed.reason));
    auto [ec2, id2] =
        co_await server.layer.async_send({{Transport::tcp, {}, 0}, m.connection}, response(), use_tuple);
    CHECK(ec2 == TransportErrc::connection_closed);
    server.layer.send({{Transport::tcp, {}, 0}, m.connection}, response(), 5);
    const SendError e = co_await server.send_errors.next();
    CHECK(e.tag == 5);
    CHECK(e.reason == TransportErrc::connection_closed);
  });
}

TEST_CASE("TCP: two sends to one address share a connection, which carries answers back") {
  for (const auto& address : {v4, v6}) {
    CAPTURE(address.to_string());
    run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      Node client(ex), server(ex);
      const TransportAddress local = server.layer.listen(Transport::tcp, address);
      // Both sends start before the connection is up.
      std::vector<std::pair<error_code, ConnectionId>> done;
      auto record = [&](error_code ec, ConnectionId id) { done.emplace_back(ec, id); };
      client.layer.async_send({local}, request("one"), record);
      client.layer.async_send({local}, request("two"), record);
      CHECK(done.empty());  // completions never run inside async_send
      const Received m1 = co_await server.messages.next();
      const Received m2 = co_await server.messages.next();
      CHECK(m1.bytes == request("one"));
      CHECK(m2.bytes == request("two"));
      CHECK(m1.connection == m2.connection);
      CHECK(client.layer.connection_count() == 1);
      CHECK(server.layer.connection_count() == 1);

      auto [ec, id] = co_await server.layer.async_send({m1.source, m1.connection}, response(), use_tuple);
      CHECK(!ec);
      const Received r = co_await client.messages.next();
      CHECK(r.bytes == response());
      CHECK(r.source == local);
      REQUIRE(done.size() == 2);
      CHECK(!done[0].first);
      CHECK(!done[1].first);
      CHECK(done[0].second != 0);
      CHECK(done[0].second == done[1].second);
      CHECK(r.connection == done[0].second);

      auto [ec3, id3] = co_await client.layer.async_send({local}, request("three"), use_tuple);
      CHECK(!ec3);
      CHECK(id3 == done[0].second);
      CHECK((co_await server.messages.next()).connection == m1.connection);
    });
  }
}

TEST_CASE("TCP: an idle connection is closed") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    TransportConfig config;
    config.idle_timeout = 150ms;
    Node server(ex, config);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket client(ex);
    const auto start = Clock::now();
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    auto [data, ec] = co_await read_some_until(client, never);
    CHECK(ec == asio::error::eof);
    CHECK(Clock::now() - start >= 140ms);
    CHECK((co_await server.closes.next()).reason == TransportErrc::idle_timeout);
  });
}

TEST_CASE("TCP: connecting to a closed port reports the error") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node client(ex);
    const TransportAddress nowhere{Transport::tcp, v4, free_port(ex, v4)};
    auto [ec, id] = co_await client.layer.async_send({nowhere}, request(), use_tuple);
    CHECK(ec == asio::error::connection_refused);
    CHECK(id != 0);
    const Closed closed = co_await client.closes.next();
    CHECK(closed.id == id);
    CHECK(closed.peer == nowhere);
    CHECK(client.layer.connection_count() == 0);
  });
}

TEST_CASE("TCP: the connection cap") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    TransportConfig config;
    config.max_connections = 1;
    Node server(ex, config);
    const TransportAddress local = server.layer.listen(Transport::tcp, v4);
    tcp::socket first(ex), second(ex);
    co_await first.async_connect(tcp_endpoint(local), use_tuple);
    co_await asio::async_write(first, asio::buffer(request()), use_tuple);
    co_await server.messages.next();
    co_await second.async_connect(tcp_endpoint(local), use_tuple);
    auto [data, ec] = co_await read_some_until(second, never);
    CHECK(closed_by_peer(ec));
    CHECK(server.layer.connection_count() == 1);

    // Outbound connections count too.
    auto [sec, sid] = co_await server.layer.async_send({{Transport::tcp, v6, 5060}}, request(), use_tuple);
    CHECK(sec == TransportErrc::too_many_connections);
  });
}

TEST_CASE("closing the layer cancels what is pending; a handler may destroy the layer") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // A TLS handshake that never completes: the peer accepts and stays silent.
    tcp::acceptor silent(ex, tcp::endpoint(v4, 0));
    const TransportAddress target{Transport::tls, v4, silent.local_endpoint().port()};
    TransportConfig config;
    config.tls.verify_peer = false;
    auto layer = std::make_unique<TransportLayer>(ex, config);
    std::optional<error_code> result;
    layer->async_send({target}, request(), [&](error_code ec, ConnectionId) { result = ec; });
    auto [aec, peer] = co_await silent.async_accept(use_tuple);
    REQUIRE(!aec);
    CHECK(layer->connection_count() == 1);
    layer.reset();  // closes
    asio::steady_timer pause(ex);
    for (int i = 0; i < 100 && !result; ++i) {
      pause.expires_after(1ms);
      co_await pause.async_wait(use_tuple);
    }
    REQUIRE(result);
    CHECK(*result == asio::error::operation_aborted);

    // Destroying the layer from inside its own message handler.
    auto server = std::make_unique<TransportLayer>(ex);
    bool called = false;
    server->set_message_handler([&](const ReceivedMessage&) {
      called = true;
      server.reset();
    });
    const TransportAddress local = server->listen(Transport::tcp, v4);
    tcp::socket client(ex);
    co_await client.async_connect(tcp_endpoint(local), use_tuple);
    co_await asio::async_write(client, asio::buffer(request() + request("second")), use_tuple);
    auto [data, ec] = co_await read_some_until(client, never);
    CHECK(called);
    CHECK(!server);
    CHECK(closed_by_peer(ec));

    // Sends after close fail at once (but never inline).
    TransportLayer closed(ex);
    closed.close();
    auto [cec, cid] = co_await closed.async_send({{Transport::udp, v4, 5060}}, request(), use_tuple);
    CHECK(cec == asio::error::operation_aborted);
  });
}

// ---- TLS --------------------------------------------------------------------

namespace {

cosip::test::TestPki& pki() {
  static cosip::test::TestPki instance;
  return instance;
}

TransportConfig tls_server_config(const cosip::test::CertFiles& files) {
  TransportConfig config;
  config.tls.certificate_file = files.certificate_file;
  config.tls.private_key_file = files.private_key_file;
  return config;
}

TransportConfig tls_client_config(bool verify) {
  TransportConfig config;
  config.tls.ca_file = pki().ca_file();
  config.tls.verify_peer = verify;
  return config;
}

}  // namespace

TEST_CASE("TLS: a verified round trip, by host name and by IP address") {
  const auto files = pki().issue("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
  for (const auto& address : {v4, v6}) {
    for (const std::string host : {"localhost", ""}) {
      CAPTURE(address.to_string());
      CAPTURE(host);
      run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        Node server(ex, tls_server_config(files)), client(ex, tls_client_config(true));
        const TransportAddress local = server.layer.listen(Transport::tls, address);
        CHECK(local.transport == Transport::tls);
        auto [ec, id] = co_await client.layer.async_send({local, 0, host}, request("tls", "secret"), use_tuple);
        CHECK_MESSAGE(!ec, ec.message());
        const Received m = co_await server.messages.next();
        CHECK(m.bytes == request("tls", "secret"));
        CHECK(m.transport() == Transport::tls);
        CHECK(m.connection != 0);
        auto [rec, rid] = co_await server.layer.async_send({m.source, m.connection}, response("tls"), use_tuple);
        CHECK(!rec);
        const Received r = co_await client.messages.next();
        CHECK(r.bytes == response("tls"));
        CHECK(r.connection == id);
        CHECK(r.source == local);
      });
    }
  }
}

TEST_CASE("TLS: a certificate for another name is refused unless verification is off") {
  const auto files = pki().issue("other.example", "DNS:other.example");
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node server(ex, tls_server_config(files));
    const TransportAddress local = server.layer.listen(Transport::tls, v4);

    Node strict(ex, tls_client_config(true));
    auto [ec, id] = co_await strict.layer.async_send({local, 0, "localhost"}, request(), use_tuple);
    CHECK(ec);
    CHECK(ec.category() == asio::error::get_ssl_category());
    CHECK((co_await strict.closes.next()).reason == ec);
    auto [ec_ip, id_ip] = co_await strict.layer.async_send({local}, request(), use_tuple);  // IP: no match either
    CHECK(ec_ip.category() == asio::error::get_ssl_category());
    CHECK(id_ip != id);
    // The server saw the failed handshakes close, and no message.
    co_await server.closes.next();
    co_await server.closes.next();
    CHECK(server.messages.items.empty());

    Node lax(ex, tls_client_config(false));
    auto [lec, lid] = co_await lax.layer.async_send({local, 0, "localhost"}, request(), use_tuple);
    CHECK_MESSAGE(!lec, lec.message());
    CHECK((co_await server.messages.next()).bytes == request());
  });
}

TEST_CASE("TLS: a server the CA did not sign is refused") {
  cosip::test::TestPki other_ca;
  const auto files = other_ca.issue("localhost", "DNS:localhost");
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    Node server(ex, tls_server_config(files)), client(ex, tls_client_config(true));
    const TransportAddress local = server.layer.listen(Transport::tls, v4);
    auto [ec, id] = co_await client.layer.async_send({local, 0, "localhost"}, request(), use_tuple);
    CHECK(ec.category() == asio::error::get_ssl_category());
  });
}
