// `cosip parse KIND FILE|-`: checks one protocol message as a receiver would.
#pragma once

#include <string>

namespace cosip::apps {

// Exit status: 0 when the message would be processed (its canonical form is
// printed on stdout), 1 when a receiver must reject or drop it ("error: <reason>
// at byte N" on stderr), 2 when the input cannot be read.
int parse_sip(const std::string& path);
// The same contract for one SDP body (RFC 8866), parsed strictly.
int parse_sdp(const std::string& path);
// The same contract for one message/cpim body (RFC 3862), unwrapped strictly;
// the canonical form is its wrap (headers in a fixed order, values escaped).
int parse_cpim(const std::string& path);
// The same contract for one MSRP message or chunk (RFC 4975), head to end-line.
int parse_msrp(const std::string& path);

}  // namespace cosip::apps
