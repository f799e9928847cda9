#include "sip/syntax/headers.hpp"

#include <array>
#include <cstdint>

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {
namespace {

using detail::iequals;

struct NameEntry {
  std::string_view name;
  HeaderId id;
};

// Long forms in canonical spelling, then the compact forms (RFC 3261 §7.3.3,
// RFC 3265 o/u, RFC 3515 r, RFC 3892 b, RFC 4028 x, RFC 3841 a/j/d, RFC 4474 y/n).
constexpr NameEntry names[] = {
    {"Accept", HeaderId::accept},
    {"Accept-Contact", HeaderId::accept_contact},
    {"Accept-Encoding", HeaderId::accept_encoding},
    {"Accept-Language", HeaderId::accept_language},
    {"Alert-Info", HeaderId::alert_info},
    {"Allow", HeaderId::allow},
    {"Allow-Events", HeaderId::allow_events},
    {"Authorization", HeaderId::authorization},
    {"Call-ID", HeaderId::call_id},
    {"Call-Info", HeaderId::call_info},
    {"Contact", HeaderId::contact},
    {"Content-Disposition", HeaderId::content_disposition},
    {"Content-Encoding", HeaderId::content_encoding},
    {"Content-Language", HeaderId::content_language},
    {"Content-Length", HeaderId::content_length},
    {"Content-Type", HeaderId::content_type},
    {"CSeq", HeaderId::cseq},
    {"Date", HeaderId::date},
    {"Error-Info", HeaderId::error_info},
    {"Event", HeaderId::event},
    {"Expires", HeaderId::expires},
    {"From", HeaderId::from},
    {"Identity", HeaderId::identity},
    {"Identity-Info", HeaderId::identity_info},
    {"In-Reply-To", HeaderId::in_reply_to},
    {"Max-Forwards", HeaderId::max_forwards},
    {"MIME-Version", HeaderId::mime_version},
    {"Min-Expires", HeaderId::min_expires},
    {"Min-SE", HeaderId::min_se},
    {"Organization", HeaderId::organization},
    {"Path", HeaderId::path},
    {"Priority", HeaderId::priority},
    {"Proxy-Authenticate", HeaderId::proxy_authenticate},
    {"Proxy-Authorization", HeaderId::proxy_authorization},
    {"Proxy-Require", HeaderId::proxy_require},
    {"RAck", HeaderId::rack},
    {"Reason", HeaderId::reason},
    {"Record-Route", HeaderId::record_route},
    {"Refer-To", HeaderId::refer_to},
    {"Referred-By", HeaderId::referred_by},
    {"Reject-Contact", HeaderId::reject_contact},
    {"Reply-To", HeaderId::reply_to},
    {"Request-Disposition", HeaderId::request_disposition},
    {"Require", HeaderId::require},
    {"Retry-After", HeaderId::retry_after},
    {"Route", HeaderId::route},
    {"RSeq", HeaderId::rseq},
    {"Server", HeaderId::server},
    {"Service-Route", HeaderId::service_route},
    {"Session-Expires", HeaderId::session_expires},
    {"SIP-ETag", HeaderId::sip_etag},
    {"SIP-If-Match", HeaderId::sip_if_match},
    {"Subject", HeaderId::subject},
    {"Subscription-State", HeaderId::subscription_state},
    {"Supported", HeaderId::supported},
    {"Timestamp", HeaderId::timestamp},
    {"To", HeaderId::to},
    {"Unsupported", HeaderId::unsupported},
    {"User-Agent", HeaderId::user_agent},
    {"Via", HeaderId::via},
    {"Warning", HeaderId::warning},
    {"WWW-Authenticate", HeaderId::www_authenticate},
    // compact forms
    {"a", HeaderId::accept_contact},
    {"b", HeaderId::referred_by},
    {"c", HeaderId::content_type},
    {"d", HeaderId::request_disposition},
    {"e", HeaderId::content_encoding},
    {"f", HeaderId::from},
    {"i", HeaderId::call_id},
    {"j", HeaderId::reject_contact},
    {"k", HeaderId::supported},
    {"l", HeaderId::content_length},
    {"m", HeaderId::contact},
    {"n", HeaderId::identity_info},
    {"o", HeaderId::event},
    {"r", HeaderId::refer_to},
    {"s", HeaderId::subject},
    {"t", HeaderId::to},
    {"u", HeaderId::allow_events},
    {"v", HeaderId::via},
    {"x", HeaderId::session_expires},
    {"y", HeaderId::identity},
};

constexpr std::size_t long_form_count = static_cast<std::size_t>(HeaderId::count_) - 1;

// Case-insensitive hash of a name: OR-ing 0x20 folds letters to lower case
// and leaves '-' and digits alone. Length and three characters spread these
// names over the table; a probe confirms with a full compare.
constexpr std::uint32_t name_hash(std::string_view n) {
  const auto at = [&n](std::size_t i) { return static_cast<std::uint32_t>(n[i]) | 0x20u; };
  return static_cast<std::uint32_t>(n.size()) * 31u + at(0) * 7u + at(n.size() - 1) * 3u +
         at(n.size() / 2);
}

constexpr std::size_t table_size = 256;

struct Table {
  std::array<std::uint8_t, table_size> slot{};  // index into names + 1; 0 = empty
  std::array<std::string_view, static_cast<std::size_t>(HeaderId::count_)> canonical{};
};

constexpr Table make_table() {
  Table t{};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    std::size_t h = name_hash(names[i].name) % table_size;
    while (t.slot[h] != 0) h = (h + 1) % table_size;
    t.slot[h] = static_cast<std::uint8_t>(i + 1);
    if (i < long_form_count) t.canonical[static_cast<std::size_t>(names[i].id)] = names[i].name;
  }
  return t;
}

constexpr Table table = make_table();

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty()) return HeaderId::other;
  std::size_t h = name_hash(name) % table_size;
  while (table.slot[h] != 0) {
    const NameEntry& e = names[table.slot[h] - 1];
    if (e.name == name || iequals(e.name, name)) return e.id;
    h = (h + 1) % table_size;
  }
  return HeaderId::other;
}

std::string_view canonical_name(HeaderId id) {
  return table.canonical[static_cast<std::size_t>(id)];
}

}  // namespace cosip::sip
