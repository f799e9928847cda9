// Matching (§17.1.3, §17.2.3), timers and transmissions of the transaction
// layer; the state machines themselves are client_transaction.cpp and
// server_transaction.cpp.
#include "sip/transaction/transaction_layer.hpp"

#include <charconv>

namespace cosip::sip {
namespace {

constexpr std::string_view magic_cookie = "z9hG4bK";  // §8.1.1.7

void append_number(std::string& key, std::uint32_t n) {
  char digits[10];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), n).ptr;
  key.append(digits, end);
}

void append_sent_by(std::string& key, const Via& via) {
  key += via.host;
  key += ':';
  append_number(key, via.has_port ? via.port : 0);
}

// §17.1.3: the client transaction a response belongs to.
void client_key(std::string& key, std::string_view branch, std::string_view method) {
  key.clear();
  key += branch;
  key += '\n';
  key += method;
}

// §17.2.3: the server transaction a request belongs to if it had `method`;
// RFC 2543 requests without the magic cookie match by their Call-ID, From
// tag, CSeq number and top Via. Empty without a Via.
void server_key(std::string& key, const Message& request, std::string_view method) {
  key.clear();
  if (request.vias.empty()) return;
  const Via& top = request.vias.front();
  const std::string_view branch = top.branch();
  if (branch.starts_with(magic_cookie)) {
    key += branch;
    key += '\n';
    append_sent_by(key, top);
  } else {
    // RFC 2543 matching (§17.2.3): the ACK of a non-2xx carries the To tag of
    // the response, so To is left out; Call-ID, From tag, CSeq number and the
    // top Via identify the transaction.
    key += "2543\n";
    key += request.call_id;
    key += '\n';
    key += request.from.tag();
    key += '\n';
    append_number(key, request.cseq.number);
    key += '\n';
    append_sent_by(key, top);
    key += branch;
  }
  key += '\n';
  key += method;
}

// ACK belongs to the INVITE's transaction (§17.2.3).
std::string_view server_method(const Message& request) {
  return request.method == "ACK" ? std::string_view("INVITE") : request.method;
}

}  // namespace

TransactionId TransactionLayer::start_client(std::string request, bool reliable, std::uint64_t context,
                                             TimePoint now) {
  const TransactionId id = next_id_++;
  Client& c =
      *clients_.try_emplace(id, std::make_unique<Client>(std::move(request), reliable, timers_, now, context))
           .first->second;
  const Message& req = c.txn.request();
  client_key(key_, req.vias.empty() ? std::string_view{} : req.vias.front().branch(), req.method);
  c.key = key_;
  client_keys_[match_key(c.key)] = id;
  after_client(id, c);
  return id;
}

Incoming TransactionLayer::on_message(const Message& msg, bool reliable, std::uint64_t context, TimePoint now) {
  if (!msg.is_request) {
    const std::string_view branch = msg.vias.empty() ? std::string_view{} : msg.vias.front().branch();
    client_key(key_, branch, msg.cseq.method);
    const auto k = client_keys_.find(match_key(key_));
    if (k == client_keys_.end()) return {Incoming::Kind::stray_response};
    Client& c = *clients_.at(k->second);
    const TransactionId id = k->second;
    const ClientEvent e = c.txn.on_response(msg, now);
    after_client(id, c);
    return {e == ClientEvent::response ? Incoming::Kind::response : Incoming::Kind::absorbed, id};
  }

  server_key(key_, msg, server_method(msg));
  const MatchKey key = match_key(key_);
  const auto k = server_keys_.find(key);
  if (k != server_keys_.end()) {
    const TransactionId id = k->second;
    Server& s = *servers_.at(id);
    if (msg.method == "ACK") {
      const ServerEvent e = s.txn.on_ack(now);
      after_server(id, s);
      return {e == ServerEvent::ack ? Incoming::Kind::ack : Incoming::Kind::absorbed, id};
    }
    s.txn.on_request_retransmission();
    after_server(id, s);
    return {Incoming::Kind::absorbed, id};
  }
  // §17.2.3 / §13.3.1.4: an ACK that matches no transaction acknowledges a
  // 2xx; it belongs to the dialog layer.
  if (msg.method == "ACK") return {Incoming::Kind::ack, 0};
  const TransactionId id = next_id_++;
  const Server& s =
      *servers_.try_emplace(id, std::make_unique<Server>(msg.method == "INVITE", reliable, timers_, key_, context))
           .first->second;
  server_keys_.emplace(MatchKey{s.key, key.hash}, id);
  return {Incoming::Kind::request, id};
}

bool TransactionLayer::respond(TransactionId id, int code, std::string response, TimePoint now) {
  const auto it = servers_.find(id);
  if (it == servers_.end()) return false;
  const bool sent = it->second->txn.respond(code, std::move(response), now);
  after_server(id, *it->second);
  return sent;
}

