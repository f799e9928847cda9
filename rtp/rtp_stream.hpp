// The I/O shell of one audio stream: the UDP sockets for RTP and RTCP
// (RFC 3550 §11: an even port and the next one, or one port under rtcp-mux),
// the timer, and an RtpSession (rtp/rtp_session.hpp) that does the protocol.
// It runs on the executor it is given (the media executor, apart from
// signalling); every member function is to be called on that executor.
//
// Flow:
//   open(executor, address, mux, ports)  sockets bound: port() goes in the SDP
//   start(config, remote RTP, remote RTCP, callbacks)
//      per socket: readable -> datagrams read with recvmmsg(2), several a
//      call -> session.on_datagram -> on_audio / on_event;
//      symmetric RTP (RFC 4961): once an authentic packet comes from another
//      address than the SDP's, replies go there (the peer is behind a NAT)
//   send_audio / send_digit -> session -> socket
//   timer -> session.on_timeout (on_inactive) and poll_transmit (RTCP, events)
//   stop() -> RTCP BYE, sockets closed
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include "rtp/rtp_session.hpp"

namespace cosip::rtp {

struct AudioPacket {
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  bool marker = false;
  std::span<const std::uint8_t> payload;  // valid during the callback
};

class RtpStream {
 public:
  struct Callbacks {
    std::function<void(const AudioPacket&)> on_audio;
    std::function<void(const TelephoneEventNotice&)> on_event;
    std::function<void()> on_inactive;  // no packet for the configured time
  };

  // Binds RTP to an even port of [first_port, last_port] on `address` and,
  // without mux, RTCP to the port after it. Null and `error` set when no
  // pair is free.
  static std::shared_ptr<RtpStream> open(const boost::asio::any_io_executor& executor,
                                         const boost::asio::ip::address& address, bool rtcp_mux,
                                         std::uint16_t first_port, std::uint16_t last_port, std::string& error);
  ~RtpStream();

  std::uint16_t port() const;

  SrtpError start(const RtpSessionConfig& config, const boost::asio::ip::udp::endpoint& remote_rtp,
                  const boost::asio::ip::udp::endpoint& remote_rtcp, Callbacks callbacks);
  void send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples);
  bool send_digit(char digit, std::chrono::milliseconds duration);
  void stop();

  const RtpSession& session() const;
  // Where RTP goes now (the SDP's address, or the latched one).
  const boost::asio::ip::udp::endpoint& remote_rtp() const;

 private:
  struct Impl;
  explicit RtpStream(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace cosip::rtp
