// An RtpStream's own UDP sockets (rtp/rtp_transport.hpp): RTP on an even
// port and RTCP on the next one (RFC 3550 §11), or one port under rtcp-mux
// (RFC 5761). Symmetric RTP (RFC 4961): once an authentic packet comes from
// another address than the SDP's, replies go there (the peer is behind a NAT).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include "rtp/rtp_transport.hpp"

namespace cosip::rtp {

class UdpTransport final : public RtpTransport, public std::enable_shared_from_this<UdpTransport> {
 public:
  // Binds RTP to an even port of [first_port, last_port] on `address` and,
  // without mux, RTCP to the port after it. Null and `error` set when no
  // pair is free.
  static std::shared_ptr<UdpTransport> open(const boost::asio::any_io_executor& executor,
                                            const boost::asio::ip::address& address, bool rtcp_mux,
                                            std::uint16_t first_port, std::uint16_t last_port, std::string& error);
  explicit UdpTransport(const boost::asio::any_io_executor& executor);
  ~UdpTransport() override;

  std::uint16_t port() const;
  // The peer's addresses from the SDP; an address already latched stays.
  void set_remote(const boost::asio::ip::udp::endpoint& rtp, const boost::asio::ip::udp::endpoint& rtcp,
                  bool rtcp_mux);
  // Where RTP goes now (the SDP's address, or the latched one).
  const boost::asio::ip::udp::endpoint& remote_rtp() const { return remote_rtp_; }

  void start(std::weak_ptr<Receiver> receiver) override;
  void send(const Transmit& transmit) override;
  void close() override;

 private:
  // Datagrams one recvmmsg(2) takes, and batches read in one go.
  static constexpr std::size_t receive_slots = 16;
  static constexpr std::size_t receive_rounds = 4;
  struct ReceiveSlots;

  void receive(bool rtcp_port);
  void wait_readable(bool rtcp_port);
  void latch(bool is_rtcp, bool rtcp_port, const boost::asio::ip::udp::endpoint& from);

  boost::asio::any_io_executor executor_;
  std::uint16_t port_ = 0;  // kept: port() answers after close
  boost::asio::ip::udp::socket rtp_socket_;
  boost::asio::ip::udp::socket rtcp_socket_;  // closed under rtcp-mux
  std::unique_ptr<ReceiveSlots> rtp_slots_;
  std::unique_ptr<ReceiveSlots> rtcp_slots_;  // without rtcp-mux only
  std::weak_ptr<Receiver> receiver_;
  boost::asio::ip::udp::endpoint remote_rtp_;
  boost::asio::ip::udp::endpoint remote_rtcp_;
  bool rtcp_mux_ = false;  // as negotiated
  bool latched_rtp_ = false;
  bool latched_rtcp_ = false;
  bool receiving_ = false;
};

}  // namespace cosip::rtp
