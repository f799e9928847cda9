// Protect+unprotect through bare libsrtp2 calls, for the SRTP benchmark's
// anchors: compiled once against the OpenSSL subproject (srtp_bench) and
// once against Debian's NSS library (srtp_nss_bench).
#pragma once

#include <cstddef>

struct srtp_ctx_t_;  // libsrtp's context

namespace cosip::bench {

// A libsrtp2 context keyed with `key` (30 bytes of key||salt, GCM reads 28),
// for any SSRC, as SrtpSession makes them; null when this build refuses
// the suite. libsrtp is initialised on the first call.
srtp_ctx_t_* make_bare_context(const char* suite, bool outbound, unsigned char* key);

// ns per protect+unprotect of one RTP packet with `payload` bytes, or a
// negative value when this libsrtp2 build refuses the suite.
double bare_libsrtp_ns(const char* suite, std::size_t payload, double min_seconds, int repeats);

const char* bare_libsrtp_version();

}  // namespace cosip::bench
