// An RtpStream's datagrams over an ICE agent (rtp/ice/ice_agent.hpp):
// component 1 carries RTP and component 2 RTCP, or both go on component 1
// under rtcp-mux (RFC 5761; the agent then has one component). Once a
// component's pair is selected, datagrams flow on it (RFC 8445 §12); before
// that nothing is sent, and what the stream wanted to send is counted.
// What the agent receives goes to the stream on its executor (dropped
// before the stream starts).
//
// Flow:
//   IceTransport(executor, config, events)   the agent, on the stream's executor
//   agent().gather() ... set_remote()        the owner's offer/answer, as with
//                                            a bare IceAgent; `events` gets
//                                            its reports (datagrams excepted)
//   RtpStream::over(executor, transport), start(config, callbacks)
//   selected(component)                      the addresses and candidate types
//                                            in use (e.g. for RFC 8839's
//                                            re-offer of the selected pair)
//   destroyed with its last owner            the agent stops (TURN released)
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>

#include "rtp/ice/ice_agent.hpp"
#include "rtp/rtp_transport.hpp"

namespace cosip::rtp {

class IceTransport final : public RtpTransport {
 public:
  // `events` gets gathering_done, state_changed and selected_pair as the
  // agent reports them; its `datagram` is not used (they go to the stream).
  IceTransport(const boost::asio::any_io_executor& executor, ice::IceConfig config, ice::IceEvents events);
  IceTransport(const IceTransport&) = delete;  // the agent's events hold `this`
  IceTransport& operator=(const IceTransport&) = delete;

  ice::IceAgent& agent() { return *agent_; }
  const ice::IceAgent& agent() const { return *agent_; }
  // The component's selected pair (1 = RTP, 2 = RTCP), once there is one.
  const std::optional<ice::SelectedPair>& selected(std::uint16_t component) const;
  // Datagrams not sent: no pair selected yet, or the agent refused them.
  std::uint64_t unsent() const { return unsent_; }

  void start(std::weak_ptr<Receiver> receiver) override;
  void send(const Transmit& transmit) override;
  void close() override;

 private:
  void on_datagram(std::uint16_t component, std::span<const std::byte> datagram);

  std::array<std::optional<ice::SelectedPair>, 2> selected_;
  std::weak_ptr<Receiver> receiver_;
  std::uint64_t unsent_ = 0;
  bool closed_ = false;
  std::array<std::uint8_t, max_datagram> buffer_{};
  std::unique_ptr<ice::IceAgent> agent_;  // last: gone (no more events) before the rest
};

}  // namespace cosip::rtp
