#include "sip/ua/user_agent.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sip/syntax/detail/charset.hpp"
#include "sip/syntax/writer.hpp"

namespace cosip::sip {
namespace {

constexpr auto context_lifetime = std::chrono::minutes(5);  // > any transaction's life (64*T1 + T4)
// Timers of RFC 3261 run from T1 = 500 ms up: a millisecond late is nothing.
using timer_resolution = std::chrono::milliseconds;

std::string host_text(const boost::asio::ip::address& a) {
  return a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
}

// A usage's request with our Via as its first header (§8.1.1.7).
std::string with_via(std::string_view request, std::string_view via) {
  const std::size_t line_end = request.find("\r\n");
  std::string out;
  out.reserve(request.size() + via.size() + 8);
  out.append(request.substr(0, line_end + 2));
  out.append("Via: ").append(via).append("\r\n");
  out.append(request.substr(line_end + 2));
  return out;
}

SendTarget send_target(const resolver::Target& t) {
  Transport transport = Transport::udp;
  if (t.transport == resolver::Transport::tcp) transport = Transport::tcp;
  else if (t.transport == resolver::Transport::tls) transport = Transport::tls;
  return SendTarget{TransportAddress{transport, boost::asio::ip::make_address(t.address.to_string()), t.port}, 0,
                    t.host};
}

}  // namespace

UserAgent::UserAgent(boost::asio::any_io_executor executor, UserAgentConfig config,
                     UserAgentCore::Callbacks callbacks)
    : executor_(executor),
      config_(std::move(config)),
      transport_(std::make_unique<TransportLayer>(executor, config_.transport)),
      timer_(executor),
      callbacks_(std::move(callbacks)) {}

UserAgent::~UserAgent() { stop(); }

void UserAgent::start() {
  for (const TransportAddress& l : config_.listen)
    listeners_.push_back(transport_->listen(l.transport, l.address, l.port));
  // The core is made once the listeners tell our Contact and Via.
  UaConfig ua = config_.ua;
  if (!listeners_.empty()) {
    const TransportAddress& first = listeners_.front();
    const std::string host_port = host_text(first.address) + ":" + std::to_string(first.port);
    if (ua.contact.empty()) {
      ua.contact = "sip:cosip@" + host_port;
      if (first.transport != Transport::udp) ua.contact += ";transport=" + std::string(to_string(first.transport));
    }
    if (ua.via_sent_by.empty()) {
      ua.via_sent_by = host_port;
      ua.via_transport = std::string(to_string(first.transport));
    }
  }
  core_ = std::make_unique<UserAgentCore>(std::move(ua), wrap(std::move(callbacks_)));
  resolver_ = std::make_unique<resolver::DnsResolver>(executor_, config_.dns);
  transport_->set_message_handler([this](const ReceivedMessage& m) { on_received(m); });
  transport_->set_send_error_handler([this](TransactionId transaction, boost::system::error_code ec) {
    if (trace_) trace_("send failed: " + ec.message());
    core_->on_transport_error(transaction);
    flush();
  });
}

void UserAgent::stop() {
  timer_.cancel();
  if (transport_) transport_->close();
}

TimePoint UserAgent::now() const { return Clock::now(); }

std::string UserAgent::via_for(Transport transport) const {
  for (const TransportAddress& l : listeners_)
    if (l.transport == transport)
      return "SIP/2.0/" + std::string(to_string(transport)) + " " + host_text(l.address) + ":" +
             std::to_string(l.port);
  return "SIP/2.0/" + std::string(to_string(transport)) + " " + core_->config().via_sent_by;
}

UserAgent::PeerKey UserAgent::peer_key(const SendTarget& target) {
  PeerKey key;
  const auto& a = target.address.address;
  if (a.is_v4()) {
    const auto bytes = a.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), key.address.begin());
  } else {
    key.address = a.to_v6().to_bytes();
    key.v6 = true;
  }
  key.port = target.address.port;
  key.transport = target.address.transport;
  key.connection = target.connection;
  return key;
}

