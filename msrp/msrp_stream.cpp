#include "msrp/msrp_stream.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>

#include "msrp/uri.hpp"

namespace cosip::msrp {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

using tcp = asio::ip::tcp;

// "[::1]" -> "::1": the host as Asio resolves it.
std::string bare_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string(host);
}

}  // namespace

std::shared_ptr<MsrpStream> MsrpStream::create(asio::any_io_executor executor, StreamConfig config,
                                               std::function<std::uint64_t()> random, Callbacks callbacks) {
  return std::shared_ptr<MsrpStream>(
      new MsrpStream(std::move(executor), std::move(config), std::move(random), std::move(callbacks)));
}

MsrpStream::MsrpStream(asio::any_io_executor executor, StreamConfig config, std::function<std::uint64_t()> random,
                       Callbacks callbacks)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      random_(std::move(random)),
      callbacks_(std::move(callbacks)) {}

void MsrpStream::notify(const char* what, std::string reason) {
  if (callbacks_.on_notification) callbacks_.on_notification(StreamNotification{config_.kind + what, std::move(reason)});
}

void MsrpStream::fail(std::string reason) {
  if (state_ == State::ended) return;
  state_ = State::ended;
  error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (connecting_) connecting_->close(ignored);
  stop_waiting(&reason);  // while dialling, only the dial can fail
  release_connection(reason);
  notify("DidFail", std::move(reason));
}

void MsrpStream::initialize(bool connect) {
  if (state_ != State::idle) return;
  connects_ = connect;
  Uri local;
  if (!parse_uri(config_.session.local_uri, local) || local.session_id.empty()) {
    fail("not an MSRP URI with a session-id: \"" + config_.session.local_uri + "\"");
    return;
  }
  if (config_.relay) {
    connect_to_relay();
    return;
  }
  if (!connect && config_.listener) {
    await_on_listener();
    if (state_ == State::ended) return;
  } else if (!connect) {
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(bare_host(local.host), ec);
    if (ec) {
      fail("the local URI's host is not an IP address to listen on: \"" + std::string(local.host) + "\"");
      return;
    }
    acceptor_ = std::make_unique<tcp::acceptor>(executor_);
    const tcp::endpoint endpoint(address, config_.any_port ? 0 : local.effective_port());
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      fail("cannot listen on " + std::string(local.host) + ":" + std::to_string(endpoint.port()) + ": " + ec.message());
      return;
    }
    if (config_.any_port) set_local_port(acceptor_->local_endpoint().port());
    accept();
  }
  state_ = State::initialized;
  notify("DidInitialize");
}

void MsrpStream::set_local_port(std::uint16_t port) {
  Uri local;
  parse_uri(config_.session.local_uri, local);  // checked by initialize()
  // The authority as written ("host" or "host:port") gets the port.
  const std::string written =
      std::string(local.host) + (local.port != 0 ? ":" + std::to_string(local.port) : std::string()) + "/";
  const std::string host(local.host);
  const std::size_t at = config_.session.local_uri.find(written);
  if (at != std::string::npos)
    config_.session.local_uri.replace(at, written.size(), host + ":" + std::to_string(port) + "/");
}

void MsrpStream::await_on_listener() {
  Uri local;
  parse_uri(config_.session.local_uri, local);  // checked by initialize()
  if (local.secure != config_.listener->tls()) {
    fail(local.secure ? "our URI is msrps: (TLS) and the listener is TCP"
                      : "our URI is msrp: (TCP) and the listener is TLS");
    return;
  }
  std::string id(local.session_id);  // before the URI changes under the view
  set_local_port(config_.listener->port());
  std::weak_ptr<MsrpStream> weak = weak_from_this();
  if (!config_.listener->expect(id, [weak](const std::shared_ptr<MsrpConnection>& connection) {
        if (auto self = weak.lock()) self->on_claimed(connection);
      })) {
    fail("another stream waits on the listener for the session-id " + id);
    return;
  }
  awaited_id_ = std::move(id);
}

