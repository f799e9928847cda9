// Writing MSRP messages (RFC 4975 §7.1, §7.2, §9; RFC 4976 §5 for AUTH):
// builders for the heads a sender needs, a canonical serializer, and the
// transaction id rules.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "msrp/message.hpp"

namespace cosip::msrp {

// A head in canonical form: start line, To-Path, From-Path, the typed headers,
// the extension and Other-Mime headers as given, Content-Type last, and the
// empty line when head.has_body. head.text is not used.
std::string serialize_head(const MessageHead& head);
void append_head(std::string& out, const MessageHead& head);
// "-------" transact-id flag CRLF, preceded by the CRLF that ends the body
// when `after_body`.
void append_end_line(std::string& out, std::string_view transaction_id, EndFlag flag, bool after_body);
// A whole message: head, body (when head.has_body) and end-line.
std::string serialize(const MessageHead& head, std::string_view body, EndFlag flag);
void append_message(std::string& out, const MessageHead& head, std::string_view body, EndFlag flag);

// The chunks of one message differ only in their transaction id and
// Byte-Range: their head is written once (serialize_head of `head`, whose
// transaction id and Byte-Range do not matter) and then filled in per chunk,
// without building a MessageHead for each.
class ChunkHead {
 public:
  ChunkHead() = default;
  explicit ChunkHead(const MessageHead& head);
  // The head's size with a transaction id of `id_size` bytes and `range`.
  std::size_t size(std::size_t id_size, const ByteRange& range) const;
  // Writes the head at `out`, which holds size(transaction_id.size(), range) bytes.
  void write(char* out, std::string_view transaction_id, const ByteRange& range) const;
  bool has_body() const { return has_body_; }

 private:
  bool has_body_ = false;
  std::string method_;        // " SEND\r\n"
  std::string before_range_;  // the headers up to "Byte-Range: "
  std::string after_range_;   // CRLF, the headers after Byte-Range, the empty line
};

// RFC 4975 §7.1: the sender picks a transaction id that does not occur as an
// end-line in the body. True when `body`, once framed, would hold
// CRLF "-------" transaction_id flag CRLF before its real end-line.
bool body_contains_end_line(std::string_view body, std::string_view transaction_id);
// A transaction id from 64 random bits: 12 letters and digits (§7.1 asks for
// at least 64 bits of randomness).
std::string make_transaction_id(std::uint64_t random);
// make_transaction_id() of `random()` draws until the id is not found in
// `body`. The body is looked at only where it holds CRLF "-------".
std::string choose_transaction_id(std::string_view body, const std::function<std::uint64_t()>& random);

// The comment usually sent with a status code (§10, RFC 4976 §8).
std::string_view default_comment(std::uint16_t code);

// Heads for a sender. The views point into the arguments, which must outlive
// the head. Optional fields (reports, extension headers) are set on the result.
MessageHead make_send(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                      std::string_view message_id, const ByteRange& range, std::string_view content_type);
// REPORT (§7.1.2): Message-ID and Byte-Range of the message reported on, and its Status.
MessageHead make_report(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                        std::string_view message_id, const ByteRange& range, const Status& status);
// AUTH to a relay (RFC 4976 §5): To-Path is the relay alone; Authorization
// empty for the first AUTH, then the digest answer to the challenge.
MessageHead make_auth(std::string_view transaction_id, const UriList& to_path, const UriList& from_path,
                      std::string_view authorization);
// A response (§7.2): the request's transaction id; To-Path is the previous
// hop (the first URI of the request's From-Path), From-Path this hop (the
// first URI of its To-Path). An empty comment takes default_comment(code).
MessageHead make_response(const MessageHead& request, std::uint16_t code, std::string_view comment = {});
// append_message() of make_response(request, code, comment), written directly.
void append_response(std::string& out, const MessageHead& request, std::uint16_t code, std::string_view comment = {});

}  // namespace cosip::msrp
