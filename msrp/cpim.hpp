// Message/CPIM (RFC 3862): unwrap a CPIM body into its message headers and
// the encapsulated MIME object, and wrap them back into a body.
//
// Layout of a body (the transport's own Content-Type says message/cpim):
//
//   From: Alice <im:alice@example.com>        message headers (§3), CRLF each
//   NS: imdn <urn:ietf:params:imdn>
//   imdn.Message-ID: 34jk324j                 namespaced header (§3.4)
//                                             blank line
//   Content-Type: text/plain                  MIME headers of the content
//                                             blank line
//   hello                                     the content, opaque bytes
//
// The parser never throws; it returns a CpimError with the byte of the
// fault. Header names of the message headers are case-sensitive (§3.1), so
// "from:" is an extension header, not From; the MIME headers of the content
// keep MIME's case-insensitive names. Header values are decoded from the
// escape mechanism of §2.3 ("\\", "\"", "\u00e9", ...). The content stays a
// view into the caller's buffer; decoded header text is copied. Parameters
// of the core headers other than Subject's lang are checked, not kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cosip::msrp {

enum class CpimErrc : std::uint8_t {
  ok = 0,
  too_large,            // CpimLimits::max_size
  too_many_headers,     // CpimLimits::max_headers
  header_too_long,      // CpimLimits::max_header_length
  bad_line_ending,      // a bare LF (without CpimOptions::allow_lf), a CR alone, a NUL
  bad_header,           // not Header-name ":" *(";" Parameter) SP Header-value
  bad_parameter,        // a malformed ";name=value" header parameter
  bad_escape,           // a "\" that starts no escape of §2.3, or a bad \uXXXX
  bad_value,            // a header value that is not of its header's grammar
  duplicate_header,     // From or DateTime twice; Content-Type twice
  conflicting_namespace,// one prefix declared by NS for two different URNs
  undeclared_prefix,    // "p.Name" with no "NS: p <urn>" (§3.4)
  missing_blank_line,   // the message headers or the MIME headers do not end with an empty line
  bad_mime_header,      // a malformed header of the encapsulated MIME object
};

struct CpimError {
  CpimErrc code = CpimErrc::ok;
  std::uint32_t offset = 0;  // byte of the input where the fault lies
  const char* detail = "";   // static text: what exactly is wrong

  explicit operator bool() const { return code != CpimErrc::ok; }
  // "malformed header value: From: no <URI> at byte 6"
  std::string message() const;
};

std::string_view to_string(CpimErrc code);

// What a peer can make the parser hold.
struct CpimLimits {
  std::size_t max_size = 1 << 20;        // whole body, content included
  std::size_t max_headers = 64;          // message headers and MIME headers together
  std::size_t max_header_length = 4096;  // one header line, without its line end
};

// Strict by default; each leniency is a named flag.
struct CpimOptions {
  bool allow_lf = false;                 // header lines ended by LF alone
  bool allow_undeclared_prefix = false;  // keep "p.Name" without an NS for p (its namespace left empty)
};

// The namespace of the core headers From, To, cc, DateTime, Subject, NS,
// Require, and of every header without a prefix unless an NS without a
// prefix names another (§3.4; IANA "CPIM Headers" registry URN prefix).
inline constexpr std::string_view cpim_core_namespace = "urn:ietf:params:cpim-headers:";

// From, To, cc (§4.1-§4.3): [ Formal-name ] "<" URI ">".
struct CpimAddress {
  std::string display_name;  // decoded Formal-name; empty when absent
  std::string uri;

  bool operator==(const CpimAddress&) const = default;
};

// Subject (§4.5), one per language.
struct CpimSubject {
  std::string lang;  // Language-tag of ";lang=", empty when absent
  std::string text;  // decoded

  bool operator==(const CpimSubject&) const = default;
};

// NS (§4.6): "NS: prefix <urn>"; an empty prefix declares the default namespace.
struct CpimNamespace {
  std::string prefix;
  std::string urn;

  bool operator==(const CpimNamespace&) const = default;
};

// Any other message header: namespaced ones (imdn.Message-ID) and unknown
// core-namespace ones, in the order received.
struct CpimHeader {
  std::string prefix;      // Name-prefix as written, empty when none
  std::string name;        // Name
  std::string namespace_;  // the URN its prefix resolves to (§3.4)
  std::string parameters;  // ";name=value..." as written, empty when none
  std::string value;       // decoded Header-value

  bool operator==(const CpimHeader&) const = default;
};

// A header of the encapsulated MIME object other than Content-Type; views
// into the unwrapped buffer (or into the caller's strings when wrapping).
struct MimeHeader {
  std::string_view name;
  std::string_view value;

  bool operator==(const MimeHeader&) const = default;
};

struct CpimMessage {
  std::optional<CpimAddress> from;
  std::vector<CpimAddress> to;
  std::vector<CpimAddress> cc;
  std::string date_time;  // RFC 3339 date-time as written; empty when absent
  std::vector<CpimSubject> subjects;
  std::vector<CpimNamespace> namespaces;
  std::vector<std::string> require;  // Header-names of Require (§4.7)
  std::vector<CpimHeader> headers;   // the others, in order

  std::string_view content_type;     // of the content; empty when absent (MIME: text/plain)
  std::vector<MimeHeader> content_headers;
  std::string_view content;

  // The value of the first header `name` in namespace `ns`, or nullptr:
  // find(imdn_namespace, "Message-ID") whatever prefix the sender chose.
  const CpimHeader* find(std::string_view ns, std::string_view name) const;

  bool operator==(const CpimMessage&) const = default;
};

// Parses a message/cpim body. On error `out` holds what was read up to it.
CpimError unwrap_cpim(std::string_view body, CpimMessage& out, const CpimOptions& options = {},
                      const CpimLimits& limits = {});

// Builds the body of `msg`, headers in the order From, To, cc, DateTime,
// Subject, NS, Require, the others, then the content's MIME headers
// (Content-Type first) and the content; CRLF line ends, values escaped
// (§2.3). Fails, with offset 0 and `out` untouched, on what no body can
// carry: a bad name, prefix, URI, date-time or language tag, a prefix no
// NS of `msg` declares, a MIME header with a line break.
CpimError wrap_cpim(const CpimMessage& msg, std::string& out);

// RFC 3339 §5.6 date-time ("1996-12-19T16:39:57-08:00"), fields in range.
bool is_rfc3339_date_time(std::string_view text);

}  // namespace cosip::msrp
