// One MSRP media stream of a SIP session (the transport under the
// middleware API's MSRPChat and MSRPFileTransfer): from what SDP
// negotiated to a running MsrpConnection, with the lifecycle notifications
// the API names, prefixed by the stream's kind:
//   <kind>DidInitialize  our a=path is final (local_path()): the side
//                        that accepts listens on its URI; through a
//                        relay, the relay has authorized us (a 200 to
//                        AUTH with Use-Path);
//   <kind>DidStart       the connection is up (over TLS the handshake
//                        follows; its failure is a DidFail);
//   <kind>DidFail        connecting failed, or the connection broke while
//                        the stream was up; through a relay also: the
//                        relay unreachable, refusing the AUTH or its
//                        renewal (the reason names the relay and the
//                        code), the connection to it lost; nothing follows;
//   <kind>WillEnd, <kind>DidEnd  end() was called.
// Who connects comes from a=setup (msrp/connection_role.hpp). The side that
// connects sends a bodiless SEND at once, so that the other side can tie
// the connection to the session (RFC 4975 §5.4); that message is never
// handed on, on either side.
//
// Through a relay (RFC 4976; StreamConfig::relay): initialize() connects
// to the relay (TCP or TLS), whatever a=setup says, and authenticates
// (AUTH, the digest challenge, AUTH with credentials, 200 with Use-Path);
// the stream never listens. Our a=path is the relay's Use-Path, then our
// URI (§6); the session's To-Path is the Use-Path, then the peer's a=path,
// so that responses and REPORTs come back through our relay too. The
// relay connection is the session's connection (a shared one, with the
// relay client beside the session, msrp_connection.hpp); the relay client
// renews the authorization on it. Being the "connecting" side (a=setup,
// msrp/connection_role.hpp) then only means sending the bodiless SEND,
// through the relay.
//
// Shared by peer (StreamConfig::pool, RFC 4975 §6): the connecting side
// first looks in the pool for an open connection to the same peer
// (msrp/connection_pool.hpp) and adds its session to it; otherwise it opens
// a shared connection and puts it there; streams that want the same peer
// while it is being opened wait for it. Ending such a stream detaches its
// session; the last one to end closes the connection.
//
// On a shared listener (StreamConfig::listener, msrp/msrp_listener.hpp):
// the accepting side does not listen on a port of its own; its URI takes
// the listener's port, and it waits for the first message that names its
// session-id, on whatever connection the listener accepted (one the peer
// may share with its other sessions to us). Its session is made then, and
// takes the peer's path when start() gives it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "msrp/connection_pool.hpp"
#include "msrp/msrp_listener.hpp"
#include "msrp/msrp_connection.hpp"
#include "msrp/relay_client.hpp"

namespace cosip::msrp {

struct StreamConfig {
  std::string kind;       // "MSRPChat" or "MSRPFileTransfer": the notifications' prefix
  SessionConfig session;  // local_uri: where the accepting side listens; remote_path is given to start()
  // The accepting side listens on a port the system picks, which then
  // replaces the local URI's (which our a=path carries).
  bool any_port = false;
  // msrps: a client context when this side connects, a server one when it
  // accepts; null: TCP.
  std::shared_ptr<TlsContext> tls;
  // Through a relay: its client's config (relay_uri, credentials, ...;
  // local_uri is taken from session.local_uri), msrp/msrp_configuration.hpp
  // makes one from the API's MSRPConfiguration. None: direct.
  std::optional<RelayConfig> relay;
  // For an msrps: relay: a client context (the relay's certificate and
  // name verified by default). Null: the relay is msrp: (TCP).
  std::shared_ptr<TlsContext> relay_tls;
  // The connecting side shares a connection with the pool's other streams
  // to the same peer. Null: a connection of its own.
  std::shared_ptr<ConnectionPool> pool;
  // The accepting side waits on this listener (whose TLS, if any, is the
  // accepting side's) instead of listening itself. Null: its own port.
  std::shared_ptr<MsrpListener> listener;
};

struct StreamNotification {
  std::string name;    // e.g. "MSRPChatDidStart"
  std::string reason;  // DidFail, DidEnd: why
};

class MsrpStream : public std::enable_shared_from_this<MsrpStream> {
 public:
  struct Callbacks {
    std::function<void(const StreamNotification&)> on_notification;
    std::function<void(const SessionEvent&)> on_event;  // the session's, once started
  };

