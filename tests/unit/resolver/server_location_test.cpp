// RFC 3263 server location with scripted DNS answers: every branch of §4.1
// (transport) and §4.2 (port and IP), NAPTR filtering and ordering, the
// RFC 2782 SRV order and weights, sips restrictions, limits, failures, and
// the §4.3 fail-over cursor.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sip/resolver/server_location.hpp"
#include "sip/syntax/uri.hpp"

using namespace cosip::sip;
using namespace cosip::sip::resolver;

namespace {

// `text` must outlive the URI (string literals do).
Uri uri_of(std::string_view text) {
  Uri uri;
  const UriParse r = parse_uri(text, uri);
  INFO("uri: ", text);
  REQUIRE(r.error == nullptr);
  return uri;
}

NaptrRecord naptr(std::uint16_t order, std::uint16_t preference, std::string service, std::string replacement,
                  std::string flags = "s", std::string regexp = "") {
  return NaptrRecord{order, preference, std::move(flags), std::move(service), std::move(regexp),
                     std::move(replacement)};
}

SrvRecord srv(std::uint16_t priority, std::uint16_t weight, std::uint16_t port, std::string target) {
  return SrvRecord{priority, weight, port, std::move(target)};
}

IpAddress ip(std::string_view text) {
  const auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

DnsAnswer naptr_answer(std::vector<NaptrRecord> records) {
  DnsAnswer a;
  a.naptr = std::move(records);
  return a;
}
DnsAnswer srv_answer(std::vector<SrvRecord> records) {
  DnsAnswer a;
  a.srv = std::move(records);
  return a;
}
DnsAnswer address_answer(std::vector<std::string_view> texts) {
  DnsAnswer a;
  for (std::string_view t : texts) a.addresses.push_back(ip(t));
  return a;
}
DnsAnswer status_answer(DnsStatus status, std::string detail = {}) {
  DnsAnswer a;
  a.status = status;
  a.detail = std::move(detail);
  return a;
}

// Scripted DNS: answers keyed by to_string(query) ("NAPTR x", "SRV x",
// "A/AAAA x"); anything unscripted is NXDOMAIN. Records every query.
struct ScriptedDns {
  std::map<std::string, DnsAnswer> answers;
  std::vector<std::string> asked;

  DnsAnswer operator()(const DnsQuery& query) {
    const std::string key = to_string(query);
    asked.push_back(key);
    const auto it = answers.find(key);
    if (it == answers.end()) return status_answer(DnsStatus::not_found, "Domain name not found");
    return it->second;
  }
};

Target target(Transport transport, std::string_view address, std::uint16_t port, std::string host = {}) {
  return Target{transport, ip(address), port, std::move(host)};
}

std::vector<std::string> strings(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& t : targets) out.push_back(to_string(t));
  return out;
}

using Strings = std::vector<std::string>;

ResolveResult run(std::string_view uri_text, ScriptedDns& dns, const LocateOptions& options = {}) {
  return locate(uri_of(uri_text), options, dns);
}

LocateOptions with_transports(std::vector<Transport> transports) {
  LocateOptions o;
  o.transports = std::move(transports);
  return o;
}

}  // namespace

