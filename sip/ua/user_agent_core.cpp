#include "sip/ua/user_agent_core.hpp"

#include <algorithm>

#include "sip/syntax/detail/charset.hpp"
#include "sip/syntax/writer.hpp"

namespace cosip::sip {
namespace {

// Methods defined by RFCs that a UA may receive; others get 501 (§21.5.2).
bool is_known_method(std::string_view m) {
  static constexpr std::string_view known[] = {"INVITE", "ACK",       "BYE",    "CANCEL",  "OPTIONS",
                                               "REGISTER", "PRACK",   "SUBSCRIBE", "NOTIFY", "PUBLISH",
                                               "INFO",   "REFER",     "MESSAGE", "UPDATE"};
  return std::find(std::begin(known), std::end(known), m) != std::end(known);
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) {
    if (!s.empty()) s += ", ";
    s += i;
  }
  return s;
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

std::string dialog_key(std::string_view call_id, std::string_view local_tag, std::string_view remote_tag) {
  std::string key;
  key.reserve(call_id.size() + local_tag.size() + remote_tag.size() + 2);
  key += call_id;
  key += '\n';
  key += local_tag;
  key += '\n';
  key += remote_tag;
  return key;
}

// An unanswered server transaction and the request it answers. The request
// is copied only if the application does not answer it before its callback
// returns (a Message is some 3 KiB: not made for requests answered at once).
struct UserAgentCore::Pending {
  const Message* request = nullptr;
  std::string bytes;
  std::unique_ptr<Message> own;
  Source source;
  std::string to_tag;
  std::string merge_key;

