// RelayClient and MsrpSession against a real MSRP relay: Kamailio's msrp.so
// with peers/kamailio/msrp-relay.cfg (RFC 4976 digest AUTH, Use-Path,
// Expires, relaying by the session id of the relay's own URI), started by
// the test on a free loopback port. Plain blocking POSIX sockets; the test
// fails (never skips) when Kamailio is missing. The relayed call is
// captured by tshark, which must decode our MSRP with no malformed frame.
// Then two endpoints chat (ChatStream: CPIM, is-composing) and send a file
// (the file-transfer stream into a FileReceiver) through the relay.
// Then MsrpStreams made from the API's MSRPConfiguration, on an Asio
// io_context: the answerer through the relay and the offerer direct (it
// connects to the answerer's relay, a=setup from connection_role), and both
// through it; each pair chats both ways and sends a file, with the
// notifications in order; a wrong password and the relay going away end in
// DidFail naming the relay. Then the same over TLS (msrps:) with
// peers/kamailio/msrp-relay-tls.cfg, the relay's certificate made by the
// test's CA, verified, and refused against another CA.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "child_process.hpp"
#include "msrp/chat.hpp"
#include "msrp/connection_role.hpp"
#include "msrp/file_receiver.hpp"
#include "msrp/file_transfer.hpp"
#include "msrp/msrp_configuration.hpp"
#include "msrp/msrp_stream.hpp"
#include "msrp/relay_client.hpp"
#include "msrp/session.hpp"
#include "tests/unit/msrp_stream/stream_recorder.hpp"
#include "tests/unit/transport/test_pki.hpp"

using namespace cosip::msrp;
using namespace std::chrono_literals;
using cosip::test::ChildProcess;

namespace {

int connect_to(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Runs a program to its end; its output (stdout and stderr).
std::string output_of(const std::vector<std::string>& argv, const std::string& log_path) {
  ChildProcess child;
  REQUIRE(child.start(argv, log_path).empty());
  for (int i = 0; i < 3000 && child.running(); ++i) std::this_thread::sleep_for(10ms);
  return cosip::test::read_whole(log_path);
}

// Lines of tshark's output, its warning about running as root left out.
std::size_t line_count(const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (end > at && text.compare(at, 15, "Running as user") != 0) ++n;
    at = end + 1;
  }
  return n;
}

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + word.size())) ++n;
  return n;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

// Kamailio with a relay config on free ports, in a temporary directory.
// `prepare` may write files there (certificates) before it starts.
class Relay {
 public:
  explicit Relay(const char* cfg_file = COSIP_KAMAILIO_MSRP_RELAY_CFG,
                 const std::function<void(const std::string& dir)>& prepare = {}) {
    char dir_template[] = "/tmp/cosip-msrp-relay-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    dir_ = dir_template;
    port_ = cosip::test::free_port(SOCK_STREAM);
    REQUIRE(port_ != 0);
    const std::string kamailio = cosip::test::find_program("kamailio");
    REQUIRE_MESSAGE(!kamailio.empty(), "kamailio is not installed (package kamailio)");
    std::string cfg = cosip::test::read_whole(cfg_file);
    REQUIRE(!cfg.empty());
    // The configs' example ports: 16080 is the TCP listener and its Use-Path
    // port, 16081 the TLS one; @RUNDIR@ where the certificates are.
    replace_all(cfg, "16080", std::to_string(port_));
    if (cfg.find("16081") != std::string::npos) {
      do tls_port_ = cosip::test::free_port(SOCK_STREAM);
      while (tls_port_ == port_);
      REQUIRE(tls_port_ != 0);
      replace_all(cfg, "16081", std::to_string(tls_port_));
    }
    replace_all(cfg, "@RUNDIR@", dir_);
    if (prepare) prepare(dir_);
    const std::string cfg_path = dir_ + "/kamailio.cfg";
    {
      std::ofstream out(cfg_path);
      out << cfg;
    }
    // `kamailio -c` first; its tail can say "ok" after a parse error, so grep ERROR.
    ChildProcess check;
    REQUIRE(check.start({kamailio, "-c", "-f", cfg_path}, dir_ + "/check.log").empty());
    for (int i = 0; i < 1000 && check.running(); ++i) std::this_thread::sleep_for(10ms);
    const std::string check_log = cosip::test::read_whole(dir_ + "/check.log");
    INFO(check_log);
    REQUIRE(check_log.find("ERROR") == std::string::npos);
    REQUIRE(kamailio_.start({kamailio, "-f", cfg_path, "-DD", "-E", "-m", "32", "-M", "8", "-P", dir_ + "/kamailio.pid",
                             "-Y", dir_},
                            dir_ + "/kamailio.log")
                .empty());
    for (int i = 0; i < 100; ++i) {
      const int fd = connect_to(port_);
      if (fd >= 0) {
        close(fd);
        return;
      }
      if (!kamailio_.running()) break;
      std::this_thread::sleep_for(100ms);
    }
    FAIL("kamailio did not start: " << kamailio_.log());
  }
  ~Relay() {
    kamailio_.stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }
  // The relay goes away: its connections close.
  void stop() { kamailio_.stop(); }
  const std::string& dir() const { return dir_; }
  std::string uri() const { return "msrp://127.0.0.1:" + std::to_string(port_) + ";tcp"; }
  std::string log() const { return kamailio_.log(); }

 private:
  std::string dir_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  ChildProcess kamailio_;
};