TEST_CASE("numeric host: the address itself, no DNS (§4.2)") {
  ScriptedDns dns;
  SUBCASE("sip, IPv4: UDP, 5060") {
    const ResolveResult r = run("sip:alice@192.0.2.1", dns);
    REQUIRE(r.ok());
    CHECK(r.targets == std::vector{target(Transport::udp, "192.0.2.1", 5060)});
  }
  SUBCASE("sip with port") {
    const ResolveResult r = run("sip:192.0.2.1:5070", dns);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5070"});
  }
  SUBCASE("transport=tcp") {
    const ResolveResult r = run("sip:192.0.2.1;transport=TCP", dns);
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.1:5060"});
  }
  SUBCASE("transport=tls on a sip URI: TLS, 5061") {
    const ResolveResult r = run("sip:192.0.2.1;transport=tls", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.1:5061"});
  }
  SUBCASE("sips: TLS over TCP, 5061") {
    const ResolveResult r = run("sips:192.0.2.1", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.1:5061"});
  }
  SUBCASE("sips;transport=tcp is TLS") {
    const ResolveResult r = run("sips:192.0.2.1:6000;transport=tcp", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.1:6000"});
  }
  SUBCASE("IPv6 reference, brackets stripped") {
    const ResolveResult r = run("sip:[2001:db8::1]:5080", dns);
    REQUIRE(r.ok());
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].address.family == IpAddress::Family::v6);
    CHECK(r.targets[0].address.to_string() == "2001:db8::1");
    CHECK(to_string(r.targets[0]) == "udp [2001:db8::1]:5080");
    CHECK(r.targets[0].host.empty());
  }
  SUBCASE("maddr overrides the host (§4: TARGET)") {
    const ResolveResult r = run("sip:alice@example.com;maddr=198.51.100.7", dns);
    CHECK(strings(r.targets) == Strings{"udp 198.51.100.7:5060"});
  }
  SUBCASE("UA without UDP: TCP") {
    const ResolveResult r = run("sip:192.0.2.1", dns, with_transports({Transport::tcp}));
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.1:5060"});
  }
  SUBCASE("IPv6 address while only IPv4 is enabled") {
    LocateOptions o;
    o.families = IpFamilies::v4;
    CHECK(run("sip:[::1]", dns, o).error == ResolveError::unsupported_transport);
  }
  CHECK(dns.asked.empty());
}

TEST_CASE("URIs and transports that cannot be resolved") {
  ScriptedDns dns;
  SUBCASE("tel URI") {
    const ResolveResult r = run("tel:+1-201-555-0123", dns);
    CHECK(r.error == ResolveError::invalid_uri);
    CHECK_FALSE(r.detail.empty());
  }
  SUBCASE("sips with transport=udp") {
    CHECK(run("sips:example.com;transport=udp", dns).error == ResolveError::unsupported_transport);
  }
  SUBCASE("unknown transport") {
    CHECK(run("sip:example.com;transport=sctp", dns).error == ResolveError::unsupported_transport);
    CHECK(run("sip:192.0.2.1;transport=ws", dns).error == ResolveError::unsupported_transport);
  }
  SUBCASE("transport the UA lacks") {
    const ResolveResult r = run("sip:example.com;transport=tcp", dns, with_transports({Transport::udp}));
    CHECK(r.error == ResolveError::unsupported_transport);
    CHECK(r.detail.find("tcp") != std::string::npos);
  }
  SUBCASE("sips without TLS support") {
    CHECK(run("sips:example.com", dns, with_transports({Transport::udp, Transport::tcp})).error ==
          ResolveError::unsupported_transport);
  }
  SUBCASE("no transports at all") {
    CHECK(run("sip:example.com", dns, with_transports({})).error == ResolveError::unsupported_transport);
  }
  SUBCASE("maddr that is not an address nor a usable name") {
    CHECK(run("sip:example.com;maddr=[zz]", dns).error == ResolveError::invalid_uri);
  }
  CHECK(dns.asked.empty());
}

TEST_CASE("explicit port: A/AAAA only (§4.2)") {
  ScriptedDns dns;
  dns.answers["A/AAAA sip.example.com"] = address_answer({"192.0.2.10", "2001:db8::10"});
  SUBCASE("sip: UDP at that port") {
    const ResolveResult r = run("sip:bob@sip.example.com:5070", dns);
    REQUIRE(r.ok());
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.10:5070", "udp [2001:db8::10]:5070"});
    CHECK(r.targets[0].host == "sip.example.com");
  }
  SUBCASE("sips: TLS") {
    const ResolveResult r = run("sips:sip.example.com:5071", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.10:5071", "tls [2001:db8::10]:5071"});
  }
  SUBCASE("transport=tcp") {
    const ResolveResult r = run("sip:sip.example.com:5070;transport=tcp", dns);
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.10:5070", "tcp [2001:db8::10]:5070"});
  }
  SUBCASE("IPv4 only drops the AAAA answer") {
    LocateOptions o;
    o.families = IpFamilies::v4;
    ServerLocator locator(uri_of("sip:sip.example.com:5070"), o);
    REQUIRE(locator.pending_query() != nullptr);
    CHECK(locator.pending_query()->families == IpFamilies::v4);
    CHECK(to_string(*locator.pending_query()) == "A sip.example.com");
    locator.on_answer(address_answer({"192.0.2.10", "2001:db8::10"}));
    CHECK(strings(locator.result().targets) == Strings{"udp 192.0.2.10:5070"});
    dns.asked.push_back("A/AAAA sip.example.com");
  }
  CHECK(dns.asked == Strings{"A/AAAA sip.example.com"});
}

TEST_CASE("explicit port, name unknown: not_found") {
  ScriptedDns dns;
  const ResolveResult r = run("sip:nowhere.example.com:5070", dns);
  CHECK(r.error == ResolveError::not_found);
  CHECK(r.targets.empty());
  CHECK(r.detail.find("nowhere.example.com") != std::string::npos);
}

TEST_CASE("NAPTR -> SRV -> A/AAAA (§4.1, §4.2)") {
  ScriptedDns dns;
  // Out of order on purpose; order decides first, then preference.
  dns.answers["NAPTR example.com"] = naptr_answer({
      naptr(20, 50, "SIP+D2T", "_sip._tcp.example.com"),
      naptr(10, 60, "SIPS+D2T", "_sips._tcp.example.com"),
      naptr(10, 50, "SIP+D2U", "_sip._udp.example.com."),  // final dot
  });
  dns.answers["SRV _sip._udp.example.com"] = srv_answer({srv(10, 0, 5060, "a.example.com")});
  dns.answers["SRV _sips._tcp.example.com"] = srv_answer({srv(10, 0, 5061, "a.example.com")});
  dns.answers["SRV _sip._tcp.example.com"] =
      srv_answer({srv(20, 0, 5062, "b.example.com"), srv(10, 0, 5060, "a.example.com")});
  dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1"});
  dns.answers["A/AAAA b.example.com"] = address_answer({"192.0.2.2"});

  SUBCASE("every supported transport, NAPTR order, A/AAAA asked once per name") {
    const ResolveResult r = run("sip:example.com", dns);
    REQUIRE(r.ok());
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060", "tls 192.0.2.1:5061", "tcp 192.0.2.1:5060",
                                        "tcp 192.0.2.2:5062"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._udp.example.com", "A/AAAA a.example.com",
                               "SRV _sips._tcp.example.com", "SRV _sip._tcp.example.com",
                               "A/AAAA b.example.com"});
    CHECK(r.targets[3].host == "b.example.com");
  }
  SUBCASE("only the transports the UA supports") {
    const ResolveResult r = run("sip:example.com", dns, with_transports({Transport::tcp}));
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.1:5060", "tcp 192.0.2.2:5062"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._tcp.example.com", "A/AAAA a.example.com",
                               "A/AAAA b.example.com"});
  }
  SUBCASE("sips: only SIPS+D2T") {
    const ResolveResult r = run("sips:example.com", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.1:5061"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sips._tcp.example.com", "A/AAAA a.example.com"});
  }
}

