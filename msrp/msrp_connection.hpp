// The I/O shell of one MSRP session (msrp/session.hpp): a TCP or TLS
// connection (msrp: or msrps: URIs, RFC 4975 §6, §14), bytes read into the
// session, what it writes written in order, its deadline kept by a timer.
// Who connects and who accepts comes from SDP (RFC 4975 §5.4, RFC 6135
// a=setup, msrp/connection_role.hpp); the caller does that and hands over
// the connected socket. A connection that drops fails every pending message
// of the session with the reason (MsrpSession::on_connection_lost).
//
// Shared (RFC 4975 §6): sessions to the same peer (authority and
// transport) may share one connection. create_shared() makes one with no
// session; add_session() attaches each, and a SessionMux (session_mux.hpp)
// routes every incoming message to the session its To-Path names (481 for
// none); the sessions' output goes out in turn on the one stream.
//
// To a relay (RFC 4976): create_to_relay() makes a shared connection that
// also carries a RelayClient. It sees every byte the relay sends (it takes
// the responses to its AUTHs and ignores the sessions' messages, which go
// through the mux as on any shared connection), its AUTHs are written
// before the sessions' output, and the connection's timer wakes it for its
// deadline (the AUTH's, then the renewal's). Its events, the loss of the
// connection included (failed with code 0), go to one callback.
//
// Flow (TLS): handshake (the side that connected is the TLS client and
// checks the peer's certificate and name) -> open: read loop and write
// queue, as over TCP -> closed: close() sends a TLS close_notify first, so
// the peer sees a clean end rather than a truncated stream.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "msrp/relay_client.hpp"
#include "msrp/session.hpp"
#include "msrp/session_mux.hpp"
#include "msrp/tls_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cosip::msrp {

// TLS settings of one side (TLS 1.2 or later), loaded once and shared by
// its connections.
class TlsContext {
 public:
  // The side that connects. Throws std::runtime_error naming the file that
  // could not be loaded.
  static std::shared_ptr<TlsContext> client(const TlsConfig& config);
  // The side that accepts: needs certificate_file and private_key_file.
  static std::shared_ptr<TlsContext> server(const TlsConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  bool is_client() const { return client_; }
  bool verifies_peer() const { return verify_; }
  // What peers are checked against, for error messages.
  const std::string& trust() const { return trust_; }
  // To set ciphers or other OpenSSL options before the first connection.
  boost::asio::ssl::context& native() { return *context_; }

 private:
  TlsContext(std::unique_ptr<boost::asio::ssl::context> context, bool client, bool verify, std::string trust);
  std::unique_ptr<boost::asio::ssl::context> context_;
  bool client_;
  bool verify_;
  std::string trust_;
};

class MsrpConnection : public std::enable_shared_from_this<MsrpConnection> {
 public:
  struct Callbacks {
    std::function<void(const SessionEvent&)> on_event;
    // The connection is closed (by close(), the peer, an error, a failed TLS
    // handshake or a broken stream); no event follows.
    std::function<void(const std::string& reason)> on_closed;
  };

  // Over TCP.
  static std::shared_ptr<MsrpConnection> create(boost::asio::ip::tcp::socket socket,
                                                std::unique_ptr<MsrpSession> session, Callbacks callbacks);
  // Over TLS on a connected socket: a client context for the side that
  // connected, a server context for the side that accepted. `peer_name`
  // (client): the host of the peer's msrps: URI, which its certificate must
  // name (RFC 6125; also sent as SNI unless it is an IP address); empty:
  // the socket's peer address.
  static std::shared_ptr<MsrpConnection> create(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                                std::string peer_name, std::unique_ptr<MsrpSession> session,
                                                Callbacks callbacks);
  // A connection to share, with no session yet (tls null: TCP).
  static std::shared_ptr<MsrpConnection> create_shared(boost::asio::ip::tcp::socket socket,
                                                       std::shared_ptr<TlsContext> tls = nullptr,
                                                       std::string peer_name = {});
  // A shared connection to our relay, with its client, which sends its
  // first AUTH once the connection is open (TLS: after the handshake).
  // `peer_name`: the relay's host (TLS, as above).
  static std::shared_ptr<MsrpConnection> create_to_relay(boost::asio::ip::tcp::socket socket,
                                                         std::shared_ptr<TlsContext> tls, std::string peer_name,
                                                         std::unique_ptr<RelayClient> relay,
                                                         std::function<void(const RelayEvent&)> on_relay_event);
  ~MsrpConnection();
  // Starts reading (TLS: after the handshake). Call on the socket's
  // executor, as every other call.
  void start();
  // Queues a message of the first session; its Message-ID. Over TLS it
  // goes out once the handshake is done.
  std::string send_message(OutgoingMessage message);
  // Queues a streamed message (a file): chunks are made as the socket
  // drains. Its Message-ID.
  std::string send_stream(OutgoingStream stream);
  // Closes the connection; pending messages fail with `reason`.
  void close(const std::string& reason = "closed");

