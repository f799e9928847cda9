// How many concurrent 20 ms audio streams one core relays before a tick
// misses its deadline. N streams on one thread (pinned to core 1); every
// tick (20 ms of the streams' clock) each stream receives one packet — a
// 12-byte RTP header and 160 bytes of PCMU, 10 bytes more under SRTP
// AES_CM_128_HMAC_SHA1_80 — and sends one back before the tick ends.
// In-process, no sockets: the packet is copied into a receive buffer as a
// socket read would, just before the stream takes it, and the reply copied
// out as a socket write would; the tick's work, copies included, is timed:
//   cosip    an RtpSession per stream: on_datagram (SRTP, parse, statistics),
//            send_audio from the received payload (serialize, SRTP), then the
//            timer work a shell does (inactivity, RTCP via poll_transmit);
//   anchor   (SRTP only) a bare pair of libsrtp2 contexts per stream:
//            srtp_unprotect then srtp_protect of the same packet, nothing
//            else. The cryptography alone: the least an SRTP relay can cost.
// Ticks run back to back, the streams' clock moving 20 ms a tick. N doubles
// from 1000 while the 99th percentile of T ticks' times stays within 20 ms,
// then is bisected to within P; the largest N held is reported with its
// tick times and the cost per packet (mean tick time / N).
//
//   rtp_streams_bench [--quick] [--ticks T] [--max N] [--only rtp|srtp|anchor]
#include <malloc.h>
#include <sched.h>
#include <srtp2/srtp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/srtp_bare.hpp"
#include "bench/srtp_timing.hpp"
#include "bench/rtp_bench.hpp"
#include "rtp/rtp_session.hpp"

namespace {

using namespace cosip;
using namespace std::chrono_literals;

constexpr int core = 1;
constexpr auto tick_period = 20ms;
constexpr std::size_t payload_size = 160;  // 20 ms of PCMU
constexpr std::uint32_t samples = 160;
constexpr std::size_t slot_size = 256;     // a packet and SRTP's tag
constexpr std::size_t first_n = 1000;
constexpr const char* suite = bench::rtp_bench_suite;
// The peer protects with bench_key_salt (bench/srtp_timing.hpp), the relay with its own key.
constexpr const char* peer_key = bench::rtp_bench_key_a;
constexpr const char* relay_key = bench::rtp_bench_key_b;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "rtp_streams_bench: %s\n", what);
  std::exit(1);
}

std::unique_ptr<rtp::RtpSession> make_session(const rtp::RtpSessionConfig& config, std::uint64_t seed,
                                              rtp::TimePoint now) {
  auto s = std::make_unique<rtp::RtpSession>(now, rtp::seeded_random(seed), [](rtp::TimePoint) { return std::uint64_t{0}; });
  if (s->configure(config, now)) fail("SRTP keys refused");
  return s;
}

// What every stream receives in a tick: the next packet of one peer
// session (the same bytes for all; each stream has its own contexts).
class Peer {
 public:
  Peer(bool srtp, rtp::TimePoint now) {
    // Its first sequence number low enough that no run wraps it: streams
    // that join late would then guess the wrong SRTP rollover counter.
    for (std::uint64_t seed = 7;; ++seed) {
      session_ = make_session(bench::rtp_bench_session(srtp, peer_key, relay_key, "rtp_streams_bench"), seed, now);
      next(now);
      if (sequence() < 30000) break;
    }
  }
  void next(rtp::TimePoint now) {
    const std::optional<rtp::Transmit> t = session_->send_audio(payload_, samples, now);
    if (!t || t->bytes.size() > slot_size) fail("the peer made no packet");
    size_ = t->bytes.size();
    std::memcpy(packet_.data(), t->bytes.data(), size_);
  }
  const std::uint8_t* data() const { return packet_.data(); }
  std::size_t size() const { return size_; }

 private:
  std::uint16_t sequence() const { return static_cast<std::uint16_t>(packet_[2] << 8 | packet_[3]); }
  std::unique_ptr<rtp::RtpSession> session_;
  std::array<std::uint8_t, payload_size> payload_ = [] {
    std::array<std::uint8_t, payload_size> p;
    p.fill(0xff);  // PCMU silence
    return p;
  }();
  std::array<std::uint8_t, slot_size> packet_{};
  std::size_t size_ = 0;
};

// ---- the relays: a pool of streams, the first `active` of which take part ----