std::size_t UserAgent::PeerKeyHash::operator()(const PeerKey& k) const {
  std::uint64_t high = 0, low = 0;
  std::memcpy(&high, k.address.data(), sizeof high);
  std::memcpy(&low, k.address.data() + sizeof high, sizeof low);
  const std::uint64_t rest =
      (std::uint64_t{k.port} << 16) | (std::uint64_t{k.v6} << 8) | static_cast<std::uint64_t>(k.transport);
  const std::uint64_t h = high * 0x9e3779b97f4a7c15 ^ low * 0xc2b2ae3d27d4eb4f ^ rest * 0x165667b19e3779f9 ^
                          k.connection * 0xd6e8feb86659fd93;
  return static_cast<std::size_t>(h ^ (h >> 29));
}

std::uint64_t UserAgent::context_for(const SendTarget& target) {
  const PeerKey key = peer_key(target);
  const auto it = context_ids_.find(key);
  if (it != context_ids_.end()) return it->second;
  // Peers are forgotten once no transaction can still refer to them; a
  // sweep every 1024 new peers bounds the table.
  if (context_ids_.size() % 1024 == 1023) {
    const TimePoint cutoff = now() - context_lifetime;
    for (auto c = contexts_.begin(); c != contexts_.end();) {
      if (c->second.last_used < cutoff) {
        context_ids_.erase(c->second.key);
        c = contexts_.erase(c);
      } else {
        ++c;
      }
    }
  }
  const std::uint64_t id = next_context_++;
  context_ids_.emplace(key, id);
  contexts_.emplace(id, Peer{target, key, target.address.address.to_string(), now()});
  return id;
}

void UserAgent::on_received(const ReceivedMessage& received) {
  const ParseError error = parse_message(received.bytes, message_, config_.transport.limits);
  if (error) {
    if (trace_) trace_("drop " + to_string(received.source) + ": " + error.message());
    reply_stateless(received, message_, error);
    return;
  }
  SendTarget target{received.source, received.connection, {}};
  const std::uint64_t context = context_for(target);
  Peer& peer = contexts_.at(context);
  const TimePoint t = now();
  peer.last_used = t;
  if (trace_) {
    std::string line = message_.is_request ? std::string(message_.method)
                                           : std::to_string(message_.status_code) + " " +
                                                 std::string(message_.cseq.method);
    trace_("recv " + line + " from " + to_string(received.source) + " call-id " + std::string(message_.call_id));
  }
  const Source source{peer.address_text, received.source.port, is_reliable(received.source.transport), context};
  core_->on_message(message_, source, t);
  flush();
}

void UserAgent::reply_stateless(const ReceivedMessage& received, const Message& partial, const ParseError& error) {
  // §8.2 / §18.1.2: a malformed request gets a 400 (505 for another
  // version) if enough of it stands to route a response; a malformed
  // response is dropped.
  if (!partial.is_request || partial.method.empty() || partial.find(HeaderId::via) == nullptr) return;
  if (partial.method == "ACK") return;  // never answer an ACK
  const int code = error.code == ParseErrc::unsupported_version ? 505 : 400;
  MessageWriter w = response_to(partial, code, reason_phrase(code));
  std::string reason = error.message();
  std::replace(reason.begin(), reason.end(), '"', '\'');
  w.header("Warning", "399 cosip \"" + reason + "\"");
  transport_->send(SendTarget{received.source, received.connection, {}}, w.finish());
}

bool UserAgent::target_for(std::string_view uri_text, SendTarget& target) {
  Uri uri;
  if (parse_uri(uri_text, uri).error != nullptr) return false;
  if (uri.scheme != Uri::Scheme::sip && uri.scheme != Uri::Scheme::sips) return false;
  const Param* maddr = find_param(uri.params, "maddr");
  std::string host(maddr != nullptr ? maddr->value : uri.host);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return false;
  Transport transport = uri.scheme == Uri::Scheme::sips ? Transport::tls : Transport::udp;
  if (const Param* t = find_param(uri.params, "transport")) {
    if (detail::iequals(t->value, "tcp")) transport = uri.scheme == Uri::Scheme::sips ? Transport::tls : Transport::tcp;
    else if (detail::iequals(t->value, "tls")) transport = Transport::tls;
  }
  // RFC 3263 §4.2: a numeric host without a port uses the default port.
  const std::uint16_t port = uri.has_port ? uri.port : (transport == Transport::tls ? 5061 : 5060);
  target = SendTarget{TransportAddress{transport, address, port}, 0, {}};
  return true;
}