// One TCP connection to the relay and what goes over it: the relay client
// and, once there is one, a session share it.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : fd_(connect_to(port)) { REQUIRE(fd_ >= 0); }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void write(const std::string& bytes) {
    written += bytes;
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  // Waits up to `wait` for bytes; empty when none came.
  std::string read(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return {};
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed = true;
      return {};
    }
    received.append(buffer, static_cast<std::size_t>(n));
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  std::string written;
  std::string received;
  bool closed = false;

 private:
  int fd_;
};

struct Side {
  Side(Connection& c, RelayClient& r) : connection(c), relay(r) {}

  Connection& connection;
  RelayClient& relay;
  MsrpSession* session = nullptr;
  std::vector<RelayEvent> relay_events;
  std::vector<SessionEvent> session_events;

  // Writes what the cores have to say, reads what came, runs their timers.
  void step(std::chrono::milliseconds wait) {
    connection.write(relay.take_output());
    if (session) connection.write(session->take_output());
    const std::string bytes = connection.read(wait);
    const TimePoint now = std::chrono::steady_clock::now();
    if (!bytes.empty()) {
      REQUIRE_MESSAGE(relay.on_bytes(bytes, now), relay.error().message());
      if (session) REQUIRE_MESSAGE(session->on_bytes(bytes, now), session->error().message());
    }
    if (relay.next_timeout() && *relay.next_timeout() <= now) relay.on_timeout(now);
    if (session && session->next_timeout() && *session->next_timeout() <= now) session->on_timeout(now);
    for (RelayEvent& e : relay.take_events()) relay_events.push_back(std::move(e));
    if (session)
      for (SessionEvent& e : session->take_events()) session_events.push_back(std::move(e));
    connection.write(relay.take_output());
    if (session) connection.write(session->take_output());
  }
};

// Steps every side until `done` or 10 s.
template <typename Done>
bool run(std::vector<Side*> sides, Done done) {
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    for (Side* s : sides) s->step(20ms);
    if (done()) return true;
  }
  return false;
}

RelayConfig relay_config(const Relay& relay, const std::string& local, const std::string& password) {
  RelayConfig c;
  c.relay_uri = relay.uri();
  c.local_uri = local;
  c.username = "alice";
  c.password = password;
  return c;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::string alice_uri = "msrp://127.0.0.1:7001/alicesession;tcp";
const std::string bob_uri = "msrp://127.0.0.1:7002/bobsession;tcp";

}  // namespace

TEST_CASE("AUTH: 401, then 200 with Use-Path and Expires") {
  Relay relay;
  Connection connection(relay.port());
  RelayClient client(relay_config(relay, alice_uri, "msrppw"), counter(1));
  REQUIRE(client.valid());
  Side side{connection, client};
  client.start(std::chrono::steady_clock::now());
  REQUIRE_MESSAGE(run({&side}, [&] { return !side.relay_events.empty(); }), relay.log());
  REQUIRE(side.relay_events.size() == 1);
  const RelayEvent& e = side.relay_events[0];
  REQUIRE_MESSAGE(e.kind == RelayEvent::Kind::authenticated, e.code << " " << e.reason << "\n" << relay.log());
  // Two AUTHs: the first challenged, the second with the digest.
  CHECK(count(connection.written, " AUTH\r\n") == 2);
  CHECK(count(connection.written, "Authorization: Digest") == 1);
  REQUIRE(e.use_path.size() == 1);
  const std::string prefix = "msrp://127.0.0.1:" + std::to_string(relay.port()) + "/s";
  CHECK(e.use_path[0].compare(0, prefix.size(), prefix) == 0);
  CHECK(e.use_path[0].ends_with(";tcp"));
  CHECK(e.expires == 3600);  // the config's maximum, granted when none is asked for
  CHECK(client.use_path() == e.use_path);
  MESSAGE("Use-Path: " << e.use_path[0] << ", Expires: " << e.expires);
}

TEST_CASE("AUTH with a wrong password fails") {
  Relay relay;
  Connection connection(relay.port());
  RelayClient client(relay_config(relay, alice_uri, "wrongpw"), counter(2));
  Side side{connection, client};
  client.start(std::chrono::steady_clock::now());
  REQUIRE(run({&side}, [&] { return !side.relay_events.empty(); }));
  REQUIRE(side.relay_events.size() == 1);
  const RelayEvent& e = side.relay_events[0];
  CHECK(e.kind == RelayEvent::Kind::failed);
  // The relay challenges the wrong digest again (pv_www_authenticate fails).
  CHECK(e.code == 401);
  CHECK(count(connection.written, " AUTH\r\n") == 2);
  CHECK(!client.authenticated());
  MESSAGE("wrong password: " << e.code << " " << e.reason);
}

TEST_CASE("AUTH asking for 30 s: 423 Min-Expires 60, then 60 s granted") {
  Relay relay;
  Connection connection(relay.port());
  RelayConfig c = relay_config(relay, alice_uri, "msrppw");
  c.expires = 30;
  RelayClient client(c, counter(3));
  Side side{connection, client};
  client.start(std::chrono::steady_clock::now());
  REQUIRE_MESSAGE(run({&side}, [&] { return !side.relay_events.empty(); }), relay.log());
  REQUIRE(side.relay_events.size() == 1);
  const RelayEvent& e = side.relay_events[0];
  CHECK_MESSAGE(e.kind == RelayEvent::Kind::authenticated, e.code << " " << e.reason);
  CHECK(e.expires == 60);
  CHECK(count(connection.written, "Expires: 30\r\n") >= 1);
  CHECK(count(connection.written, "Expires: 60\r\n") >= 1);
}

