#include "sip/usage/subscription.hpp"

#include <utility>

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {
namespace {

// After the 2xx to an unsubscribe, how long the final NOTIFY may take: a
// non-INVITE transaction's lifetime, 64*T1 (RFC 3261 Timer F).
constexpr Duration final_notify_wait = std::chrono::seconds(32);

// Dialog::as_uac reads our SUBSCRIBE as a Message, which ours cannot be: it
// has no Via until the shell adds one, so parse_message refuses it. Of the
// request as_uac reads From, To, Call-ID and CSeq, which the 2xx repeats
// (RFC 3261 §8.2.6.2), and the Request-URI, which is ours.
Message as_sent(const Message& response, const Uri& request_uri) {
  Message m = response;
  m.is_request = true;
  m.method = response.cseq.method;
  m.request_uri = request_uri;
  return m;
}

// §4.1.2.2: answers to a refresh that mean the subscription is gone.
bool ends_subscription(int code) {
  return code == 404 || code == 405 || code == 410 || code == 416 || (code >= 480 && code <= 485) || code == 489 ||
         code == 501 || code == 604;
}

void add_line(std::string& lines, HeaderId id, std::string_view value) {
  lines += canonical_name(id);
  lines += ": ";
  lines += value;
  lines += "\r\n";
}

}  // namespace

std::string_view SubscriptionEvent::name() const {
  switch (kind) {
    case Kind::did_succeed: return "SCSubscriptionDidSucceed";
    case Kind::did_fail: return "SCSubscriptionDidFail";
    case Kind::will_end: return "SCSubscriptionWillEnd";
    case Kind::did_end: return "SCSubscriptionDidEnd";
    case Kind::got_notify: return "SCSubscriptionGotNotify";
  }
  return {};
}

Subscription::Subscription(SubscriptionConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event)
    : config_(std::move(config)),
      credentials_(digest),
      ids_(&ids),
      on_event_(std::move(on_event)),
      expires_(config_.expires),
      backoff_(config_.retry_interval, config_.max_retry_interval) {}

void Subscription::start(TimePoint now) {
  (void)now;
  if (state_ != State::idle && state_ != State::waiting_retry && state_ != State::ended) return;
  end_requested_ = false;
  subscribe();
}

void Subscription::end(TimePoint now) {
  (void)now;
  if (state_ == State::ended || state_ == State::unsubscribing || end_requested_) return;
  emit(usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::will_end));
  switch (state_) {
    case State::subscribing:
    case State::refreshing: end_requested_ = true; break;  // carried out when the SUBSCRIBE is answered
    case State::subscribed: unsubscribe(); break;
    default: finish(0, "not subscribed"); break;
  }
}

void Subscription::subscribe() {
  // §4.1.2.2: a new subscription has a fresh Call-ID and From tag, so that
  // nothing of an earlier dialog matches it.
  state_ = State::subscribing;
  dialog_.reset();
  timer_.reset();
  expires_at_.reset();
  call_id_ = ids_->call_id(host_of(config_.contact));
  from_tag_ = ids_->tag();
  send();
}

void Subscription::unsubscribe() {
  end_requested_ = false;
  state_ = State::unsubscribing;
  timer_.reset();
  send();
}

std::string Subscription::request_uri() const {
  // The digest-uri is the Request-URI (RFC 7616 §3.4): in the dialog, the
  // remote target. A strict router first would replace it (RFC 3261
  // §12.2.1.1); such a route set is not covered.
  return in_dialog() ? dialog_->remote_target() : config_.address.request_uri;
}

void Subscription::send() {
  credentials_.begin("SUBSCRIBE", request_uri(), in_dialog() ? std::string_view{} : config_.body);
  build();
}

void Subscription::build() {
  std::string lines;
  add_line(lines, HeaderId::event,
           config_.event_id.empty() ? config_.event : config_.event + ";id=" + config_.event_id);
  // §4.1.2.3: Expires: 0 unsubscribes.
  add_line(lines, HeaderId::expires, std::to_string(state_ == State::unsubscribing ? 0 : expires_));
  if (!config_.accept.empty()) {
    std::string accept;
    for (const std::string& type : config_.accept) accept += (accept.empty() ? "" : ", ") + type;
    add_line(lines, HeaderId::accept, accept);
  }
  const std::string contact = "<" + config_.contact + ">";
  if (!in_dialog()) {
    MessageWriter w =
        write_request_head(config_.address, "SUBSCRIBE", from_tag_, call_id_, ++cseq_, credentials_.headers());
    w.header(HeaderId::contact, contact);
    w.header_lines(lines);
    pending_ = UsageRequest(w.finish(config_.body, config_.content_type), config_.address.next_hop());
    return;
  }
  // §4.1.2.2: refreshes and the unsubscribe go inside the dialog (RFC 3261
  // §12.2.1.1); the Contact refreshes our target.
  for (const AuthHeader& h : credentials_.headers()) add_line(lines, h.id, h.value);
  if (!config_.address.user_agent.empty()) add_line(lines, HeaderId::user_agent, config_.address.user_agent);
  Dialog::Request r;
  r.method = "SUBSCRIBE";
  r.contact = contact;
  r.extra_headers = std::move(lines);
  pending_ = UsageRequest(dialog_->make_request(r), dialog_->next_hop());
}

