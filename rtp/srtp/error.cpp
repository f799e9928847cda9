#include "rtp/srtp/error.hpp"

namespace cosip::rtp {

std::string_view to_string(SrtpErrc code) {
  switch (code) {
    case SrtpErrc::ok: return "ok";
    case SrtpErrc::unknown_suite: return "unknown crypto suite";
    case SrtpErrc::bad_key_encoding: return "key not base64";
    case SrtpErrc::bad_key_length: return "bad key length";
    case SrtpErrc::bad_lifetime: return "bad key lifetime";
    case SrtpErrc::bad_mki: return "bad MKI";
    case SrtpErrc::suite_mismatch: return "crypto suites differ";
    case SrtpErrc::no_keys: return "no SRTP keys";
    case SrtpErrc::buffer_too_small: return "buffer too small for the SRTP trailer";
    case SrtpErrc::malformed_packet: return "malformed packet";
    case SrtpErrc::auth_failure: return "authentication failure";
    case SrtpErrc::replay: return "replayed packet";
    case SrtpErrc::unknown_mki: return "unknown MKI";
    case SrtpErrc::key_expired: return "master key expired";
    case SrtpErrc::crypto_failure: return "crypto failure";
  }
  return "unknown error";
}

std::string SrtpError::message() const {
  std::string text(to_string(code));
  if (!detail.empty()) {
    text += ": ";
    text += detail;
  }
  return text;
}

}  // namespace cosip::rtp
