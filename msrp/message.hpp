// The head of an MSRP message (RFC 4975 §7, §9; RFC 4976 for AUTH and the
// relay headers): start line and header fields, parsed as views into the
// head's text. The body is not part of it: the stream parser hands the body
// out in pieces (parser.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "msrp/error.hpp"
#include "msrp/uri.hpp"

namespace cosip::msrp {

enum class HeaderId : std::uint8_t {
  other = 0,  // an extension header, kept by name
  to_path,
  from_path,
  message_id,
  byte_range,
  success_report,
  failure_report,
  status,
  content_type,
  use_path,             // RFC 4976 §6
  expires,              // RFC 4976
  min_expires,
  max_expires,
  www_authenticate,     // RFC 4976 §5: digest challenge, kept as text
  authorization,
  authentication_info,
  content_id,           // Other-Mime-header (§9), before Content-Type
  content_description,
  content_disposition,
};

// The header's name as written by the serializer; "" for HeaderId::other.
std::string_view canonical_name(HeaderId id);
// Lookup of a header name, case-insensitive as ABNF string literals are
// (RFC 5234 §2.3).
HeaderId header_id(std::string_view name);

enum class Method : std::uint8_t { send, report, auth, extension };

// The end-line's continuation flag (§7.1).
enum class EndFlag : char {
  complete = '$',     // the last chunk of the message
  more = '+',         // more chunks follow
  interrupted = '#',  // the sender abandoned the message
};

// Byte-Range: range-start "-" range-end "/" total (§7.1.1, §9).
struct ByteRange {
  static constexpr std::uint64_t unknown = UINT64_MAX;  // written "*"
  std::uint64_t start = 1;
  std::uint64_t end = unknown;
  std::uint64_t total = unknown;
};

// Success-Report / Failure-Report values (§7.1.1).
enum class ReportRequest : std::uint8_t { no, yes, partial };

// Status: namespace SP status-code [SP comment] (§9); namespace is "000" for
// every code RFC 4975 defines.
struct Status {
  std::uint16_t namespace_ = 0;
  std::uint16_t code = 0;
  std::string_view comment;
};

struct Header {
  HeaderId id = HeaderId::other;
  std::string_view name;   // as written
  std::string_view value;  // after ": ", as written
};

using UriList = boost::container::small_vector<Uri, 2>;

struct MessageHead {
  std::string_view text;            // start line and header lines, each ending in CRLF
  bool is_request = true;
  bool has_body = false;            // an empty line (and so a body) follows the headers
  std::string_view transaction_id;
  Method method = Method::send;     // requests
  std::string_view method_name;     // requests: "SEND", "REPORT", "AUTH" or an extension
  std::uint16_t status_code = 0;    // responses
  std::string_view comment;         // responses: may be empty
  UriList to_path;
  UriList from_path;
  UriList use_path;
  std::string_view message_id;
  std::optional<ByteRange> byte_range;
  std::optional<ReportRequest> success_report;
  std::optional<ReportRequest> failure_report;
  std::optional<Status> status;
  std::string_view content_type;    // empty when absent
  std::optional<std::uint32_t> expires;
  std::optional<std::uint32_t> min_expires;
  std::optional<std::uint32_t> max_expires;
  std::string_view www_authenticate;
  std::string_view authorization;
  std::string_view authentication_info;
  // Every header line in order of appearance, the typed ones included.
  boost::container::small_vector<Header, 12> headers;

  // The first header of that kind; empty when absent.
  std::string_view header(std::string_view name) const;
};

// The path headers' values last parsed, with their URIs: the messages of
// one session repeat the same To-Path and From-Path, which then need not be
// parsed again. A cache, not a state: results are the same without it.
class PathCache {
 public:
  // The URIs of `value` into `list`, as views into `value`, when `value` is
  // one of the values kept.
  bool find(std::string_view value, UriList& list) const;
  // Keeps `value` with its URIs (views into `value`), in place of the
  // oldest kept.
  void keep(std::string_view value, const UriList& list);

 private:
  struct Entry {
    std::string value;
    UriList list;  // views into value
  };
  Entry entries_[2];
  std::size_t next_ = 0;
};

// The Byte-Range value (§9): range-start "-" range-end "/" total, with the
// rules of §7.1.1. Null when it is valid; else what is wrong, and `where`
// (a view into `value`) says where.
const char* parse_byte_range(std::string_view value, ByteRange& range, std::string_view& where);

// The chunks of one message repeat their head but for the transaction id and
// the Byte-Range value. A head learnt from one chunk lets the next ones be
// recognised by comparing their bytes with it instead of being parsed: a
// cache, not a state — what match() yields is what parse_head() would.
class HeadTemplate {
 public:
  // Keeps `head` (a SEND with a body and a Byte-Range; any other head
  // clears the template), unless its Byte-Range ends the message: then
  // nothing changes.
  void learn(const MessageHead& head);
  // When `bytes` begins with a head and its empty line that equal the
  // learnt one but for a valid transaction id and Byte-Range value, and
  // they hold at most `max_size` bytes: `text` gets the head (as
  // parse_head() takes it), `out` the parsed head (views into `text` and
  // into the template), and the bytes used are returned. Else 0. `again`:
  // `out` holds what the last match() gave, since which nothing was learnt
  // (generation() is the same), so only the parts that differ are set.
  std::size_t match(std::string_view bytes, std::size_t max_size, MessageHead& out, std::string& text,
                    bool again) const;
  // Changes with each learn().
  std::uint64_t generation() const { return generation_; }

 private:
  std::uint64_t generation_ = 1;  // never 0
  std::string text_;      // the learnt head
  MessageHead head_;      // parsed from text_
  std::size_t id_end_ = 0;       // the SP after the transaction id
  std::size_t range_at_ = 0;     // the Byte-Range value ...
  std::size_t range_end_ = 0;    // ... and the CRLF after it
  std::size_t range_header_ = 0; // its index in head_.headers
};

// Parses `text` (start line and header lines, each ending in CRLF, without
// the empty line or end-line that follows) into views into `text`.
// `has_body` says whether an empty line (and so a body) follows: RFC 4975 §7.1
// rules tie Content-Type to it. Offsets are bytes of `text`.
ParseError parse_head(std::string_view text, bool has_body, MessageHead& out, PathCache* paths = nullptr);

// Parses the start line alone (without its CRLF) into `out`'s transaction id,
// method or status and comment: the stream parser checks it as soon as it is
// complete, before the headers arrive.
ParseError parse_start_line(std::string_view line, MessageHead& out);

// A head that owns its text (on the heap, so moves keep the views valid).
class OwnedHead {
 public:
  OwnedHead() = default;
  explicit OwnedHead(const MessageHead& head);
  OwnedHead(const OwnedHead& other);
  OwnedHead& operator=(const OwnedHead& other);
  OwnedHead(OwnedHead&&) noexcept = default;
  OwnedHead& operator=(OwnedHead&&) noexcept = default;
  ~OwnedHead() = default;

  const MessageHead& get() const { return head_; }
  const MessageHead* operator->() const { return &head_; }

 private:
  std::unique_ptr<std::string> text_;
  MessageHead head_;
};

}  // namespace cosip::msrp