std::optional<UsageRequest> Subscription::poll_request() {
  if (!pending_ || outstanding_) return std::nullopt;
  UsageRequest r = std::move(*pending_);
  pending_.reset();
  outstanding_ = true;
  return r;
}

void Subscription::on_response(const Message& response, TimePoint now) {
  const int code = response.status_code;
  if (code < 200 || !std::exchange(outstanding_, false) || std::exchange(ignore_answer_, false)) return;
  if (state_ != State::subscribing && state_ != State::refreshing && state_ != State::unsubscribing) return;
  std::string reason(response.reason_phrase);
  if (code == 401 || code == 407) {
    AuthErrc error = AuthErrc::ok;
    if (credentials_.on_challenge(response, "SUBSCRIBE", request_uri(),
                                  in_dialog() ? std::string_view{} : config_.body, error)) {
      build();
      return;
    }
    reason += " (" + std::string(to_string(error)) + ")";
  }
  if (state_ == State::unsubscribing) {
    if (code >= 300) {
      finish(code, std::move(reason));
      return;
    }
    // §4.1.2.3: the notifier confirms with a final NOTIFY; wait for it.
    unsubscribe_code_ = code;
    unsubscribe_reason_ = std::move(reason);
    timer_ = now + final_notify_wait;
    return;
  }
  // §4.2.1.1 (RFC 3261 §10.2.8): ask again with at least the Min-Expires.
  if (code == 423 && raise_to_min_expires(response, expires_)) {
    send();
    return;
  }
  if (code < 300) on_success(response, now);
  else if (state_ == State::refreshing) on_refresh_failure(code, std::move(reason), retry_after_seconds(response), now);
  else fail(code, std::move(reason), retry_after_seconds(response), now);
}

void Subscription::on_success(const Message& response, TimePoint now) {
  if (!dialog_) {
    // RFC 3261 §12.1.1: the 2xx gives the remote target; without it there
    // is nowhere to send refreshes.
    if (contact_uri(response).empty()) {
      fail(response.status_code, "no Contact in the 2xx", std::nullopt, now);
      return;
    }
    Uri uri;
    parse_uri(config_.address.request_uri, uri);
    dialog_ = Dialog::as_uac(as_sent(response, uri), response);
  } else if (response.to.tag() == dialog_->id().remote_tag) {
    // RFC 3261 §12.2.1.2: a refresh (or the 2xx after a NOTIFY made the dialog)
    // updates the remote target. A 2xx from another fork than the NOTIFY's
    // leaves the dialog as it is.
    dialog_->on_refresh_response(response);
  }
  // §4.1.2.1: the 2xx says how long the subscription lasts.
  const std::uint32_t granted = expires_seconds(response).value_or(expires_);
  state_ = State::subscribed;
  backoff_.reset();
  schedule_refresh(granted, now);
  SubscriptionEvent e = usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::did_succeed, response.status_code,
                                                        std::string(response.reason_phrase));
  e.expires = granted;
  emit(std::move(e));
  if (end_requested_) unsubscribe();
}

void Subscription::on_refresh_failure(int code, std::string reason, std::optional<std::uint32_t> retry_after,
                                      TimePoint now) {
  if (ends_subscription(code)) {
    finish(code, std::move(reason));
    return;
  }
  // §4.1.2.2: after any other failure the subscription lasts until its
  // known expiry; try again before then.
  state_ = State::subscribed;
  if (end_requested_) {
    unsubscribe();
    return;
  }
  const Duration wait = backoff_.next(retry_after);
  SubscriptionEvent e = usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::did_fail, code, std::move(reason));
  if (now + wait < *expires_at_) {
    timer_ = now + wait;
    e.retry_in = whole_seconds(wait);
  } else {
    timer_ = *expires_at_;  // it lapses first
  }
  emit(std::move(e));
}

void Subscription::schedule_refresh(std::uint32_t granted, TimePoint now) {
  expires_at_ = now + std::chrono::seconds(granted);
  timer_ = now + refresh_delay(granted);
}

void Subscription::fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now) {
  dialog_.reset();  // one a NOTIFY made ends with the attempt
  const Duration wait = backoff_.next(retry_after);
  state_ = State::waiting_retry;
  timer_ = now + wait;
  SubscriptionEvent e = usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::did_fail, code, std::move(reason));
  e.retry_in = whole_seconds(wait);
  emit(std::move(e));
  if (end_requested_) finish(0, "not subscribed");
}

void Subscription::on_no_response(int code, std::string_view reason, TimePoint now) {
  if (!std::exchange(outstanding_, false) || std::exchange(ignore_answer_, false)) return;
  switch (state_) {
    case State::subscribing: fail(code, std::string(reason), std::nullopt, now); break;
    case State::refreshing: on_refresh_failure(code, std::string(reason), std::nullopt, now); break;
    case State::unsubscribing: finish(code, std::string(reason)); break;
    default: break;
  }
}

