// Message framing on stream transports (TCP, TLS): RFC 3261 §18.3. Bytes go in
// as they arrive, in pieces of any size; whole messages come out.
//
// Flow: skip CRLFs between messages (keep-alives, RFC 5626 §4.4.1) -> find the
// empty line that ends the header section -> read Content-Length (absent
// counts as 0) -> wait until the body is complete -> hand out the message.
// A framing error (no valid Content-Length, limits exceeded) is final: the
// stream cannot be resynchronised and the caller closes the connection.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sip/syntax/error.hpp"
#include "sip/syntax/message.hpp"

namespace cosip::sip {

class StreamFramer {
 public:
  explicit StreamFramer(const Limits& limits = {}) : limits_(limits) {}

  // Appends received bytes; invalidates the view last handed out by next().
  void feed(std::string_view bytes);

  // The next whole message, as a view into the framer's buffer that stays
  // valid until the next feed(); ParseErrc::need_more when no message is
  // complete yet. Any other error is final (the caller closes the stream):
  // the limits are exceeded or Content-Length is missing its digits,
  // negative, or given twice with different values.
  ParseError next(std::string_view& message);

  // Bytes held and not yet handed out.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Double-CRLF keep-alive pings seen so far (RFC 5626 §4.4.1: each is
  // answered with a single CRLF pong). Single CRLFs (pongs) are skipped.
  std::size_t keepalives() const { return keepalives_; }

 private:
  Limits limits_;
  std::string buffer_;
  std::size_t start_ = 0;     // first byte not yet handed out
  std::size_t scanned_ = 0;   // header-end search resumes here
  std::size_t frame_size_ = 0;  // size of the pending message once its headers are read
  std::size_t keepalives_ = 0;
  ParseError error_;  // sticky once set

  ParseError fail(ParseErrc code, std::size_t at, const char* detail);
  ParseError frame_size(std::size_t header_end);
};

}  // namespace cosip::sip
