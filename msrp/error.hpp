// Parse errors of the MSRP syntax layer (RFC 4975 §9). Parsers never throw:
// they return a ParseError that says what went wrong and at which byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::msrp {

enum class ParseErrc : std::uint8_t {
  ok = 0,
  head_too_large,         // Limits::max_head_size
  body_too_large,         // Limits::max_body_size
  bad_start_line,         // not "MSRP SP transact-id SP (method / status-code [SP comment])"
  bad_transaction_id,     // transact-id: ALPHANUM 3*31ident-char (§9)
  bad_method,
  bad_status_code,
  bad_line_end,           // a line not ended by CRLF
  bad_header_name,
  bad_header_value,       // ParseError::header names the header
  missing_header,         // To-Path / From-Path absent
  duplicate_header,       // a single-valued header appears twice
  header_order,           // To-Path, From-Path first; Content-Type last before the body
  missing_content_type,   // a body without Content-Type (§7.1)
  content_type_without_body,
  body_in_response,       // responses carry no body (§7.2)
  bad_end_line,           // "-------" + transact-id + flag + CRLF expected (§7.1)
  trailing_data,          // whole-message parse: bytes after the end-line
  incomplete,             // whole-message parse: the input stops inside a message
};

enum class HeaderId : std::uint8_t;

struct ParseError {
  ParseErrc code = ParseErrc::ok;
  std::uint64_t offset = 0;  // byte of the message (its first byte is 0) where the fault lies
  HeaderId header{};         // the header concerned, if any (HeaderId::other = 0)
  const char* detail = "";   // static text: what exactly is wrong

  explicit operator bool() const { return code != ParseErrc::ok; }
  // "malformed Byte-Range: range-end before range-start at byte 123"
  std::string message() const;
};

std::string_view to_string(ParseErrc code);

}  // namespace cosip::msrp
