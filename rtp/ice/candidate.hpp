// ICE candidates as the agent hands them out and takes them in (RFC 8445
// §5.1), and their conversion to and from the SDP layer's a=candidate value
// (RFC 8839 §5.1), so the session layer can carry them in offers and answers.
// Pure: no libnice here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rtp/ice/error.hpp"
#include "sdp/attributes.hpp"

namespace cosip::rtp::ice {

// RFC 8445 §5.1.1: host, server-reflexive, peer-reflexive, relayed.
enum class CandidateType : std::uint8_t { host, server_reflexive, peer_reflexive, relayed };
// The RFC 8839 §5.1 cand-type token: "host", "srflx", "prflx", "relay".
std::string_view to_string(CandidateType type);

// One UDP candidate (the only transport cosip's RTP uses).
struct Candidate {
  std::string foundation;         // RFC 8445 §5.1.1.3: 1..32 ice-chars
  std::uint16_t component = 0;    // 1 = RTP, 2 = RTCP
  std::uint32_t priority = 0;     // RFC 8445 §5.1.2
  std::string address;            // IP literal
  std::uint16_t port = 0;
  CandidateType type = CandidateType::host;
  std::string related_address;    // the base, for other than host candidates (RFC 8839 §5.1)
  std::optional<std::uint16_t> related_port;

  bool operator==(const Candidate&) const = default;
};

// The a=candidate value: "<foundation> <component> UDP <priority> <address>
// <port> typ <type> [raddr <address> rport <port>]".
std::string to_sdp_value(const Candidate& c);

// From a decoded a=candidate value (sdp::decode_candidate). A transport other
// than UDP (RFC 6544 TCP) or an unknown type is refused; extensions are
// ignored (RFC 8839 §5.1: an agent ignores what it does not understand), and
// so is a related address without its port, or on a host candidate.
IceError from_sdp(const sdp::Candidate& in, Candidate& out);

// decode_candidate and from_sdp in one step.
IceError parse_sdp_value(std::string_view value, Candidate& out);

}  // namespace cosip::rtp::ice