TEST_CASE("the authorization is renewed with a new AUTH before it expires") {
  Relay relay;
  Connection connection(relay.port());
  RelayConfig c = relay_config(relay, alice_uri, "msrppw");
  c.expires = 60;
  c.refresh_margin = 59s;  // renew 1 s after the 200 instead of 30 s
  RelayClient client(c, counter(8));
  Side side{connection, client};
  client.start(std::chrono::steady_clock::now());
  REQUIRE_MESSAGE(run({&side}, [&] { return side.relay_events.size() >= 2; }), relay.log());
  REQUIRE(side.relay_events.size() == 2);
  for (const RelayEvent& e : side.relay_events) {
    CHECK_MESSAGE(e.kind == RelayEvent::Kind::authenticated, e.code << " " << e.reason);
    CHECK(e.expires == 60);
    CHECK(e.use_path.size() == 1);
  }
  // Each AUTH challenged and answered: four in all, every one asking for 60 s.
  CHECK(count(connection.written, " AUTH\r\n") == 4);
  CHECK(count(connection.written, "Expires: 60\r\n") == 4);
  MESSAGE("Use-Path before and after the renewal: " << side.relay_events[0].use_path[0] << " "
                                                    << side.relay_events[1].use_path[0]);
}

TEST_CASE("alice sends to bob through the relay") {
  Relay relay;
  // tshark on the relay's port from before the first connection.
  const std::string tshark = cosip::test::find_program("tshark");
  REQUIRE_MESSAGE(!tshark.empty(), "tshark is not installed (package tshark)");
  const std::string pcap = relay.dir() + "/relay.pcap";
  ChildProcess capture;
  REQUIRE(capture.start({tshark, "-i", "lo", "-f", "tcp port " + std::to_string(relay.port()), "-w", pcap, "-q"},
                        relay.dir() + "/tshark.log")
              .empty());
  // "Capture started" (not the earlier "Capturing on") means dumpcap is
  // really capturing: under load, packets sent between the two were lost.
  const auto capturing = [&] {
    return cosip::test::read_whole(relay.dir() + "/tshark.log").find("Capture started") != std::string::npos;
  };
  for (int i = 0; i < 200 && !capturing(); ++i) std::this_thread::sleep_for(100ms);
  REQUIRE_MESSAGE(capturing(), cosip::test::read_whole(relay.dir() + "/tshark.log"));
  Connection alice_connection(relay.port());
  Connection bob_connection(relay.port());
  RelayClient alice_relay(relay_config(relay, alice_uri, "msrppw"), counter(4));
  RelayClient bob_relay(relay_config(relay, bob_uri, "msrppw"), counter(5));
  Side alice{alice_connection, alice_relay};
  Side bob{bob_connection, bob_relay};
  alice_relay.start(std::chrono::steady_clock::now());
  bob_relay.start(std::chrono::steady_clock::now());
  REQUIRE_MESSAGE(run({&alice, &bob}, [&] { return !alice.relay_events.empty() && !bob.relay_events.empty(); }),
                  relay.log());
  REQUIRE(alice_relay.authenticated());
  REQUIRE(bob_relay.authenticated());
  CHECK(alice_relay.use_path() != bob_relay.use_path());  // one relay URI per client connection

  // What each puts in its SDP a=path: the Use-Path, then its own URI. Alice's
  // To-Path is bob's a=path.
  SessionConfig alice_config;
  alice_config.local_uri = alice_uri;
  alice_config.remote_path = bob_relay.use_path();
  alice_config.remote_path.push_back(bob_uri);
  SessionConfig bob_config;
  bob_config.local_uri = bob_uri;
  bob_config.remote_path = alice_relay.use_path();
  bob_config.remote_path.push_back(alice_uri);
  MsrpSession alice_session(alice_config, counter(6));
  MsrpSession bob_session(bob_config, counter(7));
  REQUIRE(alice_session.valid());
  REQUIRE(bob_session.valid());
  alice.session = &alice_session;
  bob.session = &bob_session;

  OutgoingMessage message;
  message.content_type = "text/plain";
  message.body = "Hello bob, through the relay.";
  const std::string id = alice_session.send_message(message, std::chrono::steady_clock::now());
  REQUIRE_MESSAGE(run({&alice, &bob}, [&] { return !alice.session_events.empty() && !bob.session_events.empty(); }),
                  relay.log());
  REQUIRE(bob.session_events.size() == 1);
  CHECK(bob.session_events[0].kind == SessionEvent::Kind::message_received);
  CHECK(bob.session_events[0].message_id == id);
  CHECK(bob.session_events[0].content_type == "text/plain");
  CHECK(bob.session_events[0].body == message.body);
  // The relay took its URI off To-Path and put it before alice's in From-Path (RFC 4976 §7.2).
  CHECK_MESSAGE(count(bob_connection.received, "From-Path: " + bob_relay.use_path()[0] + " " + alice_uri + "\r\n") == 1,
                bob_connection.received);
  // The relay's own 200 confirms the hop (RFC 4976 §7.1 relays answer SEND).
  REQUIRE(alice.session_events.size() == 1);
  CHECK(alice.session_events[0].kind == SessionEvent::Kind::delivered);
  CHECK(alice.session_events[0].message_id == id);

  // And back: bob answers alice along her a=path.
  message.body = "Hello alice.";
  bob_session.send_message(message, std::chrono::steady_clock::now());
  alice.session_events.clear();
  bob.session_events.clear();
  REQUIRE(run({&alice, &bob}, [&] { return !alice.session_events.empty() && !bob.session_events.empty(); }));
  REQUIRE(alice.session_events.size() == 1);
  CHECK(alice.session_events[0].kind == SessionEvent::Kind::message_received);
  CHECK(alice.session_events[0].body == "Hello alice.");
  CHECK(bob.session_events[0].kind == SessionEvent::Kind::delivered);

  // tshark decodes what went over the relay's port as MSRP: the AUTHs, the
  // SENDs both ways and their responses, nothing malformed.
  std::this_thread::sleep_for(500ms);
  capture.stop(SIGINT);
  // MSRP's heuristic goes first: a client's random port may be one that
  // Wireshark gives to another protocol.
  const std::vector<std::string> decode = {tshark, "-r", pcap, "-o", "tcp.try_heuristic_first:TRUE", "-d",
                                           "tcp.port==" + std::to_string(relay.port()) + ",msrp"};
  std::vector<std::string> fields = decode, malformed = decode;
  // One line per frame; a frame may hold several MSRP messages.
  fields.insert(fields.end(), {"-Y", "msrp", "-T", "fields", "-e", "msrp.method", "-e", "msrp.status.code"});
  malformed.insert(malformed.end(), {"-Y", "_ws.malformed"});
  const std::string seen = output_of(fields, relay.dir() + "/fields.txt");
  const std::string bad = output_of(malformed, relay.dir() + "/malformed.txt");
  MESSAGE("tshark: " << occurrences(seen, "AUTH") << " AUTH, " << occurrences(seen, "SEND") << " SEND, "
                     << occurrences(seen, "200") << " 200, " << occurrences(seen, "401") << " 401, " << line_count(bad)
                     << " malformed frames");
  CHECK(occurrences(seen, "AUTH") == 4);  // two per client: unauthenticated, then with credentials
  CHECK(occurrences(seen, "401") == 2);
  CHECK(occurrences(seen, "SEND") == 4);  // each message into the relay and out of it
  CHECK(occurrences(seen, "200") >= 6);   // two AUTHs, and each SEND on each hop
  CHECK_MESSAGE(line_count(bad) == 0, bad);
}

