#include "msrp/serializer.hpp"

#include <charconv>
#include <cstring>

namespace cosip::msrp {

namespace {

void append_header(std::string& out, HeaderId id, std::string_view value) {
  out += canonical_name(id);
  out += ": ";
  out += value;
  out += "\r\n";
}

void append_uri_list(std::string& out, HeaderId id, const UriList& list) {
  out += canonical_name(id);
  out += ':';
  for (const Uri& uri : list) {
    out += ' ';
    append_uri(out, uri);
  }
  out += "\r\n";
}

// A Byte-Range value's number, "*" when unknown, into `out` (20 bytes are
// enough); its length.
std::size_t format_number(char* out, std::uint64_t value) {
  if (value == ByteRange::unknown) {
    *out = '*';
    return 1;
  }
  return static_cast<std::size_t>(std::to_chars(out, out + 20, value).ptr - out);
}

// range-start "-" range-end "/" total into `out` (62 bytes are enough); its length.
std::size_t format_range(char* out, const ByteRange& range) {
  std::size_t n = format_number(out, range.start);
  out[n++] = '-';
  n += format_number(out + n, range.end);
  out[n++] = '/';
  return n + format_number(out + n, range.total);
}

void append_three_digits(std::string& out, std::uint16_t value) {
  out += static_cast<char>('0' + value / 100 % 10);
  out += static_cast<char>('0' + value / 10 % 10);
  out += static_cast<char>('0' + value % 10);
}

std::string_view report_value(ReportRequest r) {
  switch (r) {
    case ReportRequest::yes: return "yes";
    case ReportRequest::no: return "no";
    case ReportRequest::partial: return "partial";
  }
  return "no";
}

}  // namespace

std::string serialize_head(const MessageHead& head) {
  std::string out;
  out.reserve(256);
  append_head(out, head);
  return out;
}

void append_head(std::string& out, const MessageHead& head) {
  out += "MSRP ";
  out += head.transaction_id;
  out += ' ';
  if (head.is_request) {
    out += head.method_name;
  } else {
    append_three_digits(out, head.status_code);
    if (!head.comment.empty()) {
      out += ' ';
      out += head.comment;
    }
  }
  out += "\r\n";
  append_uri_list(out, HeaderId::to_path, head.to_path);
  append_uri_list(out, HeaderId::from_path, head.from_path);
  if (!head.use_path.empty()) append_uri_list(out, HeaderId::use_path, head.use_path);
  if (!head.message_id.empty()) append_header(out, HeaderId::message_id, head.message_id);
  if (head.byte_range) {
    char range[62];
    out += "Byte-Range: ";
    out.append(range, format_range(range, *head.byte_range));
    out += "\r\n";
  }
  if (head.success_report) append_header(out, HeaderId::success_report, report_value(*head.success_report));
  if (head.failure_report) append_header(out, HeaderId::failure_report, report_value(*head.failure_report));
  if (head.status) {
    out += "Status: ";
    append_three_digits(out, head.status->namespace_);
    out += ' ';
    append_three_digits(out, head.status->code);
    if (!head.status->comment.empty()) {
      out += ' ';
      out += head.status->comment;
    }
    out += "\r\n";
  }
  if (head.expires) append_header(out, HeaderId::expires, std::to_string(*head.expires));
  if (head.min_expires) append_header(out, HeaderId::min_expires, std::to_string(*head.min_expires));
  if (head.max_expires) append_header(out, HeaderId::max_expires, std::to_string(*head.max_expires));
  if (!head.www_authenticate.empty()) append_header(out, HeaderId::www_authenticate, head.www_authenticate);
  if (!head.authorization.empty()) append_header(out, HeaderId::authorization, head.authorization);
  if (!head.authentication_info.empty()) append_header(out, HeaderId::authentication_info, head.authentication_info);
  // Extension headers, then the Other-Mime headers, which precede Content-Type (§9).
  for (int pass = 0; pass < 2; ++pass) {
    for (const Header& h : head.headers) {
      const bool mime = h.id == HeaderId::content_id || h.id == HeaderId::content_description ||
                        h.id == HeaderId::content_disposition;
      if ((pass == 0 && h.id == HeaderId::other) || (pass == 1 && mime)) {
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
      }
    }
  }
  if (!head.content_type.empty()) append_header(out, HeaderId::content_type, head.content_type);
  if (head.has_body) out += "\r\n";
}

void append_end_line(std::string& out, std::string_view transaction_id, EndFlag flag, bool after_body) {
  if (after_body) out += "\r\n";
  out += "-------";
  out += transaction_id;
  out += static_cast<char>(flag);
  out += "\r\n";
}

std::string serialize(const MessageHead& head, std::string_view body, EndFlag flag) {
  std::string out;
  out.reserve(256 + (head.has_body ? body.size() : 0));
  append_message(out, head, body, flag);
  return out;
}

void append_message(std::string& out, const MessageHead& head, std::string_view body, EndFlag flag) {
  append_head(out, head);
  if (head.has_body) out += body;
  append_end_line(out, head.transaction_id, flag, head.has_body);
}

ChunkHead::ChunkHead(const MessageHead& head) : has_body_(head.has_body) {
  MessageHead probe = head;
  probe.transaction_id = "id";
  probe.byte_range = ByteRange{1, ByteRange::unknown, ByteRange::unknown};
  const std::string text = serialize_head(probe);
  // "MSRP id " method CRLF, the headers before Byte-Range, "Byte-Range: 1-*/*",
  // the rest: no header before it can hold that text (its line would end first).
  constexpr std::string_view range = "\r\nByte-Range: 1-*/*";
  const std::size_t method_at = 7;  // after "MSRP id"
  const std::size_t start_line_end = text.find("\r\n") + 2;
  const std::size_t range_at = text.find(range);
  method_ = text.substr(method_at, start_line_end - method_at);
  before_range_ = text.substr(start_line_end, range_at + range.size() - 5 - start_line_end);
  after_range_ = text.substr(range_at + range.size());
}

std::size_t ChunkHead::size(std::size_t id_size, const ByteRange& range) const {
  char digits[62];
  return 5 + id_size + method_.size() + before_range_.size() + format_range(digits, range) + after_range_.size();
}

void ChunkHead::write(char* out, std::string_view transaction_id, const ByteRange& range) const {
  const auto put = [&out](std::string_view part) {
    std::memcpy(out, part.data(), part.size());
    out += part.size();
  };
  put("MSRP ");
  put(transaction_id);
  put(method_);
  put(before_range_);
  out += format_range(out, range);
  put(after_range_);
}

bool body_contains_end_line(std::string_view body, std::string_view transaction_id) {
  // CRLF "-------" transaction-id flag, then CRLF or the body's end (whose
  // CRLF comes next). Only the CRs are searched for: fast over any body.
  constexpr std::string_view dashes = "\r\n-------";
  const char* const end = body.data() + body.size();
  const std::size_t needed = dashes.size() + transaction_id.size() + 1;
  for (const char* at = body.data(); static_cast<std::size_t>(end - at) >= needed; ++at) {
    at = static_cast<const char*>(std::memchr(at, '\r', static_cast<std::size_t>(end - at) - needed + 1));
    if (at == nullptr) return false;
    if (std::memcmp(at, dashes.data(), dashes.size()) != 0 ||
        std::memcmp(at + dashes.size(), transaction_id.data(), transaction_id.size()) != 0)
      continue;
    const char* flag = at + dashes.size() + transaction_id.size();
    if (*flag != '$' && *flag != '+' && *flag != '#') continue;
    // The CRLF after the flag is in the body, or is the one that ends the body.
    const std::string_view after(flag + 1, static_cast<std::size_t>(end - flag - 1));
    if (after.empty() || after.starts_with("\r\n")) return true;
  }
  return false;
}

std::string make_transaction_id(std::uint64_t random) {
  // 12 base-36 digits hold 62 bits; the two left over pick the case of the first.
  static constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id(12, '0');
  const bool upper = (random >> 62) & 1;
  std::uint64_t rest = random & ((std::uint64_t{1} << 62) - 1);
  for (char& c : id) {
    c = digits[rest % 36];
    rest /= 36;
  }
  if (upper && id[0] >= 'a') id[0] = static_cast<char>(id[0] - 'a' + 'A');
  return id;
}

std::string choose_transaction_id(std::string_view body, const std::function<std::uint64_t()>& random) {
  for (;;) {
    std::string id = make_transaction_id(random());
    if (!body_contains_end_line(body, id)) return id;
  }
}

std::string_view default_comment(std::uint16_t code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 408: return "Request Timeout";
    case 413: return "Message Too Large";
    case 415: return "Unsupported Media Type";
    case 423: return "Interval Out-of-Bounds";
    case 481: return "Session Does Not Exist";
    case 501: return "Not Implemented";
    case 506: return "Wrong Session";
    default: return "";
  }
}