class CosipRelay {
 public:
  explicit CosipRelay(bool srtp) : config_(bench::rtp_bench_session(srtp, relay_key, peer_key, "rtp_streams_bench")) {}
  void grow(std::size_t n, rtp::TimePoint now) {
    while (streams_.size() < n) streams_.push_back(make_session(config_, 1000 + streams_.size(), now));
  }
  // One tick's work; returns the replies sent.
  std::size_t tick(std::size_t active, const Peer& peer, rtp::TimePoint now) {
    std::size_t replies = 0;
    for (std::size_t i = 0; i < active; ++i) {
      rtp::RtpSession& session = *streams_[i];
      std::memcpy(rx_.data(), peer.data(), peer.size());  // the socket read
      events_.clear();
      const rtp::Received r = session.on_datagram(rx_, peer.size(), false, now, events_);
      if (r.kind == rtp::Received::Kind::audio) {
        if (const std::optional<rtp::Transmit> t = session.send_audio(r.payload, samples, now)) {
          std::memcpy(tx_.data(), t->bytes.data(), t->bytes.size());
          sink_ ^= tx_[t->bytes.size() - 1];
          ++replies;
        }
      }
      if (const std::optional<rtp::TimePoint> next = session.next_timeout(); next && *next <= now) session.on_timeout(now);
      while (const std::optional<rtp::Transmit> t = session.poll_transmit(now)) sink_ ^= t->bytes[0];
    }
    return replies;
  }
  std::uint8_t sink() const { return sink_; }
  std::size_t size() const { return streams_.size(); }

 private:
  rtp::RtpSessionConfig config_;
  std::vector<std::unique_ptr<rtp::RtpSession>> streams_;
  std::vector<rtp::TelephoneEventNotice> events_;
  std::array<std::uint8_t, slot_size> rx_{};
  std::array<std::uint8_t, slot_size> tx_{};
  std::uint8_t sink_ = 0;
};

class BareSrtpRelay {
 public:
  explicit BareSrtpRelay(bool) {}
  BareSrtpRelay(const BareSrtpRelay&) = delete;
  BareSrtpRelay& operator=(const BareSrtpRelay&) = delete;
  ~BareSrtpRelay() {
    for (Stream& s : streams_) {
      srtp_dealloc(s.rx);
      srtp_dealloc(s.tx);
    }
  }
  void grow(std::size_t n, rtp::TimePoint) {
    while (streams_.size() < n) {
      auto key = bench::bench_key_salt;
      Stream s;
      // In SrtpSession::set_keys's order: with thousands of streams the
      // heap layout this gives changes the cost per packet by up to 2x.
      s.tx = bench::make_bare_context(suite, true, key.data());
      s.rx = bench::make_bare_context(suite, false, key.data());
      if (s.rx == nullptr || s.tx == nullptr) fail("libsrtp2 refused a context");
      streams_.push_back(s);
    }
  }
  std::size_t tick(std::size_t active, const Peer& peer, rtp::TimePoint) {
    std::size_t replies = 0;
    for (std::size_t i = 0; i < active; ++i) {
      std::uint8_t* packet = rx_.data();
      std::memcpy(packet, peer.data(), peer.size());  // the socket read
      int length = static_cast<int>(peer.size());
      if (srtp_unprotect(streams_[i].rx, packet, &length) != srtp_err_status_ok) continue;
      if (srtp_protect(streams_[i].tx, packet, &length) != srtp_err_status_ok) continue;
      std::memcpy(tx_.data(), packet, static_cast<std::size_t>(length));
      sink_ ^= tx_[static_cast<std::size_t>(length) - 1];
      ++replies;
    }
    return replies;
  }
  std::uint8_t sink() const { return sink_; }
  std::size_t size() const { return streams_.size(); }

 private:
  struct Stream {
    srtp_ctx_t_* rx = nullptr;
    srtp_ctx_t_* tx = nullptr;
  };
  std::vector<Stream> streams_;
  std::array<std::uint8_t, slot_size> rx_{};
  std::array<std::uint8_t, slot_size> tx_{};
  std::uint8_t sink_ = 0;
};

// ---- the search ---------------------------------------------------------------

struct Probe {
  std::size_t n = 0;
  bool held = false;
  double p99_ms = 0;
  double mean_ms = 0;
  double max_ms = 0;
};

struct Options {
  int ticks = 100;
  double precision = 0.05;
  std::size_t max_n = 400'000;
  std::string only;  // one relay: rtp, srtp or anchor
};

template <class Relay>
class Search {
 public:
  Search(Relay& relay, bool srtp, const Options& options)
      : relay_(relay), options_(options), now_(rtp::Clock::now()), peer_(srtp, now_) {}

  // The largest N whose ticks held the deadline (0: not even first_n), and
  // that probe; `capped` when N reached --max.
  Probe run(bool& capped) {
    Probe best;
    std::size_t low = 0, high = 0;
    capped = false;
    for (std::size_t n = first_n;; n *= 2) {
      n = std::min(n, options_.max_n);
      const Probe p = probe(n);
      if (!p.held) {
        high = n;
        break;
      }
      best = p;
      low = n;
      if (n == options_.max_n) {
        capped = true;
        return best;
      }
    }
    if (low == 0) return best;
    while ( static_cast<double>(high - low) > options_.precision * static_cast<double>(low)) {
      const std::size_t mid = low + (high - low) / 2;
      const Probe p = probe(mid);
      if (p.held) {
        best = p;
        low = mid;
      } else {
        high = mid;
      }
    }
    return best;
  }

