// Message serialization. serialize() writes the canonical form of a parsed
// message: start line rebuilt from its parts, long header names in their usual
// spelling, known header values rewritten from their typed form, unknown
// headers kept byte for byte with folds joined, and a Content-Length that
// matches the body. Parsing the result gives back the same meaning, and
// serializing that again gives the same bytes.
#pragma once

#include <string>

#include "sip/syntax/message.hpp"

namespace cosip::sip {

std::string serialize(const Message& msg);
void serialize(const Message& msg, std::string& out);

// The canonical value of one header (what serialize() writes after "Name: ").
void append_header_value(std::string& out, const Header& header, const ValueLimits& limits = {});

}  // namespace cosip::sip
