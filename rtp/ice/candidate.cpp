#include "rtp/ice/candidate.hpp"

#include "sdp/detail/text.hpp"

namespace cosip::rtp::ice {

std::string_view to_string(CandidateType type) {
  switch (type) {
    case CandidateType::host: return "host";
    case CandidateType::server_reflexive: return "srflx";
    case CandidateType::peer_reflexive: return "prflx";
    case CandidateType::relayed: return "relay";
  }
  return "host";
}

std::string to_sdp_value(const Candidate& c) {
  std::string out;
  out.reserve(96);
  out += c.foundation;
  out += ' ';
  out += std::to_string(c.component);
  out += " UDP ";
  out += std::to_string(c.priority);
  out += ' ';
  out += c.address;
  out += ' ';
  out += std::to_string(c.port);
  out += " typ ";
  out += to_string(c.type);
  // RFC 8839 §5.1: rel-addr and rel-port are given for candidates other than host.
  if (c.type != CandidateType::host && !c.related_address.empty() && c.related_port) {
    out += " raddr ";
    out += c.related_address;
    out += " rport ";
    out += std::to_string(*c.related_port);
  }
  return out;
}

IceError from_sdp(const sdp::Candidate& in, Candidate& out) {
  out = Candidate{};
  // RFC 8839 §5.1: transport is case-insensitive; "UDP" is the one defined there.
  if (!sdp::detail::iequals(in.transport, "UDP"))
    return {IceErrc::bad_transport, "only UDP candidates are used"};
  if (in.type == "host") out.type = CandidateType::host;
  else if (in.type == "srflx") out.type = CandidateType::server_reflexive;
  else if (in.type == "prflx") out.type = CandidateType::peer_reflexive;
  else if (in.type == "relay") out.type = CandidateType::relayed;
  else return {IceErrc::bad_candidate_type, "not host, srflx, prflx or relay"};
  out.foundation = in.foundation;
  out.component = in.component;
  out.priority = in.priority;
  out.address = in.address;
  out.port = in.port;
  // RFC 8839 §5.1: a related address goes with a port, and not with a host
  // candidate; anything else is diagnostics an agent does without.
  if (out.type != CandidateType::host && !in.related_address.empty() && in.related_port) {
    out.related_address = in.related_address;
    out.related_port = in.related_port;
  }
  return {};
}

IceError parse_sdp_value(std::string_view value, Candidate& out) {
  sdp::Candidate decoded;
  if (const sdp::AttrError e = sdp::decode_candidate(value, decoded)) return {IceErrc::bad_candidate, e.what};
  return from_sdp(decoded, out);
}

}  // namespace cosip::rtp::ice
