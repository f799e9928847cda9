// TLS settings of one side of an MSRP connection (msrps: URIs, RFC 4975
// §14): plain data, loaded into a TlsContext (msrp_connection.hpp) by the
// I/O shell.
#pragma once

#include <string>

namespace cosip::msrp {

struct TlsConfig {
  std::string ca_file;           // PEM CAs that verify the peer; empty: the system's default paths
  std::string certificate_file;  // PEM chain we present (needed by the accepting side)
  std::string private_key_file;  // PEM key of that certificate
  bool verify_peer = true;       // connecting side: verify the peer's certificate and name
};

}  // namespace cosip::msrp
