#include "sip/syntax/header_values.hpp"

#include "sip/syntax/detail/host.hpp"
#include "sip/syntax/detail/scanner.hpp"

namespace cosip::sip {
namespace {

using namespace detail;

constexpr std::uint32_t max_cseq = 0x7fffffffu;  // §8.1.1.5: less than 2**31
constexpr std::uint32_t max_uint32 = 0xffffffffu;

DecodeResult result(const Scanner& s) { return {s.error_what(), s.error_at(), s.over_limit()}; }

// The value must be used up.
DecodeResult finish(Scanner& s, bool ok) {
  if (ok && !s.at_end()) s.fail("unexpected character");
  return result(s);
}

enum class ParamStyle : std::uint8_t {
  generic,  // gen-value = token / host / quoted-string
  via,      // also a bare IPv6 address (received=, RFC 5118 §4.5)
};

// *( SEMI param ), param = token [ EQUAL gen-value ].
bool parse_params(Scanner& s, ParamsBase& out, const ValueLimits& limits, ParamStyle style = ParamStyle::generic) {
  while (s.separator(';')) {
    if (out.size() >= limits.max_params) return s.fail_limit("too many parameters");
    Param p;
    p.name = s.token();
    if (p.name.empty()) return s.fail("empty parameter");
    if (s.separator('=')) {
      p.has_value = true;
      if (s.next_is('"')) {
        p.quoted = true;
        if (!s.quoted_string(p.value)) return false;
      } else if (s.next_is('[')) {
        const char* start = s.pos();
        const char* q = start;
        HostPort hp;
        if (const char* err = scan_host(q, s.end(), hp)) return s.fail(err);
        s.set_pos(q);
        p.value = {start, static_cast<std::size_t>(q - start)};
      } else {
        p.value = s.span(static_cast<std::uint16_t>(style == ParamStyle::via ? c_token | c_ipv6 : c_token));
        if (p.value.empty()) return s.fail("empty parameter value");
      }
    }
    out.push_back(p);
  }
  return true;
}

// name-addr / addr-spec followed by header parameters (§20.10, §25.1). The
// parse_* functions fill a freshly constructed value.
bool parse_name_addr(Scanner& s, NameAddr& out, const ValueLimits& limits) {
  const char* start = s.pos();
  if (s.next_is('"')) {
    if (!s.quoted_string(out.display_name)) return false;
    out.display_quoted = true;
    s.skip_lws();
    if (!s.next_is('<')) return s.fail("expected '<' after display name");
  } else if (!s.next_is('<')) {
    // display-name = *(token LWS): a run of tokens is a display name only if
    // '<' follows; otherwise the value is an addr-spec.
    const char* last_end = s.pos();
    while (!s.token().empty()) {
      last_end = s.pos();
      s.skip_lws();
    }
    if (s.next_is('<')) {
      out.display_name = {start, static_cast<std::size_t>(last_end - start)};
    } else {
      s.set_pos(start);
      const UriParse up = parse_uri(s.rest(), out.uri, UriContext::bare_addr_spec);
      if (up.error != nullptr) return s.fail_at(start + up.error_offset, up.error);
      s.set_pos(start + up.used);
      return parse_params(s, out.params, limits);
    }
  }
  // LAQUOT addr-spec RAQUOT, with no whitespace inside the brackets.
  s.consume('<');
  const char* uri_start = s.pos();
  const std::string_view rest = s.rest();
  const std::size_t close = rest.find('>');
  if (close == std::string_view::npos) return s.fail("missing '>'");
  const UriParse up = parse_uri(rest.substr(0, close), out.uri, UriContext::whole);
  if (up.error != nullptr) return s.fail_at(uri_start + up.error_offset, up.error);
  s.set_pos(uri_start + close + 1);
  out.angle_brackets = true;
  return parse_params(s, out.params, limits);
}

bool parse_via(Scanner& s, Via& out, const ValueLimits& limits) {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  out.protocol_name = s.token();
  if (out.protocol_name.empty()) return s.fail("expected protocol name");
  if (!s.separator('/')) return s.fail("expected '/'");
  out.protocol_version = s.token();
  if (out.protocol_version.empty()) return s.fail("expected protocol version");
  if (!s.separator('/')) return s.fail("expected '/'");
  out.transport = s.token();
  if (out.transport.empty()) return s.fail("expected transport");
  if (!s.skip_lws()) return s.fail("expected whitespace before sent-by");
  // sent-by = host [ COLON port ]
  HostPort hp;
  const char* q = s.pos();
  if (const char* err = scan_host(q, s.end(), hp)) return s.fail_at(q, err);
  s.set_pos(q);
  if (s.separator(':')) {
    q = s.pos();
    if (const char* err = scan_port(q, s.end(), hp)) return s.fail_at(q, err);
    s.set_pos(q);
  }
  out.host = hp.host;
  out.host_kind = hp.kind;
  out.port = hp.port;
  out.has_port = hp.has_port;
  return parse_params(s, out.params, limits, ParamStyle::via);
}

// Runs `one` for each COMMA-separated element (1#element: no empty ones).
template <class List, class One>
DecodeResult decode_list(std::string_view value, List& out, const ValueLimits& limits, One one) {
  Scanner s(value);
  const std::size_t first = out.size();
  bool ok = true;
  do {
    if (out.size() - first >= limits.max_list_values) {
      ok = s.fail_limit("too many values");
      break;
    }
    out.emplace_back();
    ok = one(s, out.back());
  } while (ok && s.separator(','));
  return finish(s, ok);
}

bool parse_media_type(Scanner& s, MediaType& out, const ValueLimits& limits) {
  out.type = s.token();
  if (out.type.empty()) return s.fail("expected media type");
  if (!s.separator('/')) return s.fail("expected '/'");
  out.subtype = s.token();
  if (out.subtype.empty()) return s.fail("expected media subtype");
  return parse_params(s, out.params, limits);
}

bool parse_token_params(Scanner& s, TokenParams& out, const ValueLimits& limits) {
  out.value = s.token();
  if (out.value.empty()) return s.fail("expected token");
  return parse_params(s, out.params, limits);
}

// comment = LPAREN *(ctext / quoted-pair / comment) RPAREN
bool parse_comment(Scanner& s, int depth, int max_depth) {
  if (depth > max_depth) return s.fail_limit("comments nested too deeply");
  if (!s.consume('(')) return s.fail("expected '('");
  while (!s.at_end()) {
    const char c = *s.pos();
    if (c == ')') {
      s.consume(')');
      return true;
    }
    if (c == '(') {
      if (!parse_comment(s, depth + 1, max_depth)) return false;
    } else if (c == '\\') {
      if (s.left() < 2) break;
      s.set_pos(s.pos() + 2);
    } else if (c == '\r') {
      if (!s.skip_lws()) return s.fail("bare CR in comment");
    } else {
      s.set_pos(s.pos() + 1);
    }
  }
  return s.fail("unterminated comment");
}

bool parse_uint(Scanner& s, std::uint32_t max, std::uint32_t& out, const char* what) {
  unsigned long long v = 0;
  if (!s.number(max, v, what)) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

std::string_view NameAddr::tag() const {
  const Param* p = find_param(params, "tag");
  return p != nullptr ? p->value : std::string_view{};
}

std::string_view Via::branch() const {
  const Param* p = find_param(params, "branch");
  return p != nullptr ? p->value : std::string_view{};
}
const Param* Via::received() const { return find_param(params, "received"); }
const Param* Via::rport() const { return find_param(params, "rport"); }

DecodeResult decode_via_list(std::string_view value, ViaList& out, const ValueLimits& limits) {
  return decode_list(value, out, limits, [&limits](Scanner& s, Via& v) { return parse_via(s, v, limits); });
}

DecodeResult decode_name_addr(std::string_view value, NameAddr& out, const ValueLimits& limits) {
  out = NameAddr{};
  Scanner s(value);
  return finish(s, parse_name_addr(s, out, limits));
}

DecodeResult decode_route_list(std::string_view value, NameAddrList& out, const ValueLimits& limits) {
  return decode_list(value, out, limits, [&limits](Scanner& s, NameAddr& v) {
    const char* start = s.pos();
    if (!parse_name_addr(s, v, limits)) return false;
    return v.angle_brackets || s.fail_at(start, "route entries must be in <>");
  });
}

DecodeResult decode_contact(std::string_view value, ContactList& out, const ValueLimits& limits) {
  out.star = false;
  out.entries.clear();
  if (value == "*") {
    out.star = true;
    return {};
  }
  return decode_list(value, out.entries, limits,
                     [&limits](Scanner& s, NameAddr& v) { return parse_name_addr(s, v, limits); });
}

DecodeResult decode_call_id(std::string_view value, std::string_view& out) {
  // callid = word [ "@" word ]
  Scanner s(value);
  bool ok = !s.span(c_word).empty();
  if (ok && s.consume('@')) ok = !s.span(c_word).empty();
  if (!ok) s.fail("malformed Call-ID");
  out = value;
  return finish(s, ok);
}

DecodeResult decode_cseq(std::string_view value, CSeq& out) {
  Scanner s(value);
  bool ok = parse_uint(s, max_cseq, out.number, "CSeq number out of range");
  if (ok && !s.skip_lws()) ok = s.fail("expected whitespace after CSeq number");
  if (ok) {
    out.method = s.token();
    if (out.method.empty()) ok = s.fail("expected method");
  }
  return finish(s, ok);
}

DecodeResult decode_rack(std::string_view value, RAck& out) {
  Scanner s(value);
  bool ok = parse_uint(s, max_uint32, out.rseq, "RSeq number out of range");
  if (ok && !s.skip_lws()) ok = s.fail("expected whitespace");
  if (ok) ok = parse_uint(s, max_cseq, out.cseq, "CSeq number out of range");
  if (ok && !s.skip_lws()) ok = s.fail("expected whitespace");
  if (ok) {
    out.method = s.token();
    if (out.method.empty()) ok = s.fail("expected method");
  }
  return finish(s, ok);
}

DecodeResult decode_uint(std::string_view value, std::uint32_t max, std::uint32_t& out) {
  Scanner s(value);
  return finish(s, parse_uint(s, max, out, "number malformed or out of range"));
}

DecodeResult decode_media_type(std::string_view value, MediaType& out, const ValueLimits& limits) {
  out = MediaType{};
  Scanner s(value);
  return finish(s, parse_media_type(s, out, limits));
}

DecodeResult decode_accept(std::string_view value, MediaTypeList& out, const ValueLimits& limits) {
  if (value.empty()) return {};
  return decode_list(value, out, limits,
                     [&limits](Scanner& s, MediaType& v) { return parse_media_type(s, v, limits); });
}

DecodeResult decode_token(std::string_view value, std::string_view& out) {
  Scanner s(value);
  out = s.token();
  return finish(s, !out.empty() || s.fail("expected token"));
}

DecodeResult decode_token_list(std::string_view value, TokenList& out, bool allow_empty,
                               const ValueLimits& limits) {
  if (value.empty() && allow_empty) return {};
  return decode_list(value, out, limits, [](Scanner& s, std::string_view& v) {
    v = s.token();
    return !v.empty() || s.fail("expected token");
  });
}

DecodeResult decode_token_params(std::string_view value, TokenParams& out, const ValueLimits& limits) {
  out = TokenParams{};
  Scanner s(value);
  return finish(s, parse_token_params(s, out, limits));
}

DecodeResult decode_token_params_list(std::string_view value, TokenParamsList& out,
                                      const ValueLimits& limits) {
  return decode_list(value, out, limits,
                     [&limits](Scanner& s, TokenParams& v) { return parse_token_params(s, v, limits); });
}

DecodeResult decode_auth(std::string_view value, AuthValue& out, const ValueLimits& limits) {
  // challenge / credentials = auth-scheme LWS auth-param *(COMMA auth-param)
  Scanner s(value);
  out = AuthValue{};
  out.scheme = s.token();
  if (out.scheme.empty()) return finish(s, s.fail("expected auth scheme"));
  if (!s.skip_lws()) return finish(s, s.fail("expected whitespace after auth scheme"));
  bool ok = true;
  do {
    if (out.params.size() >= limits.max_params) {
      ok = s.fail_limit("too many parameters");
      break;
    }
    Param p;
    p.name = s.token();
    p.has_value = true;
    if (p.name.empty()) {
      ok = s.fail("expected auth parameter");
    } else if (!s.separator('=')) {
      ok = s.fail("expected '='");
    } else if (s.next_is('"')) {
      p.quoted = true;
      ok = s.quoted_string(p.value);
    } else {
      p.value = s.token();
      if (p.value.empty()) ok = s.fail("empty auth parameter value");
    }
    out.params.push_back(p);
  } while (ok && s.separator(','));
  return finish(s, ok);
}

DecodeResult decode_retry_after(std::string_view value, RetryAfter& out, const ValueLimits& limits) {
  Scanner s(value);
  out = RetryAfter{};
  bool ok = parse_uint(s, max_uint32, out.seconds, "delta-seconds out of range");
  if (ok) {
    const char* save = s.pos();
    s.skip_lws();
    if (s.next_is('(')) {
      const char* start = s.pos();
      ok = parse_comment(s, 1, limits.max_nesting);
      out.comment = {start, static_cast<std::size_t>(s.pos() - start)};
    } else {
      s.set_pos(save);
    }
  }
  if (ok) ok = parse_params(s, out.params, limits);
  return finish(s, ok);
}

DecodeResult decode_warning_list(std::string_view value, WarningList& out, const ValueLimits& limits) {
  // warning-value = warn-code SP warn-agent SP warn-text (§20.43)
  return decode_list(value, out, limits, [](Scanner& s, Warning& w) {
    const std::string_view code = s.span(c_digit);
    if (code.size() != 3) return s.fail("warn-code must be 3 digits");
    w.code = static_cast<std::uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
    if (!s.consume(' ')) return s.fail("expected SP");
    const char* start = s.pos();
    while (!s.at_end() && *s.pos() != ' ') s.set_pos(s.pos() + 1);
    w.agent = {start, static_cast<std::size_t>(s.pos() - start)};
    if (w.agent.empty()) return s.fail("expected warn-agent");
    if (!s.consume(' ')) return s.fail("expected SP");
    return s.quoted_string(w.text);
  });
}

DecodeResult decode_text(std::string_view value) {
  Scanner s(value);
  for (;;) {
    s.span(c_text);
    if (s.at_end()) return {};
    if (!s.skip_lws()) return finish(s, s.fail("control character"));
  }
}

DecodeResult decode_date(std::string_view value) {
  // rfc1123-date = wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT
  static constexpr std::string_view days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Scanner s(value);
  auto one_of = [&s](const auto& names) {
    if (s.left() < 3) return false;
    const std::string_view word = s.rest().substr(0, 3);
    for (std::string_view n : names)
      if (word == n) {
        s.set_pos(s.pos() + 3);
        return true;
      }
    return false;
  };
  auto digits = [&s](std::size_t n, int max) {
    const std::string_view d = s.span(c_digit);
    if (d.size() != n) return false;
    int v = 0;
    for (char c : d) v = v * 10 + (c - '0');
    return v <= max;
  };
  const bool ok = one_of(days) && s.consume(',') && s.consume(' ') && digits(2, 31) && s.consume(' ') &&
                  one_of(months) && s.consume(' ') && digits(4, 9999) && s.consume(' ') && digits(2, 23) &&
                  s.consume(':') && digits(2, 59) && s.consume(':') && digits(2, 60) && s.consume(' ') &&
                  s.rest() == "GMT";
  if (!ok) s.fail("not an rfc1123-date in GMT");
  return result(s);
}

// --- canonical text --------------------------------------------------------

void append(std::string& out, const Via& v) {
  out += v.protocol_name;
  out += '/';
  out += v.protocol_version;
  out += '/';
  out += v.transport;
  out += ' ';
  out += v.host;
  if (v.has_port) {
    out += ':';
    out += std::to_string(v.port);
  }
  append_params(out, v.params);
}

void append(std::string& out, const NameAddr& v) {
  if (!v.display_name.empty()) {
    if (v.display_quoted) out += '"';
    append_unfolded(out, v.display_name);
    if (v.display_quoted) out += '"';
    out += ' ';
  }
  const bool angle = v.angle_brackets || !v.display_name.empty();
  if (angle) out += '<';
  append_uri(out, v.uri);
  if (angle) out += '>';
  append_params(out, v.params);
}

void append(std::string& out, const CSeq& v) {
  out += std::to_string(v.number);
  out += ' ';
  out += v.method;
}

void append(std::string& out, const RAck& v) {
  out += std::to_string(v.rseq);
  out += ' ';
  out += std::to_string(v.cseq);
  out += ' ';
  out += v.method;
}

void append(std::string& out, const MediaType& v) {
  out += v.type;
  out += '/';
  out += v.subtype;
  append_params(out, v.params);
}

void append(std::string& out, const TokenParams& v) {
  out += v.value;
  append_params(out, v.params);
}

void append(std::string& out, const AuthValue& v) {
  out += v.scheme;
  char sep = ' ';
  for (const Param& p : v.params) {
    out += sep;
    sep = ',';
    out += p.name;
    out += '=';
    if (p.quoted) out += '"';
    append_unfolded(out, p.value);
    if (p.quoted) out += '"';
  }
}

void append(std::string& out, const RetryAfter& v) {
  out += std::to_string(v.seconds);
  if (!v.comment.empty()) {
    out += ' ';
    append_unfolded(out, v.comment);
  }
  append_params(out, v.params);
}

void append(std::string& out, const Warning& v) {
  // warn-code is exactly 3 digits (§20.43), "099" included.
  out += static_cast<char>('0' + v.code / 100 % 10);
  out += static_cast<char>('0' + v.code / 10 % 10);
  out += static_cast<char>('0' + v.code % 10);
  out += ' ';
  out += v.agent;
  out += " \"";
  append_unfolded(out, v.text);
  out += '"';
}

}  // namespace cosip::sip
