#include "msrp/cpim.hpp"

#include <algorithm>
#include <array>

#include "msrp/detail/utf8.hpp"

namespace cosip::msrp {
namespace {

bool is_alpha(unsigned char u) { return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'); }
bool is_digit(unsigned char u) { return u >= '0' && u <= '9'; }
bool is_hex(unsigned char u) { return is_digit(u) || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F'); }

// NAMECHAR = %x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT (§3.6)
bool is_namechar(unsigned char u) {
  return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d ||
         (u >= 0x5e && u <= 0x60) || u == 0x7c || u == 0x7e || is_alpha(u) || is_digit(u);
}

// Length of the well-formed UTF-8 character at s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  std::uint32_t cp = 0;
  return detail::utf8_decode(s, i, cp);
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_namechar(static_cast<unsigned char>(c)); });
}

// Token = 1*TOKENCHAR; TOKENCHAR = NAMECHAR / "." / UCS-high
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size();) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) return false;
      i += n;
    } else if (is_namechar(u) || u == '.') {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

// Language-tag = Primary-subtag *( "-" Subtag ) (RFC 3066 §2.1)
bool is_language_tag(std::string_view s) {
  bool first = true;
  while (true) {
    const std::size_t dash = s.find('-');
    const std::string_view sub = s.substr(0, dash);
    if (sub.empty() || sub.size() > 8) return false;
    for (char c : sub) {
      const auto u = static_cast<unsigned char>(c);
      if (!is_alpha(u) && (first || !is_digit(u))) return false;
    }
    if (dash == std::string_view::npos) return true;
    s.remove_prefix(dash + 1);
    first = false;
  }
}

// "<" URI ">" content: an absolute URI (RFC 3986 §3: scheme ":" ...) of
// visible ASCII without the delimiters that would end or break it.
bool is_uri(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon == 0 || colon == std::string_view::npos || !is_alpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (!is_alpha(u) && !is_digit(u) && u != '+' && u != '-' && u != '.') return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && u != '<' && u != '>' && u != '"';
  });
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// Header fields of the core namespace (§4) that the parser types.
enum class Core : std::uint8_t { none, from, to, cc, date_time, subject, ns, require };

Core core_header(std::string_view name) {
  // Exact, case-sensitive names (§3.1).
  if (name == "From") return Core::from;
  if (name == "To") return Core::to;
  if (name == "cc") return Core::cc;
  if (name == "DateTime") return Core::date_time;
  if (name == "Subject") return Core::subject;
  if (name == "NS") return Core::ns;
  if (name == "Require") return Core::require;
  return Core::none;
}

// ftext of RFC 5322 §3.6.8: printable US-ASCII but ":".
bool is_mime_field_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && u != ':';
  });
}

class Unwrapper {
 public:
  Unwrapper(std::string_view body, CpimMessage& out, const CpimOptions& options, const CpimLimits& limits)
      : body_(body), out_(out), options_(options), limits_(limits) {}

  CpimError run() {
    out_ = CpimMessage{};
    if (body_.size() > limits_.max_size) return CpimError{CpimErrc::too_large, static_cast<std::uint32_t>(limits_.max_size), ""};
    std::size_t pos = 0;
    std::vector<std::uint32_t> header_offsets;  // of out_.headers, for errors found once all NS are known
    // Message headers (§3), up to the empty line.
    while (true) {
      std::string_view line;
      const std::size_t start = pos;
      if (!next_line(pos, line)) return err_;
      if (line.empty()) break;
      if (++headers_ > limits_.max_headers) return CpimError{CpimErrc::too_many_headers, static_cast<std::uint32_t>(start), ""};
      const std::size_t before = out_.headers.size();
      if (!message_header(line, start)) return err_;
      if (out_.headers.size() != before) header_offsets.push_back(static_cast<std::uint32_t>(start));
    }
    if (!resolve_namespaces(header_offsets)) return err_;
    // MIME headers of the encapsulated object, up to the empty line.
    while (true) {
      std::string_view line;
      const std::size_t start = pos;
      if (!next_line(pos, line)) return err_;
      if (line.empty()) break;
      if (++headers_ > limits_.max_headers) return CpimError{CpimErrc::too_many_headers, static_cast<std::uint32_t>(start), ""};
      if (!mime_header(line, start)) return err_;
    }
    out_.content = body_.substr(pos);
    return {};
  }

