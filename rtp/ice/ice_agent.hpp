// An ICE agent (RFC 8445) for one RTP stream: a libnice NiceAgent in full
// mode, without trickle. libnice runs its GLib main loop on a thread of its
// own, with its own GMainContext; every event it raises is posted to the Asio
// executor the owner gives, so the owner's code never runs on the GLib thread.
//
// Flow:
//   IceAgent(executor, config, events)       role, components, STUN/TURN servers
//   gather()                                  host, srflx, relay candidates
//     -> events.gathering_done                 then local_credentials(),
//                                              local_candidates() go in the SDP
//   set_remote(credentials, candidates, eoc)  from the peer's SDP
//     -> events.state_changed(component, connecting / connected / ready / failed)
//     -> events.selected_pair(pair)            per component, after nomination
//   send(component, bytes) / events.datagram(component, bytes)
//   ~IceAgent()                               releases TURN allocations, stops
//                                              the loop, joins the thread
//
// The controlling agent (the offerer, RFC 8445 §6.1.1 as used by RFC 8839)
// nominates with regular nomination (RFC 8445 §8.1.1); consent freshness
// (RFC 7675) and keepalives (RFC 8445 §11) run on the selected pairs.
//
// The owner creates, calls and destroys the agent on its executor (one
// thread, or a strand); events never arrive after the destructor returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "rtp/ice/candidate.hpp"
#include "rtp/ice/error.hpp"

namespace cosip::rtp::ice {

// RFC 8445 §6.1.1: the offerer takes the controlling role.
enum class Role : std::uint8_t { controlling, controlled };

struct StunServer {
  std::string address;  // IP literal
  std::uint16_t port = 3478;
};

// TURN over UDP (RFC 8656) with the long-term credential mechanism (RFC 8489 §9.2).
struct TurnServer {
  std::string address;  // IP literal
  std::uint16_t port = 3478;
  std::string username;
  std::string password;
};

struct IceConfig {
  Role role = Role::controlled;
  std::uint16_t components = 1;  // 1 with rtcp-mux (RFC 5761), 2 for RTP and RTCP
  // Addresses host candidates are gathered on; empty: every interface but
  // loopback (libnice's choice).
  std::vector<std::string> local_addresses;
  std::optional<StunServer> stun;
  std::optional<TurnServer> turn;
  // Only relayed candidates are used (privacy; also how tests force a relay).
  bool force_relay = false;
  // Connectivity-check retransmissions (RFC 8489 §6.2.1 Rc); bounds how long
  // a pair that gets no answer takes to fail.
  std::uint32_t check_retransmissions = 7;
};

// The states of a component, as libnice reports them (RFC 8445 §6.1.3 for the
// checklist states they summarise).
enum class ComponentState : std::uint8_t { disconnected, gathering, connecting, connected, ready, failed };
std::string_view to_string(ComponentState state);

struct Credentials {
  std::string ufrag;  // a=ice-ufrag
  std::string pwd;    // a=ice-pwd
};

// The pair a component uses (RFC 8445 §8.1.1: the nominated pair).
struct SelectedPair {
  std::uint16_t component = 0;
  Candidate local;
  Candidate remote;
};

struct IceEvents {
  std::function<void()> gathering_done;
  // ComponentState::failed is the failure report: every check of the component
  // failed, or consent was lost.
  std::function<void(std::uint16_t component, ComponentState state)> state_changed;
  std::function<void(const SelectedPair& pair)> selected_pair;
  std::function<void(std::uint16_t component, std::span<const std::byte> datagram)> datagram;
};

class IceAgent {
 public:
  IceAgent(boost::asio::any_io_executor executor, IceConfig config, IceEvents events);
  ~IceAgent();
  IceAgent(const IceAgent&) = delete;
  IceAgent& operator=(const IceAgent&) = delete;

  // Starts gathering; events.gathering_done follows. An address of the
  // configuration that is no IP literal is refused here.
  IceError gather();

  Credentials local_credentials() const;
  // All components' candidates, once gathering is done.
  IceError local_candidates(std::vector<Candidate>& out) const;

  // The peer's credentials and candidates (RFC 8839 §5.4, §5.1);
  // `end_of_candidates` as a=end-of-candidates says (RFC 8839): without
  // trickle every candidate is here, and libnice already treats the list as
  // complete.
  IceError set_remote(const Credentials& remote, std::span<const Candidate> candidates,
                      bool end_of_candidates = true);

  // One datagram on the selected pair of `component`.
  IceError send(std::uint16_t component, std::span<const std::byte> datagram);

  const IceConfig& config() const { return config_; }

  // Defined in the .cpp: the NiceAgent with its GMainContext and loop, and
  // what libnice's callbacks hold (the executor and the events).
  struct Glib;
  struct Bridge;

 private:
  IceConfig config_;
  std::shared_ptr<IceEvents> events_;  // expires when the agent goes; posted events check it
  std::unique_ptr<Bridge> bridge_;
  std::unique_ptr<Glib> glib_;
  std::thread loop_thread_;
  unsigned stream_id_ = 0;
};

}  // namespace cosip::rtp::ice
