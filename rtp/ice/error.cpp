#include "rtp/ice/error.hpp"

namespace cosip::rtp::ice {

std::string_view to_string(IceErrc code) {
  switch (code) {
    case IceErrc::ok: return "ok";
    case IceErrc::bad_candidate: return "malformed candidate";
    case IceErrc::bad_component: return "bad component id";
    case IceErrc::bad_transport: return "unsupported candidate transport";
    case IceErrc::bad_candidate_type: return "unknown candidate type";
    case IceErrc::bad_address: return "bad candidate address";
    case IceErrc::bad_credentials: return "bad ICE credentials";
    case IceErrc::not_gathered: return "candidates not gathered";
    case IceErrc::agent_refused: return "ICE agent refused";
    case IceErrc::send_failed: return "send failed";
  }
  return "unknown error";
}

std::string IceError::message() const {
  std::string text(to_string(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  return text;
}

}  // namespace cosip::rtp::ice
