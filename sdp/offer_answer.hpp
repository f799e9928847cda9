// RFC 3264 offer/answer rules shared by the negotiator, its tests and the
// fuzz target: direction algebra (§5.1, §6.1), RTP format resolution (static
// payload types of RFC 3551 §6 or a=rtpmap), and validate_answer(), which
// says whether a description is a valid answer to an offer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sdp/attributes.hpp"
#include "sdp/session_description.hpp"

namespace cosip::sdp {

inline bool sends(Direction d) { return d == Direction::sendrecv || d == Direction::sendonly; }
inline bool receives(Direction d) { return d == Direction::sendrecv || d == Direction::recvonly; }
Direction make_direction(bool send, bool receive);
// The direction seen from the other side: sendonly <-> recvonly (RFC 3264 §6.1).
Direction invert(Direction d);
// What both allow: send only if both send, receive only if both receive.
Direction intersect(Direction a, Direction b);

// The format `fmt` of an RTP media section: its a=rtpmap, else the static
// payload type of RFC 3551 §6. Views point into `md` or static storage.
std::optional<Rtpmap> resolve_format(const MediaDescription& md, std::string_view fmt);
// Same codec: encoding (case-insensitive), clock rate and channels.
bool same_codec(const Rtpmap& a, const Rtpmap& b);

// RFC 3264 §8.4: an old-style hold, "c=0.0.0.0" (RFC 2543), means the peer
// does not want to receive.
bool is_null_address(const Connection* c);

struct AnswerError {
  const char* what = nullptr;  // null when the answer is valid
  std::size_t media = 0;       // m-line index concerned (when media_level)
  bool media_level = false;

  explicit operator bool() const { return what != nullptr; }
  std::string message() const;  // "m-line 1: answer sendonly to a sendonly offer"
};

// Checks `answer` against `offer` (RFC 3264 §6, §6.1; RFC 4568 §7.1.2;
// RFC 4975 §8.2; RFC 5547 §8): same m-line count, order, media and proto;
// refused offered streams stay refused; an accepted RTP stream shares at
// least one format with the offer, with the same meaning for shared payload
// types; compatible directions; t= equal; one crypto line answering an
// offered tag and suite for SRTP; a path for accepted MSRP streams; the
// offered file-selector echoed for file transfers.
AnswerError validate_answer(const SessionDescription& offer, const SessionDescription& answer);

}  // namespace cosip::sdp
