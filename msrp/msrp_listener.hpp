// One listening socket for the MSRP sessions we accept, as the spec's
// MSRPConfiguration local_port asks: every accepting stream's URI carries
// the same authority, and the peers connect there. A stream says which
// session-id it waits for (expect); an accepted connection is shared
// (MsrpConnection::create_shared), and the first message that names a
// session-id in its To-Path hands the connection to the stream waiting for
// it, which attaches its session. A peer may carry several of our sessions
// on one connection (RFC 4975 §6): each is claimed as its first message
// comes. A message for a session-id nobody waits for gets 481
// (SessionMux); a connection that no session has claimed some time after it
// was accepted (30 s unless told) is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cosip::msrp {

class MsrpConnection;
class TlsContext;

class MsrpListener : public std::enable_shared_from_this<MsrpListener> {
 public:
  using Claim = std::function<void(const std::shared_ptr<MsrpConnection>&)>;

  // Listens on `address` (an IP address) and `port` (0: one the system
  // picks); msrps: when `tls` (a server context) is given. An accepted
  // connection that carries no session after `unclaimed_timeout` is
  // closed. Null, with `error` saying why, when it cannot listen.
  static std::shared_ptr<MsrpListener> create(boost::asio::any_io_executor executor, const std::string& address,
                                              std::uint16_t port, std::shared_ptr<TlsContext> tls,
                                              std::string& error,
                                              std::chrono::milliseconds unclaimed_timeout = std::chrono::seconds(30));
  ~MsrpListener();
  MsrpListener(const MsrpListener&) = delete;
  MsrpListener& operator=(const MsrpListener&) = delete;

  std::uint16_t port() const { return port_; }
  bool tls() const { return tls_ != nullptr; }
  // `claim` gets the connection on which the first message for
  // `session_id` came, once; it attaches its session there
  // (MsrpConnection::add_session). False when that id is awaited already.
  bool expect(std::string session_id, Claim claim);
  // No longer awaited (the stream ended first).
  void forget(std::string_view session_id);
  std::size_t awaited() const { return expected_.size(); }
  // Stops accepting; connections already accepted go on.
  void close();

 private:
  MsrpListener(boost::asio::any_io_executor executor, std::shared_ptr<TlsContext> tls);
  void accept();
  void claim(std::string_view session_id, const std::shared_ptr<MsrpConnection>& connection);

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<TlsContext> tls_;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds unclaimed_timeout_{};
  std::map<std::string, Claim, std::less<>> expected_;
};

}  // namespace cosip::msrp
