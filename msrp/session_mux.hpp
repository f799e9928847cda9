// Several MSRP sessions over one connection (RFC 4975 §6: sessions to the
// same peer authority and transport may share a connection). Pure: the
// connection's bytes in; out come each message's bytes, as received, for
// the session it is addressed to, and 481 responses to be written.
//
// Flow: a StreamParser frames the stream -> the head's bytes are held until
// the head is whole -> the first URI of its To-Path names this hop (for a
// request and for a response alike, RFC 4975 §7.2), and its session-id the
// session -> the head's bytes, then the body's and the end-line's as they
// come, go to that session's sink, which feeds the session's own parser.
// A message for no session here is first offered to the claim callback,
// which may add the session (a listener handing the connection to the
// stream that waits for that session-id); otherwise it is dropped, and a
// request other than REPORT gets 481 (RFC 4975 §7.3), as its
// Failure-Report allows (§7.1.1).
// A framing error is final: the connection is broken for every session.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "msrp/parser.hpp"

namespace cosip::msrp {

class SessionMux {
 public:
  // Bytes of one message (or a piece of it) for the session `session_id`.
  using Sink = std::function<void(std::string_view session_id, std::string_view bytes)>;

  explicit SessionMux(const Limits& limits = {}) : parser_(limits) {}

  // A session on this connection, by the session-id of its local URI.
  // False when one of that id is there already, or the id is empty.
  bool add_session(std::string_view session_id);
  // False when there is no such session. The rest of a message it was
  // receiving is dropped.
  bool remove_session(std::string_view session_id);
  bool has_session(std::string_view session_id) const { return sessions_.contains(session_id); }
  std::size_t session_count() const { return sessions_.size(); }

  // Called with the session-id of a message for no session here; it may
  // add_session() it before it returns, and the message goes there.
  void set_claim(std::function<void(std::string_view session_id)> claim) { claim_ = std::move(claim); }

  // Bytes from the connection, in pieces of any size. False when the stream
  // is broken (error() says why): the connection must close.
  bool on_bytes(std::string_view bytes, const Sink& sink);
  const ParseError& error() const { return parser_.error(); }

  // Responses the mux itself sends (481), in order; empties it.
  std::string take_output();
  // Messages dropped because no session here was named.
  std::uint64_t dropped() const { return dropped_; }

 private:
  void on_head();
  void forward(std::string_view bytes, const Sink& sink);

  StreamParser parser_;
  std::set<std::string, std::less<>> sessions_;
  std::string head_bytes_;  // the current head, until it is whole
  bool in_message_ = false; // the head is whole; the rest goes to target_
  std::string target_;      // the session of the current message; empty: dropped
  std::string output_;
  std::uint64_t dropped_ = 0;
  std::function<void(std::string_view)> claim_;
};

}  // namespace cosip::msrp
