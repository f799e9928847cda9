// Errors of the ICE layer: results as values, a code and a static detail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::rtp::ice {

enum class IceErrc : std::uint8_t {
  ok = 0,
  bad_candidate,       // a malformed a=candidate value (RFC 8839 §5.1)
  bad_component,       // not 1..components of the stream
  bad_transport,       // RFC 8839 §5.1: only UDP candidates are used
  bad_candidate_type,  // not host, srflx, prflx or relay
  bad_address,         // not an IPv4 or IPv6 literal
  bad_credentials,     // RFC 8839 §5.4: ufrag 4..256, pwd 22..256 ice-chars
  not_gathered,        // local candidates asked for before gathering is done
  agent_refused,       // libnice rejected the call
  send_failed,         // no selected pair yet, or the socket refused the datagram
};

std::string_view to_string(IceErrc code);

struct IceError {
  IceErrc code = IceErrc::ok;
  const char* detail = "";  // static text

  explicit operator bool() const { return code != IceErrc::ok; }
  // "bad candidate address: not an IP literal"
  std::string message() const;
};

}  // namespace cosip::rtp::ice