MessageHead make_send(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                      std::string_view message_id, const ByteRange& range, std::string_view content_type) {
  MessageHead head;
  head.transaction_id = transaction_id;
  head.method = Method::send;
  head.method_name = "SEND";
  head.to_path = to_path;
  head.from_path = from_path;
  head.message_id = message_id;
  head.byte_range = range;
  head.content_type = content_type;
  head.has_body = !content_type.empty();
  return head;
}

MessageHead make_report(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                        std::string_view message_id, const ByteRange& range, const Status& status) {
  MessageHead head;
  head.transaction_id = transaction_id;
  head.method = Method::report;
  head.method_name = "REPORT";
  head.to_path = to_path;
  head.from_path = from_path;
  head.message_id = message_id;
  head.byte_range = range;
  head.status = status;
  return head;
}

MessageHead make_auth(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                      std::string_view authorization) {
  MessageHead head;
  head.transaction_id = transaction_id;
  head.method = Method::auth;
  head.method_name = "AUTH";
  head.to_path = to_path;
  head.from_path = from_path;
  head.authorization = authorization;
  return head;
}

MessageHead make_response(const MessageHead& request, std::uint16_t code, std::string_view comment) {
  MessageHead head;
  head.is_request = false;
  head.transaction_id = request.transaction_id;
  head.status_code = code;
  head.comment = comment.empty() ? default_comment(code) : comment;
  if (!request.from_path.empty()) head.to_path.push_back(request.from_path.front());
  if (!request.to_path.empty()) head.from_path.push_back(request.to_path.front());
  return head;
}

void append_response(std::string& out, const MessageHead& request, std::uint16_t code, std::string_view comment) {
  // As make_response() and append_head() would write it: the start line,
  // To-Path and From-Path of one URI each (or none), the end-line.
  if (comment.empty()) comment = default_comment(code);
  out += "MSRP ";
  out += request.transaction_id;
  out += ' ';
  append_three_digits(out, code);
  if (!comment.empty()) {
    out += ' ';
    out += comment;
  }
  out += "\r\nTo-Path:";
  if (!request.from_path.empty()) {
    out += ' ';
    append_uri(out, request.from_path.front());
  }
  out += "\r\nFrom-Path:";
  if (!request.to_path.empty()) {
    out += ' ';
    append_uri(out, request.to_path.front());
  }
  out += "\r\n";
  append_end_line(out, request.transaction_id, EndFlag::complete, false);
}

}  // namespace cosip::msrp
