#include "rtp/rtp_stream.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <optional>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cosip::rtp {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

// Datagrams one recvmmsg(2) takes, each into a slot of its own (room for any
// datagram an audio stream carries), and reads made in one go before the
// executor's other work gets a turn.
constexpr std::size_t receive_slots = 16;
constexpr std::size_t receive_rounds = 4;
constexpr std::size_t slot_size = 2048;

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

// One socket's receive slots for recvmmsg(2), each with its sender's address.
struct ReceiveSlots {
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(receive_slots * slot_size);
  std::array<::mmsghdr, receive_slots> headers{};
  std::array<::iovec, receive_slots> vectors{};
  std::array<udp::endpoint, receive_slots> peers;

  ReceiveSlots() {
    for (std::size_t i = 0; i < receive_slots; ++i) {
      vectors[i] = {slot(i), slot_size};
      headers[i].msg_hdr.msg_name = peers[i].data();
      headers[i].msg_hdr.msg_namelen = static_cast<::socklen_t>(peers[i].capacity());
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ReceiveSlots(const ReceiveSlots&) = delete;
  ReceiveSlots& operator=(const ReceiveSlots&) = delete;
  std::uint8_t* slot(std::size_t i) { return buffer.data() + i * slot_size; }
};

}  // namespace

struct RtpStream::Impl : std::enable_shared_from_this<RtpStream::Impl> {
  Impl(const asio::any_io_executor& ex)
      : executor(ex), rtp_socket(ex), rtcp_socket(ex), timer(ex), session(Clock::now(), os_random(), ntp_of) {}

  asio::any_io_executor executor;
  udp::socket rtp_socket;
  udp::socket rtcp_socket;  // closed under rtcp-mux
  asio::steady_timer timer;
  RtpSession session;
  RtpSessionConfig config;
  udp::endpoint remote_rtp;
  udp::endpoint remote_rtcp;
  bool latched_rtp = false;
  bool latched_rtcp = false;
  Callbacks callbacks;
  bool running = false;
  std::vector<TelephoneEventNotice> events;
  ReceiveSlots rtp_slots;
  std::unique_ptr<ReceiveSlots> rtcp_slots;  // without rtcp-mux only
  std::optional<TimePoint> armed;             // what the timer waits for

  void send(const Transmit& t) {
    boost::system::error_code ec;
    if (t.rtcp && rtcp_socket.is_open()) rtcp_socket.send_to(asio::buffer(t.bytes.data(), t.bytes.size()), remote_rtcp, 0, ec);
    else rtp_socket.send_to(asio::buffer(t.bytes.data(), t.bytes.size()), t.rtcp ? remote_rtcp : remote_rtp, 0, ec);
    // A send error (ICMP unreachable of an earlier packet) ends nothing: media is best effort.
  }

  void flush() {
    const TimePoint now = Clock::now();
    while (const std::optional<Transmit> t = session.poll_transmit(now)) send(*t);
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

  // Waiting for readable is safe only once a read found nothing: the
  // reactor reports a socket becoming readable, not a socket being so.
  void wait_readable(bool rtcp_port) {
    udp::socket& socket = rtcp_port ? rtcp_socket : rtp_socket;
    socket.async_wait(udp::socket::wait_read, [self = shared_from_this(), rtcp_port](boost::system::error_code ec) {
      if (!self->running || ec == asio::error::operation_aborted) return;
      self->receive(rtcp_port);
    });
  }

  // Reads with recvmmsg(2): what the socket holds, several datagrams a call.
  void receive(bool rtcp_port) {
    udp::socket& socket = rtcp_port ? rtcp_socket : rtp_socket;
    ReceiveSlots& in = rtcp_port ? *rtcp_slots : rtp_slots;
    for (std::size_t round = 0; round < receive_rounds; ++round) {
      const int n = ::recvmmsg(socket.native_handle(), in.headers.data(), receive_slots, MSG_DONTWAIT, nullptr);
      // Linux reports ICMP errors of earlier sends (port unreachable) here: they end nothing.
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) continue;
      const TimePoint now = Clock::now();
      for (int i = 0; i < n; ++i) {
        ::msghdr& header = in.headers[i].msg_hdr;
        udp::endpoint& from = in.peers[i];
        from.resize(header.msg_namelen);
        header.msg_namelen = static_cast<::socklen_t>(from.capacity());  // for the next call
        events.clear();
        const Received r = session.on_datagram({in.slot(static_cast<std::size_t>(i)), slot_size},
                                               in.headers[i].msg_len, rtcp_port, now, events);
        if (r.authentic) latch(r.kind == Received::Kind::rtcp, rtcp_port, from);
        if (r.kind == Received::Kind::audio && callbacks.on_audio)
          callbacks.on_audio({r.payload_type, r.sequence, r.timestamp, r.marker, r.payload});
        if (callbacks.on_event)
          for (const TelephoneEventNotice& e : events) callbacks.on_event(e);
        if (!running) return;  // a callback stopped the stream
      }
      if (n > 0) flush();
      // Fewer than asked for: the socket is empty, so a new datagram will
      // make it readable again.
      if (n < static_cast<int>(receive_slots)) return wait_readable(rtcp_port);
    }
    // More may be waiting: read on after the work already queued.
    asio::post(executor, [self = shared_from_this(), rtcp_port] {
      if (self->running) self->receive(rtcp_port);
    });
  }

