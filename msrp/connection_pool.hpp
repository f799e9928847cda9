// Connections shared by the MSRP sessions to one peer (RFC 4975 §6:
// sessions whose next hop has the same authority and transport may use one
// connection). The side that connects looks here first: a second stream to
// a peer it already has an open connection to adds its session to that
// connection (MsrpConnection::add_session) instead of opening another.
//
// The key is where the connection goes: the host compared
// case-insensitively (RFC 4975 §6.1), the port we connect to (2855 when
// the URI has none), the transport and whether it is TLS (msrps:). The
// pool does not keep connections alive: it forgets one once it is closed
// or gone.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "msrp/uri.hpp"

namespace cosip::msrp {

class MsrpConnection;

struct PeerKey {
  std::string host;  // lower case, as written (an IPv6 address in brackets)
  std::uint16_t port = 0;
  std::string transport;  // lower case
  bool tls = false;
  auto operator<=>(const PeerKey&) const = default;
};

// The key of the connection that reaches `uri` (the first URI of a To-Path).
PeerKey peer_key(const Uri& uri);

class ConnectionPool {
 public:
  // The open connection to `peer`, else null.
  std::shared_ptr<MsrpConnection> find(const PeerKey& peer);
  // A shared connection (MsrpConnection::create_shared) to `peer`, for the
  // streams that come next.
  void add(const PeerKey& peer, const std::shared_ptr<MsrpConnection>& connection);
  // Connections known, open or not yet forgotten.
  std::size_t size() const { return connections_.size(); }

 private:
  std::map<PeerKey, std::weak_ptr<MsrpConnection>> connections_;
};

}  // namespace cosip::msrp
