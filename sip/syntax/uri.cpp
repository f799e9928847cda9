#include "sip/syntax/uri.hpp"

#include <algorithm>
#include <vector>

#include "sip/syntax/detail/charset.hpp"
#include "sip/syntax/detail/host.hpp"
#include "sip/syntax/detail/scanner.hpp"

namespace cosip::sip {
namespace {

using namespace detail;

constexpr std::uint16_t user_chars = c_unreserved | c_user_unreserved;
constexpr std::uint16_t password_chars = c_password;
constexpr std::uint16_t param_chars = c_unreserved | c_param_unreserved;
constexpr std::uint16_t header_chars = c_unreserved | c_hnv_unreserved;
constexpr std::uint16_t uric_chars = c_unreserved | c_reserved;

struct UriScan {
  const char* begin;
  const char* p;
  const char* end;
  const char* error = nullptr;
  const char* error_at = nullptr;

  bool fail(const char* what, const char* at) {
    error = what;
    error_at = at;
    return false;
  }
  bool fail(const char* what) { return fail(what, p); }

  // *(cls / escaped); `escaped` = "%" HEXDIG HEXDIG.
  bool escaped_span(std::uint16_t cls, std::string_view& out) {
    const char* start = p;
    const char* q = p;  // a local cursor keeps the loop in registers
    while (q != end) {
      if (is(*q, cls)) {
        ++q;
      } else if (*q == '%') {
        if (end - q < 3 || !is(q[1], c_hex) || !is(q[2], c_hex)) return fail("bad %-escape", q);
        q += 3;
      } else {
        break;
      }
    }
    p = q;
    out = {start, static_cast<std::size_t>(q - start)};
    return true;
  }
};

bool parse_params(UriScan& s, Params& params) {
  while (s.p != s.end && *s.p == ';') {
    ++s.p;
    Param param;
    if (!s.escaped_span(param_chars, param.name)) return false;
    if (param.name.empty()) return s.fail("empty URI parameter");
    if (s.p != s.end && *s.p == '=') {
      ++s.p;
      if (!s.escaped_span(param_chars, param.value)) return false;
      if (param.value.empty()) return s.fail("empty URI parameter value");
      param.has_value = true;
    }
    params.push_back(param);
  }
  return true;
}

bool parse_headers(UriScan& s, Uri& out) {
  if (s.p == s.end || *s.p != '?') return true;
  const char* start = ++s.p;
  for (;;) {
    std::string_view name, value;
    if (!s.escaped_span(header_chars, name)) return false;
    if (name.empty()) return s.fail("empty URI header name");
    if (s.p == s.end || *s.p != '=') return s.fail("expected '=' in URI header");
    ++s.p;
    if (!s.escaped_span(header_chars, value)) return false;
    if (s.p == s.end || *s.p != '&') break;
    ++s.p;
  }
  out.headers = {start, static_cast<std::size_t>(s.p - start)};
  out.has_headers = true;
  return true;
}

// sip:/sips: after the scheme's colon (RFC 3261 §19.1.1, §25.1).
bool parse_sip(UriScan& s, Uri& out) {
  // userinfo = user [ ":" password ] "@". Neither part can hold an unescaped
  // '@' or a ':' of its own, so scan tentatively: without an '@' after them
  // the characters were host and port.
  const char* start = s.p;
  std::string_view user, password;
  if (!s.escaped_span(user_chars, user)) return false;
  bool has_password = false;
  if (s.p != s.end && *s.p == ':') {
    ++s.p;
    if (!s.escaped_span(password_chars, password)) return false;
    has_password = true;
  }
  if (s.p != s.end && *s.p == '@') {
    if (user.empty()) return s.fail("empty user part", start);
    out.user = user;
    out.has_user = true;
    out.password = password;
    out.has_password = has_password;
    ++s.p;
  } else {
    s.p = start;
  }
  HostPort hp;
  const char* err = scan_hostport(s.p, s.end, hp);
  if (err != nullptr) return s.fail(err);
  out.host = hp.host;
  out.host_kind = hp.kind;
  out.port = hp.port;
  out.has_port = hp.has_port;
  if (!parse_params(s, out.params)) return false;
  return parse_headers(s, out);
}

// tel: (RFC 3966 §3): a number of digits and visual separators, then params.
bool parse_tel(UriScan& s, Uri& out) {
  const char* start = s.p;
  if (s.p != s.end && *s.p == '+') ++s.p;
  while (s.p != s.end && (is(*s.p, c_hex) || std::string_view("*#-.()").find(*s.p) != std::string_view::npos))
    ++s.p;
  out.user = {start, static_cast<std::size_t>(s.p - start)};
  if (out.user.empty() || out.user == "+") return s.fail("empty telephone number");
  out.has_user = true;
  return parse_params(s, out.params);
}

}  // namespace

const Param* find_param(std::span<const Param> params, std::string_view name) {
  for (const Param& p : params)
    if (iequals(p.name, name)) return &p;
  return nullptr;
}

UriParse parse_uri(std::string_view text, Uri& out, UriContext context) {
  // Reset member by member: assigning a fresh Uri would copy its inline storage.
  out.scheme = Uri::Scheme::sip;
  out.scheme_text = out.user = out.password = out.host = out.headers = out.opaque = {};
  out.has_user = out.has_password = out.has_port = out.has_headers = false;
  out.host_kind = HostKind::name;
  out.port = 0;
  out.params.clear();
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (context == UriContext::bare_addr_spec) {
    // §20.10: outside <> the URI ends at the header parameters, the next list
    // value, or whitespace; a '?' there cannot start URI headers.
    const char* stop = begin;
    while (stop != end && *stop != ';' && *stop != ',' && !is(*stop, c_wsp) && *stop != '\r') ++stop;
    end = stop;
  }
  UriScan s{begin, begin, end};
  auto result = [&](bool ok) {
    UriParse r;
    r.used = static_cast<std::size_t>(s.p - begin);
    if (!ok) {
      r.error = s.error;
      r.error_offset = static_cast<std::size_t>(s.error_at - begin);
    }
    return r;
  };

  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  if (s.p == end || !is(*s.p, c_alpha)) return result(s.fail("URI must start with a scheme"));
  while (s.p != end && (is(*s.p, c_alpha | c_digit) || *s.p == '+' || *s.p == '-' || *s.p == '.')) ++s.p;
  out.scheme_text = {begin, static_cast<std::size_t>(s.p - begin)};
  if (s.p == end || *s.p != ':') return result(s.fail("expected ':' after URI scheme"));
  ++s.p;

  bool ok;
  if (iequals(out.scheme_text, "sip") || iequals(out.scheme_text, "sips")) {
    out.scheme = out.scheme_text.size() == 3 ? Uri::Scheme::sip : Uri::Scheme::sips;
    ok = parse_sip(s, out);
  } else if (iequals(out.scheme_text, "tel")) {
    out.scheme = Uri::Scheme::tel;
    ok = parse_tel(s, out);
  } else {
    out.scheme = Uri::Scheme::other;
    std::string_view opaque;
    ok = s.escaped_span(uric_chars, opaque);
    if (ok && opaque.empty()) ok = s.fail("empty URI after scheme");
    out.opaque = opaque;
  }
  if (ok && s.p != end) ok = s.fail("unexpected character in URI");
  // §20.10: a URI with headers must be enclosed in <>.
  if (ok && context == UriContext::bare_addr_spec && out.has_headers)
    ok = s.fail("a URI with headers must be enclosed in <>", out.headers.data() - 1);
  if (ok && context == UriContext::bare_addr_spec && s.p != text.data() + text.size() &&
      *s.p != ';' && *s.p != ',' && !is(*s.p, c_wsp) && *s.p != '\r')
    ok = s.fail("unexpected character in URI");
  return result(ok);
}

bool unescape(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

namespace {

bool unescaped_equal(std::string_view a, std::string_view b, bool ignore_case) {
  std::string ua, ub;
  if (!unescape(a, ua) || !unescape(b, ub)) return a == b;
  return ignore_case ? iequals(ua, ub) : ua == ub;
}

// The parameters of §19.1.4 that make two URIs differ when only one has them.
bool must_match_when_present(std::string_view name) {
  return iequals(name, "user") || iequals(name, "ttl") || iequals(name, "method") ||
         iequals(name, "maddr") || iequals(name, "transport");
}

const Param* find_param_unescaped(const Params& params, std::string_view name) {
  for (const Param& p : params)
    if (unescaped_equal(p.name, name, true)) return &p;
  return nullptr;
}

bool params_equal(const Params& a, const Params& b) {
  for (const Param& pa : a) {
    const Param* pb = find_param_unescaped(b, pa.name);
    if (pb == nullptr) {
      if (must_match_when_present(pa.name)) return false;
      continue;
    }
    if (pa.has_value != pb->has_value || !unescaped_equal(pa.value, pb->value, true)) return false;
  }
  for (const Param& pb : b)
    if (must_match_when_present(pb.name) && find_param_unescaped(a, pb.name) == nullptr) return false;
  return true;
}

struct UriHeader {
  std::string name;
  std::string value;
};

bool split_headers(std::string_view text, std::vector<UriHeader>& out) {
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view one = text.substr(0, amp);
    const std::size_t eq = one.find('=');
    if (eq == std::string_view::npos) return false;
    UriHeader h;
    if (!unescape(one.substr(0, eq), h.name) || !unescape(one.substr(eq + 1), h.value)) return false;
    std::transform(h.name.begin(), h.name.end(), h.name.begin(), to_lower);
    out.push_back(std::move(h));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return true;
}

// §19.1.4: header components are never ignored; each must be present in both
// URIs and match, in any order.
bool headers_equal(const Uri& a, const Uri& b) {
  if (!a.has_headers && !b.has_headers) return true;
  std::vector<UriHeader> ha, hb;
  if (!split_headers(a.headers, ha) || !split_headers(b.headers, hb)) return a.headers == b.headers;
  if (ha.size() != hb.size()) return false;
  const auto less = [](const UriHeader& x, const UriHeader& y) {
    return x.name != y.name ? x.name < y.name : x.value < y.value;
  };
  std::sort(ha.begin(), ha.end(), less);
  std::sort(hb.begin(), hb.end(), less);
  for (std::size_t i = 0; i < ha.size(); ++i)
    if (ha[i].name != hb[i].name || ha[i].value != hb[i].value) return false;
  return true;
}

}  // namespace

bool uri_equal(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) return false;
  if (a.scheme == Uri::Scheme::other)
    return iequals(a.scheme_text, b.scheme_text) && a.opaque == b.opaque;
  // userinfo is case-sensitive, compared after unescaping.
  if (a.has_user != b.has_user || !unescaped_equal(a.user, b.user, false)) return false;
  if (a.has_password != b.has_password || !unescaped_equal(a.password, b.password, false)) return false;
  if (!iequals(a.host, b.host)) return false;
  // A URI without a port differs from one with the default port.
  if (a.has_port != b.has_port || a.port != b.port) return false;
  return params_equal(a.params, b.params) && headers_equal(a, b);
}

void append_params(std::string& out, std::span<const Param> params) {
  for (const Param& p : params) {
    out += ';';
    out += p.name;
    if (!p.has_value) continue;
    out += '=';
    if (p.quoted) out += '"';
    append_unfolded(out, p.value);
    if (p.quoted) out += '"';
  }
}

void append_uri(std::string& out, const Uri& uri) {
  switch (uri.scheme) {
    case Uri::Scheme::sip: out += "sip:"; break;
    case Uri::Scheme::sips: out += "sips:"; break;
    case Uri::Scheme::tel: out += "tel:"; break;
    case Uri::Scheme::other:
      for (char c : uri.scheme_text) out += to_lower(c);
      out += ':';
      out += uri.opaque;
      return;
  }
  if (uri.has_user) {
    out += uri.user;
    if (uri.scheme == Uri::Scheme::tel) {
      append_params(out, uri.params);
      return;
    }
    if (uri.has_password) {
      out += ':';
      out += uri.password;
    }
    out += '@';
  }
  out += uri.host;
  if (uri.has_port) {
    out += ':';
    out += std::to_string(uri.port);
  }
  append_params(out, uri.params);
  if (uri.has_headers) {
    out += '?';
    out += uri.headers;
  }
}

std::string to_string(const Uri& uri) {
  std::string s;
  append_uri(s, uri);
  return s;
}

}  // namespace cosip::sip
