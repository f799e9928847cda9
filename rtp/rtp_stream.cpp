#include "rtp/rtp_stream.hpp"

#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "rtp/udp_transport.hpp"

namespace cosip::rtp {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

// NTP time (RFC 3550 §4: 32.32 seconds since 1900) of a steady-clock point,
// through the system clock read once per call.
std::uint64_t ntp_of(TimePoint t) {
  const auto wall = std::chrono::system_clock::now() -
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - t);
  const auto since_unix = std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  constexpr std::uint64_t unix_to_ntp = 2208988800ULL;  // seconds from 1900 to 1970
  const std::uint64_t seconds = static_cast<std::uint64_t>(since_unix / 1'000'000'000) + unix_to_ntp;
  const std::uint64_t fraction = (static_cast<std::uint64_t>(since_unix % 1'000'000'000) << 32) / 1'000'000'000;
  return seconds << 32 | fraction;
}

}  // namespace

struct RtpStream::Impl final : RtpTransport::Receiver, std::enable_shared_from_this<RtpStream::Impl> {
  Impl(const asio::any_io_executor& ex, std::shared_ptr<RtpTransport> t, std::shared_ptr<UdpTransport> u)
      : transport(std::move(t)),
        udp(std::move(u)),
        timer(ex),
        session(Clock::now(), os_random(), ntp_of) {}

  std::shared_ptr<RtpTransport> transport;
  std::shared_ptr<UdpTransport> udp;  // the same transport, when the stream has its own sockets
  asio::steady_timer timer;
  std::optional<TimePoint> armed;  // what the timer waits for
  RtpSession session;
  Callbacks callbacks;
  bool running = false;
  std::vector<TelephoneEventNotice> events;

  void flush() {
    const TimePoint now = Clock::now();
    while (const std::optional<Transmit> t = session.poll_transmit(now)) transport->send(*t);
    arm();
  }

  // The timer is moved to an earlier deadline only. A deadline that moved
  // later (the inactivity one moves with every packet) is found when the
  // timer expires and waited for then: a packet costs no timer system call.
  void arm() {
    const std::optional<TimePoint> next = session.next_timeout();
    if (!next || !running || (armed && *armed <= *next)) return;
    armed = *next;
    timer.expires_at(*next);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->running) return;  // moved earlier (a new wait is on), or stopped
      self->armed.reset();
      if (self->session.on_timeout(Clock::now()) && self->callbacks.on_inactive) self->callbacks.on_inactive();
      self->flush();
    });
  }

  Received take(std::span<std::uint8_t> buffer, std::size_t size, bool on_rtcp_port) override {
    events.clear();
    return session.on_datagram(buffer, size, on_rtcp_port, Clock::now(), events);
  }

  void deliver(const Received& r) override {
    if (r.kind == Received::Kind::audio && callbacks.on_audio)
      callbacks.on_audio({r.payload_type, r.sequence, r.timestamp, r.ssrc, r.marker, r.payload});
    if (r.kind == Received::Kind::telephone_event && callbacks.on_event_packet)
      callbacks.on_event_packet({r.payload_type, r.sequence, r.timestamp, r.ssrc, r.marker, r.payload});
    if (callbacks.on_event)
      for (const TelephoneEventNotice& e : events) callbacks.on_event(e);
    flush();
  }

  // Once the session is configured.
  void run(Callbacks cb) {
    callbacks = std::move(cb);
    if (!running) {
      running = true;
      transport->start(weak_from_this());
    }
    flush();
  }
};

std::shared_ptr<RtpStream> RtpStream::open(const asio::any_io_executor& executor, const asio::ip::address& address,
                                           bool rtcp_mux, std::uint16_t first_port, std::uint16_t last_port,
                                           std::string& error) {
  std::shared_ptr<UdpTransport> udp = UdpTransport::open(executor, address, rtcp_mux, first_port, last_port, error);
  if (!udp) return nullptr;
  return std::shared_ptr<RtpStream>(new RtpStream(std::make_shared<Impl>(executor, udp, udp)));
}

std::shared_ptr<RtpStream> RtpStream::over(const asio::any_io_executor& executor,
                                           std::shared_ptr<RtpTransport> transport) {
  return std::shared_ptr<RtpStream>(new RtpStream(std::make_shared<Impl>(executor, std::move(transport), nullptr)));
}

RtpStream::~RtpStream() { stop(); }

std::uint16_t RtpStream::port() const { return impl_->udp ? impl_->udp->port() : 0; }

SrtpError RtpStream::start(const RtpSessionConfig& config, const udp::endpoint& remote_rtp,
                           const udp::endpoint& remote_rtcp, Callbacks callbacks) {
  Impl& s = *impl_;
  if (SrtpError e = s.session.configure(config, Clock::now())) return e;
  if (s.udp) s.udp->set_remote(remote_rtp, remote_rtcp, config.rtcp_mux);
  s.run(std::move(callbacks));
  return {};
}

SrtpError RtpStream::start(const RtpSessionConfig& config, Callbacks callbacks) {
  Impl& s = *impl_;
  if (SrtpError e = s.session.configure(config, Clock::now())) return e;
  s.run(std::move(callbacks));
  return {};
}

void RtpStream::send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples) {
  Impl& s = *impl_;
  if (!s.running) return;
  if (const std::optional<Transmit> t = s.session.send_audio(payload, samples, Clock::now())) s.transport->send(*t);
  s.flush();
}

bool RtpStream::send_digit(char digit, std::chrono::milliseconds duration) {
  Impl& s = *impl_;
  if (!s.running || !s.session.send_digit(digit, duration, Clock::now())) return false;
  s.flush();
  return true;
}

void RtpStream::stop() {
  Impl& s = *impl_;
  if (s.running) {
    s.session.leave(Clock::now());
    const TimePoint now = Clock::now();
    while (const std::optional<Transmit> t = s.session.poll_transmit(now)) s.transport->send(*t);
  }
  s.running = false;
  s.timer.cancel();
  s.transport->close();
}

const RtpSession& RtpStream::session() const { return impl_->session; }
const udp::endpoint& RtpStream::remote_rtp() const {
  static const udp::endpoint none;
  return impl_->udp ? impl_->udp->remote_rtp() : none;
}

}  // namespace cosip::rtp
