// Building outgoing messages: a start line, header fields in order, then
// Content-Length and the body. Values come as text or as the typed values of
// header_values.hpp, written in their canonical form.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"
#include "sip/syntax/message.hpp"

namespace cosip::sip {

class MessageWriter {
 public:
  MessageWriter() { out_.reserve(512); }

  MessageWriter& request_line(std::string_view method, std::string_view request_uri);
  MessageWriter& status_line(int code, std::string_view reason);

  MessageWriter& header(std::string_view name, std::string_view value);
  MessageWriter& header(HeaderId id, std::string_view value) { return header(canonical_name(id), value); }
  template <class T>
    requires(!std::is_convertible_v<const T&, std::string_view>)
  MessageWriter& header(HeaderId id, const T& value) {
    begin_header(canonical_name(id));
    append(out_, value);
    out_ += "\r\n";
    return *this;
  }
  // Complete header lines, each ending in CRLF, written as they are.
  MessageWriter& header_lines(std::string_view lines) {
    out_ += lines;
    return *this;
  }
  // Copies a received header field, value as received (folds kept).
  MessageWriter& header(const Header& h) { return header(h.name, h.value); }

  // Writes Content-Length (and Content-Type when a body is given) and the body.
  std::string finish(std::string_view body = {}, std::string_view content_type = {});

 private:
  void begin_header(std::string_view name);
  std::string out_;
};

// Where the request came from, for the top Via of the response (RFC 3261
// §18.2.1 received, RFC 3581 rport).
struct ReceivedFrom {
  std::string_view address;
  std::uint16_t port = 0;
};

// A response to `request` (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq
// copied, To copied with `to_tag` added when it has none and the code is
// above 100. The writer is left open for more headers and finish().
MessageWriter response_to(const Message& request, int code, std::string_view reason,
                          std::string_view to_tag = {}, const ReceivedFrom* source = nullptr);

// The usual reason phrase of a status code ("" when unknown).
std::string_view reason_phrase(int code);

}  // namespace cosip::sip
