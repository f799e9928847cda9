#include "msrp/msrp_listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "msrp/msrp_connection.hpp"

namespace cosip::msrp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::shared_ptr<MsrpListener> MsrpListener::create(asio::any_io_executor executor, const std::string& address,
                                                   std::uint16_t port, std::shared_ptr<TlsContext> tls,
                                                   std::string& error, std::chrono::milliseconds unclaimed_timeout) {
  error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address, ec);
  if (ec) {
    error = "not an IP address to listen on: \"" + address + "\"";
    return nullptr;
  }
  if (tls && tls->is_client()) {
    error = "a listener needs a server TLS context (certificate and key)";
    return nullptr;
  }
  std::shared_ptr<MsrpListener> listener(new MsrpListener(std::move(executor), std::move(tls)));
  listener->unclaimed_timeout_ = unclaimed_timeout;
  const tcp::endpoint endpoint(ip, port);
  tcp::acceptor& acceptor = listener->acceptor_;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    return nullptr;
  }
  listener->port_ = acceptor.local_endpoint().port();
  listener->accept();
  return listener;
}

MsrpListener::MsrpListener(asio::any_io_executor executor, std::shared_ptr<TlsContext> tls)
    : acceptor_(std::move(executor)), tls_(std::move(tls)) {}

MsrpListener::~MsrpListener() { close(); }

bool MsrpListener::expect(std::string session_id, Claim claim) {
  return !session_id.empty() && expected_.emplace(std::move(session_id), std::move(claim)).second;
}

void MsrpListener::forget(std::string_view session_id) {
  if (const auto it = expected_.find(session_id); it != expected_.end()) expected_.erase(it);
}

void MsrpListener::close() {
  error_code ignored;
  acceptor_.close(ignored);
}

void MsrpListener::accept() {
  std::weak_ptr<MsrpListener> weak = weak_from_this();
  acceptor_.async_accept([weak](error_code ec, tcp::socket socket) {
    auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      const asio::any_io_executor executor = socket.get_executor();
      auto connection = MsrpConnection::create_shared(std::move(socket), self->tls_);
      std::weak_ptr<MsrpConnection> weak_connection = connection;
      connection->set_claim([weak, weak_connection](std::string_view session_id) {
        auto listener = weak.lock();
        auto c = weak_connection.lock();
        if (listener && c) listener->claim(session_id, c);
      });
      connection->start();
      auto timer = std::make_shared<asio::steady_timer>(executor, self->unclaimed_timeout_);
      timer->async_wait([weak_connection, timer](error_code ec) {
        if (auto c = weak_connection.lock(); !ec && c && c->session_count() == 0)
          c->close("no session was claimed on the connection");
      });
    }
    if (!ec) {
      self->accept();
      return;
    }
    // An accept that failed (too many open files, say) does not stop the
    // listener: it tries again a little later.
    auto retry = std::make_shared<asio::steady_timer>(self->acceptor_.get_executor(), std::chrono::milliseconds(100));
    retry->async_wait([weak, retry](error_code) {
      if (auto self = weak.lock(); self && self->acceptor_.is_open()) self->accept();
    });
  });
}

void MsrpListener::claim(std::string_view session_id, const std::shared_ptr<MsrpConnection>& connection) {
  const auto it = expected_.find(session_id);
  if (it == expected_.end()) return;
  const Claim claim = std::move(it->second);
  expected_.erase(it);
  claim(connection);
}

}  // namespace cosip::msrp