TEST_CASE("NAPTR records we cannot use are skipped") {
  ScriptedDns dns;
  dns.answers["NAPTR example.com"] = naptr_answer({
      naptr(5, 10, "SIP+D2S", "_sip._sctp.example.com"),             // SCTP
      naptr(5, 20, "E2U+sip", "", "u", "!^.*$!sip:info@example.com!"),  // ENUM
      naptr(6, 10, "SIP+D2U", "_sip._udp.example.com", "a"),          // flag not "s"
      naptr(7, 10, "SIP+D2U", "_sip._udp.example.com", "s", "!x!y!"),  // regexp
      naptr(8, 10, "SIP+D2U", "."),                                    // no replacement
      naptr(9, 10, "sip+d2t", "_sip._tcp.example.com", "S"),          // case-insensitive
  });
  dns.answers["SRV _sip._tcp.example.com"] = srv_answer({srv(1, 1, 5060, "a.example.com")});
  dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1"});
  const ResolveResult r = run("sip:example.com", dns);
  CHECK(strings(r.targets) == Strings{"tcp 192.0.2.1:5060"});
  CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._tcp.example.com", "A/AAAA a.example.com"});
}

TEST_CASE("NAPTR records, none usable: as without NAPTR") {
  ScriptedDns dns;
  dns.answers["NAPTR example.com"] = naptr_answer({naptr(5, 10, "SIP+D2S", "_sip._sctp.example.com")});
  dns.answers["SRV _sip._tcp.example.com"] = srv_answer({srv(1, 1, 5060, "a.example.com")});
  dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1"});
  const ResolveResult r = run("sip:example.com", dns);
  CHECK(strings(r.targets) == Strings{"tcp 192.0.2.1:5060"});
  CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._udp.example.com", "SRV _sip._tcp.example.com",
                             "A/AAAA a.example.com", "SRV _sips._tcp.example.com"});
}