 // Whether `text` is *( ";" Parameter ) and nothing else.
  bool parameters_only(std::string_view text) {
    std::size_t i = 0;
    std::string lang;
    while (i < text.size() && text[i] == ';')
      if (!parameter(text, i, 0, lang)) return false;
    return i == text.size();
  }

 private:
  bool fail(CpimErrc code, std::size_t offset, const char* detail) {
    err_ = CpimError{code, static_cast<std::uint32_t>(offset), detail};
    return false;
  }

  // One header line without its line end. Both header blocks must end with
  // an empty line: running out of input first is missing_blank_line.
  bool next_line(std::size_t& pos, std::string_view& line) {
    const std::size_t lf = body_.find('\n', pos);
    const std::size_t end = lf == std::string_view::npos ? body_.size() : lf;
    std::size_t line_end = end;
    if (lf != std::string_view::npos && lf > pos && body_[lf - 1] == '\r') line_end = lf - 1;
    if (line_end - pos > limits_.max_header_length) return fail(CpimErrc::header_too_long, pos, "");
    for (std::size_t i = pos; i < line_end; ++i) {
      if (body_[i] == '\r') return fail(CpimErrc::bad_line_ending, i, "CR without LF");
      if (body_[i] == '\0') return fail(CpimErrc::bad_line_ending, i, "NUL in a header line");
    }
    if (lf == std::string_view::npos)
      return fail(CpimErrc::missing_blank_line, body_.size(), "the headers end without an empty line");
    if (line_end == lf && !options_.allow_lf) return fail(CpimErrc::bad_line_ending, lf, "LF without CR");
    line = body_.substr(pos, line_end - pos);
    pos = lf + 1;
    return true;
  }

  // Header = Header-name ":" *( ";" Parameter ) SP Header-value (§3.1, §3.6)
  bool message_header(std::string_view line, std::size_t start) {
    std::size_t i = 0;
    auto name_at = [&](std::size_t from) {
      std::size_t k = from;
      while (k < line.size() && is_namechar(static_cast<unsigned char>(line[k]))) ++k;
      return k;
    };
    std::size_t end = name_at(0);
    std::string_view prefix;
    std::string_view name = line.substr(0, end);
    if (end < line.size() && line[end] == '.' && end > 0) {
      prefix = name;
      const std::size_t name_end = name_at(end + 1);
      name = line.substr(end + 1, name_end - end - 1);
      end = name_end;
    }
    if (name.empty()) return fail(CpimErrc::bad_header, start + end, "empty or malformed header name");
    if (end >= line.size() || line[end] != ':') return fail(CpimErrc::bad_header, start + end, "header name not followed by ':'");
    i = end + 1;
    const std::size_t params_start = i;
    std::string lang;
    while (i < line.size() && line[i] == ';') {
      if (!parameter(line, i, start, lang)) return false;
    }
    const std::string_view parameters = line.substr(params_start, i - params_start);
    if (i >= line.size() || line[i] != ' ') return fail(CpimErrc::bad_header, start + i, "no SP before the header value");
    ++i;
    const std::string_view value = line.substr(i);
    const std::size_t value_at = start + i;

    const Core core = prefix.empty() ? core_header(name) : Core::none;
    switch (core) {
      case Core::from: {
        if (out_.from) return fail(CpimErrc::duplicate_header, start, "From appears twice");
        CpimAddress a;
        if (!address(value, value_at, a)) return false;
        out_.from = std::move(a);
        return true;
      }
      case Core::to:
      case Core::cc: {
        CpimAddress a;
        if (!address(value, value_at, a)) return false;
        (core == Core::to ? out_.to : out_.cc).push_back(std::move(a));
        return true;
      }
      case Core::date_time:
        if (!out_.date_time.empty()) return fail(CpimErrc::duplicate_header, start, "DateTime appears twice");
        if (!is_rfc3339_date_time(value)) return fail(CpimErrc::bad_value, value_at, "DateTime: not an RFC 3339 date-time");
        out_.date_time = value;
        return true;
      case Core::subject: {
        CpimSubject s;
        s.lang = std::move(lang);
        if (!decode_value(value, value_at, s.text)) return false;
        out_.subjects.push_back(std::move(s));
        return true;
      }
      case Core::ns: return namespace_declaration(value, value_at, start);
      case Core::require: return require(value, value_at);
      case Core::none: break;
    }
    CpimHeader h;
    h.prefix = prefix;
    h.name = name;
    h.parameters = parameters;
    if (!decode_value(value, value_at, h.value)) return false;
    out_.headers.push_back(std::move(h));
    return true;
  }

