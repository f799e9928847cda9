// An SRTP session for one media stream (RFC 3711; AEAD_AES_128_GCM of
// RFC 7714), keyed by SDES (RFC 4568): our key protects what we send, the
// peer's key unprotects what we receive. libsrtp2 does the cryptography.
//
// Flow:
//   offer/answer done -> set_keys(ours, peer's)   (again on a re-INVITE that
//                        changes keys: fresh contexts, the old ones freed)
//   send:    RTP/RTCP packet in a buffer with room after it
//            -> protect_rtp / protect_rtcp, in place; the size grows by
//               rtp_overhead() / rtcp_overhead()
//   receive: SRTP/SRTCP packet -> unprotect_rtp / unprotect_rtcp, in place;
//            an authentication or replay failure is counted and the packet
//            is to be dropped (RFC 3711 §3.3 step 5, §3.4)
//
// No allocation per packet (libsrtp allocates once per new SSRC). One thread
// may protect while another unprotects; each side is used by one thread at
// a time, and set_keys by neither at that time. libsrtp is initialised once
// per process, on first use, thread-safely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "rtp/srtp/error.hpp"
#include "rtp/srtp/sdes.hpp"

struct srtp_ctx_t_;  // libsrtp's context, kept out of cosip's headers

namespace cosip::rtp {

struct SrtpCounters {
  std::uint64_t rtp_auth_failures = 0;
  std::uint64_t rtp_replays = 0;
  std::uint64_t rtcp_auth_failures = 0;
  std::uint64_t rtcp_replays = 0;
};

class SrtpSession {
 public:
  SrtpSession();
  ~SrtpSession();
  SrtpSession(SrtpSession&&) noexcept;
  SrtpSession& operator=(SrtpSession&&) noexcept;

  // `local`: the key of our a=crypto line (we send with it); `remote`: the
  // peer's (RFC 4568 §6.1). Both must name the same suite. On error the
  // session keeps the keys it had. Counters survive a key change.
  SrtpError set_keys(const SdesKey& local, const SdesKey& remote);
  bool has_keys() const { return tx_ != nullptr; }
  SrtpSuite suite() const { return local_.suite; }

  // In place. `buffer` holds the packet in its first `size` bytes and has
  // room after it; on success `size` is the new size. On error the packet
  // is not to be sent (protect) or used (unprotect).
  SrtpErrc protect_rtp(std::span<std::uint8_t> buffer, std::size_t& size);
  SrtpErrc protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& size);
  SrtpErrc unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t& size);
  SrtpErrc unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t& size);

  // Bytes protect_* adds: tag and MKI (RFC 3711 §3.1), and for SRTCP the
  // E flag and index (§3.4).
  std::size_t rtp_overhead() const { return rtp_tag_ + local_.mki_length; }
  std::size_t rtcp_overhead() const { return 4 + rtcp_tag_ + local_.mki_length; }

  const SrtpCounters& counters() const { return counters_; }

 private:
  struct Deleter {
    void operator()(srtp_ctx_t_* ctx) const;
  };
  using Context = std::unique_ptr<srtp_ctx_t_, Deleter>;

  struct Direction;

  SrtpErrc unprotect(bool rtcp, std::span<std::uint8_t> buffer, std::size_t& size);

  Context tx_;  // protects with local_
  Context rx_;  // unprotects with remote_
  SrtpMasterKey local_;
  SrtpMasterKey remote_;
  std::size_t rtp_tag_ = 0;
  std::size_t rtcp_tag_ = 0;
  // Packets under each master key, against its lifetime (RFC 4568 §6.1;
  // SRTP and SRTCP counted apart, RFC 3711 §9.2).
  std::uint64_t sent_rtp_ = 0;
  std::uint64_t sent_rtcp_ = 0;
  std::uint64_t received_rtp_ = 0;
  std::uint64_t received_rtcp_ = 0;
  SrtpCounters counters_;
};

}  // namespace cosip::rtp
