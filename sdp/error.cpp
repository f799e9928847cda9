#include "sdp/error.hpp"

namespace cosip::sdp {

std::string_view to_string(ParseErrc code) {
  switch (code) {
    case ParseErrc::ok: return "ok";
    case ParseErrc::too_large: return "description too large";
    case ParseErrc::too_many_lines: return "too many lines";
    case ParseErrc::line_too_long: return "line too long";
    case ParseErrc::too_many_media: return "too many media descriptions";
    case ParseErrc::too_many_attributes: return "too many attributes";
    case ParseErrc::too_many_formats: return "too many media formats";
    case ParseErrc::bad_line_ending: return "bad line ending";
    case ParseErrc::bad_line: return "malformed line";
    case ParseErrc::unknown_type: return "unknown line type";
    case ParseErrc::out_of_order: return "line out of order";
    case ParseErrc::duplicate_line: return "repeated line";
    case ParseErrc::missing_line: return "missing line";
    case ParseErrc::bad_version: return "malformed v= line";
    case ParseErrc::bad_origin: return "malformed o= line";
    case ParseErrc::bad_session_name: return "malformed s= line";
    case ParseErrc::bad_connection: return "malformed c= line";
    case ParseErrc::bad_bandwidth: return "malformed b= line";
    case ParseErrc::bad_timing: return "malformed t= line";
    case ParseErrc::bad_repeat: return "malformed r= line";
    case ParseErrc::bad_zone: return "malformed z= line";
    case ParseErrc::bad_key: return "malformed k= line";
    case ParseErrc::bad_attribute: return "malformed a= line";
    case ParseErrc::bad_media: return "malformed m= line";
  }
  return "unknown error";
}

std::string ParseError::message() const {
  std::string text(to_string(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  text += " at byte ";
  text += std::to_string(offset);
  return text;
}

std::string AttrError::message() const {
  std::string text(what != nullptr ? what : "ok");
  text += " at byte ";
  text += std::to_string(offset);
  text += " of the value";
  return text;
}

}  // namespace cosip::sdp