  void persist() {
    if (own) return;
    bytes.assign(request->raw);
    own = std::make_unique<Message>();
    parse_message(bytes, *own);
    request = own.get();
  }
};

// An INVITE we sent, for building the ACK of each 2xx it gets.
struct UserAgentCore::Uac {
  bool invite = false;
};

UserAgentCore::UserAgentCore(UaConfig config, Callbacks callbacks)
    : config_(std::move(config)),
      allow_(join(config_.allow)),
      callbacks_(std::move(callbacks)),
      transactions_(config_.timers) {}

UserAgentCore::~UserAgentCore() = default;

void UserAgentCore::on_message(const Message& msg, const Source& source, TimePoint now) {
  if (msg.is_request) {
    on_request(msg, source, now);
  } else {
    const Incoming in = transactions_.on_message(msg, source.reliable, source.context, now);
    if (in.kind == Incoming::Kind::response) on_response(in.id, msg, now);
    else if (in.kind == Incoming::Kind::stray_response) on_stray_response(msg);
  }
  drain_events();
}

void UserAgentCore::on_request(const Message& msg, const Source& source, TimePoint now) {
  const Incoming in = transactions_.on_message(msg, source.reliable, source.context, now);
  switch (in.kind) {
    case Incoming::Kind::ack: on_ack(msg); break;
    case Incoming::Kind::request: on_new_request(in.id, msg, source, now); break;
    case Incoming::Kind::absorbed:
      // §13.3.1.4: an INVITE retransmitted after our 2xx gets the 2xx again.
      if (msg.method == "INVITE" && !msg.to.tag().empty()) {
        const auto a = accepted_.find(dialog_key(msg.call_id, msg.to.tag(), msg.from.tag()));
        if (a != accepted_.end()) {
          a->second.invite.on_invite_retransmission();
          accepted_due_.push_back(a->first);
        }
      }
      break;
    default: break;
  }
}

void UserAgentCore::on_new_request(TransactionId id, const Message& msg, const Source& source, TimePoint now) {
  auto pending = std::make_unique<Pending>();
  pending->request = &msg;
  pending->source = source;
  Pending& p = *pending;
  pending_[id] = std::move(pending);

  if (msg.method == "CANCEL") {
    handle_cancel(id, msg, now);
    return;
  }

  Dialog* dialog = nullptr;
  if (!msg.to.tag().empty()) {
    // §12.2.2: a request inside a dialog.
    const auto d = dialogs_.find(dialog_key(msg.call_id, msg.to.tag(), msg.from.tag()));
    if (d == dialogs_.end()) {
      // RFC 6665 §4.1.2.4: a NOTIFY may precede the 2xx of its SUBSCRIBE and
      // belongs to a subscription usage, not to an INVITE dialog: the
      // application decides (481 when no subscription owns it).
      if (msg.method == "NOTIFY" && contains(config_.allow, msg.method)) {
        if (callbacks_.on_request) callbacks_.on_request(IncomingRequest{id, msg, nullptr});
        if (const auto it = pending_.find(id); it != pending_.end()) it->second->persist();
        return;
      }
      reject(id, 481, {}, now);
      return;
    }
    if (d->second.on_request(msg) == DialogCheck::out_of_order) {
      reject(id, 500, {}, now);
      return;
    }
    if (msg.method == "BYE") {
      // §15.1.2: the dialog and its session end; the BYE gets a 200.
      respond(id, now, 200);
      const Dialog ended = std::move(d->second);  // erased next
      erase_dialog(d);
      if (callbacks_.on_dialog_end) callbacks_.on_dialog_end(ended, "BYE");
      return;
    }
    dialog = &d->second;
  } else {
    // §8.2.1: the Request-URI scheme.
    if (msg.request_uri.scheme == Uri::Scheme::other) {
      reject(id, 416, {}, now);
      return;
    }
    // §8.2.2.2: a request that reached us twice by different paths.
    p.merge_key = dialog_key(msg.call_id, msg.from.tag(), std::to_string(msg.cseq.number) + std::string(msg.method));
    if (const auto m = merge_keys_.find(p.merge_key); m != merge_keys_.end() && m->second != id) {
      p.merge_key.clear();
      reject(id, 482, {}, now);
      return;
    }
    merge_keys_[p.merge_key] = id;
  }
  // §8.2.1: the method.
  if (!contains(config_.allow, msg.method)) {
    if (is_known_method(msg.method)) reject(id, 405, "Allow: " + allow_ + "\r\n", now);
    else reject(id, 501, {}, now);
    return;
  }
  // §8.2.2.3: every option tag in Require must be supported.
  std::vector<std::string> unsupported;
  for (const Header& h : msg.headers) {
    if (h.id != HeaderId::require) continue;
    TokenList tags;
    if (!decode_token_list(h.value, tags, false)) continue;
    for (std::string_view t : tags)
      if (!contains(config_.supported, t)) unsupported.emplace_back(t);
  }
  if (!unsupported.empty()) {
    reject(id, 420, "Unsupported: " + join(unsupported) + "\r\n", now);
    return;
  }
  // §8.2.3: a session description we cannot read.
  if (msg.method == "INVITE" && !msg.body.empty() && msg.content_type) {
    const std::string type = std::string(msg.content_type->type) + "/" + std::string(msg.content_type->subtype);
    bool known = false;
    for (const std::string& t : config_.session_types) known |= detail::iequals(t, type);
    if (!known) {
      reject(id, 415, "Accept: " + join(config_.session_types) + "\r\n", now);
      return;
    }
  }
  // §11.2: OPTIONS outside a dialog is answered as an INVITE would be.
  if (msg.method == "OPTIONS" && dialog == nullptr) {
    std::string headers = "Allow: " + allow_ + "\r\nAccept: " + join(config_.session_types) + "\r\n";
    if (!config_.supported.empty()) headers += "Supported: " + join(config_.supported) + "\r\n";
    respond(id, now, 200, {}, headers);
    return;
  }
  if (callbacks_.on_request) callbacks_.on_request(IncomingRequest{id, msg, dialog});
  // Not answered finally within the callback: keep a copy of the request.
  if (const auto it = pending_.find(id); it != pending_.end()) it->second->persist();
}

void UserAgentCore::handle_cancel(TransactionId id, const Message& cancel, TimePoint now) {
  // §9.2: the CANCEL matches the INVITE's server transaction; it is answered
  // 200 whatever the INVITE's state, and an INVITE not yet answered finally
  // gets 487.
  const TransactionId invite = transactions_.find_server(cancel, "INVITE");
  if (invite == 0) {
    reject(id, 481, {}, now);
    return;
  }
  // §9.2: the 200 to the CANCEL carries the To tag of the INVITE's responses.
  if (const auto inv = pending_.find(invite); inv != pending_.end()) {
    if (inv->second->to_tag.empty()) inv->second->to_tag = ids_.tag();
    pending_.at(id)->to_tag = inv->second->to_tag;
  }
  respond(id, now, 200);
  if (pending_.count(invite) != 0) {
    respond(invite, now, 487);
    if (callbacks_.on_cancel) callbacks_.on_cancel(invite);
  }
}

bool UserAgentCore::reject(TransactionId id, int code, std::string_view extra_headers, TimePoint now) {
  return respond(id, now, code, {}, extra_headers);
}

bool UserAgentCore::respond(TransactionId id, TimePoint now, int code, std::string_view reason,
                            std::string_view extra_headers, std::string_view body, std::string_view content_type) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  Pending& p = *it->second;
  const Message& req = *p.request;
  const bool invite = req.method == "INVITE";
  const bool creates_dialog = invite && req.to.tag().empty() && code > 100 && code < 300;
  if (code > 100 && req.to.tag().empty() && p.to_tag.empty()) p.to_tag = ids_.tag();

