// RFC 3263 "Locating SIP Servers": the pure core. Given a SIP or SIPS URI
// and the transports the UA supports, it says which DNS query to make next,
// takes the answers, and ends with an ordered list of targets (transport,
// IP address, port). No sockets, no clocks: dns_resolver.hpp drives it with
// c-ares; tests drive it with scripted answers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sip/syntax/uri.hpp"

namespace cosip::sip::resolver {

enum class Transport : std::uint8_t { udp, tcp, tls };

std::string_view to_string(Transport transport);
// RFC 3261 §19.1.2: 5060 for UDP and TCP, 5061 for TLS.
std::uint16_t default_port(Transport transport);

// An IPv4 or IPv6 address as bytes (network order; IPv4 uses the first 4).
struct IpAddress {
  enum class Family : std::uint8_t { v4, v6 };

  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};

  // Dotted quad or RFC 4291 text, without brackets; nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);

  std::string to_string() const;  // IPv6 without brackets
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// One place to send a request to (RFC 3263 §4.3 walks them in order).
struct Target {
  Transport transport = Transport::udp;
  IpAddress address;
  std::uint16_t port = 0;
  // The name whose A/AAAA records gave the address (an SRV target or the
  // URI's host); empty when the URI held a numeric address.
  std::string host;

  friend bool operator==(const Target&, const Target&) = default;
};

// "udp 127.0.0.1:5060", "tls [::1]:5061": for logs and test messages.
std::string to_string(const Target& target);

enum class ResolveError : std::uint8_t {
  none = 0,
  invalid_uri,            // not sip/sips, or a host that is neither a name nor an address
  unsupported_transport,  // transport= names one we do not support, or sips with UDP
  not_found,              // DNS knows no usable record (NXDOMAIN, no data, SRV ".")
  dns_failure,            // no targets, and some query failed (timeout, SERVFAIL, refused)
  cancelled,              // the resolver was destroyed or the query cancelled
  bad_configuration,      // the shell could not set up c-ares (e.g. a bad server list)
};

std::string_view to_string(ResolveError error);
const std::error_category& resolve_category();
std::error_code make_error_code(ResolveError error);

struct ResolveResult {
  std::vector<Target> targets;  // in the order to try them; empty on error
  ResolveError error = ResolveError::none;
  std::string detail;           // on error: which query failed and why

  bool ok() const { return error == ResolveError::none; }
};

enum class IpFamilies : std::uint8_t { v4, v6, any };

// Bounds on what DNS answers can make us do.
struct LocateLimits {
  std::size_t max_queries = 32;         // DNS queries per resolution
  std::size_t max_naptr_records = 8;    // usable NAPTR records followed
  std::size_t max_srv_records = 16;     // SRV records used from one answer
  std::size_t max_targets = 32;
};

struct LocateOptions {
  // The transports the UA supports, most preferred first (RFC 3263 §4.1:
  // without NAPTR records, SRV queries go out in this order).
  std::vector<Transport> transports{Transport::udp, Transport::tcp, Transport::tls};
  IpFamilies families = IpFamilies::any;
  LocateLimits limits;
  // Seeds the RFC 2782 weighted selection among SRV records.
  std::uint64_t seed = 0;
};

// A question for DNS. Not an aggregate on purpose: g++ 12 mis-destroys a
// brace-initialised aggregate temporary holding a std::string inside a
// co_await expression, as in `co_await resolver.query(DnsQuery{...})`.
struct DnsQuery {
  enum class Type : std::uint8_t { naptr, srv, address };

  DnsQuery() = default;
  DnsQuery(Type query_type, std::string query_name, IpFamilies query_families = IpFamilies::any)
      : type(query_type), name(std::move(query_name)), families(query_families) {}

  Type type = Type::naptr;
  std::string name;
  IpFamilies families = IpFamilies::any;  // Type::address: A, AAAA or both

  friend bool operator==(const DnsQuery&, const DnsQuery&) = default;
};

std::string to_string(const DnsQuery& query);  // "NAPTR test.local"

struct NaptrRecord {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;
  std::string service;
  std::string regexp;
  std::string replacement;
};

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;

  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

enum class DnsStatus : std::uint8_t {
  ok,         // the records below (may be empty)
  not_found,  // NXDOMAIN or no records of that type
  failed,     // timeout, SERVFAIL, REFUSED, unreadable reply
  cancelled,  // the query will never be answered
};

// The answer to the pending DnsQuery; only the field of its type is read.
struct DnsAnswer {
  DnsStatus status = DnsStatus::ok;
  std::vector<NaptrRecord> naptr;
  std::vector<SrvRecord> srv;
  std::vector<IpAddress> addresses;
  std::string detail;  // on failure: the resolver's reason
};

// RFC 2782 "Usage rules": lowest priority first; within one priority, a
// weighted random order (weight-0 records first in the running sum, so they
// are picked rarely when others have weight). Stops after max_out records.
std::vector<SrvRecord> order_srv_records(std::span<const SrvRecord> records, std::mt19937_64& rng,
                                         std::size_t max_out = SIZE_MAX);

// Target selection for one URI (RFC 3263 §4.1 transport, §4.2 port and IP).
//
// Flow:
//   numeric host (§4.2) ----------------------------------------------> done
//   explicit port (§4.2) ------------------------> address(host) -----> done
//   transport= given (§4.2) -> SRV(_sip[s]._proto.host) -> address(targets)
//                              no SRV -> address(host), default port  -> done
//   otherwise (§4.1) -> NAPTR(host)
//       usable records, by order then preference
//           -> SRV(replacement) per record -> address(targets)        -> done
//       none -> SRV(_sip._udp / _sip._tcp / _sips._tcp), one per supported
//               transport in preference order -> address(targets)     -> done
//       no SRV at all -> address(host), default transport and port    -> done
//   failed: no target at the end (not_found / dns_failure), or a bad URI.
//
// A/AAAA answers are cached per name within one resolution, so a host named
// by several SRV records is asked for once. Every usable NAPTR record is
// followed (not only the first), so the list also holds the fail-over
// transports (§4.3); a name with NAPTR records none of which we can use is
// treated as one without NAPTR records.
class ServerLocator {
 public:
  enum class State : std::uint8_t { naptr, srv, address, done, failed };