  // Parameter = Lang-param / Ext-param; Param-value = Token / Number / String.
  // `i` is at the ";". A lang parameter must hold a Language-tag.
  bool parameter(std::string_view line, std::size_t& i, std::size_t start, std::string& lang) {
    const std::size_t at = i;
    ++i;
    const std::size_t name_start = i;
    while (i < line.size() && is_namechar(static_cast<unsigned char>(line[i]))) ++i;
    const std::string_view pname = line.substr(name_start, i - name_start);
    if (pname.empty() || i >= line.size() || line[i] != '=') return fail(CpimErrc::bad_parameter, start + at, "expected ;name=value");
    ++i;
    const std::size_t value_start = i;
    if (i < line.size() && line[i] == '"') {
      std::string ignored;
      if (!quoted_string(line, i, start, ignored)) return false;
    } else {
      while (i < line.size() && line[i] != ';' && line[i] != ' ') ++i;
      if (!is_token(line.substr(value_start, i - value_start)))
        return fail(CpimErrc::bad_parameter, start + value_start, "parameter value is not a Token or a String");
    }
    if (pname == "lang") {
      const std::string_view v = line.substr(value_start, i - value_start);
      if (!is_language_tag(v)) return fail(CpimErrc::bad_parameter, start + value_start, "lang is not a Language-tag");
      lang = v;
    }
    return true;
  }

  // String = DQUOTE *( Str-char / Escape ) DQUOTE, `i` at the opening quote;
  // the decoded text goes to `out`, `i` past the closing quote.
  bool quoted_string(std::string_view line, std::size_t& i, std::size_t start, std::string& out) {
    ++i;
    while (i < line.size() && line[i] != '"')
      if (!decode_char(line, i, start, out, "control character in a String")) return false;
    if (i >= line.size()) return fail(CpimErrc::bad_value, start + i, "unterminated String");
    ++i;
    return true;
  }