  // RFC 4961: send to where the peer's authentic packets come from.
  void latch(bool is_rtcp, bool rtcp_port, const udp::endpoint& from) {
    if (is_rtcp && (rtcp_port || config.rtcp_mux)) {
      if (!latched_rtcp && from != remote_rtcp) remote_rtcp = from;
      latched_rtcp = true;
    } else if (!is_rtcp) {
      if (!latched_rtp && from != remote_rtp) {
        remote_rtp = from;
        if (config.rtcp_mux) remote_rtcp = from;
      }
      latched_rtp = true;
    }
  }
};

std::shared_ptr<RtpStream> RtpStream::open(const asio::any_io_executor& executor, const asio::ip::address& address,
                                           bool rtcp_mux, std::uint16_t first_port, std::uint16_t last_port,
                                           std::string& error) {
  auto impl = std::make_shared<Impl>(executor);
  for (std::uint32_t port = first_port + (first_port % 2); port + (rtcp_mux ? 0 : 1) <= last_port; port += 2) {
    boost::system::error_code ec;
    impl->rtp_socket.open(address.is_v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) impl->rtp_socket.bind({address, static_cast<std::uint16_t>(port)}, ec);
    if (!ec && !rtcp_mux) {
      impl->rtcp_socket.open(address.is_v4() ? udp::v4() : udp::v6(), ec);
      if (!ec) impl->rtcp_socket.bind({address, static_cast<std::uint16_t>(port + 1)}, ec);
    }
    if (!ec) return std::shared_ptr<RtpStream>(new RtpStream(impl));
    impl->rtp_socket.close(ec);
    impl->rtcp_socket.close(ec);
  }
  error = "no free " + std::string(rtcp_mux ? "port" : "pair of ports") + " for RTP on " + address.to_string() +
          " in " + std::to_string(first_port) + "-" + std::to_string(last_port);
  return nullptr;
}

RtpStream::~RtpStream() { stop(); }

std::uint16_t RtpStream::port() const { return impl_->rtp_socket.local_endpoint().port(); }

SrtpError RtpStream::start(const RtpSessionConfig& config, const udp::endpoint& remote_rtp,
                           const udp::endpoint& remote_rtcp, Callbacks callbacks) {
  Impl& s = *impl_;
  if (SrtpError e = s.session.configure(config, Clock::now())) return e;
  s.config = config;
  if (!s.latched_rtp) s.remote_rtp = remote_rtp;
  if (!s.latched_rtcp) s.remote_rtcp = config.rtcp_mux ? remote_rtp : remote_rtcp;
  s.callbacks = std::move(callbacks);
  if (!s.running) {
    s.running = true;
    // A first read, not a wait: datagrams may have come before start.
    asio::post(s.executor, [self = impl_] {
      if (self->running) self->receive(false);
    });
    if (s.rtcp_socket.is_open()) {
      s.rtcp_slots = std::make_unique<ReceiveSlots>();
      asio::post(s.executor, [self = impl_] {
        if (self->running) self->receive(true);
      });
    }
  }
  s.flush();
  return {};
}

void RtpStream::send_audio(std::span<const std::uint8_t> payload, std::uint32_t samples) {
  Impl& s = *impl_;
  if (!s.running) return;
  if (const std::optional<Transmit> t = s.session.send_audio(payload, samples, Clock::now())) s.send(*t);
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
    while (const std::optional<Transmit> t = s.session.poll_transmit(now)) s.send(*t);
  }
  s.running = false;
  boost::system::error_code ec;
  s.timer.cancel();
  s.armed.reset();
  s.rtp_socket.close(ec);
  s.rtcp_socket.close(ec);
}

const RtpSession& RtpStream::session() const { return impl_->session; }
const udp::endpoint& RtpStream::remote_rtp() const { return impl_->remote_rtp; }

}  // namespace cosip::rtp
