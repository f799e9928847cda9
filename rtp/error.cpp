#include "rtp/error.hpp"

namespace cosip::rtp {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::truncated: return "truncated packet";
    case Errc::bad_version: return "version is not 2";
    case Errc::bad_padding: return "bad padding";
    case Errc::reserved_payload_type: return "reserved payload type";
    case Errc::bad_extension_element: return "malformed header extension element";
    case Errc::first_not_report: return "compound does not start with SR or RR";
    case Errc::padding_not_last: return "padding before the last packet of a compound";
    case Errc::bad_report_count: return "report count does not fit the packet";
    case Errc::bad_sdes: return "malformed SDES packet";
    case Errc::bad_bye: return "malformed BYE packet";
    case Errc::bad_app: return "malformed APP packet";
    case Errc::buffer_too_small: return "buffer too small";
    case Errc::too_many_items: return "too many items";
    case Errc::too_long: return "too long";
    case Errc::not_word_aligned: return "not a whole number of 32-bit words";
    case Errc::value_out_of_range: return "value out of range";
  }
  return "unknown error";
}

std::string Error::message() const {
  std::string text(to_string(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  text += " at byte ";
  text += std::to_string(offset);
  return text;
}

std::string WriteResult::message() const {
  std::string text(to_string(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  if (code == Errc::buffer_too_small) {
    text += ": ";
    text += std::to_string(size);
    text += " bytes needed";
  }
  return text;
}

}  // namespace cosip::rtp
