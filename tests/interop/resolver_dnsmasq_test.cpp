// Interop: the c-ares resolver shell (sip/resolver/dns_resolver.hpp) against
// a real dnsmasq the test starts on 127.0.0.1 at a free port, with the
// test.local zone of peers/dnsmasq/dnsmasq.conf.in (NAPTR, SRV, A, AAAA).
// dnsmasq runs in the foreground (-k) as the test's own user and group, is
// stopped by PID at exit, and dies with the test process should that crash
// (PR_SET_PDEATHSIG, which survives because dnsmasq changes no credentials).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "child_process.hpp"
#include "sip/resolver/dns_resolver.hpp"

#ifndef COSIP_DNSMASQ_CONF_IN
#error "COSIP_DNSMASQ_CONF_IN must name tests/interop/peers/dnsmasq/dnsmasq.conf.in"
#endif

using namespace cosip::sip;
using namespace cosip::sip::resolver;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using cosip::test::find_program;
using cosip::test::read_whole;

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// A port free on 127.0.0.1 for both UDP and TCP right now (the kernel's
// pick for port 0; dnsmasq may still lose a race for it, hence retries).
std::uint16_t free_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(udp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(udp);
      continue;
    }
    const int tcp = socket(AF_INET, SOCK_STREAM, 0);
    const bool tcp_free = tcp >= 0 && bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (tcp >= 0) close(tcp);
    close(udp);
    if (tcp_free) return ntohs(addr.sin_port);
  }
  return 0;
}

// A DNS query for "sip.test.local" A, by hand: the readiness probe.
bool dns_answers(std::uint16_t port) {
  static const unsigned char query[] = {
      0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header, RD, 1 question
      3,    's',  'i',  'p',  4,    't',  'e',  's',  't',  5,    'l',  'o',  'c', 'a', 'l', 0,
      0x00, 0x01, 0x00, 0x01,  // A, IN
  };
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (sendto(fd, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
      static_cast<ssize_t>(sizeof query)) {
    pollfd p{fd, POLLIN, 0};
    unsigned char reply[512];
    if (poll(&p, 1, 200) == 1) {
      const ssize_t n = recv(fd, reply, sizeof reply, 0);
      ok = n >= 12 && reply[0] == 0x12 && reply[1] == 0x34 && (reply[3] & 0x0f) == 0;  // NOERROR
    }
  }
  close(fd);
  return ok;
}

// dnsmasq for the duration of the test program.
class Dnsmasq {
 public:
  Dnsmasq() = default;
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;
  ~Dnsmasq() { stop(); }

  // Empty on success, else what went wrong.
  std::string start() {
    const std::string binary = find_program("dnsmasq");
    if (binary.empty()) {
      return "dnsmasq is not installed: this interop test needs it (Debian package dnsmasq-base; "
             "scripts/install-deps.sh installs it)";
    }
    const std::string conf_in = read_whole(COSIP_DNSMASQ_CONF_IN);
    if (conf_in.empty()) return std::string("cannot read ") + COSIP_DNSMASQ_CONF_IN;
    char dir_template[] = "/tmp/cosip-dnsmasq-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return "mkdtemp failed";
    rundir_ = dir_template;
    const passwd* pw = getpwuid(geteuid());
    const group* gr = getgrgid(getegid());
    if (pw == nullptr || gr == nullptr) return "cannot name the current user and group";
    const std::string user = pw->pw_name;
    const std::string group_name = gr->gr_name;

    std::string last_error;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (port_ == 0) return "no free port on 127.0.0.1";
      std::string conf = conf_in;
      replace_all(conf, "@PORT@", std::to_string(port_));
      replace_all(conf, "@RUNDIR@", rundir_);
      replace_all(conf, "@USER@", user);
      replace_all(conf, "@GROUP@", group_name);
      const std::string conf_path = rundir_ + "/dnsmasq.conf";
      std::ofstream(conf_path, std::ios::binary | std::ios::trunc) << conf;
      last_error = spawn(binary, conf_path);
      if (last_error.empty()) return {};
      stop_process();
    }
    return last_error;
  }

  void stop() {
    stop_process();
    if (!rundir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(rundir_, ec);
      rundir_.clear();
    }
  }

  std::uint16_t port() const { return port_; }
  std::string log() const { return read_whole(log_path()); }

 private:
  std::string log_path() const { return rundir_ + "/dnsmasq.log"; }

  std::string spawn(const std::string& binary, const std::string& conf_path) {
    const std::string log = log_path();
    if (std::string e = process_.start({binary, "-k", "-C", conf_path}, log); !e.empty()) return e;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_.running()) return "dnsmasq exited at start:\n" + read_whole(log);
      if (dns_answers(port_)) return {};
      std::this_thread::sleep_for(20ms);
    }
    return "dnsmasq did not answer on 127.0.0.1:" + std::to_string(port_) + " within 10 s:\n" +
           read_whole(log);
  }

  void stop_process() { process_.stop(); }

  cosip::test::ChildProcess process_;
  std::uint16_t port_ = 0;
  std::string rundir_;
};

