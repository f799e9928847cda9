// `cosip register`: keeps one registration (RFC 3261 §10) up for a while and
// prints each SCRegistration* notification as one line, for tests against a
// real registrar and for trying one by hand.
#pragma once

#include <cstdint>
#include <string>

namespace cosip::apps {

struct RegisterOptions {
  std::string aor;        // address of record, e.g. sip:alice@example.com
  std::string registrar;  // Request-URI; default: the AOR's host and port
  std::string proxy;      // outbound proxy URI (preloaded Route), optional
  std::string user;       // digest user name; default: the AOR's user
  std::string password;
  std::uint32_t expires = 3600;
  double duration_s = 0;  // stay registered this long (refreshing), then unregister
  std::string dns;        // DNS server "host:port" for names; default: the system's
  int timeout_s = 60;     // give up when not done by then
  int t1_ms = 500;        // RFC 3261 T1; a transaction times out after 64*T1
  bool verbose = false;
};

// Exit status: 0 when the registration succeeded and ended as planned, 1
// when it failed or timed out, 2 for bad options.
int run_register(const RegisterOptions& options);

}  // namespace cosip::apps
