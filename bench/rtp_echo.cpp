// RTP echo over loopback UDP, in packets echoed per second. A load generator
// (pinned to core 0) sends 20 ms PCMU packets (12-byte RTP header + 160
// bytes) to an echo (pinned to core 1) and keeps a window of packets in
// flight: a closed loop, a new packet leaves as an echo comes back, so the
// slower side sets the rate. The echo is one of:
//   anchor   a bare socket echo: recvmmsg(2) / sendmmsg(2) in batches of 32,
//            the bytes sent back untouched;
//   session  cosip's RtpSession on the same recvmmsg/sendmmsg loop: every
//            datagram through on_datagram (SRTP, parse, statistics), the
//            reply made by send_audio (serialize, SRTP) from its payload;
//   stream   cosip's RtpStream (Asio; one send per reply), its on_audio
//            callback calling send_audio.
// Plain RTP (172-byte packets) and SRTP (AES_CM_128_HMAC_SHA1_80, 182
// bytes); the generator makes its packets with an RtpSession in every run,
// the anchor's included, so that its load is the same. Each figure is the
// best of R runs, the echoes alternating; busy% is the echo thread's CPU
// time over the run (near 100: the echo is the bottleneck, not the
// generator). Echo sockets keep the kernel's default buffer sizes, as
// RtpStream's do.
//
//   rtp_echo_bench [--quick] [--seconds S] [--repeats R] [--window W]
//                  [--echo anchor|session|stream] [--mode rtp|srtp]   (one only)
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "bench/rtp_bench.hpp"
#include "rtp/rtp_session.hpp"
#include "rtp/rtp_stream.hpp"

namespace {

using namespace cosip;
namespace asio = boost::asio;

constexpr unsigned batch = 32;
constexpr std::size_t slot_size = 2048;
constexpr std::size_t payload_size = 160;  // 20 ms of PCMU
constexpr std::uint32_t samples = 160;
constexpr int generator_core = 0;
constexpr int echo_core = 1;
constexpr const char* suite = bench::rtp_bench_suite;
constexpr const char* generator_key = bench::rtp_bench_key_a;
constexpr const char* echo_key = bench::rtp_bench_key_b;
constexpr const char* cname = "rtp_echo_bench";

enum class Echo { anchor, session, stream };
const char* name(Echo e) {
  switch (e) {
    case Echo::anchor: return "anchor (bare recvmmsg/sendmmsg)";
    case Echo::session: return "cosip RtpSession + recvmmsg/sendmmsg";
    case Echo::stream: return "cosip RtpStream";
  }
  return "?";
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "rtp_echo_bench: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// A UDP socket bound to 127.0.0.1 on a port the kernel picks; reads time
// out after 20 ms so that loops can look at their stop flag.
int loopback_socket(sockaddr_in& bound) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) fail("socket");
  bound = {};
  bound.sin_family = AF_INET;
  bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&bound), sizeof bound) != 0) fail("bind");
  socklen_t length = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) fail("getsockname");
  const timeval timeout{0, 20'000};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) fail("SO_RCVTIMEO");
  return fd;
}

// `batch` datagram slots for recvmmsg/sendmmsg, each with its peer's address.
struct Batch {
  std::vector<std::uint8_t> data = std::vector<std::uint8_t>(batch * slot_size);
  std::array<::mmsghdr, batch> headers{};
  std::array<::iovec, batch> vectors{};
  std::array<sockaddr_in, batch> peers{};

  explicit Batch(bool addressed) {
    for (unsigned i = 0; i < batch; ++i) {
      vectors[i] = {slot(i), slot_size};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      if (addressed) {
        headers[i].msg_hdr.msg_name = &peers[i];
        headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      }
    }
  }
  std::uint8_t* slot(unsigned i) { return data.data() + i * slot_size; }
  // Ready to receive again into the first `n` slots.
  void reset(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      vectors[i].iov_len = slot_size;
      if (headers[i].msg_hdr.msg_name != nullptr) headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
  }
};

// Sends the first `n` datagrams of `b`, waiting for room when the socket
// buffer is full.
void send_all(int fd, Batch& b, unsigned n) {
  unsigned done = 0;
  while (done < n) {
    const int k = ::sendmmsg(fd, b.headers.data() + done, n - done, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNREFUSED) return;  // the generator has gone
      fail("sendmmsg");
    }
    done += static_cast<unsigned>(k);
  }
}

