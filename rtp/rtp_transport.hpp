// How an RtpStream's datagrams travel: its own UDP sockets
// (rtp/udp_transport.hpp) or an ICE agent's selected pairs
// (rtp/ice_transport.hpp). A transport only moves bytes; what they mean is
// the RtpSession's business, reached through the stream's Receiver.
// Everything runs on the stream's executor.
//
// Flow:
//   start(receiver)   datagrams in -> receiver.take (the session's verdict)
//                                  -> receiver.deliver (callbacks, what is due)
//   send(transmit)    one RTP or RTCP datagram out
//   close()           nothing in or out any more
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "rtp/rtp_session.hpp"

namespace cosip::rtp {

// The largest datagram a transport takes in; longer ones are cut or dropped.
inline constexpr std::size_t max_datagram = 2048;

class RtpTransport {
 public:
  // The stream's side.
  class Receiver {
   public:
    // The session's verdict on one datagram; its views point into `buffer`.
    virtual Received take(std::span<std::uint8_t> buffer, std::size_t size, bool on_rtcp_port) = 0;
    // Then the stream's callbacks for it, and whatever became due to send.
    // Between the two the transport may act on the verdict (symmetric RTP).
    virtual void deliver(const Received& received) = 0;

   protected:
    ~Receiver() = default;
  };

  virtual ~RtpTransport() = default;

  // Begins receiving; the receiver is held weakly (it owns the transport).
  virtual void start(std::weak_ptr<Receiver> receiver) = 0;
  // `transmit.rtcp` says RTCP's address or component (RTP's under rtcp-mux).
  virtual void send(const Transmit& transmit) = 0;
  virtual void close() = 0;
};

}  // namespace cosip::rtp
