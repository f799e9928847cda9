// The transport layer's Asio shell (RFC 3261 §18): listeners, connections,
// their read, write and watchdog coroutines. Every coroutine and handler holds
// shared pointers to the core and to the object it serves, so closing the
// layer only closes sockets and cancels timers: they then finish on their own
// with operation_aborted, and nothing they touch is freed before them.
//
// UDP flow (no coroutine: one datagram costs a few system calls, not an
// operation and a frame of its own):
//   readable -> datagrams read without blocking, several per recvmmsg(2)
//   into the listener's slots, each handed up in place, until none is left
//   (then wait for readable again) or a batch is done (then post the rest
//   behind the executor's other work)
//   send -> straight to the socket; only when its buffer is full is the
//   datagram copied into the listener's backlog, sent in order once writable
//
// Connection flow:
//   connecting (TCP connect and, for TLS, the handshake; bounded by
//   connect_timeout) -> open (read loop, write loop, idle watchdog) -> closed
//   (socket closed, queued sends failed with the reason, close handler told)
#include "sip/transport/transport_layer.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>

#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sip/syntax/stream_framer.hpp"

namespace cosip::sip {
namespace detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using SendHandler = asio::any_completion_handler<TransportLayer::SendSignature>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Shorter than any SIP message can be: keep-alives, stray STUN bytes, noise.
constexpr std::size_t min_datagram_size = 16;
// Datagrams one recvmmsg(2) takes, each into a slot of its own, and calls
// made in one go before the executor's other work gets a turn.
constexpr std::size_t udp_receive_slots = 16;
constexpr std::size_t udp_receive_rounds = 4;
// One read from a stream; the framer holds at most Limits::max_message_size.
constexpr std::size_t stream_read_size = 8192;

TransportAddress to_address(Transport t, const tcp::endpoint& ep) { return {t, ep.address(), ep.port()}; }
TransportAddress to_address(const udp::endpoint& ep) { return {Transport::udp, ep.address(), ep.port()}; }

error_code last_ssl_error() {
  return {static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()};
}

void set_tls_versions(ssl::context& ctx) {
  // TLS 1.2 and later only (RFC 8996 deprecates 1.0 and 1.1).
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ::SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
}

// Completion handler of detached coroutines: a bug surfaces from run().
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace

// How a send's outcome is told: to the handler of async_send, or, for
// send(), a failure only, to the send-error handler with the caller's tag
// (0: not at all).
struct Completion {
  SendHandler handler;
  std::uint64_t tag = 0;
};

// A datagram the socket had no room for, waiting its turn.
struct Datagram {
  udp::endpoint to;
  std::string bytes;
  Completion completion;
};

struct UdpListener {
  explicit UdpListener(const asio::any_io_executor& ex) : socket(ex) {}
  udp::socket socket;
  TransportAddress local;
  // recvmmsg(2): udp_receive_slots slots of max_message_size + 1 bytes (one
  // byte over the limit tells a datagram too large from one that fits).
  std::size_t slot_size = 0;
  std::vector<char> buffer;
  std::array<::mmsghdr, udp_receive_slots> headers{};
  std::array<::iovec, udp_receive_slots> vectors{};
  std::array<udp::endpoint, udp_receive_slots> peers;
  std::deque<Datagram> backlog;  // sends waiting for room in the socket's buffer
  std::size_t backlog_bytes = 0;
  bool waiting_writable = false;
};

struct StreamListener {
  explicit StreamListener(const asio::any_io_executor& ex) : acceptor(ex), retry(ex) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry;  // pause after an accept error (out of descriptors)
  TransportAddress local;
};

struct Outgoing {
  std::string bytes;
  Completion completion;  // empty for pongs
};

struct Connection {
  enum class State : std::uint8_t { connecting, open, closed };

  Connection(const asio::any_io_executor& ex, const Limits& limits) : plain(ex), framer(limits), timer(ex) {}

  ConnectionId id = 0;
  Transport transport = Transport::tcp;
  bool outbound = false;
  State state = State::connecting;
  error_code close_reason;
  TransportAddress remote;
  TransportAddress local;