// Started on first use, stopped when the program exits.
Dnsmasq& dnsmasq() {
  static Dnsmasq server;
  static const std::string error = server.start();
  REQUIRE_MESSAGE(error.empty(), error);
  return server;
}

DnsResolverConfig config_for(std::uint16_t port) {
  DnsResolverConfig config;
  config.servers = "127.0.0.1:" + std::to_string(port);
  config.timeout = 1000ms;
  config.tries = 2;
  config.lookups = "b";  // DNS only: /etc/hosts plays no part
  config.random_seed = false;
  return config;
}

DnsResolverConfig dnsmasq_config() { return config_for(dnsmasq().port()); }

Uri uri_of(std::string_view text) {
  Uri uri;
  INFO("uri: ", text);
  REQUIRE(parse_uri(text, uri).error == nullptr);
  return uri;
}

// One resolution on a fresh io_context and resolver.
ResolveResult resolve(std::string_view uri_text, DnsResolverConfig config) {
  const Uri uri = uri_of(uri_text);
  asio::io_context io;
  DnsResolver resolver(io.get_executor(), std::move(config));
  std::optional<ResolveResult> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await resolver.resolve(uri); }, asio::detached);
  io.run_for(30s);
  REQUIRE_MESSAGE(out.has_value(), "resolve(", uri_text, ") did not finish");
  return std::move(*out);
}

std::vector<std::string> strings(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& t : targets) out.push_back(to_string(t));
  return out;
}

using Strings = std::vector<std::string>;

std::string describe(const ResolveResult& r) {
  std::string out = std::string(to_string(r.error)) + (r.detail.empty() ? "" : ": " + r.detail);
  for (const Target& t : r.targets) out += "\n  " + to_string(t) + " (" + t.host + ")";
  return out;
}

}  // namespace

TEST_CASE("sip:test.local: NAPTR -> SRV -> A, every transport in NAPTR order") {
  const ResolveResult r = resolve("sip:test.local", dnsmasq_config());
  INFO(describe(r));
  REQUIRE(r.ok());
  CHECK(strings(r.targets) == Strings{"udp 127.0.0.1:17060", "udp 127.0.0.1:17062", "tcp 127.0.0.1:17060",
                                      "tls 127.0.0.1:17061"});
  CHECK(r.targets[0].host == "sip.test.local");
  CHECK(r.targets[1].host == "sip2.test.local");
}

TEST_CASE("sip:test.local with a UA of UDP and TCP only") {
  DnsResolverConfig config = dnsmasq_config();
  config.locate.transports = {Transport::tcp, Transport::udp};
  const ResolveResult r = resolve("sip:test.local", config);
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"udp 127.0.0.1:17060", "udp 127.0.0.1:17062", "tcp 127.0.0.1:17060"});
}

TEST_CASE("sip:test.local;transport=tcp: SRV _sip._tcp only") {
  const ResolveResult r = resolve("sip:test.local;transport=tcp", dnsmasq_config());
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"tcp 127.0.0.1:17060"});
}

TEST_CASE("sips:test.local: SIPS+D2T only") {
  const ResolveResult r = resolve("sips:test.local", dnsmasq_config());
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"tls 127.0.0.1:17061"});
}