namespace {

// Alice and bob, each on its own authenticated connection to the relay.
struct RelayedPair {
  explicit RelayedPair(const Relay& relay)
      : alice_connection(relay.port()),
        bob_connection(relay.port()),
        alice_relay(relay_config(relay, alice_uri, "msrppw"), counter(40)),
        bob_relay(relay_config(relay, bob_uri, "msrppw"), counter(41)) {
    alice_relay.start(std::chrono::steady_clock::now());
    bob_relay.start(std::chrono::steady_clock::now());
    REQUIRE_MESSAGE(run({&alice, &bob}, [&] { return !alice.relay_events.empty() && !bob.relay_events.empty(); }),
                    relay.log());
    REQUIRE(alice_relay.authenticated());
    REQUIRE(bob_relay.authenticated());
  }
  // A session of `local` toward `remote`. Its To-Path is its own relay's
  // Use-Path, then the peer's a=path (the peer's relay's Use-Path, the peer)
  // (RFC 4976 §6.1): each relay puts itself in From-Path, so responses and
  // REPORTs find the way back through both.
  SessionConfig config(const std::string& local, const std::string& remote) const {
    const bool is_alice = local.find("alice") != std::string::npos;
    SessionConfig c;
    c.local_uri = local;
    c.remote_path = (is_alice ? alice_relay : bob_relay).use_path();
    for (const std::string& hop : (is_alice ? bob_relay : alice_relay).use_path()) c.remote_path.push_back(hop);
    c.remote_path.push_back(remote);
    return c;
  }