std::unique_ptr<rtp::RtpSession> make_session(bool srtp, bool generator, std::uint64_t seed) {
  const rtp::TimePoint now = rtp::Clock::now();
  auto s = std::make_unique<rtp::RtpSession>(now, rtp::seeded_random(seed), [](rtp::TimePoint) { return std::uint64_t{0}; });
  const rtp::RtpSessionConfig c = generator ? bench::rtp_bench_session(srtp, generator_key, echo_key, cname)
                                            : bench::rtp_bench_session(srtp, echo_key, generator_key, cname);
  if (s->configure(c, now)) {
    std::fprintf(stderr, "rtp_echo_bench: SRTP keys refused\n");
    std::exit(1);
  }
  return s;
}

// ---- echoes (on core 1) ------------------------------------------------------

void bare_echo(int fd, const std::atomic<bool>& stop) {
  Batch b(true);
  while (!stop.load(std::memory_order_relaxed)) {
    b.reset(batch);
    const int n = ::recvmmsg(fd, b.headers.data(), batch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;  // timeout: look at the stop flag
    for (int i = 0; i < n; ++i) b.vectors[i].iov_len = b.headers[i].msg_len;
    send_all(fd, b, static_cast<unsigned>(n));
  }
}

// RtpSession with the I/O of bare_echo; the timer work RtpStream's timer
// would do (inactivity, RTCP) is done once per batch.
void session_echo(int fd, rtp::RtpSession& session, const std::atomic<bool>& stop) {
  Batch in(true), out(true);
  std::vector<rtp::TelephoneEventNotice> events;
  while (!stop.load(std::memory_order_relaxed)) {
    in.reset(batch);
    const int n = ::recvmmsg(fd, in.headers.data(), batch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    const rtp::TimePoint now = rtp::Clock::now();
    unsigned replies = 0;
    for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
      events.clear();
      const rtp::Received r = session.on_datagram({in.slot(i), slot_size}, in.headers[i].msg_len, false, now, events);
      if (r.kind != rtp::Received::Kind::audio) continue;
      const std::optional<rtp::Transmit> t = session.send_audio(r.payload, samples, now);
      if (!t) continue;
      // The reply's bytes live in the session until its next call: copied out.
      std::memcpy(out.slot(replies), t->bytes.data(), t->bytes.size());
      out.vectors[replies].iov_len = t->bytes.size();
      out.peers[replies] = in.peers[i];
      ++replies;
    }
    send_all(fd, out, replies);
    if (const std::optional<rtp::TimePoint> next = session.next_timeout(); next && *next <= now) session.on_timeout(now);
    while (const std::optional<rtp::Transmit> t = session.poll_transmit(now))
      ::sendto(fd, t->bytes.data(), t->bytes.size(), 0, reinterpret_cast<const sockaddr*>(&in.peers[0]),
               sizeof(sockaddr_in));
  }
}

// ---- generator (on core 0) --------------------------------------------------

struct Run {
  double packets_per_second = 0;
  double echo_busy = 0;       // echo thread CPU seconds / wall seconds
  double generator_busy = 0;  // the same for the generator
  double echo_ns = 0;         // echo thread CPU ns per packet echoed
  std::uint64_t stalls = 0;
};

double thread_cpu_seconds(clockid_t clock) {
  timespec t{};
  ::clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Sends to `to` from `fd` with `window` packets in flight and counts the
// echoes of the expected size that come back between warm-up and the end.
// A window stalled for 20 ms (a datagram lost) starts again and is counted.
Run generate(int fd, const sockaddr_in& to, rtp::RtpSession& session, std::size_t packet_size, unsigned window,
             double seconds, clockid_t echo_clock) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) fail("connect");
  Batch out(false), in(false);
  const std::array<std::uint8_t, payload_size> payload = [] {
    std::array<std::uint8_t, payload_size> p;
    p.fill(0xff);  // PCMU silence
    return p;
  }();
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto from = start + std::chrono::milliseconds(200);
  const auto until = from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  bool measuring = false;
  Clock::time_point t0;
  double cpu0 = 0, generator_cpu0 = 0;
  std::uint64_t in_flight = 0, echoes = 0, stalls = 0;
  Clock::time_point now = start;
  for (;;) {
    now = Clock::now();
    if (!measuring && now >= from) {
      measuring = true;
      t0 = now;
      echoes = 0;
      stalls = 0;
      cpu0 = thread_cpu_seconds(echo_clock);
      generator_cpu0 = thread_cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    }
    if (now >= until) break;
    const unsigned k = static_cast<unsigned>(std::min<std::uint64_t>(batch, window - std::min<std::uint64_t>(window, in_flight)));
    for (unsigned j = 0; j < k; ++j) {
      const std::optional<rtp::Transmit> t = session.send_audio(payload, samples, now);
      if (!t || t->bytes.size() != packet_size) {
        std::fprintf(stderr, "rtp_echo_bench: the generator made no packet of %zu bytes\n", packet_size);
        std::exit(1);
      }
      std::memcpy(out.slot(j), t->bytes.data(), t->bytes.size());
      out.vectors[j].iov_len = t->bytes.size();
    }
    send_all(fd, out, k);
    in_flight += k;
    in.reset(batch);
    const int n = ::recvmmsg(fd, in.headers.data(), batch, in_flight >= window ? MSG_WAITFORONE : MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && in_flight >= window) {
        ++stalls;
        in_flight = 0;
      }
      continue;
    }
    for (int i = 0; i < n; ++i) {
      // RTP of payload type 0 and the size sent: an echo (RTCP is not).
      if (in.headers[i].msg_len != packet_size || (in.slot(static_cast<unsigned>(i))[1] & 0x7f) != 0) continue;
      if (in_flight > 0) --in_flight;
      ++echoes;
    }
  }
  Run r;
  const double wall = std::chrono::duration<double>(now - t0).count();
  r.packets_per_second = static_cast<double>(echoes) / wall;
  const double echo_cpu = thread_cpu_seconds(echo_clock) - cpu0;
  r.echo_busy = echo_cpu / wall;
  r.generator_busy = (thread_cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - generator_cpu0) / wall;
  r.echo_ns = echoes > 0 ? echo_cpu * 1e9 / static_cast<double>(echoes) : 0;
  r.stalls = stalls;
  return r;
}

