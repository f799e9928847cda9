// One MSRP media stream of a SIP session (the transport under the
// middleware API's MSRPChat and MSRPFileTransfer): from what SDP
// negotiated to a running MsrpConnection, with the lifecycle notifications
// the API names, prefixed by the stream's kind:
//   <kind>DidInitialize  the local URI (for our a=path) is final: the side
//                        that accepts listens on it;
//   <kind>DidStart       the connection is up (over TLS the handshake
//                        follows; its failure is a DidFail);
//   <kind>DidFail        connecting failed, or the connection broke while
//                        the stream was up; nothing follows;
//   <kind>WillEnd, <kind>DidEnd  end() was called.
// Who connects comes from a=setup (msrp/connection_role.hpp). The side that
// connects sends a bodiless SEND at once, so that the other side can tie
// the connection to the session (RFC 4975 §5.4); that message is never
// handed on, on either side.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "msrp/msrp_connection.hpp"

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
  // when it cannot listen.
  void initialize(bool connect);
  // The local URI as final after DidInitialize (with the port chosen, any_port).
  const std::string& local_uri() const { return config_.session.local_uri; }
  // The peer's a=path: relays first, the peer last. The connecting side
  // connects to its first URI; the accepting side takes the connection
  // that came or comes. DidStart, or DidFail.
  void start(std::vector<std::string> remote_path);
  // WillEnd, the connection closed (pending messages fail), DidEnd.
  void end(const std::string& reason = "ended");

  // Null until DidStart. Streams queue through its session(), then sync().
  MsrpConnection* connection() { return connection_.get(); }

 private:
  MsrpStream(boost::asio::any_io_executor executor, StreamConfig config, std::function<std::uint64_t()> random,
             Callbacks callbacks);
  void notify(const char* what, std::string reason = {});
  void fail(std::string reason);
  void connect();
  void accept();
  void run(boost::asio::ip::tcp::socket socket, bool connected);
  void on_event(const SessionEvent& e);

  enum class State { idle, initialized, starting, started, ended };
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
  std::string binding_id_;  // the bodiless SEND's Message-ID
};

}  // namespace cosip::msrp