  Connection alice_connection;
  Connection bob_connection;
  RelayClient alice_relay;
  RelayClient bob_relay;
  Side alice{alice_connection, alice_relay};
  Side bob{bob_connection, bob_relay};
};

std::string random_bytes(std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t x = 88172645463325252ULL;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

}  // namespace

TEST_CASE("two endpoints chat and send a file through the relay") {
  Relay relay;
  RelayedPair pair(relay);

  // Chat: the peers' SDP say accept-types message/cpim text/plain.
  MsrpSession alice_chat(pair.config("msrp://127.0.0.1:7001/alicechat1;tcp", "msrp://127.0.0.1:7002/bobchat1;tcp"),
                         counter(42));
  MsrpSession bob_chat(pair.config("msrp://127.0.0.1:7002/bobchat1;tcp", "msrp://127.0.0.1:7001/alicechat1;tcp"),
                       counter(43));
  ChatConfig alice_view{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"},
                        {"message/cpim", "text/plain"}, {}};
  ChatConfig bob_view{{"sip:bob@example.com", "Bob"}, {"sip:alice@example.com", "Alice"},
                      {"message/cpim", "text/plain"}, {}};
  ChatStream alice_stream(alice_view, alice_chat);
  ChatStream bob_stream(bob_view, bob_chat);
  pair.alice.session = &alice_chat;
  pair.bob.session = &bob_chat;
  std::vector<ChatNotification> at_alice, at_bob;
  auto pump_chat = [&] {
    for (auto& n : alice_stream.on_session_events(std::exchange(pair.alice.session_events, {}))) at_alice.push_back(n);
    for (auto& n : bob_stream.on_session_events(std::exchange(pair.bob.session_events, {}))) at_bob.push_back(n);
  };
  std::string error;
  const auto now = [] { return std::chrono::steady_clock::now(); };
  IsComposing typing;
  typing.state = ComposingState::active;
  REQUIRE(alice_stream.send_composing(typing, now(), error));
  const std::optional<std::string> hello =
      alice_stream.send_message("Hello Bob, über the relay", "text/plain", {}, "2026-11-26T21:00:00Z", now(), error);
  REQUIRE(hello);
  REQUIRE_MESSAGE(run({&pair.alice, &pair.bob},
                      [&] {
                        pump_chat();
                        return at_bob.size() == 2 && at_alice.size() == 1;
                      }),
                  relay.log());
  CHECK(at_bob[0].name == "MSRPChatGotComposing");
  REQUIRE(at_bob[0].composing);
  CHECK(at_bob[0].composing->state == ComposingState::active);
  CHECK(at_bob[1].name == "MSRPChatGotMessage");
  CHECK(at_bob[1].content == "Hello Bob, über the relay");
  CHECK(at_bob[1].content_type == "text/plain");
  CHECK(at_bob[1].from.uri == "sip:alice@example.com");
  CHECK(at_bob[1].from.display_name == "Alice");
  CHECK(at_bob[1].datetime == "2026-11-26T21:00:00Z");
  // Delivered on bob's REPORT, which came back through the relay.
  CHECK(at_alice[0].name == "MSRPChatDidDeliverMessage");
  CHECK(at_alice[0].message_id == *hello);
  CHECK_MESSAGE(count(pair.alice_connection.written, "Content-Type: message/cpim") == 2, pair.alice_connection.written);
  CHECK(count(pair.alice_connection.received, " REPORT\r\n") == 1);  // for the message, none for is-composing

  // A file, in a session of its own on the same connections.
  char dir_template[] = "/tmp/cosip-msrp-files-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  std::filesystem::create_directory(dir + "/in");
  const std::string content = random_bytes(300 * 1024);
  {
    std::ofstream out(dir + "/slides.pdf", std::ios::binary);
    out << content;
  }
  const std::unique_ptr<FileSource> source = FileSource::open(dir + "/slides.pdf", "application/pdf", error);
  REQUIRE(source);
  SessionConfig send_config =
      pair.config("msrp://127.0.0.1:7001/alicefile1;tcp", "msrp://127.0.0.1:7002/bobfile1;tcp");
  send_config.output_budget = 16 * 1024;  // the blocking test loop writes no more than this at a time
  SessionConfig receive_config =
      pair.config("msrp://127.0.0.1:7002/bobfile1;tcp", "msrp://127.0.0.1:7001/alicefile1;tcp");
  receive_config.stream_incoming = true;
  receive_config.max_message_size = content.size();
  MsrpSession alice_file(send_config, counter(44));
  MsrpSession bob_file(receive_config, counter(45));
  // Bob knows the file from alice's SDP offer: its a=file-selector.
  FileDescription offered;
  REQUIRE(decode_file_selector(encode_file_selector(source->description()), offered, error));
  OutgoingFileTransfer sending(
      source->description(), [&](std::uint64_t offset, std::span<char> out) { return source->read(offset, out); },
      alice_file);
  IncomingFileTransfer receiving(offered, FileReceiver::create(dir + "/in", offered.name, offered.size, offered.sha1, error),
                                 bob_file);
  pair.alice.session = &alice_file;
  pair.bob.session = &bob_file;
  std::vector<FileTransferNotification> sent, received;
  sending.start(now());
  const bool finished = run({&pair.alice, &pair.bob},
                      [&] {
                        sending.on_session_events(std::exchange(pair.alice.session_events, {}));
                        receiving.on_session_events(std::exchange(pair.bob.session_events, {}));
                        for (auto& n : sending.take_notifications()) sent.push_back(n);
                        for (auto& n : receiving.take_notifications()) received.push_back(n);
                        return sending.finished() && receiving.finished();
                      });
  REQUIRE_MESSAGE(finished, relay.log());
  REQUIRE(!received.empty());
  CHECK_MESSAGE(received.back().name == "MSRPFileTransferGotFile", received.back().reason);
  CHECK(received.back().path == dir + "/in/slides.pdf");
  CHECK(cosip::test::read_whole(dir + "/in/slides.pdf") == content);
  // Delivered once bob's REPORT came back through the relay, not on the relay's 200s.
  REQUIRE(!sent.empty());
  CHECK_MESSAGE(sent.back().name == "MSRPFileTransferDidDeliverFile", sent.back().reason);
  // The chunks ask for Failure-Report: partial: bob answers none of them
  // (what he wrote besides the REPORTs is the chat's responses).
  CHECK(count(pair.alice_connection.written, "Failure-Report: partial\r\n") >= 150);
  CHECK(count(pair.bob_connection.written, "MSRP ") < 10);
  CHECK(count(pair.bob_connection.written, " REPORT\r\n") == 2);  // the chat message's, the file's
  CHECK(count(pair.alice_connection.received, " REPORT\r\n") == 2);
  MESSAGE("file through the relay: " << content.size() << " bytes in "
                                     << count(pair.alice_connection.written, " SEND\r\n") << " SEND chunks, "
                                     << std::count_if(sent.begin(), sent.end(),
                                                      [](const auto& n) { return n.name == "MSRPFileTransferGotProgress"; })
                                     << " progress notifications at the sender");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// ---- MsrpStream through the relay --------------------------------------------

namespace {

namespace asio = boost::asio;

using cosip::test::run_until;

// A stream of a session in `direction`, through the relay when `msrp` says so.
StreamConfig stream_config(const MsrpConfiguration& msrp, SessionDirection direction, const std::string& kind,
                           const std::string& local_uri, std::shared_ptr<TlsContext> relay_tls = nullptr) {
  StreamConfig config = cosip::test::stream_config(kind, local_uri);
  config.relay = relay_config(msrp, direction, local_uri);
  config.relay_tls = std::move(relay_tls);
  return config;
}

// One side's stream and what it reported.
struct StreamSide : cosip::test::StreamRecorder {
  std::shared_ptr<MsrpStream> stream;
  bool through_relay = false;

  StreamSide(asio::io_context& io, const StreamConfig& config, std::uint64_t seed)
      : through_relay(config.relay.has_value()) {
    stream = MsrpStream::create(io.get_executor(), config, counter(seed), callbacks());
  }
  StreamSide(asio::io_context& io, const MsrpConfiguration& msrp, SessionDirection direction,
             const std::string& kind, const std::string& local_uri, std::uint64_t seed,
             std::shared_ptr<TlsContext> relay_tls = nullptr)
      : StreamSide(io, stream_config(msrp, direction, kind, local_uri, std::move(relay_tls)), seed) {}
};

// The API's configuration of one endpoint, toward the relay under test.
MsrpConfiguration msrp_configuration(const Relay& relay, bool incoming, bool outgoing, const std::string& password,
                                     bool tls = false) {
  MsrpConfiguration c;
  c.local_ip = "127.0.0.1";
  c.local_use_tls = false;
  c.use_relay_incoming = incoming;
  c.use_relay_outgoing = outgoing;
  c.relay_host = "127.0.0.1";
  c.relay_port = tls ? relay.tls_port() : relay.port();
  c.relay_use_tls = tls;
  c.relay_username = "alice";
  c.relay_password = password;
  return c;
}

// The offer/answer of a=setup and a=path between alice (offerer) and bob
// (answerer), then start() on both with the other's a=path.
void negotiate_and_start(asio::io_context& io, StreamSide& alice, StreamSide& bob, const std::string& kind) {
  const cosip::sdp::Setup offered = alice.through_relay ? offer_setup_through_relay : offer_setup;
  const ConnectionRoles roles = decide_connector(offered, answer_setup(offered, bob.through_relay));
  REQUIRE(roles.error.empty());
  alice.stream->initialize(we_connect(roles.connector, true));
  bob.stream->initialize(we_connect(roles.connector, false));
  REQUIRE_MESSAGE(run_until(io, [&] { return alice.has(kind + "DidInitialize") && bob.has(kind + "DidInitialize"); }),
                  alice.notifications.size() << " " << bob.notifications.size());
  for (StreamSide* side : {&alice, &bob}) {
    // RFC 4976 §6: a=path is the relay's Use-Path, then our URI.
    const std::vector<std::string> path = side->stream->local_path();
    REQUIRE(path.size() == (side->through_relay ? 2u : 1u));
    CHECK(path.back() == side->stream->local_uri());
    if (side->through_relay) CHECK(path.front().find("/s") != std::string::npos);  // the relay's session
  }
  alice.stream->start(bob.stream->local_path());
  bob.stream->start(alice.stream->local_path());
  REQUIRE(run_until(io, [&] { return alice.stream->connection() != nullptr && bob.stream->connection() != nullptr; }));
  CHECK(alice.notifications == std::vector<std::string>{kind + "DidInitialize", kind + "DidStart"});
  CHECK(bob.notifications == std::vector<std::string>{kind + "DidInitialize", kind + "DidStart"});
}

// Alice and bob chat both ways (CPIM, delivery on the REPORT that came back
// through the relay), then alice sends bob a file; `label` names the files.
void chat_and_send_a_file(asio::io_context& io, const std::function<StreamSide(const std::string&, bool)>& make,
                          const std::string& label) {
  StreamSide alice = make("MSRPChat", true);
  StreamSide bob = make("MSRPChat", false);
  negotiate_and_start(io, alice, bob, "MSRPChat");
  ChatConfig alice_view{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"}, {"message/cpim"}, {}};
  ChatConfig bob_view{{"sip:bob@example.com", "Bob"}, {"sip:alice@example.com", "Alice"}, {"message/cpim"}, {}};
  ChatStream alice_chat(alice_view, alice.stream->connection()->session());
  ChatStream bob_chat(bob_view, bob.stream->connection()->session());
  std::vector<ChatNotification> at_alice, at_bob;
  const auto pump = [&] {
    for (auto& n : alice_chat.on_session_events(std::exchange(alice.events, {}))) at_alice.push_back(n);
    for (auto& n : bob_chat.on_session_events(std::exchange(bob.events, {}))) at_bob.push_back(n);
  };
  std::string error;
  const auto now = [] { return std::chrono::steady_clock::now(); };
  // Alice first: when she is the one without a relay, her connection to
  // bob's relay is how bob's messages reach her.
  const auto hello = alice_chat.send_message("Hello Bob, " + label, "text/plain", {}, {}, now(), error);
  REQUIRE(hello);
  alice.stream->connection()->sync();
  REQUIRE_MESSAGE(run_until(io,
                            [&] {
                              pump();
                              return at_bob.size() == 1 && at_alice.size() == 1;
                            }),
                  at_bob.size() << " at bob, " << at_alice.size() << " at alice");
  CHECK(at_bob[0].name == "MSRPChatGotMessage");
  CHECK(at_bob[0].content == "Hello Bob, " + label);
  CHECK(at_bob[0].from.uri == "sip:alice@example.com");
  CHECK(at_alice[0].name == "MSRPChatDidDeliverMessage");
  CHECK(at_alice[0].message_id == *hello);
  const auto reply = bob_chat.send_message("Hello Alice", "text/plain", {}, {}, now(), error);
  REQUIRE(reply);
  bob.stream->connection()->sync();
  REQUIRE(run_until(io, [&] {
    pump();
    return at_bob.size() == 2 && at_alice.size() == 2;
  }));
  CHECK(at_alice[1].name == "MSRPChatGotMessage");
  CHECK(at_alice[1].content == "Hello Alice");
  CHECK(at_bob[1].name == "MSRPChatDidDeliverMessage");
  CHECK(at_bob[1].message_id == *reply);

  // A file, in streams of its own.
  char dir_template[] = "/tmp/cosip-msrp-stream-files-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  std::filesystem::create_directory(dir + "/in");
  const std::string content = random_bytes(200 * 1024);
  std::ofstream(dir + "/notes.bin", std::ios::binary) << content;
  const std::unique_ptr<FileSource> source = FileSource::open(dir + "/notes.bin", "application/octet-stream", error);
  REQUIRE(source);
  StreamSide alice_file = make("MSRPFileTransfer", true);
  StreamSide bob_file = make("MSRPFileTransfer", false);
  negotiate_and_start(io, alice_file, bob_file, "MSRPFileTransfer");
  FileDescription offered;
  REQUIRE(decode_file_selector(encode_file_selector(source->description()), offered, error));
  OutgoingFileTransfer sending(
      source->description(), [&](std::uint64_t offset, std::span<char> out) { return source->read(offset, out); },
      alice_file.stream->connection()->session());
  IncomingFileTransfer receiving(
      offered, FileReceiver::create(dir + "/in", offered.name, offered.size, offered.sha1, error),
      bob_file.stream->connection()->session());
  std::vector<FileTransferNotification> sent, received;
  sending.start(now());
  alice_file.stream->connection()->sync();
  REQUIRE(run_until(io, [&] {
    sending.on_session_events(std::exchange(alice_file.events, {}));
    receiving.on_session_events(std::exchange(bob_file.events, {}));
    for (auto& n : sending.take_notifications()) sent.push_back(n);
    for (auto& n : receiving.take_notifications()) received.push_back(n);
    return sending.finished() && receiving.finished();
  }));
  REQUIRE(!received.empty());
  CHECK_MESSAGE(received.back().name == "MSRPFileTransferGotFile", received.back().reason);
  CHECK(cosip::test::read_whole(dir + "/in/notes.bin") == content);
  REQUIRE(!sent.empty());
  CHECK_MESSAGE(sent.back().name == "MSRPFileTransferDidDeliverFile", sent.back().reason);
  MESSAGE(label << ": chat both ways and " << content.size() << " bytes of file");

  for (StreamSide* side : {&alice, &bob, &alice_file, &bob_file}) {
    side->stream->end("session terminated");
    CHECK(side->notifications.size() == 4);
    CHECK(side->notifications[2].ends_with("WillEnd"));
    CHECK(side->notifications[3].ends_with("DidEnd: session terminated"));
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace

TEST_CASE("msrp streams through the relay: chat and a file, the lifecycle in order") {
  Relay relay;
  asio::io_context io;
  std::uint64_t seed = 100;
  SUBCASE("the answerer through the relay (use_relay_incoming), the offerer direct") {
    const MsrpConfiguration alice = msrp_configuration(relay, true, false, "msrppw");
    const MsrpConfiguration bob = msrp_configuration(relay, true, false, "msrppw");
    chat_and_send_a_file(
        io,
        [&](const std::string& kind, bool is_alice) {
          const std::string id = std::string(is_alice ? "alice" : "bob") + std::to_string(++seed);
          return StreamSide(io, is_alice ? alice : bob,
                            is_alice ? SessionDirection::outgoing : SessionDirection::incoming, kind,
                            "msrp://127.0.0.1:9/" + id + ";tcp", seed);
        },
        "answerer through the relay");
  }
  SUBCASE("both through the relay (use_relay_outgoing too)") {
    const MsrpConfiguration both = msrp_configuration(relay, true, true, "msrppw");
    chat_and_send_a_file(
        io,
        [&](const std::string& kind, bool is_alice) {
          const std::string id = std::string(is_alice ? "alice" : "bob") + std::to_string(++seed);
          return StreamSide(io, both, is_alice ? SessionDirection::outgoing : SessionDirection::incoming, kind,
                            "msrp://127.0.0.1:9/" + id + ";tcp", seed);
        },
        "both through the relay");
  }
}

TEST_CASE("msrp streams through the relay: a wrong password, and the relay going away") {
  Relay relay;
  asio::io_context io;
  SUBCASE("wrong password: DidFail naming the relay and 401") {
    StreamSide bob(io, msrp_configuration(relay, true, false, "wrongpw"), SessionDirection::incoming, "MSRPChat",
                   "msrp://127.0.0.1:9/bobwrong;tcp", 200);
    bob.stream->initialize(false);
    REQUIRE(run_until(io, [&] { return bob.has("MSRPChatDidFail"); }));
    CHECK(bob.notifications == std::vector<std::string>{"MSRPChatDidFail: AUTH to the relay " + relay.uri() +
                                                        " failed: 401 credentials refused: Unauthorized"});
  }
  SUBCASE("the stream's relay client renews the authorization on the stream's connection") {
    StreamSide alice(io, msrp_configuration(relay, true, false, "msrppw"), SessionDirection::outgoing, "MSRPChat",
                     "msrp://127.0.0.1:9/alicerenew;tcp", 203);
    StreamConfig bob_config = stream_config(msrp_configuration(relay, true, false, "msrppw"),
                                            SessionDirection::incoming, "MSRPChat", "msrp://127.0.0.1:9/bobrenew;tcp");
    bob_config.relay->expires = 60;
    bob_config.relay->refresh_margin = 59s;  // renew 1 s after the 200
    StreamSide bob(io, bob_config, 204);
    negotiate_and_start(io, alice, bob, "MSRPChat");
    const RelayClient* client = bob.stream->connection()->relay();
    REQUIRE(client != nullptr);
    REQUIRE(client->expires_at());
    const TimePoint first = *client->expires_at();
    REQUIRE(run_until(io, [&] { return client->expires_at() && *client->expires_at() > first; }));
    // Still up, and the session still runs through the relay.
    OutgoingMessage message;
    message.content_type = "text/plain";
    message.body = "after the renewal";
    alice.stream->connection()->send_message(message);
    REQUIRE(run_until(io, [&] { return !bob.events.empty(); }));
    CHECK(bob.events[0].body == "after the renewal");
    CHECK(bob.notifications == std::vector<std::string>{"MSRPChatDidInitialize", "MSRPChatDidStart"});
  }
  SUBCASE("the relay stops: DidFail on both sides, the relay named on the side that used it") {
    StreamSide alice(io, msrp_configuration(relay, true, false, "msrppw"), SessionDirection::outgoing, "MSRPChat",
                     "msrp://127.0.0.1:9/alicegone;tcp", 201);
    StreamSide bob(io, msrp_configuration(relay, true, false, "msrppw"), SessionDirection::incoming, "MSRPChat",
                   "msrp://127.0.0.1:9/bobgone;tcp", 202);
    negotiate_and_start(io, alice, bob, "MSRPChat");
    relay.stop();
    REQUIRE(run_until(io, [&] { return alice.has("MSRPChatDidFail") && bob.has("MSRPChatDidFail"); }));
    CHECK(bob.notifications.back() ==
          "MSRPChatDidFail: the connection to the relay " + relay.uri() + " failed: the peer closed the connection");
    CHECK(alice.notifications.back() == "MSRPChatDidFail: the peer closed the connection");
    CHECK(bob.notifications.size() == 3);
  }
}

namespace {

// The relay with its TLS listener; its certificate from a CA of the test's
// own, naming 127.0.0.1.
struct TlsRelay {
  cosip::test::TestPki pki;
  cosip::test::CertFiles cert = pki.issue("relay", "IP:127.0.0.1");
  Relay relay{COSIP_KAMAILIO_MSRP_RELAY_TLS_CFG, [this](const std::string& dir) {
                std::filesystem::copy_file(cert.certificate_file, dir + "/relay-cert.pem");
                std::filesystem::copy_file(cert.private_key_file, dir + "/relay-key.pem");
              }};
};

}  // namespace

TEST_CASE("msrp streams through the relay over TLS (msrps:), its certificate verified") {
  TlsRelay tls_relay;
  const Relay& relay = tls_relay.relay;
  asio::io_context io;
  std::uint64_t seed = 300;
  MsrpConfiguration alice = msrp_configuration(relay, true, false, "msrppw", true);
  alice.relay_tls.ca_file = tls_relay.pki.ca_file();
  MsrpConfiguration bob = alice;
  std::string label = "through the relay over TLS, ";
  SUBCASE("the answerer through it, the offerer direct to it over TLS") { label += "one side"; }
  SUBCASE("both through it") {
    alice.use_relay_outgoing = true;
    label += "both sides";
  }
  // Each side's TLS client context comes from its MSRPConfiguration: the
  // relay's certificate must chain to the test's CA and name 127.0.0.1.
  const std::shared_ptr<TlsContext> alice_tls = TlsContext::client(alice.relay_tls);
  const std::shared_ptr<TlsContext> bob_tls = TlsContext::client(bob.relay_tls);
  chat_and_send_a_file(
      io,
      [&](const std::string& kind, bool is_alice) {
        const std::string id = std::string(is_alice ? "alice" : "bob") + std::to_string(++seed);
        StreamConfig config =
            stream_config(is_alice ? alice : bob, is_alice ? SessionDirection::outgoing : SessionDirection::incoming,
                          kind, "msrps://127.0.0.1:9/" + id + ";tcp", is_alice ? alice_tls : bob_tls);
        // A side without a relay connects to the other's relay, at its msrps: Use-Path.
        if (!config.relay) config.tls = alice_tls;
        return StreamSide(io, config, seed);
      },
      label);
  CHECK(relay.log().find("MSRP AUTH from") != std::string::npos);
}

TEST_CASE("msrp stream through the relay over TLS: a certificate from another CA is refused") {
  TlsRelay tls_relay;
  const Relay& relay = tls_relay.relay;
  cosip::test::TestPki other;
  asio::io_context io;
  MsrpConfiguration bob = msrp_configuration(relay, true, false, "msrppw", true);
  bob.relay_tls.ca_file = other.ca_file();
  StreamSide side(io, bob, SessionDirection::incoming, "MSRPChat", "msrps://127.0.0.1:9/bobtls;tcp", 400,
                  TlsContext::client(bob.relay_tls));
  side.stream->initialize(false);
  REQUIRE(run_until(io, [&] { return side.has("MSRPChatDidFail"); }));
  REQUIRE(side.notifications.size() == 1);
  CHECK_MESSAGE(side.notifications[0].starts_with("MSRPChatDidFail: the connection to the relay msrps://127.0.0.1:" +
                                                  std::to_string(relay.tls_port()) +
                                                  ";tcp failed: MSRP TLS: the certificate of '127.0.0.1' is not "
                                                  "trusted"),
                side.notifications[0]);
}
