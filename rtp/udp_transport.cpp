#include "rtp/udp_transport.hpp"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cosip::rtp {

namespace asio = boost::asio;
using asio::ip::udp;

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
  asio::co_spawn(executor_, receive(false), asio::detached);
  if (rtcp_socket_.is_open()) asio::co_spawn(executor_, receive(true), asio::detached);
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

asio::awaitable<void> UdpTransport::receive(bool rtcp_port) {
  auto self = shared_from_this();
  udp::socket& socket = rtcp_port ? rtcp_socket_ : rtp_socket_;
  std::array<std::uint8_t, max_datagram> buffer;
  while (receiving_) {
    udp::endpoint from;
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), from, asio::as_tuple(asio::use_awaitable));
    if (!receiving_ || ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable of an earlier send
    const auto receiver = receiver_.lock();
    if (!receiver) co_return;
    const Received r = receiver->take(buffer, n, rtcp_port);
    if (r.authentic) latch(r.kind == Received::Kind::rtcp, rtcp_port, from);
    receiver->deliver(r);
  }
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
