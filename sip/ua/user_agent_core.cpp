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

void add_once(std::vector<std::string>& items, std::string_view item) {
  if (!contains(items, item)) items.emplace_back(item);
}

// Whether requests to `uri` go over a reliable transport: a sips URI, or a
// transport parameter other than UDP (RFC 3263 §4.1).
bool reliable_transport(std::string_view uri_text) {
  Uri uri;
  if (parse_uri(uri_text, uri).error != nullptr) return false;
  if (uri.scheme == Uri::Scheme::sips) return true;
  const Param* transport = find_param(uri.params, "transport");
  return transport != nullptr && !detail::iequals(transport->value, "udp");
}

bool is_offer_method(std::string_view method) { return method == "INVITE" || method == "UPDATE"; }

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
  bool reliable = false;  // RFC 3262: its 1xx (but 100) go reliably

  void persist() {
    if (own) return;
    bytes.assign(request->raw);
    own = std::make_unique<Message>();
    parse_message(bytes, *own);
    request = own.get();
  }
};

// An INVITE we sent: the dialogs its responses create and, per dialog, the
// RSeq of the last reliable 1xx taken (RFC 3262 §4).
struct UserAgentCore::Uac {
  // A dialog of its 2xx that ended (by BYE, either way) while the
  // transaction still takes 2xx retransmissions (Timer M, RFC 6026 §8.4):
  // its ACK, sent again for each (§13.2.2.4), since a BYE can overtake an
  // ACK that was lost.
  struct Ended {
    std::string key;
    std::string next_hop;
    std::string ack;
  };
  bool offer = false;                // it carried a session description
  std::vector<std::string> early;    // keys of the dialogs its 1xx created
  std::unordered_map<std::string, std::uint32_t> rseq;
  std::deque<Ended> ended;           // a deque: outgoing_ holds views into it
};

UserAgentCore::UserAgentCore(UaConfig config, Callbacks callbacks)
    : config_(std::move(config)), callbacks_(std::move(callbacks)), transactions_(config_.timers) {
  // The extensions switched on are advertised in Supported and Allow.
  if (config_.reliable_provisionals) {
    add_once(config_.supported, "100rel");
    add_once(config_.allow, "PRACK");
  }
  if (config_.update) add_once(config_.allow, "UPDATE");
  if (config_.session_timer.enabled) add_once(config_.supported, "timer");
  allow_ = join(config_.allow);
}

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
  if (msg.method == "PRACK") {
    handle_prack(id, msg, now);
    return;
  }
  // RFC 4028 §9: a session interval below our minimum.
  if (config_.session_timer.enabled && is_offer_method(msg.method) &&
      session_interval_too_small(msg, config_.session_timer)) {
    reject(id, 422, "Min-SE: " + std::to_string(config_.session_timer.min_se) + "\r\n", now);
    return;
  }
  // RFC 3311 §5.2 (and §14.2 of RFC 3261 for re-INVITE): an offer in a
  // dialog while ours awaits its answer gets 491; while theirs awaits ours,
  // 500 with a Retry-After of 0 to 10 seconds.
  if (dialog != nullptr && is_offer_method(msg.method) && !msg.body.empty()) {
    const std::string key = dialog_key(msg.call_id, msg.to.tag(), msg.from.tag());
    if (const auto o = offers_.find(key); o != offers_.end()) {
      if (o->second.ours) reject(id, 491, {}, now);
      else reject(id, 500, "Retry-After: " + std::to_string(ids_.number(0, 10)) + "\r\n", now);
      return;
    }
    offers_.emplace(key, Offer{false, id});
  }
  // RFC 3262 §3: the 1xx to an INVITE that supports (or requires) 100rel go reliably.
  if (msg.method == "INVITE" && msg.to.tag().empty())
    p.reliable = config_.reliable_provisionals && (msg.has_option_tag(HeaderId::supported, "100rel") ||
                                                   msg.has_option_tag(HeaderId::require, "100rel"));
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

void UserAgentCore::handle_prack(TransactionId id, const Message& prack, TimePoint now) {
  // RFC 3262 §3: a PRACK acknowledges the unacknowledged reliable 1xx its
  // RAck names by RSeq, CSeq number and method; any other PRACK gets 481.
  const std::string key = dialog_key(prack.call_id, prack.to.tag(), prack.from.tag());
  const auto r = reliable_.find(key);
  const Header* h = prack.find(HeaderId::rack);
  RAck rack;
  if (r == reliable_.end() || !r->second.unacked || h == nullptr || !decode_rack(h->value, rack) ||
      rack.rseq != r->second.unacked_rseq || rack.cseq != r->second.invite_cseq || rack.method != "INVITE") {
    reject(id, 481, {}, now);
    return;
  }
  r->second.unacked.reset();
  respond(id, now, 200);
  send_queued(key, now);
}