TransactionId UserAgent::send_request(std::string request, const SendTarget& target) {
  const TransactionId id = core_->send_request(std::move(request), is_reliable(target.address.transport),
                                               context_for(target), now());
  flush();
  return id;
}

TransactionId UserAgent::send_bye(const DialogId& id) {
  Dialog* dialog = core_->find_dialog(id);
  SendTarget target;
  if (dialog == nullptr || !target_for(dialog->next_hop(), target)) return 0;
  const TransactionId bye = core_->send_bye(id, via_for(target.address.transport),
                                            is_reliable(target.address.transport), context_for(target), now());
  flush();
  return bye;
}

// One usage request and the targets its next hop resolved to.
struct UserAgent::UsageSend {
  ClientUsage* usage = nullptr;
  std::string request;  // without Via
  std::string next_hop;
  std::vector<SendTarget> targets;
  std::size_t index = 0;
};

UserAgentCore::Callbacks UserAgent::wrap(UserAgentCore::Callbacks app) {
  UserAgentCore::Callbacks c = app;
  c.on_response = [this, app](TransactionId id, const Message& response, Dialog* dialog) {
    const auto s = usage_sends_.find(id);
    if (s == usage_sends_.end()) {
      if (app.on_response) app.on_response(id, response, dialog);
      return;
    }
    if (response.status_code < 200) return;
    // RFC 3263 §4.3: a 503 sends the request to the next target.
    if (response.status_code == 503 && fail_over(id, 503, response.reason_phrase)) return;
    // The server that answered is tried first by the next requests to
    // that hop, rather than walking past the failed ones each time.
    const UsageSend& send = *s->second;
    preferred_targets_[send.next_hop] = send.targets[send.index];
    ClientUsage* usage = send.usage;
    usage_sends_.erase(s);
    usage->on_response(response, now());
  };
  c.on_request_failed = [this, app](TransactionId id, TransactionEvent::Kind kind) {
    if (usage_sends_.count(id) == 0) {
      if (app.on_request_failed) app.on_request_failed(id, kind);
      return;
    }
    // §8.1.3.1: a timeout counts as 408, a transport failure as 503.
    if (kind == TransactionEvent::Kind::timeout) fail_over(id, 408, "Request Timeout (no response)");
    else fail_over(id, 503, "Service Unavailable (transport error)");
  };
  c.on_request = [this, app](const UserAgentCore::IncomingRequest& r) {
    if (r.dialog == nullptr && !r.request.to.tag().empty()) {
      // A request in a dialog the core does not know: a usage's (NOTIFY).
      for (ClientUsage* u : usages_) {
        if (const int code = u->on_request(r.request, now()); code != 0) {
          core_->respond(r.id, now(), code);
          return;
        }
      }
      core_->respond(r.id, now(), 481);
      return;
    }
    if (app.on_request) app.on_request(r);
  };
  return c;
}

bool UserAgent::fail_over(TransactionId id, int code, std::string_view reason) {
  const auto s = usage_sends_.find(id);
  if (s == usage_sends_.end()) return false;
  const std::shared_ptr<UsageSend> send = s->second;
  usage_sends_.erase(s);
  if (++send->index < send->targets.size()) {
    if (trace_) trace_("failing over to the next target after " + std::to_string(code));
    send_attempt(send);
    return true;
  }
  send->usage->on_no_response(code, reason, now());
  return true;
}

void UserAgent::add_usage(ClientUsage& usage) {
  if (std::find(usages_.begin(), usages_.end(), &usage) == usages_.end()) usages_.push_back(&usage);
}

