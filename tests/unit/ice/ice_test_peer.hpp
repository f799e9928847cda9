// Shared by the ICE unit and interop tests: an IceAgent with its events
// recorded, an io_context driven until a condition holds or a deadline
// passes, and the offer/answer exchange done in memory through the SDP
// a=candidate values (as the session layer will carry them).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "rtp/ice/ice_agent.hpp"

namespace cosip::test {

namespace ice = cosip::rtp::ice;
using Clock = std::chrono::steady_clock;

// Runs `io` until `done()` or `limit` has passed; true when done.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

struct IcePeer {
  bool gathered = false;
  std::map<std::uint16_t, std::vector<ice::ComponentState>> states;  // every report, in order
  std::map<std::uint16_t, ice::SelectedPair> pairs;
  std::map<std::uint16_t, std::vector<std::string>> received;
  std::optional<Clock::time_point> all_ready_at;
  // Every event must run on the thread that runs the io_context, never on
  // libnice's GLib thread.
  std::thread::id owner_thread = std::this_thread::get_id();
  std::size_t events_off_owner_thread = 0;
  std::unique_ptr<ice::IceAgent> agent;

  IcePeer(boost::asio::io_context& io, ice::IceConfig config) {
    ice::IceEvents events;
    events.gathering_done = [this] {
      note_thread();
      gathered = true;
    };
    events.state_changed = [this](std::uint16_t component, ice::ComponentState s) {
      note_thread();
      states[component].push_back(s);
      if (!all_ready_at && ready()) all_ready_at = Clock::now();
    };
    events.selected_pair = [this](const ice::SelectedPair& p) {
      note_thread();
      pairs[p.component] = p;
    };
    events.datagram = [this](std::uint16_t component, std::span<const std::byte> d) {
      note_thread();
      received[component].emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
    };
    agent = std::make_unique<ice::IceAgent>(io.get_executor(), std::move(config), std::move(events));
  }
  IcePeer(const IcePeer&) = delete;  // the events hold `this`
  IcePeer& operator=(const IcePeer&) = delete;

  void note_thread() {
    if (std::this_thread::get_id() != owner_thread) ++events_off_owner_thread;
  }

  std::uint16_t components() const { return agent->config().components; }

  std::optional<ice::ComponentState> last(std::uint16_t component) const {
    const auto it = states.find(component);
    if (it == states.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  bool ever(std::uint16_t component, ice::ComponentState s) const {
    const auto it = states.find(component);
    if (it == states.end()) return false;
    for (const auto x : it->second)
      if (x == s) return true;
    return false;
  }
  // Every component ready, with a selected pair.
  bool ready() const {
    for (std::uint16_t c = 1; c <= components(); ++c)
      if (last(c) != ice::ComponentState::ready || !pairs.contains(c)) return false;
    return true;
  }
  bool any_failed() const {
    for (std::uint16_t c = 1; c <= components(); ++c)
      if (last(c) == ice::ComponentState::failed) return true;
    return false;
  }

  // The a=candidate values this side would put in its SDP.
  std::vector<std::string> sdp_candidates() const {
    std::vector<ice::Candidate> local;
    if (agent->local_candidates(local)) return {};
    std::vector<std::string> values;
    for (const auto& c : local) values.push_back(ice::to_sdp_value(c));
    return values;
  }

  ice::IceError send(std::uint16_t component, std::string_view text) {
    return agent->send(component, std::as_bytes(std::span(text.data(), text.size())));
  }
};

// Hands `from`'s credentials and candidates to `to`, through the SDP values.
inline ice::IceError give_remote(const IcePeer& from, IcePeer& to,
                                 std::optional<std::string> wrong_pwd = std::nullopt) {
  ice::Credentials credentials = from.agent->local_credentials();
  if (wrong_pwd) credentials.pwd = *wrong_pwd;
  std::vector<ice::Candidate> candidates;
  for (const std::string& value : from.sdp_candidates()) {
    ice::Candidate c;
    if (const auto e = ice::parse_sdp_value(value, c)) return e;
    candidates.push_back(std::move(c));
  }
  return to.agent->set_remote(credentials, candidates, true);
}

inline ice::IceConfig loopback_config(ice::Role role, std::uint16_t components) {
  ice::IceConfig config;
  config.role = role;
  config.components = components;
  config.local_addresses = {"127.0.0.1"};
  return config;
}

inline std::string describe(const ice::SelectedPair& p) {
  return std::to_string(p.component) + ": " + std::string(ice::to_string(p.local.type)) + " " + p.local.address +
         ":" + std::to_string(p.local.port) + " -> " + std::string(ice::to_string(p.remote.type)) + " " +
         p.remote.address + ":" + std::to_string(p.remote.port);
}

}  // namespace cosip::test