int Subscription::on_request(const Message& request, TimePoint now) {
  // §4.1.3, §4.4.1: a NOTIFY is ours when it is on our dialog (Call-ID, our
  // tag) and, once the dialog exists, from its notifier. One from a second
  // notifier a forked SUBSCRIBE reached gets the shell's 481 (§4.1.2.4).
  if (request.method != "NOTIFY" || request.call_id != call_id_ || request.to.tag() != from_tag_) return 0;
  if (state_ == State::idle || state_ == State::waiting_retry || state_ == State::ended) return 0;
  if (dialog_ && request.from.tag() != dialog_->id().remote_tag) return 0;
  // §8.2.1: Event is mandatory, and its package and id name the subscription.
  const Header* event_header = request.find(HeaderId::event);
  TokenParams event;
  if (event_header == nullptr || !decode_token_params(event_header->value, event)) return 400;
  if (!detail::iequals(event.value, config_.event)) return 489;  // §8.3.2: not the package subscribed to
  const Param* id = find_param(event.params, "id");
  if ((id == nullptr ? std::string_view{} : id->value) != config_.event_id) return 0;
  // §8.2.3: so is Subscription-State.
  const Header* state_header = request.find(HeaderId::subscription_state);
  TokenParams state;
  if (state_header == nullptr || !decode_token_params(state_header->value, state)) return 400;
  if (!dialog_) {
    // §4.1.2.4: before the 2xx, the NOTIFY makes the dialog, and its Contact
    // is the remote target (RFC 3261 §8.1.1.8).
    if (contact_uri(request).empty()) return 400;
    dialog_ = Dialog::as_subscriber(request, cseq_);
  } else if (dialog_->on_request(request) == DialogCheck::out_of_order) return 500;

  SubscriptionEvent e = usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::got_notify);
  e.state = std::string(state.value);
  for (const Param& p : state.params) e.state_params.emplace_back(p.name, p.value);
  e.content_type = content_type_of(request);
  e.body = std::string(request.body);
  emit(std::move(e));

  if (detail::iequals(state.value, "terminated")) {
    on_terminated(state, now);
  } else if (state_ == State::subscribed) {
    // §4.1.3: the expires parameter tells how long the subscription lasts.
    std::uint32_t left = 0;
    const Param* expires = find_param(state.params, "expires");
    if (expires != nullptr && decode_uint(expires->value, 0xffffffffu, left)) schedule_refresh(left, now);
  }
  return 200;
}

void Subscription::on_terminated(const TokenParams& state, TimePoint now) {
  const Param* reason_param = find_param(state.params, "reason");
  std::string reason(reason_param == nullptr ? std::string_view{} : reason_param->value);
  dialog_.reset();
  if (state_ == State::unsubscribing || end_requested_) {
    finish(0, std::move(reason));
    return;
  }
  // §4.1.3: subscribe again at once after deactivated or timeout; after
  // retry-after (else the back-off) after probation or giveup; not after
  // rejected, noresource, invariant or an unknown reason.
  ignore_answer_ = outstanding_;  // a SUBSCRIBE in flight belonged to this dialog
  if (reason == "deactivated" || reason == "timeout") {
    subscribe();
  } else if (reason == "probation" || reason == "giveup") {
    std::optional<std::uint32_t> retry_after;
    std::uint32_t seconds = 0;
    const Param* p = find_param(state.params, "retry-after");
    if (p != nullptr && decode_uint(p->value, 0xffffffffu, seconds)) retry_after = seconds;
    state_ = State::waiting_retry;
    timer_ = now + backoff_.next(retry_after);
    expires_at_.reset();
  } else {
    finish(0, std::move(reason));
  }
}

void Subscription::finish(int code, std::string reason) {
  state_ = State::ended;
  end_requested_ = false;
  ignore_answer_ = outstanding_;
  dialog_.reset();
  timer_.reset();
  expires_at_.reset();
  pending_.reset();
  emit(usage_event<SubscriptionEvent>(SubscriptionEvent::Kind::did_end, code, std::move(reason)));
}

std::optional<TimePoint> Subscription::next_timeout() const { return timer_; }

void Subscription::on_timeout(TimePoint now) {
  if (!timer_ || now < *timer_) return;
  timer_.reset();
  switch (state_) {
    case State::subscribed:
      if (now >= *expires_at_) {
        finish(0, "expired");  // no refresh got through in time
      } else {
        state_ = State::refreshing;
        send();
      }
      break;
    case State::waiting_retry: subscribe(); break;
    case State::unsubscribing: finish(unsubscribe_code_, std::move(unsubscribe_reason_)); break;  // no final NOTIFY
    default: break;
  }
}

void Subscription::emit(SubscriptionEvent e) {
  if (on_event_) on_event_(e);
}

}  // namespace cosip::sip