  // One character of a String or a header value at `i`: an escape, a UTF-8
  // sequence or a printable ASCII character, decoded into `out`; `i` moves past it.
  bool decode_char(std::string_view text, std::size_t& i, std::size_t start, std::string& out,
                   const char* control_detail) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u == '\\') return escape(text, i, start, out);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) return fail(CpimErrc::bad_value, start + i, "not UTF-8");
      out.append(text.substr(i, n));
      i += n;
      return true;
    }
    if (u < 0x20 || u == 0x7f) return fail(CpimErrc::bad_value, start + i, control_detail);
    out += static_cast<char>(u);
    ++i;
    return true;
  }

  // Escape = "\" ( "u" 4HEXDIG / "b" / "t" / "n" / "r" / DQUOTE / "'" / "\" ) (§2.3)
  bool escape(std::string_view text, std::size_t& i, std::size_t start, std::string& out) {
    if (i + 1 >= text.size()) return fail(CpimErrc::bad_escape, start + i, "\\ at the end of the value");
    const char c = text[i + 1];
    switch (c) {
      case 'b': out += '\b'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case '\\': out += '\\'; break;
      case 'u': {
        if (i + 6 > text.size()) return fail(CpimErrc::bad_escape, start + i, "\\u needs 4 hex digits");
        std::uint32_t cp = 0;
        for (std::size_t k = i + 2; k < i + 6; ++k) {
          const auto h = static_cast<unsigned char>(text[k]);
          if (!is_hex(h)) return fail(CpimErrc::bad_escape, start + i, "\\u needs 4 hex digits");
          cp = cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        if (cp >= 0xd800 && cp <= 0xdfff) return fail(CpimErrc::bad_escape, start + i, "\\u of a UTF-16 surrogate");
        detail::append_utf8(out, cp);
        i += 6;
        return true;
      }
      default: return fail(CpimErrc::bad_escape, start + i, "\\ starts no escape");
    }
    i += 2;
    return true;
  }

  // Header-value = *HEADERCHAR; HEADERCHAR = UCS-no-CTL / Escape
  bool decode_value(std::string_view value, std::size_t start, std::string& out) {
    for (std::size_t i = 0; i < value.size();)
      if (!decode_char(value, i, start, out, "control character in a header value")) return false;
    return true;
  }

  // From / To / cc value: [ Formal-name ] "<" URI ">" with
  // Formal-name = 1*( Token SP ) / String (§4.1). One SP after a String is
  // tolerated: SIP SIMPLE clients write "Name" <uri>.
  bool address(std::string_view v, std::size_t start, CpimAddress& a) {
    std::size_t i = 0;
    if (i < v.size() && v[i] == '"') {
      if (!quoted_string(v, i, start, a.display_name)) return false;
      if (i < v.size() && v[i] == ' ') ++i;
    } else {
      while (i < v.size() && v[i] != '<') {
        const std::size_t sp = v.find(' ', i);
        if (sp == std::string_view::npos || !is_token(v.substr(i, sp - i)))
          return fail(CpimErrc::bad_value, start + i, "Formal-name is neither Tokens nor a String");
        if (!a.display_name.empty()) a.display_name += ' ';
        a.display_name.append(v.substr(i, sp - i));
        i = sp + 1;
      }
    }
    return bracketed_uri(v, i, start, a.uri);
  }

  bool bracketed_uri(std::string_view v, std::size_t i, std::size_t start, std::string& uri) {
    if (i >= v.size() || v[i] != '<') return fail(CpimErrc::bad_value, start + i, "expected <URI>");
    const std::size_t close = v.find('>', i);
    if (close == std::string_view::npos) return fail(CpimErrc::bad_value, start + i, "no > after <URI");
    const std::string_view u = v.substr(i + 1, close - i - 1);
    if (!is_uri(u)) return fail(CpimErrc::bad_value, start + i + 1, "not an absolute URI");
    if (close + 1 != v.size()) return fail(CpimErrc::bad_value, start + close + 1, "text after <URI>");
    uri = u;
    return true;
  }

  // NS-header-value = [ Name-prefix SP ] "<" URI ">" (§4.6)
  bool namespace_declaration(std::string_view v, std::size_t value_at, std::size_t start) {
    CpimNamespace ns;
    std::size_t i = 0;
    if (!v.empty() && v[0] != '<') {
      const std::size_t sp = v.find(' ');
      if (sp == std::string_view::npos || !is_name(v.substr(0, sp)))
        return fail(CpimErrc::bad_value, value_at, "NS: prefix is not a Name");
      ns.prefix = v.substr(0, sp);
      i = sp + 1;
    }
    if (!bracketed_uri(v, i, value_at, ns.urn)) return false;
    for (const CpimNamespace& earlier : out_.namespaces)
      if (earlier.prefix == ns.prefix && earlier.urn != ns.urn)
        return fail(CpimErrc::conflicting_namespace, start, "NS declares this prefix again for another URN");
    out_.namespaces.push_back(std::move(ns));
    return true;
  }

  // Require-header-value = Header-name *( "," Header-name ) (§4.7)
  bool require(std::string_view v, std::size_t value_at) {
    std::size_t i = 0;
    while (true) {
      const std::size_t comma = v.find(',', i);
      const std::string_view item = v.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
      const std::size_t dot = item.find('.');
      const bool ok = dot == std::string_view::npos ? is_name(item) : is_name(item.substr(0, dot)) && is_name(item.substr(dot + 1));
      if (!ok) return fail(CpimErrc::bad_value, value_at + i, "Require: not a Header-name");
      out_.require.emplace_back(item);
      if (comma == std::string_view::npos) return true;
      i = comma + 1;
    }
  }

  // §3.4: a prefix names the URN its NS gives; a header without a prefix
  // is in the default namespace (an NS without a prefix, else the core one).
  bool resolve_namespaces(const std::vector<std::uint32_t>& offsets) {
    std::string_view default_ns = cpim_core_namespace;
    for (const CpimNamespace& ns : out_.namespaces)
      if (ns.prefix.empty()) default_ns = ns.urn;
    for (std::size_t k = 0; k < out_.headers.size(); ++k) {
      CpimHeader& h = out_.headers[k];
      if (h.prefix.empty()) {
        h.namespace_ = default_ns;
        continue;
      }
      const auto it = std::find_if(out_.namespaces.begin(), out_.namespaces.end(),
                                   [&](const CpimNamespace& ns) { return ns.prefix == h.prefix; });
      if (it != out_.namespaces.end()) h.namespace_ = it->urn;
      else if (!options_.allow_undeclared_prefix)
        return fail(CpimErrc::undeclared_prefix, offsets[k], "no NS header declares this prefix");
    }
    return true;
  }

  // field-name ":" value, MIME (RFC 2045 §3, RFC 5322 §2.2); no folding.
  bool mime_header(std::string_view line, std::size_t start) {
    if (line[0] == ' ' || line[0] == '\t') return fail(CpimErrc::bad_mime_header, start, "folded header line");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_mime_field_name(line.substr(0, colon)))
      return fail(CpimErrc::bad_mime_header, start, "not name: value");
    std::string_view value = line.substr(colon + 1);
    for (std::size_t k = 0; k < value.size(); ++k) {
      const auto u = static_cast<unsigned char>(value[k]);
      if ((u < 0x20 && u != '\t') || u == 0x7f) return fail(CpimErrc::bad_mime_header, start + colon + 1 + k, "control character");
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    const std::string_view name = line.substr(0, colon);
    if (equals_ignore_case(name, "Content-Type")) {
      if (!out_.content_type.empty()) return fail(CpimErrc::duplicate_header, start, "Content-Type appears twice");
      if (value.empty()) return fail(CpimErrc::bad_mime_header, start + colon + 1, "empty Content-Type");
      out_.content_type = value;
    } else {
      out_.content_headers.push_back(MimeHeader{name, value});
    }
    return true;
  }

  std::string_view body_;
  CpimMessage& out_;
  const CpimOptions& options_;
  const CpimLimits& limits_;
  CpimError err_;
  std::size_t headers_ = 0;
};

