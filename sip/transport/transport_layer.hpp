// The SIP transport layer (RFC 3261 §18) on Boost.Asio: UDP, TCP and TLS over
// IPv4 and IPv6, bound to one executor and used from it only (no locks).
//
// Flow:
//   listen()   -> a UDP socket, or a TCP/TLS acceptor; each accepted stream is
//                 a connection with its own id
//   receive    -> UDP: one datagram is one message (CRLF-only and tiny
//                 datagrams are dropped); TCP/TLS: a StreamFramer per connection
//                 cuts whole messages out of the stream (§18.3), answers each
//                 double-CRLF ping with a CRLF pong (RFC 5626 §4.4.1) and
//                 closes the connection on a framing error
//              -> the message handler gets {bytes, source, local, connection},
//                 the bytes in place in the layer's buffers
//   async_send, send
//              -> UDP: a datagram from the listening socket of the
//                 destination's family, so the peer sees our listening port
//                 (symmetric response routing, RFC 3581);
//                 TCP/TLS: the connection named by id if it is still open
//                 (responses go back where the request came from, §18.2.2),
//                 else an open connection to the destination address, else a
//                 new one (TLS: server certificate verified against the CA and
//                 the target host name, with SNI) -> async_send completes
//                 with an error_code and the connection id used; send()
//                 reports failures only, by the caller's tag
//   close()    -> every socket closed, every pending send completed with
//                 boost::asio::error::operation_aborted; no handler of the
//                 layer runs afterwards
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sip/syntax/message.hpp"
#include "sip/transport/transport.hpp"

namespace cosip::sip {

namespace detail {
class TransportCore;
}

struct TlsConfig {
  std::string ca_file;           // PEM CAs that verify peers; empty: the system's default paths
  std::string certificate_file;  // PEM chain we present (needed to listen on TLS)
  std::string private_key_file;  // PEM key of that certificate
  bool verify_peer = true;       // outgoing: verify the server's certificate and name
  // Name to verify (and send as SNI) on outgoing connections; empty: the
  // SendTarget's host, else the destination IP address (checked against the
  // certificate's IP subjectAltNames, no SNI).
  std::string server_name;
};

struct TransportConfig {
  Limits limits;  // max_message_size: UDP receive buffer, per-connection framing buffer
  // Connections with no traffic either way for this long are closed (0: never).
  std::chrono::milliseconds idle_timeout{60'000};           // accepted connections
  std::chrono::milliseconds outbound_idle_timeout{0};       // connections we opened
  std::chrono::milliseconds connect_timeout{10'000};        // TCP connect + TLS handshake
  std::size_t max_connections = 1024;                       // inbound and outbound together
  std::size_t max_queued_bytes = 1 << 20;                   // unsent bytes per connection or UDP listener
  // SO_RCVBUF and SO_SNDBUF of UDP sockets: room for the datagrams that
  // arrive while the executor is busy (0: the system's default; Linux caps
  // it at net.core.rmem_max and wmem_max).
  std::size_t udp_buffer_size = 0;
  TlsConfig tls;
};

// Where async_send goes. Not an aggregate on purpose: g++ 12 miscompiles
// aggregate temporaries with a std::string member inside a co_await
// expression (it copies them bitwise), and `co_await async_send({to}, ...)`
// is the common call.
struct SendTarget {
  SendTarget() = default;
  SendTarget(TransportAddress address, ConnectionId connection = 0, std::string host = {})  // NOLINT: implicit
      : address(std::move(address)), connection(connection), host(std::move(host)) {}

  TransportAddress address;
  // Nonzero: send on this connection while it is open (and of the same
  // transport); once it is gone, fall back to `address` (a port of 0 there
  // fails with TransportErrc::connection_closed).
  ConnectionId connection = 0;
  // TLS: the host name the destination was resolved from (RFC 5922 §4); the
  // certificate must match it and it is sent as SNI.
  std::string host;
};

class TransportLayer {
 public:
  // The message's bytes are valid only while the handler runs.
  using MessageHandler = std::function<void(const ReceivedMessage&)>;
  // A connection closed: by the peer (boost::asio::error::eof), an error, an
  // idle timeout, a framing error, or close_connection().
  using CloseHandler =
      std::function<void(ConnectionId, const TransportAddress& peer, boost::system::error_code reason)>;
  using SendSignature = void(boost::system::error_code, ConnectionId);
  // A send() failed; `tag` is the one the caller gave.
  using SendErrorHandler = std::function<void(std::uint64_t tag, boost::system::error_code)>;

  explicit TransportLayer(boost::asio::any_io_executor executor, TransportConfig config = {});
  ~TransportLayer();  // close()
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  const boost::asio::any_io_executor& get_executor() const;
  const TransportConfig& config() const;

  // Handlers run on the layer's executor. They may call into the layer,
  // close it, or destroy it; they must not throw (an exception would escape
  // from the executor's run()).
  void set_message_handler(MessageHandler handler);
  void set_close_handler(CloseHandler handler);
  void set_send_error_handler(SendErrorHandler handler);

  // Binds a UDP socket or a TCP/TLS acceptor (port 0: an ephemeral port) and
  // returns the bound address. IPv6 sockets are IPv6-only, so :: and 0.0.0.0
  // can share a port. Throws boost::system::system_error when binding fails,
  // or (TLS) the certificate or key cannot be loaded.
  TransportAddress listen(Transport transport, const boost::asio::ip::address& address, std::uint16_t port = 0);
  std::vector<TransportAddress> listeners() const;

  // Sends one message (or a keep-alive) to `target`; completes with the
  // error (empty on success: the bytes were handed to the socket) and the
  // connection used (0 for UDP). The completion never runs inside this call.
  template <boost::asio::completion_token_for<SendSignature> Token = boost::asio::use_awaitable_t<>>
  auto async_send(SendTarget target, std::string bytes, Token&& token = {}) {
    return boost::asio::async_initiate<Token, SendSignature>(
        [this](auto handler, SendTarget target, std::string bytes) {
          start_send(std::move(target), std::move(bytes),
                     boost::asio::any_completion_handler<SendSignature>(std::move(handler)));
        },
        token, std::move(target), std::move(bytes));
  }

  // Sends one message as async_send does, with no completion to allocate
  // and run: the path for a caller that sends a lot (the UA). A UDP datagram
  // is written at once; `bytes` are copied only if it has to wait for room
  // in the socket's buffer, or into a TCP/TLS connection's queue. A failure
  // (not once the layer is closed) goes to the send-error handler with
  // `tag`, never inside this call; tag 0 reports nothing.
  void send(const SendTarget& target, std::string_view bytes, std::uint64_t tag = 0);

  // Closes one connection (its queued sends fail with connection_closed);
  // false when there is no such connection.
  bool close_connection(ConnectionId id);
  std::size_t connection_count() const;
  // The peer of an open connection, if any.
  std::optional<TransportAddress> connection_peer(ConnectionId id) const;

  // Closes every socket and cancels every operation (idempotent). Destroy
  // the layer before its execution context.
  void close();

 private:
  void start_send(SendTarget target, std::string bytes, boost::asio::any_completion_handler<SendSignature> handler);
  // Shared with the layer's coroutines, which finish after the layer is
  // closed (their operations complete with operation_aborted).
  std::shared_ptr<detail::TransportCore> core_;
};

}  // namespace cosip::sip
