#include "msrp/msrp_connection.hpp"

#include <stdexcept>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace cosip::msrp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// How long close() waits for the peer's close_notify before it closes the
// socket anyway.
constexpr std::chrono::seconds tls_shutdown_timeout{2};

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
  Stream(tcp::socket socket) : stream(std::move(socket)) {}  // NOLINT: implicit
  Stream(tcp::socket socket, std::shared_ptr<TlsContext> context, std::string name)
      : stream(std::in_place_type<ssl::stream<tcp::socket>>, std::move(socket), context->native()),
        tls(std::move(context)),
        peer_name(std::move(name)) {}

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

  std::variant<tcp::socket, ssl::stream<tcp::socket>> stream;
  std::shared_ptr<TlsContext> tls;  // outlives the stream's SSL object
  std::string peer_name;            // client: the name the certificate must carry
};

// ---- MsrpConnection ---------------------------------------------------------

std::shared_ptr<MsrpConnection> MsrpConnection::create(tcp::socket socket, std::unique_ptr<MsrpSession> session,
                                                       Callbacks callbacks) {
  return std::shared_ptr<MsrpConnection>(
      new MsrpConnection(std::make_unique<Stream>(std::move(socket)), std::move(session), std::move(callbacks)));
}

std::shared_ptr<MsrpConnection> MsrpConnection::create(tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                                       std::string peer_name, std::unique_ptr<MsrpSession> session,
                                                       Callbacks callbacks) {
  return std::shared_ptr<MsrpConnection>(
      new MsrpConnection(std::make_unique<Stream>(std::move(socket), std::move(tls), std::move(peer_name)),
                         std::move(session), std::move(callbacks)));
}

MsrpConnection::MsrpConnection(std::unique_ptr<Stream> stream, std::unique_ptr<MsrpSession> session,
                               Callbacks callbacks)
    : stream_(std::move(stream)),
      timer_(stream_->socket().get_executor()),
      session_(std::move(session)),
      callbacks_(std::move(callbacks)) {}

MsrpConnection::~MsrpConnection() = default;

void MsrpConnection::start() {
  error_code ignored;
  stream_->socket().set_option(tcp::no_delay(true), ignored);
  if (stream_->tls_stream() != nullptr) {
    handshake();
    return;
  }
  open_ = true;
  read();
  flush();
}

// RFC 4975 §14: the side that connected is the TLS client. It checks the
// certificate against its trust and the name of the peer (RFC 6125; an IP
// address against the certificate's IP subjectAltNames).
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

std::string MsrpConnection::send_message(OutgoingMessage message) {
  std::string id = session_->send_message(std::move(message), std::chrono::steady_clock::now());
  deliver_events();  // Failure-Report: no delivers at once
  flush();
  arm_timer();
  return id;
}

std::string MsrpConnection::send_stream(OutgoingStream stream) {
  std::string id = session_->send_stream(std::move(stream), std::chrono::steady_clock::now());
  flush();
  arm_timer();
  return id;
}

void MsrpConnection::read() {
  auto handler = [self = shared_from_this()](error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) {
      // TLS: a close_notify reads as eof; a TCP close without it as
      // stream_truncated.
      self->fail(ec == asio::error::eof                ? "the peer closed the connection"
                 : ec == ssl::error::stream_truncated ? "the peer closed the connection without a TLS close_notify"
                                                       : "connection error: " + ec.message(),
                 ec == asio::error::eof);
      return;
    }
    const bool ok =
        self->session_->on_bytes(std::string_view(self->read_buffer_.data(), n), std::chrono::steady_clock::now());
    self->deliver_events();
    self->flush();
    self->arm_timer();
    if (!ok) {
      self->fail("malformed MSRP from the peer: " + self->session_->error().message(), true);
      return;
    }
    self->read();
  };
  std::visit([&](auto& s) { s.async_read_some(asio::buffer(read_buffer_), std::move(handler)); }, stream_->stream);
}

// One write at a time; the session's output is taken only when the socket
// is free, so streamed chunks are made as it drains, never ahead of it.
void MsrpConnection::flush() {
  if (closed_ || !open_ || !writing_.empty()) return;
  writing_ = session_->take_output();
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
  std::visit([&](auto& s) { asio::async_write(s, asio::buffer(writing_), std::move(handler)); }, stream_->stream);
}

void MsrpConnection::arm_timer() {
  const std::optional<TimePoint> next = session_->next_timeout();
  if (!next || closed_) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*next);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    self->session_->on_timeout(std::chrono::steady_clock::now());
    self->deliver_events();
    self->arm_timer();
  });
}

void MsrpConnection::deliver_events() {
  for (const SessionEvent& e : session_->take_events())
    if (callbacks_.on_event) callbacks_.on_event(e);
}

void MsrpConnection::close(const std::string& reason) { fail(reason, true); }

// `graceful`: over TLS, send close_notify (and wait a little for the
// peer's) before closing the socket, unless a write is cut off midway.
void MsrpConnection::fail(const std::string& reason, bool graceful) {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
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
  session_->on_connection_lost(reason);
  deliver_events();
  if (callbacks_.on_closed) callbacks_.on_closed(reason);
}

}  // namespace cosip::msrp
