#include "sip/syntax/detail/host.hpp"

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip::detail {
namespace {

// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255.
bool is_ipv4(std::string_view s) {
  int parts = 0, digits = 0, value = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = value = 0;
    } else if (is(c, c_digit)) {
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return parts == 3 && digits > 0;
}

// IPv6address (RFC 3261 §25.1 as corrected by RFC 5954): groups of one to
// four hex digits, at most one "::", an optional IPv4address at the end.
// RFC 5118 §4.10: the form the original ABNF produced, ":::" before an IPv4
// tail ("2001:db8:::192.0.2.1"), is tolerated.
bool is_ipv6(std::string_view s) {
  const std::size_t n = s.size();
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.starts_with("::")) {
    compressed = true;
    i = 2;
  } else if (s.starts_with(":")) {
    return false;
  }
  while (i < n) {
    std::size_t j = i;
    while (j < n && is(s[j], c_hex)) ++j;
    if (j < n && s[j] == '.') {  // the IPv4 tail
      if (!is_ipv4(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    i = j;
    if (i == n) break;
    if (s[i++] != ':' || i == n) return false;
    if (s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i < n && s[i] == ':') {  // RFC 5118 §4.10 tolerance
        if (!is_ipv4(s.substr(i + 1))) return false;
        groups += 2;
        break;
      }
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

}  // namespace

const char* scan_host(const char*& p, const char* end, HostPort& out) {
  const char* start = p;
  if (p != end && *p == '[') {
    // IPv6reference = "[" IPv6address "]"
    ++p;
    while (p != end && is(*p, c_ipv6)) ++p;
    if (p == end || *p != ']') return "unterminated IPv6 reference";
    if (!is_ipv6({start + 1, static_cast<std::size_t>(p - start - 1)})) {
      p = start;
      return "malformed IPv6 reference";
    }
    ++p;
    out.host = {start, static_cast<std::size_t>(p - start)};
    out.kind = HostKind::ipv6;
    return nullptr;
  }
  // hostname = *( domainlabel "." ) toplabel [ "." ]; labels are runs of
  // alphanumerics and '-', not empty, not starting or ending with '-'. A
  // host whose last label starts with a digit must be an IPv4address.
  const char* q = p;  // a local cursor keeps the loops in registers
  const char* label = q;
  const char* top = q;  // start of the last non-empty label
  bool ok = true;
  for (;;) {
    while (q != end && is(*q, c_alpha | c_digit)) ++q;
    if (q == end) break;
    if (*q == '.') {
      ok &= q != label && q[-1] != '-';
      top = label;
      label = ++q;
    } else if (*q == '-') {
      ok &= q != label;
      ++q;
    } else {
      break;
    }
  }
  p = q;
  out.host = {start, static_cast<std::size_t>(q - start)};
  if (out.host.empty()) return "missing host";
  if (label != q) {  // no trailing dot: the last label is the toplabel
    ok &= q[-1] != '-';
    top = label;
  }
  if (ok && is(*top, c_digit)) {
    if (!is_ipv4(out.host)) {
      p = start;
      return "malformed IPv4 address";
    }
    out.kind = HostKind::ipv4;
    return nullptr;
  }
  out.kind = HostKind::name;
  if (!ok || top == q || !is(*top, c_alpha)) {
    p = start;
    return "malformed host";
  }
  return nullptr;
}

const char* scan_port(const char*& p, const char* end, HostPort& out) {
  const char* start = p;
  unsigned value = 0;
  while (p != end && is(*p, c_digit)) {
    value = value * 10 + static_cast<unsigned>(*p - '0');
    if (value > 65535) {
      p = start;
      return "port out of range";
    }
    ++p;
  }
  if (p == start) return "missing port";
  out.port = static_cast<std::uint16_t>(value);
  out.has_port = true;
  return nullptr;
}

const char* scan_hostport(const char*& p, const char* end, HostPort& out) {
  if (const char* err = scan_host(p, end, out)) return err;
  if (p != end && *p == ':') {
    ++p;
    return scan_port(p, end, out);
  }
  return nullptr;
}

}  // namespace cosip::sip::detail
