// The Asio shell of RFC 3263 server location: c-ares does the DNS queries,
// Boost.Asio watches its sockets and its timeouts, and ServerLocator
// (server_location.hpp) decides what to ask. One resolver per io_context
// thread; it takes no locks.
//
//   DnsResolver resolver(io.get_executor(), {.servers = "127.0.0.1:17053"});
//   ResolveResult r = co_await resolver.resolve(uri);
//   if (r.ok()) { TargetCursor cursor(std::move(r.targets)); ... }
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "sip/resolver/server_location.hpp"

namespace cosip::sip::resolver {

struct DnsResolverConfig {
  // "host[:port][,host[:port]...]" as ares_set_servers_ports_csv takes it,
  // e.g. "127.0.0.1:17053" or "[::1]:53"; empty: /etc/resolv.conf.
  std::string servers;
  std::chrono::milliseconds timeout{2000};  // first try; c-ares backs off per try
  int tries = 2;
  bool use_tcp = false;  // queries over TCP only (ARES_FLAG_USEVC)
  // c-ares lookup order: "b" DNS, "f" /etc/hosts ("fb" checks the file
  // first); empty: the system's. A/AAAA only: NAPTR and SRV always use DNS.
  std::string lookups;
  // Transports, address families, limits; the seed is used only when
  // random_seed is false (tests).
  LocateOptions locate;
  bool random_seed = true;
};

class DnsResolver {
 public:
  // A bad configuration (say an unparsable server list) does not throw:
  // init_error() says so and every resolve() answers it.
  explicit DnsResolver(boost::asio::any_io_executor executor, DnsResolverConfig config = {});
  // Cancels what is pending: running resolve() calls end with
  // ResolveError::cancelled (on the executor, after this returns).
  ~DnsResolver();

  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  ResolveError init_error() const;
  const std::string& init_detail() const;

  // RFC 3263 §4.1-§4.2 for a sip/sips URI. The URI (and the buffer its views
  // point into) must stay valid until the awaitable starts running; it is
  // copied before the first suspension. Errors are values: the result
  // carries ResolveError and a detail text, never an exception.
  // Not cancellable per call: each query ends within the configured
  // timeout and tries per server.
  boost::asio::awaitable<ResolveResult> resolve(const Uri& uri);
  boost::asio::awaitable<ResolveResult> resolve(const Uri& uri, LocateOptions options);

  // One DNS query as the core asks it (NAPTR, SRV, or A/AAAA).
  boost::asio::awaitable<DnsAnswer> query(DnsQuery query);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cosip::sip::resolver
