#include "rtp/udp_transport.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <vector>

#include <boost/asio/post.hpp>

namespace cosip::rtp {

namespace asio = boost::asio;
using asio::ip::udp;

// recvmmsg(2) slots of one socket, each with its sender's address.
struct UdpTransport::ReceiveSlots {
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(receive_slots * max_datagram);
  std::array<::mmsghdr, receive_slots> headers{};
  std::array<::iovec, receive_slots> vectors{};
  std::array<udp::endpoint, receive_slots> peers;

  ReceiveSlots() {
    for (std::size_t i = 0; i < receive_slots; ++i) {
      vectors[i] = {slot(i), max_datagram};
      headers[i].msg_hdr.msg_name = peers[i].data();
      headers[i].msg_hdr.msg_namelen = static_cast<::socklen_t>(peers[i].capacity());
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ReceiveSlots(const ReceiveSlots&) = delete;
  ReceiveSlots& operator=(const ReceiveSlots&) = delete;
  std::uint8_t* slot(std::size_t i) { return buffer.data() + i * max_datagram; }
};

std::shared_ptr<UdpTransport> UdpTransport::open(const asio::any_io_executor& executor,
                                                 const asio::ip::address& address, bool rtcp_mux,
                                                 std::uint16_t first_port, std::uint16_t last_port,
                                                 std::string& error) {
  auto t = std::make_shared<UdpTransport>(executor);
  for (std::uint32_t port = first_port + (first_port % 2); port + (rtcp_mux ? 0 : 1) <= last_port; port += 2) {
    boost::system::error_code ec;
    t->rtp_socket_.open(address.is_v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) t->rtp_socket_.bind({address, static_cast<std::uint16_t>(port)}, ec);
    if (!ec && !rtcp_mux) {
      t->rtcp_socket_.open(address.is_v4() ? udp::v4() : udp::v6(), ec);
      if (!ec) t->rtcp_socket_.bind({address, static_cast<std::uint16_t>(port + 1)}, ec);
    }
    if (!ec) {
      t->port_ = static_cast<std::uint16_t>(port);
      return t;
    }
    t->rtp_socket_.close(ec);
    t->rtcp_socket_.close(ec);
  }
  error = "no free " + std::string(rtcp_mux ? "port" : "pair of ports") + " for RTP on " + address.to_string() +
          " in " + std::to_string(first_port) + "-" + std::to_string(last_port);
  return nullptr;
}

UdpTransport::UdpTransport(const asio::any_io_executor& executor)
    : executor_(executor), rtp_socket_(executor), rtcp_socket_(executor) {}

UdpTransport::~UdpTransport() = default;

std::uint16_t UdpTransport::port() const { return port_; }

void UdpTransport::set_remote(const udp::endpoint& rtp, const udp::endpoint& rtcp, bool rtcp_mux) {
  rtcp_mux_ = rtcp_mux;
  if (!latched_rtp_) remote_rtp_ = rtp;
  if (!latched_rtcp_) remote_rtcp_ = rtcp_mux ? rtp : rtcp;
}

void UdpTransport::start(std::weak_ptr<Receiver> receiver) {
  receiver_ = std::move(receiver);
  if (receiving_) return;
  receiving_ = true;
  // A first read, not a wait: datagrams may have come before start().
  rtp_slots_ = std::make_unique<ReceiveSlots>();
  asio::post(executor_, [self = shared_from_this()] {
    if (self->receiving_) self->receive(false);
  });
  if (rtcp_socket_.is_open()) {
    rtcp_slots_ = std::make_unique<ReceiveSlots>();
    asio::post(executor_, [self = shared_from_this()] {
      if (self->receiving_) self->receive(true);
    });
  }
}

void UdpTransport::send(const Transmit& t) {
  boost::system::error_code ec;
  if (t.rtcp && rtcp_socket_.is_open())
    rtcp_socket_.send_to(asio::buffer(t.bytes.data(), t.bytes.size()), remote_rtcp_, 0, ec);
  else rtp_socket_.send_to(asio::buffer(t.bytes.data(), t.bytes.size()), t.rtcp ? remote_rtcp_ : remote_rtp_, 0, ec);
  // A send error (ICMP unreachable of an earlier packet) ends nothing: media is best effort.
}

void UdpTransport::close() {
  receiving_ = false;
  boost::system::error_code ec;
  rtp_socket_.close(ec);
  rtcp_socket_.close(ec);
}

// Waiting for readable is right only once a read found the socket empty:
// the reactor reports a socket becoming readable, not being so.
void UdpTransport::wait_readable(bool rtcp_port) {
  udp::socket& socket = rtcp_port ? rtcp_socket_ : rtp_socket_;
  socket.async_wait(udp::socket::wait_read, [self = shared_from_this(), rtcp_port](boost::system::error_code ec) {
    if (self->receiving_ && ec != asio::error::operation_aborted) self->receive(rtcp_port);
  });
}

// Reads with recvmmsg(2): what the socket holds, several datagrams a call
// (one system call per batch, not per packet), a few batches before the
// executor's other work gets a turn.
void UdpTransport::receive(bool rtcp_port) {
  udp::socket& socket = rtcp_port ? rtcp_socket_ : rtp_socket_;
  ReceiveSlots& in = rtcp_port ? *rtcp_slots_ : *rtp_slots_;
  for (std::size_t round = 0; round < receive_rounds; ++round) {
    const int n = ::recvmmsg(socket.native_handle(), in.headers.data(), receive_slots, MSG_DONTWAIT, nullptr);
    // Linux reports ICMP errors of earlier sends (port unreachable) here: they end nothing.
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) continue;
    for (int i = 0; i < n; ++i) {
      ::msghdr& header = in.headers[i].msg_hdr;
      udp::endpoint& from = in.peers[i];
      from.resize(header.msg_namelen);
      header.msg_namelen = static_cast<::socklen_t>(from.capacity());  // for the next call
      const auto receiver = receiver_.lock();
      if (!receiver || !receiving_) return;
      const Received r = receiver->take({in.slot(static_cast<std::size_t>(i)), max_datagram},
                                        in.headers[i].msg_len, rtcp_port);
      if (r.authentic) latch(r.kind == Received::Kind::rtcp, rtcp_port, from);
      receiver->deliver(r);
    }
    // Fewer than asked for: the socket is empty, a new datagram makes it
    // readable again.
    if (n < static_cast<int>(receive_slots)) return wait_readable(rtcp_port);
  }
  // More may be waiting: read on after the work already queued.
  asio::post(executor_, [self = shared_from_this(), rtcp_port] {
    if (self->receiving_) self->receive(rtcp_port);
  });
}

// RFC 4961: send to where the peer's authentic packets come from.
void UdpTransport::latch(bool is_rtcp, bool rtcp_port, const udp::endpoint& from) {
  if (is_rtcp && (rtcp_port || rtcp_mux_)) {
    if (!latched_rtcp_ && from != remote_rtcp_) remote_rtcp_ = from;
    latched_rtcp_ = true;
  } else if (!is_rtcp) {
    if (!latched_rtp_ && from != remote_rtp_) {
      remote_rtp_ = from;
      if (rtcp_mux_) remote_rtcp_ = from;
    }
    latched_rtp_ = true;
  }
}

}  // namespace cosip::rtp