  const ReceivedFrom from{p.source.address, p.source.port};
  MessageWriter w = response_to(req, code, reason.empty() ? reason_phrase(code) : reason, p.to_tag, &from);
  // §12.1.1: a response that establishes a dialog carries the request's
  // Record-Route values, in order, as received.
  if (creates_dialog)
    for (const Header& h : req.headers)
      if (h.id == HeaderId::record_route) w.header(h);
  if (creates_dialog || (invite && code >= 200 && code < 300)) w.header(HeaderId::contact, "<" + config_.contact + ">");
  if (invite && code >= 200 && code < 300) w.header(HeaderId::allow, allow_);
  if (!config_.user_agent.empty()) w.header(HeaderId::server, config_.user_agent);
  w.header_lines(extra_headers);
  std::string bytes = w.finish(body, content_type);

  if (invite && code > 100) {
    const std::string_view local_tag = req.to.tag().empty() ? std::string_view(p.to_tag) : req.to.tag();
    const std::string key = dialog_key(req.call_id, local_tag, req.from.tag());
    if (code < 300) {
      auto d = dialogs_.find(key);
      if (d == dialogs_.end()) d = dialogs_.emplace(key, Dialog::as_uas(req, local_tag, code >= 200)).first;
      else if (code >= 200) d->second.confirm();
      if (code >= 200) {
        accepted_.erase(key);
        const auto a = accepted_.emplace(key, Accepted{AcceptedInvite(bytes, p.source.reliable, config_.timers, now),
                                                       p.source.context}).first;
        schedule_accepted(key, a->second.invite.next_timeout());
      }
    } else if (const auto d = dialogs_.find(key); d != dialogs_.end() && d->second.state() == Dialog::State::early) {
      erase_dialog(d);  // §12.3: a non-2xx final response ends an early dialog
    }
  }
  const bool sent = transactions_.respond(id, code, std::move(bytes), now);
  if (code >= 200) {
    if (!p.merge_key.empty()) merge_keys_.erase(p.merge_key);
    pending_.erase(it);
  }
  return sent;
}

void UserAgentCore::on_ack(const Message& msg) {
  const std::string key = dialog_key(msg.call_id, msg.to.tag(), msg.from.tag());
  const auto a = accepted_.find(key);
  if (a == accepted_.end()) return;  // a retransmitted ACK, or one for no dialog of ours
  accepted_.erase(a);
  const auto d = dialogs_.find(key);
  if (d == dialogs_.end()) return;
  d->second.confirm();
  if (callbacks_.on_ack) callbacks_.on_ack(d->second, msg);
}

TransactionId UserAgentCore::send_request(std::string request, bool reliable, std::uint64_t context, TimePoint now) {
  const bool invite = request.starts_with("INVITE ");
  const TransactionId id = transactions_.start_client(std::move(request), reliable, context, now);
  if (invite) uac_[id] = std::make_unique<Uac>(Uac{true});
  drain_events();
  return id;
}

TransactionId UserAgentCore::send_bye(const DialogId& id, std::string_view via, bool reliable, std::uint64_t context,
                                      TimePoint now) {
  const auto d = dialogs_.find(dialog_key(id.call_id, id.local_tag, id.remote_tag));
  if (d == dialogs_.end()) return 0;
  Dialog::Request bye;
  bye.method = "BYE";
  bye.via = std::string(via) + ";branch=" + ids_.branch();
  std::string bytes = d->second.make_request(bye);
  erase_dialog(d);
  return send_request(std::move(bytes), reliable, context, now);
}

void UserAgentCore::erase_dialog(std::unordered_map<std::string, Dialog>::iterator d) {
  accepted_.erase(d->first);
  acks_.erase(d->first);
  dialogs_.erase(d);
}

Dialog* UserAgentCore::find_dialog(const DialogId& id) {
  const auto d = dialogs_.find(dialog_key(id.call_id, id.local_tag, id.remote_tag));
  return d == dialogs_.end() ? nullptr : &d->second;
}

void UserAgentCore::on_response(TransactionId id, const Message& msg, TimePoint now) {
  (void)now;
  Dialog* dialog = nullptr;
  const ClientTransaction* txn = transactions_.client(id);
  const bool invite = uac_.count(id) != 0;
  if (invite && txn != nullptr && msg.status_code > 100 && msg.status_code < 300 && !msg.to.tag().empty()) {
    // §12.1.2 / §13.2.2.4: each 1xx/2xx with a To tag belongs to a dialog;
    // each 2xx is ACKed, and the ACK kept for its retransmissions.
    const Message& req = txn->request();
    const std::string key = dialog_key(req.call_id, req.from.tag(), msg.to.tag());
    auto d = dialogs_.find(key);
    if (d == dialogs_.end()) d = dialogs_.emplace(key, Dialog::as_uac(req, msg)).first;
    if (msg.status_code >= 200) {
      d->second.confirm();
      d->second.on_refresh_response(msg);
      // The ACK of the dialog's latest INVITE (initial or re-INVITE), kept
      // for the 2xx retransmissions.
      UacAck& ack_state = acks_[key];
      if (ack_state.bytes.empty() || ack_state.cseq != req.cseq.number) {
        Dialog::Request ack;
        ack.method = "ACK";
        ack.via = "SIP/2.0/" + config_.via_transport + " " + config_.via_sent_by + ";branch=" + ids_.branch();
        ack.ack_seq = req.cseq.number;
        ack_state = UacAck{req.cseq.number, d->second.make_request(ack)};
      }
      outgoing_.push_back(Outgoing{0, d->second.next_hop(), ack_state.bytes, 0});
    }
    dialog = &d->second;
  }
  if (callbacks_.on_response) callbacks_.on_response(id, msg, dialog);
}

void UserAgentCore::on_stray_response(const Message& msg) {
  // §13.2.2.4: a retransmitted 2xx after the INVITE transaction ended gets
  // the same ACK again.
  if (msg.cseq.method != "INVITE" || msg.status_code < 200 || msg.status_code >= 300) return;
  const std::string key = dialog_key(msg.call_id, msg.from.tag(), msg.to.tag());
  const auto a = acks_.find(key);
  const auto d = dialogs_.find(key);
  if (a != acks_.end() && a->second.cseq == msg.cseq.number && d != dialogs_.end())
    outgoing_.push_back(Outgoing{0, d->second.next_hop(), a->second.bytes, 0});
}

void UserAgentCore::drain_events() {
  while (const auto e = transactions_.poll_event()) {
    if (e->kind == TransactionEvent::Kind::terminated) {
      pending_.erase(e->id);
      uac_.erase(e->id);
      continue;
    }
    if ((e->kind == TransactionEvent::Kind::timeout || e->kind == TransactionEvent::Kind::transport_error) &&
        callbacks_.on_request_failed)
      callbacks_.on_request_failed(e->id, e->kind);
  }
}

void UserAgentCore::on_transport_error(TransactionId transaction) {
  transactions_.on_transport_error(transaction);
  drain_events();
}

void UserAgentCore::schedule_accepted(std::string key, std::optional<TimePoint> at) {
  if (!at) return;
  accepted_deadlines_.push_back({*at, std::move(key)});
  std::push_heap(accepted_deadlines_.begin(), accepted_deadlines_.end(), std::greater<>());
}

std::optional<TimePoint> UserAgentCore::next_accepted_timeout() {
  // Entries whose 2xx was acknowledged or rescheduled are dropped lazily.
  while (!accepted_deadlines_.empty()) {
    const AcceptedDeadline& top = accepted_deadlines_.front();
    const auto a = accepted_.find(top.key);
    if (a != accepted_.end() && a->second.invite.next_timeout() == top.at) return top.at;
    std::pop_heap(accepted_deadlines_.begin(), accepted_deadlines_.end(), std::greater<>());
    accepted_deadlines_.pop_back();
  }
  return std::nullopt;
}

std::optional<TimePoint> UserAgentCore::next_timeout() {
  return earliest({transactions_.next_timeout(), next_accepted_timeout()});
}

void UserAgentCore::on_timeout(TimePoint now) {
  transactions_.on_timeout(now);
  drain_events();
  for (std::optional<TimePoint> next; (next = next_accepted_timeout()) && *next <= now;) {
    std::pop_heap(accepted_deadlines_.begin(), accepted_deadlines_.end(), std::greater<>());
    std::string key = std::move(accepted_deadlines_.back().key);
    accepted_deadlines_.pop_back();
    const auto it = accepted_.find(key);
    AcceptedInvite& a = it->second.invite;
    a.on_timeout(now);
    if (a.state() == AcceptedInvite::State::abandoned) {
      // §13.3.1.4: no ACK for 64*T1: the session ends.
      accepted_.erase(it);
      if (const auto d = dialogs_.find(key); d != dialogs_.end()) {
        const Dialog ended = std::move(d->second);  // erased next
        erase_dialog(d);
        if (callbacks_.on_dialog_end) callbacks_.on_dialog_end(ended, "no ACK");
      }
      continue;
    }
    accepted_due_.push_back(key);  // Timer: the 2xx goes again
    schedule_accepted(std::move(key), a.next_timeout());
  }
}

std::optional<Outgoing> UserAgentCore::poll_transmit() {
  // ACKs first: an application reacting to a 2xx (a re-INVITE, a BYE) must
  // not overtake the ACK of that 2xx.
  if (!outgoing_.empty()) {
    last_ = outgoing_.front();
    outgoing_.pop_front();
    return last_;
  }
  if (const auto t = transactions_.poll_transmit()) return Outgoing{t->context, {}, t->bytes, t->id};
  while (!accepted_due_.empty()) {
    const auto a = accepted_.find(accepted_due_.front());
    accepted_due_.pop_front();
    if (a == accepted_.end()) continue;  // acknowledged meanwhile
    if (const auto bytes = a->second.invite.poll_transmit()) return Outgoing{a->second.context, {}, *bytes, 0};
  }
  return std::nullopt;
}

}  // namespace cosip::sip
