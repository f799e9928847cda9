// IceAgent against a real STUN/TURN server: coturn, started by this test on
// free loopback ports (and tshark capturing its traffic). Two agents gather a
// server-reflexive candidate from coturn and connect; then connect again
// forced through TURN relays (RFC 8656) and exchange data on each component;
// closing releases the allocations, and returns promptly even with the
// server frozen; a wrong TURN password yields no relayed candidate; two
// RtpStreams over ICE (rtp/ice_transport.hpp) forced through the relays
// carry SRTP audio and RTCP both ways; and tshark decodes every STUN/TURN packet of the run without a malformed one.
//
// On loopback a server-reflexive address equals the host address, and libnice
// prunes such a candidate as redundant (RFC 8445 §5.1.3). So the agents reach
// coturn through StunNat below: each agent's socket gets its own outside
// socket on 127.0.0.2, the address coturn reports back.
#include <doctest/doctest.h>

#include <poll.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "tests/interop/child_process.hpp"
#include "tests/unit/ice/ice_test_peer.hpp"
#include "tests/unit/rtp_ice/ice_stream_peer.hpp"

using namespace cosip::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr const char* turn_user = "alice";
constexpr const char* turn_password = "secret123";

// A Binding request by hand (RFC 8489 §5, §6): the readiness probe.
bool stun_answers(std::uint16_t port) {
  const std::array<unsigned char, 20> request = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3,
                                                 4,    5,    6,    7,    8,    9,    10,   11,   12};
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 20) {
    pollfd p{fd, POLLIN, 0};
    std::array<unsigned char, 512> reply{};
    if (poll(&p, 1, 200) == 1) {
      const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
      ok = n >= 20 && reply[0] == 0x01 && reply[1] == 0x01;  // Binding success response
    }
  }
  close(fd);
  return ok;
}

std::string run_capture(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    std::array<char, 4096> chunk{};
    for (std::size_t n; (n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0;) out.append(chunk.data(), n);
    pclose(pipe);
  }
  return out;
}

// coturn and tshark for the duration of the program.
struct Servers {
  std::string rundir;
  std::uint16_t port = 0;
  std::uint16_t relay_min = 0;
  std::uint16_t relay_max = 0;
  ChildProcess turnserver;
  ChildProcess tshark;
  std::string pcap;

  ~Servers() {
    tshark.stop(SIGINT);
    turnserver.stop();
    std::error_code ec;
    if (!rundir.empty()) std::filesystem::remove_all(rundir, ec);
  }

  std::string start() {
    const std::string turnserver_bin = find_program("turnserver");
    if (turnserver_bin.empty()) return "turnserver is not installed (package coturn; scripts/install-deps.sh)";
    const std::string tshark_bin = find_program("tshark");
    if (tshark_bin.empty()) return "tshark is not installed (package tshark; scripts/install-deps.sh)";
    char dir_template[] = "/tmp/cosip-coturn-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return "mkdtemp failed";
    rundir = dir_template;

    port = free_udp_port();
    const std::uint16_t base = free_udp_port();
    if (port == 0 || base == 0) return "no free port on 127.0.0.1";
    relay_min = base > 65535 - 64 ? static_cast<std::uint16_t>(base - 64) : base;
    relay_max = static_cast<std::uint16_t>(relay_min + 63);

    pcap = rundir + "/ice.pcap";
    const std::string filter = "udp port " + std::to_string(port) + " or udp portrange " +
                               std::to_string(relay_min) + "-" + std::to_string(relay_max);
    if (auto e = tshark.start({tshark_bin, "-i", "lo", "-f", filter, "-w", pcap}, rundir + "/tshark.log");
        !e.empty())
      return e;
    const auto tshark_deadline = Clock::now() + 15s;
    while (tshark.log().find("Capture started") == std::string::npos) {
      if (!tshark.running()) return "tshark exited:\n" + tshark.log();
      if (Clock::now() > tshark_deadline) return "tshark did not start capturing:\n" + tshark.log();
      std::this_thread::sleep_for(20ms);
    }

    const std::vector<std::string> argv = {
        turnserver_bin, "-n", "-v", "--listening-ip=127.0.0.1", "--listening-port=" + std::to_string(port),
        "--relay-ip=127.0.0.1", "--min-port=" + std::to_string(relay_min),
        "--max-port=" + std::to_string(relay_max), "--lt-cred-mech",
        std::string("--user=") + turn_user + ":" + turn_password, "--realm=test.local",
        "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log",
        "--pidfile=" + rundir + "/turn.pid", "--userdb=" + rundir + "/turndb"};
    if (auto e = turnserver.start(argv, rundir + "/turn.log"); !e.empty()) return e;
    const auto deadline = Clock::now() + 10s;
    while (!stun_answers(port)) {
      if (!turnserver.running()) return "turnserver exited:\n" + turnserver.log();
      if (Clock::now() > deadline) return "turnserver did not answer within 10 s:\n" + turnserver.log();
    }
    MESSAGE("coturn pid ", turnserver.pid(), " on 127.0.0.1:", port, ", relays ", relay_min, "-", relay_max);
    return {};
  }
};