TEST_CASE("sip:sip.test.local:5070: A only") {
  const ResolveResult r = resolve("sip:sip.test.local:5070", dnsmasq_config());
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"udp 127.0.0.1:5070"});
}

TEST_CASE("sip:sip.test.local: no NAPTR, no SRV, A at 5060") {
  const ResolveResult r = resolve("sip:sip.test.local", dnsmasq_config());
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"udp 127.0.0.1:5060"});
}

TEST_CASE("A and AAAA together; IPv4 only") {
  const ResolveResult both = resolve("sip:dual.test.local:5070", dnsmasq_config());
  INFO(describe(both));
  const std::vector<std::string> got = strings(both.targets);
  CHECK(std::set<std::string>(got.begin(), got.end()) ==
        std::set<std::string>{"udp 127.0.0.1:5070", "udp [::1]:5070"});
  CHECK(got.size() == 2);

  DnsResolverConfig config = dnsmasq_config();
  config.locate.families = IpFamilies::v4;
  const ResolveResult v4 = resolve("sip:dual.test.local:5070", config);
  CHECK(strings(v4.targets) == Strings{"udp 127.0.0.1:5070"});
}

TEST_CASE("SRV weights 60/40 within one priority (RFC 2782)") {
  int heavy_first = 0;
  constexpr int runs = 100;
  for (int seed = 0; seed < runs; ++seed) {
    DnsResolverConfig config = dnsmasq_config();
    config.locate.seed = static_cast<std::uint64_t>(seed);
    const ResolveResult r = resolve("sip:weighted.test.local", config);
    INFO(describe(r));
    REQUIRE(r.targets.size() == 2);
    const std::set<std::uint16_t> ports{r.targets[0].port, r.targets[1].port};
    CHECK(ports == std::set<std::uint16_t>{17070, 17072});
    if (r.targets[0].port == 17070) ++heavy_first;
  }
  INFO("17070 (weight 60) first in ", heavy_first, " of ", runs);
  CHECK(heavy_first > 40);
  CHECK(heavy_first < 80);
}

TEST_CASE("a name that does not exist: not_found, no crash") {
  const ResolveResult r = resolve("sip:nope.test.local", dnsmasq_config());
  INFO(describe(r));
  CHECK(r.error == ResolveError::not_found);
  CHECK(r.targets.empty());
  CHECK(r.detail.find("nope.test.local") != std::string::npos);

  const ResolveResult with_port = resolve("sip:nope.test.local:5060", dnsmasq_config());
  CHECK(with_port.error == ResolveError::not_found);
}

TEST_CASE("queries over TCP") {
  DnsResolverConfig config = dnsmasq_config();
  config.use_tcp = true;
  const ResolveResult r = resolve("sip:test.local", config);
  INFO(describe(r));
  CHECK(strings(r.targets) == Strings{"udp 127.0.0.1:17060", "udp 127.0.0.1:17062", "tcp 127.0.0.1:17060",
                                      "tls 127.0.0.1:17061"});
}

TEST_CASE("raw NAPTR and SRV answers as c-ares decodes them") {
  const std::uint16_t port = dnsmasq().port();
  asio::io_context io;
  DnsResolver resolver(io.get_executor(), config_for(port));
  std::optional<DnsAnswer> naptr;
  std::optional<DnsAnswer> srv;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        naptr = co_await resolver.query(DnsQuery{DnsQuery::Type::naptr, "test.local", IpFamilies::any});
        srv = co_await resolver.query(DnsQuery{DnsQuery::Type::srv, "_sip._udp.test.local", IpFamilies::any});
      },
      asio::detached);
  io.run_for(30s);
  REQUIRE(naptr.has_value());
  REQUIRE(srv.has_value());
  REQUIRE(naptr->status == DnsStatus::ok);
  REQUIRE(naptr->naptr.size() == 3);
  std::vector<NaptrRecord> records = naptr->naptr;
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  CHECK(records[0].order == 10);
  CHECK(records[0].preference == 50);
  CHECK(records[0].flags == "s");
  CHECK(records[0].service == "SIP+D2U");
  CHECK(records[0].regexp.empty());
  CHECK(records[0].replacement == "_sip._udp.test.local");
  CHECK(records[2].service == "SIPS+D2T");
  REQUIRE(srv->status == DnsStatus::ok);
  REQUIRE(srv->srv.size() == 2);
  std::vector<SrvRecord> srvs = srv->srv;
  std::sort(srvs.begin(), srvs.end(), [](const auto& a, const auto& b) { return a.priority < b.priority; });
  CHECK(srvs[0] == SrvRecord{10, 60, 17060, "sip.test.local"});
  CHECK(srvs[1] == SrvRecord{20, 40, 17062, "sip2.test.local"});
}