bool UserAgentCore::reject(TransactionId id, int code, std::string_view extra_headers, TimePoint now) {
  return respond(id, now, code, {}, extra_headers);
}

bool UserAgentCore::respond(TransactionId id, TimePoint now, int code, std::string_view reason,
                            std::string_view extra_headers, std::string_view body, std::string_view content_type) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  const Pending& p = *it->second;
  // RFC 3262 §3: no reliable 1xx before the PRACK of the previous one, and
  // no 2xx before the PRACKs of all of them; they wait, in order. A 3xx-6xx
  // goes at once.
  if (p.reliable && code > 100 && code < 300) {
    const auto r = reliable_.find(dialog_key(p.request->call_id, p.to_tag, p.request->from.tag()));
    if (r != reliable_.end() && (r->second.unacked || !r->second.queued.empty())) {
      if (!r->second.queued.empty() && r->second.queued.back().code >= 200) return false;  // answered already
      r->second.queued.push_back(QueuedResponse{code, std::string(reason), std::string(extra_headers),
                                                std::string(body), std::string(content_type)});
      return true;
    }
  }
  return send_response(id, now, code, reason, extra_headers, body, content_type);
}

void UserAgentCore::send_queued(const std::string& key, TimePoint now) {
  for (auto r = reliable_.find(key); r != reliable_.end() && !r->second.unacked && !r->second.queued.empty();
       r = reliable_.find(key)) {
    const QueuedResponse q = std::move(r->second.queued.front());
    r->second.queued.pop_front();
    send_response(r->second.invite, now, q.code, q.reason, q.extra_headers, q.body, q.content_type);
  }
}

