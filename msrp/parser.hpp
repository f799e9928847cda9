// Streaming MSRP parser (RFC 4975 §7.1, §9): bytes go in as they arrive, in
// pieces of any size (down to one byte); out come the head, the body in
// pieces, and the end with its continuation flag.
//
// Flow: head -- collect lines until an empty line (a body follows) or the
// end-line "-------" transact-id flag (no body); parse and validate them ->
// Event::head. body -- hand out the bytes up to the end-line as
// Event::body pieces, without buffering them: the end-line is CRLF "-------"
// transact-id flag CRLF, matched across reads; look-alikes (another id, the
// id without the leading CRLF, a flag not followed by CRLF) are body ->
// Event::end. Then the next message's head.
//
// An error is final: the stream cannot be resynchronised, every later feed()
// returns the same error, and the caller closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "msrp/error.hpp"
#include "msrp/message.hpp"

namespace cosip::msrp {

struct Limits {
  std::size_t max_head_size = 16 * 1024;  // start line and headers, CRLFs included
  std::uint64_t max_body_size = 0;        // bytes of one chunk's body; 0: no limit
};

enum class Event : std::uint8_t {
  need_more,  // every byte given was used; feed more
  head,       // head() holds the new message's head
  body,       // body() holds the next piece of the body
  end,        // the message ended; flag() says how
  error,      // error() says why; final
};

class StreamParser {
 public:
  explicit StreamParser(const Limits& limits = {}) : limits_(limits) {}

  struct Result {
    Event event = Event::need_more;
    std::size_t used = 0;  // bytes of the input consumed
  };

  // Consumes a prefix of `bytes` up to the next event. Call it again with the
  // rest (possibly empty) until it returns need_more: one input may hold
  // several events (a head and its end, several messages).
  Result feed(std::string_view bytes);

  // The current message's head: valid from Event::head until the first
  // feed() after its Event::end. Its views point into its text or, for a
  // chunk head taken from the previous one's (HeadTemplate), into the
  // parser's copy of that head: the same bytes.
  const MessageHead& head() const { return head_; }
  // The body piece of the last Event::body: a view into the bytes given to
  // that feed() or into the parser; valid until the next feed().
  std::string_view body() const { return piece_; }
  // The flag of the last Event::end.
  EndFlag flag() const { return flag_; }
  const ParseError& error() const { return error_; }

  // Body bytes of the current message handed out so far.
  std::uint64_t body_size() const { return body_size_; }

 private:
  enum class State : std::uint8_t { head, end_pending, body, failed };

  Limits limits_;
  State state_ = State::head;
  bool new_message_ = true;       // the next byte begins a message
  std::string head_buffer_;       // the head being collected
  std::size_t line_start_ = 0;    // start of the incomplete line in head_buffer_
  MessageHead head_;
  PathCache paths_;
  HeadTemplate template_;         // the last chunk head parsed in full
  // head_ came from template_.match() of this generation (0: it did not).
  std::uint64_t matched_generation_ = 0;
  std::string end_marker_;        // CRLF "-------" transact-id
  std::string held_;              // a partial end-line match carried over from the last feed
  std::string released_;          // held bytes that turned out to be body
  std::string_view piece_;
  EndFlag flag_ = EndFlag::complete;
  std::uint64_t body_size_ = 0;
  ParseError error_;

  Result feed_head(std::string_view bytes);
  Result feed_body(std::string_view bytes);
  Result finish_head(std::size_t used);
  Result body_piece(std::string_view piece, std::size_t used);
  Result end(EndFlag flag, std::size_t used);
  Result fail(ParseErrc code, std::uint64_t offset, const char* detail);
  Result fail(const ParseError& e);
  // Matches bytes against the end-line from position `matched` of it; returns
  // the new match length (end_marker_.size() + 3 when complete) or npos on a mismatch.
  std::size_t match_end_line(std::string_view bytes, std::size_t matched, std::size_t& used) const;
};

// A whole message in one buffer (a file, a test): exactly one message and
// nothing after it. The body is joined from the pieces.
struct Message {
  OwnedHead head;
  std::string body;
  EndFlag flag = EndFlag::complete;
};
ParseError parse_message(std::string_view data, Message& out, const Limits& limits = {});

}  // namespace cosip::msrp
