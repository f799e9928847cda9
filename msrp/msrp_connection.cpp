#include "msrp/msrp_connection.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "msrp/uri.hpp"

namespace cosip::msrp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// How long close() waits for the peer's close_notify before it closes the
// socket anyway.
constexpr std::chrono::seconds tls_shutdown_timeout{2};

// A read this large means a bulk transfer: the socket is polled for
// bulk_poll_window before the connection sleeps again (poll_read()).
constexpr std::size_t bulk_read_size = 64 * 1024;
constexpr std::chrono::microseconds bulk_poll_window{50};

std::runtime_error tls_error(const std::string& what, const std::string& file) {
  const unsigned long code = ::ERR_get_error();
  std::string text = "MSRP TLS: cannot load " + what + " '" + file + "'";
  if (code != 0) {
    char reason[256];
    ::ERR_error_string_n(code, reason, sizeof reason);
    text += ": ";
    text += reason;
  }
  ::ERR_clear_error();
  return std::runtime_error(text);
}

std::unique_ptr<ssl::context> new_context(ssl::context::method method) {
  auto ctx = std::make_unique<ssl::context>(method);
  // TLS 1.2 and later only (RFC 8996 deprecates 1.0 and 1.1).
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ::SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

void load_identity(ssl::context& ctx, const TlsConfig& config) {
  if (::SSL_CTX_use_certificate_chain_file(ctx.native_handle(), config.certificate_file.c_str()) != 1)
    throw tls_error("certificate file", config.certificate_file);
  if (::SSL_CTX_use_PrivateKey_file(ctx.native_handle(), config.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw tls_error("private key file", config.private_key_file);
}

}  // namespace

// ---- TlsContext -------------------------------------------------------------

TlsContext::TlsContext(std::unique_ptr<ssl::context> context, bool client, bool verify, std::string trust)
    : context_(std::move(context)), client_(client), verify_(verify), trust_(std::move(trust)) {}

TlsContext::~TlsContext() = default;

std::shared_ptr<TlsContext> TlsContext::client(const TlsConfig& config) {
  auto ctx = new_context(ssl::context::tls_client);
  std::string trust = "nothing (verification off)";
  if (config.verify_peer) {
    ctx->set_verify_mode(ssl::verify_peer);
    if (config.ca_file.empty()) {
      if (::SSL_CTX_set_default_verify_paths(ctx->native_handle()) != 1)
        throw tls_error("the system's CA store", X509_get_default_cert_file());
      trust = "the system's CA store";
    } else {
      if (::SSL_CTX_load_verify_locations(ctx->native_handle(), config.ca_file.c_str(), nullptr) != 1)
        throw tls_error("CA file", config.ca_file);
      trust = "CA file '" + config.ca_file + "'";
    }
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  // Our certificate, for peers that ask for one.
  if (!config.certificate_file.empty() && !config.private_key_file.empty()) load_identity(*ctx, config);
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(ctx), true, config.verify_peer, std::move(trust)));
}

std::shared_ptr<TlsContext> TlsContext::server(const TlsConfig& config) {
  if (config.certificate_file.empty() || config.private_key_file.empty())
    throw std::runtime_error("MSRP TLS: the accepting side needs certificate_file and private_key_file");
  auto ctx = new_context(ssl::context::tls_server);
  load_identity(*ctx, config);
  ctx->set_verify_mode(ssl::verify_none);  // no client certificate asked for
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(ctx), false, false, "nothing (server side)"));
}

// ---- the byte stream --------------------------------------------------------

// One of two streams; each operation is written once and visited, so the
// connection's handlers exist once per stream type and no more.
struct MsrpConnection::Stream {
  explicit Stream(tcp::socket socket) : stream(std::move(socket)) {}
  Stream(tcp::socket socket, std::shared_ptr<TlsContext> context, std::string name)
      : tls(std::move(context)),
        peer_name(std::move(name)),
        stream(std::in_place_type<ssl::stream<tcp::socket>>, std::move(socket), tls->native()) {}