void TransactionLayer::on_transport_error(TransactionId id) {
  if (const auto c = clients_.find(id); c != clients_.end()) {
    if (c->second->txn.on_transport_error() == ClientEvent::transport_error)
      push_event(TransactionEvent::Kind::transport_error, id, c->second->context);
    after_client(id, *c->second);
  } else if (const auto s = servers_.find(id); s != servers_.end()) {
    if (s->second->txn.on_transport_error() == ServerEvent::transport_error)
      push_event(TransactionEvent::Kind::transport_error, id, s->second->context);
    after_server(id, *s->second);
  }
}

std::optional<TimePoint> TransactionLayer::next_timeout() {
  // Entries whose transaction is gone or was rescheduled are dropped lazily.
  while (!deadlines_.empty()) {
    const Deadline& d = deadlines_.top();
    std::optional<TimePoint> current;
    if (const auto c = clients_.find(d.id); c != clients_.end()) current = c->second->txn.next_timeout();
    else if (const auto s = servers_.find(d.id); s != servers_.end()) current = s->second->txn.next_timeout();
    if (current && *current == d.at) return d.at;
    deadlines_.pop();
  }
  return std::nullopt;
}

void TransactionLayer::on_timeout(TimePoint now) {
  while (true) {
    const std::optional<TimePoint> next = next_timeout();
    if (!next || *next > now) return;
    const TransactionId id = deadlines_.top().id;
    deadlines_.pop();
    if (auto c = clients_.find(id); c != clients_.end()) c->second->scheduled.reset();
    else if (auto s = servers_.find(id); s != servers_.end()) s->second->scheduled.reset();
    if (const auto c = clients_.find(id); c != clients_.end()) {
      const ClientEvent e = c->second->txn.on_timeout(now);
      if (e == ClientEvent::timeout) push_event(TransactionEvent::Kind::timeout, id, c->second->context);
      after_client(id, *c->second);
    } else if (const auto s = servers_.find(id); s != servers_.end()) {
      const ServerEvent e = s->second->txn.on_timeout(now);
      if (e == ServerEvent::ack_timeout) push_event(TransactionEvent::Kind::ack_timeout, id, s->second->context);
      after_server(id, *s->second);
    }
  }
}

void TransactionLayer::after_client(TransactionId id, Client& c) {
  pending_transmit_.push_back(id);
  if (c.txn.state() == ClientTransaction::State::terminated) {
    push_event(TransactionEvent::Kind::terminated, id, c.context);
    client_keys_.erase(match_key(c.key));
    clients_.erase(id);
    return;
  }
  schedule(id, c.scheduled, c.txn.next_timeout());
}

void TransactionLayer::after_server(TransactionId id, Server& s) {
  pending_transmit_.push_back(id);
  if (s.txn.state() == ServerTransaction::State::terminated) {
    push_event(TransactionEvent::Kind::terminated, id, s.context);
    server_keys_.erase(match_key(s.key));
    servers_.erase(id);
    return;
  }
  schedule(id, s.scheduled, s.txn.next_timeout());
}

void TransactionLayer::schedule(TransactionId id, std::optional<TimePoint>& scheduled, std::optional<TimePoint> at) {
  if (at && at != scheduled) deadlines_.push({*at, id});
  scheduled = at;
}

void TransactionLayer::push_event(TransactionEvent::Kind kind, TransactionId id, std::uint64_t context) {
  events_.push_back({kind, id, context});
}

std::optional<Transmit> TransactionLayer::poll_transmit() {
  while (!pending_transmit_.empty()) {
    const TransactionId id = pending_transmit_.front();
    std::optional<std::string_view> bytes;
    std::uint64_t context = 0;
    if (const auto c = clients_.find(id); c != clients_.end()) {
      bytes = c->second->txn.poll_transmit();
      context = c->second->context;
    } else if (const auto s = servers_.find(id); s != servers_.end()) {
      bytes = s->second->txn.poll_transmit();
      context = s->second->context;
    }
    if (bytes) return Transmit{id, context, *bytes};
    pending_transmit_.pop_front();
  }
  return std::nullopt;
}

std::optional<TransactionEvent> TransactionLayer::poll_event() {
  if (event_head_ == events_.size()) {
    events_.clear();
    event_head_ = 0;
    return std::nullopt;
  }
  return events_[event_head_++];
}

TransactionId TransactionLayer::find_server(const Message& request, std::string_view method) const {
  server_key(key_, request, method);
  const auto it = server_keys_.find(match_key(key_));
  return it == server_keys_.end() ? 0 : it->second;
}

const ClientTransaction* TransactionLayer::client(TransactionId id) const {
  const auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second->txn;
}

}  // namespace cosip::sip