TEST_CASE("no NAPTR: one SRV query per supported transport, in preference order (§4.1)") {
  ScriptedDns dns;
  dns.answers["SRV _sip._udp.example.com"] = srv_answer({srv(10, 0, 5060, "u.example.com")});
  dns.answers["SRV _sip._tcp.example.com"] = srv_answer({srv(10, 0, 5060, "t.example.com")});
  dns.answers["SRV _sips._tcp.example.com"] = srv_answer({srv(10, 0, 5061, "t.example.com")});
  dns.answers["A/AAAA u.example.com"] = address_answer({"192.0.2.1"});
  dns.answers["A/AAAA t.example.com"] = address_answer({"192.0.2.2"});

  SUBCASE("default preference: UDP, TCP, TLS") {
    const ResolveResult r = run("sip:example.com", dns);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060", "tcp 192.0.2.2:5060", "tls 192.0.2.2:5061"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._udp.example.com", "A/AAAA u.example.com",
                               "SRV _sip._tcp.example.com", "A/AAAA t.example.com",
                               "SRV _sips._tcp.example.com"});
  }
  SUBCASE("the UA prefers TLS, then TCP") {
    const ResolveResult r = run("sip:example.com", dns, with_transports({Transport::tls, Transport::tcp}));
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.2:5061", "tcp 192.0.2.2:5060"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sips._tcp.example.com", "A/AAAA t.example.com",
                               "SRV _sip._tcp.example.com"});
  }
  SUBCASE("sips: _sips._tcp only") {
    const ResolveResult r = run("sips:example.com", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.2:5061"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sips._tcp.example.com", "A/AAAA t.example.com"});
  }
  SUBCASE("NAPTR query failed (not just empty): SRV all the same") {
    dns.answers["NAPTR example.com"] = status_answer(DnsStatus::failed, "Timeout");
    const ResolveResult r = run("sip:example.com", dns, with_transports({Transport::udp}));
    CHECK(r.ok());
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060"});
  }
}

