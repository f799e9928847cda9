#include "msrp/msrp_configuration.hpp"

#include "msrp/uri.hpp"

namespace cosip::msrp {

bool uses_relay(const MsrpConfiguration& config, SessionDirection direction) {
  if (!config.relay_host || config.relay_host->empty()) return false;
  return direction == SessionDirection::incoming ? config.use_relay_incoming : config.use_relay_outgoing;
}

bool relay_uses_tls(const MsrpConfiguration& config) { return config.relay_use_tls.value_or(config.local_use_tls); }

std::string relay_uri(const MsrpConfiguration& config) {
  if (!config.relay_host || config.relay_host->empty()) return {};
  const std::string& host = *config.relay_host;
  // An IPv6 address is written in brackets in a URI (RFC 3986 §3.2.2).
  const bool bare_ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return std::string(relay_uses_tls(config) ? "msrps://" : "msrp://") + (bare_ipv6 ? "[" + host + "]" : host) + ":" +
         std::to_string(config.relay_port.value_or(default_port)) + ";tcp";
}

std::optional<RelayConfig> relay_config(const MsrpConfiguration& config, SessionDirection direction,
                                        std::string local_uri) {
  if (!uses_relay(config, direction)) return std::nullopt;
  RelayConfig relay;
  relay.relay_uri = relay_uri(config);
  relay.local_uri = std::move(local_uri);
  relay.username = config.relay_username;
  relay.password = config.relay_password;
  return relay;
}

}  // namespace cosip::msrp