// Header-value text with the escapes a receiver needs (§2.3): "\" always,
// the controls, and DQUOTE inside a String.
bool append_escaped(std::string& out, std::string_view text, bool in_string) {
  static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) return false;
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    switch (u) {
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '"':
        out += in_string ? "\\\"" : "\"";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        } else {
          out += static_cast<char>(u);
        }
    }
    ++i;
  }
  return true;
}

// A display name of Tokens each followed by SP when it is one, else a String.
bool append_address(std::string& out, const CpimAddress& a) {
  if (!is_uri(a.uri)) return false;
  if (!a.display_name.empty()) {
    bool tokens = true;
    std::string_view rest = a.display_name;
    while (tokens) {
      const std::size_t sp = rest.find(' ');
      tokens = is_token(rest.substr(0, sp));
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
    if (tokens) {
      out += a.display_name;
      out += ' ';
    } else {
      out += '"';
      if (!append_escaped(out, a.display_name, true)) return false;
      out += '"';
    }
  }
  out += '<';
  out += a.uri;
  out += '>';
  return true;
}

bool is_header_name(std::string_view s) {
  const std::size_t dot = s.find('.');
  return dot == std::string_view::npos ? is_name(s) : is_name(s.substr(0, dot)) && is_name(s.substr(dot + 1));
}

bool is_mime_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

CpimError wrap_error(const char* detail) { return CpimError{CpimErrc::bad_value, 0, detail}; }

}  // namespace

