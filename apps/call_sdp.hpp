// The SDP offer/answer of one call (RFC 3264), as `cosip call` runs it:
// our offers (the first, a re-offer, a hold), the peer's answers, and our
// answers to the peer's offers in re-INVITEs, through an sdp::Negotiator.
// Text in, text out; what the negotiated session means for the media is the
// caller's (CallMedia applies it; a call without --audio only signals it).
#pragma once

#include <string>

#include "sdp/negotiator.hpp"

namespace cosip::apps {

// A random o= session id of `digits` digits (RFC 8866 §5.2 asks for a
// unique one; no zero, so no leading zero either).
std::string random_session_id(std::size_t digits = 10);

class CallSdp {
 public:
  explicit CallSdp(sdp::LocalCapabilities capabilities) : negotiator_(std::move(capabilities)) {}

  // The first offer, a re-offer of the session (the same o= version when
  // nothing changed), or a hold (a=sendonly). Empty with `error` set when
  // an offer of ours is still outstanding.
  std::string offer(bool hold, std::string& error);
  // The answer to our outstanding offer. False with `error` set when it is
  // not SDP or does not answer the offer; the offer is then withdrawn.
  bool on_answer(const std::string& text, std::string& error);
  // Our offer was refused (e.g. 488): the session stays as it was (§4).
  void on_rejected();
  // The peer's offer (a re-INVITE): `answer` is ours. False with `error`
  // set and nothing changed when it cannot be accepted (RFC 3261 §14.2).
  bool on_offer(const std::string& text, std::string& answer, std::string& error);

  bool on_hold() const { return negotiator_.on_hold(); }
  const sdp::NegotiatedSession& session() const { return negotiator_.session(); }

 private:
  sdp::Negotiator negotiator_;
};

}  // namespace cosip::apps