TEST_CASE("many resolutions at once on one resolver") {
  const std::uint16_t port = dnsmasq().port();
  asio::io_context io;
  DnsResolver resolver(io.get_executor(), config_for(port));
  const Uri uri = uri_of("sip:test.local");
  const Uri tcp_uri = uri_of("sip:test.local;transport=tcp");
  constexpr int count = 40;
  std::vector<std::optional<ResolveResult>> results(count);
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          results[static_cast<std::size_t>(i)] = co_await resolver.resolve(i % 2 ? tcp_uri : uri);
        },
        asio::detached);
  }
  io.run_for(30s);
  for (int i = 0; i < count; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    REQUIRE(r.has_value());
    INFO(describe(*r));
    CHECK(r->ok());
    CHECK(r->targets.size() == (i % 2 ? 1u : 4u));
  }
}

TEST_CASE("no DNS server listening: dns_failure, in bounded time") {
  const std::uint16_t port = free_port();
  REQUIRE(port != 0);
  DnsResolverConfig config = config_for(port);
  config.timeout = 200ms;
  config.tries = 1;
  const auto start = std::chrono::steady_clock::now();
  const ResolveResult r = resolve("sip:test.local", config);
  INFO(describe(r));
  CHECK(r.error == ResolveError::dns_failure);
  CHECK_FALSE(r.detail.empty());
  CHECK(std::chrono::steady_clock::now() - start < 20s);
}

TEST_CASE("a DNS server that never answers: the resolver times out") {
  // A bound UDP socket nobody reads: every query times out.
  const int hole = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(hole >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  DnsResolverConfig config = config_for(ntohs(addr.sin_port));
  config.timeout = 100ms;
  config.tries = 1;

  SUBCASE("timeout: dns_failure") {
    const ResolveResult r = resolve("sip:test.local:5060", config);
    INFO(describe(r));
    CHECK(r.error == ResolveError::dns_failure);
  }
  SUBCASE("destroying the resolver mid-query: cancelled") {
    config.timeout = 5000ms;
    const Uri uri = uri_of("sip:test.local");
    asio::io_context io;
    auto resolver = std::make_unique<DnsResolver>(io.get_executor(), config);
    std::optional<ResolveResult> out;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out = co_await resolver->resolve(uri); }, asio::detached);
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](const boost::system::error_code&) { resolver.reset(); });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(30s);
    REQUIRE(out.has_value());
    CHECK(out->error == ResolveError::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  close(hole);
}

TEST_CASE("a bad server list is an error value") {
  DnsResolverConfig config;
  config.servers = "this is not an address";
  asio::io_context io;
  DnsResolver resolver(io.get_executor(), config);
  CHECK(resolver.init_error() == ResolveError::bad_configuration);
  CHECK_FALSE(resolver.init_detail().empty());
  std::optional<ResolveResult> out;
  const Uri uri = uri_of("sip:test.local");
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await resolver.resolve(uri); }, asio::detached);
  io.run_for(5s);
  REQUIRE(out.has_value());
  CHECK(out->error == ResolveError::bad_configuration);
}

TEST_CASE("numeric and unusable URIs need no DNS") {
  DnsResolverConfig config = config_for(1);  // nothing is asked
  const ResolveResult r = resolve("sips:[::1]:5071", config);
  CHECK(strings(r.targets) == Strings{"tls [::1]:5071"});
  CHECK(resolve("tel:+15551234", config).error == ResolveError::invalid_uri);
}