Servers& servers() {
  static Servers s;
  static const std::string error = s.start();
  REQUIRE_MESSAGE(error.empty(), error);
  return s;
}

// Between the agents and coturn, for STUN only: an endpoint-independent
// mapping with address-and-port-dependent filtering (RFC 4787 §4.1, §5): each
// agent socket gets an outside socket on 127.0.0.2 that forwards what the
// server answers, and nothing else.
class StunNat {
 public:
  StunNat(asio::io_context& io, udp::endpoint server)
      : io_(io), inside_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), server_(server) {
    read_inside();
  }

  std::uint16_t port() const { return inside_.local_endpoint().port(); }
  // Outside port by inside (agent) port.
  std::map<std::uint16_t, std::uint16_t> mappings() const {
    std::map<std::uint16_t, std::uint16_t> out;
    for (const auto& [inside, m] : outside_) out[inside.port()] = m->socket.local_endpoint().port();
    return out;
  }

 private:
  struct Mapping {
    udp::socket socket;
    udp::endpoint inside;
    udp::endpoint from;
    std::array<char, 2048> buffer{};
    Mapping(asio::io_context& io, udp::endpoint in)
        : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.2"), 0)), inside(in) {}
  };

  void read_inside() {
    inside_.async_receive_from(asio::buffer(buffer_), from_, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      auto& mapping = outside_[from_];
      if (!mapping) {
        mapping = std::make_unique<Mapping>(io_, from_);
        read_outside(*mapping);
      }
      mapping->socket.send_to(asio::buffer(buffer_.data(), n), server_, 0, ec);
      read_inside();
    });
  }

  void read_outside(Mapping& m) {
    m.socket.async_receive_from(asio::buffer(m.buffer), m.from, [this, &m](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      if (m.from == server_) inside_.send_to(asio::buffer(m.buffer.data(), n), m.inside, 0, ec);
      read_outside(m);
    });
  }

  asio::io_context& io_;
  udp::socket inside_;
  udp::endpoint server_;
  udp::endpoint from_;
  std::array<char, 2048> buffer_{};
  std::map<udp::endpoint, std::unique_ptr<Mapping>> outside_;
};

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

std::vector<ice::Candidate> local_of(const IcePeer& peer) {
  std::vector<ice::Candidate> out;
  REQUIRE_FALSE(peer.agent->local_candidates(out));
  return out;
}

