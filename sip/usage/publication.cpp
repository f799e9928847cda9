#include "sip/usage/publication.hpp"

#include <utility>

namespace cosip::sip {

std::string_view PublicationEvent::name() const {
  switch (kind) {
    case Kind::did_succeed: return "SCPublicationDidSucceed";
    case Kind::did_fail: return "SCPublicationDidFail";
    case Kind::will_end: return "SCPublicationWillEnd";
    case Kind::did_end: return "SCPublicationDidEnd";
  }
  return {};
}

Publication::Publication(PublicationConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event)
    : config_(std::move(config)),
      credentials_(digest),
      on_event_(std::move(on_event)),
      call_id_(ids.call_id(host_of(config_.address.request_uri))),
      from_tag_(ids.tag()),
      expires_(config_.expires),
      backoff_(config_.retry_interval, config_.max_retry_interval) {}

void Publication::publish(std::string body, std::string content_type, TimePoint now) {
  (void)now;
  body_ = std::move(body);
  content_type_ = content_type.empty() ? config_.content_type : std::move(content_type);
  ++version_;
  if (state_ == State::publishing) return;  // sent after the answer
  if (state_ == State::unpublishing) {
    republish_ = true;
    return;
  }
  state_ = State::publishing;
  end_requested_ = false;
  timer_.reset();
  send();
}

void Publication::end(TimePoint now) {
  (void)now;
  if (state_ == State::ended || state_ == State::unpublishing || end_requested_) return;
  emit(usage_event<PublicationEvent>(PublicationEvent::Kind::will_end));
  if (state_ == State::publishing) {
    end_requested_ = true;  // carried out when the PUBLISH in flight is answered
    return;
  }
  unpublish();
}

void Publication::unpublish() {
  end_requested_ = false;
  timer_.reset();
  if (etag_.empty()) {
    finish(0, "not published");
    return;
  }
  state_ = State::unpublishing;
  send();
}

bool Publication::carries_body() const {
  return state_ != State::unpublishing && (etag_.empty() || version_ != accepted_version_);
}

void Publication::send() {
  ++cseq_;
  credentials_.begin("PUBLISH", config_.address.request_uri, carries_body() ? body_ : std::string_view{});
  build();
}

void Publication::build() {
  const bool with_body = carries_body();
  sent_version_ = with_body ? version_ : 0;
  MessageWriter w = write_request_head(config_.address, "PUBLISH", from_tag_, call_id_, cseq_, credentials_.headers());
  w.header(HeaderId::event, config_.event);
  // §4.1: refreshes, modifications and the removal name the state they
  // apply to (§4.3, §4.4, §4.5).
  if (!etag_.empty()) w.header(HeaderId::sip_if_match, etag_);
  w.header(HeaderId::expires, std::to_string(state_ == State::unpublishing ? 0 : expires_));
  pending_ = with_body ? w.finish(body_, content_type_) : w.finish();
}

std::optional<UsageRequest> Publication::poll_request() {
  if (!pending_) return std::nullopt;
  UsageRequest r(std::move(*pending_), config_.address.next_hop());
  pending_.reset();
  return r;
}

void Publication::on_response(const Message& response, TimePoint now) {
  const int code = response.status_code;
  if (code < 200 || (state_ != State::publishing && state_ != State::unpublishing)) return;
  std::string reason(response.reason_phrase);
  if (code == 401 || code == 407) {
    AuthErrc error = AuthErrc::ok;
    if (credentials_.on_challenge(response, "PUBLISH", config_.address.request_uri,
                                  carries_body() ? body_ : std::string_view{}, error)) {
      ++cseq_;
      build();
      return;
    }
    reason += " (" + std::string(to_string(error)) + ")";
  }
  if (state_ == State::unpublishing) {
    finish(code, std::move(reason));
    return;
  }
  // §5: the entity-tag matches no state there (it expired, or the
  // compositor lost it): publish anew, with the last body.
  if (code == 412 && !etag_.empty()) {
    etag_.clear();
    send();
    return;
  }
  // §5: ask again with at least the compositor's Min-Expires.
  if (code == 423 && raise_to_min_expires(response, expires_)) {
    send();
    return;
  }
  if (code < 300) on_success(response, now);
  else fail(code, std::move(reason), retry_after_seconds(response), now);
}

void Publication::on_success(const Message& response, TimePoint now) {
  // §4.1, §5: a 2xx carries the entity-tag and the granted expiry.
  const Header* etag = response.find(HeaderId::sip_etag);
  if (etag == nullptr || etag->value.empty()) {
    fail(response.status_code, "no SIP-ETag in the 2xx", std::nullopt, now);
    return;
  }
  const std::uint32_t granted = expires_seconds(response).value_or(expires_);
  etag_ = std::string(etag->value);
  if (sent_version_ != 0) accepted_version_ = sent_version_;
  state_ = State::published;
  backoff_.reset();
  timer_ = now + refresh_delay(granted);
  PublicationEvent e = usage_event<PublicationEvent>(PublicationEvent::Kind::did_succeed, response.status_code,
                                                      std::string(response.reason_phrase));
  e.expires = granted;
  e.etag = etag_;
  emit(std::move(e));
  if (end_requested_) {
    unpublish();
  } else if (version_ != accepted_version_) {
    // A body given while this PUBLISH was in flight (§4.4).
    state_ = State::publishing;
    timer_.reset();
    send();
  }
}

void Publication::fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now) {
  // The entity-tag stays: the state may outlive this failure at the
  // compositor, and a 412 to the retry says when it did not.
  const Duration wait = backoff_.next(retry_after);
  state_ = State::waiting_retry;
  timer_ = now + wait;
  PublicationEvent e = usage_event<PublicationEvent>(PublicationEvent::Kind::did_fail, code, std::move(reason));
  e.retry_in = whole_seconds(wait);
  emit(std::move(e));
  if (end_requested_) unpublish();
}

void Publication::on_no_response(int code, std::string_view reason, TimePoint now) {
  if (state_ == State::unpublishing) finish(code, std::string(reason));
  else if (state_ == State::publishing) fail(code, std::string(reason), std::nullopt, now);
}

void Publication::finish(int code, std::string reason) {
  state_ = State::ended;
  etag_.clear();
  timer_.reset();
  pending_.reset();
  emit(usage_event<PublicationEvent>(PublicationEvent::Kind::did_end, code, std::move(reason)));
  if (std::exchange(republish_, false)) {
    state_ = State::publishing;
    send();
  }
}

std::optional<TimePoint> Publication::next_timeout() const { return timer_; }

void Publication::on_timeout(TimePoint now) {
  if (!timer_ || now < *timer_) return;
  timer_.reset();
  if (state_ == State::published || state_ == State::waiting_retry) {
    state_ = State::publishing;
    send();
  }
}

void Publication::emit(PublicationEvent e) {
  if (on_event_) on_event_(e);
}

}  // namespace cosip::sip
