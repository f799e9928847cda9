#include "sip/syntax/stream_framer.hpp"

#include "sip/syntax/detail/charset.hpp"
#include "sip/syntax/detail/scanner.hpp"

namespace cosip::sip {

using detail::is;

void StreamFramer::feed(std::string_view bytes) {
  if (start_ > 0) {
    buffer_.erase(0, start_);
    scanned_ = scanned_ > start_ ? scanned_ - start_ : 0;
    start_ = 0;
  }
  buffer_.append(bytes);
}

ParseError StreamFramer::fail(ParseErrc code, std::size_t at, const char* detail) {
  error_.code = code;
  error_.offset = static_cast<std::uint32_t>(at - start_);
  error_.header = code == ParseErrc::bad_content_length ? HeaderId::content_length : HeaderId::other;
  error_.detail = detail;
  return error_;
}

ParseError StreamFramer::next(std::string_view& message) {
  message = {};
  if (error_) return error_;
  ParseError need_more;
  need_more.code = ParseErrc::need_more;

  if (frame_size_ == 0) {
    // Keep-alives between messages: "\r\n\r\n" is a ping, a lone "\r\n" a pong.
    for (;;) {
      const std::string_view rest = std::string_view(buffer_).substr(start_);
      if (rest.starts_with("\r\n\r\n")) {
        ++keepalives_;
        start_ += 4;
      } else if (rest.starts_with("\r\n") && rest.size() >= 3 && rest[2] != '\r') {
        start_ += 2;
      } else if (rest.starts_with("\r") && rest.size() < 4 && std::string_view("\r\n\r\n").starts_with(rest)) {
        return need_more;  // perhaps the first half of a ping
      } else {
        break;
      }
    }
    if (scanned_ < start_) scanned_ = start_;
    const std::size_t from = scanned_ >= start_ + 3 ? scanned_ - 3 : start_;
    const std::size_t header_end = buffer_.find("\r\n\r\n", from);
    if (header_end == std::string::npos) {
      scanned_ = buffer_.size();
      if (buffered() > limits_.max_message_size)
        return fail(ParseErrc::message_too_large, buffer_.size(), "header section over the size limit");
      return need_more;
    }
    if (ParseError e = frame_size(header_end)) return e;
  }
  if (buffered() < frame_size_) return need_more;
  message = std::string_view(buffer_).substr(start_, frame_size_);
  start_ += frame_size_;
  scanned_ = start_;
  frame_size_ = 0;
  return {};
}

// Reads Content-Length from the header section [start_, header_end + 2) and
// sets frame_size_ to the whole message's size.
ParseError StreamFramer::frame_size(std::size_t header_end) {
  const std::size_t header_size = header_end + 4 - start_;
  if (header_size > limits_.max_message_size)
    return fail(ParseErrc::message_too_large, header_end, "header section over the size limit");
  std::optional<std::uint64_t> length;
  std::size_t line = start_;
  while (line < header_end + 2) {
    // A header line ends at a CRLF not followed by whitespace (§7.3.1).
    std::size_t eol = buffer_.find("\r\n", line);
    while (eol + 2 < header_end + 2 && is(buffer_[eol + 2], detail::c_wsp)) eol = buffer_.find("\r\n", eol + 2);
    const std::string_view text = std::string_view(buffer_).substr(line, eol - line);
    const std::size_t colon = text.find(':');
    std::string_view name = text.substr(0, colon);
    while (!name.empty() && (is(name.back(), detail::c_wsp) || name.back() == '\r' || name.back() == '\n'))
      name.remove_suffix(1);
    if (colon != std::string_view::npos && header_id(name) == HeaderId::content_length) {
      detail::Scanner s(text.substr(colon + 1));
      s.skip_lws();
      unsigned long long value = 0;
      if (!s.number(0xffffffffu, value, "") || (s.skip_lws(), !s.at_end()))
        return fail(ParseErrc::bad_content_length, line, "not a length");
      // RFC 4475 §3.3.9: differing lengths leave the framing undefined.
      if (length && *length != value) return fail(ParseErrc::bad_content_length, line, "given twice");
      length = value;
    }
    line = eol + 2;
  }
  frame_size_ = header_size + static_cast<std::size_t>(length.value_or(0));
  if (frame_size_ > limits_.max_message_size)
    return fail(ParseErrc::message_too_large, start_, "over the size limit");
  return {};
}

}  // namespace cosip::sip
