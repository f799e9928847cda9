// Protect+unprotect through bare libsrtp2 calls, for the SRTP benchmark's
// anchors: compiled once against the OpenSSL subproject (srtp_bench) and
// once against Debian's NSS library (srtp_nss_bench).
#pragma once

#include <cstddef>

namespace cosip::bench {

// ns per protect+unprotect of one RTP packet with `payload` bytes, or a
// negative value when this libsrtp2 build refuses the suite.
double bare_libsrtp_ns(const char* suite, std::size_t payload, double min_seconds, int repeats);

const char* bare_libsrtp_version();

}  // namespace cosip::bench
