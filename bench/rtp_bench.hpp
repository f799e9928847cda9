// Shared by the RTP benchmarks (rtp_echo, rtp_streams): the thread pinning,
// the two SDES keys of the SRTP runs and the session both sides use.
#pragma once

#include "bench/pinning.hpp"
#include "rtp/rtp_session.hpp"

namespace cosip::bench {

inline constexpr const char* rtp_bench_suite = "AES_CM_128_HMAC_SHA1_80";
// bench_key_salt (bench/srtp_timing.hpp) in base64, and a second key.
inline constexpr const char* rtp_bench_key_a = "4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm";
inline constexpr const char* rtp_bench_key_b = "KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RF";

// 20 ms PCMU over rtcp-mux, SRTP with the given keys when `srtp`.
inline rtp::RtpSessionConfig rtp_bench_session(bool srtp, const char* local_key, const char* remote_key,
                                               const char* cname) {
  rtp::RtpSessionConfig c;
  c.payload_type = 0;  // PCMU
  c.clock_rate = 8000;
  c.rtcp_mux = true;
  c.cname = cname;
  if (srtp) {
    c.srtp_suite = rtp_bench_suite;
    c.local_key = local_key;
    c.remote_key = remote_key;
  }
  return c;
}

}  // namespace cosip::bench