void MsrpStream::on_claimed(const std::shared_ptr<MsrpConnection>& connection) {
  std::string id = std::exchange(awaited_id_, {});
  if (state_ == State::ended) return;  // the message then gets 481
  // Before start() the peer's path is not known yet: the session answers
  // the peer's first requests (responses follow their From-Path) and takes
  // the path when start() gives it.
  SessionConfig session = config_.session;
  if (session.remote_path.empty()) session.remote_path = {session.local_uri};
  auto made = std::make_unique<MsrpSession>(session, random_);
  if (!made->valid()) {  // start() gave a path that is not MSRP URIs
    fail(made->config_error());
    return;
  }
  if (!connection->add_session(session.local_uri, std::move(made), session_callbacks())) {
    fail("the session could not join the connection it came on");
    return;
  }
  connection_ = connection;
  session_id_ = std::move(id);
  if (state_ == State::starting) started();
}

void MsrpStream::accept() {
  auto socket = std::make_shared<tcp::socket>(executor_);
  acceptor_->async_accept(*socket, [self = shared_from_this(), socket](error_code ec) {
    if (self->state_ == State::ended) return;
    if (ec) {
      self->fail("accepting the peer's connection failed: " + ec.message());
      return;
    }
    // One connection per stream: the listener's job is done.
    error_code ignored;
    self->acceptor_->close(ignored);
    if (self->state_ == State::starting)
      self->run(std::move(*socket), false);
    else
      self->accepted_ = std::make_unique<tcp::socket>(std::move(*socket));
  });
}

void MsrpStream::start(std::vector<std::string> remote_path) {
  if (state_ != State::initialized) return;
  state_ = State::starting;
  config_.session.remote_path = std::move(remote_path);
  if (config_.relay) {
    run_through_relay();
  } else if (config_.listener && !connects_) {
    // Claimed already: the session takes the peer's path now.
    if (connection_) {
      if (connection_->closed()) {
        fail("the connection closed before the stream started");
        return;
      }
      if (MsrpSession* session = connection_->find_session(session_id_);
          session == nullptr || !session->set_remote_path(config_.session.remote_path)) {
        fail("the peer's path holds no MSRP URI");
        return;
      }
      started();
    }
  } else if (connects_) {
    connect();
  } else if (accepted_) {
    tcp::socket socket = std::move(*accepted_);
    accepted_.reset();
    run(std::move(socket), false);
  }
}

void MsrpStream::dial(const std::string& what, const std::string& host, const std::string& port,
                      std::function<void(tcp::socket)> connected) {
  resolver_ = std::make_unique<tcp::resolver>(executor_);
  connecting_ = std::make_unique<tcp::socket>(executor_);
  resolver_->async_resolve(
      host, port,
      [self = shared_from_this(), what, host, port, connected = std::move(connected)](
          error_code ec, tcp::resolver::results_type results) mutable {
        if (self->state_ == State::ended) return;
        if (ec) {
          self->fail("cannot resolve " + what + host + ": " + ec.message());
          return;
        }
        asio::async_connect(*self->connecting_, results,
                            [self, what, host, port, connected = std::move(connected)](error_code ec,
                                                                                       const tcp::endpoint&) {
                              if (self->state_ == State::ended) return;
                              if (ec) {
                                self->fail("cannot connect to " + what + host + ":" + port + ": " + ec.message());
                                return;
                              }
                              tcp::socket socket = std::move(*self->connecting_);
                              self->connecting_.reset();
                              connected(std::move(socket));
                            });
      });
}

void MsrpStream::connect() {
  Uri first;
  if (config_.session.remote_path.empty() || !parse_uri(config_.session.remote_path.front(), first)) {
    fail("the peer's path holds no MSRP URI to connect to");
    return;
  }
  if (first.secure != (config_.tls != nullptr)) {
    fail(first.secure ? "the peer's path asks for TLS (msrps:) and no TLS is configured"
                      : "TLS is configured and the peer's path is msrp: (TCP)");
    return;
  }
  std::weak_ptr<MsrpStream> weak = weak_from_this();
  if (config_.pool) {
    const PeerKey peer = peer_key(first);
    if (std::shared_ptr<MsrpConnection> shared = config_.pool->find(peer)) {
      connection_ = std::move(shared);
      attach_session();
      return;
    }
    // Another stream is opening a connection to that peer: wait for it.
    if (!config_.pool->dial_or_wait(peer, [weak](const std::string* failure) {
          auto self = weak.lock();
          if (!self || self->state_ != State::starting) return;
          if (failure != nullptr)
            self->fail(*failure);
          else
            self->connect();
        }))
      return;
    dialing_ = peer;
  }
  dial("", bare_host(first.host), std::to_string(first.effective_port()), [weak](tcp::socket socket) {
    if (auto self = weak.lock()) self->run(std::move(socket), true);
  });
}

