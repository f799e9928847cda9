// Errors of the SDP layer. Parsers never throw: parse() returns a ParseError
// that says what is wrong and at which byte of the input; the typed attribute
// decoders return an AttrError with the byte inside the attribute value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::sdp {

enum class ParseErrc : std::uint8_t {
  ok = 0,
  too_large,            // Limits::max_size
  too_many_lines,       // Limits::max_lines
  line_too_long,        // Limits::max_line_length
  too_many_media,       // Limits::max_media
  too_many_attributes,  // Limits::max_attributes
  too_many_formats,     // Limits::max_formats
  bad_line_ending,      // a bare LF (without ParseOptions::allow_lf), a CR alone, a NUL
  bad_line,             // not "<letter>=<value>", or whitespace where none may be
  unknown_type,         // RFC 8866 §5: a type letter the parser does not know
  out_of_order,         // RFC 8866 §5: lines in the wrong order
  duplicate_line,       // a line that appears at most once appears twice
  missing_line,         // v=, o=, s= or t= absent; or c= absent for a media section
  bad_version,
  bad_origin,
  bad_session_name,
  bad_connection,
  bad_bandwidth,
  bad_timing,
  bad_repeat,
  bad_zone,
  bad_key,
  bad_attribute,
  bad_media,
};

struct ParseError {
  ParseErrc code = ParseErrc::ok;
  std::uint32_t offset = 0;  // byte of the input where the fault lies
  const char* detail = "";   // static text: what exactly is wrong

  explicit operator bool() const { return code != ParseErrc::ok; }
  // "malformed m= line: port out of range at byte 97"
  std::string message() const;
};

std::string_view to_string(ParseErrc code);

// A malformed attribute value met by a typed decoder (attributes.hpp).
struct AttrError {
  const char* what = nullptr;  // null when the value decoded
  std::size_t offset = 0;      // byte inside the attribute value

  explicit operator bool() const { return what != nullptr; }
  // "bad crypto suite at byte 2 of the value"
  std::string message() const;
};

}  // namespace cosip::sdp