  // Copies what it needs from the URI; the URI may go away afterwards.
  explicit ServerLocator(const Uri& uri, LocateOptions options = {});

  State state() const { return state_; }
  bool finished() const { return state_ == State::done || state_ == State::failed; }

  // The query to make now; nullptr once finished.
  const DnsQuery* pending_query() const { return finished() ? nullptr : &query_; }
  // The answer to pending_query(). Ignored once finished.
  void on_answer(DnsAnswer answer);

  // Valid once finished (targets when done, the error when failed).
  const ResolveResult& result() const { return result_; }
  ResolveResult take_result() { return std::move(result_); }

 private:
  // One name to turn into addresses, with the transport and port its
  // targets get.
  struct Hop {
    std::string host;
    std::uint16_t port = 0;
    Transport transport = Transport::udp;
  };
  struct SrvStep {
    std::string name;
    Transport transport = Transport::udp;
  };
  struct CachedName {
    std::string host;
    std::vector<IpAddress> addresses;
  };

  bool supports(Transport transport) const;
  std::optional<Transport> default_transport() const;
  void plan_srv_without_naptr();
  void on_naptr(const DnsAnswer& answer);
  void on_srv(const DnsAnswer& answer);
  void on_addresses(DnsAnswer answer);
  void note_failure(const DnsAnswer& answer);
  void step();
  void ask(DnsQuery::Type type, std::string name);
  void add_target(const Hop& hop, const IpAddress& address, bool numeric);
  void finish();
  void fail(ResolveError error, std::string detail);

  LocateOptions options_;
  std::mt19937_64 rng_;
  bool sips_ = false;
  std::string host_;  // TARGET of §4: maddr if present, else the host
  std::optional<Transport> fallback_transport_;  // for address(host) when no SRV
  std::vector<SrvStep> srv_steps_;
  std::size_t srv_step_ = 0;
  bool srv_found_ = false;
  bool fallback_done_ = false;
  std::vector<Hop> hops_;
  std::size_t hop_ = 0;
  std::vector<CachedName> cache_;
  std::size_t queries_ = 0;
  bool any_failed_ = false;
  std::string failure_detail_;
  State state_ = State::naptr;
  DnsQuery query_;
  ResolveResult result_;
};

// Runs a locator to the end with a synchronous answer function (tests, or a
// caller with its own cache). `answer` is called once per query.
template <class AnswerFn>
ResolveResult locate(const Uri& uri, const LocateOptions& options, AnswerFn&& answer) {
  ServerLocator locator(uri, options);
  while (const DnsQuery* query = locator.pending_query()) locator.on_answer(answer(*query));
  return locator.take_result();
}

// RFC 3263 §4.3: a cursor over the targets. The caller sends to current();
// when the transaction reports a transport error or a timeout, or a 503
// arrives, the client "SHOULD try the next element": it calls fail_over()
// and sends a new request (new transaction) there. Any other response ends
// the walk: the request reached a server.
class TargetCursor {
 public:
  enum class Failure : std::uint8_t { timeout, transport_error, service_unavailable };

  TargetCursor() = default;
  explicit TargetCursor(std::vector<Target> targets) : targets_(std::move(targets)) {}

  // nullptr once every target has failed.
  const Target* current() const { return index_ < targets_.size() ? &targets_[index_] : nullptr; }
  bool exhausted() const { return index_ >= targets_.size(); }
  std::size_t index() const { return index_; }
  std::size_t size() const { return targets_.size(); }
  const std::vector<Target>& targets() const { return targets_; }

  // Moves to the next target; returns it, or nullptr when none is left.
  const Target* fail_over(Failure why = Failure::timeout);
  // Whether a final response status makes the client fail over (§4.3: 503).
  static bool fails_over_on(int status_code) { return status_code == 503; }
  // Back to the first target (a new request to the same URI).
  void reset() { index_ = 0; }

 private:
  std::vector<Target> targets_;
  std::size_t index_ = 0;
};

}  // namespace cosip::sip::resolver

template <>
struct std::is_error_code_enum<cosip::sip::resolver::ResolveError> : std::true_type {};
