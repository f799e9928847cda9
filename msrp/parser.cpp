#include "msrp/parser.hpp"

#include <algorithm>
#include <cstring>

namespace cosip::msrp {

namespace {

constexpr std::string_view end_line_dashes = "-------";
// §9: transact-id = ident = ALPHANUM 3*31ident-char.
constexpr std::size_t max_transaction_id = 32;
// "MSRP " and the longest id: byte 37 must be the SP after it.
constexpr std::size_t transaction_id_checked_at = 5 + max_transaction_id + 1;

bool is_flag(char c) { return c == '$' || c == '+' || c == '#'; }

}  // namespace

StreamParser::Result StreamParser::fail(ParseErrc code, std::uint64_t offset, const char* detail) {
  state_ = State::failed;
  error_.code = code;
  error_.offset = offset;
  error_.header = HeaderId::other;
  error_.detail = detail;
  return {Event::error, 0};
}

StreamParser::Result StreamParser::fail(const ParseError& e) {
  state_ = State::failed;
  error_ = e;
  return {Event::error, 0};
}

StreamParser::Result StreamParser::feed(std::string_view bytes) {
  piece_ = {};
  switch (state_) {
    case State::head: return feed_head(bytes);
    case State::end_pending: return end(flag_, 0);
    case State::body: return feed_body(bytes);
    case State::failed: return {Event::error, 0};
  }
  return {Event::error, 0};
}

StreamParser::Result StreamParser::feed_head(std::string_view bytes) {
  if (new_message_) {
    // The previous head's views die here, not at its end event. head_ is
    // not cleared: parse_head() rebuilds all of it before Event::head.
    new_message_ = false;
    head_buffer_.clear();
    line_start_ = 0;
  }
  // A head that repeats the last chunk's but for the transaction id and
  // Byte-Range, whole in these bytes, needs no parsing.
  if (head_buffer_.empty()) {
    const bool again = matched_generation_ == template_.generation();
    if (const std::size_t used = template_.match(bytes, limits_.max_head_size, head_, head_buffer_, again)) {
      matched_generation_ = template_.generation();
      return finish_head(used);
    }
    matched_generation_ = 0;  // head_ is parsed in full below
  }
  std::size_t used = 0;
  while (used < bytes.size()) {
    const char* nl = static_cast<const char*>(std::memchr(bytes.data() + used, '\n', bytes.size() - used));
    std::size_t take = nl == nullptr ? bytes.size() - used : static_cast<std::size_t>(nl - bytes.data()) + 1 - used;
    // Stop where the transaction id must have ended, so that the error
    // reported does not depend on how the bytes were split.
    if (line_start_ == 0 && head_buffer_.size() < transaction_id_checked_at)
      take = std::min(take, transaction_id_checked_at - head_buffer_.size());
    if (head_buffer_.size() + take > limits_.max_head_size) {
      return fail(ParseErrc::head_too_large, limits_.max_head_size, "start line and headers over the size limit");
    }
    head_buffer_.append(bytes.substr(used, take));
    used += take;
    // Refuse a stream that does not start like MSRP at once, not after 16 KiB
    // (looked at while the first five bytes come in).
    if (head_buffer_.size() - take < 5) {
      const std::size_t check = std::min<std::size_t>(head_buffer_.size(), 5);
      if (head_buffer_.compare(0, check, std::string_view("MSRP ").substr(0, check)) != 0)
        return fail(ParseErrc::bad_start_line, 0, "expected \"MSRP \"");
    }
    if (line_start_ == 0 && head_buffer_.size() >= transaction_id_checked_at &&
        head_buffer_.find_first_of(" \r", 5) >= transaction_id_checked_at)
      return fail(ParseErrc::bad_transaction_id, 5, "longer than 32 characters");
    if (head_buffer_.back() != '\n') continue;

    const std::string_view line = std::string_view(head_buffer_).substr(line_start_);
    if (line.size() < 2 || line[line.size() - 2] != '\r')
      return fail(ParseErrc::bad_line_end, head_buffer_.size() - 1, "LF without CR");
    if (line_start_ == 0) {
      // Refuse a bad start line before collecting headers behind it.
      if (ParseError e = parse_start_line(line.substr(0, line.size() - 2), head_)) return fail(e);
    }
    if (line_start_ > 0 && line == "\r\n") {
      // The empty line: a body follows (§9 content-stuff).
      head_buffer_.resize(head_buffer_.size() - 2);
      if (ParseError e = parse_head(head_buffer_, true, head_, &paths_)) return fail(e);
      template_.learn(head_);
      return finish_head(used);
    }
    if (line_start_ > 0 && line[0] == '-' && line.starts_with(end_line_dashes)) {
      // The end-line right after the headers: no body.
      const std::string_view head_text = std::string_view(head_buffer_).substr(0, line_start_);
      if (ParseError e = parse_head(head_text, false, head_, &paths_)) return fail(e);
      const std::string_view tail = line.substr(end_line_dashes.size(), line.size() - end_line_dashes.size() - 2);
      if (tail.size() != head_.transaction_id.size() + 1 || !tail.starts_with(head_.transaction_id) || !is_flag(tail.back()))
        return fail(ParseErrc::bad_end_line, line_start_, "expected \"-------\" transaction id and one of $+#");
      flag_ = static_cast<EndFlag>(tail.back());
      head_buffer_.resize(line_start_);  // head().text is the head alone
      state_ = State::end_pending;
      body_size_ = 0;
      return {Event::head, used};
    }
    line_start_ = head_buffer_.size();
  }
  return {Event::need_more, used};
}

StreamParser::Result StreamParser::finish_head(std::size_t used) {
  end_marker_.assign("\r\n");
  end_marker_.append(end_line_dashes);
  end_marker_.append(head_.transaction_id);
  held_.clear();
  body_size_ = 0;
  state_ = State::body;
  return {Event::head, used};
}

StreamParser::Result StreamParser::end(EndFlag flag, std::size_t used) {
  flag_ = flag;
  state_ = State::head;
  new_message_ = true;
  held_.clear();
  return {Event::end, used};
}

StreamParser::Result StreamParser::body_piece(std::string_view piece, std::size_t used) {
  body_size_ += piece.size();
  if (limits_.max_body_size != 0 && body_size_ > limits_.max_body_size)
    return fail(ParseErrc::body_too_large, head_.text.size() + 2 + limits_.max_body_size, "chunk body over the size limit");
  piece_ = piece;
  return {piece.empty() ? Event::need_more : Event::body, used};
}

// The end-line as matched byte by byte: end_marker_ (CRLF "-------" id), then
// the flag, then CRLF.
std::size_t StreamParser::match_end_line(std::string_view bytes, std::size_t matched, std::size_t& used) const {
  const std::size_t full = end_marker_.size() + 3;
  if (matched == 0 && bytes.size() - used >= full) {  // all of it in these bytes: the usual case
    const char* at = bytes.data() + used;
    if (std::memcmp(at, end_marker_.data(), end_marker_.size()) != 0 || !is_flag(at[end_marker_.size()]) ||
        at[end_marker_.size() + 1] != '\r' || at[end_marker_.size() + 2] != '\n')
      return std::string_view::npos;
    used += full;
    return full;
  }
  while (matched < full && used < bytes.size()) {
    const char c = bytes[used];
    bool ok = false;
    if (matched < end_marker_.size()) {
      ok = c == end_marker_[matched];
    } else if (matched == end_marker_.size()) {
      ok = is_flag(c);
    } else {
      ok = c == (matched == end_marker_.size() + 1 ? '\r' : '\n');
    }
    if (!ok) return std::string_view::npos;
    ++matched;
    ++used;
  }
  return matched;
}

StreamParser::Result StreamParser::feed_body(std::string_view bytes) {
  const std::size_t full = end_marker_.size() + 3;
  if (!held_.empty()) {
    // Continue the match begun at the end of the last input.
    std::size_t used = 0;
    const std::size_t matched = match_end_line(bytes, held_.size(), used);
    if (matched == full) return end(static_cast<EndFlag>(held_.size() > end_marker_.size() ? held_[end_marker_.size()]
                                                                                           : bytes[end_marker_.size() - held_.size()]),
                                     used);
    if (matched != std::string_view::npos) {
      held_.append(bytes.substr(0, used));  // still partial: used == bytes.size()
      return {Event::need_more, used};
    }
    // A look-alike: the held bytes were body. The mismatching byte is looked
    // at again from the start (it may begin a new end-line).
    released_.swap(held_);
    held_.clear();
    return body_piece(released_, 0);
  }
  std::size_t from = 0;
  for (;;) {
    const char* cr = static_cast<const char*>(std::memchr(bytes.data() + from, '\r', bytes.size() - from));
    if (cr == nullptr) return body_piece(bytes, bytes.size());
    const std::size_t at = static_cast<std::size_t>(cr - bytes.data());
    std::size_t used = at;
    const std::size_t matched = match_end_line(bytes, 0, used);
    if (matched == full) {
      // Hand out the body before the end-line first; the end comes next call.
      if (at > 0) return body_piece(bytes.substr(0, at), at);
      return end(static_cast<EndFlag>(bytes[end_marker_.size()]), used);
    }
    if (matched != std::string_view::npos) {
      // The input ends inside what may be the end-line: keep that part.
      held_.assign(bytes.substr(at));
      return body_piece(bytes.substr(0, at), bytes.size());
    }
    from = at + 1;
  }
}

ParseError parse_message(std::string_view data, Message& out, const Limits& limits) {
  StreamParser parser(limits);
  out = Message{};
  std::uint64_t offset = 0;
  for (;;) {
    const StreamParser::Result r = parser.feed(data);
    data.remove_prefix(r.used);
    offset += r.used;
    switch (r.event) {
      case Event::head: out.head = OwnedHead(parser.head()); break;
      case Event::body: out.body.append(parser.body()); break;
      case Event::end: {
        out.flag = parser.flag();
        if (data.empty()) return {};
        ParseError e;
        e.code = ParseErrc::trailing_data;
        e.offset = offset;
        return e;
      }
      case Event::error: return parser.error();
      case Event::need_more: {
        ParseError e;
        e.code = ParseErrc::incomplete;
        e.offset = offset;
        e.detail = "no end-line";
        return e;
      }
    }
  }
}

}  // namespace cosip::msrp
