#include "msrp/message.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "sip/syntax/detail/charset.hpp"

namespace cosip::msrp {

using sip::detail::iequals;
using sip::detail::is;

namespace {

constexpr std::array<std::pair<HeaderId, std::string_view>, 18> header_names{{
    {HeaderId::to_path, "To-Path"},
    {HeaderId::from_path, "From-Path"},
    {HeaderId::message_id, "Message-ID"},
    {HeaderId::byte_range, "Byte-Range"},
    {HeaderId::success_report, "Success-Report"},
    {HeaderId::failure_report, "Failure-Report"},
    {HeaderId::status, "Status"},
    {HeaderId::content_type, "Content-Type"},
    {HeaderId::use_path, "Use-Path"},
    {HeaderId::expires, "Expires"},
    {HeaderId::min_expires, "Min-Expires"},
    {HeaderId::max_expires, "Max-Expires"},
    {HeaderId::www_authenticate, "WWW-Authenticate"},
    {HeaderId::authorization, "Authorization"},
    {HeaderId::authentication_info, "Authentication-Info"},
    {HeaderId::content_id, "Content-ID"},
    {HeaderId::content_description, "Content-Description"},
    {HeaderId::content_disposition, "Content-Disposition"},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is(c, sip::detail::c_alpha | sip::detail::c_digit); }

// RFC 4975 §9: ident = ALPHANUM 3*31ident-char;
// ident-char = ALPHANUM / "." / "-" / "+" / "%" / "=".
bool is_ident(std::string_view s) {
  if (s.size() < 4 || s.size() > 32 || !is_alnum(s[0])) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '.' && c != '-' && c != '+' && c != '%' && c != '=') return false;
  return true;
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

// utf8text = *(HTAB / %x20-7E / UTF8-NONASCII): every octet but the controls.
// Eight octets at a time: a word with no octet below 0x20 and none 0x7f is
// text (HTAB, below 0x20, is then looked at octet by octet).
bool is_utf8text(std::string_view s) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t x = w ^ (ones * 0x7f);
    const std::uint64_t del = (x - ones) & ~x & highs;
    if ((below_space | del) != 0) {
      for (std::size_t k = i; k < i + 8; ++k)
        if (is_control(s[k])) return false;
    }
  }
  for (; i < s.size(); ++i)
    if (is_control(s[i])) return false;
  return true;
}

// 1*DIGIT into `value`, refusing values above `max`.
bool parse_number(std::string_view s, std::uint64_t max, std::uint64_t& value) {
  if (s.empty() || s.size() > 20) return false;
  value = 0;
  // Up to 19 digits fit in 64 bits: only a 20th can overflow.
  const std::size_t safe = std::min<std::size_t>(s.size(), 19);
  for (std::size_t i = 0; i < safe; ++i) {
    if (!is_digit(s[i])) return false;
    value = value * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  if (s.size() == 20) {
    if (!is_digit(s[19])) return false;
    const auto d = static_cast<std::uint64_t>(s[19] - '0');
    if (value > (UINT64_MAX - d) / 10) return false;
    value = value * 10 + d;
  }
  return value <= max;
}

bool parse_three_digits(std::string_view s, std::uint16_t& value) {
  if (s.size() != 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return false;
  value = static_cast<std::uint16_t>((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
  return true;
}

}  // namespace

const char* parse_byte_range(std::string_view v, ByteRange& range, std::string_view& where) {
  // range-start "-" range-end "/" total; range-end, total = 1*DIGIT / "*"
  const std::size_t dash = v.find('-');
  const std::size_t slash = v.find('/');
  where = v;
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash)
    return "expected range-start \"-\" range-end \"/\" total";
  range = ByteRange{};
  const std::string_view start = v.substr(0, dash);
  const std::string_view end = v.substr(dash + 1, slash - dash - 1);
  const std::string_view total = v.substr(slash + 1);
  where = start;
  if (!parse_number(start, ByteRange::unknown - 1, range.start) || range.start == 0)
    return "range-start is not a number from 1";
  where = end;
  if (end != "*" && !parse_number(end, ByteRange::unknown - 1, range.end))
    return "range-end is neither a number nor \"*\"";
  where = total;
  if (total != "*" && !parse_number(total, ByteRange::unknown - 1, range.total))
    return "total is neither a number nor \"*\"";
  // §7.1.1: a chunk of n bytes covers start..start+n-1 (n may be 0).
  where = end;
  if (range.end != ByteRange::unknown && range.end + 1 < range.start) return "range-end before range-start";
  if (range.total != ByteRange::unknown) {
    where = total;
    if (range.end != ByteRange::unknown && range.end > range.total) return "range-end beyond total";
    where = start;
    if (range.start > range.total + 1) return "range-start beyond total";
  }
  return nullptr;
}

namespace {

class HeadParser {
 public:
  HeadParser(std::string_view text, MessageHead& out, PathCache* paths = nullptr)
      : text_(text), out_(out), paths_(paths) {}

  ParseError run(bool has_body);
  ParseError start_line(std::string_view line);

 private:
  std::string_view text_;
  MessageHead& out_;
  PathCache* paths_;
  ParseError error_;

  std::uint64_t at(std::string_view part) const { return static_cast<std::uint64_t>(part.data() - text_.data()); }
  ParseError fail(ParseErrc code, std::string_view where, const char* detail, HeaderId header = HeaderId::other) {
    error_.code = code;
    error_.offset = at(where);
    error_.header = header;
    error_.detail = detail;
    return error_;
  }
  ParseError header_value(const Header& h);
  ParseError uri_list(const Header& h, UriList& list);
};

ParseError HeadParser::start_line(std::string_view line) {
  // req-start = pMSRP SP transact-id SP method CRLF
  // resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF
  if (!line.starts_with("MSRP ")) return fail(ParseErrc::bad_start_line, line, "expected \"MSRP \"");
  std::string_view rest = line.substr(5);
  const std::size_t sp = rest.find(' ');
  out_.transaction_id = rest.substr(0, sp);
  if (!is_ident(out_.transaction_id))
    return fail(ParseErrc::bad_transaction_id, out_.transaction_id,
                "expected 4 to 32 of letters, digits, \".-+%=\" starting with a letter or digit");
  if (sp == std::string_view::npos) return fail(ParseErrc::bad_start_line, rest.substr(rest.size()), "no method or status code");
  rest.remove_prefix(sp + 1);
  if (!rest.empty() && is_digit(rest[0])) {
    out_.is_request = false;
    const std::string_view code = rest.substr(0, rest.find(' '));
    if (!parse_three_digits(code, out_.status_code) || out_.status_code < 100)
      return fail(ParseErrc::bad_status_code, code, "expected 3 digits from 100");
    rest.remove_prefix(code.size());
    if (!rest.empty()) {
      out_.comment = rest.substr(1);
      if (!is_utf8text(out_.comment)) return fail(ParseErrc::bad_start_line, out_.comment, "control character in the comment");
    }
    return {};
  }
  // method = mSEND / mREPORT / other-method; other-method = 1*UPALPHA
  if (rest.empty()) return fail(ParseErrc::bad_method, rest, "empty method");
  for (char c : rest)
    if (c < 'A' || c > 'Z') return fail(ParseErrc::bad_method, rest, "expected upper-case letters");
  out_.method_name = rest;
  out_.method = rest == "SEND"     ? Method::send
                : rest == "REPORT" ? Method::report
                : rest == "AUTH"   ? Method::auth  // RFC 4976 §5
                                   : Method::extension;
  return {};
}

ParseError HeadParser::uri_list(const Header& h, UriList& list) {
  if (paths_ != nullptr && paths_->find(h.value, list)) return {};
  // To-Path = "To-Path:" SP MSRP-URI *( SP MSRP-URI ); the same for From-Path, Use-Path.
  std::string_view rest = h.value;
  for (;;) {
    const std::string_view item = rest.substr(0, rest.find(' '));
    Uri uri;
    if (!parse_uri(item, uri)) return fail(ParseErrc::bad_header_value, item, "not an MSRP URI", h.id);
    list.push_back(uri);
    if (item.size() == rest.size()) {
      if (paths_ != nullptr) paths_->keep(h.value, list);
      return {};
    }
    rest.remove_prefix(item.size() + 1);
  }
}

ParseError HeadParser::header_value(const Header& h) {
  const std::string_view v = h.value;
  std::uint64_t number = 0;
  switch (h.id) {
    case HeaderId::to_path: return uri_list(h, out_.to_path);
    case HeaderId::from_path: return uri_list(h, out_.from_path);
    case HeaderId::use_path: return uri_list(h, out_.use_path);
    case HeaderId::message_id:
      if (!is_ident(v)) return fail(ParseErrc::bad_header_value, v, "expected 4 to 32 ident characters", h.id);
      out_.message_id = v;
      return {};
    case HeaderId::byte_range: {
      ByteRange range;
      std::string_view where;
      if (const char* detail = parse_byte_range(v, range, where))
        return fail(ParseErrc::bad_header_value, where, detail, h.id);
      out_.byte_range = range;
      return {};
    }
    case HeaderId::success_report:
    case HeaderId::failure_report: {
      // Success-Report: "yes" / "no"; Failure-Report: "yes" / "no" / "partial"
      ReportRequest value{};
      if (iequals(v, "yes")) {
        value = ReportRequest::yes;
      } else if (iequals(v, "no")) {
        value = ReportRequest::no;
      } else if (h.id == HeaderId::failure_report && iequals(v, "partial")) {
        value = ReportRequest::partial;
      } else {
        return fail(ParseErrc::bad_header_value, v,
                    h.id == HeaderId::failure_report ? "expected yes, no or partial" : "expected yes or no", h.id);
      }
      (h.id == HeaderId::success_report ? out_.success_report : out_.failure_report) = value;
      return {};
    }
    case HeaderId::status: {
      // Status = "Status:" SP namespace SP status-code [SP comment]
      Status status;
      if (v.size() < 7 || !parse_three_digits(v.substr(0, 3), status.namespace_) || v[3] != ' ' ||
          !parse_three_digits(v.substr(4, 3), status.code) || (v.size() > 7 && v[7] != ' '))
        return fail(ParseErrc::bad_header_value, v, "expected namespace SP status-code [SP comment]", h.id);
      if (v.size() > 7) status.comment = v.substr(8);
      out_.status = status;
      return {};
    }
    case HeaderId::content_type: {
      // media-type = type "/" subtype *(";" parameter) (RFC 2045 §5.1)
      const std::size_t slash = v.find('/');
      std::size_t i = 0;
      while (i < v.size() && is(v[i], sip::detail::c_token)) ++i;
      std::size_t j = i + 1;
      while (j < v.size() && is(v[j], sip::detail::c_token)) ++j;
      if (slash == std::string_view::npos || i == 0 || i != slash || j == slash + 1 ||
          (j < v.size() && v[j] != ';' && v[j] != ' '))
        return fail(ParseErrc::bad_header_value, v, "expected type \"/\" subtype", h.id);
      out_.content_type = v;
      return {};
    }
    case HeaderId::expires:
    case HeaderId::min_expires:
    case HeaderId::max_expires: {
      // RFC 4976 §7.1: 1*DIGIT seconds.
      if (!parse_number(v, UINT32_MAX, number))
        return fail(ParseErrc::bad_header_value, v, "expected a number of seconds", h.id);
      auto& field = h.id == HeaderId::expires       ? out_.expires
                    : h.id == HeaderId::min_expires ? out_.min_expires
                                                    : out_.max_expires;
      field = static_cast<std::uint32_t>(number);
      return {};
    }
    case HeaderId::www_authenticate: out_.www_authenticate = v; return {};
    case HeaderId::authorization: out_.authorization = v; return {};
    case HeaderId::authentication_info: out_.authentication_info = v; return {};
    case HeaderId::content_id:
    case HeaderId::content_description:
    case HeaderId::content_disposition:
    case HeaderId::other: return {};
  }
  return {};
}

ParseError HeadParser::run(bool has_body) {
  out_ = MessageHead{};
  out_.text = text_;
  out_.has_body = has_body;
  std::string_view rest = text_;
  std::size_t eol = rest.find("\r\n");
  if (eol == std::string_view::npos) return fail(ParseErrc::bad_line_end, rest.substr(rest.size()), "no CRLF after the start line");
  if (ParseError e = start_line(rest.substr(0, eol))) return e;
  rest.remove_prefix(eol + 2);

  std::uint32_t seen = 0;  // bit per HeaderId: single-valued headers
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    if (eol == std::string_view::npos) return fail(ParseErrc::bad_line_end, rest.substr(rest.size()), "no CRLF after the header");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    // header = hname ":" SP hval; hname = ALPHA *token
    const std::size_t colon = line.find(':');
    Header h;
    h.name = line.substr(0, colon);
    if (h.name.empty() || !is(h.name[0], sip::detail::c_alpha))
      return fail(ParseErrc::bad_header_name, line, "expected a letter");
    for (char c : h.name)
      if (!is(c, sip::detail::c_token)) return fail(ParseErrc::bad_header_name, line, "expected token characters then \":\"");
    if (colon == std::string_view::npos) return fail(ParseErrc::bad_header_name, line.substr(line.size()), "no \":\"");
    h.id = header_id(h.name);
    if (colon + 1 >= line.size() || line[colon + 1] != ' ')
      return fail(ParseErrc::bad_header_value, line.substr(colon + 1), "expected SP after \":\"", h.id);
    h.value = line.substr(colon + 2);
    if (!is_utf8text(h.value)) return fail(ParseErrc::bad_header_value, h.value, "control character", h.id);

    // §9: headers = To-Path CRLF From-Path CRLF *( header CRLF )
    const std::size_t index = out_.headers.size();
    if (index == 0 && h.id != HeaderId::to_path)
      return h.id == HeaderId::from_path ? fail(ParseErrc::header_order, line, "To-Path must come first")
                                         : fail(ParseErrc::missing_header, line, "the first header must be To-Path", HeaderId::to_path);
    if (index == 1 && h.id != HeaderId::from_path)
      return fail(ParseErrc::missing_header, line, "the second header must be From-Path", HeaderId::from_path);
    if (h.id != HeaderId::other) {
      const std::uint32_t bit = 1u << static_cast<unsigned>(h.id);
      if ((seen & bit) != 0) return fail(ParseErrc::duplicate_header, line, "", h.id);
      seen |= bit;
    }
    // content-stuff = *(Other-Mime-header CRLF) Content-Type 2CRLF data CRLF
    if (!out_.content_type.empty())
      return fail(ParseErrc::header_order, line, "Content-Type must be the last header");
    if (ParseError e = header_value(h)) return e;
    out_.headers.push_back(h);
  }
  const std::string_view end = text_.substr(text_.size());
  if (out_.headers.empty()) return fail(ParseErrc::missing_header, end, "", HeaderId::to_path);
  if (out_.headers.size() == 1) return fail(ParseErrc::missing_header, end, "", HeaderId::from_path);
  if (has_body && !out_.is_request) return fail(ParseErrc::body_in_response, end, "responses carry no body (RFC 4975 §7.2)");
  if (has_body && out_.content_type.empty()) return fail(ParseErrc::missing_content_type, end, "");
  if (!has_body && !out_.content_type.empty())
    return fail(ParseErrc::content_type_without_body, end, "Content-Type needs an empty line and a body after it");
  return {};
}

}  // namespace

std::string_view canonical_name(HeaderId id) {
  for (const auto& [known, name] : header_names)
    if (known == id) return name;
  return "";
}

HeaderId header_id(std::string_view name) {
  // The names as the serializer writes them match at once; other spellings
  // are compared without case.
  for (const auto& [id, known] : header_names)
    if (known == name) return id;
  for (const auto& [id, known] : header_names)
    if (iequals(known, name)) return id;
  return HeaderId::other;
}

std::string_view MessageHead::header(std::string_view name) const {
  for (const Header& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

ParseError parse_start_line(std::string_view line, MessageHead& out) { return HeadParser(line, out).start_line(line); }

ParseError parse_head(std::string_view text, bool has_body, MessageHead& out, PathCache* paths) {
  return HeadParser(text, out, paths).run(has_body);
}

namespace {

// A view into `from` made the same view into `to`, which holds the same bytes.
std::string_view rebase(std::string_view view, std::string_view from, std::string_view to) {
  if (view.data() == nullptr) return view;
  return to.substr(static_cast<std::size_t>(view.data() - from.data()), view.size());
}

}  // namespace

bool PathCache::find(std::string_view value, UriList& list) const {
  for (const Entry& e : entries_) {
    if (e.list.empty() || e.value != value) continue;
    list = e.list;
    for (Uri& u : list) {
      for (std::string_view* view : {&u.userinfo, &u.host, &u.session_id, &u.transport, &u.parameters})
        *view = rebase(*view, e.value, value);
    }
    return true;
  }
  return false;
}

void PathCache::keep(std::string_view value, const UriList& list) {
  Entry& e = entries_[next_];
  next_ = (next_ + 1) % std::size(entries_);
  e.value.assign(value);
  e.list = list;
  for (Uri& u : e.list) {
    for (std::string_view* view : {&u.userinfo, &u.host, &u.session_id, &u.transport, &u.parameters})
      *view = rebase(*view, value, e.value);
  }
}

void HeadTemplate::learn(const MessageHead& head) {
  // A chunk that ends its message (a chat message in one SEND, the last
  // chunk of a file) has no next chunk to be compared with: learning it
  // would cost a second parse for nothing, so the template stays as it is.
  if (head.byte_range && head.byte_range->total != ByteRange::unknown && head.byte_range->end == head.byte_range->total)
    return;
  text_.clear();
  ++generation_;
  range_header_ = head.headers.size();
  for (std::size_t i = 0; i < head.headers.size(); ++i)
    if (head.headers[i].id == HeaderId::byte_range) range_header_ = i;
  if (!head.is_request || head.method != Method::send || !head.has_body || range_header_ == head.headers.size()) return;
  text_.assign(head.text);
  if (parse_head(text_, true, head_)) {  // parsed before: cannot fail
    text_.clear();
    return;
  }
  id_end_ = 5 + head_.transaction_id.size();
  const std::string_view value = head_.headers[range_header_].value;
  range_at_ = static_cast<std::size_t>(value.data() - text_.data());
  range_end_ = range_at_ + value.size();
}

std::size_t HeadTemplate::match(std::string_view bytes, std::size_t max_size, MessageHead& out, std::string& text,
                                bool again) const {
  if (text_.empty() || !bytes.starts_with("MSRP ")) return 0;
  // "MSRP " transact-id: ident, up to 32 characters, then SP.
  const std::string_view rest = bytes.substr(5, 33);
  const std::size_t id_size = rest.find(' ');
  if (id_size == std::string_view::npos || !is_ident(rest.substr(0, id_size))) return 0;
  const std::string_view middle = std::string_view(text_).substr(id_end_, range_at_ - id_end_);
  std::size_t at = 5 + id_size;
  if (bytes.substr(at, middle.size()) != middle) return 0;
  at += middle.size();
  // The Byte-Range value, up to its CRLF; the rest of the head, then the empty line.
  const std::size_t cr = bytes.substr(0, at + 64).find('\r', at);  // 64: two 20-digit numbers and more
  if (cr == std::string_view::npos) return 0;
  ByteRange range;
  std::string_view where;
  if (parse_byte_range(bytes.substr(at, cr - at), range, where) != nullptr) return 0;
  const std::string_view tail = std::string_view(text_).substr(range_end_);
  const std::size_t size = cr + tail.size();  // of the head's text
  if (size + 2 > max_size || bytes.substr(cr, tail.size()) != tail || bytes.substr(size, 2) != "\r\n") return 0;
  text.assign(bytes.substr(0, size));
  if (!again) out = head_;
  out.text = text;
  out.transaction_id = std::string_view(text).substr(5, id_size);
  out.byte_range = range;
  out.headers[range_header_].value = std::string_view(text).substr(at, cr - at);
  return size + 2;
}

OwnedHead::OwnedHead(const MessageHead& head) : text_(std::make_unique<std::string>(head.text)) {
  // The text parsed before; parsing its copy yields the same values.
  parse_head(*text_, head.has_body, head_);
}

OwnedHead::OwnedHead(const OwnedHead& other) {
  if (other.text_) *this = OwnedHead(other.head_);
}

OwnedHead& OwnedHead::operator=(const OwnedHead& other) {
  if (this != &other) *this = OwnedHead(other);
  return *this;
}

}  // namespace cosip::msrp
