// Parse errors of the SIP syntax layer. Parsers never throw: they return a
// ParseError that says what went wrong and at which byte of the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::sip {

enum class ParseErrc : std::uint8_t {
  ok = 0,
  need_more,            // stream framing: the message is not complete yet
  message_too_large,    // Limits::max_message_size
  too_many_headers,     // Limits::max_headers
  header_too_long,      // Limits::max_header_length
  too_many_values,      // Limits::max_list_values / max_params
  bad_start_line,
  bad_method,
  bad_request_uri,
  bad_version,
  unsupported_version,  // SIP/x.y other than 2.0: a UAS answers 505
  bad_status_code,
  bad_header_name,
  bad_header_value,     // ParseError::header names the header
  missing_header,       // a mandatory header is absent (ParseError::header)
  duplicate_header,     // a single-valued header appears twice
  cseq_method_mismatch, // RFC 3261 §8.1.1.7: CSeq method == request method
  bad_content_length,   // Content-Length exceeds the data or is malformed
  missing_header_end,   // no empty line ends the header section
};

enum class HeaderId : std::uint8_t;

struct ParseError {
  ParseErrc code = ParseErrc::ok;
  std::uint32_t offset = 0;  // byte of the input where the fault lies
  HeaderId header{};         // the header concerned, if any (HeaderId::other = 0)
  const char* detail = "";   // static text: what exactly is wrong

  explicit operator bool() const { return code != ParseErrc::ok; }
  // "malformed Via: empty parameter at byte 123"
  std::string message() const;
};

std::string_view to_string(ParseErrc code);

}  // namespace cosip::sip