  tcp::socket plain;                               // plain TCP
  std::unique_ptr<ssl::stream<tcp::socket>> tls;  // TLS (then `plain` is unused)

  StreamFramer framer;
  std::size_t pongs = 0;  // pongs queued, one per ping the framer counted

  std::deque<Outgoing> queue;
  std::size_t queued_bytes = 0;
  bool writing = false;  // a write loop is running

  asio::steady_timer timer;  // connect timeout, then idle timeout
  Clock::time_point started;
  Clock::time_point last_activity;

  tcp::socket& socket() { return tls ? tls->next_layer() : plain; }
  // Calls f with the stream to read and write (both calls return the same type).
  template <typename F>
  auto with_stream(F&& f) {
    return tls ? f(*tls) : f(plain);
  }
};

class TransportCore : public std::enable_shared_from_this<TransportCore> {
 public:
  TransportCore(asio::any_io_executor executor, TransportConfig config)
      : executor_(std::move(executor)), config_(std::move(config)) {}

  asio::any_io_executor executor_;
  TransportConfig config_;
  std::shared_ptr<TransportLayer::MessageHandler> on_message_;
  std::shared_ptr<TransportLayer::CloseHandler> on_close_;
  std::shared_ptr<TransportLayer::SendErrorHandler> on_send_error_;
  bool closed_ = false;
  // Declared before the connections: their TLS streams use these contexts.
  std::optional<ssl::context> client_tls_;
  std::optional<ssl::context> server_tls_;
  std::vector<std::shared_ptr<UdpListener>> udp_;
  std::vector<std::shared_ptr<StreamListener>> streams_;
  std::unordered_map<ConnectionId, std::shared_ptr<Connection>> connections_;
  ConnectionId next_id_ = 1;

  template <typename Awaitable>
  void spawn(Awaitable&& a) {
    asio::co_spawn(executor_, std::forward<Awaitable>(a), rethrow);
  }

  // Completions never run inside the call that started the send; failures
  // of send() are not reported once the layer is closed.
  void complete(Completion& completion, error_code ec, ConnectionId id) {
    if (completion.handler) {
      asio::post(executor_, asio::append(std::move(completion.handler), ec, id));
    } else if (ec && completion.tag != 0 && !closed_) {
      asio::post(executor_, [self = shared_from_this(), tag = completion.tag, ec] {
        if (self->closed_ || !self->on_send_error_ || !*self->on_send_error_) return;
        auto handler = self->on_send_error_;
        (*handler)(tag, ec);
      });
    }
  }

  void deliver(const ReceivedMessage& message) {
    if (closed_ || !on_message_ || !*on_message_) return;
    auto handler = on_message_;  // survives the handler replacing itself
    (*handler)(message);
  }

  // ---- listening ----------------------------------------------------------

  TransportAddress listen(Transport transport, const asio::ip::address& address, std::uint16_t port) {
    if (closed_) throw boost::system::system_error(asio::error::operation_aborted, "listen");
    if (transport == Transport::udp) {
      auto l = std::make_shared<UdpListener>(executor_);
      const udp::endpoint ep(address, port);
      l->socket.open(ep.protocol());
      if (address.is_v6()) l->socket.set_option(asio::ip::v6_only(true));
      l->socket.bind(ep);
      l->socket.non_blocking(true);
      if (config_.udp_buffer_size > 0) {
        const int size = static_cast<int>(std::min<std::size_t>(config_.udp_buffer_size, std::numeric_limits<int>::max()));
        l->socket.set_option(asio::socket_base::receive_buffer_size(size));
        l->socket.set_option(asio::socket_base::send_buffer_size(size));
      }
      l->local = to_address(l->socket.local_endpoint());
      l->slot_size = config_.limits.max_message_size + 1;
      l->buffer.resize(udp_receive_slots * l->slot_size);
      for (std::size_t i = 0; i < udp_receive_slots; ++i) {
        l->vectors[i] = {l->buffer.data() + i * l->slot_size, l->slot_size};
        l->headers[i].msg_hdr.msg_name = l->peers[i].data();
        l->headers[i].msg_hdr.msg_namelen = static_cast<::socklen_t>(l->peers[i].capacity());
        l->headers[i].msg_hdr.msg_iov = &l->vectors[i];
        l->headers[i].msg_hdr.msg_iovlen = 1;
      }
      udp_.push_back(l);
      wait_readable(l);
      return l->local;
    }
    if (transport == Transport::tls && !server_tls_) server_tls_.emplace(make_server_context());
    auto l = std::make_shared<StreamListener>(executor_);
    const tcp::endpoint ep(address, port);
    l->acceptor.open(ep.protocol());
    if (address.is_v6()) l->acceptor.set_option(asio::ip::v6_only(true));
    l->acceptor.set_option(tcp::acceptor::reuse_address(true));
    l->acceptor.bind(ep);
    l->acceptor.listen(asio::socket_base::max_listen_connections);
    l->local = to_address(transport, l->acceptor.local_endpoint());
    streams_.push_back(l);
    spawn(accept_loop(shared_from_this(), l));
    return l->local;
  }

