// SIP messages (RFC 3261 §7): the zero-copy model, the datagram parser and
// the receiving UA's validity checks.
//
// Flow: parse_message() splits the start line, the header fields (in order,
// folds kept inside the value views) and the body; it then decodes every known
// header once, keeps the ones every layer needs (Via, From, To, Call-ID, CSeq,
// Max-Forwards, Content-Length, Content-Type) typed in the Message, and checks
// what a UA must check before it processes a request or response (§8.2, §18.3).
// All views point into the caller's buffer, which must outlive the Message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "sip/syntax/error.hpp"
#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"
#include "sip/syntax/uri.hpp"

namespace cosip::sip {

// What a peer can make the parser hold. Defaults suit a UA; an embedder may
// tighten or relax them.
struct Limits {
  std::size_t max_message_size = 65535;  // whole message, body included (§18.1.1 UDP max)
  std::size_t max_headers = 128;         // header fields
  std::size_t max_header_length = 8192;  // one header field, folds included
  ValueLimits values;                    // list values and parameters per header
};

struct Message {
  bool is_request = true;

  // Request line (§7.1).
  std::string_view method;
  std::string_view request_uri_text;
  Uri request_uri;

  // Status line (§7.2).
  std::uint16_t status_code = 0;
  std::string_view reason_phrase;

  boost::container::small_vector<Header, 24> headers;  // in received order
  std::string_view body;
  std::string_view raw;  // the bytes of this message, start line to end of body

  // Typed values of the headers every layer reads, decoded once by the parser.
  ViaList vias;
  NameAddr from;
  NameAddr to;
  std::string_view call_id;
  CSeq cseq;
  std::optional<std::uint32_t> max_forwards;
  std::optional<std::uint32_t> content_length;
  std::optional<MediaType> content_type;

  // First header with this id, or nullptr.
  const Header* find(HeaderId id) const;
  // First header whose name matches (case-insensitive, compact forms mapped).
  const Header* find(std::string_view name) const;
  // Whether the option-tag lists of header `id` (Supported, Require,
  // Proxy-Require, Unsupported), over all its lines, name `tag`.
  bool has_option_tag(HeaderId id, std::string_view tag) const;

  void clear();
};

// Parses one whole message, as one UDP datagram carries it (§18.3): without
// Content-Length the body is the rest of the datagram; bytes after
// Content-Length are ignored. On error `out` is left partly filled: after a
// fault in the start line, its header fields are still split (not decoded),
// so that a 400 or 505 can be addressed to the sender.
ParseError parse_message(std::string_view data, Message& out, const Limits& limits = {});

}  // namespace cosip::sip
