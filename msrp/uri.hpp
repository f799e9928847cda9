// MSRP URIs (RFC 4975 §6, §9):
//   msrp-uri = ("msrp" / "msrps") "://" [userinfo "@"] host [":" port]
//              ["/" session-id] ";" transport *(";" URI-parameter)
// Parsed as views into the text; nothing is copied.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::msrp {

// RFC 4975 §15.4: the port IANA registered for MSRP.
inline constexpr std::uint16_t default_port = 2855;

struct Uri {
  bool secure = false;               // msrps: (TLS)
  std::string_view userinfo;         // without the "@"; empty when absent
  std::string_view host;             // reg-name, IPv4 or "[IPv6]" as written
  std::uint16_t port = 0;            // 0 when absent
  std::string_view session_id;       // empty when absent (relay URIs, RFC 4976)
  std::string_view transport;        // "tcp" or an extension token
  std::string_view parameters;       // ";name=value..." after the transport, as written

  // Where to connect: the port given, else 2855.
  std::uint16_t effective_port() const { return port != 0 ? port : default_port; }
};

// Parses one whole URI; false when `text` is not an msrp-uri (then `out` is
// unspecified). Never throws.
bool parse_uri(std::string_view text, Uri& out);

// RFC 4975 §6.1 comparison: scheme, host and transport case-insensitive;
// session-id case-sensitive; an explicit port matches only the same explicit
// port (a URI without a port never equals one with a port, even 2855);
// userinfo and other URI parameters are ignored.
bool equivalent(const Uri& a, const Uri& b);

// Appends the URI in its written form.
void append_uri(std::string& out, const Uri& uri);

}  // namespace cosip::msrp
