#include "msrp/msrp_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

namespace cosip::msrp {

std::shared_ptr<MsrpConnection> MsrpConnection::create(boost::asio::ip::tcp::socket socket,
                                                       std::unique_ptr<MsrpSession> session, Callbacks callbacks) {
  return std::shared_ptr<MsrpConnection>(new MsrpConnection(std::move(socket), std::move(session), std::move(callbacks)));
}

MsrpConnection::MsrpConnection(boost::asio::ip::tcp::socket socket, std::unique_ptr<MsrpSession> session,
                               Callbacks callbacks)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      session_(std::move(session)),
      callbacks_(std::move(callbacks)) {}

void MsrpConnection::start() {
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  read();
  flush();
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
  socket_.async_read_some(boost::asio::buffer(read_buffer_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) {
                              self->fail(ec == boost::asio::error::eof ? "the peer closed the connection"
                                                                       : "connection error: " + ec.message());
                              return;
                            }
                            const bool ok = self->session_->on_bytes(std::string_view(self->read_buffer_.data(), n),
                                                                     std::chrono::steady_clock::now());
                            self->deliver_events();
                            self->flush();
                            self->arm_timer();
                            if (!ok) {
                              self->fail("malformed MSRP from the peer: " + self->session_->error().message());
                              return;
                            }
                            self->read();
                          });
}

// One write at a time; the session's output is taken only when the socket
// is free, so streamed chunks are made as it drains, never ahead of it.
void MsrpConnection::flush() {
  if (closed_ || !writing_.empty()) return;
  session_->take_output(writing_);  // hands back the last write's buffer
  if (writing_.empty()) return;
  boost::asio::async_write(socket_, boost::asio::buffer(writing_),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (self->closed_) return;
                             if (ec) {
                               self->fail("connection error: " + ec.message());
                               return;
                             }
                             self->writing_.clear();
                             self->flush();
                           });
}

// The timer is moved only when the session's next deadline comes before
// the one it is armed for: one armed for a later chunk's deadline fires
// early, finds nothing due and is armed again, instead of being re-armed at
// every response.
void MsrpConnection::arm_timer() {
  const std::optional<TimePoint> next = session_->next_timeout();
  if (!next || closed_) {
    if (armed_) timer_.cancel();
    armed_.reset();
    return;
  }
  if (armed_ && *armed_ <= *next) return;
  armed_ = *next;
  timer_.expires_at(*next);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    self->armed_.reset();
    self->session_->on_timeout(std::chrono::steady_clock::now());
    self->deliver_events();
    self->arm_timer();
  });
}

void MsrpConnection::deliver_events() {
  for (const SessionEvent& e : session_->take_events())
    if (callbacks_.on_event) callbacks_.on_event(e);
}

void MsrpConnection::close(const std::string& reason) { fail(reason); }

void MsrpConnection::fail(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  session_->on_connection_lost(reason);
  deliver_events();
  if (callbacks_.on_closed) callbacks_.on_closed(reason);
}

}  // namespace cosip::msrp
