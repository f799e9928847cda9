#include "rtp/srtp/srtp_session.hpp"

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include <utility>

namespace cosip::rtp {
namespace {

// RFC 3550 §5.1: the fixed RTP header; §6.4.1: an RTCP header with its SSRC.
constexpr std::size_t rtp_header_size = 12;
constexpr std::size_t rtcp_header_size = 8;
// One UDP datagram at most.
constexpr std::size_t max_packet_size = 65535;

// srtp_init once per process; a function-local static is initialised once,
// thread-safely (C++ [stmt.dcl]/4). libsrtp is never shut down.
srtp_err_status_t library_status() {
  static const srtp_err_status_t status = srtp_init();
  return status;
}

SrtpErrc from_libsrtp(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return SrtpErrc::ok;
    case srtp_err_status_auth_fail: return SrtpErrc::auth_failure;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpErrc::replay;
    case srtp_err_status_bad_mki: return SrtpErrc::unknown_mki;
    case srtp_err_status_key_expired: return SrtpErrc::key_expired;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return SrtpErrc::malformed_packet;
    default: return SrtpErrc::crypto_failure;
  }
}

void set_crypto_policy(SrtpSuite suite, srtp_policy_t& policy) {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpSuite::aes_cm_128_hmac_sha1_32:
      // RFC 4568 §6.2.2: the 32-bit tag is for SRTP only; SRTCP keeps 80 bits.
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpSuite::aead_aes_128_gcm:
      // RFC 7714 §14.2: a 16-byte tag, SRTCP encrypted too.
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
  }
}

std::size_t rtp_tag_length(SrtpSuite suite) {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80: return 10;
    case SrtpSuite::aes_cm_128_hmac_sha1_32: return 4;
    case SrtpSuite::aead_aes_128_gcm: return 16;
  }
  return 16;
}

std::size_t rtcp_tag_length(SrtpSuite suite) {
  return suite == SrtpSuite::aead_aes_128_gcm ? 16 : 10;
}

bool same_key(const SrtpMasterKey& a, const SrtpMasterKey& b) {
  return a.suite == b.suite && a.key_salt == b.key_salt && a.mki_length == b.mki_length && a.mki == b.mki;
}

}  // namespace

void SrtpSession::Deleter::operator()(srtp_ctx_t_* ctx) const { srtp_dealloc(ctx); }

// One libsrtp context for all SSRCs of one direction (ssrc_any_outbound or
// ssrc_any_inbound: a context holds one template only).
struct SrtpSession::Direction {
  static SrtpError create(const SrtpMasterKey& key, bool outbound, Context& out) {
    if (const srtp_err_status_t status = library_status(); status != srtp_err_status_ok)
      return SrtpError{SrtpErrc::crypto_failure, "srtp_init failed with status " + std::to_string(status)};
    srtp_policy_t policy{};
    set_crypto_policy(key.suite, policy);
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    // libsrtp derives its session keys in srtp_create and keeps no pointer
    // to these copies.
    SrtpMasterKey copy = key;
    srtp_master_key_t master{copy.key_salt.data(), copy.mki.data(), copy.mki_length};
    srtp_master_key_t* keys[] = {&master};
    if (copy.mki_length > 0) {
      policy.keys = keys;
      policy.num_master_keys = 1;
    } else {
      policy.key = copy.key_salt.data();
    }
    srtp_t ctx = nullptr;
    const srtp_err_status_t status = srtp_create(&ctx, &policy);
    OPENSSL_cleanse(copy.key_salt.data(), copy.key_salt.size());
    if (status != srtp_err_status_ok)
      return SrtpError{SrtpErrc::crypto_failure, "srtp_create failed with status " + std::to_string(status)};
    out.reset(ctx);
    return {};
  }
};

SrtpSession::SrtpSession() = default;
SrtpSession::SrtpSession(SrtpSession&&) noexcept = default;
SrtpSession& SrtpSession::operator=(SrtpSession&&) noexcept = default;

SrtpSession::~SrtpSession() {
  OPENSSL_cleanse(local_.key_salt.data(), local_.key_salt.size());
  OPENSSL_cleanse(remote_.key_salt.data(), remote_.key_salt.size());
}