  ssl::context make_server_context() const {
    const TlsConfig& tls = config_.tls;
    if (tls.certificate_file.empty() || tls.private_key_file.empty())
      throw boost::system::system_error(make_error_code(TransportErrc::tls_not_configured), "listen");
    ssl::context ctx(ssl::context::tls_server);
    set_tls_versions(ctx);
    ctx.use_certificate_chain_file(tls.certificate_file);
    ctx.use_private_key_file(tls.private_key_file, ssl::context::pem);
    ctx.set_verify_mode(ssl::verify_none);  // no client certificates asked for
    return ctx;
  }

  error_code make_client_context() {
    const TlsConfig& tls = config_.tls;
    ssl::context ctx(ssl::context::tls_client);
    set_tls_versions(ctx);
    error_code ec;
    if (tls.verify_peer) {
      ctx.set_verify_mode(ssl::verify_peer, ec);
      if (!ec) {
        if (tls.ca_file.empty())
          ctx.set_default_verify_paths(ec);
        else
          ctx.load_verify_file(tls.ca_file, ec);
      }
    } else {
      ctx.set_verify_mode(ssl::verify_none, ec);
    }
    // Our certificate, for servers that ask for one (mutual TLS).
    if (!ec && !tls.certificate_file.empty() && !tls.private_key_file.empty()) {
      ctx.use_certificate_chain_file(tls.certificate_file, ec);
      if (!ec) ctx.use_private_key_file(tls.private_key_file, ssl::context::pem, ec);
    }
    if (!ec) client_tls_.emplace(std::move(ctx));
    return ec;
  }

  // ---- sending ------------------------------------------------------------

  // `bytes`: a std::string (kept without a copy if it has to wait) or a
  // std::string_view (copied only if it has to wait).
  template <typename Bytes>
  void send(const SendTarget& target, Bytes&& bytes, Completion completion) {
    if (closed_) return complete(completion, asio::error::operation_aborted, 0);
    const TransportAddress& to = target.address;
    if (to.transport == Transport::udp) return send_datagram(to, std::forward<Bytes>(bytes), std::move(completion));

    std::shared_ptr<Connection> c;
    if (target.connection != 0) {
      const auto it = connections_.find(target.connection);
      if (it != connections_.end() && it->second->transport == to.transport) {
        c = it->second;
      } else if (to.port == 0) {
        return complete(completion, make_error_code(TransportErrc::connection_closed), target.connection);
      }
    }
    if (!c) c = find_connection(to);
    if (!c) {
      error_code ec;
      c = open_connection(target, ec);
      if (!c) return complete(completion, ec, 0);
    }
    enqueue(c, std::string(std::forward<Bytes>(bytes)), std::move(completion));
  }

