// RFC 3263 target selection (§4.1 transport, §4.2 port and IP, §4.3 the
// fail-over cursor) and RFC 2782 SRV ordering.
#include "sip/resolver/server_location.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace cosip::sip::resolver {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// DNS names compare without case and without a final dot.
std::string_view without_final_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return name;
}

bool same_name(std::string_view a, std::string_view b) {
  return iequals(without_final_dot(a), without_final_dot(b));
}

// RFC 3263 §4.1 / RFC 2782: the SRV owner name of a transport.
std::string srv_name(Transport transport, std::string_view host) {
  switch (transport) {
    case Transport::udp: return "_sip._udp." + std::string(host);
    case Transport::tcp: return "_sip._tcp." + std::string(host);
    case Transport::tls: return "_sips._tcp." + std::string(host);
  }
  return {};
}

bool family_allowed(IpFamilies families, IpAddress::Family family) {
  switch (families) {
    case IpFamilies::v4: return family == IpAddress::Family::v4;
    case IpFamilies::v6: return family == IpAddress::Family::v6;
    case IpFamilies::any: return true;
  }
  return false;
}

class ResolveCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cosip.resolver"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<ResolveError>(value)));
  }
};

}  // namespace

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
  }
  return "?";
}

std::uint16_t default_port(Transport transport) { return transport == Transport::tls ? 5061 : 5060; }

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a terminated string; the longest IPv6 text is 45 bytes.
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress out;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, out.bytes.data()) != 1) return std::nullopt;
    out.family = Family::v4;
  } else {
    if (inet_pton(AF_INET6, buffer, out.bytes.data()) != 1) return std::nullopt;
    out.family = Family::v6;
  }
  return out;
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  const int af = family == Family::v4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buffer, sizeof buffer) == nullptr) return "?";
  return buffer;
}

std::string to_string(const Target& target) {
  std::string out(to_string(target.transport));
  out += ' ';
  if (target.address.family == IpAddress::Family::v6) {
    out += '[' + target.address.to_string() + ']';
  } else {
    out += target.address.to_string();
  }
  out += ':' + std::to_string(target.port);
  return out;
}

std::string_view to_string(ResolveError error) {
  switch (error) {
    case ResolveError::none: return "no error";
    case ResolveError::invalid_uri: return "URI cannot be resolved";
    case ResolveError::unsupported_transport: return "unsupported transport";
    case ResolveError::not_found: return "no SIP server found in DNS";
    case ResolveError::dns_failure: return "DNS query failed";
    case ResolveError::cancelled: return "resolution cancelled";
    case ResolveError::bad_configuration: return "bad resolver configuration";
  }
  return "unknown resolver error";
}

const std::error_category& resolve_category() {
  static const ResolveCategory category;
  return category;
}

std::error_code make_error_code(ResolveError error) {
  return {static_cast<int>(error), resolve_category()};
}

std::string to_string(const DnsQuery& query) {
  switch (query.type) {
    case DnsQuery::Type::naptr: return "NAPTR " + query.name;
    case DnsQuery::Type::srv: return "SRV " + query.name;
    case DnsQuery::Type::address:
      switch (query.families) {
        case IpFamilies::v4: return "A " + query.name;
        case IpFamilies::v6: return "AAAA " + query.name;
        case IpFamilies::any: return "A/AAAA " + query.name;
      }
  }
  return query.name;
}