// Exchanges, waits for both sides ready, sends three datagrams each way on
// each component and checks they arrive in order. Returns the connect time.
long connect_and_exchange(asio::io_context& io, IcePeer& offerer, IcePeer& answerer) {
  const auto start = Clock::now();
  REQUIRE_FALSE(give_remote(offerer, answerer));
  REQUIRE_FALSE(give_remote(answerer, offerer));
  REQUIRE(run_until(io, [&] { return offerer.ready() && answerer.ready(); }, 15s));
  const long ms = ms_since(start);
  const std::uint16_t components = offerer.components();
  for (std::uint16_t c = 1; c <= components; ++c)
    for (int i = 0; i < 3; ++i) {
      REQUIRE_FALSE(offerer.send(c, "o" + std::to_string(c) + std::to_string(i)));
      REQUIRE_FALSE(answerer.send(c, "a" + std::to_string(c) + std::to_string(i)));
    }
  REQUIRE(run_until(io, [&] {
    for (std::uint16_t c = 1; c <= components; ++c)
      if (offerer.received[c].size() < 3 || answerer.received[c].size() < 3) return false;
    return true;
  }, 5s));
  for (std::uint16_t c = 1; c <= components; ++c) {
    const std::string n = std::to_string(c);
    CHECK(answerer.received[c] == std::vector<std::string>{"o" + n + "0", "o" + n + "1", "o" + n + "2"});
    CHECK(offerer.received[c] == std::vector<std::string>{"a" + n + "0", "a" + n + "1", "a" + n + "2"});
  }
  return ms;
}

ice::IceConfig turn_config(ice::Role role, std::uint16_t components, const char* password) {
  ice::IceConfig config = loopback_config(role, components);
  ice::TurnServer turn;
  turn.address = "127.0.0.1";
  turn.port = servers().port;
  turn.username = turn_user;
  turn.password = password;
  config.turn = turn;
  return config;
}

}  // namespace

TEST_CASE("server-reflexive candidates from coturn") {
  Servers& s = servers();
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  StunNat nat(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), s.port));
  auto config = [&](ice::Role role) {
    ice::IceConfig c = loopback_config(role, 1);
    ice::StunServer stun;
    stun.address = "127.0.0.1";
    stun.port = nat.port();
    c.stun = stun;
    return c;
  };
  IcePeer offerer(io, config(ice::Role::controlling));
  IcePeer answerer(io, config(ice::Role::controlled));
  const auto start = Clock::now();
  REQUIRE_FALSE(offerer.agent->gather());
  REQUIRE_FALSE(answerer.agent->gather());
  REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, 10s));
  MESSAGE("host + srflx gathering: ", ms_since(start), " ms");

  const auto mappings = nat.mappings();
  for (IcePeer* peer : {&offerer, &answerer}) {
    const auto local = local_of(*peer);
    const ice::Candidate* host = nullptr;
    const ice::Candidate* srflx = nullptr;
    for (const auto& c : local) {
      MESSAGE(ice::to_sdp_value(c));
      if (c.type == ice::CandidateType::host) host = &c;
      if (c.type == ice::CandidateType::server_reflexive) srflx = &c;
    }
    REQUIRE(host != nullptr);
    REQUIRE(srflx != nullptr);
    // The mapped address coturn saw (RFC 8489 §14.2 XOR-MAPPED-ADDRESS), and
    // the host candidate as its base (RFC 8839 §5.1 raddr/rport).
    CHECK(srflx->address == "127.0.0.2");
    REQUIRE(mappings.contains(host->port));
    CHECK(srflx->port == mappings.at(host->port));
    CHECK(srflx->related_address == "127.0.0.1");
    CHECK(srflx->related_port == host->port);
    CHECK(srflx->priority < host->priority);  // RFC 8445 §5.1.2.2 type preferences
  }
  const long ms = connect_and_exchange(io, offerer, answerer);
  MESSAGE("host/srflx agents connected in ", ms, " ms: ", describe(offerer.pairs.at(1)));
}

