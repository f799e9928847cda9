// The I/O shell of one audio stream: an RtpSession (rtp/rtp_session.hpp)
// that does the protocol, the timer, and a transport that moves the
// datagrams (rtp/rtp_transport.hpp): the stream's own UDP sockets (open()),
// or another, e.g. an ICE agent's selected pairs (over(), with
// rtp/ice_transport.hpp). It runs on the executor it is given (the media
// executor, apart from signalling); every member function is to be called on
// that executor.
//
// Flow:
//   open(executor, address, mux, ports)  sockets bound: port() goes in the SDP
//     or over(executor, transport)       the transport made elsewhere
//   start(config, remote RTP, remote RTCP, callbacks)   (sockets)
//     or start(config, callbacks)                       (a transport that
//                                                        finds the peer itself)
//      transport -> session.on_datagram -> on_audio / on_event
//   send_audio / send_digit -> session -> transport
//   timer -> session.on_timeout (on_inactive) and poll_transmit (RTCP, events)
//   stop() -> RTCP BYE, transport closed
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include "rtp/rtp_session.hpp"
#include "rtp/rtp_transport.hpp"

namespace cosip::rtp {

struct AudioPacket {
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  bool marker = false;
  std::span<const std::uint8_t> payload;  // valid during the callback
};

class RtpStream {
 public:
  struct Callbacks {
    std::function<void(const AudioPacket&)> on_audio;
    std::function<void(const TelephoneEventNotice&)> on_event;
    // Each RFC 4733 packet as it came. Events go in the audio stream, with
    // its SSRC and sequence numbers: a jitter buffer must not take the
    // numbers they use for lost audio.
    std::function<void(const AudioPacket&)> on_event_packet;
    std::function<void()> on_inactive;  // no packet for the configured time
  };

  // Binds RTP to an even port of [first_port, last_port] on `address` and,
  // without mux, RTCP to the port after it. Null and `error` set when no
  // pair is free.
  static std::shared_ptr<RtpStream> open(const boost::asio::any_io_executor& executor,
                                         const boost::asio::ip::address& address, bool rtcp_mux,
                                         std::uint16_t first_port, std::uint16_t last_port, std::string& error);
  // Over a transport made on the same executor.
  static std::shared_ptr<RtpStream> over(const boost::asio::any_io_executor& executor,
                                         std::shared_ptr<RtpTransport> transport);
  ~RtpStream();

  // The RTP port, on a stream made by open() (0 otherwise).
  std::uint16_t port() const;

  // On a stream made by open(): the peer's addresses from the SDP.
  SrtpError start(const RtpSessionConfig& config, const boost::asio::ip::udp::endpoint& remote_rtp,
                  const boost::asio::ip::udp::endpoint& remote_rtcp, Callbacks callbacks);
  SrtpError start(const RtpSessionConfig& config, Callbacks callbacks);
  void send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples);
  bool send_digit(char digit, std::chrono::milliseconds duration);
  void stop();

  const RtpSession& session() const;
  // Where RTP goes now, on a stream made by open() (the SDP's address, or
  // the latched one).
  const boost::asio::ip::udp::endpoint& remote_rtp() const;

 private:
  struct Impl;
  explicit RtpStream(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace cosip::rtp