  // Shared connections: attaches a session whose local URI is `local_uri`
  // (the mux routes by its session-id). False, and nothing attached, when
  // the connection is not shared or closed, the URI has no session-id, or
  // a session of that id is attached already.
  bool add_session(std::string_view local_uri, std::unique_ptr<MsrpSession> session, Callbacks callbacks);
  // Detaches a session: its pending messages fail with `reason`, its
  // on_closed is told; the connection stays open. False when unknown or
  // the connection is closed.
  bool remove_session(std::string_view session_id, const std::string& reason = "session ended");
  // The same calls as above, for one of the sessions of a shared
  // connection; an empty Message-ID when there is no such session.
  std::string send_message(std::string_view session_id, OutgoingMessage message);
  std::string send_stream(std::string_view session_id, OutgoingStream stream);
  std::size_t session_count() const { return sessions_.size(); }
  // The session attached as `session_id` (unshared: "", the only one), else null.
  MsrpSession* find_session(std::string_view session_id);
  // close() was called, or the connection failed: it takes no more sessions.
  bool closed() const { return closed_; }
  // Shared connections: `claim` is called with the session-id of a message
  // for no session attached here; it may add_session() that session before
  // it returns, and the message goes to it (else 481, SessionMux).
  void set_claim(std::function<void(std::string_view session_id)> claim);
  // Reads of a bulk transfer (64 KiB or more over TCP) after which the
  // socket was polled rather than waited on (see poll_read()).
  std::uint64_t bulk_reads() const { return bulk_reads_; }
  // The relay's client (create_to_relay), else null.
  const RelayClient* relay() const { return relay_.get(); }

  // The first session (of an unshared connection: its only one), for
  // streams that queue through it (ChatStream, OutgoingFileTransfer): call
  // sync() after each such call.
  MsrpSession& session() { return *sessions_.front().session; }
  const MsrpSession& session() const { return *sessions_.front().session; }
  // Delivers the sessions' events, writes what they queued, sets the timer.
  void sync();

 private:
  struct Stream;  // the TCP socket or the TLS stream over it
  struct Attached {
    std::string session_id;  // the mux's key (shared connections)
    std::unique_ptr<MsrpSession> session;
    Callbacks callbacks;
  };
  MsrpConnection(std::unique_ptr<Stream> stream, bool shared);
  Attached* find(std::string_view session_id);
  void on_bytes(std::string_view bytes);
  void handshake();
  void read();
  void poll_read(TimePoint until);
  void on_read_error(boost::system::error_code ec);
  bool bulk_read(std::size_t n);
  void flush();
  void arm_timer();
  void deliver_events();
  void fail(const std::string& reason, bool graceful);
  std::string handshake_error(boost::system::error_code ec) const;

  std::unique_ptr<Stream> stream_;
  boost::asio::steady_timer timer_;
  std::vector<Attached> sessions_;  // unshared: exactly one
  std::unique_ptr<SessionMux> mux_;  // shared connections only
  std::unique_ptr<RelayClient> relay_;  // connections to our relay only
  std::function<void(const RelayEvent&)> on_relay_event_;
  std::array<char, 256 * 1024> read_buffer_{};  // a large read: fewer wake-ups per byte at file-transfer rates
  std::string writing_;  // being written
  bool timer_armed_ = false;
  std::uint64_t bulk_reads_ = 0;
  TimePoint armed_for_{};  // the deadline the timer waits for, when armed
  bool open_ = false;    // TCP: at once; TLS: once the handshake is done
  bool closed_ = false;
};

}  // namespace cosip::msrp
