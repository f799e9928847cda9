// Header field names: the known headers, their compact forms (RFC 3261 §7.3.3
// and the extensions that define one) and their canonical spelling.
#pragma once

#include <cstdint>
#include <string_view>

namespace cosip::sip {

enum class HeaderId : std::uint8_t {
  other = 0,  // not known to cosip: kept and forwarded byte for byte
  accept,
  accept_contact,
  accept_encoding,
  accept_language,
  alert_info,
  allow,
  allow_events,
  authorization,
  call_id,
  call_info,
  contact,
  content_disposition,
  content_encoding,
  content_language,
  content_length,
  content_type,
  cseq,
  date,
  error_info,
  event,
  expires,
  from,
  identity,
  identity_info,
  in_reply_to,
  max_forwards,
  mime_version,
  min_expires,
  min_se,
  organization,
  path,
  priority,
  proxy_authenticate,
  proxy_authorization,
  proxy_require,
  rack,
  reason,
  record_route,
  refer_to,
  referred_by,
  reject_contact,
  reply_to,
  request_disposition,
  require,
  retry_after,
  route,
  rseq,
  server,
  service_route,
  session_expires,
  sip_etag,
  sip_if_match,
  subject,
  subscription_state,
  supported,
  timestamp,
  to,
  unsupported,
  user_agent,
  via,
  warning,
  www_authenticate,
  count_  // number of ids; not a header
};

// Header names compare case-insensitively (RFC 3261 §7.3.1); compact forms map
// to the same id as their long form.
HeaderId header_id(std::string_view name);

// The long form in its usual capitalisation ("Call-ID", "CSeq", "WWW-Authenticate").
std::string_view canonical_name(HeaderId id);

struct Header {
  HeaderId id = HeaderId::other;
  std::string_view name;   // as received, possibly compact ("v")
  std::string_view value;  // as received, leading/trailing LWS removed; may contain folds
};

}  // namespace cosip::sip