std::string_view to_string(CpimErrc code) {
  switch (code) {
    case CpimErrc::ok: return "ok";
    case CpimErrc::too_large: return "CPIM body too large";
    case CpimErrc::too_many_headers: return "too many headers";
    case CpimErrc::header_too_long: return "header line too long";
    case CpimErrc::bad_line_ending: return "bad line ending";
    case CpimErrc::bad_header: return "malformed header";
    case CpimErrc::bad_parameter: return "malformed header parameter";
    case CpimErrc::bad_escape: return "bad escape";
    case CpimErrc::bad_value: return "malformed header value";
    case CpimErrc::duplicate_header: return "repeated single header";
    case CpimErrc::conflicting_namespace: return "conflicting NS declarations";
    case CpimErrc::undeclared_prefix: return "undeclared namespace prefix";
    case CpimErrc::missing_blank_line: return "missing empty line";
    case CpimErrc::bad_mime_header: return "malformed MIME header of the content";
  }
  return "unknown error";
}

std::string CpimError::message() const {
  std::string text(to_string(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  text += " at byte ";
  text += std::to_string(offset);
  return text;
}

const CpimHeader* CpimMessage::find(std::string_view ns, std::string_view name) const {
  for (const CpimHeader& h : headers)
    if (h.namespace_ == ns && h.name == name) return &h;
  return nullptr;
}

CpimError unwrap_cpim(std::string_view body, CpimMessage& out, const CpimOptions& options, const CpimLimits& limits) {
  return Unwrapper(body, out, options, limits).run();
}

CpimError wrap_cpim(const CpimMessage& msg, std::string& out) {
  std::string text;
  text.reserve(256 + msg.content.size());
  auto line_end = [&] { text += "\r\n"; };
  if (msg.from) {
    text += "From: ";
    if (!append_address(text, *msg.from)) return wrap_error("From: bad URI or display name");
    line_end();
  }
  for (const CpimAddress& a : msg.to) {
    text += "To: ";
    if (!append_address(text, a)) return wrap_error("To: bad URI or display name");
    line_end();
  }
  for (const CpimAddress& a : msg.cc) {
    text += "cc: ";
    if (!append_address(text, a)) return wrap_error("cc: bad URI or display name");
    line_end();
  }
  if (!msg.date_time.empty()) {
    if (!is_rfc3339_date_time(msg.date_time)) return wrap_error("DateTime: not an RFC 3339 date-time");
    text += "DateTime: ";
    text += msg.date_time;
    line_end();
  }
  for (const CpimSubject& s : msg.subjects) {
    text += "Subject:";
    if (!s.lang.empty()) {
      if (!is_language_tag(s.lang)) return wrap_error("Subject: lang is not a Language-tag");
      text += ";lang=";
      text += s.lang;
    }
    text += ' ';
    if (!append_escaped(text, s.text, false)) return wrap_error("Subject: not UTF-8");
    line_end();
  }
  for (const CpimNamespace& ns : msg.namespaces) {
    if (!ns.prefix.empty() && !is_name(ns.prefix)) return wrap_error("NS: prefix is not a Name");
    if (!is_uri(ns.urn)) return wrap_error("NS: not an absolute URI");
    text += "NS: ";
    if (!ns.prefix.empty()) {
      text += ns.prefix;
      text += ' ';
    }
    text += '<';
    text += ns.urn;
    text += '>';
    line_end();
  }
  if (!msg.require.empty()) {
    text += "Require: ";
    for (std::size_t k = 0; k < msg.require.size(); ++k) {
      if (!is_header_name(msg.require[k])) return wrap_error("Require: not a Header-name");
      if (k > 0) text += ',';
      text += msg.require[k];
    }
    line_end();
  }
  for (const CpimHeader& h : msg.headers) {
    if (!is_name(h.name) || (!h.prefix.empty() && !is_name(h.prefix))) return wrap_error("header name or prefix is not a Name");
    if (h.prefix.empty() && core_header(h.name) != Core::none) return wrap_error("a core header among the other headers");
    if (!h.prefix.empty() && std::none_of(msg.namespaces.begin(), msg.namespaces.end(),
                                          [&](const CpimNamespace& ns) { return ns.prefix == h.prefix; }))
      return wrap_error("no NS declares the prefix of a header");
    if (!h.prefix.empty()) {
      text += h.prefix;
      text += '.';
    }
    text += h.name;
    text += ':';
    // The parameters are copied as written: they must be of the grammar.
    CpimMessage scratch;
    if (!Unwrapper({}, scratch, CpimOptions{}, CpimLimits{}).parameters_only(h.parameters))
      return wrap_error("malformed header parameters");
    text += h.parameters;
    text += ' ';
    if (!append_escaped(text, h.value, false)) return wrap_error("header value not UTF-8");
    line_end();
  }
  line_end();
  if (!msg.content_type.empty()) {
    if (!is_mime_value(msg.content_type)) return wrap_error("Content-Type with a control character");
    text += "Content-Type: ";
    text += msg.content_type;
    line_end();
  }
  for (const MimeHeader& h : msg.content_headers) {
    if (!is_mime_field_name(h.name) || equals_ignore_case(h.name, "Content-Type") || !is_mime_value(h.value))
      return wrap_error("bad MIME header of the content");
    text += h.name;
    text += ": ";
    text += h.value;
    line_end();
  }
  line_end();
  text += msg.content;
  out = std::move(text);
  return {};
}

// date-time = full-date "T" full-time (RFC 3339 §5.6); "T" and "Z" may be
// lower case (§5.6 NOTE).
bool is_rfc3339_date_time(std::string_view s) {
  auto number = [&](std::size_t at, std::size_t len, int& v) {
    if (at + len > s.size()) return false;
    v = 0;
    for (std::size_t k = at; k < at + len; ++k) {
      if (!is_digit(static_cast<unsigned char>(s[k]))) return false;
      v = v * 10 + (s[k] - '0');
    }
    return true;
  };
  auto at_is = [&](std::size_t at, char c) { return at < s.size() && s[at] == c; };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(0, 4, year) || !at_is(4, '-') || !number(5, 2, month) || !at_is(7, '-') || !number(8, 2, day)) return false;
  if (!(at_is(10, 'T') || at_is(10, 't'))) return false;
  if (!number(11, 2, hour) || !at_is(13, ':') || !number(14, 2, minute) || !at_is(16, ':') || !number(17, 2, second))
    return false;
  static constexpr std::array<int, 12> days = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > days[static_cast<std::size_t>(month - 1)]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;  // 60: a leap second (§5.7)
  std::size_t i = 19;
  if (at_is(i, '.')) {
    ++i;
    const std::size_t digits = i;
    while (i < s.size() && is_digit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == digits) return false;
  }
  if (at_is(i, 'Z') || at_is(i, 'z')) return i + 1 == s.size();
  if (!(at_is(i, '+') || at_is(i, '-'))) return false;
  int off_hour = 0, off_minute = 0;
  if (!number(i + 1, 2, off_hour) || !at_is(i + 3, ':') || !number(i + 4, 2, off_minute)) return false;
  return off_hour <= 23 && off_minute <= 59 && i + 6 == s.size();
}

}  // namespace cosip::msrp