// RFC 4976 §5: the client opens the connection to its relay and sends AUTH
// on it; the relay's certificate (msrps:) names the relay's host.
void MsrpStream::connect_to_relay() {
  const RelayConfig& relay = *config_.relay;
  Uri uri;
  if (!parse_uri(relay.relay_uri, uri)) {
    fail("the relay URI is not an MSRP URI: \"" + relay.relay_uri + "\"");
    return;
  }
  if (uri.secure != (config_.relay_tls != nullptr)) {
    fail(uri.secure ? "the relay " + relay.relay_uri + " is msrps: (TLS) and no TLS is configured for it"
                    : "TLS is configured for the relay and its URI " + relay.relay_uri + " is msrp: (TCP)");
    return;
  }
  state_ = State::authenticating;
  const std::string host = bare_host(uri.host);
  std::weak_ptr<MsrpStream> weak = weak_from_this();
  dial("the relay ", host, std::to_string(uri.effective_port()), [weak, host](tcp::socket socket) {
    auto self = weak.lock();
    if (!self) return;
    RelayConfig relay = *self->config_.relay;
    relay.local_uri = self->config_.session.local_uri;
    relay.limits = self->config_.session.limits;  // it frames the same stream as the session
    auto client = std::make_unique<RelayClient>(std::move(relay), self->random_);
    if (!client->valid()) {
      self->fail(client->config_error());
      return;
    }
    self->connection_ = MsrpConnection::create_to_relay(
        std::move(socket), self->config_.relay_tls, host, std::move(client), [weak](const RelayEvent& e) {
          if (auto self = weak.lock()) self->on_relay_event(e);
        });
    self->connection_->start();
  });
}

void MsrpStream::on_relay_event(const RelayEvent& e) {
  if (state_ == State::ended) return;
  if (e.kind == RelayEvent::Kind::authenticated) {
    // A renewal changes nothing we advertised; the first 200 makes our a=path.
    if (state_ != State::authenticating) return;
    state_ = State::initialized;
    notify("DidInitialize");
    return;
  }
  const std::string& relay = config_.relay->relay_uri;
  fail(e.code == 0 ? "the connection to the relay " + relay + " failed: " + e.reason
                   : "AUTH to the relay " + relay + " failed: " + std::to_string(e.code) + " " + e.reason);
}

std::vector<std::string> MsrpStream::local_path() const {
  std::vector<std::string> path;
  if (const RelayClient* relay = connection_ ? connection_->relay() : nullptr) path = relay->use_path();
  path.push_back(config_.session.local_uri);
  return path;
}

std::unique_ptr<MsrpSession> MsrpStream::make_session() {
  auto session = std::make_unique<MsrpSession>(config_.session, random_);
  if (!session->valid()) {
    fail(session->config_error());
    return nullptr;
  }
  return session;
}

MsrpConnection::Callbacks MsrpStream::session_callbacks() {
  std::weak_ptr<MsrpStream> weak = weak_from_this();
  return {[weak](const SessionEvent& e) {
            if (auto self = weak.lock()) self->on_event(e);
          },
          [weak](const std::string& reason) {
            // Also before start(): a session a listener's connection
            // carried, which closed meanwhile.
            if (auto self = weak.lock(); self && self->state_ != State::ended && self->connection_) self->fail(reason);
          }};
}