bool UserAgentCore::send_response(TransactionId id, TimePoint now, int code, std::string_view reason,
                                  std::string_view extra_headers, std::string_view body,
                                  std::string_view content_type) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  Pending& p = *it->second;
  const Message& req = *p.request;
  const bool invite = req.method == "INVITE";
  const bool success = code >= 200 && code < 300;
  const bool creates_dialog = invite && req.to.tag().empty() && code > 100 && code < 300;
  const bool reliable = p.reliable && code > 100 && code < 200;
  if (code > 100 && req.to.tag().empty() && p.to_tag.empty()) p.to_tag = ids_.tag();
  const std::string_view local_tag = req.to.tag().empty() ? std::string_view(p.to_tag) : req.to.tag();
  const std::string key = dialog_key(req.call_id, local_tag, req.from.tag());

  const ReceivedFrom from{p.source.address, p.source.port};
  MessageWriter w = response_to(req, code, reason.empty() ? reason_phrase(code) : reason, p.to_tag, &from);
  // §12.1.1: a response that establishes a dialog carries the request's
  // Record-Route values, in order, as received.
  if (creates_dialog)
    for (const Header& h : req.headers)
      if (h.id == HeaderId::record_route) w.header(h);
  // §12.1.1, RFC 3311 §5.2: a response that creates a dialog or accepts a
  // target refresh carries our Contact.
  if (creates_dialog || (is_offer_method(req.method) && success))
    w.header(HeaderId::contact, "<" + config_.contact + ">");
  if (invite && success) {
    w.header(HeaderId::allow, allow_);
    if (!config_.supported.empty()) w.header(HeaderId::supported, join(config_.supported));
  }
  std::optional<SessionExpires> se;
  if (config_.session_timer.enabled && is_offer_method(req.method) && success) {
    // RFC 4028 §9: the 2xx names the interval and the refresher; a UAC told
    // to refresh must understand it.
    se = answer_session_expires(req, config_.session_timer);
    w.header(HeaderId::session_expires, to_string(*se));
    if (se->refresher == Refresher::uac) w.header(HeaderId::require, std::string_view("timer"));
  }
  Reliable* rel = nullptr;
  std::uint32_t rseq = 0;
  if (reliable) {
    // RFC 3262 §3: RSeq starts at random below 2**31 and grows by one per
    // reliable 1xx of the INVITE.
    rel = &reliable_[key];
    if (rel->invite == 0)
      *rel = Reliable{id, req.cseq.number, p.source.context, ids_.number(1, 0x7fffffffu), 0, std::nullopt, {}};
    rseq = rel->next_rseq++;
    w.header(HeaderId::require, std::string_view("100rel"));
    w.header(HeaderId::rseq, std::to_string(rseq));
  }
  if (!config_.user_agent.empty()) w.header(HeaderId::server, config_.user_agent);
  w.header_lines(extra_headers);
  std::string bytes = w.finish(body, content_type);

  if (invite && code > 100) {
    if (code < 300) {
      auto d = dialogs_.find(key);
      if (d == dialogs_.end()) d = dialogs_.emplace(key, Dialog::as_uas(req, local_tag, code >= 200)).first;
      else if (code >= 200) d->second.confirm();
      if (code >= 200) {
        accepted_.erase(key);
        const auto a = accepted_.emplace(key, Accepted{AcceptedInvite(bytes, p.source.reliable, config_.timers, now,
                                                                      config_.timers.t2),
                                                       p.source.context}).first;
        schedule_accepted(key, a->second.invite.next_timeout());
      }
    } else if (const auto d = dialogs_.find(key); d != dialogs_.end() && d->second.state() == Dialog::State::early) {
      erase_dialog(d);  // §12.3: a non-2xx final response ends an early dialog
    }
  }
  if (is_offer_method(req.method) && !req.body.empty() && dialogs_.count(key) != 0) {
    // RFC 3264 §4, RFC 3262 §5: a final response, or a reliable 1xx with a
    // body, answers (or rejects) the request's offer; until then, it is
    // the peer's pending offer.
    const auto o = offers_.find(key);
    if (code >= 200 || (reliable && !body.empty())) {
      if (o != offers_.end() && o->second.transaction == id) offers_.erase(o);
    } else if (o == offers_.end() && code > 100) {
      offers_.emplace(key, Offer{false, id});
    }
  }
  if (se && dialogs_.count(key) != 0)
    session_timers_.insert_or_assign(key, SessionTimer(se->seconds, se->refresher == Refresher::uas, now));
  if (rel != nullptr) {
    // RFC 3262 §3: retransmitted at T1, 2*T1, ... (no cap) until its PRACK.
    rel->unacked.emplace(bytes, p.source.reliable, config_.timers, now, 64 * config_.timers.t1);
    rel->unacked_rseq = rseq;
  }
  const bool sent = transactions_.respond(id, code, std::move(bytes), now);
  if (code >= 200) {
    if (invite) reliable_.erase(key);
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
  const TransactionId id = transactions_.start_client(std::move(request), reliable, context, now);
  if (const ClientTransaction* txn = transactions_.client(id)) {
    const Message& req = txn->request();
    if (req.method == "INVITE") uac_[id] = std::make_unique<Uac>(Uac{!req.body.empty(), {}, {}, {}});
    // RFC 3311 §5.2: an offer we make in a dialog is pending until its
    // final response (an offer already pending stays the one that counts).
    if (is_offer_method(req.method) && !req.body.empty() && !req.to.tag().empty())
      offers_.emplace(dialog_key(req.call_id, req.from.tag(), req.to.tag()), Offer{true, id});
  }
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

std::string UserAgentCore::own_via() {
  return "SIP/2.0/" + config_.via_transport + " " + config_.via_sent_by + ";branch=" + ids_.branch();
}

void UserAgentCore::send_own(const Dialog& dialog, std::string request, TimePoint now) {
  std::string hop = dialog.next_hop();
  const TransactionId id = transactions_.start_client(std::move(request), reliable_transport(hop), 0, now);
  own_.insert_or_assign(id, std::move(hop));
}

void UserAgentCore::expire_session(const std::string& key, TimePoint now) {
  // RFC 4028 §10: no refresh came in time: the session ends with a BYE.
  const auto d = dialogs_.find(key);
  if (d == dialogs_.end()) return;
  Dialog::Request bye;
  bye.method = "BYE";
  bye.via = own_via();
  std::string bytes = d->second.make_request(bye);
  const Dialog ended = d->second;
  erase_dialog(d);
  send_own(ended, std::move(bytes), now);
  if (callbacks_.on_dialog_end) callbacks_.on_dialog_end(ended, "session expired");
}

void UserAgentCore::erase_dialog(std::unordered_map<std::string, Dialog>::iterator d) {
  accepted_.erase(d->first);
  if (const auto a = acks_.find(d->first); a != acks_.end()) {
    if (const auto uac = uac_.find(a->second.invite); uac != uac_.end())
      uac->second->ended.push_back(Uac::Ended{d->first, d->second.next_hop(), std::move(a->second.bytes)});
    acks_.erase(a);
  }
  reliable_.erase(d->first);
  offers_.erase(d->first);
  session_timers_.erase(d->first);
  dialogs_.erase(d);
}

Dialog* UserAgentCore::find_dialog(const DialogId& id) {
  const auto d = dialogs_.find(dialog_key(id.call_id, id.local_tag, id.remote_tag));
  return d == dialogs_.end() ? nullptr : &d->second;
}

const SessionTimer* UserAgentCore::session_timer(const DialogId& id) const {
  const auto t = session_timers_.find(dialog_key(id.call_id, id.local_tag, id.remote_tag));
  return t == session_timers_.end() ? nullptr : &t->second;
}

void UserAgentCore::on_response(TransactionId id, const Message& msg, TimePoint now) {
  if (own_.count(id) != 0) return;  // to the core's own PRACK or BYE
  const int code = msg.status_code;
  const bool success = code >= 200 && code < 300;
  const std::string key = dialog_key(msg.call_id, msg.from.tag(), msg.to.tag());
  Dialog* dialog = nullptr;
  const auto uac = uac_.find(id);
  const ClientTransaction* txn = transactions_.client(id);
  if (uac != uac_.end() && txn != nullptr && code > 100 && code < 300 && !msg.to.tag().empty()) {
    // §12.1.2 / §13.2.2.4: each 1xx/2xx with a To tag belongs to a dialog;
    // each 2xx is ACKed, and the ACK kept for its retransmissions.
    const Message& req = txn->request();
    auto d = dialogs_.find(key);
    if (d == dialogs_.end()) {
      // A response retransmitted after its dialog ended makes no new
      // dialog and is not passed on; a 2xx gets its ACK again.
      const std::deque<Uac::Ended>& ended = uac->second->ended;
      const auto e = std::find_if(ended.begin(), ended.end(), [&key](const Uac::Ended& x) { return x.key == key; });
      if (e != ended.end()) {
        if (code >= 200) outgoing_.push_back(Outgoing{0, e->next_hop, e->ack, 0});
        return;
      }
      d = dialogs_.emplace(key, Dialog::as_uac(req, msg)).first;
      if (code < 200) {
        uac->second->early.push_back(key);
        if (uac->second->offer) offers_.emplace(key, Offer{true, id});
      }
    }
    if (code < 200 && !on_provisional(id, *uac->second, d->second, key, msg, now)) return;
    if (code >= 200) {
      d->second.confirm();
      d->second.on_refresh_response(msg);
      // The ACK of the dialog's latest INVITE (initial or re-INVITE), kept
      // for the 2xx retransmissions.
      UacAck& ack_state = acks_[key];
      if (!ack_state.bytes.empty() && ack_state.cseq == req.cseq.number) {
        // RFC 6026 §8.10: a retransmitted 2xx gets the same ACK again; the
        // application heard of this 2xx already.
        outgoing_.push_back(Outgoing{0, d->second.next_hop(), ack_state.bytes, 0});
        return;
      }
      Dialog::Request ack;
      ack.method = "ACK";
      ack.via = own_via();
      ack.ack_seq = req.cseq.number;
      ack_state = UacAck{req.cseq.number, id, d->second.make_request(ack)};
      outgoing_.push_back(Outgoing{0, d->second.next_hop(), ack_state.bytes, 0});
    }
    dialog = &d->second;
  } else if (msg.cseq.method == "UPDATE" && success) {
    // RFC 3311 §5.1: UPDATE is a target refresh request (§12.2.1.2).
    if (const auto d = dialogs_.find(key); d != dialogs_.end()) {
      d->second.on_refresh_response(msg);
      dialog = &d->second;
    }
  }
  if (code >= 200) {
    // A final response answers our offer (2xx) or rejects it.
    if (const auto o = offers_.find(key); o != offers_.end() && o->second.transaction == id) offers_.erase(o);
    // §12.3: a non-2xx final response ends the early dialogs of the request.
    if (uac != uac_.end() && code >= 300) {
      for (const std::string& early : uac->second->early)
        if (const auto d = dialogs_.find(early); d != dialogs_.end() && d->second.state() == Dialog::State::early)
          erase_dialog(d);
    }
  }
  if (dialog != nullptr && success && config_.session_timer.enabled) {
    // RFC 4028 §7.2: the 2xx names the interval and the refresher (none
    // named: we asked, we refresh); a 2xx without Session-Expires turns the
    // session timer off.
    if (const std::optional<SessionExpires> se = session_expires(msg))
      session_timers_.insert_or_assign(key, SessionTimer(se->seconds, se->refresher != Refresher::uas, now));
    else
      session_timers_.erase(key);
  }
  if (callbacks_.on_response) callbacks_.on_response(id, msg, dialog);
}

bool UserAgentCore::on_provisional(TransactionId id, Uac& uac, Dialog& dialog, const std::string& key,
                                   const Message& msg, TimePoint now) {
  if (!config_.reliable_provisionals || !msg.has_option_tag(HeaderId::require, "100rel")) return true;
  // RFC 3262 §4: a reliable 1xx is taken (PRACKed once, passed on) only when
  // it is the first of its dialog or the next in RSeq order; retransmissions
  // and responses out of order are dropped. One without RSeq is malformed (§7.1).
  const Header* h = msg.find(HeaderId::rseq);
  std::uint32_t rseq = 0;
  if (h == nullptr || !decode_uint(h->value, 0xffffffffu, rseq)) return false;
  const auto [last, first] = uac.rseq.try_emplace(key, rseq);
  if (!first) {
    if (rseq != last->second + 1) return false;
    last->second = rseq;
  }
  std::string rack;
  append(rack, RAck{rseq, msg.cseq.number, "INVITE"});
  Dialog::Request prack;
  prack.method = "PRACK";
  prack.via = own_via();
  prack.extra_headers = std::string(canonical_name(HeaderId::rack)) + ": " + rack + "\r\n";
  send_own(dialog, dialog.make_request(prack), now);
  // RFC 3262 §5: a session description in a reliable 1xx answers the INVITE's offer.
  if (const auto o = offers_.find(key); !msg.body.empty() && o != offers_.end() && o->second.transaction == id)
    offers_.erase(o);
  return true;
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
      own_.erase(e->id);
      continue;
    }
    if ((e->kind == TransactionEvent::Kind::timeout || e->kind == TransactionEvent::Kind::transport_error) &&
        own_.count(e->id) == 0 && callbacks_.on_request_failed)
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
  std::optional<TimePoint> next = earliest({transactions_.next_timeout(), next_accepted_timeout()});
  for (const auto& [key, r] : reliable_)
    if (r.unacked) next = earliest({next, r.unacked->next_timeout()});
  for (const auto& [key, t] : session_timers_) next = earliest({next, t.next_timeout()});
  return next;
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
  std::vector<std::string> unacknowledged;
  for (auto& [key, r] : reliable_) {
    if (!r.unacked) continue;
    r.unacked->on_timeout(now);
    if (r.unacked->state() == AcceptedInvite::State::abandoned) unacknowledged.push_back(key);
  }
  for (const std::string& key : unacknowledged) {
    // RFC 3262 §3: no PRACK for 64*T1: the INVITE is rejected with a 5xx
    // (which ends its early dialog).
    const auto r = reliable_.find(key);
    const TransactionId invite = r->second.invite;
    reliable_.erase(r);
    std::optional<Dialog> ended;
    if (const auto d = dialogs_.find(key); d != dialogs_.end()) ended = d->second;
    send_response(invite, now, 500, {}, {}, {}, {});
    if (ended && callbacks_.on_dialog_end) callbacks_.on_dialog_end(*ended, "no PRACK");
  }
  std::vector<std::pair<std::string, SessionTimer::Event>> due;
  for (auto& [key, t] : session_timers_)
    for (auto e = t.on_timeout(now); e != SessionTimer::Event::none; e = t.on_timeout(now)) due.emplace_back(key, e);
  for (const auto& [key, event] : due) {
    const auto d = dialogs_.find(key);
    const auto t = session_timers_.find(key);
    if (d == dialogs_.end() || t == session_timers_.end()) continue;  // ended meanwhile
    if (event == SessionTimer::Event::expired) expire_session(key, now);
    else if (callbacks_.on_session_refresh) callbacks_.on_session_refresh(d->second, t->second.interval());
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
  if (const auto t = transactions_.poll_transmit()) {
    // The core's own requests go to their dialog's next hop.
    const auto own = own_.find(t->id);
    return Outgoing{t->context, own == own_.end() ? std::string() : own->second, t->bytes, t->id};
  }
  while (!accepted_due_.empty()) {
    const auto a = accepted_.find(accepted_due_.front());
    accepted_due_.pop_front();
    if (a == accepted_.end()) continue;  // acknowledged meanwhile
    if (const auto bytes = a->second.invite.poll_transmit()) return Outgoing{a->second.context, {}, *bytes, 0};
  }
  for (auto& [key, r] : reliable_)
    if (r.unacked)
      if (const auto bytes = r.unacked->poll_transmit()) return Outgoing{r.context, {}, *bytes, 0};
  return std::nullopt;
}

}  // namespace cosip::sip