  tcp::socket& socket() {
    return std::visit(
        [](auto& s) -> tcp::socket& {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tcp::socket>)
            return s;
          else
            return s.next_layer();
        },
        stream);
  }
  ssl::stream<tcp::socket>* tls_stream() { return std::get_if<ssl::stream<tcp::socket>>(&stream); }

  std::shared_ptr<TlsContext> tls;  // declared first: outlives the stream's SSL object
  std::string peer_name;            // client: the name the certificate must carry
  std::variant<tcp::socket, ssl::stream<tcp::socket>> stream;
};

// ---- MsrpConnection ---------------------------------------------------------

std::shared_ptr<MsrpConnection> MsrpConnection::create(tcp::socket socket, std::unique_ptr<MsrpSession> session,
                                                       Callbacks callbacks) {
  auto c = std::shared_ptr<MsrpConnection>(new MsrpConnection(std::make_unique<Stream>(std::move(socket)), false));
  c->sessions_.push_back({{}, std::move(session), std::move(callbacks)});
  return c;
}

std::shared_ptr<MsrpConnection> MsrpConnection::create(tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                                       std::string peer_name, std::unique_ptr<MsrpSession> session,
                                                       Callbacks callbacks) {
  auto c = std::shared_ptr<MsrpConnection>(new MsrpConnection(
      std::make_unique<Stream>(std::move(socket), std::move(tls), std::move(peer_name)), false));
  c->sessions_.push_back({{}, std::move(session), std::move(callbacks)});
  return c;
}

std::shared_ptr<MsrpConnection> MsrpConnection::create_shared(tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                                              std::string peer_name) {
  auto stream = tls ? std::make_unique<Stream>(std::move(socket), std::move(tls), std::move(peer_name))
                    : std::make_unique<Stream>(std::move(socket));
  return std::shared_ptr<MsrpConnection>(new MsrpConnection(std::move(stream), true));
}

std::shared_ptr<MsrpConnection> MsrpConnection::create_to_relay(tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                                                std::string peer_name,
                                                                std::unique_ptr<RelayClient> relay,
                                                                std::function<void(const RelayEvent&)> on_relay_event) {
  auto c = create_shared(std::move(socket), std::move(tls), std::move(peer_name));
  c->relay_ = std::move(relay);
  c->on_relay_event_ = std::move(on_relay_event);
  return c;
}

MsrpConnection::MsrpConnection(std::unique_ptr<Stream> stream, bool shared)
    : stream_(std::move(stream)),
      timer_(stream_->socket().get_executor()),
      mux_(shared ? std::make_unique<SessionMux>() : nullptr) {}

MsrpConnection::~MsrpConnection() = default;

void MsrpConnection::start() {
  if (relay_) relay_->start(std::chrono::steady_clock::now());  // written once open
  error_code ignored;
  stream_->socket().set_option(tcp::no_delay(true), ignored);
  if (stream_->tls_stream() != nullptr) {
    handshake();
    return;
  }
  // Reads outside the reactor (poll_read) must not block.
  stream_->socket().non_blocking(true, ignored);
  open_ = true;
  read();
  flush();
}

// msrps: (RFC 4975 §14): the side that connected is the TLS client. It
// checks the certificate against its trust and the name of the peer (RFC
// 6125; an IP address against the certificate's IP subjectAltNames).
void MsrpConnection::handshake() {
  ssl::stream<tcp::socket>& tls = *stream_->tls_stream();
  const bool client = stream_->tls->is_client();
  if (client) {
    error_code ec;
    if (stream_->peer_name.empty()) stream_->peer_name = stream_->socket().remote_endpoint(ec).address().to_string();
    const std::string& name = stream_->peer_name;
    SSL* native = tls.native_handle();
    error_code not_ip;
    asio::ip::make_address(name, not_ip);
    bool ok = true;
    if (not_ip) {
      ok = ::SSL_set_tlsext_host_name(native, name.c_str()) == 1;  // SNI, host names only (RFC 6066 §3)
      if (ok && stream_->tls->verifies_peer()) ok = ::SSL_set1_host(native, name.c_str()) == 1;
    } else if (stream_->tls->verifies_peer()) {
      ok = ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(native), name.c_str()) == 1;
    }
    if (!ok) {
      ::ERR_clear_error();
      fail("MSRP TLS: cannot check the peer's certificate against the name '" + name + "'", false);
      return;
    }
  }
  tls.async_handshake(client ? ssl::stream_base::client : ssl::stream_base::server,
                      [self = shared_from_this()](error_code ec) {
                        if (self->closed_) return;
                        if (ec) {
                          self->fail(self->handshake_error(ec), false);
                          return;
                        }
                        self->open_ = true;
                        self->read();
                        self->flush();
                        self->arm_timer();
                      });
}