void check_counters(const rtp::RtpSessionCounters& c) {
  // The first packets of the generator's source are on probation (RFC 3550
  // A.1); any other drop is a broken benchmark.
  if (c.packets_received == 0 || c.dropped > 2 || c.packets_sent + 2 < c.packets_received) {
    std::fprintf(stderr, "rtp_echo_bench: the echo session dropped %llu of %llu packets\n",
                 static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(c.packets_received));
    std::exit(1);
  }
}

Run run_once(Echo echo, bool srtp, unsigned window, double seconds) {
  sockaddr_in generator_address{};
  const int generator_fd = loopback_socket(generator_address);
  auto generator = make_session(srtp, true, 1);
  const std::size_t packet_size = 12 + payload_size + (srtp ? 10 : 0);
  std::atomic<bool> stop{false};
  std::atomic<bool> pinned{true};
  Run result;

  const auto drive = [&](const sockaddr_in& echo_address, clockid_t echo_clock) {
    std::thread g([&] {
      if (!bench::pin_to_core(generator_core)) pinned = false;
      result = generate(generator_fd, echo_address, *generator, packet_size, window, seconds, echo_clock);
    });
    g.join();
  };
  const auto echo_clock_of = [](std::thread& t) {
    clockid_t c{};
    if (::pthread_getcpuclockid(t.native_handle(), &c) != 0) fail("pthread_getcpuclockid");
    return c;
  };

  if (echo == Echo::stream) {
    asio::io_context io(1);
    std::string error;
    std::shared_ptr<rtp::RtpStream> stream =
        rtp::RtpStream::open(io.get_executor(), asio::ip::address_v4::loopback(), true, 40000, 40998, error);
    if (!stream) {
      std::fprintf(stderr, "rtp_echo_bench: %s\n", error.c_str());
      std::exit(1);
    }
    const asio::ip::udp::endpoint peer(asio::ip::address_v4::loopback(), ntohs(generator_address.sin_port));
    rtp::RtpStream::Callbacks callbacks;
    rtp::RtpStream* s = stream.get();
    callbacks.on_audio = [s](const rtp::AudioPacket& p) { s->send_audio(p.payload, samples); };
    if (stream->start(bench::rtp_bench_session(srtp, echo_key, generator_key, cname), peer, peer,
                      std::move(callbacks))) {
      std::fprintf(stderr, "rtp_echo_bench: SRTP keys refused\n");
      std::exit(1);
    }
    const auto work = asio::make_work_guard(io);
    std::thread e([&] {
      if (!bench::pin_to_core(echo_core)) pinned = false;
      io.run();
    });
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(stream->port());
    drive(to, echo_clock_of(e));
    io.stop();
    e.join();
    check_counters(stream->session().counters());
    stream->stop();
    stream.reset();
    io.restart();
    io.poll();
  } else {
    sockaddr_in echo_address{};
    const int echo_fd = loopback_socket(echo_address);
    auto session = make_session(srtp, false, 2);
    std::thread e([&] {
      if (!bench::pin_to_core(echo_core)) pinned = false;
      if (echo == Echo::anchor) bare_echo(echo_fd, stop);
      else session_echo(echo_fd, *session, stop);
    });
    drive(echo_address, echo_clock_of(e));
    stop = true;
    e.join();
    if (echo == Echo::session) check_counters(session->counters());
    ::close(echo_fd);
  }
  ::close(generator_fd);
  if (!pinned) {
    std::fprintf(stderr, "rtp_echo_bench: cannot pin threads to cores %d and %d\n", generator_core, echo_core);
    std::exit(1);
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  int repeats = 3;
  unsigned window = 128;
  std::string only_echo, only_mode;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      seconds = 0.3;
      repeats = 1;
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::strtod(argv[++i], nullptr);
    } else if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
    } else if (arg == "--echo" && i + 1 < argc) {
      only_echo = argv[++i];
    } else if (arg == "--mode" && i + 1 < argc) {
      only_mode = argv[++i];
    } else if (arg == "--window" && i + 1 < argc) {
      window = static_cast<unsigned>(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: rtp_echo_bench [--quick] [--seconds S] [--repeats R] [--window W]\n"
                           "                      [--echo anchor|session|stream] [--mode rtp|srtp]\n");
      return 2;
    }
  }
  if (seconds <= 0 || repeats < 1 || window < 1) {
    std::fprintf(stderr, "rtp_echo_bench: --seconds, --repeats and --window must be positive\n");
    return 2;
  }
  std::printf("RTP echo over loopback UDP: packets echoed per second, generator on core %d, echo on core %d,\n"
              "closed loop with %u packets in flight; 20 ms PCMU (172 bytes; SRTP %s: 182 bytes).\n"
              "Best of %d runs of %.1f s each (by packets/s). ns/pkt: echo thread CPU time per packet echoed;\n"
              "busy%% / gen%%: echo / generator thread CPU time over wall time (below 100 on both: the\n"
              "machine's other load or the loopback's latency, not either side's work, set the rate).\n",
              generator_core, echo_core, window, suite, repeats, seconds);
  std::printf("%-5s %-38s %10s %8s %6s %6s %6s %9s\n", "mode", "echo", "packets/s", "ns/pkt", "busy%", "gen%",
              "stalls", "x anchor");
  constexpr Echo echoes[] = {Echo::anchor, Echo::session, Echo::stream};
  constexpr const char* echo_names[] = {"anchor", "session", "stream"};
  for (const bool srtp : {false, true}) {
    if (!only_mode.empty() && only_mode != (srtp ? "srtp" : "rtp")) continue;
    const auto wanted = [&](std::size_t e) { return only_echo.empty() || only_echo == echo_names[e]; };
    std::array<Run, 3> best{};
    // The echoes alternate so that each sees the same load on a shared machine.
    for (int r = 0; r < repeats; ++r)
      for (std::size_t e = 0; e < 3; ++e) {
        if (!wanted(e)) continue;
        const Run run = run_once(echoes[e], srtp, window, seconds);
        if (run.packets_per_second > best[e].packets_per_second) best[e] = run;
      }
    for (std::size_t e = 0; e < 3; ++e) {
      if (!wanted(e)) continue;
      std::printf("%-5s %-38s %10.0f %8.0f %6.0f %6.0f %6llu ", srtp ? "SRTP" : "RTP", name(echoes[e]),
                  best[e].packets_per_second, best[e].echo_ns, best[e].echo_busy * 100, best[e].generator_busy * 100,
                  static_cast<unsigned long long>(best[e].stalls));
      if (best[0].packets_per_second > 0) std::printf("%9.2f\n", best[e].packets_per_second / best[0].packets_per_second);
      else std::printf("%9s\n", "n/a");
    }
  }
  std::printf("goal: cosip >= 0.80 x anchor. stalls: windows restarted after 20 ms without an echo (a datagram lost).\n");
  return 0;
}