  template <typename Bytes>
  void send_datagram(const TransportAddress& to, Bytes&& bytes, Completion completion) {
    // From the listening socket: the peer sees our listening port (RFC 3581 §4).
    const auto l = std::find_if(udp_.begin(), udp_.end(),
                                [&](const auto& l) { return l->local.address.is_v6() == to.address.is_v6(); });
    if (l == udp_.end()) return complete(completion, make_error_code(TransportErrc::no_listener), 0);
    const udp::endpoint destination(to.address, to.port);
    if ((*l)->backlog.empty()) {
      error_code ec;
      (*l)->socket.send_to(asio::buffer(bytes.data(), bytes.size()), destination, 0, ec);
      if (ec != asio::error::would_block) return complete(completion, ec, 0);
    }
    if ((*l)->backlog_bytes + bytes.size() > config_.max_queued_bytes)
      return complete(completion, make_error_code(TransportErrc::queue_full), 0);
    (*l)->backlog_bytes += bytes.size();
    (*l)->backlog.push_back({destination, std::string(std::forward<Bytes>(bytes)), std::move(completion)});
    wait_writable(*l);
  }

  void wait_writable(const std::shared_ptr<UdpListener>& l) {
    if (l->waiting_writable) return;
    l->waiting_writable = true;
    l->socket.async_wait(udp::socket::wait_write, [self = shared_from_this(), l](error_code ec) {
      l->waiting_writable = false;
      if (self->closed_ || !l->socket.is_open() || ec == asio::error::operation_aborted) return;
      self->send_backlog(l);
    });
  }

  void send_backlog(const std::shared_ptr<UdpListener>& l) {
    while (!l->backlog.empty()) {
      Datagram& d = l->backlog.front();
      error_code ec;
      l->socket.send_to(asio::buffer(d.bytes), d.to, 0, ec);
      if (ec == asio::error::would_block) return wait_writable(l);
      l->backlog_bytes -= d.bytes.size();
      complete(d.completion, ec, 0);
      l->backlog.pop_front();
    }
  }

  // §18.1.1: reuse an open connection to the destination, whichever side opened it.
  std::shared_ptr<Connection> find_connection(const TransportAddress& to) const {
    for (const auto& [id, c] : connections_)
      if (c->state != Connection::State::closed && c->remote == to) return c;
    return nullptr;
  }

  std::shared_ptr<Connection> open_connection(const SendTarget& target, error_code& ec) {
    const TransportAddress& to = target.address;
    if (connections_.size() >= config_.max_connections) {
      ec = make_error_code(TransportErrc::too_many_connections);
      return nullptr;
    }
    if (to.transport == Transport::tls && !client_tls_) {
      ec = make_client_context();
      if (ec) return nullptr;
    }
    auto c = add_connection(to.transport, true, tcp::socket(executor_));
    c->remote = to;
    std::string server_name;
    if (to.transport == Transport::tls) {
      server_name = !config_.tls.server_name.empty() ? config_.tls.server_name
                    : !target.host.empty()           ? target.host
                                                     : to.address.to_string();
    }
    spawn(run_connection(shared_from_this(), c, std::move(server_name)));
    return c;
  }

  std::shared_ptr<Connection> add_connection(Transport transport, bool outbound, tcp::socket socket) {
    auto c = std::make_shared<Connection>(executor_, config_.limits);
    c->id = next_id_++;
    c->transport = transport;
    c->outbound = outbound;
    if (transport == Transport::tls)
      c->tls = std::make_unique<ssl::stream<tcp::socket>>(std::move(socket), outbound ? *client_tls_ : *server_tls_);
    else
      c->plain = std::move(socket);
    c->started = c->last_activity = Clock::now();
    connections_.emplace(c->id, c);
    return c;
  }

  void enqueue(const std::shared_ptr<Connection>& c, std::string bytes, Completion completion) {
    if (c->queued_bytes + bytes.size() > config_.max_queued_bytes)
      return complete(completion, make_error_code(TransportErrc::queue_full), c->id);
    c->queued_bytes += bytes.size();
    c->queue.push_back({std::move(bytes), std::move(completion)});
    start_writing(c);
  }

  void start_writing(const std::shared_ptr<Connection>& c) {
    if (c->state != Connection::State::open || c->writing || c->queue.empty()) return;
    c->writing = true;
    spawn(write_loop(shared_from_this(), c));
  }