// Names what was asked for (the peer's name) and what it was checked
// against when the certificate is refused.
std::string MsrpConnection::handshake_error(error_code ec) const {
  const long verify = ::SSL_get_verify_result(stream_->tls_stream()->native_handle());
  if (stream_->tls->is_client() && stream_->tls->verifies_peer() && verify != X509_V_OK)
    return "MSRP TLS: the certificate of '" + stream_->peer_name +
           "' is not trusted: " + ::X509_verify_cert_error_string(verify) + " (checked against " +
           stream_->tls->trust() + ")";
  return "MSRP TLS handshake failed: " + ec.message();
}

MsrpConnection::Attached* MsrpConnection::find(std::string_view session_id) {
  for (Attached& a : sessions_)
    if (a.session_id == session_id) return &a;
  return nullptr;
}

MsrpSession* MsrpConnection::find_session(std::string_view session_id) {
  Attached* a = find(session_id);
  return a != nullptr ? a->session.get() : nullptr;
}

void MsrpConnection::set_claim(std::function<void(std::string_view session_id)> claim) {
  if (mux_) mux_->set_claim(std::move(claim));
}

bool MsrpConnection::add_session(std::string_view local_uri, std::unique_ptr<MsrpSession> session,
                                 Callbacks callbacks) {
  Uri uri;
  if (!mux_ || closed_ || !parse_uri(local_uri, uri) || !mux_->add_session(uri.session_id)) return false;
  sessions_.push_back({std::string(uri.session_id), std::move(session), std::move(callbacks)});
  return true;
}

bool MsrpConnection::remove_session(std::string_view session_id, const std::string& reason) {
  if (!mux_ || closed_) return false;  // once closed, every session was told already
  const auto it =
      std::find_if(sessions_.begin(), sessions_.end(), [&](const Attached& a) { return a.session_id == session_id; });
  if (it == sessions_.end()) return false;
  Attached gone = std::move(*it);
  sessions_.erase(it);
  mux_->remove_session(session_id);
  gone.session->on_connection_lost(reason);
  for (const SessionEvent& e : gone.session->take_events())
    if (gone.callbacks.on_event) gone.callbacks.on_event(e);
  if (gone.callbacks.on_closed) gone.callbacks.on_closed(reason);
  arm_timer();
  return true;
}

std::string MsrpConnection::send_message(OutgoingMessage message) {
  return sessions_.empty() ? std::string() : send_message(sessions_.front().session_id, std::move(message));
}

std::string MsrpConnection::send_stream(OutgoingStream stream) {
  return sessions_.empty() ? std::string() : send_stream(sessions_.front().session_id, std::move(stream));
}

std::string MsrpConnection::send_message(std::string_view session_id, OutgoingMessage message) {
  Attached* a = find(session_id);
  if (a == nullptr) return {};
  std::string id = a->session->send_message(std::move(message), std::chrono::steady_clock::now());
  deliver_events();  // Failure-Report: no delivers at once
  flush();
  arm_timer();
  return id;
}

std::string MsrpConnection::send_stream(std::string_view session_id, OutgoingStream stream) {
  Attached* a = find(session_id);
  if (a == nullptr) return {};
  std::string id = a->session->send_stream(std::move(stream), std::chrono::steady_clock::now());
  flush();
  arm_timer();
  return id;
}

void MsrpConnection::sync() {
  deliver_events();
  flush();
  arm_timer();
}

void MsrpConnection::read() {
  auto handler = [self = shared_from_this()](error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) {
      self->on_read_error(ec);
      return;
    }
    self->on_bytes(std::string_view(self->read_buffer_.data(), n));
    if (self->closed_) return;
    if (self->bulk_read(n))
      self->poll_read(std::chrono::steady_clock::now() + bulk_poll_window);
    else
      self->read();
  };
  std::visit([&](auto& s) { s.async_read_some(asio::buffer(read_buffer_), std::move(handler)); }, stream_->stream);
}

