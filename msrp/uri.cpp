#include "msrp/uri.hpp"

#include "sip/syntax/detail/charset.hpp"

namespace cosip::msrp {

using sip::detail::is;
using sip::detail::iequals;

namespace {

bool is_alnum(char c) { return is(c, sip::detail::c_alpha | sip::detail::c_digit); }

// RFC 3986 userinfo: unreserved / pct-encoded / sub-delims / ":".
bool is_userinfo_char(char c) {
  return is(c, sip::detail::c_unreserved) || std::string_view("%!$&'()*+,;=:").find(c) != std::string_view::npos;
}

// RFC 4975 §9: session-id = 1*( unreserved / "+" / "=" / "/" ).
bool is_session_id_char(char c) { return is(c, sip::detail::c_unreserved) || c == '+' || c == '=' || c == '/'; }

// RFC 3261 uri-parameter characters, which RFC 4975 §9 borrows.
bool is_param_char(char c) {
  return is(c, sip::detail::c_unreserved | sip::detail::c_param_unreserved) || c == '%' || c == '=';
}

}  // namespace

bool parse_uri(std::string_view text, Uri& out) {
  out = Uri{};
  std::string_view rest = text;
  const std::size_t sep = rest.find("://");
  if (sep == std::string_view::npos) return false;
  const std::string_view scheme = rest.substr(0, sep);
  if (iequals(scheme, "msrps")) {
    out.secure = true;
  } else if (!iequals(scheme, "msrp")) {
    return false;
  }
  rest.remove_prefix(sep + 3);

  // authority = [ userinfo "@" ] host [ ":" port ] (RFC 3986 §3.2)
  const std::string_view authority = rest.substr(0, rest.find_first_of("/;"));
  rest.remove_prefix(authority.size());
  std::string_view hostport = authority;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = authority.substr(0, at);
    if (out.userinfo.empty()) return false;
    for (char c : out.userinfo)
      if (!is_userinfo_char(c)) return false;
    hostport = authority.substr(at + 1);
  }
  std::size_t host_end = 0;
  if (hostport.starts_with('[')) {
    host_end = hostport.find(']');
    if (host_end == std::string_view::npos || host_end < 3) return false;
    for (char c : hostport.substr(1, host_end - 1))
      if (!is(c, sip::detail::c_ipv6)) return false;
    ++host_end;
  } else {
    while (host_end < hostport.size() && is(hostport[host_end], sip::detail::c_host)) ++host_end;
    if (host_end == 0) return false;
  }
  out.host = hostport.substr(0, host_end);
  if (host_end < hostport.size()) {
    if (hostport[host_end] != ':') return false;
    const std::string_view digits = hostport.substr(host_end + 1);
    if (digits.empty() || digits.size() > 5) return false;
    unsigned value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return false;
    out.port = static_cast<std::uint16_t>(value);
  }

  if (rest.starts_with('/')) {
    const std::size_t semi = rest.find(';');
    out.session_id = rest.substr(1, semi == std::string_view::npos ? std::string_view::npos : semi - 1);
    if (out.session_id.empty()) return false;
    for (char c : out.session_id)
      if (!is_session_id_char(c)) return false;
    rest.remove_prefix(1 + out.session_id.size());
  }

  // ";" transport: mandatory (§9).
  if (!rest.starts_with(';')) return false;
  rest.remove_prefix(1);
  std::size_t transport_end = 0;
  while (transport_end < rest.size() && is_alnum(rest[transport_end])) ++transport_end;
  if (transport_end == 0 || (transport_end < rest.size() && rest[transport_end] != ';')) return false;
  out.transport = rest.substr(0, transport_end);
  out.parameters = rest.substr(transport_end);
  // *( ";" URI-parameter ), each non-empty.
  std::string_view params = out.parameters;
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    const std::size_t next = params.find(';');
    const std::string_view param = params.substr(0, next);
    if (param.empty()) return false;
    for (char c : param)
      if (!is_param_char(c)) return false;
    params.remove_prefix(param.size());
  }
  return true;
}

bool equivalent(const Uri& a, const Uri& b) {
  return a.secure == b.secure && iequals(a.host, b.host) && a.port == b.port && a.session_id == b.session_id &&
         iequals(a.transport, b.transport);
}

void append_uri(std::string& out, const Uri& uri) {
  out += uri.secure ? "msrps://" : "msrp://";
  if (!uri.userinfo.empty()) {
    out += uri.userinfo;
    out += '@';
  }
  out += uri.host;
  if (uri.port != 0) {
    out += ':';
    out += std::to_string(uri.port);
  }
  if (!uri.session_id.empty()) {
    out += '/';
    out += uri.session_id;
  }
  out += ';';
  out += uri.transport;
  out += uri.parameters;
}

}  // namespace cosip::msrp
