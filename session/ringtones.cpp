#include "session/ringtones.hpp"

#include <cctype>

#include "sip/syntax/uri.hpp"

namespace cosip::session {
namespace {

// RFC 3261 §10.3 step 5: the canonical form of an address of record, used
// as the key. "" when `text` is not a sip/sips URI.
std::string address_of_record(std::string_view text) {
  sip::Uri uri;
  const sip::UriParse parsed = sip::parse_uri(text, uri);
  if (parsed.error || parsed.used != text.size()) return {};
  if (uri.scheme != sip::Uri::Scheme::sip && uri.scheme != sip::Uri::Scheme::sips) return {};
  std::string key = uri.scheme == sip::Uri::Scheme::sips ? "sips:" : "sip:";
  if (uri.has_user) {
    std::string user;
    if (!sip::unescape(uri.user, user)) return {};
    key += user;  // the user part is case-sensitive (§19.1.4)
    key += '@';
  }
  for (char c : uri.host) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (uri.has_port) key += ':' + std::to_string(uri.port);
  return key;
}

}  // namespace

bool RingtoneConfiguration::add_ringtone_for_sipuri(std::string_view sipuri, std::string ringtone,
                                                    std::string& error) {
  std::string key = address_of_record(sipuri);
  if (key.empty()) {
    error = "not a sip: or sips: URI: \"" + std::string(sipuri) + "\"";
    return false;
  }
  by_uri_.insert_or_assign(std::move(key), std::move(ringtone));
  return true;
}

bool RingtoneConfiguration::remove_sipuri(std::string_view sipuri) {
  return by_uri_.erase(address_of_record(sipuri)) > 0;
}

std::optional<std::string> RingtoneConfiguration::get_ringtone_for_sipuri(std::string_view sipuri) const {
  if (auto it = by_uri_.find(address_of_record(sipuri)); it != by_uri_.end()) return it->second;
  return default_inbound_ringtone;
}

void OutboundRingback::on_provisional(int status, bool carries_answer) {
  if (done_ || status < 101 || status > 199) return;
  if (carries_answer || play_ == Play::early_media) {
    // Once the answer came, the remote party's audio is what is heard, even
    // if a later 180 comes without SDP (RFC 3261 §13.2.1: one answer).
    play_ = Play::early_media;
  } else if (status == 180 || status == 183) {
    play_ = Play::ringtone;
  }
}

}  // namespace cosip::session
