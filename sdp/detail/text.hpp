// Small lexical helpers of the RFC 8866 §9 grammar shared by the SDP parser,
// the attribute decoders and the negotiator. Internal to sdp/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace cosip::sdp::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
inline bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d || u == 0x2e ||
         (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) || (u >= 0x5e && u <= 0x7e);
}

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

// non-ws-string = 1*(VCHAR / %x80-FF)
inline bool is_non_ws_string(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// 1*DIGIT that fits `max`; false on anything else (no sign, no spaces).
inline bool parse_uint(std::string_view s, std::uint64_t& out,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

template <class T>
bool parse_uint_as(std::string_view s, T& out) {
  std::uint64_t v = 0;
  if (!parse_uint(s, v, std::numeric_limits<T>::max())) return false;
  out = static_cast<T>(v);
  return true;
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Splits on one separator; an empty field between two separators is
// returned as such so callers can reject it (RFC 8866 fields are separated
// by exactly one SP).
class Fields {
 public:
  Fields(std::string_view s, char sep) : rest_(s), sep_(sep), done_(false) {}
  bool next(std::string_view& field) {
    if (done_) return false;
    const std::size_t at = rest_.find(sep_);
    if (at == std::string_view::npos) {
      field = rest_;
      done_ = true;
    } else {
      field = rest_.substr(0, at);
      rest_.remove_prefix(at + 1);
    }
    return true;
  }
  std::string_view rest() const { return done_ ? std::string_view{} : rest_; }
  bool done() const { return done_; }

 private:
  std::string_view rest_;
  char sep_;
  bool done_;
};

}  // namespace cosip::sdp::detail
