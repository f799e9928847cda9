#include "msrp/connection_pool.hpp"

#include "msrp/msrp_connection.hpp"

namespace cosip::msrp {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return out;
}

}  // namespace

PeerKey peer_key(const Uri& uri) {
  return PeerKey{lower(uri.host), uri.effective_port(), lower(uri.transport), uri.secure};
}

std::shared_ptr<MsrpConnection> ConnectionPool::find(const PeerKey& peer) {
  const auto it = connections_.find(peer);
  if (it == connections_.end()) return nullptr;
  std::shared_ptr<MsrpConnection> connection = it->second.lock();
  if (!connection || connection->closed()) {
    connections_.erase(it);
    return nullptr;
  }
  return connection;
}

void ConnectionPool::add(const PeerKey& peer, const std::shared_ptr<MsrpConnection>& connection) {
  connections_[peer] = connection;
}

}  // namespace cosip::msrp
