#include "sip/usage/registration.hpp"

#include <algorithm>

namespace cosip::sip {
std::string_view RegistrationEvent::name() const {
  switch (kind) {
    case Kind::did_succeed: return "SCRegistrationDidSucceed";
    case Kind::did_fail: return "SCRegistrationDidFail";
    case Kind::will_end: return "SCRegistrationWillEnd";
    case Kind::did_end: return "SCRegistrationDidEnd";
  }
  return {};
}

Registration::Registration(RegistrationConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event)
    : config_(std::move(config)),
      credentials_(digest),
      on_event_(std::move(on_event)),
      call_id_(ids.call_id(host_of(config_.contacts.empty() ? std::string_view{} : config_.contacts.front()))),
      from_tag_(ids.tag()),
      expires_(config_.expires),
      backoff_(config_.retry_interval, config_.max_retry_interval) {}

void Registration::start(TimePoint now) {
  (void)now;
  if (state_ == State::registering || state_ == State::unregistering) return;
  state_ = State::registering;
  end_requested_ = false;
  timer_.reset();
  send();
}

void Registration::end(TimePoint now) {
  if (state_ == State::ended) return;
  emit(usage_event<RegistrationEvent>(RegistrationEvent::Kind::will_end));
  if (state_ == State::registering) {
    end_requested_ = true;  // carried out when the REGISTER in flight is answered
    return;
  }
  if (state_ != State::unregistering) remove_bindings(now);
}

void Registration::remove_bindings(TimePoint now) {
  (void)now;
  timer_.reset();
  end_requested_ = false;
  if (!bound_) {
    finish(0, "not registered");
    return;
  }
  state_ = State::unregistering;
  send();
}

void Registration::send() {
  ++cseq_;
  credentials_.begin("REGISTER", config_.address.request_uri);
  build();
}

void Registration::build() {
  const bool removing = state_ == State::unregistering;
  MessageWriter w =
      write_request_head(config_.address, "REGISTER", from_tag_, call_id_, cseq_, credentials_.headers());
  for (const std::string& c : config_.contacts) {
    std::string v = "<" + c + ">";
    if (!config_.instance_id.empty()) {
      v += ";+sip.instance=\"" + config_.instance_id + "\"";
      if (config_.reg_id != 0) v += ";reg-id=" + std::to_string(config_.reg_id);
    }
    if (removing) v += ";expires=0";  // §10.2.2: only our own bindings, not "*"
    w.header(HeaderId::contact, v);
  }
  // RFC 5626 §4.2.1: a reg-id comes with the outbound option tag.
  if (config_.reg_id != 0 && !config_.instance_id.empty()) w.header(HeaderId::supported, std::string_view("outbound"));
  w.header(HeaderId::expires, std::to_string(removing ? 0 : expires_));
  pending_ = w.finish();
}

std::optional<UsageRequest> Registration::poll_request() {
  if (!pending_) return std::nullopt;
  UsageRequest r(std::move(*pending_), config_.address.next_hop());
  pending_.reset();
  return r;
}

void Registration::on_response(const Message& response, TimePoint now) {
  const int code = response.status_code;
  if (code < 200 || (state_ != State::registering && state_ != State::unregistering)) return;
  std::string reason(response.reason_phrase);
  if (code == 401 || code == 407) {
    AuthErrc error = AuthErrc::ok;
    if (credentials_.on_challenge(response, "REGISTER", config_.address.request_uri, {}, error)) {
      ++cseq_;
      build();
      return;
    }
    reason += " (" + std::string(to_string(error)) + ")";
  }
  if (state_ == State::unregistering) {
    finish(code, std::move(reason));
    return;
  }
  // §10.2.8: ask again with at least the registrar's Min-Expires.
  if (code == 423 && raise_to_min_expires(response, expires_)) {
    send();
    return;
  }
  if (code >= 200 && code < 300) on_success(response, now);
  else fail(code, std::move(reason), retry_after_seconds(response), now);
}

void Registration::on_success(const Message& response, TimePoint now) {
  RegistrationEvent e = usage_event<RegistrationEvent>(RegistrationEvent::Kind::did_succeed, response.status_code,
                                                      std::string(response.reason_phrase));
  std::vector<Uri> ours(config_.contacts.size());
  for (std::size_t i = 0; i < ours.size(); ++i) parse_uri(config_.contacts[i], ours[i]);
  // §10.3 step 8: the 2xx lists every binding with its expiry: a contact's
  // expires parameter, else the Expires header.
  const std::uint32_t header_expires = expires_seconds(response).value_or(expires_);
  std::optional<std::uint32_t> granted;
  for (const Header& h : response.headers) {
    if (h.id != HeaderId::contact) continue;
    ContactList list;
    if (!decode_contact(h.value, list)) continue;
    for (const NameAddr& entry : list.entries) {
      ContactBinding b{to_string(entry.uri), header_expires, false};
      if (const Param* p = find_param(entry.params, "expires")) decode_uint(p->value, 0xffffffffu, b.expires);
      for (const Uri& u : ours) b.ours |= uri_equal(u, entry.uri);
      if (b.ours) granted = std::min(granted.value_or(b.expires), b.expires);
      e.contacts.push_back(std::move(b));
    }
  }
  // A registrar that lists none of our contacts is taken at its Expires.
  e.expires = granted.value_or(header_expires);
  if (e.expires == 0) {
    fail(response.status_code, "registrar kept no binding", std::nullopt, now);
    return;
  }
  state_ = State::registered;
  bound_ = true;
  backoff_.reset();
  timer_ = now + refresh_delay(e.expires);
  emit(std::move(e));
  if (end_requested_) remove_bindings(now);
}

void Registration::fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now) {
  const Duration wait = backoff_.next(retry_after);
  state_ = State::waiting_retry;
  timer_ = now + wait;
  RegistrationEvent e = usage_event<RegistrationEvent>(RegistrationEvent::Kind::did_fail, code, std::move(reason));
  e.retry_in = whole_seconds(wait);
  emit(std::move(e));
  if (end_requested_) remove_bindings(now);
}

void Registration::on_no_response(int code, std::string_view reason, TimePoint now) {
  if (state_ == State::unregistering) finish(code, std::string(reason));
  else if (state_ == State::registering) fail(code, std::string(reason), std::nullopt, now);
}

void Registration::finish(int code, std::string reason) {
  state_ = State::ended;
  bound_ = false;
  timer_.reset();
  pending_.reset();
  emit(usage_event<RegistrationEvent>(RegistrationEvent::Kind::did_end, code, std::move(reason)));
}

std::optional<TimePoint> Registration::next_timeout() const { return timer_; }

void Registration::on_timeout(TimePoint now) {
  if (!timer_ || now < *timer_) return;
  timer_.reset();
  if (state_ == State::registered || state_ == State::waiting_retry) {
    state_ = State::registering;
    send();
  }
}

void Registration::emit(RegistrationEvent e) {
  if (on_event_) on_event_(e);
}

}  // namespace cosip::sip