TEST_CASE("no NAPTR, no SRV: A/AAAA at the default port (§4.2)") {
  ScriptedDns dns;
  dns.answers["A/AAAA example.com"] = address_answer({"192.0.2.5", "2001:db8::5"});
  SUBCASE("sip: UDP 5060") {
    const ResolveResult r = run("sip:example.com", dns);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.5:5060", "udp [2001:db8::5]:5060"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._udp.example.com", "SRV _sip._tcp.example.com",
                               "SRV _sips._tcp.example.com", "A/AAAA example.com"});
  }
  SUBCASE("sips: TLS 5061") {
    const ResolveResult r = run("sips:example.com", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.5:5061", "tls [2001:db8::5]:5061"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sips._tcp.example.com", "A/AAAA example.com"});
  }
  SUBCASE("sip, UA with TCP only: TCP 5060") {
    const ResolveResult r = run("sip:example.com", dns, with_transports({Transport::tcp}));
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.5:5060", "tcp [2001:db8::5]:5060"});
  }
  SUBCASE("NAPTR says TCP but its SRV is empty: TCP at 5060") {
    dns.answers["NAPTR example.com"] = naptr_answer({naptr(1, 1, "SIP+D2T", "_sip._tcp.example.com")});
    const ResolveResult r = run("sip:example.com", dns);
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.5:5060", "tcp [2001:db8::5]:5060"});
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._tcp.example.com", "A/AAAA example.com"});
  }
}

