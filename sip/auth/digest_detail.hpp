// Internals shared by the Digest client and server: reading auth-param
// values and writing quoted-strings (RFC 3261 §25.1).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sip/syntax/uri.hpp"

namespace cosip::sip::detail {

// The value of a received auth-param: quoted-pairs undone, each fold read as
// one SP (§7.3.1). Token values come back as they are.
std::string param_text(const Param& p);

// The text of the first parameter named `name` (case-insensitive); empty,
// with *found false, when there is none.
std::string param_text(std::span<const Param> params, std::string_view name, bool* found = nullptr);

// `"value"` with '"', '\' and control characters other than HTAB escaped as
// quoted-pairs. CR and LF cannot be escaped: they are written as SP.
void append_quoted(std::string& out, std::string_view value);

// Writes `Digest name=value, name="value", ...` (RFC 3261 §25.1 challenge
// and credentials: auth-params separated by COMMA).
class DigestWriter {
 public:
  explicit DigestWriter(std::string& out) : out_(out) { out_ += "Digest"; }
  void add(std::string_view name, std::string_view value, bool quoted);

 private:
  std::string& out_;
  bool first_ = true;
};

bool has_crlf(std::string_view s);

}  // namespace cosip::sip::detail