 private:
  Probe probe(std::size_t n) {
    relay_.grow(n, now_);
    // Warm-up ticks, untimed: streams new to the run pass probation (RFC 3550 A.1).
    for (int i = 0; i < 3; ++i) step(n);
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(options_.ticks));
    std::size_t replies = 0;
    for (int i = 0; i < options_.ticks; ++i) {
      std::size_t r = 0;
      ms.push_back(step(n, &r));
      replies += r;
    }
    if (replies != n * static_cast<std::size_t>(options_.ticks)) fail("a stream did not answer every packet");
    std::sort(ms.begin(), ms.end());
    Probe p;
    p.n = n;
    // Nearest-rank 99th percentile.
    const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(ms.size())));
    p.p99_ms = ms[std::max<std::size_t>(rank, 1) - 1];
    p.max_ms = ms.back();
    double sum = 0;
    for (double v : ms) sum += v;
    p.mean_ms = sum / static_cast<double>(ms.size());
    p.held = p.p99_ms <= std::chrono::duration<double, std::milli>(tick_period).count();
    return p;
  }

  // Times the work of one tick: this tick's packet to each of the first n streams.
  double step(std::size_t n, std::size_t* replies = nullptr) {
    now_ += tick_period;
    peer_.next(now_);
    const auto start = std::chrono::steady_clock::now();
    const std::size_t r = relay_.tick(n, peer_, now_);
    const auto end = std::chrono::steady_clock::now();
    if (replies != nullptr) *replies = r;
    return std::chrono::duration<double, std::milli>(end - start).count();
  }

  Relay& relay_;
  Options options_;
  rtp::TimePoint now_;
  Peer peer_;
};

// Bytes the heap has handed out and not taken back (glibc; one thread).
double heap_kib() { return static_cast<double>(::mallinfo2().uordblks) / 1024.0; }

template <class Relay>
void report(const char* label, bool srtp, const Options& options) {
  const double kib_before = heap_kib();
  Relay relay(srtp);
  bool capped = false;
  Search<Relay> search(relay, srtp, options);
  const Probe p = search.run(capped);
  // The heap in use over every stream made, the failed probes' included.
  const double kib_per_stream = (heap_kib() - kib_before) / static_cast<double>(relay.size());
  if (p.n == 0) {
    std::printf("%-40s %10s  (not even %zu streams held)\n", label, "<1000", first_n);
    return;
  }
  std::printf("%-40s %9zu%s %8.2f %8.2f %8.2f %9.0f %9.1f\n", label, p.n, capped ? "+" : " ", p.p99_ms, p.mean_ms,
              p.max_ms, p.mean_ms * 1e6 / static_cast<double>(p.n), kib_per_stream);
  std::fflush(stdout);
  if (relay.sink() == 0x100) std::printf("\n");  // never: keeps the replies' bytes observable
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      options.ticks = 10;
      options.precision = 0.25;
    } else if (arg == "--ticks" && i + 1 < argc) {
      options.ticks = std::atoi(argv[++i]);
    } else if (arg == "--only" && i + 1 < argc) {
      options.only = argv[++i];
    } else if (arg == "--max" && i + 1 < argc) {
      options.max_n = static_cast<std::size_t>(std::atoll(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: rtp_streams_bench [--quick] [--ticks T] [--max N] [--only rtp|srtp|anchor]\n");
      return 2;
    }
  }
  if (options.ticks < 1 || options.max_n < first_n) {
    std::fprintf(stderr, "rtp_streams_bench: --ticks must be positive and --max at least %zu\n", first_n);
    return 2;
  }
  if (!bench::pin_to_core(core)) fail("cannot pin to core 1");
  std::printf("Concurrent 20 ms audio streams relayed by one thread (core %d) before a tick misses 20 ms:\n"
              "each stream receives one packet a tick (172 bytes, SRTP %s 182) and answers it,\n"
              "in-process (no sockets). N doubles from %zu, then bisection to %.0f %%; %d ticks per N,\n"
              "held while the 99th percentile tick (nearest rank) is within 20 ms. %s\n",
              core, suite, first_n, options.precision * 100, options.ticks, bench::bare_libsrtp_version());
  std::printf("%-40s %10s %8s %8s %8s %9s %9s\n", "relay", "streams", "p99 ms", "mean ms", "max ms", "ns/packet",
              "KiB/strm");
  const auto wanted = [&options](const char* name) { return options.only.empty() || options.only == name; };
  if (wanted("rtp")) report<CosipRelay>("cosip RtpSession, RTP", false, options);
  if (wanted("srtp")) report<CosipRelay>("cosip RtpSession, SRTP", true, options);
  if (wanted("anchor")) report<BareSrtpRelay>("anchor: bare libsrtp2 unprotect+protect", true, options);
  std::printf("+: held at --max (%zu), the search stopped there. ns/packet: mean tick time / streams.\n"
              "KiB/strm: heap in use per stream (a stream's whole state: what a tick walks through).\n",
              options.max_n);
  return 0;
}
