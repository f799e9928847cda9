// Which ringtone to play: RingtoneConfiguration of the SIP SIMPLE middleware
// API (an inbound ringtone per remote SIP URI, with a default; an outbound
// ringtone), and OutboundRingback, the rule for when the outbound one plays.
// Pure: file names only; the media layer plays them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cosip::session {

class RingtoneConfiguration {
 public:
  // A .wav file each; none: no ringtone in that situation.
  std::optional<std::string> default_inbound_ringtone;
  std::optional<std::string> outbound_ringtone;

  // Registers (or replaces) the ringtone for calls from `sipuri`. False,
  // with `error` naming the URI, when it is not a sip: or sips: URI.
  bool add_ringtone_for_sipuri(std::string_view sipuri, std::string ringtone, std::string& error);
  // False when nothing was registered for that URI.
  bool remove_sipuri(std::string_view sipuri);
  // The ringtone registered for the caller's URI, else the default. URIs
  // match as addresses of record (RFC 3261 §10.3 step 5: parameters and
  // headers removed, escapes decoded; scheme and host case-insensitive),
  // so "sip:Bob@Example.com;transport=tcp" finds "sip:Bob@example.com".
  std::optional<std::string> get_ringtone_for_sipuri(std::string_view sipuri) const;

 private:
  std::map<std::string, std::string, std::less<>> by_uri_;
};

// The outbound ringtone plays on a ringing indication (180, or 183 without
// early media) until the answer; early media (a provisional response that
// carries the SDP answer, RFC 3261 §13.2.1, RFC 3960) replaces it with the
// remote party's audio.
class OutboundRingback {
 public:
  enum class Play { nothing, ringtone, early_media };

  // A provisional response (101-199) to the INVITE.
  void on_provisional(int status, bool carries_answer);
  // The final response, or the call ended: nothing plays any more.
  void on_final() { play_ = Play::nothing; done_ = true; }
  Play play() const { return play_; }

 private:
  Play play_ = Play::nothing;
  bool done_ = false;
};

}  // namespace cosip::session