TEST_CASE("forced through TURN relays") {
  for (const std::uint16_t components : {1, 2}) {
    CAPTURE(components);
    Servers& s = servers();
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    ice::IceConfig offer_config = turn_config(ice::Role::controlling, components, turn_password);
    ice::IceConfig answer_config = turn_config(ice::Role::controlled, components, turn_password);
    offer_config.force_relay = true;
    answer_config.force_relay = true;
    IcePeer offerer(io, offer_config);
    IcePeer answerer(io, answer_config);
    const auto start = Clock::now();
    REQUIRE_FALSE(offerer.agent->gather());
    REQUIRE_FALSE(answerer.agent->gather());
    REQUIRE(run_until(io, [&] { return offerer.gathered && answerer.gathered; }, 10s));
    MESSAGE("TURN allocations (", components, " per agent): ", ms_since(start), " ms");
    for (IcePeer* peer : {&offerer, &answerer}) {
      const auto local = local_of(*peer);
      CHECK(local.size() == components);
      for (const auto& c : local) {
        MESSAGE(ice::to_sdp_value(c));
        CHECK(c.type == ice::CandidateType::relayed);
        CHECK(c.address == "127.0.0.1");
        CHECK(c.port >= s.relay_min);
        CHECK(c.port <= s.relay_max);
      }
    }
    const long ms = connect_and_exchange(io, offerer, answerer);
    for (std::uint16_t c = 1; c <= components; ++c) {
      MESSAGE("relayed pair ", describe(offerer.pairs.at(c)), " in ", ms, " ms");
      CHECK(offerer.pairs.at(c).local.type == ice::CandidateType::relayed);
      CHECK(answerer.pairs.at(c).local.type == ice::CandidateType::relayed);
      CHECK(offerer.pairs.at(c).remote.port == answerer.pairs.at(c).local.port);
    }

    // Closing releases the allocations (a Refresh with lifetime 0, RFC 8656);
    // with the server frozen (SIGSTOP) nothing answers, and the destructor
    // must still return.
    struct Thaw {
      pid_t pid;
      ~Thaw() { kill(pid, SIGCONT); }
    };
    const bool frozen = components == 2;
    std::optional<Thaw> thaw;
    if (frozen) {
      REQUIRE(kill(s.turnserver.pid(), SIGSTOP) == 0);
      thaw.emplace(Thaw{s.turnserver.pid()});
    }
    const auto closing = Clock::now();
    offerer.agent.reset();
    answerer.agent.reset();
    const long close_ms = ms_since(closing);
    MESSAGE("two agents closed in ", close_ms, " ms", std::string(frozen ? " (TURN server frozen)" : ""));
    CHECK(close_ms < 10000);
  }
}

TEST_CASE("a wrong TURN password gives no relayed candidate") {
  Servers& s = servers();
  constexpr const char* refused = "user alice credentials are incorrect";
  const bool refused_before = s.turnserver.log().find(refused) != std::string::npos;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  IcePeer peer(io, turn_config(ice::Role::controlling, 1, "wrong-password"));
  const auto start = Clock::now();
  REQUIRE_FALSE(peer.agent->gather());
  REQUIRE(run_until(io, [&] { return peer.gathered; }, 15s));
  MESSAGE("gathering with a refused allocation: ", ms_since(start), " ms");
  const auto local = local_of(peer);
  bool host = false;
  for (const auto& c : local) {
    CHECK(c.type != ice::CandidateType::relayed);
    host = host || c.type == ice::CandidateType::host;
  }
  CHECK(host);  // gathering went on without the relay
  // coturn saw the allocation and refused the password (401, RFC 8489 §9.2.4).
  CHECK_FALSE(refused_before);
  CHECK(s.turnserver.log().find(refused) != std::string::npos);
}