TEST_CASE("transport= with a name and no port: SRV for that transport only (§4.2)") {
  ScriptedDns dns;
  dns.answers["SRV _sip._tcp.example.com"] = srv_answer({srv(10, 0, 5090, "t.example.com")});
  dns.answers["A/AAAA t.example.com"] = address_answer({"192.0.2.2"});
  dns.answers["A/AAAA example.com"] = address_answer({"192.0.2.9"});
  SUBCASE("tcp") {
    const ResolveResult r = run("sip:example.com;transport=tcp", dns);
    CHECK(strings(r.targets) == Strings{"tcp 192.0.2.2:5090"});
    CHECK(dns.asked == Strings{"SRV _sip._tcp.example.com", "A/AAAA t.example.com"});
  }
  SUBCASE("udp without SRV: A/AAAA, 5060") {
    const ResolveResult r = run("sip:example.com;transport=udp", dns);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.9:5060"});
    CHECK(dns.asked == Strings{"SRV _sip._udp.example.com", "A/AAAA example.com"});
  }
  SUBCASE("tls on a sip URI: _sips._tcp, 5061 without SRV") {
    const ResolveResult r = run("sip:example.com;transport=tls", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.9:5061"});
    CHECK(dns.asked == Strings{"SRV _sips._tcp.example.com", "A/AAAA example.com"});
  }
  SUBCASE("sips;transport=tcp: _sips._tcp") {
    const ResolveResult r = run("sips:example.com;transport=tcp", dns);
    CHECK(strings(r.targets) == Strings{"tls 192.0.2.9:5061"});
    CHECK(dns.asked == Strings{"SRV _sips._tcp.example.com", "A/AAAA example.com"});
  }
}

TEST_CASE("SRV target \".\": service decidedly not available, no A fallback (RFC 2782)") {
  ScriptedDns dns;
  dns.answers["SRV _sip._udp.example.com"] = srv_answer({srv(0, 0, 0, ".")});
  dns.answers["A/AAAA example.com"] = address_answer({"192.0.2.9"});
  const ResolveResult r = run("sip:example.com;transport=udp", dns);
  CHECK(r.error == ResolveError::not_found);
  CHECK(dns.asked == Strings{"SRV _sip._udp.example.com"});
}

TEST_CASE("SRV targets whose names do not resolve are skipped") {
  ScriptedDns dns;
  dns.answers["SRV _sip._udp.example.com"] =
      srv_answer({srv(10, 0, 5060, "gone.example.com"), srv(20, 0, 5062, "b.example.com")});
  dns.answers["A/AAAA b.example.com"] = address_answer({"192.0.2.2"});
  const ResolveResult r = run("sip:example.com;transport=udp", dns);
  CHECK(strings(r.targets) == Strings{"udp 192.0.2.2:5062"});
}

TEST_CASE("DNS failures: errors as values") {
  ScriptedDns dns;
  SUBCASE("every query times out: dns_failure naming the first query") {
    ServerLocator locator(uri_of("sip:example.com"));
    int n = 0;
    while (locator.pending_query() != nullptr) {
      locator.on_answer(status_answer(DnsStatus::failed, "Timeout while contacting DNS servers"));
      ++n;
    }
    CHECK(n == 5);  // NAPTR, 3 SRV, A/AAAA
    CHECK(locator.state() == ServerLocator::State::failed);
    CHECK(locator.result().error == ResolveError::dns_failure);
    CHECK(locator.result().detail == "NAPTR example.com: Timeout while contacting DNS servers");
  }
  SUBCASE("a failure does not hide the targets found elsewhere") {
    dns.answers["NAPTR example.com"] = status_answer(DnsStatus::failed, "SERVFAIL");
    dns.answers["A/AAAA example.com"] = address_answer({"192.0.2.9"});
    const ResolveResult r = run("sip:example.com", dns);
    CHECK(r.ok());
    CHECK(r.detail.empty());
  }
  SUBCASE("cancelled ends at once") {
    ServerLocator locator(uri_of("sip:example.com"));
    locator.on_answer(status_answer(DnsStatus::cancelled));
    CHECK(locator.finished());
    CHECK(locator.pending_query() == nullptr);
    CHECK(locator.result().error == ResolveError::cancelled);
    locator.on_answer(address_answer({"192.0.2.9"}));  // ignored once finished
    CHECK(locator.result().error == ResolveError::cancelled);
  }
  SUBCASE("error codes") {
    const std::error_code ec = ResolveError::not_found;
    CHECK(ec.category().name() == std::string("cosip.resolver"));
    CHECK(ec.message() == "no SIP server found in DNS");
    CHECK_FALSE(static_cast<bool>(std::error_code(ResolveError::none)));
  }
}

TEST_CASE("the state machine is visible") {
  ServerLocator locator(uri_of("sip:example.com"));
  CHECK(locator.state() == ServerLocator::State::naptr);
  REQUIRE(locator.pending_query() != nullptr);
  CHECK(*locator.pending_query() == DnsQuery{DnsQuery::Type::naptr, "example.com", IpFamilies::any});
  locator.on_answer(naptr_answer({naptr(1, 1, "SIP+D2U", "_sip._udp.example.com")}));
  CHECK(locator.state() == ServerLocator::State::srv);
  CHECK(locator.pending_query()->name == "_sip._udp.example.com");
  locator.on_answer(srv_answer({srv(1, 1, 5060, "a.example.com")}));
  CHECK(locator.state() == ServerLocator::State::address);
  locator.on_answer(address_answer({"192.0.2.1"}));
  CHECK(locator.state() == ServerLocator::State::done);
  CHECK(locator.pending_query() == nullptr);
  ResolveResult r = locator.take_result();
  CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060"});
}

TEST_CASE("limits and duplicates") {
  ScriptedDns dns;
  SUBCASE("max_targets") {
    dns.answers["A/AAAA example.com"] = address_answer({"192.0.2.1", "192.0.2.2", "192.0.2.3"});
    LocateOptions o;
    o.limits.max_targets = 2;
    const ResolveResult r = run("sip:example.com:5060", dns, o);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060", "udp 192.0.2.2:5060"});
  }
  SUBCASE("max_queries stops a long chain with what was found") {
    std::vector<SrvRecord> many;
    for (int i = 0; i < 10; ++i) {
      many.push_back(srv(static_cast<std::uint16_t>(i), 0, 5060, "h" + std::to_string(i) + ".example.com"));
    }
    dns.answers["SRV _sip._udp.example.com"] = srv_answer(many);
    for (int i = 0; i < 10; ++i) {
      dns.answers["A/AAAA h" + std::to_string(i) + ".example.com"] =
          address_answer({i == 0 ? "192.0.2.1" : "192.0.2.2"});
    }
    LocateOptions o;
    o.limits.max_queries = 4;
    const ResolveResult r = run("sip:example.com;transport=udp", dns, o);
    CHECK(dns.asked.size() == 4);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060", "udp 192.0.2.2:5060"});
  }
  SUBCASE("max_srv_records") {
    dns.answers["SRV _sip._udp.example.com"] =
        srv_answer({srv(1, 0, 5061, "a.example.com"), srv(2, 0, 5062, "a.example.com"),
                    srv(3, 0, 5063, "a.example.com")});
    dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1"});
    LocateOptions o;
    o.limits.max_srv_records = 2;
    const ResolveResult r = run("sip:example.com;transport=udp", dns, o);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5061", "udp 192.0.2.1:5062"});
  }
  SUBCASE("max_naptr_records") {
    dns.answers["NAPTR example.com"] = naptr_answer({naptr(1, 1, "SIP+D2U", "_sip._udp.example.com"),
                                                     naptr(2, 1, "SIP+D2T", "_sip._tcp.example.com")});
    LocateOptions o;
    o.limits.max_naptr_records = 1;
    run("sip:example.com", dns, o);
    CHECK(dns.asked == Strings{"NAPTR example.com", "SRV _sip._udp.example.com", "A/AAAA example.com"});
  }
  SUBCASE("the same transport, address and port once") {
    dns.answers["SRV _sip._udp.example.com"] =
        srv_answer({srv(1, 0, 5060, "a.example.com"), srv(2, 0, 5060, "A.Example.Com.")});
    dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1", "192.0.2.1"});
    const ResolveResult r = run("sip:example.com;transport=udp", dns);
    CHECK(strings(r.targets) == Strings{"udp 192.0.2.1:5060"});
    CHECK(dns.asked == Strings{"SRV _sip._udp.example.com", "A/AAAA a.example.com"});
  }
}

TEST_CASE("RFC 2782 order: priority first") {
  std::mt19937_64 rng(7);
  const std::vector<SrvRecord> records{srv(30, 5, 1, "c"), srv(10, 5, 2, "a"), srv(20, 0, 3, "b"),
                                       srv(10, 5, 4, "a2")};
  for (int i = 0; i < 100; ++i) {
    const auto ordered = order_srv_records(records, rng);
    REQUIRE(ordered.size() == 4);
    CHECK(ordered[0].priority == 10);
    CHECK(ordered[1].priority == 10);
    CHECK(ordered[2] == srv(20, 0, 3, "b"));
    CHECK(ordered[3] == srv(30, 5, 1, "c"));
  }
  CHECK(order_srv_records(records, rng, 1).size() == 1);
  CHECK(order_srv_records({}, rng).empty());
}

TEST_CASE("RFC 2782 weights: 60/40 over 10000 seeded draws") {
  std::mt19937_64 rng(20240601);
  const std::vector<SrvRecord> records{srv(10, 60, 5060, "heavy"), srv(10, 40, 5060, "light")};
  int heavy_first = 0;
  constexpr int draws = 10000;
  for (int i = 0; i < draws; ++i) {
    const auto ordered = order_srv_records(records, rng);
    REQUIRE(ordered.size() == 2);
    CHECK(ordered[0].target != ordered[1].target);
    if (ordered[0].target == "heavy") ++heavy_first;
  }
  const double share = static_cast<double>(heavy_first) / draws;
  INFO("heavy first in ", heavy_first, " of ", draws);
  CHECK(share > 0.57);
  CHECK(share < 0.63);
}

TEST_CASE("RFC 2782 weights: three records and weight 0") {
  std::mt19937_64 rng(99);
  const std::vector<SrvRecord> records{srv(1, 0, 1, "zero"), srv(1, 10, 2, "ten"), srv(1, 30, 3, "thirty")};
  std::map<std::string, int> first;
  constexpr int draws = 10000;
  for (int i = 0; i < draws; ++i) ++first[order_srv_records(records, rng)[0].target];
  INFO("zero ", first["zero"], " ten ", first["ten"], " thirty ", first["thirty"]);
  // Picks in [0, 40]: zero at 0 (1/41), ten 1..10 (10/41), thirty 11..40 (30/41).
  CHECK(first["zero"] < draws * 5 / 100);
  CHECK(first["ten"] > draws * 21 / 100);
  CHECK(first["ten"] < draws * 28 / 100);
  CHECK(first["thirty"] > draws * 70 / 100);
  CHECK(first["thirty"] < draws * 77 / 100);
}

TEST_CASE("RFC 2782 weights: all zero keeps every record") {
  std::mt19937_64 rng(1);
  const std::vector<SrvRecord> records{srv(1, 0, 1, "a"), srv(1, 0, 2, "b"), srv(1, 0, 3, "c")};
  const auto ordered = order_srv_records(records, rng);
  REQUIRE(ordered.size() == 3);
  CHECK(ordered[0].target != ordered[1].target);
  CHECK(ordered[1].target != ordered[2].target);
  CHECK(ordered[0].target != ordered[2].target);
}

TEST_CASE("SRV weights through the locator: a seed fixes the order") {
  ScriptedDns dns;
  dns.answers["SRV _sip._udp.example.com"] =
      srv_answer({srv(10, 60, 5060, "a.example.com"), srv(10, 40, 5062, "b.example.com")});
  dns.answers["A/AAAA a.example.com"] = address_answer({"192.0.2.1"});
  dns.answers["A/AAAA b.example.com"] = address_answer({"192.0.2.2"});
  int a_first = 0;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    LocateOptions o;
    o.seed = seed;
    const ResolveResult r1 = run("sip:example.com;transport=udp", dns, o);
    const ResolveResult r2 = run("sip:example.com;transport=udp", dns, o);
    REQUIRE(r1.targets.size() == 2);
    CHECK(r1.targets == r2.targets);
    if (r1.targets[0].port == 5060) ++a_first;
  }
  CHECK(a_first > 540);
  CHECK(a_first < 660);
}

