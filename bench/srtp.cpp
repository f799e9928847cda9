// SRTP benchmark: protect+unprotect of 20 ms Opus packets (12-byte RTP
// header, 80 and 160 bytes of payload), one pair of contexts per suite:
//   (a) cosip's SrtpSession, on the libsrtp2 the build uses;
//   (b) bare libsrtp2 calls on that same library (the anchor for (a));
//   (c) bare calls on Debian's libsrtp2, built on NSS: run as a separate
//       program (srtp_nss_bench) since the two libraries' symbols collide.
// Prints ns per packet side by side, with "a/b" = b_ns / a_ns (cosip's
// speed relative to bare libsrtp: the goal is >= 0.9) and "c/b" = c_ns / b_ns
// (how much slower the NSS build is). Each figure is the best of 5 runs of at
// least 0.3 s (--quick: 3 of 0.1 s), the runs of (a) and (b) alternating.
//
//   srtp_bench [--quick] [--nss PATH-TO-srtp_nss_bench]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "bench/srtp_bare.hpp"
#include "bench/srtp_timing.hpp"
#include "rtp/srtp/sdes.hpp"
#include "rtp/srtp/srtp_session.hpp"

namespace {

using namespace cosip;

// bench_key_salt in base64, as an a=crypto line carries it (30 bytes; GCM's first 28).
const char* bench_key_base64(rtp::SrtpSuite suite) {
  return suite == rtp::SrtpSuite::aead_aes_128_gcm ? "4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOg=="
                                                   : "4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm";
}

double cosip_ns(const char* suite_name, std::size_t payload, double min_seconds, int repeats) {
  const auto suite = rtp::parse_srtp_suite(suite_name);
  if (!suite) std::abort();
  const char* key = bench_key_base64(*suite);
  rtp::SrtpSession sender, receiver;
  if (sender.set_keys({suite_name, key}, {suite_name, key}) || receiver.set_keys({suite_name, key}, {suite_name, key}))
    std::abort();
  alignas(8) std::uint8_t buffer[bench::rtp_header_size + 160 + 32];
  std::uint16_t seq = 0;
  return bench::best_ns(
      [&] {
        bench::write_rtp(buffer, ++seq, payload);
        std::size_t size = bench::rtp_header_size + payload;
        return sender.protect_rtp(buffer, size) == rtp::SrtpErrc::ok &&
               receiver.unprotect_rtp(buffer, size) == rtp::SrtpErrc::ok && size == bench::rtp_header_size + payload;
      },
      min_seconds, repeats);
}

// (c): srtp_nss_bench's lines, keyed by "suite payload"; its version in `version`.
std::map<std::string, double> run_nss(const std::string& path, bool quick, std::string& version) {
  std::map<std::string, double> out;
  if (path.empty()) return out;
  const std::string command = "'" + path + "'" + (quick ? " --quick" : "");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char line[256];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.starts_with("version ")) {
      version = text.substr(8);
      continue;
    }
    const std::size_t last = text.rfind(' ');
    if (last == std::string::npos) continue;
    out[text.substr(0, last)] = std::strtod(text.c_str() + last + 1, nullptr);
  }
  if (pclose(pipe) != 0) out.clear();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double min_seconds = 0.3;
  int repeats = 5;
  bool quick = false;
  std::string nss;
#ifdef COSIP_SRTP_NSS_BENCH
  nss = COSIP_SRTP_NSS_BENCH;
#endif
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
      min_seconds = 0.1;
      repeats = 3;
    } else if (arg == "--nss" && i + 1 < argc) {
      nss = argv[++i];
    } else {
      std::fprintf(stderr, "usage: srtp_bench [--quick] [--nss PATH-TO-srtp_nss_bench]\n");
      return 2;
    }
  }
  std::string nss_version;
  const auto nss_ns = run_nss(nss, quick, nss_version);
  std::printf("(a) cosip SrtpSession, (b) bare %s: %s\n", bench::bare_libsrtp_version(), COSIP_SRTP_ORIGIN);
  if (nss_ns.empty()) std::printf("(c) not run: no srtp_nss_bench given with --nss, or it failed\n");
  else std::printf("(c) bare %s: Debian's system library (NSS)\n", nss_version.c_str());
  std::printf("ns per protect+unprotect of one RTP packet (12-byte header + payload)\n");
  std::printf("%-24s %7s %9s %9s %9s %7s %7s\n", "suite", "payload", "(a)", "(b)", "(c)", "a/b", "c/b");
  for (const char* suite : bench::srtp_suites) {
    for (std::size_t payload : bench::srtp_payloads) {
      // (a) and (b) run alternately so that both see the same load on a shared machine.
      double a = 1e300, b = 1e300;
      for (int r = 0; r < repeats; ++r) {
        a = std::min(a, cosip_ns(suite, payload, min_seconds, 1));
        b = std::min(b, bench::bare_libsrtp_ns(suite, payload, min_seconds, 1));
      }
      const auto it = nss_ns.find(std::string(suite) + " " + std::to_string(payload));
      const double c = it == nss_ns.end() ? -1 : it->second;
      std::printf("%-24s %7zu %9.1f %9.1f ", suite, payload, a, b);
      if (c > 0) std::printf("%9.1f %7.2f %7.2f\n", c, b / a, c / b);
      else std::printf("%9s %7.2f %7s\n", "n/a", b / a, "n/a");
    }
  }
  return 0;
}
