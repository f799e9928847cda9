// host and port (RFC 3261 §25.1, IPv6 references per RFC 5118), shared by
// URIs and Via sent-by. Internal to the syntax layer.
#pragma once

#include <cstdint>
#include <string_view>

#include "sip/syntax/uri.hpp"

namespace cosip::sip::detail {

struct HostPort {
  std::string_view host;
  HostKind kind = HostKind::name;
  std::uint16_t port = 0;
  bool has_port = false;
};

// Scans host at p; returns nullptr or a static error text, p left at the fault.
const char* scan_host(const char*& p, const char* end, HostPort& out);
// Scans port = 1*DIGIT (at most 65535) at p.
const char* scan_port(const char*& p, const char* end, HostPort& out);
// host [":" port] with no whitespace, as in a URI.
const char* scan_hostport(const char*& p, const char* end, HostPort& out);

}  // namespace cosip::sip::detail
