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
  end_dial(peer);
}

bool ConnectionPool::dial_or_wait(const PeerKey& peer, std::function<void()> retry) {
  const auto [it, first] = dialing_.try_emplace(peer);
  if (!first) it->second.push_back(std::move(retry));
  return first;
}

void ConnectionPool::abandon(const PeerKey& peer) { end_dial(peer); }

void ConnectionPool::end_dial(const PeerKey& peer) {
  const auto it = dialing_.find(peer);
  if (it == dialing_.end()) return;
  // Taken out first: a retry may start the next dial to the same peer.
  const std::vector<std::function<void()>> waiters = std::move(it->second);
  dialing_.erase(it);
  for (const auto& retry : waiters) retry();
}

}  // namespace cosip::msrp
