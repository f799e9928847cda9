// Transport names, address text and the transport error category.
#include "sip/transport/transport.hpp"

namespace cosip::sip {

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::udp: return "UDP";
    case Transport::tcp: return "TCP";
    case Transport::tls: return "TLS";
  }
  return "?";
}

std::string to_string(const TransportAddress& a) {
  std::string out;
  switch (a.transport) {
    case Transport::udp: out = "udp:"; break;
    case Transport::tcp: out = "tcp:"; break;
    case Transport::tls: out = "tls:"; break;
  }
  if (a.address.is_v6()) {
    out += '[';
    out += a.address.to_string();
    out += ']';
  } else {
    out += a.address.to_string();
  }
  out += ':';
  out += std::to_string(a.port);
  return out;
}

namespace {

class TransportCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "cosip.sip.transport"; }
  std::string message(int ev) const override {
    switch (static_cast<TransportErrc>(ev)) {
      case TransportErrc::ok: return "ok";
      case TransportErrc::no_listener: return "no listening socket for the destination's address family";
      case TransportErrc::connection_closed: return "connection closed";
      case TransportErrc::too_many_connections: return "too many connections";
      case TransportErrc::connect_timeout: return "connect or TLS handshake timed out";
      case TransportErrc::idle_timeout: return "connection idle for too long";
      case TransportErrc::framing_error: return "stream framing error";
      case TransportErrc::queue_full: return "too many bytes queued on the connection";
      case TransportErrc::tls_not_configured: return "TLS certificate and key not configured";
    }
    return "unknown transport error";
  }
};

}  // namespace

const boost::system::error_category& transport_category() {
  static const TransportCategory category;
  return category;
}

boost::system::error_code make_error_code(TransportErrc e) {
  return {static_cast<int>(e), transport_category()};
}

}  // namespace cosip::sip
