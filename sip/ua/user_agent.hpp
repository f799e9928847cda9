// The UA's I/O shell: joins the transport layer to the pure UA core on one
// executor. It parses what arrives, answers malformed requests statelessly
// (RFC 3261 §8.2, 400 or 505), feeds the core, carries out what the core
// wants sent and keeps one timer armed at the core's next deadline.
//
// Flow: datagram/stream message -> parse_message
//         malformed request -> stateless 400 / 505 to its source
//         malformed response -> dropped (§18.1.2)
//         else -> UserAgentCore::on_message -> flush()
//       flush(): each Outgoing -> its peer (by context) or the next hop of its
//       URI -> TransportLayer::send, tagged with its transaction; a failed
//       send of a transaction -> UserAgentCore::on_transport_error
// Client usages (registrations, subscriptions, ...): each request they poll
//   -> next hop located (numeric host, else RFC 3263 through DNS) -> Via added
//   -> client transaction; timeout, transport error or 503 -> the same
//   request to the next target (RFC 3263 §4.3); the final response, or
//   408 / 503 when every target failed -> the usage. The target that
//   answered is tried first by the next requests to the same hop. A NOTIFY outside the
//   core's dialogs is offered to each usage, else answered 481.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sip/resolver/dns_resolver.hpp"
#include "sip/transport/transport_layer.hpp"
#include "sip/ua/user_agent_core.hpp"
#include "sip/usage/client_usage.hpp"

namespace cosip::sip {

struct UserAgentConfig {
  UaConfig ua;
  TransportConfig transport;
  std::vector<TransportAddress> listen;
  resolver::DnsResolverConfig dns;  // for next hops given by name
};

class UserAgent {
 public:
  // One line per transaction event, for logs ("--verbose").
  using TraceHandler = std::function<void(std::string_view line)>;

  UserAgent(boost::asio::any_io_executor executor, UserAgentConfig config, UserAgentCore::Callbacks callbacks);
  ~UserAgent();

  // Binds every listener and makes the core; throws
  // boost::system::system_error when a listener fails. The core's Contact
  // and Via sent-by default to the first listener.
  void start();
  void stop();

  // Valid after start().
  UserAgentCore& core() { return *core_; }
  TransportLayer& transport() { return *transport_; }
  const std::vector<TransportAddress>& listeners() const { return listeners_; }
  void set_trace(TraceHandler trace) { trace_ = std::move(trace); }

  // Sends what the core and the usages have queued and re-arms the timer.
  // Call after any call into the core or a usage from outside a callback.
  void flush();

  // Carries `usage`'s requests, responses, NOTIFYs and timers until it is
  // removed; the usage must outlive that.
  void add_usage(ClientUsage& usage);
  void remove_usage(ClientUsage& usage);

  // Where a request to `uri` goes (RFC 3263 for a numeric host: the address,
  // the transport parameter, port 5060 or 5061). False when the URI names no
  // address this shell can reach without DNS.
  static bool target_for(std::string_view uri, SendTarget& target);
  // A request built by the caller, sent as a new client transaction.
  TransactionId send_request(std::string request, const SendTarget& target);
  // Ends a dialog with a BYE sent to its next hop; 0 when the dialog is
  // unknown or its next hop cannot be reached.
  TransactionId send_bye(const DialogId& dialog);
  // "SIP/2.0/UDP 127.0.0.1:5060" for requests we send over `transport`.
  std::string via_for(Transport transport) const;

  TimePoint now() const;

 private:
  struct UsageSend;
  UserAgentCore::Callbacks wrap(UserAgentCore::Callbacks callbacks);
  void poll_usages();
  void send_usage_request(ClientUsage& usage, UsageRequest request);
  void send_attempt(const std::shared_ptr<UsageSend>& send);
  bool fail_over(TransactionId id, int code, std::string_view reason);
  void on_received(const ReceivedMessage& received);
  void reply_stateless(const ReceivedMessage& received, const Message& partial, const ParseError& error);
  std::uint64_t context_for(const SendTarget& target);
  void arm_timer();

  boost::asio::any_io_executor executor_;
  UserAgentConfig config_;
  std::unique_ptr<TransportLayer> transport_;
  std::unique_ptr<UserAgentCore> core_;
  boost::asio::steady_timer timer_;
  std::optional<TimePoint> armed_for_;
  std::vector<TransportAddress> listeners_;
  TraceHandler trace_;
  // Peers the core refers to by context: where responses and retransmissions go.
  // Keyed by address bytes, port, transport and connection: no text and no
  // allocation on the per-message path.
  struct PeerKey {
    std::array<unsigned char, 16> address{};  // IPv4 in the first four bytes
    std::uint16_t port = 0;
    Transport transport = Transport::udp;
    bool v6 = false;
    ConnectionId connection = 0;
    bool operator==(const PeerKey&) const = default;
  };
  struct PeerKeyHash {
    std::size_t operator()(const PeerKey& k) const;
  };
  struct Peer {
    SendTarget target;
    PeerKey key;
    std::string address_text;  // for Via received (§18.2.1), formatted once
    TimePoint last_used;
  };
  static PeerKey peer_key(const SendTarget& target);
  std::unordered_map<PeerKey, std::uint64_t, PeerKeyHash> context_ids_;
  std::unordered_map<std::uint64_t, Peer> contexts_;
  UserAgentCore::Callbacks callbacks_;  // handed to the core in start()
  std::uint64_t next_context_ = 1;
  Message message_;  // reused for every received message
  std::unique_ptr<resolver::DnsResolver> resolver_;
  std::vector<ClientUsage*> usages_;
  std::unordered_map<TransactionId, std::shared_ptr<UsageSend>> usage_sends_;
  std::unordered_map<std::string, SendTarget> preferred_targets_;  // by next hop: the server that last answered
};

}  // namespace cosip::sip