TEST_CASE("fail-over cursor (§4.3)") {
  std::vector<Target> targets{target(Transport::udp, "192.0.2.1", 5060),
                              target(Transport::udp, "192.0.2.2", 5062),
                              target(Transport::tcp, "192.0.2.1", 5060)};
  TargetCursor cursor(targets);
  CHECK(cursor.size() == 3);
  REQUIRE(cursor.current() != nullptr);
  CHECK(*cursor.current() == targets[0]);
  CHECK(TargetCursor::fails_over_on(503));
  CHECK_FALSE(TargetCursor::fails_over_on(486));
  CHECK_FALSE(TargetCursor::fails_over_on(500));
  const Target* next = cursor.fail_over(TargetCursor::Failure::timeout);
  REQUIRE(next != nullptr);
  CHECK(*next == targets[1]);
  CHECK(cursor.index() == 1);
  next = cursor.fail_over(TargetCursor::Failure::service_unavailable);
  REQUIRE(next != nullptr);
  CHECK(next->transport == Transport::tcp);
  CHECK(cursor.fail_over(TargetCursor::Failure::transport_error) == nullptr);
  CHECK(cursor.exhausted());
  CHECK(cursor.current() == nullptr);
  CHECK(cursor.fail_over() == nullptr);  // stays exhausted
  cursor.reset();
  CHECK(*cursor.current() == targets[0]);

  TargetCursor empty;
  CHECK(empty.exhausted());
  CHECK(empty.current() == nullptr);
  CHECK(empty.fail_over() == nullptr);
}

TEST_CASE("IpAddress text") {
  CHECK(IpAddress::parse("127.0.0.1") == IpAddress::v4(127, 0, 0, 1));
  CHECK(IpAddress::parse("::1")->family == IpAddress::Family::v6);
  CHECK(IpAddress::parse("::ffff:192.0.2.1")->to_string() == "::ffff:192.0.2.1");
  CHECK_FALSE(IpAddress::parse("example.com"));
  CHECK_FALSE(IpAddress::parse("1.2.3"));
  CHECK_FALSE(IpAddress::parse("[::1]"));
  CHECK_FALSE(IpAddress::parse(""));
  CHECK_FALSE(IpAddress::parse(std::string(100, '1')));
  CHECK(IpAddress::v4(10, 1, 2, 3).to_string() == "10.1.2.3");
}