void MsrpStream::run(tcp::socket socket, bool connected) {
  Uri first;
  std::string peer_name;
  if (connected && parse_uri(config_.session.remote_path.front(), first)) peer_name = bare_host(first.host);
  if (connected && config_.pool) {
    connection_ = MsrpConnection::create_shared(std::move(socket), config_.tls, peer_name);
    connection_->start();
    const PeerKey peer = std::move(*dialing_);
    dialing_.reset();
    // Ours first, so that a waiter that joins and ends at once does not
    // close the connection as its last session.
    attach_session();
    if (state_ == State::started)
      config_.pool->add(peer, connection_);  // the streams waiting for it join now
    else
      config_.pool->abandon(peer);  // ended or failed meanwhile: they look again
    return;
  }
  std::unique_ptr<MsrpSession> session = make_session();
  if (!session) return;
  connection_ = config_.tls ? MsrpConnection::create(std::move(socket), config_.tls, peer_name, std::move(session),
                                                     session_callbacks())
                            : MsrpConnection::create(std::move(socket), std::move(session), session_callbacks());
  connection_->start();
  started();
}

// RFC 4976 §6: To-Path is our relay's Use-Path, then the peer's a=path, so
// that our relay is on the way out and puts itself in From-Path for the way
// back.
void MsrpStream::run_through_relay() {
  std::vector<std::string> to_path = connection_->relay()->use_path();
  to_path.insert(to_path.end(), config_.session.remote_path.begin(), config_.session.remote_path.end());
  config_.session.remote_path = std::move(to_path);
  attach_session();
}

void MsrpStream::attach_session() {
  std::unique_ptr<MsrpSession> session = make_session();
  if (!session) return;
  Uri local;
  parse_uri(config_.session.local_uri, local);  // checked by initialize()
  if (!connection_->add_session(config_.session.local_uri, std::move(session), session_callbacks())) {
    const bool closed = connection_->closed();
    if (!closed) connection_.reset();  // another stream's session of that id is on it: not ours to close
    fail(closed ? "the connection closed before the session could be added to it"
                : "the shared connection already carries a session " + std::string(local.session_id));
    return;
  }
  session_id_ = std::string(local.session_id);
  started();
}

void MsrpStream::release_connection(const std::string& reason) {
  if (!connection_) return;
  if (!session_id_.empty() && connection_->session_count() > 1)
    connection_->remove_session(session_id_, reason);
  else
    connection_->close(reason);
}

void MsrpStream::stop_waiting(const std::string* failure) {
  if (!awaited_id_.empty()) config_.listener->forget(std::exchange(awaited_id_, {}));
  if (!dialing_) return;
  const PeerKey peer = std::move(*dialing_);
  dialing_.reset();
  if (failure != nullptr)
    config_.pool->dial_failed(peer, *failure);
  else
    config_.pool->abandon(peer);
}

void MsrpStream::started() {
  if (connects_) {
    // RFC 4975 §5.4: the side that connected sends a SEND at once, which
    // may be bodiless, so the other side can match the connection.
    OutgoingMessage binding;
    binding_id_ = connection_->send_message(session_id_, std::move(binding));
  }
  state_ = State::started;
  notify("DidStart");
  // What a listener's connection brought before start(), after DidStart.
  for (const SessionEvent& e : std::exchange(early_events_, {}))
    if (state_ == State::started) on_event(e);
}

void MsrpStream::on_event(const SessionEvent& e) {
  // The binding SEND, ours (its 200) or theirs (bodiless): not a message.
  if (e.message_id == binding_id_) return;
  if (e.kind == SessionEvent::Kind::message_received && e.body.empty() && e.content_type.empty() && e.total == 0)
    return;
  if (state_ != State::started) {  // claimed on a listener before start(); nothing after the end
    if (state_ != State::ended) early_events_.push_back(e);
    return;
  }
  if (callbacks_.on_event) callbacks_.on_event(e);
}

void MsrpStream::end(const std::string& reason) {
  if (state_ == State::ended) return;
  notify("WillEnd");
  state_ = State::ended;
  error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (connecting_) connecting_->close(ignored);
  if (resolver_) resolver_->cancel();
  stop_waiting(nullptr);
  release_connection(reason);
  notify("DidEnd", reason);
}

}  // namespace cosip::msrp
