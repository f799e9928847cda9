// Fuzz target for SRTP/SRTCP packet processing through SrtpSession (libsrtp2
// underneath). The first byte chooses the suite (bits 0-1) and RTP or RTCP
// (bit 2); the rest is a packet. Fresh sessions per input keep runs
// reproducible. The packet is unprotected as if received (any result but a
// crash is fine), then protected as if sent: what protect accepts must
// unprotect at the peer to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtp/srtp/srtp_session.hpp"

namespace {

using namespace cosip::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

// Fixed keys: the fuzzer is to explore packets, not keys.
constexpr const char* key_a = "4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm";
constexpr const char* key_b = "AAECAwQFBgcICQoLDA0OD6ChoqOkpaanqKmqq6yt";
constexpr const char* gcm_a = "4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOg==";
constexpr const char* gcm_b = "AAECAwQFBgcICQoLDA0OD6ChoqOkpaanqKmqqw==";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  constexpr SrtpSuite suites[] = {SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32,
                                  SrtpSuite::aead_aes_128_gcm, SrtpSuite::aes_cm_128_hmac_sha1_80};
  const SrtpSuite suite = suites[mode & 3];
  const bool rtcp = (mode & 4) != 0;
  const bool gcm = suite == SrtpSuite::aead_aes_128_gcm;
  const std::string_view name = to_string(suite);
  SrtpSession alice, bob;
  check(!alice.set_keys({name, gcm ? gcm_a : key_a}, {name, gcm ? gcm_b : key_b}));
  check(!bob.set_keys({name, gcm ? gcm_b : key_b}, {name, gcm ? gcm_a : key_a}));

  const std::vector<std::uint8_t> packet(data + 1, data + size);
  std::vector<std::uint8_t> buffer = packet;
  std::size_t n = buffer.size();
  const SrtpErrc received = rtcp ? bob.unprotect_rtcp(buffer, n) : bob.unprotect_rtp(buffer, n);
  check(received != SrtpErrc::ok || n <= packet.size());

  buffer = packet;
  buffer.resize(packet.size() + (rtcp ? alice.rtcp_overhead() : alice.rtp_overhead()));
  n = packet.size();
  if ((rtcp ? alice.protect_rtcp(buffer, n) : alice.protect_rtp(buffer, n)) != SrtpErrc::ok) return 0;
  SrtpSession peer;  // a receiver that has not seen the packet above
  check(!peer.set_keys({name, gcm ? gcm_b : key_b}, {name, gcm ? gcm_a : key_a}));
  check((rtcp ? peer.unprotect_rtcp(buffer, n) : peer.unprotect_rtp(buffer, n)) == SrtpErrc::ok);
  check(n == packet.size() && std::memcmp(buffer.data(), packet.data(), n) == 0);
  return 0;
}
