// Which typed value each known header decodes to: one table in code form,
// shared by the parser's validity checks and the serializer. Internal.
#pragma once

#include <cstdint>
#include <string_view>

#include "sip/syntax/header_values.hpp"
#include "sip/syntax/headers.hpp"

namespace cosip::sip::detail {

// A value kept as text: unknown headers and the free-text ones
// (Subject, User-Agent, ...), and single words (Call-ID, SIP-ETag, Date).
struct RawText {
  std::string_view text;
};

// Decodes `header` by its id and passes the typed value to `visit`.
template <class Visit>
DecodeResult visit_header_value(const Header& header, const ValueLimits& limits, Visit&& visit) {
  const std::string_view v = header.value;
  auto with = [&visit](DecodeResult r, const auto& value) {
    if (r) visit(value);
    return r;
  };
  auto uint_value = [&](std::uint32_t max) {
    std::uint32_t n = 0;
    return with(decode_uint(v, max, n), n);
  };
  auto token_list = [&](bool allow_empty) {
    TokenList list;
    return with(decode_token_list(v, list, allow_empty, limits), list);
  };
  auto name_addr = [&] {
    NameAddr value;
    return with(decode_name_addr(v, value, limits), value);
  };
  auto token_params = [&] {
    TokenParams value;
    return with(decode_token_params(v, value, limits), value);
  };
  auto token_params_list = [&](bool allow_empty) {
    TokenParamsList list;
    if (allow_empty && v.empty()) return with(DecodeResult{}, list);
    return with(decode_token_params_list(v, list, limits), list);
  };
  auto route_list = [&] {
    NameAddrList list;
    return with(decode_route_list(v, list, limits), list);
  };
  auto auth = [&] {
    AuthValue value;
    return with(decode_auth(v, value, limits), value);
  };
  auto word = [&](DecodeResult r) { return with(r, RawText{v}); };

  switch (header.id) {
    case HeaderId::via: {
      ViaList list;
      return with(decode_via_list(v, list, limits), list);
    }
    case HeaderId::from:
    case HeaderId::to:
    case HeaderId::refer_to:
    case HeaderId::referred_by:
    case HeaderId::reply_to: return name_addr();
    case HeaderId::contact: {
      ContactList list;
      return with(decode_contact(v, list, limits), list);
    }
    case HeaderId::route:
    case HeaderId::record_route:
    case HeaderId::path:
    case HeaderId::service_route: return route_list();
    case HeaderId::call_id: {
      std::string_view id;
      return word(decode_call_id(v, id));
    }
    case HeaderId::cseq: {
      CSeq value;
      return with(decode_cseq(v, value), value);
    }
    case HeaderId::rack: {
      RAck value;
      return with(decode_rack(v, value), value);
    }
    case HeaderId::max_forwards: return uint_value(255);  // §20.22: 0-255
    case HeaderId::content_length:
    case HeaderId::expires:
    case HeaderId::min_expires:
    case HeaderId::rseq: return uint_value(0xffffffffu);
    case HeaderId::content_type: {
      MediaType value;
      return with(decode_media_type(v, value, limits), value);
    }
    case HeaderId::accept: {
      MediaTypeList list;
      return with(decode_accept(v, list, limits), list);
    }
    case HeaderId::accept_encoding:
    case HeaderId::accept_language: return token_params_list(true);
    case HeaderId::reason: return token_params_list(false);
    case HeaderId::allow:
    case HeaderId::supported: return token_list(true);
    case HeaderId::require:
    case HeaderId::unsupported:
    case HeaderId::proxy_require:
    case HeaderId::content_encoding:
    case HeaderId::content_language:
    case HeaderId::allow_events: return token_list(false);
    case HeaderId::event:
    case HeaderId::subscription_state:
    case HeaderId::content_disposition:
    case HeaderId::session_expires:
    case HeaderId::min_se: return token_params();
    case HeaderId::authorization:
    case HeaderId::proxy_authorization:
    case HeaderId::www_authenticate:
    case HeaderId::proxy_authenticate: return auth();
    case HeaderId::sip_etag:
    case HeaderId::sip_if_match: {
      std::string_view tag;
      return word(decode_token(v, tag));
    }
    case HeaderId::date: return word(decode_date(v));
    case HeaderId::warning: {
      WarningList list;
      return with(decode_warning_list(v, list, limits), list);
    }
    case HeaderId::retry_after: {
      RetryAfter value;
      return with(decode_retry_after(v, value, limits), value);
    }
    default: return word(decode_text(v));
  }
}

}  // namespace cosip::sip::detail