TEST_CASE("RtpStreams forced through TURN relays: RTP and RTCP flow") {
  Servers& s = servers();
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ice::IceConfig offer_config = turn_config(ice::Role::controlling, 2, turn_password);
  ice::IceConfig answer_config = turn_config(ice::Role::controlled, 2, turn_password);
  offer_config.force_relay = true;
  answer_config.force_relay = true;
  IceStreamPeer offerer(io, offer_config);
  IceStreamPeer answerer(io, answer_config);
  rtp::RtpSessionConfig offer_rtp = audio_config(false, 1.0);
  rtp::RtpSessionConfig answer_rtp = audio_config(false, 1.0);
  add_srtp(offer_rtp, answer_rtp);
  const long ms = connect(io, offerer, answerer, offer_rtp, answer_rtp, 15s);
  for (std::uint16_t c = 1; c <= 2; ++c) {
    const ice::SelectedPair& pair = *offerer.transport->selected(c);
    MESSAGE("RTP stream's relayed pair ", describe(pair), " selected in ", ms, " ms");
    CHECK(pair.local.type == ice::CandidateType::relayed);
    CHECK(pair.remote.type == ice::CandidateType::relayed);
    CHECK(answerer.transport->selected(c)->local.type == ice::CandidateType::relayed);
    CHECK(pair.local.port >= s.relay_min);
    CHECK(pair.local.port <= s.relay_max);
    CHECK(pair.remote.port == answerer.transport->selected(c)->local.port);
  }
  exchange_audio(io, offerer, answerer, 100);
  // RTCP on component 2, through its own relay, both ways.
  REQUIRE(run_until(io, [&] { return offerer.counters().rtcp_received >= 2 && answerer.counters().rtcp_received >= 2; },
                    10s));
  for (const IceStreamPeer* p : {&offerer, &answerer}) {
    const auto& n = p->counters();
    MESSAGE(std::string(p == &offerer ? "offerer" : "answerer"), ": RTP sent ", n.packets_sent, ", received ", n.packets_received,
            "; RTCP sent ", n.rtcp_sent, ", received ", n.rtcp_received, "; not sent before selection ",
            p->transport->unsent());
    CHECK(n.srtp_auth_failures == 0);
    CHECK(n.malformed == 0);
    CHECK(n.packets_received == 100);
  }
}

// Last in the file, so last to run: the capture of every test above.
TEST_CASE("tshark decodes every STUN/TURN packet, none malformed") {
  Servers& s = servers();
  std::this_thread::sleep_for(500ms);  // TURN deallocations of the last agents
  s.tshark.stop(SIGINT);
  // The ports are random, so one may be a port Wireshark gives to another
  // protocol (seen: an agent on 37008, TZSP's, made its Allocates
  // "malformed TZSP"). STUN and ChannelData are therefore recognized by
  // their heuristic before any port.
  const std::string read = "tshark -r " + s.pcap + " -o udp.try_heuristic_first:TRUE ";
  const std::string malformed = run_capture(read + "-Y _ws.malformed 2>/dev/null");
  CHECK_MESSAGE(malformed.empty(), malformed);
  const std::string stun = run_capture(read + "-Y stun -T fields -e stun.type 2>/dev/null");
  const auto count = [&](const std::string& type) {
    std::size_t n = 0;
    for (std::size_t at = stun.find(type); at != std::string::npos; at = stun.find(type, at + 1)) ++n;
    return n;
  };
  const std::size_t packets = static_cast<std::size_t>(std::count(stun.begin(), stun.end(), '\n'));
  MESSAGE("STUN/TURN packets captured: ", packets, ", Allocate requests: ", count("0x0003"),
          ", Binding requests: ", count("0x0001"), ", Refresh requests: ", count("0x0004"));
  // Every allocation of the run (2 + 4 forced relays, 4 for the RTP streams) released on close
  // with a Refresh of lifetime 0 (RFC 8656).
  const std::string releases = run_capture(read +
                                           "-Y 'stun.type == 0x0004 && stun.att.lifetime == 0'"
                                           " -T fields -e frame.number 2>/dev/null");
  CHECK(std::count(releases.begin(), releases.end(), '\n') >= 10);
  CHECK(count("0x0003") >= 4);  // Allocate, 401 and retried, per agent
  CHECK(count("0x0001") >= 2);  // Binding
  CHECK(packets >= 20);
}
