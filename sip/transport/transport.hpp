// SIP transports (RFC 3261 §18): the transport kinds, transport addresses,
// what a transport hands up for each received message, and the transport
// errors a send can complete with. No sockets here: the Asio shell is
// transport_layer.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

namespace cosip::sip {

enum class Transport : std::uint8_t { udp, tcp, tls };

// "UDP", "TCP", "TLS": the Via transport tokens (§20.42).
std::string_view to_string(Transport transport);
// TCP and TLS are reliable (§17: no retransmission timers A, E, G).
constexpr bool is_reliable(Transport transport) { return transport != Transport::udp; }
constexpr bool is_stream(Transport transport) { return transport != Transport::udp; }

// Where a message comes from or goes to.
struct TransportAddress {
  Transport transport = Transport::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;

  bool operator==(const TransportAddress&) const = default;
};

// "tcp:127.0.0.1:5060", "tls:[::1]:5061".
std::string to_string(const TransportAddress& address);

// A TCP or TLS connection of one TransportLayer; 0 means none (UDP).
using ConnectionId = std::uint64_t;

// One whole message as the transport received it (§18.3 framing done, not
// parsed yet).
struct ReceivedMessage {
  std::string_view bytes;  // in the transport's buffer: copy what must outlive the handler
  TransportAddress source;  // the peer: for §18.2.1 "received" / RFC 3581 "rport"
  TransportAddress local;   // our address it arrived on (a wildcard when bound to one)
  ConnectionId connection = 0;  // the stream it came on (answer on it, §18.2.2); 0 for UDP

  Transport transport() const { return source.transport; }
};

// Errors of the transport layer itself; socket and TLS errors are passed on
// as Asio reports them (boost::asio::error::connection_refused, SSL errors of
// boost::asio::error::get_ssl_category(), ...).
enum class TransportErrc {
  ok = 0,
  no_listener = 1,       // UDP: no listening socket of the destination's family
  connection_closed,     // the connection closed before the message was written
  too_many_connections,  // TransportConfig::max_connections reached
  connect_timeout,       // TCP connect or TLS handshake took too long
  idle_timeout,          // closed: no traffic for TransportConfig::idle_timeout
  framing_error,         // closed: the peer's stream cannot be framed (§18.3)
  queue_full,            // TransportConfig::max_queued_bytes waiting on the connection
  tls_not_configured,    // TLS listen without a certificate and key
};

const boost::system::error_category& transport_category();
boost::system::error_code make_error_code(TransportErrc e);

}  // namespace cosip::sip

template <>
struct boost::system::is_error_code_enum<cosip::sip::TransportErrc> : std::true_type {};