// A bulk transfer over plain TCP: when the data comes about as fast as it
// is parsed, waiting on the reactor after each read means the thread
// sleeps, and the sender's next write has to wake it, which costs the
// sending side more than the reading (a wake of an idle core). So after a
// large read the socket is read again at once, each attempt posted behind
// the other handlers (writes and timers go on), until `until`; every large
// read moves `until` on. Then the connection waits on the reactor again.
void MsrpConnection::poll_read(TimePoint until) {
  asio::post(timer_.get_executor(), [self = shared_from_this(), until] {
    if (self->closed_) return;
    error_code ec;
    const std::size_t n = self->stream_->socket().read_some(asio::buffer(self->read_buffer_), ec);
    if (ec == asio::error::would_block) {
      if (std::chrono::steady_clock::now() < until)
        self->poll_read(until);
      else
        self->read();
      return;
    }
    if (ec) {
      self->on_read_error(ec);
      return;
    }
    self->on_bytes(std::string_view(self->read_buffer_.data(), n));
    if (self->closed_) return;
    // The window runs from when these bytes were dealt with.
    const TimePoint now = std::chrono::steady_clock::now();
    if (self->bulk_read(n))
      self->poll_read(now + bulk_poll_window);
    else if (now < until)
      self->poll_read(until);
    else
      self->read();
  });
}

bool MsrpConnection::bulk_read(std::size_t n) {
  const bool bulk = n >= bulk_read_size && stream_->tls_stream() == nullptr;
  if (bulk) ++bulk_reads_;
  return bulk;
}

void MsrpConnection::on_read_error(error_code ec) {
  // TLS: a close_notify reads as eof; a TCP close without it as
  // stream_truncated.
  fail(ec == asio::error::eof                ? "the peer closed the connection"
       : ec == ssl::error::stream_truncated ? "the peer closed the connection without a TLS close_notify"
                                             : "connection error: " + ec.message(),
       ec == asio::error::eof);
}

// Unshared: straight into the one session. Shared: through the mux, each
// message to its session.
void MsrpConnection::on_bytes(std::string_view bytes) {
  const TimePoint now = std::chrono::steady_clock::now();
  // The relay client frames the same stream: broken for it, broken for all.
  if (relay_ && !relay_->on_bytes(bytes, now)) {
    fail("malformed MSRP from the relay: " + relay_->error().message(), true);
    return;
  }
  std::string broken;
  if (!mux_) {
    if (!sessions_.front().session->on_bytes(bytes, now)) broken = sessions_.front().session->error().message();
  } else if (!mux_->on_bytes(bytes, [&](std::string_view id, std::string_view piece) {
               Attached* a = find(id);
               if (a != nullptr && !a->session->on_bytes(piece, now) && broken.empty())
                 broken = a->session->error().message();
             })) {
    broken = mux_->error().message();
  }
  deliver_events();
  flush();
  arm_timer();
  if (!broken.empty()) fail("malformed MSRP from the peer: " + broken, true);
}

// One write at a time; the sessions' output is taken only when the socket
// is free, so streamed chunks are made as it drains, never ahead of it.
// Each session's output is whole messages, so a shared connection writes
// them one session after another.
void MsrpConnection::flush() {
  if (closed_ || !open_ || !writing_.empty()) return;
  if (!mux_) {
    sessions_.front().session->take_output(writing_);  // hands back the last write's buffer: no copy
  } else {
    writing_ = relay_ ? relay_->take_output() : std::string();
    writing_ += mux_->take_output();
    for (Attached& a : sessions_) writing_ += a.session->take_output();
  }
  if (writing_.empty()) return;
  auto handler = [self = shared_from_this()](error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) {
      self->fail("connection error: " + ec.message(), false);
      return;
    }
    self->writing_.clear();
    self->flush();
  };
  // async_write's own completion conditions write at most 64 KiB a call;
  // this one lets each call take all that is left (a 256 KiB batch in one
  // send instead of five).
  const auto whole = [](const error_code& ec, std::size_t) -> std::size_t {
    return ec ? 0 : std::numeric_limits<std::size_t>::max();
  };
  std::visit([&](auto& s) { asio::async_write(s, asio::buffer(writing_), whole, std::move(handler)); }, stream_->stream);
}

