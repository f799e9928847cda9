#include "bench/srtp_bare.hpp"

#include <srtp2/srtp.h>

#include <cstring>
#include <mutex>

#include "bench/srtp_timing.hpp"

namespace cosip::bench {

// The same contexts SrtpSession makes: one per direction, SSRC templates.
srtp_t make_bare_context(const char* suite, bool outbound, unsigned char* key) {
  static std::once_flag init;
  std::call_once(init, [] { srtp_init(); });
  srtp_policy_t policy{};
  if (std::strcmp(suite, "AEAD_AES_128_GCM") == 0) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = key;
  srtp_t ctx = nullptr;
  return srtp_create(&ctx, &policy) == srtp_err_status_ok ? ctx : nullptr;
}

const char* bare_libsrtp_version() { return srtp_get_version_string(); }

double bare_libsrtp_ns(const char* suite, std::size_t payload, double min_seconds, int repeats) {
  auto key = bench_key_salt;
  srtp_t tx = make_bare_context(suite, true, key.data());
  srtp_t rx = make_bare_context(suite, false, key.data());
  if (tx == nullptr || rx == nullptr) {
    if (tx != nullptr) srtp_dealloc(tx);
    if (rx != nullptr) srtp_dealloc(rx);
    return -1;
  }
  alignas(8) std::uint8_t buffer[rtp_header_size + 160 + SRTP_MAX_TRAILER_LEN];
  std::uint16_t seq = 0;
  const double ns = best_ns(
      [&] {
        write_rtp(buffer, ++seq, payload);
        int length = static_cast<int>(rtp_header_size + payload);
        return srtp_protect(tx, buffer, &length) == srtp_err_status_ok &&
               srtp_unprotect(rx, buffer, &length) == srtp_err_status_ok &&
               length == static_cast<int>(rtp_header_size + payload);
      },
      min_seconds, repeats);
  srtp_dealloc(tx);
  srtp_dealloc(rx);
  return ns;
}

}  // namespace cosip::bench