  // One async_write at a time per connection, in queue order.
  static asio::awaitable<void> write_loop(std::shared_ptr<TransportCore> self, std::shared_ptr<Connection> c) {
    while (c->state == Connection::State::open && !c->queue.empty()) {
      Outgoing item = std::move(c->queue.front());
      c->queue.pop_front();
      c->queued_bytes -= item.bytes.size();
      auto [ec, n] = co_await c->with_stream(
          [&](auto& stream) { return asio::async_write(stream, asio::buffer(item.bytes), use_tuple); });
      if (c->state == Connection::State::closed) {
        self->complete(item.completion, c->close_reason, c->id);
        break;
      }
      if (ec) {
        self->complete(item.completion, ec, c->id);
        self->close_connection(*c, ec);
        break;
      }
      c->last_activity = Clock::now();
      self->complete(item.completion, {}, c->id);
    }
    c->writing = false;
  }

  // ---- receiving ----------------------------------------------------------

  // Waiting for readable is safe only once a read found nothing: the
  // reactor reports a socket becoming readable, not a socket being so.
  void wait_readable(const std::shared_ptr<UdpListener>& l) {
    l->socket.async_wait(udp::socket::wait_read, [self = shared_from_this(), l](error_code ec) {
      if (self->closed_ || !l->socket.is_open() || ec == asio::error::operation_aborted) return;
      self->receive_datagrams(l);
    });
  }

  // Reads with recvmmsg(2): what the socket holds, several datagrams a call.
  void receive_datagrams(const std::shared_ptr<UdpListener>& l) {
    UdpListener& u = *l;
    for (std::size_t round = 0; round < udp_receive_rounds; ++round) {
      const int n = ::recvmmsg(u.socket.native_handle(), u.headers.data(), udp_receive_slots, MSG_DONTWAIT, nullptr);
      // Linux reports ICMP errors of earlier sends here: they end nothing.
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) continue;
      for (int i = 0; i < n; ++i) {
        ::msghdr& header = u.headers[i].msg_hdr;
        udp::endpoint& from = u.peers[i];
        from.resize(header.msg_namelen);
        header.msg_namelen = static_cast<::socklen_t>(from.capacity());  // for the next call
        const std::size_t size = u.headers[i].msg_len;
        if (size > config_.limits.max_message_size || size < min_datagram_size) continue;
        const std::string_view data(u.buffer.data() + static_cast<std::size_t>(i) * u.slot_size, size);
        if (data.find_first_not_of("\r\n") == std::string_view::npos) continue;  // keep-alive
        deliver({data, to_address(from), u.local, 0});
        if (closed_ || !u.socket.is_open()) return;  // the handler closed the layer
      }
      // Fewer than asked for: the socket is empty, so a new datagram will
      // make it readable again.
      if (n < static_cast<int>(udp_receive_slots)) return wait_readable(l);
    }
    // More may be waiting: read on after the work already queued.
    asio::post(executor_, [self = shared_from_this(), l] {
      if (!self->closed_ && l->socket.is_open()) self->receive_datagrams(l);
    });
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<TransportCore> self, std::shared_ptr<StreamListener> l) {
    const Transport transport = l->local.transport;
    for (;;) {
      auto [ec, socket] = co_await l->acceptor.async_accept(use_tuple);
      if (self->closed_ || !l->acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // Out of descriptors and the like: retry a little later, not in a spin.
        l->retry.expires_after(std::chrono::milliseconds(50));
        co_await l->retry.async_wait(use_tuple);
        if (self->closed_) co_return;
        continue;
      }
      if (self->connections_.size() >= self->config_.max_connections) {
        error_code ignored;
        socket.close(ignored);
        continue;
      }
      error_code ep_error;
      const tcp::endpoint remote = socket.remote_endpoint(ep_error);
      if (ep_error) continue;  // already reset by the peer
      auto c = self->add_connection(transport, false, std::move(socket));
      c->remote = to_address(transport, remote);
      self->spawn(run_connection(self, c, {}));
    }
  }