SrtpError SrtpSession::set_keys(const SdesKey& local, const SdesKey& remote) {
  SrtpMasterKey ours, theirs;
  if (SrtpError e = decode_sdes_key(local, ours, "local key")) return e;
  if (SrtpError e = decode_sdes_key(remote, theirs, "remote key")) return e;
  if (ours.suite != theirs.suite) {
    return SrtpError{SrtpErrc::suite_mismatch, "local key " + std::string(to_string(ours.suite)) + ", remote key " +
                                                   std::string(to_string(theirs.suite))};
  }
  // libsrtp 2.5 looks for a received SRTCP packet's MKI one SRTP tag length
  // from its end, where SRTCP's tag is longer (fixed later: cisco/libsrtp#733).
  if (theirs.mki_length > 0 && theirs.suite == SrtpSuite::aes_cm_128_hmac_sha1_32) {
    return SrtpError{SrtpErrc::bad_mki,
                     "remote key: an MKI with AES_CM_128_HMAC_SHA1_32 is not supported (libsrtp 2.5 misplaces it in SRTCP)"};
  }
  // RFC 4568 §7.1.4: a direction whose key a re-INVITE leaves as it was keeps
  // its crypto context (rollover counter, replay window); a new key starts
  // a new one. Both new contexts are made before either old one is freed.
  const bool new_tx = !tx_ || !same_key(ours, local_);
  const bool new_rx = !rx_ || !same_key(theirs, remote_);
  Context tx, rx;
  if (new_tx)
    if (SrtpError e = Direction::create(ours, true, tx)) return e;
  if (new_rx)
    if (SrtpError e = Direction::create(theirs, false, rx)) return e;
  if (new_tx) {
    tx_ = std::move(tx);
    sent_rtp_ = sent_rtcp_ = 0;
  }
  if (new_rx) {
    rx_ = std::move(rx);
    received_rtp_ = received_rtcp_ = 0;
  }
  local_ = ours;
  remote_ = theirs;
  OPENSSL_cleanse(ours.key_salt.data(), ours.key_salt.size());
  OPENSSL_cleanse(theirs.key_salt.data(), theirs.key_salt.size());
  rtp_tag_ = rtp_tag_length(local_.suite);
  rtcp_tag_ = rtcp_tag_length(local_.suite);
  return {};
}

SrtpErrc SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t& size) {
  if (!tx_) return SrtpErrc::no_keys;
  if (size < rtp_header_size || size > buffer.size() || size > max_packet_size) return SrtpErrc::malformed_packet;
  if (buffer.size() - size < rtp_overhead()) return SrtpErrc::buffer_too_small;
  if (sent_rtp_ >= local_.lifetime) return SrtpErrc::key_expired;
  int length = static_cast<int>(size);
  const SrtpErrc e = from_libsrtp(srtp_protect_mki(tx_.get(), buffer.data(), &length, local_.mki_length > 0, 0));
  if (e != SrtpErrc::ok) return e;
  ++sent_rtp_;
  size = static_cast<std::size_t>(length);
  return SrtpErrc::ok;
}

SrtpErrc SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& size) {
  if (!tx_) return SrtpErrc::no_keys;
  if (size < rtcp_header_size || size > buffer.size() || size > max_packet_size) return SrtpErrc::malformed_packet;
  if (buffer.size() - size < rtcp_overhead()) return SrtpErrc::buffer_too_small;
  if (sent_rtcp_ >= local_.lifetime) return SrtpErrc::key_expired;
  int length = static_cast<int>(size);
  const SrtpErrc e = from_libsrtp(srtp_protect_rtcp_mki(tx_.get(), buffer.data(), &length, local_.mki_length > 0, 0));
  if (e != SrtpErrc::ok) return e;
  ++sent_rtcp_;
  size = static_cast<std::size_t>(length);
  return SrtpErrc::ok;
}

SrtpErrc SrtpSession::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t& size) {
  return unprotect(false, buffer, size);
}

SrtpErrc SrtpSession::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t& size) {
  return unprotect(true, buffer, size);
}

SrtpErrc SrtpSession::unprotect(bool rtcp, std::span<std::uint8_t> buffer, std::size_t& size) {
  if (!rx_) return SrtpErrc::no_keys;
  if (size < (rtcp ? rtcp_header_size : rtp_header_size) || size > buffer.size() || size > max_packet_size)
    return SrtpErrc::malformed_packet;
  std::uint64_t& received = rtcp ? received_rtcp_ : received_rtp_;
  if (received >= remote_.lifetime) return SrtpErrc::key_expired;
  int length = static_cast<int>(size);
  const bool mki = remote_.mki_length > 0;
  const SrtpErrc e = from_libsrtp(rtcp ? srtp_unprotect_rtcp_mki(rx_.get(), buffer.data(), &length, mki)
                                       : srtp_unprotect_mki(rx_.get(), buffer.data(), &length, mki));
  switch (e) {
    case SrtpErrc::ok:
      ++received;
      size = static_cast<std::size_t>(length);
      break;
    case SrtpErrc::auth_failure: ++(rtcp ? counters_.rtcp_auth_failures : counters_.rtp_auth_failures); break;
    case SrtpErrc::replay: ++(rtcp ? counters_.rtcp_replays : counters_.rtp_replays); break;
    default: break;
  }
  return e;
}

}  // namespace cosip::rtp
