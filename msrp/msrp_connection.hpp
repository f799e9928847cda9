// The I/O shell of one MSRP session (msrp/session.hpp): a TCP connection,
// bytes read into the session, what it writes written in order, its
// deadline kept by a timer. Who connects and who accepts comes from SDP
// (RFC 4975 §5.4, RFC 6135 a=setup); the caller does that and hands over
// the connected socket. A connection that drops fails every pending
// message of the session with the reason (MsrpSession::on_connection_lost).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "msrp/session.hpp"

namespace cosip::msrp {

class MsrpConnection : public std::enable_shared_from_this<MsrpConnection> {
 public:
  struct Callbacks {
    std::function<void(const SessionEvent&)> on_event;
    // The connection is closed (by close(), the peer, an error or a broken
    // stream); no event follows.
    std::function<void(const std::string& reason)> on_closed;
  };

  static std::shared_ptr<MsrpConnection> create(boost::asio::ip::tcp::socket socket,
                                                std::unique_ptr<MsrpSession> session, Callbacks callbacks);
  // Starts reading. Call on the socket's executor, as every other call.
  void start();
  // Queues a message; its Message-ID.
  std::string send_message(OutgoingMessage message);
  // Queues a streamed message (a file): chunks are made as the socket
  // drains. Its Message-ID.
  std::string send_stream(OutgoingStream stream);
  // Closes the connection; pending messages fail with `reason`.
  void close(const std::string& reason = "closed");

  const MsrpSession& session() const { return *session_; }

 private:
  MsrpConnection(boost::asio::ip::tcp::socket socket, std::unique_ptr<MsrpSession> session, Callbacks callbacks);
  void read();
  void flush();
  void arm_timer();
  void deliver_events();
  void fail(const std::string& reason);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<MsrpSession> session_;
  Callbacks callbacks_;
  std::array<char, 256 * 1024> read_buffer_{};  // a large read: fewer wake-ups per byte at file-transfer rates
  std::string writing_;  // being written
  std::optional<TimePoint> armed_;  // what the timer waits for
  bool closed_ = false;
};

}  // namespace cosip::msrp