void UserAgent::remove_usage(ClientUsage& usage) {
  std::erase(usages_, &usage);
  std::erase_if(usage_sends_, [&](const auto& s) { return s.second->usage == &usage; });
}

void UserAgent::poll_usages() {
  for (std::size_t i = 0; i < usages_.size(); ++i)
    while (auto request = usages_[i]->poll_request()) send_usage_request(*usages_[i], std::move(*request));
}

void UserAgent::send_usage_request(ClientUsage& usage, UsageRequest request) {
  auto send = std::make_shared<UsageSend>();
  send->usage = &usage;
  send->request = std::move(request.bytes);
  send->next_hop = request.next_hop;
  SendTarget numeric;
  if (target_for(request.next_hop, numeric)) {
    send->targets.push_back(numeric);
    send_attempt(send);
    return;
  }
  // RFC 3263: a host name: NAPTR, SRV, A/AAAA through the resolver.
  boost::asio::co_spawn(
      executor_,
      [this, send, hop = std::move(request.next_hop)]() -> boost::asio::awaitable<void> {
        Uri uri;
        resolver::ResolveResult result;
        if (parse_uri(hop, uri).error == nullptr) result = co_await resolver_->resolve(uri);
        else result.error = resolver::ResolveError::invalid_uri;
        // The usage may have been removed while DNS answered.
        if (std::find(usages_.begin(), usages_.end(), send->usage) == usages_.end()) co_return;
        for (const resolver::Target& t : result.targets) send->targets.push_back(send_target(t));
        if (const auto p = preferred_targets_.find(hop); p != preferred_targets_.end()) {
          const auto it = std::find_if(send->targets.begin(), send->targets.end(), [&](const SendTarget& t) {
            return t.address == p->second.address;
          });
          if (it != send->targets.end()) std::rotate(send->targets.begin(), it, it + 1);
        }
        if (send->targets.empty()) {
          if (trace_) trace_("cannot locate " + hop + ": " + result.detail);
          send->usage->on_no_response(503, "Service Unavailable (" + std::string(to_string(result.error)) + ")", now());
        } else {
          send_attempt(send);
        }
        flush();
      },
      boost::asio::detached);
}

void UserAgent::send_attempt(const std::shared_ptr<UsageSend>& send) {
  const SendTarget& target = send->targets[send->index];
  const std::string via = via_for(target.address.transport) + ";rport;branch=" + core_->ids().branch();
  const TransactionId id = core_->send_request(with_via(send->request, via), is_reliable(target.address.transport),
                                               context_for(target), now());
  usage_sends_[id] = send;
}

void UserAgent::flush() {
  poll_usages();
  while (const auto out = core_->poll_transmit()) {
    if (!out->uri.empty()) {
      SendTarget target;
      if (!target_for(out->uri, target)) {
        if (trace_) trace_("cannot reach " + out->uri);
        continue;
      }
      transport_->send(target, out->bytes, out->transaction);
    } else {
      const auto peer = contexts_.find(out->context);
      if (peer == contexts_.end()) continue;
      peer->second.last_used = now();
      transport_->send(peer->second.target, out->bytes, out->transaction);
    }
  }
  arm_timer();
}

void UserAgent::arm_timer() {
  std::optional<TimePoint> next = core_->next_timeout();
  for (const ClientUsage* u : usages_) next = earliest({next, u->next_timeout()});
  if (!next) return;  // a wait still armed wakes for nothing, once
  // Rounded up to the timer's resolution: under load one wake serves the
  // many deadlines of a millisecond. A wait armed for no later is kept: an
  // early wake costs a look at the core, moving the wait a cancelled
  // operation each time.
  const TimePoint at = std::chrono::ceil<timer_resolution>(*next);
  if (armed_for_ && *armed_for_ <= at) return;
  armed_for_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // moved earlier, or stopped
    armed_for_.reset();
    const TimePoint t = now();
    core_->on_timeout(t);
    for (std::size_t i = 0; i < usages_.size(); ++i)
      if (const auto due = usages_[i]->next_timeout(); due && *due <= t) usages_[i]->on_timeout(t);
    flush();
  });
}

}  // namespace cosip::sip
