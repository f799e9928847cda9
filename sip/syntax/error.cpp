#include "sip/syntax/error.hpp"

#include "sip/syntax/headers.hpp"

namespace cosip::sip {

std::string_view to_string(ParseErrc code) {
  switch (code) {
    case ParseErrc::ok: return "ok";
    case ParseErrc::need_more: return "incomplete message";
    case ParseErrc::message_too_large: return "message too large";
    case ParseErrc::too_many_headers: return "too many header fields";
    case ParseErrc::header_too_long: return "header field too long";
    case ParseErrc::too_many_values: return "too many values";
    case ParseErrc::bad_start_line: return "malformed start line";
    case ParseErrc::bad_method: return "malformed method";
    case ParseErrc::bad_request_uri: return "malformed Request-URI";
    case ParseErrc::bad_version: return "malformed SIP-Version";
    case ParseErrc::unsupported_version: return "unsupported SIP-Version";
    case ParseErrc::bad_status_code: return "malformed status code";
    case ParseErrc::bad_header_name: return "malformed header name";
    case ParseErrc::bad_header_value: return "malformed";
    case ParseErrc::missing_header: return "missing mandatory header";
    case ParseErrc::duplicate_header: return "repeated single-valued header";
    case ParseErrc::cseq_method_mismatch: return "CSeq method differs from request method";
    case ParseErrc::bad_content_length: return "bad Content-Length";
    case ParseErrc::missing_header_end: return "no empty line after the headers";
  }
  return "unknown error";
}

std::string ParseError::message() const {
  std::string text(to_string(code));
  if (header != HeaderId::other && code != ParseErrc::bad_content_length) {
    text += code == ParseErrc::bad_header_value ? " " : ": ";
    text += canonical_name(header);
  }
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  text += " at byte ";
  text += std::to_string(offset);
  return text;
}

}  // namespace cosip::sip