// The timer is moved only to an earlier deadline: re-arming it for every
// read (the next deadline moves with each response) costs a cancelled wait
// each time. A wake-up before any deadline is due just arms it again.
// One session's deadlines come in the order its transactions were made
// (each its time plus the session's timeout), so while the timer is armed
// for one of them no new one is earlier, and the search for the earliest
// (over every pending transaction) is skipped; sessions sharing a
// connection may have different timeouts, so there it is always done.
void MsrpConnection::arm_timer() {
  if (closed_) return;
  bool pending = relay_ && relay_->next_timeout();
  for (const Attached& a : sessions_) pending = pending || a.session->pending_transactions() > 0;
  if (!pending) {
    if (timer_armed_) timer_.cancel();
    timer_armed_ = false;
    return;
  }
  if (timer_armed_ && !mux_) return;
  std::optional<TimePoint> next = relay_ ? relay_->next_timeout() : std::nullopt;
  for (const Attached& a : sessions_) {
    const std::optional<TimePoint> t = a.session->next_timeout();
    if (t && (!next || *t < *next)) next = t;
  }
  if (!next || (timer_armed_ && armed_for_ <= *next)) return;
  timer_armed_ = true;
  armed_for_ = *next;
  timer_.expires_at(*next);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec == asio::error::operation_aborted || self->closed_) return;  // moved, cancelled or closed
    self->timer_armed_ = false;
    const TimePoint now = std::chrono::steady_clock::now();
    if (self->relay_) {
      const std::optional<TimePoint> due = self->relay_->next_timeout();
      if (due && *due <= now) self->relay_->on_timeout(now);  // may renew: an AUTH to write
    }
    for (Attached& a : self->sessions_) {
      const std::optional<TimePoint> due = a.session->next_timeout();
      if (due && *due <= now) a.session->on_timeout(now);
    }
    self->deliver_events();
    self->flush();
    self->arm_timer();
  });
}

// A callback may add or remove sessions: each session's events are taken
// before its callback runs, and the callback is a copy.
void MsrpConnection::deliver_events() {
  if (relay_) {
    const std::vector<RelayEvent> events = relay_->take_events();
    const auto on_relay_event = on_relay_event_;
    for (const RelayEvent& e : events)
      if (on_relay_event) on_relay_event(e);
  }
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    const std::vector<SessionEvent> events = sessions_[i].session->take_events();
    if (events.empty()) continue;
    const auto on_event = sessions_[i].callbacks.on_event;
    for (const SessionEvent& e : events)
      if (on_event) on_event(e);
  }
}

void MsrpConnection::close(const std::string& reason) { fail(reason, true); }

// `graceful`: over TLS, send close_notify (and wait a little for the
// peer's) before closing the socket, unless a write is cut off midway.
void MsrpConnection::fail(const std::string& reason, bool graceful) {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  timer_armed_ = false;
  error_code ignored;
  ssl::stream<tcp::socket>* tls = stream_->tls_stream();
  if (tls != nullptr && open_ && graceful && writing_.empty()) {
    stream_->socket().cancel(ignored);  // the pending read ends; the shutdown reads instead
    timer_.expires_after(tls_shutdown_timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->stream_->socket().close(ec);
    });
    tls->async_shutdown([self = shared_from_this()](error_code) {
      error_code ignored;
      self->timer_.cancel();
      self->stream_->socket().close(ignored);
    });
  } else {
    stream_->socket().close(ignored);
  }
  if (relay_) relay_->on_connection_lost(reason);  // the relay's authorization ends with it (RFC 4976 §5)
  for (Attached& a : sessions_) a.session->on_connection_lost(reason);
  deliver_events();
  std::vector<std::function<void(const std::string&)>> told;
  for (const Attached& a : sessions_) told.push_back(a.callbacks.on_closed);
  for (const auto& on_closed : told)
    if (on_closed) on_closed(reason);
}

}  // namespace cosip::msrp