  // Connects (outbound), handshakes (TLS), then reads until the connection closes.
  static asio::awaitable<void> run_connection(std::shared_ptr<TransportCore> self, std::shared_ptr<Connection> c,
                                              std::string server_name) {
    self->spawn(watchdog(self, c));
    error_code ec;
    if (c->outbound) {
      std::tie(ec) = co_await c->socket().async_connect(tcp::endpoint(c->remote.address, c->remote.port), use_tuple);
      if (!ec && c->tls) {
        ec = self->prepare_client_tls(*c->tls, server_name);
        if (!ec) std::tie(ec) = co_await c->tls->async_handshake(ssl::stream_base::client, use_tuple);
      }
    } else if (c->tls) {
      std::tie(ec) = co_await c->tls->async_handshake(ssl::stream_base::server, use_tuple);
    }
    if (c->state == Connection::State::closed) co_return;  // timed out, or the layer closed
    if (ec) {
      self->close_connection(*c, ec);
      co_return;
    }
    error_code ignored;
    c->socket().set_option(tcp::no_delay(true), ignored);
    c->local = to_address(c->transport, c->socket().local_endpoint(ignored));
    c->state = Connection::State::open;
    c->last_activity = Clock::now();
    c->timer.cancel();  // the watchdog switches to the idle timeout
    self->start_writing(c);
    co_await read_loop(self, c);
  }

  // Outgoing TLS: the name the certificate must carry (RFC 5922 §7.1, RFC 6125)
  // and SNI (RFC 6066 §3, host names only).
  error_code prepare_client_tls(ssl::stream<tcp::socket>& stream, const std::string& name) const {
    SSL* ssl = stream.native_handle();
    error_code not_ip;
    asio::ip::make_address(name, not_ip);
    if (not_ip) {
      if (::SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return last_ssl_error();
      if (config_.tls.verify_peer && ::SSL_set1_host(ssl, name.c_str()) != 1) return last_ssl_error();
    } else if (config_.tls.verify_peer) {
      if (::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl), name.c_str()) != 1) return last_ssl_error();
    }
    return {};
  }

  // §18.3: frame the stream; RFC 5626 §4.4.1: a CRLF pong for each ping.
  static asio::awaitable<void> read_loop(std::shared_ptr<TransportCore> self, std::shared_ptr<Connection> c) {
    std::array<char, stream_read_size> buffer;
    for (;;) {
      auto [ec, n] = co_await c->with_stream(
          [&](auto& stream) { return stream.async_read_some(asio::buffer(buffer), use_tuple); });
      if (c->state == Connection::State::closed) co_return;
      if (ec) {
        self->close_connection(*c, ec);
        co_return;
      }
      c->last_activity = Clock::now();
      c->framer.feed(std::string_view(buffer.data(), n));
      for (;;) {
        std::string_view message;
        const ParseError error = c->framer.next(message);
        if (error.code == ParseErrc::need_more) break;
        if (error) {
          self->close_connection(*c, make_error_code(TransportErrc::framing_error));
          co_return;
        }
        self->deliver({message, c->remote, c->local, c->id});
        if (c->state == Connection::State::closed) co_return;  // the handler closed it
      }
      while (c->pongs < c->framer.keepalives()) {
        ++c->pongs;
        self->enqueue(c, "\r\n", {});
      }
    }
  }

  // Connect timeout while connecting, idle timeout once open.
  static asio::awaitable<void> watchdog(std::shared_ptr<TransportCore> self, std::shared_ptr<Connection> c) {
    while (c->state != Connection::State::closed) {
      const Clock::time_point deadline = self->deadline(*c);
      if (Clock::now() >= deadline) {
        self->close_connection(*c, make_error_code(c->state == Connection::State::connecting
                                                       ? TransportErrc::connect_timeout
                                                       : TransportErrc::idle_timeout));
        co_return;
      }
      c->timer.expires_at(deadline);
      co_await c->timer.async_wait(use_tuple);  // also woken by a state change
    }
  }

  Clock::time_point deadline(const Connection& c) const {
    const auto timeout = c.state == Connection::State::connecting ? config_.connect_timeout
                         : c.outbound                             ? config_.outbound_idle_timeout
                                                                  : config_.idle_timeout;
    if (timeout.count() <= 0) return Clock::time_point::max();
    return (c.state == Connection::State::connecting ? c.started : c.last_activity) + timeout;
  }

  // ---- closing ------------------------------------------------------------

  void close_connection(Connection& c, error_code reason) {
    if (c.state == Connection::State::closed) return;
    c.state = Connection::State::closed;
    c.close_reason = reason;
    error_code ignored;
    c.socket().close(ignored);  // pending reads, writes, connects and handshakes end
    c.timer.cancel();
    for (Outgoing& item : c.queue) complete(item.completion, reason, c.id);
    c.queue.clear();
    c.queued_bytes = 0;
    connections_.erase(c.id);  // the coroutines still hold it
    if (!closed_ && on_close_ && *on_close_) {
      auto handler = on_close_;
      (*handler)(c.id, c.remote, reason);
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    for (const auto& l : udp_) {
      l->socket.close(ignored);
      for (Datagram& d : l->backlog) complete(d.completion, asio::error::operation_aborted, 0);
      l->backlog.clear();
      l->backlog_bytes = 0;
    }
    for (const auto& l : streams_) {
      l->acceptor.close(ignored);
      l->retry.cancel();
    }
    const auto connections = std::move(connections_);
    connections_.clear();
    for (const auto& [id, c] : connections) close_connection(*c, asio::error::operation_aborted);
    udp_.clear();
    streams_.clear();
  }
};

}  // namespace detail