  static std::shared_ptr<MsrpStream> create(boost::asio::any_io_executor executor, StreamConfig config,
                                            std::function<std::uint64_t()> random, Callbacks callbacks);
  // `connect`: this side opens the connection (we_connect()); otherwise it
  // listens on the local URI's host and port. DidInitialize, or DidFail
  // when it cannot listen. Through a relay: connects to it and
  // authenticates; DidInitialize after the relay's 200, or DidFail.
  void initialize(bool connect);
  // The local URI as final after DidInitialize (with the port chosen, any_port).
  const std::string& local_uri() const { return config_.session.local_uri; }
  // Our a=path after DidInitialize: the relay's Use-Path, then our URI
  // (RFC 4976 §6); without a relay our URI alone.
  std::vector<std::string> local_path() const;
  // The peer's a=path: relays first, the peer last. The connecting side
  // connects to its first URI; the accepting side takes the connection
  // that came or comes; through a relay, the relay connection serves.
  // DidStart, or DidFail.
  void start(std::vector<std::string> remote_path);
  // WillEnd, the connection closed (pending messages fail), DidEnd.
  void end(const std::string& reason = "ended");

  // Null until DidStart. Streams queue through session(), then the
  // connection's sync().
  MsrpConnection* connection() {
    return connection_ && connection_->session_count() > 0 ? connection_.get() : nullptr;
  }
  // This stream's session on the connection (which may carry others), null
  // until DidStart.
  MsrpSession* session() { return connection_ ? connection_->find_session(session_id_) : nullptr; }

 private:
  MsrpStream(boost::asio::any_io_executor executor, StreamConfig config, std::function<std::uint64_t()> random,
             Callbacks callbacks);
  void notify(const char* what, std::string reason = {});
  void fail(std::string reason);
  // Resolves `host` and connects to it, then `connected`; DidFail naming
  // `what` ("" for the peer, "the relay ") and the address when it cannot.
  void dial(const std::string& what, const std::string& host, const std::string& port,
            std::function<void(boost::asio::ip::tcp::socket)> connected);
  void connect();
  void accept();
  // Replaces the port of our URI (the authority as written) by `port`.
  void set_local_port(std::uint16_t port);
  // On a shared listener: waits for our session-id (DidFail when it cannot).
  void await_on_listener();
  // The listener's connection carries our session-id: the session joins it.
  void on_claimed(const std::shared_ptr<MsrpConnection>& connection);
  void connect_to_relay();
  void on_relay_event(const RelayEvent& e);
  // The session of this stream, or null after DidFail.
  std::unique_ptr<MsrpSession> make_session();
  MsrpConnection::Callbacks session_callbacks();
  void run(boost::asio::ip::tcp::socket socket, bool connected);
  void run_through_relay();
  // Our session onto the shared connection_ (the relay's or a pooled one), then started().
  void attach_session();
  // Our part of the connection ends: the session detached when others
  // share it, else the connection closed.
  void release_connection(const std::string& reason);
  // The stream fails or ends while it waits: no longer awaited on the
  // listener; a pool dial of ours ends without a connection, and the
  // streams waiting for it fail with `failure`, or (null: this stream
  // ended) look again.
  void stop_waiting(const std::string* failure);
  // DidStart; the connecting side's binding SEND first.
  void started();
  void on_event(const SessionEvent& e);

  enum class State { idle, authenticating, initialized, starting, started, ended };
  boost::asio::any_io_executor executor_;
  StreamConfig config_;
  std::function<std::uint64_t()> random_;
  Callbacks callbacks_;
  State state_ = State::idle;
  bool connects_ = false;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::ip::tcp::socket> accepted_;  // came before start()
  std::unique_ptr<boost::asio::ip::tcp::resolver> resolver_;
  std::unique_ptr<boost::asio::ip::tcp::socket> connecting_;
  std::shared_ptr<MsrpConnection> connection_;
  std::optional<PeerKey> dialing_;  // the pool's dial to this peer is ours, until it ends
  std::string awaited_id_;  // the session-id we wait for on the listener, until claimed
  std::vector<SessionEvent> early_events_;  // claimed before start(): held until DidStart
  std::string binding_id_;  // the bodiless SEND's Message-ID
  std::string session_id_;  // our session's key on a shared connection; "" on one of our own
};

}  // namespace cosip::msrp
