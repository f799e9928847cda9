// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), zero-copy, plus the
// generic absoluteURI form for other schemes (RFC 3261 §25.1).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "sip/syntax/error.hpp"

namespace cosip::sip {

// One ";name[=value]" parameter. Views point into the parsed buffer; a quoted
// value is stored without its quotes, its quoted-pairs still escaped.
struct Param {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
  bool quoted = false;
};

using Params = boost::container::small_vector<Param, 4>;
// Any small_vector of parameters, whatever its inline capacity.
using ParamsBase = boost::container::small_vector_base<Param>;

// First parameter whose name matches case-insensitively, or nullptr.
const Param* find_param(std::span<const Param> params, std::string_view name);

enum class HostKind : std::uint8_t { name, ipv4, ipv6 };

struct Uri {
  enum class Scheme : std::uint8_t { sip, sips, tel, other };

  Scheme scheme = Scheme::sip;
  std::string_view scheme_text;  // as received, e.g. "SIP"
  std::string_view user;         // sip/sips: still %-escaped; tel: the number
  std::string_view password;
  bool has_user = false;
  bool has_password = false;
  std::string_view host;         // an IPv6 reference keeps its brackets
  HostKind host_kind = HostKind::name;
  std::uint16_t port = 0;
  bool has_port = false;
  Params params;                 // uri-parameters (tel: its parameters)
  std::string_view headers;      // after '?', without it; still %-escaped
  bool has_headers = false;
  std::string_view opaque;       // Scheme::other: everything after "scheme:"
};

// Which characters end a URI: a Request-URI runs to the end of its view; an
// addr-spec outside <> ends where header parameters begin (RFC 3261 §20.10:
// such a URI cannot carry ';', '?' or ',').
enum class UriContext : std::uint8_t { whole, bare_addr_spec };

struct UriParse {
  std::size_t used = 0;         // bytes consumed
  const char* error = nullptr;  // static text; nullptr on success
  std::size_t error_offset = 0; // relative to the start of the input
};

UriParse parse_uri(std::string_view text, Uri& out, UriContext context = UriContext::whole);

// RFC 3261 §19.1.4 equality for sip/sips URIs (escapes decoded, case rules,
// the parameters that must match when present on either side, headers);
// other schemes compare byte for byte after case-folding the scheme.
bool uri_equal(const Uri& a, const Uri& b);

// Appends the URI's canonical text (scheme lower-cased, components as
// received) to out.
void append_uri(std::string& out, const Uri& uri);
std::string to_string(const Uri& uri);

// Appends ";name[=value]" for each parameter, re-quoting quoted values.
void append_params(std::string& out, std::span<const Param> params);

// Decodes %XX escapes; returns false on a malformed escape.
bool unescape(std::string_view in, std::string& out);

}  // namespace cosip::sip
