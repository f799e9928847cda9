#include "msrp/error.hpp"

#include "msrp/message.hpp"

namespace cosip::msrp {

std::string_view to_string(ParseErrc code) {
  switch (code) {
    case ParseErrc::ok: return "ok";
    case ParseErrc::head_too_large: return "head too large";
    case ParseErrc::body_too_large: return "body too large";
    case ParseErrc::bad_start_line: return "malformed start line";
    case ParseErrc::bad_transaction_id: return "malformed transaction id";
    case ParseErrc::bad_method: return "malformed method";
    case ParseErrc::bad_status_code: return "malformed status code";
    case ParseErrc::bad_line_end: return "line not ended by CRLF";
    case ParseErrc::bad_header_name: return "malformed header name";
    case ParseErrc::bad_header_value: return "malformed";
    case ParseErrc::missing_header: return "missing mandatory header";
    case ParseErrc::duplicate_header: return "repeated single-valued header";
    case ParseErrc::header_order: return "header out of order";
    case ParseErrc::missing_content_type: return "body without Content-Type";
    case ParseErrc::content_type_without_body: return "Content-Type without a body";
    case ParseErrc::body_in_response: return "response with a body";
    case ParseErrc::bad_end_line: return "malformed end-line";
    case ParseErrc::trailing_data: return "data after the end-line";
    case ParseErrc::incomplete: return "incomplete message";
  }
  return "unknown error";
}

std::string ParseError::message() const {
  std::string text(to_string(code));
  if (header != HeaderId::other) {
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

}  // namespace cosip::msrp
