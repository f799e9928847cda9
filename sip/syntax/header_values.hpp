// Typed values of the known SIP headers (RFC 3261 §20, §25.1 and the
// extensions named per type). Every decoder takes a header value view as the
// message parser hands it out (folds allowed) and fills a value whose views
// point into the same buffer. Decoders never throw and never allocate unless a
// list outgrows its inline capacity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "sip/syntax/uri.hpp"

namespace cosip::sip {

// Bounds a decoder applies to what a peer can grow.
struct ValueLimits {
  std::size_t max_list_values = 64;  // comma-separated values in one header line
  std::size_t max_params = 32;       // ;parameters on one value
  int max_nesting = 8;               // nested (comments) in Retry-After and the like
};

struct DecodeResult {
  const char* error = nullptr;  // static text; nullptr on success
  const char* at = nullptr;     // where in the value the fault lies
  bool over_limit = false;      // a ValueLimits bound was reached
  explicit operator bool() const { return error == nullptr; }
};

// name-addr / addr-spec with header parameters: From, To, Contact entries,
// Route, Record-Route, Path, Service-Route, Refer-To, Referred-By, Reply-To.
struct NameAddr {
  std::string_view display_name;  // quoted form: without quotes, pairs still escaped
  bool display_quoted = false;
  bool angle_brackets = false;     // written as name-addr (with <>)
  Uri uri;
  Params params;                   // header parameters (tag, expires, q, lr ...)

  std::string_view tag() const;
};

// Via (§20.42): sent-protocol, sent-by and via-params.
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", or any token
  std::string_view host;              // IPv6 reference keeps its brackets
  HostKind host_kind = HostKind::name;
  std::uint16_t port = 0;
  bool has_port = false;
  Params params;

  std::string_view branch() const;
  const Param* received() const;
  const Param* rport() const;
};

using ViaList = boost::container::small_vector<Via, 2>;
using NameAddrList = boost::container::small_vector<NameAddr, 2>;

struct ContactList {
  bool star = false;  // "Contact: *" (REGISTER removal of all bindings)
  NameAddrList entries;
};

struct CSeq {
  std::uint32_t number = 0;  // < 2**31 (§8.1.1.5)
  std::string_view method;
};

struct RAck {  // RFC 3262 §7.2
  std::uint32_t rseq = 0;
  std::uint32_t cseq = 0;
  std::string_view method;
};

// type "/" subtype *(;param): Content-Type, and each Accept range.
struct MediaType {
  std::string_view type;
  std::string_view subtype;
  Params params;
};
using MediaTypeList = boost::container::small_vector<MediaType, 2>;

// A token with parameters: Event, Subscription-State, Content-Disposition,
// Session-Expires, each Reason value.
struct TokenParams {
  std::string_view value;
  Params params;
};
using TokenParamsList = boost::container::small_vector<TokenParams, 1>;

using TokenList = boost::container::small_vector<std::string_view, 8>;

// Challenge (WWW-/Proxy-Authenticate) or credentials (Authorization,
// Proxy-Authorization): auth-scheme followed by comma-separated auth-params.
struct AuthValue {
  std::string_view scheme;  // "Digest", or another auth-scheme
  boost::container::small_vector<Param, 10> params;  // realm, nonce, qop, ... (quoted values unquoted)
};

struct RetryAfter {  // §20.33
  std::uint32_t seconds = 0;
  std::string_view comment;
  Params params;
};

struct Warning {  // §20.43
  std::uint16_t code = 0;
  std::string_view agent;
  std::string_view text;  // without quotes
};
using WarningList = boost::container::small_vector<Warning, 1>;

// Decoders. Each fills `out` from a whole header value; the list decoders
// (name ending in _list, decode_accept) append to what `out` holds, so the
// values of repeated header lines gather in one list.
DecodeResult decode_via_list(std::string_view value, ViaList& out, const ValueLimits& = {});
DecodeResult decode_name_addr(std::string_view value, NameAddr& out, const ValueLimits& = {});
// Route, Record-Route, Path, Service-Route: name-addr only (§20.30, §20.34).
DecodeResult decode_route_list(std::string_view value, NameAddrList& out, const ValueLimits& = {});
DecodeResult decode_contact(std::string_view value, ContactList& out, const ValueLimits& = {});
DecodeResult decode_call_id(std::string_view value, std::string_view& out);
DecodeResult decode_cseq(std::string_view value, CSeq& out);
DecodeResult decode_rack(std::string_view value, RAck& out);
// delta-seconds and other 1*DIGIT values no larger than `max`.
DecodeResult decode_uint(std::string_view value, std::uint32_t max, std::uint32_t& out);
DecodeResult decode_media_type(std::string_view value, MediaType& out, const ValueLimits& = {});
// Accept: possibly empty list of media-ranges ("*/*", "type/*" allowed).
DecodeResult decode_accept(std::string_view value, MediaTypeList& out, const ValueLimits& = {});
DecodeResult decode_token(std::string_view value, std::string_view& out);
// Comma-separated tokens; `allow_empty` for the headers whose grammar allows
// an empty value (Allow, Supported, Accept-Encoding, Accept-Language).
DecodeResult decode_token_list(std::string_view value, TokenList& out, bool allow_empty,
                               const ValueLimits& = {});
DecodeResult decode_token_params(std::string_view value, TokenParams& out, const ValueLimits& = {});
DecodeResult decode_token_params_list(std::string_view value, TokenParamsList& out,
                                      const ValueLimits& = {});
DecodeResult decode_auth(std::string_view value, AuthValue& out, const ValueLimits& = {});
DecodeResult decode_retry_after(std::string_view value, RetryAfter& out, const ValueLimits& = {});
DecodeResult decode_warning_list(std::string_view value, WarningList& out, const ValueLimits& = {});
// Free text (unknown headers, Subject, User-Agent ...): TEXT-UTF8 octets and
// folds only, no control characters (§25.1 header-value).
DecodeResult decode_text(std::string_view value);
// rfc1123-date with the mandatory "GMT" (§20.17).
DecodeResult decode_date(std::string_view value);

// Canonical text of each value: single spaces, no folds, parameters as
// received, quoted values re-quoted.
void append(std::string& out, const Via& v);
void append(std::string& out, const NameAddr& v);
void append(std::string& out, const CSeq& v);
void append(std::string& out, const RAck& v);
void append(std::string& out, const MediaType& v);
void append(std::string& out, const TokenParams& v);
void append(std::string& out, const AuthValue& v);
void append(std::string& out, const RetryAfter& v);
void append(std::string& out, const Warning& v);

}  // namespace cosip::sip
