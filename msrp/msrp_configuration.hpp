// The middleware API's MSRPConfiguration (spec "MSRPConfiguration"): where
// our MSRP URI points, and whether a session's stream goes through an MSRP
// relay (RFC 4976), with the spec's defaults. Pure: the decisions a stream
// takes from it are functions here; the sockets are MsrpStream's.
//
// What the spec leaves implicit, and is added here:
//   - the relay's credentials (RFC 4976 §5: the relay challenges AUTH with
//     HTTP digest);
//   - the TLS settings of the connection to the relay (verified by default);
//   - relay_use_tls None: the relay is reached as our own URI is (TLS when
//     local_use_tls);
//   - relay_port None: 2855, MSRP's registered port (RFC 4975 §15.4);
//   - a relay is used only when relay_host is set: use_relay_incoming is
//     True by default, and without a host there is nothing to use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "msrp/relay_client.hpp"
#include "msrp/tls_config.hpp"

namespace cosip::msrp {

struct MsrpConfiguration {
  std::optional<std::string> local_ip;      // None: detected
  std::optional<std::uint16_t> local_port;  // None: allocated
  bool local_use_tls = true;
  bool use_relay_incoming = true;   // for sessions we answer
  bool use_relay_outgoing = false;  // for sessions we offer
  std::optional<std::string> relay_host;
  std::optional<std::uint16_t> relay_port;
  std::optional<bool> relay_use_tls;
  // Not in the spec: the account the relay challenges, and how its
  // certificate is checked when it is reached over TLS.
  std::string relay_username;
  std::string relay_password;
  TlsConfig relay_tls;
};

// An incoming session is one we answer, an outgoing one we offer.
enum class SessionDirection : std::uint8_t { incoming, outgoing };

// Whether a stream of a session in `direction` goes through the relay.
bool uses_relay(const MsrpConfiguration& config, SessionDirection direction);

// Whether the relay is reached over TLS (msrps:).
bool relay_uses_tls(const MsrpConfiguration& config);

// The relay's URI, "msrp://host:port;tcp" or "msrps://...": a relay URI
// has no session-id (RFC 4976 §5). Empty when relay_host is not set.
std::string relay_uri(const MsrpConfiguration& config);

// What the relay client of a stream whose own URI is `local_uri` needs;
// none when the stream does not use the relay.
std::optional<RelayConfig> relay_config(const MsrpConfiguration& config, SessionDirection direction,
                                        std::string local_uri);

}  // namespace cosip::msrp