std::vector<SrvRecord> order_srv_records(std::span<const SrvRecord> records, std::mt19937_64& rng,
                                         std::size_t max_out) {
  std::vector<SrvRecord> sorted(records.begin(), records.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> out;
  out.reserve(std::min(sorted.size(), max_out));
  std::vector<SrvRecord> group;
  std::size_t begin = 0;
  while (begin < sorted.size() && out.size() < max_out) {
    std::size_t end = begin;
    while (end < sorted.size() && sorted[end].priority == sorted[begin].priority) ++end;
    group.assign(sorted.begin() + static_cast<std::ptrdiff_t>(begin),
                 sorted.begin() + static_cast<std::ptrdiff_t>(end));
    // RFC 2782: "all those with weight 0 are placed at the beginning of the
    // list", then pick a uniform number in [0, sum] and take the first record
    // whose running sum reaches it.
    std::stable_partition(group.begin(), group.end(), [](const SrvRecord& r) { return r.weight == 0; });
    while (!group.empty() && out.size() < max_out) {
      std::uint64_t total = 0;
      for (const SrvRecord& r : group) total += r.weight;
      const std::uint64_t pick = std::uniform_int_distribution<std::uint64_t>(0, total)(rng);
      std::uint64_t running = 0;
      std::size_t chosen = group.size() - 1;
      for (std::size_t i = 0; i < group.size(); ++i) {
        running += group[i].weight;
        if (running >= pick) {
          chosen = i;
          break;
        }
      }
      out.push_back(std::move(group[chosen]));
      group.erase(group.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    begin = end;
  }
  return out;
}

// ---------------------------------------------------------------------------
// ServerLocator

ServerLocator::ServerLocator(const Uri& uri, LocateOptions options)
    : options_(std::move(options)), rng_(options_.seed) {
  if (uri.scheme != Uri::Scheme::sip && uri.scheme != Uri::Scheme::sips) {
    fail(ResolveError::invalid_uri, "only sip and sips URIs are resolved");
    return;
  }
  sips_ = uri.scheme == Uri::Scheme::sips;
  if (options_.transports.empty()) {
    fail(ResolveError::unsupported_transport, "no transport configured");
    return;
  }
  if (sips_ && !supports(Transport::tls)) {
    fail(ResolveError::unsupported_transport, "sips URI but TLS is not supported");
    return;
  }

  // §4: "the TARGET [is] the maddr parameter of the URI, if present,
  // otherwise the host value of the hostport component".
  std::string target;
  if (const Param* maddr = find_param(uri.params, "maddr"); maddr != nullptr && maddr->has_value) {
    if (!unescape(maddr->value, target)) {
      fail(ResolveError::invalid_uri, "malformed maddr");
      return;
    }
  } else {
    target = std::string(uri.host);
  }
  const bool bracketed = target.size() >= 2 && target.front() == '[' && target.back() == ']';
  if (bracketed) target = target.substr(1, target.size() - 2);
  const std::optional<IpAddress> numeric = IpAddress::parse(target);
  if (target.empty() || (bracketed && !numeric)) {
    fail(ResolveError::invalid_uri, "no usable host");
    return;
  }
  if (uri.has_port && uri.port == 0) {
    fail(ResolveError::invalid_uri, "port 0");
    return;
  }

  // §4.1: "If the URI specifies a transport protocol in the transport
  // parameter, that transport protocol SHOULD be used." For sips, TCP means
  // TLS over TCP, and UDP is not an option (RFC 3261 §26.2.2).
  std::optional<Transport> explicit_transport;
  if (const Param* param = find_param(uri.params, "transport"); param != nullptr) {
    std::string value;
    if (!param->has_value || !unescape(param->value, value)) {
      fail(ResolveError::invalid_uri, "malformed transport parameter");
      return;
    }
    if (iequals(value, "udp") && !sips_) {
      explicit_transport = Transport::udp;
    } else if (iequals(value, "tcp")) {
      explicit_transport = sips_ ? Transport::tls : Transport::tcp;
    } else if (iequals(value, "tls")) {
      explicit_transport = Transport::tls;
    } else {
      fail(ResolveError::unsupported_transport,
           std::string(sips_ ? "sips URI with transport=" : "transport=") + value);
      return;
    }
    if (!supports(*explicit_transport)) {
      fail(ResolveError::unsupported_transport,
           "transport " + std::string(to_string(*explicit_transport)) + " is not supported");
      return;
    }
  }

  // §4.1: a numeric TARGET or an explicit port without a transport: UDP for
  // sip, TLS over TCP for sips.
  const std::optional<Transport> transport =
      explicit_transport ? explicit_transport : default_transport();
  if (!transport) {
    fail(ResolveError::unsupported_transport, "no supported transport for this URI");
    return;
  }

  // §4.2: "If TARGET is a numeric IP address, the client uses that address."
  if (numeric) {
    if (!family_allowed(options_.families, numeric->family)) {
      fail(ResolveError::unsupported_transport, "address family not enabled");
      return;
    }
    const std::uint16_t port = uri.has_port ? uri.port : default_port(*transport);
    add_target(Hop{{}, port, *transport}, *numeric, true);
    finish();
    return;
  }

  host_ = std::move(target);
  if (uri.has_port) {
    // §4.2: "a port is present in the URI, the client performs an A or
    // AAAA record lookup of the domain name".
    fallback_done_ = true;
    hops_.push_back(Hop{host_, uri.port, *transport});
    step();
    return;
  }
  if (explicit_transport) {
    // §4.2: NAPTR was skipped because the transport was given: SRV for it.
    srv_steps_.push_back(SrvStep{srv_name(*explicit_transport, host_), *explicit_transport});
    fallback_transport_ = explicit_transport;
    step();
    return;
  }
  // §4.1: NAPTR first.
  ask(DnsQuery::Type::naptr, host_);
}

bool ServerLocator::supports(Transport transport) const {
  return std::find(options_.transports.begin(), options_.transports.end(), transport) !=
         options_.transports.end();
}

// §4.1: UDP for sip (TCP, then TLS, when the UA has no UDP), TLS for sips.
std::optional<Transport> ServerLocator::default_transport() const {
  if (sips_) return supports(Transport::tls) ? std::optional(Transport::tls) : std::nullopt;
  for (Transport t : {Transport::udp, Transport::tcp, Transport::tls}) {
    if (supports(t)) return t;
  }
  return std::nullopt;
}

void ServerLocator::on_answer(DnsAnswer answer) {
  if (finished()) return;
  if (answer.status == DnsStatus::cancelled) {
    fail(ResolveError::cancelled,
         to_string(query_) + ": " + (answer.detail.empty() ? "cancelled" : answer.detail));
    return;
  }
  switch (state_) {
    case State::naptr: on_naptr(answer); break;
    case State::srv: on_srv(answer); break;
    case State::address: on_addresses(std::move(answer)); break;
    case State::done:
    case State::failed: return;
  }
  step();
}

void ServerLocator::note_failure(const DnsAnswer& answer) {
  if (answer.status != DnsStatus::failed) return;
  if (!any_failed_) {
    failure_detail_ = to_string(query_) + ": " + (answer.detail.empty() ? "failed" : answer.detail);
  }
  any_failed_ = true;
}

// §4.1: keep the records whose service we support ("SIPS+D2T" only for a
// sips URI), with flag "s" and a replacement (SIP uses no regexp), in order
// then preference.
void ServerLocator::on_naptr(const DnsAnswer& answer) {
  struct Usable {
    const NaptrRecord* record;
    Transport transport;
  };
  std::vector<Usable> usable;
  if (answer.status == DnsStatus::ok) {
    for (const NaptrRecord& record : answer.naptr) {
      std::optional<Transport> transport;
      if (iequals(record.service, "SIPS+D2T")) {
        transport = Transport::tls;
      } else if (!sips_ && iequals(record.service, "SIP+D2U")) {
        transport = Transport::udp;
      } else if (!sips_ && iequals(record.service, "SIP+D2T")) {
        transport = Transport::tcp;
      }
      if (!transport || !supports(*transport)) continue;
      if (!iequals(record.flags, "s") || !record.regexp.empty()) continue;
      const std::string_view replacement = without_final_dot(record.replacement);
      if (replacement.empty() || replacement == ".") continue;
      usable.push_back(Usable{&record, *transport});
    }
    std::stable_sort(usable.begin(), usable.end(), [](const Usable& a, const Usable& b) {
      if (a.record->order != b.record->order) return a.record->order < b.record->order;
      return a.record->preference < b.record->preference;
    });
    if (usable.size() > options_.limits.max_naptr_records) usable.resize(options_.limits.max_naptr_records);
  } else {
    note_failure(answer);
  }

  if (usable.empty()) {
    plan_srv_without_naptr();
    return;
  }
  for (const Usable& u : usable) {
    srv_steps_.push_back(SrvStep{std::string(without_final_dot(u.record->replacement)), u.transport});
  }
  // §4.2: without SRV records the transport "determined previously" is
  // the most preferred NAPTR record's.
  fallback_transport_ = usable.front().transport;
}

// §4.1: "If no NAPTR records are found, the client constructs SRV queries
// for those transport protocols it supports, and does a query for each."
void ServerLocator::plan_srv_without_naptr() {
  for (Transport t : options_.transports) {
    if (sips_ && t != Transport::tls) continue;
    const bool seen = std::any_of(srv_steps_.begin(), srv_steps_.end(),
                                  [t](const SrvStep& s) { return s.transport == t; });
    if (!seen) srv_steps_.push_back(SrvStep{srv_name(t, host_), t});
  }
  fallback_transport_ = default_transport();
}

void ServerLocator::on_srv(const DnsAnswer& answer) {
  const SrvStep& srv_step = srv_steps_[srv_step_++];
  if (answer.status != DnsStatus::ok || answer.srv.empty()) {
    note_failure(answer);
    return;
  }
  // Any SRV answer, even "service not here" ("." target, RFC 2782), means
  // no fall-back to the A records of the domain (§4.2).
  srv_found_ = true;
  for (const SrvRecord& record : order_srv_records(answer.srv, rng_, options_.limits.max_srv_records)) {
    const std::string_view target = without_final_dot(record.target);
    if (target.empty() || target == "." || record.port == 0) continue;
    hops_.push_back(Hop{std::string(target), record.port, srv_step.transport});
  }
}

void ServerLocator::on_addresses(DnsAnswer answer) {
  CachedName entry{query_.name, {}};
  if (answer.status == DnsStatus::ok) {
    for (const IpAddress& a : answer.addresses) {
      if (family_allowed(options_.families, a.family)) entry.addresses.push_back(a);
    }
  } else {
    note_failure(answer);
  }
  cache_.push_back(std::move(entry));
}

// Issues the next query, or finishes. Hops whose name is already cached
// turn into targets at once.
void ServerLocator::step() {
  for (;;) {
    if (result_.targets.size() >= options_.limits.max_targets) break;
    if (hop_ < hops_.size()) {
      const Hop& hop = hops_[hop_];
      const auto cached = std::find_if(cache_.begin(), cache_.end(),
                                       [&](const CachedName& c) { return same_name(c.host, hop.host); });
      if (cached == cache_.end()) {
        ask(DnsQuery::Type::address, hop.host);
        if (!finished()) return;
        break;
      }
      for (const IpAddress& address : cached->addresses) add_target(hop, address, false);
      ++hop_;
      continue;
    }
    if (srv_step_ < srv_steps_.size()) {
      ask(DnsQuery::Type::srv, srv_steps_[srv_step_].name);
      if (!finished()) return;
      break;
    }
    // §4.2: "If no SRV records were found, the client performs an A or
    // AAAA record lookup of the domain name", at the default port.
    if (!srv_found_ && !fallback_done_ && fallback_transport_) {
      fallback_done_ = true;
      hops_.push_back(Hop{host_, default_port(*fallback_transport_), *fallback_transport_});
      continue;
    }
    break;
  }
  if (!finished()) finish();
}

void ServerLocator::ask(DnsQuery::Type type, std::string name) {
  if (queries_ >= options_.limits.max_queries) {
    if (failure_detail_.empty()) failure_detail_ = "query limit reached";
    finish();
    return;
  }
  ++queries_;
  query_ = DnsQuery{type, std::move(name), options_.families};
  switch (type) {
    case DnsQuery::Type::naptr: state_ = State::naptr; break;
    case DnsQuery::Type::srv: state_ = State::srv; break;
    case DnsQuery::Type::address: state_ = State::address; break;
  }
}

void ServerLocator::add_target(const Hop& hop, const IpAddress& address, bool numeric) {
  if (result_.targets.size() >= options_.limits.max_targets) return;
  Target target{hop.transport, address, hop.port, numeric ? std::string() : hop.host};
  const bool duplicate = std::any_of(result_.targets.begin(), result_.targets.end(), [&](const Target& t) {
    return t.transport == target.transport && t.address == target.address && t.port == target.port;
  });
  if (!duplicate) result_.targets.push_back(std::move(target));
}

void ServerLocator::finish() {
  if (!result_.targets.empty()) {
    state_ = State::done;
    return;
  }
  if (any_failed_) {
    fail(ResolveError::dns_failure, failure_detail_);
  } else {
    fail(ResolveError::not_found,
         "no SIP server for " + host_ + (failure_detail_.empty() ? "" : " (" + failure_detail_ + ")"));
  }
}

void ServerLocator::fail(ResolveError error, std::string detail) {
  state_ = State::failed;
  result_.targets.clear();
  result_.error = error;
  result_.detail = std::move(detail);
}

// ---------------------------------------------------------------------------
// TargetCursor

const Target* TargetCursor::fail_over(Failure) {
  if (index_ < targets_.size()) ++index_;
  return current();
}

}  // namespace cosip::sip::resolver
