// The NSS anchor of the SRTP benchmark: bare calls into Debian's libsrtp2
// (built on NSS), apart from srtp_bench because both libraries export the
// same symbols. srtp_bench runs it and reads its lines:
//   version <libsrtp version string>
//   <suite> <payload bytes> <ns per protect+unprotect, negative: refused>
//
//   srtp_nss_bench [--quick]
#include <cstdio>
#include <string>

#include "bench/srtp_bare.hpp"
#include "bench/srtp_timing.hpp"

int main(int argc, char** argv) {
  double min_seconds = 0.3;
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") {
      min_seconds = 0.1;
      repeats = 3;
    } else {
      std::fprintf(stderr, "usage: srtp_nss_bench [--quick]\n");
      return 2;
    }
  }
  std::printf("version %s\n", cosip::bench::bare_libsrtp_version());
  for (const char* suite : cosip::bench::srtp_suites)
    for (std::size_t payload : cosip::bench::srtp_payloads)
      std::printf("%s %zu %.1f\n", suite, payload, cosip::bench::bare_libsrtp_ns(suite, payload, min_seconds, repeats));
  return 0;
}
