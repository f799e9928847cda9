#include "sip/syntax/message.hpp"

#include <bitset>
#include <cstring>

#include "sip/syntax/detail/charset.hpp"
#include "sip/syntax/detail/header_dispatch.hpp"
#include "sip/syntax/detail/scanner.hpp"

namespace cosip::sip {
namespace {

using namespace detail;

class MessageParser {
 public:
  MessageParser(std::string_view data, Message& out, const Limits& limits)
      : base_(data.data()), end_(data.data() + data.size()), out_(out), limits_(limits) {}

  ParseError run() {
    if (static_cast<std::size_t>(end_ - base_) > limits_.max_message_size)
      return error(ParseErrc::message_too_large, base_ + limits_.max_message_size, "over the size limit");
    const char* p = base_;
    // §7.5: empty lines before the start line are ignored.
    while (end_ - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
    const char* start = p;
    const char* line_end = find_crlf(p);
    if (line_end == nullptr) return error(ParseErrc::bad_start_line, p, "no CRLF after the start line");
    if (ParseError e = start_line(p, line_end)) {
      // The header fields are still split (not checked), so that a UA can
      // address a 400 or 505 to the sender (§8.2).
      p = line_end + 2;
      header_fields(p);
      return e;
    }
    p = line_end + 2;
    if (ParseError e = header_fields(p)) return e;
    if (ParseError e = check_headers()) return e;
    // §18.3: a datagram's body ends at Content-Length; without one it is the
    // rest of the datagram.
    const auto available = static_cast<std::size_t>(end_ - p);
    std::size_t body_size = available;
    if (out_.content_length) {
      if (*out_.content_length > available) {
        const Header* h = out_.find(HeaderId::content_length);
        return error(ParseErrc::bad_content_length, h->value.data(), "larger than the data received",
                     HeaderId::content_length);
      }
      body_size = *out_.content_length;
    }
    out_.body = {p, body_size};
    out_.raw = {start, static_cast<std::size_t>(p + body_size - start)};
    return {};
  }

 private:
  ParseError error(ParseErrc code, const char* at, const char* detail, HeaderId header = HeaderId::other) const {
    ParseError e;
    e.code = code;
    e.offset = static_cast<std::uint32_t>(at - base_);
    e.header = header;
    e.detail = detail;
    return e;
  }

  // The CR of the next CRLF at or after p, or nullptr.
  const char* find_crlf(const char* p) const {
    while (p < end_) {
      const auto* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end_ - p)));
      if (cr == nullptr || cr + 1 >= end_) return nullptr;
      if (cr[1] == '\n') return cr;
      p = cr + 1;
    }
    return nullptr;
  }

  // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is supported.
  ParseError version(std::string_view v, ParseErrc bad_code) const {
    Scanner s(v);
    const std::string_view name = s.span(c_alpha);
    unsigned long long major = 0, minor = 0;
    const bool ok = iequals(name, "SIP") && s.consume('/') && s.number(999, major, "") && s.consume('.') &&
                    s.number(999, minor, "") && s.at_end();
    if (!ok) return error(bad_code, v.data(), "expected SIP/2.0");
    if (major != 2 || minor != 0) return error(ParseErrc::unsupported_version, v.data(), "only SIP/2.0 is supported");
    return {};
  }

  ParseError start_line(const char* p, const char* line_end) {
    const std::string_view line(p, static_cast<std::size_t>(line_end - p));
    if (line.size() >= 4 && iequals(line.substr(0, 4), "SIP/")) return status_line(line);
    return request_line(line);
  }

  // Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1), single SPs.
  ParseError request_line(std::string_view line) {
    out_.is_request = true;
    Scanner s(line);
    out_.method = s.token();
    if (out_.method.empty()) return error(ParseErrc::bad_method, line.data(), "expected a method token");
    if (!s.consume(' ')) return error(ParseErrc::bad_start_line, s.pos(), "expected SP after the method");
    const std::string_view rest = s.rest();
    const std::size_t sp = rest.find(' ');
    if (sp == std::string_view::npos)
      return error(ParseErrc::bad_start_line, line.data() + line.size(), "missing SIP-Version");
    out_.request_uri_text = rest.substr(0, sp);
    if (out_.request_uri_text.empty())
      return error(ParseErrc::bad_request_uri, rest.data(), "empty Request-URI");
    const UriParse up = parse_uri(out_.request_uri_text, out_.request_uri);
    if (up.error != nullptr) return error(ParseErrc::bad_request_uri, rest.data() + up.error_offset, up.error);
    // §19.1.1: the headers component is not allowed in a Request-URI.
    if (out_.request_uri.has_headers)
      return error(ParseErrc::bad_request_uri, out_.request_uri.headers.data() - 1,
                   "headers are not allowed in a Request-URI");
    return version(rest.substr(sp + 1), ParseErrc::bad_version);
  }

  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2).
  ParseError status_line(std::string_view line) {
    out_.is_request = false;
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos)
      return error(ParseErrc::bad_start_line, line.data() + line.size(), "expected SP after SIP-Version");
    if (ParseError e = version(line.substr(0, sp), ParseErrc::bad_version)) return e;
    const std::string_view rest = line.substr(sp + 1);
    if (rest.size() < 4 || !is(rest[0], c_digit) || !is(rest[1], c_digit) || !is(rest[2], c_digit) ||
        rest[3] != ' ')
      return error(ParseErrc::bad_status_code, rest.data(), "expected 3 digits and SP");
    const int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (code < 100 || code > 699) return error(ParseErrc::bad_status_code, rest.data(), "not within 100-699");
    out_.status_code = static_cast<std::uint16_t>(code);
    out_.reason_phrase = rest.substr(4);
    for (const char& c : out_.reason_phrase) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f)
        return error(ParseErrc::bad_start_line, &c, "control character in reason phrase");
    }
    return {};
  }

  // message-header lines up to and including the empty line; folds (CRLF
  // followed by whitespace) stay inside the value views (§7.3.1).
  ParseError header_fields(const char*& p) {
    for (;;) {
      if (end_ - p >= 2 && p[0] == '\r' && p[1] == '\n') {
        p += 2;
        return {};
      }
      if (p == end_) return error(ParseErrc::missing_header_end, p, "the header section is not terminated");
      const char* line_start = p;
      const char* q = p;
      for (;;) {
        // Each physical line ends at an LF that must follow a CR. A bare CR
        // inside the line is left to the value's decoder, which rejects it.
        const auto* lf = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(end_ - q)));
        if (lf == nullptr) return error(ParseErrc::missing_header_end, end_, "the header section is not terminated");
        if (lf == q || lf[-1] != '\r') return error(ParseErrc::bad_header_value, lf, "bare LF in a header");
        q = lf - 1;
        if (end_ - q >= 3 && is(q[2], c_wsp)) {
          q += 3;
          continue;
        }
        break;
      }
      if (static_cast<std::size_t>(q - line_start) > limits_.max_header_length)
        return error(ParseErrc::header_too_long, line_start, "over the header length limit");
      if (out_.headers.size() >= limits_.max_headers)
        return error(ParseErrc::too_many_headers, line_start, "over the header count limit");
      if (ParseError e = header_field({line_start, static_cast<std::size_t>(q - line_start)})) return e;
      p = q + 2;
    }
  }

  // message-header = field-name HCOLON field-value; HCOLON = *( SP / HTAB ) ":" SWS
  ParseError header_field(std::string_view line) {
    Scanner s(line);
    Header h;
    h.name = s.token();
    if (h.name.empty()) return error(ParseErrc::bad_header_name, line.data(), "expected a header name");
    s.skip_lws();
    if (!s.consume(':')) return error(ParseErrc::bad_header_name, s.pos(), "expected ':' after the header name");
    s.skip_lws();
    const char* value_start = s.pos();
    const char* value_end = line.data() + line.size();
    while (value_end > value_start && is(value_end[-1], c_wsp)) {
      --value_end;
      // A fold that ends the line: drop its CRLF too.
      if (value_end - value_start >= 2 && value_end[-1] == '\n' && value_end[-2] == '\r') value_end -= 2;
    }
    h.value = {value_start, static_cast<std::size_t>(value_end - value_start)};
    h.id = header_id(h.name);
    out_.headers.push_back(h);
    return {};
  }

  // §20: headers that may appear only once in a message.
  static bool single_valued(HeaderId id) {
    switch (id) {
      case HeaderId::call_id:
      case HeaderId::content_disposition:
      case HeaderId::content_length:
      case HeaderId::content_type:
      case HeaderId::cseq:
      case HeaderId::date:
      case HeaderId::event:
      case HeaderId::expires:
      case HeaderId::from:
      case HeaderId::max_forwards:
      case HeaderId::mime_version:
      case HeaderId::min_expires:
      case HeaderId::rack:
      case HeaderId::refer_to:
      case HeaderId::referred_by:
      case HeaderId::reply_to:
      case HeaderId::retry_after:
      case HeaderId::rseq:
      case HeaderId::session_expires:
      case HeaderId::sip_etag:
      case HeaderId::sip_if_match:
      case HeaderId::subscription_state:
      case HeaderId::to: return true;
      default: return false;
    }
  }

  // Decodes every known header once, in message order, so the first fault is
  // the one reported; keeps the typed values of the common headers.
  ParseError check_headers() {
    std::bitset<static_cast<std::size_t>(HeaderId::count_)> seen;
    const ValueLimits& vl = limits_.values;
    for (const Header& h : out_.headers) {
      const auto index = static_cast<std::size_t>(h.id);
      if (h.id != HeaderId::other && single_valued(h.id) && seen.test(index))
        return error(ParseErrc::duplicate_header, h.name.data(), "", h.id);
      seen.set(index);
      DecodeResult r;
      switch (h.id) {
        case HeaderId::via: r = decode_via_list(h.value, out_.vias, vl); break;
        case HeaderId::from: r = decode_name_addr(h.value, out_.from, vl); break;
        case HeaderId::to: r = decode_name_addr(h.value, out_.to, vl); break;
        case HeaderId::call_id: r = decode_call_id(h.value, out_.call_id); break;
        case HeaderId::cseq: r = decode_cseq(h.value, out_.cseq); break;
        case HeaderId::max_forwards: {
          std::uint32_t n = 0;
          r = decode_uint(h.value, 255, n);
          out_.max_forwards = n;
          break;
        }
        case HeaderId::content_length: {
          std::uint32_t n = 0;
          r = decode_uint(h.value, 0xffffffffu, n);
          out_.content_length = n;
          break;
        }
        case HeaderId::content_type: r = decode_media_type(h.value, out_.content_type.emplace(), vl); break;
        default: r = visit_header_value(h, vl, [](const auto&) {}); break;
      }
      if (!r) {
        const ParseErrc code = r.over_limit                         ? ParseErrc::too_many_values
                               : h.id == HeaderId::content_length ? ParseErrc::bad_content_length
                                                                  : ParseErrc::bad_header_value;
        return error(code, r.at != nullptr ? r.at : h.value.data(), r.error, h.id);
      }
    }
    // §8.1.1 (requests) and §8.2.6.2 / §20 (responses): To, From, CSeq,
    // Call-ID and Via are mandatory. Max-Forwards is too, but RFC 2543 peers
    // omit it (RFC 4475 §3.4.1), so its absence is tolerated.
    for (HeaderId id : {HeaderId::via, HeaderId::from, HeaderId::to, HeaderId::call_id, HeaderId::cseq})
      if (!seen.test(static_cast<std::size_t>(id)))
        return error(ParseErrc::missing_header, header_section_end(), "", id);
    // §8.2.2 / RFC 4475 §3.1.2.17: the CSeq method matches the request's.
    if (out_.is_request && out_.cseq.method != out_.method)
      return error(ParseErrc::cseq_method_mismatch, out_.cseq.method.data(), "", HeaderId::cseq);
    return {};
  }

  const char* header_section_end() const {
    return out_.headers.empty() ? base_ : out_.headers.back().value.data() + out_.headers.back().value.size();
  }

  const char* base_;
  const char* end_;
  Message& out_;
  const Limits& limits_;
};

}  // namespace

