// A cursor over one header value (or start-line element), with the LWS,
// token, quoted-string and parameter rules of RFC 3261 §25.1. Internal to the
// syntax layer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip::detail {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool at_end() const { return p_ == end_; }
  const char* pos() const { return p_; }
  void set_pos(const char* p) { p_ = p; }
  const char* end() const { return end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  bool next_is(char c) const { return p_ != end_ && *p_ == c; }
  bool next_is(std::uint16_t cls) const { return p_ != end_ && is(*p_, cls); }
  std::string_view rest() const { return {p_, left()}; }

  // Records the first failure only; always returns false so callers can
  // `return s.fail("...")`.
  bool fail(const char* what) {
    if (error_at_ == nullptr) {
      error_at_ = p_;
      error_what_ = what;
    }
    return false;
  }
  bool fail_at(const char* at, const char* what) {
    p_ = at;
    return fail(what);
  }
  // A failure because a ValueLimits bound was reached, not bad syntax.
  bool fail_limit(const char* what) {
    if (error_at_ == nullptr) over_limit_ = true;
    return fail(what);
  }
  const char* error_at() const { return error_at_; }
  const char* error_what() const { return error_what_; }
  bool over_limit() const { return over_limit_; }

  // LWS = [*WSP CRLF] 1*WSP (§25.1). Header values handed to decoders only
  // contain CRLF where a continuation line follows, so any CR LF met here is a
  // fold. Returns whether anything was skipped.
  bool skip_lws() {
    if (p_ == end_ || (*p_ != ' ' && *p_ != '\t' && *p_ != '\r')) return false;  // the common case
    const char* start = p_;
    while (p_ != end_) {
      if (is(*p_, c_wsp)) {
        ++p_;
      } else if (*p_ == '\r' && end_ - p_ >= 3 && p_[1] == '\n' && is(p_[2], c_wsp)) {
        p_ += 3;
      } else {
        break;
      }
    }
    return p_ != start;
  }

  bool consume(char c) {
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // SWS c SWS, as for SEMI, COMMA, EQUAL, SLASH, COLON. Leaves the cursor
  // unmoved when c is not next.
  bool separator(char c) {
    if (p_ != end_ && *p_ == c) {  // the common case: no whitespace before c
      ++p_;
      skip_lws();
      return true;
    }
    const char* save = p_;
    if (skip_lws() && consume(c)) {
      skip_lws();
      return true;
    }
    p_ = save;
    return false;
  }

  std::string_view span(std::uint16_t cls) {
    const char* start = p_;
    const char* q = p_;  // a local cursor keeps the loop in registers
    while (q != end_ && is(*q, cls)) ++q;
    p_ = q;
    return {start, static_cast<std::size_t>(q - start)};
  }

  std::string_view token() { return span(c_token); }

  // quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE. The cursor is
  // on the opening quote; `inner` gets the text between the quotes, with
  // quoted-pairs left escaped (zero-copy).
  bool quoted_string(std::string_view& inner) {
    if (!consume('"')) return fail("expected '\"'");
    const char* start = p_;
    while (p_ != end_) {
      span(c_qdtext);
      if (p_ == end_) break;
      const char c = *p_;
      if (c == '"') {
        inner = {start, static_cast<std::size_t>(p_ - start)};
        ++p_;
        return true;
      }
      if (c == '\\') {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        if (end_ - p_ < 2) break;
        const auto e = static_cast<unsigned char>(p_[1]);
        if (e == '\n' || e == '\r' || e > 0x7f) return fail("bad quoted-pair");
        p_ += 2;
        continue;
      }
      if (c == '\r' && skip_lws()) continue;
      return fail("control character in quoted string");
    }
    return fail("unterminated quoted string");
  }

  // 1*DIGIT as an unsigned value no larger than `max`.
  bool number(unsigned long long max, unsigned long long& out, const char* what) {
    const char* start = p_;
    unsigned long long v = 0;
    while (p_ != end_ && is(*p_, c_digit)) {
      v = v * 10 + static_cast<unsigned>(*p_ - '0');
      if (v > max) return fail_at(start, what);
      ++p_;
    }
    if (p_ == start) return fail(what);
    out = v;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  const char* error_at_ = nullptr;
  const char* error_what_ = nullptr;
  bool over_limit_ = false;
};

}  // namespace cosip::sip::detail

namespace cosip::sip::detail {

// Appends `text` with every fold (CRLF followed by whitespace) and the
// whitespace around it replaced by one SP, as a receiver may (§7.3.1).
inline void append_unfolded(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t cr = text.find('\r', i);
    if (cr == std::string_view::npos || cr + 2 >= text.size() || text[cr + 1] != '\n' ||
        !is(text[cr + 2], c_wsp)) {
      const std::size_t stop = cr == std::string_view::npos ? text.size() : cr + 1;
      out.append(text.data() + i, stop - i);
      i = stop;
      continue;
    }
    std::size_t before = cr;
    while (before > i && is(text[before - 1], c_wsp)) --before;
    out.append(text.data() + i, before - i);
    if (before != i || out.empty() || out.back() != ' ') out += ' ';
    i = cr + 2;
    while (i < text.size() && is(text[i], c_wsp)) ++i;
  }
}

}  // namespace cosip::sip::detail
