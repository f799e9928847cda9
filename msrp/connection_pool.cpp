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
  end_dial(peer, nullptr);
}

bool ConnectionPool::dial_or_wait(const PeerKey& peer, DialEnded ended) {
  const auto [it, first] = dialing_.try_emplace(peer);
  if (!first) it->second.push_back(std::move(ended));
  return first;
}

void ConnectionPool::dial_failed(const PeerKey& peer, const std::string& reason) { end_dial(peer, &reason); }

void ConnectionPool::abandon(const PeerKey& peer) { end_dial(peer, nullptr); }

void ConnectionPool::end_dial(const PeerKey& peer, const std::string* failure) {
  const auto it = dialing_.find(peer);
  if (it == dialing_.end()) return;
  // Taken out first: a waiter that looks again may start the next dial.
  const std::vector<DialEnded> waiters = std::move(it->second);
  dialing_.erase(it);
  for (const DialEnded& ended : waiters) ended(failure);
}

}  // namespace cosip::msrp
