// Connections shared by the MSRP sessions to one peer (RFC 4975 §6:
// sessions whose next hop has the same authority and transport may use one
// connection). The side that connects looks here first: a second stream to
// a peer it already has an open connection to adds its session to that
// connection (MsrpConnection::add_session) instead of opening another.
// While one stream is opening a connection to a peer, the others that want
// that peer wait for it (dial_or_wait): a chat and a file transfer started
// together get one connection.
//
// The key is where the connection goes: the host compared
// case-insensitively (RFC 4975 §6.1), the port we connect to (2855 when
// the URI has none), the transport and whether it is TLS (msrps:). The
// pool does not keep connections alive: it forgets one once it is closed
// or gone.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  // streams that come next; ends a dial to it (the waiters are told).
  void add(const PeerKey& peer, const std::shared_ptr<MsrpConnection>& connection);
  // How a dial another stream made ended, for one that waited for it:
  // null: look again (find, then dial_or_wait), the connection is there or
  // the dialling stream gave up; else why the connection could not be had.
  using DialEnded = std::function<void(const std::string* failure)>;
  // For a stream that found no open connection to `peer`: true when no
  // other stream is opening one either; the caller dials, and ends with
  // add(), dial_failed() or abandon(). False when another is: `ended` is
  // called once that dial has ended.
  bool dial_or_wait(const PeerKey& peer, DialEnded ended);
  // The peer could not be reached: the waiters fail with `reason` too
  // (rather than each dialling, and waiting as long, in turn).
  void dial_failed(const PeerKey& peer, const std::string& reason);
  // The stream dialling ended: the waiters look again, one of them dials.
  void abandon(const PeerKey& peer);
  // Connections known, open or not yet forgotten.
  std::size_t size() const { return connections_.size(); }

 private:
  std::map<PeerKey, std::weak_ptr<MsrpConnection>> connections_;
  std::map<PeerKey, std::vector<DialEnded>> dialing_;  // the waiters of each dial under way

  void end_dial(const PeerKey& peer, const std::string* failure);
};

}  // namespace cosip::msrp