TransportLayer::TransportLayer(boost::asio::any_io_executor executor, TransportConfig config)
    : core_(std::make_shared<detail::TransportCore>(std::move(executor), std::move(config))) {}

TransportLayer::~TransportLayer() { close(); }

const boost::asio::any_io_executor& TransportLayer::get_executor() const { return core_->executor_; }
const TransportConfig& TransportLayer::config() const { return core_->config_; }

void TransportLayer::set_message_handler(MessageHandler handler) {
  core_->on_message_ = std::make_shared<MessageHandler>(std::move(handler));
}

void TransportLayer::set_close_handler(CloseHandler handler) {
  core_->on_close_ = std::make_shared<CloseHandler>(std::move(handler));
}

TransportAddress TransportLayer::listen(Transport transport, const boost::asio::ip::address& address,
                                        std::uint16_t port) {
  return core_->listen(transport, address, port);
}

std::vector<TransportAddress> TransportLayer::listeners() const {
  std::vector<TransportAddress> out;
  for (const auto& l : core_->udp_) out.push_back(l->local);
  for (const auto& l : core_->streams_) out.push_back(l->local);
  return out;
}

void TransportLayer::set_send_error_handler(SendErrorHandler handler) {
  core_->on_send_error_ = std::make_shared<SendErrorHandler>(std::move(handler));
}

void TransportLayer::start_send(SendTarget target, std::string bytes,
                                boost::asio::any_completion_handler<SendSignature> handler) {
  const auto keep = core_;  // a close handler may destroy the layer
  keep->send(target, std::move(bytes), detail::Completion{std::move(handler), 0});
}

void TransportLayer::send(const SendTarget& target, std::string_view bytes, std::uint64_t tag) {
  const auto keep = core_;
  keep->send(target, bytes, detail::Completion{{}, tag});
}

bool TransportLayer::close_connection(ConnectionId id) {
  const auto keep = core_;
  const auto it = keep->connections_.find(id);
  if (it == keep->connections_.end()) return false;
  const auto c = it->second;
  keep->close_connection(*c, make_error_code(TransportErrc::connection_closed));
  return true;
}

std::size_t TransportLayer::connection_count() const { return core_->connections_.size(); }

std::optional<TransportAddress> TransportLayer::connection_peer(ConnectionId id) const {
  const auto it = core_->connections_.find(id);
  if (it == core_->connections_.end()) return std::nullopt;
  return it->second->remote;
}

void TransportLayer::close() {
  const auto keep = core_;
  keep->close();
}

}  // namespace cosip::sip
