// Character classes of the RFC 3261 §25.1 grammar, one table lookup each.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cosip::sip::detail {

enum CharClass : std::uint16_t {
  c_alpha = 1 << 0,
  c_digit = 1 << 1,
  c_hex = 1 << 2,
  c_token = 1 << 3,            // token (§25.1)
  c_word = 1 << 4,             // word (Call-ID)
  c_unreserved = 1 << 5,       // alphanum / mark
  c_user_unreserved = 1 << 6,  // "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
  c_password = 1 << 7,         // unreserved + "&" / "=" / "+" / "$" / ","
  c_param_unreserved = 1 << 8, // "[" / "]" / "/" / ":" / "&" / "+" / "$"
  c_hnv_unreserved = 1 << 9,   // "[" / "]" / "/" / "?" / ":" / "+" / "$"
  c_reserved = 1 << 10,        // ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
  c_wsp = 1 << 11,             // SP / HTAB
  c_host = 1 << 12,            // alphanum / "-" / "."
  c_ipv6 = 1 << 13,            // HEXDIG / ":" / "."
  c_qdtext = 1 << 14,          // qdtext but LWS's CRLF: SP, HTAB, %x21, %x23-5B, %x5D-7E, UTF-8 octets
  c_text = 1 << 15,            // TEXT-UTF8char, SP, HTAB: all but the controls
};

constexpr std::array<std::uint16_t, 256> make_char_table() {
  std::array<std::uint16_t, 256> t{};
  auto add = [&t](std::string_view chars, std::uint16_t cls) {
    for (char c : chars) t[static_cast<unsigned char>(c)] |= cls;
  };
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= c_alpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= c_alpha;
  for (int c = '0'; c <= '9'; ++c) t[c] |= c_digit | c_hex;
  add("abcdefABCDEF", c_hex);
  constexpr std::uint16_t alnum_classes = c_token | c_word | c_unreserved | c_password | c_host;
  for (int c = 0; c < 256; ++c)
    if (t[c] & (c_alpha | c_digit)) t[c] |= alnum_classes;
  add("-.!%*_+`'~", c_token | c_word);
  add("()<>:\\\"/[]?{}", c_word);
  add("-_.!~*'()", c_unreserved | c_password);
  add("&=+$,;?/", c_user_unreserved);
  add("&=+$,", c_password);
  add("[]/:&+$", c_param_unreserved);
  add("[]/?:+$", c_hnv_unreserved);
  add(";/?:@&=+$,", c_reserved);
  add(" \t", c_wsp);
  add("-.", c_host);
  for (int c = 0; c < 256; ++c)
    if (t[c] & c_hex) t[c] |= c_ipv6;
  add(":.", c_ipv6);
  for (int c = 0x20; c < 0x7f; ++c)
    if (c != '"' && c != '\\') t[c] |= c_qdtext;
  for (int c = 0x80; c < 0x100; ++c) t[c] |= c_qdtext;
  t['\t'] |= c_qdtext;
  for (int c = 0; c < 256; ++c)
    if (t[c] & c_qdtext) t[c] |= c_text;
  add("\"\\", c_text);
  return t;
}

inline constexpr std::array<std::uint16_t, 256> char_table = make_char_table();

constexpr bool is(char c, std::uint16_t cls) {
  return (char_table[static_cast<unsigned char>(c)] & cls) != 0;
}

constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = to_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace cosip::sip::detail