const Header* Message::find(HeaderId id) const {
  for (const Header& h : headers)
    if (h.id == id) return &h;
  return nullptr;
}

const Header* Message::find(std::string_view name) const {
  const HeaderId id = header_id(name);
  if (id != HeaderId::other) return find(id);
  for (const Header& h : headers)
    if (h.id == HeaderId::other && iequals(h.name, name)) return &h;
  return nullptr;
}

bool Message::has_option_tag(HeaderId id, std::string_view tag) const {
  for (const Header& h : headers) {
    if (h.id != id) continue;
    TokenList tags;
    if (!decode_token_list(h.value, tags, true)) continue;  // parse_message already checked it
    for (std::string_view t : tags)
      if (t == tag) return true;
  }
  return false;
}

void Message::clear() {
  is_request = true;
  method = request_uri_text = reason_phrase = body = raw = call_id = {};
  request_uri = Uri{};
  status_code = 0;
  headers.clear();
  vias.clear();
  from = NameAddr{};
  to = NameAddr{};
  cseq = CSeq{};
  max_forwards.reset();
  content_length.reset();
  content_type.reset();
}

ParseError parse_message(std::string_view data, Message& out, const Limits& limits) {
  out.clear();
  return MessageParser(data, out, limits).run();
}

}  // namespace cosip::sip
