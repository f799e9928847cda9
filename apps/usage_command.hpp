// The client-usage commands: `cosip register`, `cosip subscribe`, `cosip
// publish` and `cosip message`. Each keeps one usage up for a while and
// prints each notification as one line (apps/notifications.hpp), for tests
// against real servers and for trying one by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cosip::apps {

// What every usage command takes: the account and the UA's settings.
struct AccountOptions {
  std::string user;   // digest user name; default: the user part of the AOR or From URI
  std::string password;
  std::string proxy;  // outbound proxy URI (preloaded Route), optional
  std::string dns;    // DNS server "host:port" for names; default: the system's
  int timeout_s = 60; // give up when not done by then
  int t1_ms = 500;    // RFC 3261 T1; a transaction times out after 64*T1
  bool verbose = false;
};

struct RegisterOptions {
  std::string aor;        // address of record, e.g. sip:alice@example.com
  std::string registrar;  // Request-URI; default: the AOR's host and port
  std::uint32_t expires = 3600;
  double duration_s = 0;  // stay registered this long (refreshing), then unregister
  AccountOptions account;
};

struct SubscribeOptions {
  std::string uri;                           // the resource, e.g. sip:bob@example.com
  std::string from = "sip:cosip@localhost";  // who subscribes
  std::string event = "presence";
  std::vector<std::string> accept{"application/pidf+xml"};
  std::uint32_t expires = 3600;
  double duration_s = 0;  // stay subscribed this long, then unsubscribe
  AccountOptions account;
};

struct PublishOptions {
  std::string aor;                  // the presentity
  std::vector<std::string> bodies;  // files: the first is published, each next one replaces it
  std::string content_type = "application/pidf+xml";
  std::string event = "presence";
  std::uint32_t expires = 3600;
  double interval_s = 1;  // between the bodies, and after the last before removing
  AccountOptions account;
};

struct MessageOptions {
  std::string uri;                           // the recipient
  std::string from = "sip:cosip@localhost";
  std::string body;
  std::string content_type = "text/plain";
  AccountOptions account;
};

// Exit status: 0 when the usage went as planned (registered / subscribed /
// published and ended cleanly; the message delivered), 1 when not, 2 for
// bad options.
int run_register(const RegisterOptions& options);
int run_subscribe(const SubscribeOptions& options);
int run_publish(const PublishOptions& options);
int run_message(const MessageOptions& options);

}  // namespace cosip::apps
