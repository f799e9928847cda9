// What an MsrpStream reported, for the tests that drive streams on an
// io_context (the unit tests over loopback, the interop tests through
// Kamailio's relay).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "msrp/msrp_stream.hpp"

namespace cosip::test {

struct StreamRecorder {
  std::vector<std::string> notifications;  // names, with ": reason" when there is one
  std::vector<msrp::SessionEvent> events;

  StreamRecorder() = default;
  // The callbacks hold `this`: made in place, never moved.
  StreamRecorder(const StreamRecorder&) = delete;
  StreamRecorder& operator=(const StreamRecorder&) = delete;

  msrp::MsrpStream::Callbacks callbacks() {
    return {[this](const msrp::StreamNotification& n) {
              notifications.push_back(n.reason.empty() ? n.name : n.name + ": " + n.reason);
            },
            [this](const msrp::SessionEvent& e) { events.push_back(e); }};
  }
  bool has(const std::string& name) const {
    return std::any_of(notifications.begin(), notifications.end(),
                       [&](const std::string& n) { return n.starts_with(name); });
  }
};

// A stream of `kind` ("MSRPChat" or "MSRPFileTransfer") at `local_uri`:
// a file transfer's pieces handed on as they come, messages up to 64 MiB,
// the accepting side on a port the system picks.
inline msrp::StreamConfig stream_config(const std::string& kind, const std::string& local_uri) {
  msrp::StreamConfig config;
  config.kind = kind;
  config.session.local_uri = local_uri;
  config.session.stream_incoming = kind == "MSRPFileTransfer";
  config.session.max_message_size = 64 << 20;
  config.session.output_budget = 64 * 1024;
  config.any_port = true;
  return config;
}

// Runs `io` until `done` or `limit`.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::seconds limit = std::chrono::seconds(15)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) io.run_for(std::chrono::milliseconds(5));
  return done();
}

}  // namespace cosip::test
